"""Curtains at a house's windows (issue 18): made to the window's measure, against its wall, clear of doors and of
everything else, static while physics settles the house.

Checked from outside the placement code: a curtain's box is matched to a window by the house's own openings
(its back on the wall's inner face, its span covering the window's), and interpenetration is tested on points
sampled over the curtain's box against every other object's box.
"""
from functools import cache

import numpy as np
import pytest

from simgen.geometry import obb_footprint, points_in_polygon, quat_to_matrix
from simgen.registry import parse_config
from simgen.scene.catalogue import CATALOGUE, instantiate
from simgen.scene.curtains import DEPTH
from simgen.scene.floorplan import EXTERIOR_WALL
from simgen.scene.house import DOOR_ZONE, HouseBuilder, HouseConfig
from simgen.scene.placement import WALL_GAP
from simgen.seeding import rng
from simgen.simulators import mujoco_gl
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator

HOUSES = [(4, 2), (5, 2), (0, 3)]  # (seed, rooms): 3 curtains each, floor- and sill-length


@cache
def house(seed: int, num_rooms: int):
    return HouseBuilder(parse_config(HouseConfig, {"num_rooms": num_rooms}, "scene")).build(seed, 0, 0)


def curtains(spec):
    return [o for o in spec.objects if o.category == "curtain"]


def box_points(obj, n=6) -> np.ndarray:
    """Points filling an object's box (world), n per axis."""
    g = np.linspace(-1.0, 1.0, n)
    local = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3) * obj.half_extents
    return np.asarray(obj.pose.position) + local @ quat_to_matrix(obj.pose.quat_wxyz).T


def wall_frame(spec, o):
    """(window start on the wall's inner face, unit along the window, inward normal, length)."""
    a, b = np.asarray(o.start), np.asarray(o.end)
    length = float(np.linalg.norm(b - a))
    u = (b - a) / length
    n = np.array([-u[1], u[0]])
    (k,) = o.rooms
    n = n if np.dot(np.mean(spec.rooms[k].footprint, axis=0) - a, n) > 0 else -n
    return a + n * EXTERIOR_WALL / 2, u, n, length


@pytest.mark.parametrize("seed,num_rooms", HOUSES)
def test_each_curtain_hangs_against_its_window_wall_over_the_whole_window(seed, num_rooms):
    spec = house(seed, num_rooms)
    windows = [o for o in spec.openings if o.kind == "window"]
    assert len(curtains(spec)) >= 3
    matched = set()
    for c in curtains(spec):
        fp = obb_footprint(c.pose.position, c.half_extents, quat_to_matrix(c.pose.quat_wxyz))
        bottom, top = c.pose.position[2] - c.half_extents[2], c.pose.position[2] + c.half_extents[2]
        mine = []
        for w, o in enumerate(windows):
            face, u, n, length = wall_frame(spec, o)
            along, depth = (fp - face) @ u, (fp - face) @ n
            if abs(depth.min() - WALL_GAP) < 1e-6 and along.max() > 0 and along.min() < length:  # on its wall, at it
                mine.append(w)
                assert depth.max() <= WALL_GAP + DEPTH + 1e-9, "no deeper than a curtain"
                assert along.min() <= 1e-9 and along.max() >= length - 1e-9, "the rod spans the whole window"
                assert along.max() - along.min() <= length + 0.5 + 1e-9, "at most 25 cm past each side"
                assert o.top < top <= spec.room.height - 0.1 + 1e-9, "the rod above the window, under the ceiling"
                assert 0.0 < bottom < o.bottom, "it hangs below the sill"
                R = quat_to_matrix(c.pose.quat_wxyz)
                assert R[:2, 0] @ n == pytest.approx(1.0), "its front (+x) faces into the room"
        assert len(mine) == 1, f"{c.name} hangs at {len(mine)} windows"
        matched |= set(mine)
    assert len(matched) == len(curtains(spec)), "one curtain per window"


@pytest.mark.parametrize("seed,num_rooms", HOUSES)
def test_curtains_stand_clear_of_doors_and_of_everything_else(seed, num_rooms):
    spec = house(seed, num_rooms)
    for c in curtains(spec):
        k = next(k for k, r in enumerate(spec.rooms) if points_in_polygon([c.pose.position[:2]], r.footprint)[0])
        pts = box_points(c)
        for other in spec.objects:
            if other is c:
                continue
            fp = obb_footprint(other.pose.position, other.half_extents, quat_to_matrix(other.pose.quat_wxyz))
            z0, z1 = other.pose.position[2] - other.half_extents[2], other.pose.position[2] + other.half_extents[2]
            inside = points_in_polygon(pts[:, :2], fp) & (pts[:, 2] >= z0) & (pts[:, 2] <= z1)
            assert not inside.any(), f"{c.name} runs into {other.name}"
        centre = np.mean(spec.rooms[k].footprint, axis=0)
        for o in spec.openings:
            if o.kind == "door" and k in o.rooms:  # the zone DOOR_ZONE deep in front of the door stays free
                a, b = np.asarray(o.start), np.asarray(o.end)
                u = (b - a) / np.linalg.norm(b - a)
                n = np.array([-u[1], u[0]])
                n = n if np.dot(centre - a, n) > 0 else -n
                along, depth = (pts[:, :2] - a) @ u, (pts[:, :2] - a) @ n
                assert not ((along >= 0) & (along <= np.linalg.norm(b - a)) & (depth >= 0)
                            & (depth <= EXTERIOR_WALL / 2 + DOOR_ZONE)).any(), f"{c.name} hangs across a door"


def settled(sim, spec):
    try:
        sim.load(spec)
        return sim.step(1.0)
    finally:
        sim.close()


def assert_curtains_still(spec, states):
    for obj, state in zip(spec.objects, states):
        if obj.category == "curtain":
            assert np.linalg.norm(np.subtract(state.pose.position, obj.pose.position)) < 0.01, obj.name
            assert abs(np.dot(state.pose.quat_wxyz, obj.pose.quat_wxyz)) == pytest.approx(1.0, abs=1e-6)


def test_curtains_hang_still_while_pybullet_settles_the_house():
    spec = house(*HOUSES[0])
    assert_curtains_still(spec, settled(PybulletSimulator(PybulletConfig(renderer="tiny")), spec))


@pytest.mark.skipif(mujoco_gl.unavailable_reason() is not None, reason=str(mujoco_gl.unavailable_reason()))
def test_curtains_hang_still_in_mujoco_too():
    from simgen.simulators.mujoco import MujocoConfig, MujocoSimulator

    spec = house(*HOUSES[1])
    assert_curtains_still(spec, settled(MujocoSimulator(MujocoConfig(quality="fast")), spec))


@pytest.mark.parametrize("variant", CATALOGUE["curtain"].variant_names())
def test_a_curtain_made_to_measure_has_exactly_that_width_and_height(variant):
    inst = instantiate(CATALOGUE["curtain"], rng(0, 0, 0, "fit"), 0.5, 2.6, 0.0, variant, fit=(1.73, 1.41))
    assert 2 * inst.half_extents[1] == pytest.approx(1.73) and 2 * inst.half_extents[2] == pytest.approx(1.41)
    assert 2 * inst.half_extents[0] <= DEPTH + 1e-9 and inst.mass == 0.0
