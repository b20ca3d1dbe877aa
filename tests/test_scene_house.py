"""Houses (scene=house, issue 18): floor plans, doors and windows in walls, furnished rooms, knobs, physics.

Plans are checked against their own definition from outside the generator: points sampled over the
house lie in one room or in a wall gap between two, a door's two sides lie in exactly its two rooms,
a window's inner side in its room and its outer side outside the house.
"""
import dataclasses
import itertools
import json
from functools import cache

import numpy as np
import pytest

from simgen.geometry import obb_footprint, points_in_polygon, polygon_area, quat_to_matrix
from simgen.registry import SCENE_BUILDERS, ConfigError, parse_config
from simgen.scene.assets_rooms import ROOM_TYPES as FURNISHINGS
from simgen.scene.floorplan import EXTERIOR_WALL, HALL_WIDTH, INTERIOR_WALL, WINDOW_ZONE, draw_plan, draw_types, draw_windows, \
    room_names
from simgen.scene.freespace import scene_free_space
from simgen.scene.house import DOOR_ZONE, ROOM_WEIGHTS, HouseBuilder, HouseConfig, rebuild
from simgen.scene.layout import FREE_RESOLUTION
from simgen.seeding import rng
from simgen.simulators import room_geometry
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator
from simgen.types import SceneSpec

EPS = 1e-6


def build(seed=0, **knobs) -> SceneSpec:
    return HouseBuilder(parse_config(HouseConfig, knobs, "scene")).build(seed, 0, 0)


@cache
def house(seed: int, num_rooms: int) -> SceneSpec:
    return build(seed, num_rooms=num_rooms)


def plans():
    """Plans (without furniture) for 1-8 rooms, three seeds each, with the default knobs."""
    cfg = HouseConfig()
    for n, seed in itertools.product(range(1, 9), range(3)):
        types = draw_types(rng(seed, 0, 0, "types"), n, ROOM_WEIGHTS)
        plan = draw_plan(rng(seed, 0, 0, "plan"), types, None, cfg.door_width, cfg.door_height, cfg.extra_doors)
        yield n, seed, draw_windows(rng(seed, 0, 0, "windows"), plan, cfg.window_width, cfg.window_sill,
                                    cfg.window_top)


def rooms_at(plan_rooms, point) -> list[int]:
    return [k for k, r in enumerate(plan_rooms) if points_in_polygon([point], r.footprint)[0]]


def segment(o):
    a, b = np.asarray(o.start), np.asarray(o.end)
    u = (b - a) / np.linalg.norm(b - a)
    return a, b, np.array([-u[1], u[0]])


@pytest.mark.parametrize("n,seed,plan", list(plans()), ids=lambda v: str(v) if isinstance(v, int) else "")
def test_plan_rooms_tile_the_house_and_doors_and_windows_sit_in_their_walls(n, seed, plan):
    w, d = plan.width, plan.depth
    assert len(plan.rooms) == n
    for r in plan.rooms:
        fp = np.array(r.footprint)
        assert polygon_area(fp) > 0, "footprints are counter-clockwise"
        assert fp.min() >= -EPS and (fp[:, 0] <= w + EPS).all() and (fp[:, 1] <= d + EPS).all()
    # every point of the house is in exactly one room, or in an interior wall: at most half its thickness from
    # the nearest room and within its thickness of another (distances per axis, so junctions of walls count)
    grid = np.stack(np.meshgrid(np.linspace(0.013, w - 0.013, 90), np.linspace(0.017, d - 0.017, 90)), -1).reshape(-1, 2)
    inside = np.array([points_in_polygon(grid, r.footprint) for r in plan.rooms])
    assert inside.sum(0).max() == 1, "rooms overlap"
    for p in grid[inside.sum(0) == 0]:
        dist = sorted(_distance_to_box(p, r.footprint) for r in plan.rooms)
        assert dist[0] <= INTERIOR_WALL / 2 + EPS and dist[1] <= INTERIOR_WALL + EPS, f"{p} is in no room nor wall"
    doors = [o for o in plan.openings if o.kind == "door"]
    windows = [o for o in plan.openings if o.kind == "window"]
    for o in doors:
        a, b, normal = segment(o)
        assert np.linalg.norm(b - a) == pytest.approx(0.9) and o.bottom == 0.0 and o.top == 2.05
        for t in (0.0, 0.5, 1.0):  # both ends and the middle: each side is in exactly one of the door's rooms
            p = a + t * (b - a)
            sides = [rooms_at(plan.rooms, p + s * normal * (INTERIOR_WALL / 2 + 0.01)) for s in (1, -1)]
            assert sorted(sum(sides, [])) == sorted(o.rooms) and all(len(s) == 1 for s in sides)
            assert rooms_at(plan.rooms, p + normal * (INTERIOR_WALL / 2 - 0.01)) == []  # the centre line is in the wall
    reached, todo = {0}, [0]
    while todo:
        k = todo.pop()
        for o in doors:
            if k in o.rooms:
                new = set(o.rooms) - reached
                reached |= new
                todo += list(new)
    assert reached == set(range(n)), "every room is reachable through doors"
    assert len(doors) >= n - 1
    for o in windows:
        a, b, normal = segment(o)
        (k,) = o.rooms
        for t in (0.0, 0.5, 1.0):
            p = a + t * (b - a)
            sides = [rooms_at(plan.rooms, p + s * normal * (EXTERIOR_WALL / 2 + 0.01)) for s in (1, -1)]
            assert sorted(sum(sides, [])) == [k], "a window joins its room and the outside"
            assert not (0 < p[0] < w and 0 < p[1] < d)  # on the outside wall, not inside the house
        assert 0.0 < o.bottom < o.top <= 2.1 + EPS
        assert plan.rooms[k].room_type != "hallway"
        if plan.rooms[k].room_type == "bathroom":
            assert o.bottom >= 1.4 and np.linalg.norm(b - a) <= 0.6 + EPS
    names = [r.name for r in plan.rooms]
    assert len(set(names)) == n


def _distance_to_box(p, footprint) -> float:
    lo, hi = np.min(footprint, axis=0), np.max(footprint, axis=0)
    return float(np.max(np.maximum(np.maximum(lo - p, p - hi), 0.0)))


def test_a_hallway_is_a_corridor_along_the_house():
    cfg = HouseConfig()
    types = ["living", "bedroom", "kitchen", "bathroom", "hallway", "office"]
    for seed in range(4):
        plan = draw_plan(rng(seed, 0, 0, "plan"), types, None, cfg.door_width, cfg.door_height, cfg.extra_doors)
        fp = np.array(plan.rooms[4].footprint)
        short, long_ = sorted(fp.max(0) - fp.min(0))
        assert HALL_WIDTH[0] - EPS <= short <= HALL_WIDTH[1] + 0.01 and long_ == pytest.approx(max(plan.width, plan.depth))
        doors = [o for o in plan.openings if 4 in o.rooms]
        assert len(doors) >= 3  # the rooms open onto it


def test_exterior_wall_is_the_simulators_wall_and_names_number_repeats():
    assert EXTERIOR_WALL == room_geometry.WALL_THICKNESS
    assert room_names(["living", "bedroom", "kitchen", "bedroom", "dining"]) == [
        "living room", "bedroom", "kitchen", "bedroom 2", "dining room"]


def footprint(obj) -> np.ndarray:
    return obb_footprint(obj.pose.position, obj.half_extents, quat_to_matrix(obj.pose.quat_wxyz))


def door_zones(spec: SceneSpec, k: int):
    """(start, end, inward normal) of each door side of room k: the zone is DOOR_ZONE deep from the wall face."""
    centre = np.mean(spec.rooms[k].footprint, axis=0)
    for o in spec.openings:
        if o.kind == "door" and k in o.rooms:
            a, b, normal = segment(o)
            normal = normal if np.dot(centre - a, normal) > 0 else -normal
            yield a + normal * INTERIOR_WALL / 2, b + normal * INTERIOR_WALL / 2, normal


@pytest.mark.parametrize("seed,n", [(0, 4), (1, 6)])
def test_objects_lie_in_their_room_and_out_of_door_zones(seed, n):
    spec = house(seed, n)
    ids = [o.object_id for o in spec.objects]
    assert ids == list(range(1, len(ids) + 1)) and len({o.name for o in spec.objects}) == len(ids)
    for cat in {o.category for o in spec.objects}:
        named = [o.name for o in spec.objects if o.category == cat]
        assert named == [f"{cat.replace(' ', '_')}_{i}" for i in range(1, len(named) + 1)]
    g = np.linspace(-1.0, 1.0, 7)
    for k, content in enumerate(spec.complexity["rooms"]):
        room = spec.rooms[k]
        assert content["name"] == room.name and content["room_type"] == room.room_type
        objs = spec.objects[content["first_object_id"] - 1: content["last_object_id"]]
        assert {o.category for o in objs} <= FURNISHINGS[room.room_type].categories()
        zones = list(door_zones(spec, k))
        for obj in objs:
            assert points_in_polygon(footprint(obj), room.footprint).all(), f"{obj.name} leaves the {room.name}"
            if obj.support is not None:
                assert content["first_object_id"] <= obj.support <= content["last_object_id"]
            # points over the object's box seen from above, none in front of a door
            R = quat_to_matrix(obj.pose.quat_wxyz)
            local = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2) * obj.half_extents[:2]
            pts = np.asarray(obj.pose.position[:2]) + local @ R[:2, :2].T
            for a, b, normal in zones:
                u = (b - a) / np.linalg.norm(b - a)
                along, depth = (pts - a) @ u, (pts - a) @ normal
                hit = (along >= 0) & (along <= np.linalg.norm(b - a)) & (depth >= 0) & (depth <= DOOR_ZONE)
                assert not hit.any(), f"{obj.name} stands in front of a door of the {room.name}"
    assert len(spec.rooms) == n and spec.complexity["num_objects"] == len(spec.objects)
    windows = [o for o in spec.openings if o.kind == "window"]
    assert len(windows) >= n - 1
    for o in windows:  # nothing reaching above the sill stands in front of a window (but its curtain)
        a, b, normal = segment(o)
        (k,) = o.rooms
        normal = normal if np.dot(np.mean(spec.rooms[k].footprint, axis=0) - a, normal) > 0 else -normal
        u = (b - a) / np.linalg.norm(b - a)
        for obj in spec.objects:
            if obj.kind != "small" and obj.category != "curtain" and obj.pose.position[2] + obj.half_extents[2] > o.bottom:
                fp = footprint(obj)
                along, depth = (fp - a) @ u, (fp - a) @ normal - EXTERIOR_WALL / 2
                assert along.max() <= 0 or along.min() >= np.linalg.norm(b - a) or depth.min() >= WINDOW_ZONE, \
                    f"{obj.name} stands in front of a window of the {spec.rooms[k].name}"


@pytest.mark.parametrize("seed,n", [(0, 4), (1, 6)])
def test_the_walkway_is_one_region_through_the_doors_into_every_room(seed, n):
    """A camera 0.3 m clear of everything on the floor and of the walls (interior walls as the simulators build
    them, doorways open) can walk from any room into every other."""
    spec = house(seed, n)
    space = scene_free_space(spec, clearance=HouseConfig().camera_clearance + FREE_RESOLUTION / 2)
    main = space.largest_component()
    walkway = space.centres()[main]
    assert space.area(main) >= 0.95 * space.area()
    for room in spec.rooms:
        assert points_in_polygon(walkway, room.footprint).sum() * FREE_RESOLUTION ** 2 >= 1.0, room.name


def test_same_seed_same_house_and_rebuild():
    a = house(0, 4)
    b = SCENE_BUILDERS.build({"name": "house", "num_rooms": 4}).build(0, 0, 0)
    assert a == b and a.to_dict() == b.to_dict() and a.scene_id == "house-s0-sh0-0000"
    assert build(0, num_rooms=2, door_width=0.8).openings != house(0, 2).openings and build(1, num_rooms=1) != house(0, 1)
    assert rebuild(a) == a
    again = SceneSpec.from_dict(json.loads(json.dumps(a.to_dict())))
    assert again.to_dict() == a.to_dict() and again.rooms == a.rooms and again.openings == a.openings
    assert a.room.footprint == ((0.0, 0.0), (a.complexity["house_width"], 0.0),
                                (a.complexity["house_width"], a.complexity["house_depth"]),
                                (0.0, a.complexity["house_depth"]))
    assert a.room.height == 2.6


def test_room_types_knob_and_one_room_house():
    spec = build(2, num_rooms=3, room_types=["office", "hallway", "bathroom"], ceiling_height=3.0,
                 door_height=2.2, window_top=2.4)
    assert [r.room_type for r in spec.rooms] == ["office", "hallway", "bathroom"]
    assert spec.room.height == 3.0 and all(o.top == 2.2 for o in spec.openings if o.kind == "door")
    one = build(0, num_rooms=1)
    assert [r.name for r in one.rooms] == ["living room"] and not [o for o in one.openings if o.kind == "door"]


@pytest.mark.parametrize("knobs,key", [
    ({"num_rooms": 9}, "scene.num_rooms"),
    ({"num_rooms": 2, "room_types": ["kitchen"]}, "scene.room_types"),
    ({"num_rooms": 1, "room_types": ["garage"]}, "scene.room_types"),
    ({"room_weights": {"garage": 1.0}}, "scene.room_weights"),
    ({"room_weights": {"office": -1.0}}, "scene.room_weights"),
    ({"num_rooms": 8, "house_area": 30.0}, "scene.house_area"),
    ({"door_width": 2.0}, "scene.door_width"),
    ({"door_height": 2.6}, "scene.door_height"),
    ({"window_top": 2.55}, "scene.window_top"),
    ({"window_sill": 1.9}, "scene.window_sill"),
    ({"furniture_per_m2": 2.0}, "scene.furniture_per_m2"),
    ({"rooms": 3}, "scene: unknown key"),
])
def test_bad_knobs_name_their_key(knobs, key):
    with pytest.raises(ConfigError, match=key):
        build(0, **knobs)


def test_small_house_settles_in_pybullet():
    """Small objects resting on their supports move less than 1 cm while pybullet settles the house."""
    spec = build(3, num_rooms=2)
    sim = PybulletSimulator(PybulletConfig(renderer="tiny"))
    try:
        states = sim.load(spec)
    finally:
        sim.close()
    small = [(o, s) for o, s in zip(spec.objects, states) if o.mass > 0]
    assert len(small) >= 20
    for obj, state in small:
        moved = np.linalg.norm(np.subtract(state.pose.position, obj.pose.position))
        assert moved < 0.01, f"{obj.name} moved {moved:.3f} m while settling"


def test_house_config_knobs_reach_every_room():
    cfg = parse_config(HouseConfig, {"walk_clearance": 0.5, "size_variation": 0.1}, "scene")
    room = cfg.room_config("bedroom", 12.0)
    assert room.walk_clearance == 0.5 and room.size_variation == 0.1 and room.room_height == cfg.ceiling_height
    assert room.num_furniture == round(12.0 * cfg.furniture_per_m2) and room.num_small_objects == round(12 * cfg.small_per_m2)
    assert dataclasses.replace(cfg).room_config("bathroom", 5.0).num_furniture == 3  # the core comes anyway


def test_the_median_eight_room_house_holds_150_objects():
    """Issue 18's house: at the default knobs the median 8-room house of seeds 0-7 holds at least 150 objects
    (139-211 since room sizes span each type's real range, ×3: a house of eight small rooms holds fewer)."""
    specs = [house(seed, 8) for seed in range(8)]
    assert all(s.complexity["num_objects"] == len(s.objects) for s in specs)
    assert np.median([len(s.objects) for s in specs]) >= 150
    assert np.median([sum(o.kind == "small" for o in s.objects) for s in specs]) >= 80


def test_an_eight_room_house_settles_in_pybullet():
    """Every small object of the 8-room house at seed 1 moves < 1 cm while settling (a table lamp at a dresser's
    back edge stood into the picture hung above it and fell 1.3 m, before what hangs above a piece kept its
    surfaces clear)."""
    spec = house(1, 8)
    sim = PybulletSimulator(PybulletConfig(renderer="tiny"))
    try:
        states = sim.load(spec)
    finally:
        sim.close()
    moved = {o.name: np.linalg.norm(np.subtract(s.pose.position, o.pose.position))
             for o, s in zip(spec.objects, states) if o.mass > 0}
    assert len(moved) >= 80 and max(moved.values()) < 0.01, max(moved.items(), key=lambda kv: kv[1])
