"""Golden projection in a house (``test_house_walls.house()``), on every physics backend and on Blender Cycles.

Checked against numbers worked out by hand from the plan, not against ``house_walls``: an object's projected
face centre is its mask's centroid; an object in the kitchen is hidden by the interior wall when the line of
sight meets the wall and seen when it passes the doorway; depth through the doorway is the kitchen's far wall
(planar depth 7.2 m), beside it the interior wall (3.15 m); a window is a hole (nothing behind it). The walls
are static collision geometry (engine ray queries). Blender (64×48, one sample; skipped without a Blender
Python) shows the ids pybullet shows.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sim_scenes import BLUE, GREEN, RED, THIN, box, centroid, intrinsics
from test_house_walls import DOOR_TOP, HEIGHT, SILL, WINDOW_TOP, house
from test_sim_contract import BACKENDS

from simgen.geometry import look_at, project
from simgen.types import CameraIntrinsics, ObjectState

EYE = np.array([0.8, 1.25, 1.1])  # in the living room, level with the living–kitchen doorway (y 0.8..1.7)
THROUGH_DOOR = look_at(EYE, EYE + [1.0, 0.0, 0.0])  # optical axis along +x, through the doorway
AT_WALL_EYE = np.array([0.8, 3.8, 1.1])
KITCHEN_BOX = box(1, (6.0, 1.25, 0.9), (THIN, 0.2, 0.15), rgba=RED)  # faces the camera (face at x = 5.98)
LIVING_BOX = box(2, (2.5, 2.2, 1.4), (THIN, 0.15, 0.1), rgba=GREEN)
BEDROOM_BOX = box(3, (6.0, 3.8, 0.9), (0.2, 0.2, 0.2), rgba=BLUE)  # never in view from the living room


@pytest.fixture(params=BACKENDS, ids=lambda b: b.name)
def sim(request):
    reason = request.param.unavailable()
    if reason:
        pytest.skip(reason)
    with request.param.make() as s:
        yield s


def face_centre(obj):
    """Centre of the box face that looks towards −x (the camera)."""
    return np.asarray(obj.pose.position) - [obj.half_extents[0], 0.0, 0.0]


def test_projected_face_centres_are_mask_centroids_through_the_doorway(sim):
    K = intrinsics()
    sim.load(house([KITCHEN_BOX, LIVING_BOX, BEDROOM_BOX]))
    obs = sim.render(THROUGH_DOOR, K)
    for obj in (KITCHEN_BOX, LIVING_BOX):
        mask = obs.instance == obj.object_id
        assert mask.sum() > 40, obj.name
        uv, _ = project(K.K(), THROUGH_DOOR, [face_centre(obj)])
        assert np.abs(centroid(mask) - uv[0]).max() < 1.0, obj.name
        assert np.median(obs.depth[mask]) == pytest.approx(face_centre(obj)[0] - EYE[0], abs=5e-3)
    assert not (obs.instance == BEDROOM_BOX.object_id).any()


def test_the_interior_wall_hides_the_next_room_unless_the_sight_line_passes_the_door(sim):
    K = intrinsics()
    target = np.asarray(KITCHEN_BOX.pose.position)
    at_wall = look_at(AT_WALL_EYE, target)
    # the sight line meets the wall x = 3.95 at y = 3.8 + (3.15 / 5.2)·(1.25 − 3.8) ≈ 2.26, beside the
    # doorway (0.8..1.7) and below the ceiling: the box projects into the frame, the wall is in front
    uv, z = project(K.K(), at_wall, [face_centre(KITCHEN_BOX)])
    assert 0 < uv[0, 0] < K.width and 0 < uv[0, 1] < K.height and z[0] > 0
    spec = house([KITCHEN_BOX])
    sim.load(spec)
    hidden = sim.render(at_wall, K)
    assert not (hidden.instance == 1).any()
    u, v = (int(c) for c in uv[0])
    ray = np.linalg.solve(K.K(), [u + 0.5, v + 0.5, 1.0])  # camera z = 1: its length along x gives planar depth
    assert hidden.depth[v, u] == pytest.approx((3.95 - AT_WALL_EYE[0]) / (at_wall[:3, :3] @ ray)[0], abs=5e-3)
    seen = sim.render(THROUGH_DOOR, K)
    assert (seen.instance == 1).sum() > 40
    # control: the same house without its rooms (exterior walls only) shows the box from the first camera
    sim.load(dataclasses.replace(spec, rooms=(), openings=()))
    assert (sim.render(at_wall, K).instance == 1).sum() > 20


def test_depth_through_the_doorway_reaches_the_far_rooms_wall(sim):
    K = intrinsics()
    sim.load(house())
    obs = sim.render(THROUGH_DOOR, K)
    jj, ii = np.mgrid[0:K.height, 0:K.width]
    xc, yc = (ii + 0.5 - K.cx) / K.fx, (jj + 0.5 - K.cy) / K.fy  # camera x = world −y, camera y = world −z

    def at(x):
        """World (y, z) where each pixel's ray crosses the plane x (planar depth = x − eye x)."""
        s = x - EYE[0]
        return EYE[1] - s * xc, EYE[2] - s * yc

    m = 0.03  # m kept from every edge: about one pixel at the doorway
    y0, z0 = at(3.95)
    y1, z1 = at(4.05)
    through = np.ones(xc.shape, bool)
    for y, z in ((y0, z0), (y1, z1)):
        through &= (y > 0.8 + m) & (y < 1.7 - m) & (z > m) & (z < DOOR_TOP - m)
    yf, zf = at(8.0)
    far = through & (yf > m) & (yf < 2.45 - m) & (zf > m) & (zf < HEIGHT - m)  # the kitchen's east wall
    wall = ((y0 > m) & (y0 < 5.0 - m) & (z0 > m) & (z0 < HEIGHT - m)
            & ((y0 < 0.8 - m) | (y0 > 1.7 + m) | (z0 > DOOR_TOP + m)))  # the interior wall beside and above
    assert far.sum() > 100 and wall.sum() > 1000
    assert np.abs(obs.depth[far] - (8.0 - EYE[0])).max() < 0.01
    assert np.abs(obs.depth[wall] - (3.95 - EYE[0])).max() < 5e-3


def test_a_window_is_a_hole_in_the_wall(sim):
    K = intrinsics()
    eye = np.array([6.25, 1.8, 1.5])  # in the kitchen, facing its south window (x 5.5..7, z 0.9..2.1)
    T = look_at(eye, eye + [0.0, -1.0, 0.0])  # camera x = world −x, camera y = world −z
    sim.load(house())
    obs = sim.render(T, K)
    jj, ii = np.mgrid[0:K.height, 0:K.width]
    s = eye[1] - 0.0  # planar depth at the wall's inner face y = 0
    x, z = eye[0] - s * (ii + 0.5 - K.cx) / K.fx, eye[2] - s * (jj + 0.5 - K.cy) / K.fy
    m = 0.05
    pane = (x > 5.5 + m) & (x < 7.0 - m) & (z > SILL + m) & (z < WINDOW_TOP - m)
    solid = (z > m) & (z < HEIGHT - m) & ((x < 5.5 - m) | (x > 7.0 + m) | (z < SILL - m) | (z > WINDOW_TOP + m))
    assert pane.sum() > 500 and solid.sum() > 500
    assert np.isinf(obs.depth[pane]).all() and (obs.instance[pane] == 0).all()
    assert np.abs(obs.depth[solid] - s).max() < 5e-3


def test_walls_are_static_collision_geometry():
    """Engine ray queries (collision shapes, not pixels): blocked by the interior wall, open through the door."""
    spec = house()
    wall_ray = ((1.0, 3.8, 1.0), (7.0, 3.8, 1.0))  # living room → bedroom at 1 m: the wall x = 3.95
    door_ray = ((1.0, 1.25, 1.0), (7.0, 1.25, 1.0))  # living room → kitchen through the doorway: the far wall x = 8
    if not BACKENDS[0].unavailable():
        import pybullet as p

        with BACKENDS[0].make() as sim:
            sim.load(spec)
            wall = p.rayTest(*wall_ray, physicsClientId=sim.client)[0]
            assert wall[3][0] == pytest.approx(3.95, abs=1e-4)
            assert p.getDynamicsInfo(wall[0], -1, physicsClientId=sim.client)[0] == 0.0  # mass 0: static
            assert p.rayTest(*door_ray, physicsClientId=sim.client)[0][0] == -1  # nothing before x = 7
    if not BACKENDS[1].unavailable():
        import mujoco

        with BACKENDS[1].make() as sim:
            sim.load(spec)
            geom = np.zeros(1, np.int32)
            for (a, b), x in ((wall_ray, 3.95), (door_ray, 8.0)):
                d = np.subtract(b, a, dtype=float)
                dist = mujoco.mj_ray(sim.model, sim.data, np.array(a, float), d / np.linalg.norm(d), None, 1, -1, geom)
                assert a[0] + dist == pytest.approx(x, abs=1e-4)
                assert sim.model.body_weldid[sim.model.geom_bodyid[geom[0]]] == 0  # welded to the world: static
                assert sim.model.geom_contype[geom[0]] and sim.model.geom_conaffinity[geom[0]]  # collides


def test_blender_shows_the_ids_pybullet_shows_in_a_house():
    from simgen.registry import ConfigError
    from simgen.renderers.blender import BlenderRenderer, check_bpy
    from simgen.renderers.look import Look

    try:
        check_bpy()
    except ConfigError as e:
        pytest.skip(str(e))
    if BACKENDS[0].unavailable():
        pytest.skip(BACKENDS[0].unavailable())
    K = CameraIntrinsics.from_vfov(64, 48, 60.0)
    spec = house([KITCHEN_BOX, LIVING_BOX, BEDROOM_BOX])
    poses = [THROUGH_DOOR, look_at(AT_WALL_EYE, KITCHEN_BOX.pose.position)]
    with BACKENDS[0].make() as physics:
        states = physics.load(spec)
        reference = [physics.render(T, K) for T in poses]
    with BlenderRenderer(Look(preset="contract", threads=1, time_of_day="day")) as renderer:
        renderer.load(spec, K)
        frames = [renderer.render(tuple(ObjectState(s.object_id, s.pose) for s in states), T) for T in poses]
    for ref, got in zip(reference, frames):
        assert set(np.unique(got.instance)) == set(np.unique(ref.instance))
        assert (got.instance == ref.instance).mean() >= 0.97
        both = np.isfinite(ref.depth) & np.isfinite(got.depth)
        assert np.median(np.abs(got.depth[both] - ref.depth[both])) < 0.005
    assert set(np.unique(frames[0].instance)) == {0, 1, 2} and set(np.unique(frames[1].instance)) == {0, 2}


def test_a_houses_look_lights_every_room_and_lets_the_sun_in_through_a_real_window():
    """The scene message (no Blender needed): a ceiling light under each room's ceiling, no painted window on
    any wall piece, the portal on the inner face of the kitchen's window (the first of the two widest) facing
    in, and the day's sun shining in and down through it."""
    from simgen.geometry import points_in_polygon
    from simgen.renderers.look import Look
    from simgen.renderers.payload import scene_message
    from test_house_walls import ROOMS

    msg = scene_message(house(), CameraIntrinsics(16, 12, 10.0, 10.0, 8.0, 6.0), Look(time_of_day="day"))
    look = msg["look"]
    spots = np.array(look["ceiling"]["positions"])
    assert len(spots) == len(ROOMS)
    for spot, room in zip(spots, ROOMS):
        assert points_in_polygon(spot[None, :2], room.footprint)[0] and spot[2] == pytest.approx(HEIGHT - 0.02)
    assert not any("window" in w["material"] for w in msg["scene"]["room"]["walls"])
    portal = np.asarray(look["portal"]["matrix"])
    np.testing.assert_allclose(portal[:3, 3], [6.25, 0.0, (SILL + WINDOW_TOP) / 2], atol=1e-9)  # kitchen window
    np.testing.assert_allclose(portal[:3, 2], [0.0, -1.0, 0.0], atol=1e-9)  # local z outward: it emits inward
    assert look["portal"]["size"] == pytest.approx((1.5, WINDOW_TOP - SILL))
    sun = np.asarray(look["sun"]["direction"])
    assert sun[1] > 0 and sun[2] < 0  # travels into the kitchen (+y) and down
