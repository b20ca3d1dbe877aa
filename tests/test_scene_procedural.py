"""The procedural builder: determinism, valid layouts (no overlap, inside, supported, walkable), knobs."""
from collections import Counter
from functools import cache

import numpy as np
import pytest

from simgen.geometry import convex_polygons_overlap, obb_corners, obb_footprint, points_in_polygon, quat_to_matrix
from simgen.registry import SCENE_BUILDERS, ConfigError
from simgen.scene.freespace import scene_free_space
from simgen.scene.layout import FREE_RESOLUTION, MAIN_SHARE, SPAWN_GAP
from simgen.scene.placement import WALL_GAP
from simgen.scene.catalogue import asset
from simgen.scene.composition import choose
from simgen.scene.procedural import PlacementError, ProceduralBuilder, ProceduralConfig, rebuild
from simgen.scene.room import walls
from simgen.seeding import rng

CONFIGS = {
    "default": {},
    "L": {"room_shape": "L", "room_width": 6.0, "room_depth": 5.0, "num_furniture": 7, "num_small_objects": 10},
    "crowded": {"num_objects": 32, "num_occluders": 1, "clutter_density": 0.9, "duplicates_per_category": 3},
}
ALL = [(name, i) for name in CONFIGS for i in range(4)]


@cache
def scenes(name: str) -> list:
    """Four scenes (seeds 0–3) of one configuration, built once per test session."""
    return [ProceduralBuilder(ProceduralConfig(**CONFIGS[name])).build(seed, 0, 0) for seed in range(4)]


def footprint(obj) -> np.ndarray:
    return obb_footprint(obj.pose.position, obj.half_extents, quat_to_matrix(obj.pose.quat_wxyz))


def scene(key):
    name, i = key
    return scenes(name)[i]


def test_same_seed_same_scene_and_different_seed_different_scene():
    builder = SCENE_BUILDERS.build({"name": "procedural", "num_furniture": 4, "num_small_objects": 5})
    a, b = builder.build(11, 2, 3), builder.build(11, 2, 3)
    assert a.to_dict() == b.to_dict() and a.scene_id == "procedural-s11-sh2-0003"
    for other in (builder.build(12, 2, 3), builder.build(11, 3, 3), builder.build(11, 2, 4)):
        assert other.to_dict()["objects"] != a.to_dict()["objects"]


@pytest.mark.parametrize("key", ALL, ids=lambda k: f"{k[0]}-{k[1]}")
def test_floor_objects_do_not_overlap_and_everything_is_inside(key):
    spec = scene(key)
    poly = np.array(spec.room.footprint)
    floor = [o for o in spec.objects if o.support is None]
    for i, a in enumerate(floor):
        for b in floor[i + 1:]:
            assert not convex_polygons_overlap(footprint(a), footprint(b)), f"{a.name} overlaps {b.name}"
    for obj in spec.objects:
        fp = footprint(obj)
        # corners and edge points inside the room, no room corner inside the footprint
        edges = np.concatenate([fp + (np.roll(fp, -1, 0) - fp) * t for t in np.linspace(0, 1, 9)[:-1]])
        assert points_in_polygon(edges, poly).all(), f"{obj.name} pokes out of the room"
        assert not points_in_polygon(poly, fp).any(), f"a room corner is inside {obj.name}"
        top = obb_corners(obj.pose.position, obj.half_extents, quat_to_matrix(obj.pose.quat_wxyz))[:, 2].max()
        assert top <= spec.room.height + 1e-9


@pytest.mark.parametrize("key", ALL, ids=lambda k: f"{k[0]}-{k[1]}")
def test_small_objects_rest_on_a_support_top_face_and_furniture_on_the_floor(key):
    spec = scene(key)
    for obj in spec.objects:
        R = quat_to_matrix(obj.pose.quat_wxyz)
        assert R[2, 2] == pytest.approx(1.0), f"{obj.name} is tilted: only yaw is allowed"
        bottom = obj.pose.position[2] - obj.half_extents[2]
        if obj.kind != "small":
            assert obj.mass == 0.0 and obj.support is None and bottom == pytest.approx(0.0, abs=1e-12)
            continue
        assert obj.mass > 0
        if obj.support is None:
            assert bottom == pytest.approx(SPAWN_GAP, abs=1e-12)
            continue
        support = spec.object(obj.support)
        assert support.kind == "furniture"
        corners = obb_footprint(obj.pose.position, obj.half_extents, R)
        Rs = quat_to_matrix(support.pose.quat_wxyz)
        local = (np.column_stack([corners, np.full(4, bottom)]) - support.pose.position) @ Rs
        # some box part of the support has its top face SPAWN_GAP below the object and holds its footprint
        held = [p for p in support.parts if p.shape == "box"
                and abs(p.offset.position[2] + p.size[2] + SPAWN_GAP - local[0, 2]) < 1e-9
                and (np.abs(local[:, :2] - p.offset.position[:2]) <= np.array(p.size[:2]) + 1e-9).all()]
        assert held, f"{obj.name} does not rest on a top face of {support.name}"


@pytest.mark.parametrize("key", ALL, ids=lambda k: f"{k[0]}-{k[1]}")
def test_wall_pieces_have_their_back_to_a_wall_and_face_the_room(key):
    spec = scene(key)
    room_walls = walls(spec.room.footprint)
    pieces = [o for o in spec.objects if asset(o.category).placement == "wall"]
    for obj in pieces:
        front = quat_to_matrix(obj.pose.quat_wxyz)[:2, 0]  # local +x, the side the piece faces
        back = np.array(obj.pose.position[:2]) - front * obj.half_extents[0]
        assert any(np.allclose(w.normal, front, atol=1e-9) and abs(np.dot(back - w.start, w.normal) - WALL_GAP) < 1e-9
                   for w in room_walls), f"{obj.name} does not stand with its back to a wall, facing in"


@pytest.mark.parametrize("key", ALL, ids=lambda k: f"{k[0]}-{k[1]}")
def test_free_floor_is_one_walkable_region(key):
    spec = scene(key)
    cfg = spec.complexity
    # free cells beyond clearance + half a cell: neighbouring free centres are joined by walkable steps
    fs = scene_free_space(spec, clearance=cfg["camera_clearance"] + FREE_RESOLUTION / 2, resolution=FREE_RESOLUTION)
    main = fs.largest_component()
    assert fs.area(main) >= MAIN_SHARE * fs.area()
    assert fs.area(main) >= cfg["min_free_fraction"] * cfg["floor_area"] and fs.area(main) > 1.0


def test_small_objects_on_the_same_surface_do_not_overlap():
    for spec in scenes("crowded"):
        small = [o for o in spec.objects if o.support is not None]
        for i, a in enumerate(small):
            for b in small[i + 1:]:
                same_level = abs((a.pose.position[2] - a.half_extents[2]) - (b.pose.position[2] - b.half_extents[2]))
                if a.support == b.support and same_level < 1e-9:
                    assert not convex_polygons_overlap(footprint(a), footprint(b)), f"{a.name} / {b.name}"


def test_counts_categories_and_complexity_record():
    for spec in scenes("crowded"):
        c = spec.complexity
        kinds = Counter(o.kind for o in spec.objects)
        assert c["num_objects"] == 32 == kinds["furniture"] + kinds["small"] and kinds["occluder"] == 1
        assert (kinds["furniture"], kinds["small"]) == (c["num_furniture"], c["num_small_objects"])
        assert [o.object_id for o in spec.objects] == list(range(1, len(spec.objects) + 1))
        assert len({o.name for o in spec.objects}) == len(spec.objects)
        assert c["source"] == {"builder": "procedural", "seed": spec.seed, "shard": 0, "scene_index": 0}
    for spec in scenes("default"):
        cats = Counter(o.category for o in spec.objects if o.kind != "occluder")
        assert len(cats) <= 12 and max(cats.values()) <= 2  # num_categories, duplicates_per_category


def test_duplicates_and_category_cap():
    cfg = ProceduralConfig(num_furniture=4, num_small_objects=8, num_categories=4, duplicates_per_category=3,
                           duplicate_fraction=1.0)
    for seed in range(3):
        spec = ProceduralBuilder(cfg).build(seed, 0, 0)
        cats = Counter(o.category for o in spec.objects)
        assert len(cats) <= 4 and sorted(cats.values())[-1] >= 3


def test_max_count_holds_while_the_budget_allows():
    pool = [asset("bed"), asset("chair")]
    for seed in range(10):
        drawn = Counter(a.category for a in choose(rng(seed), pool, 5, 2, 2, 1.0))
        assert sum(drawn.values()) == 5 and drawn["bed"] <= 2


def test_restricted_categories_and_l_shape_record():
    cfg = ProceduralConfig(room_shape="L", categories=("table", "chair", "mug", "book"), num_furniture=4,
                           num_small_objects=4)
    spec = ProceduralBuilder(cfg).build(0, 0, 0)
    assert {o.category for o in spec.objects} <= {"table", "chair", "mug", "book"}
    assert spec.room.shape == "L" and len(spec.room.footprint) == 6


def test_colour_and_lighting_variation_zero_are_plain():
    spec = ProceduralBuilder(ProceduralConfig(color_variation=0.0, lighting_variation=0.0)).build(0, 0, 0)
    assert all(o.color == asset(o.category).colors[0] for o in spec.objects)
    assert spec.lighting.ambient == 0.6 and spec.lighting.color == (1.0, 1.0, 1.0)


def test_rebuild_from_complexity():
    spec = scenes("crowded")[1]
    assert rebuild(spec).to_dict() == spec.to_dict()


@pytest.mark.parametrize("knobs, key", [
    ({"num_furniture": -1}, "num_furniture"),
    ({"num_furniture": 40, "room_width": 4.0, "room_depth": 3.0}, "num_furniture"),
    ({"num_occluders": 9}, "num_occluders"),
    ({"num_small_objects": 500}, "num_small_objects"),
    ({"num_objects": 900}, "num_objects"),
    ({"room_shape": "round"}, "room_shape"),
    ({"room_shape": "L", "room_width": 2.5}, "room_width"),
    ({"room_height": 1.0}, "room_height"),
    ({"clutter_density": 1.5}, "clutter_density"),
    ({"duplicates_per_category": 0}, "duplicates_per_category"),
    ({"num_categories": 1}, "num_categories"),
    ({"categories": ["table", "unicorn"]}, "unicorn"),
    ({"categories": ["mug"], "num_furniture": 3}, "categories"),
    ({"num_furniture": 2.5}, "num_furniture"),
    ({"size_variation": 0.6}, "size_variation"),
])
def test_bad_knobs_are_rejected_naming_the_key(knobs, key):
    with pytest.raises(ConfigError, match=key):
        SCENE_BUILDERS.build({"name": "procedural", **knobs})


def test_capacity_message_says_what_the_room_holds():
    expected = r"^scene.num_furniture=40: a 4.0×3.0 m rect room holds at most \d+ furniture"
    with pytest.raises(ConfigError, match=expected):
        SCENE_BUILDERS.build({"name": "procedural", "num_furniture": 40, "room_width": 4.0, "room_depth": 3.0})


def test_unplaceable_layout_raises_a_placement_error_naming_knobs():
    cfg = ProceduralConfig(room_width=3.0, room_depth=3.0, num_furniture=4, num_small_objects=0, walk_clearance=1.5,
                           categories=("table",), max_attempts=3, size_jitter=0.0)
    with pytest.raises(PlacementError, match="lower scene.num_furniture"):
        ProceduralBuilder(cfg).build(0, 0, 0)


def test_size_variation_overlaps_category_sizes_and_is_recorded():
    """With size_variation the same category comes in different sizes across scenes (so its name no
    longer tells its size); at 0 nothing is drawn, so scenes are exactly what they were."""
    heights: dict[str, list[float]] = {}
    for seed in range(12):
        spec = ProceduralBuilder(ProceduralConfig(size_variation=0.4)).build(seed, 0, 0)
        assert spec.complexity["size_variation"] == 0.4
        for o in spec.objects:
            heights.setdefault(o.category, []).append(2 * o.half_extents[2])
            assert 2 * o.half_extents[2] <= spec.room.height - 0.2 + 1e-9 or o.kind == "occluder"
    spread = [max(h) / min(h) for c, h in heights.items() if len(h) >= 4]
    assert spread and np.median(spread) > 1.4
    plain = ProceduralBuilder(ProceduralConfig(size_variation=0.0)).build(3, 0, 0)
    again = ProceduralBuilder(ProceduralConfig(size_variation=0.0)).build(3, 0, 0)
    assert plain.to_dict() == again.to_dict()
