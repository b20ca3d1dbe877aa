"""What every physics simulator promises (``simgen.simulators.base.Simulator``), checked on each installed one.

One suite, parametrized over ``BACKENDS``: settling, exact static poses, determinism, isolation of
two simulators, instance ids and colours, stepping, render passes, the ceiling, the light's
direction, floors of any room shape, and clear errors. Adding a backend means adding its module,
its config and its row in ``BACKENDS``; what only one backend has (pybullet's EGL lease, MuJoCo's
quality presets and GL choice) stays in that backend's own test file. Scenes are a few boxes at
160×120 px, so each test takes seconds on a CPU.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
from sim_scenes import BLUE, GREEN, RED, TABLE_TOP, box, intrinsics, l_room, scene, table, tabletop_scene

from simgen.geometry import look_at, obb_corners, quat_from_yaw, quat_to_matrix, wrap_angle, yaw_of
from simgen.simulators import mujoco_gl
from simgen.types import Lighting, ObjectSpec, Part, Pose, RoomSpec


def _pybullet(**cfg):
    from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator

    return PybulletSimulator(PybulletConfig(**{"renderer": "tiny", **cfg}))  # TinyRenderer: same pixels everywhere


def _mujoco(**cfg):
    from simgen.simulators.mujoco import MujocoConfig, MujocoSimulator

    return MujocoSimulator(MujocoConfig(**{"quality": "fast", **cfg}))


def _pybullet_missing() -> str | None:
    import importlib.util

    return None if importlib.util.find_spec("pybullet") else "pybullet is not installed"


@dataclass(frozen=True)
class Backend:
    """One row of the contract: how to build the simulator, why it may be skipped, its richest look."""

    name: str
    make: Callable
    unavailable: Callable[[], str | None]
    depth_tolerance: float  # m, p99 of |rendered − true depth| on the golden scene (test_sim_camera_contract)
    rich: dict = field(default_factory=dict)  # settings with every image feature on (determinism check)


BACKENDS = [
    Backend("pybullet", _pybullet, _pybullet_missing, 0.001),
    Backend("mujoco", _mujoco, mujoco_gl.unavailable_reason, 1e-4, {"quality": "balanced"}),  # reversed-z float depth
]
CAMERA = look_at([2.0, -2.0, 1.6], [0.0, 0.0, 0.6])
HEXAGON = RoomSpec(tuple((2.5 * np.cos(a), 2.5 * np.sin(a)) for a in np.arange(6) * np.pi / 3), 2.5, shape="hex")


@pytest.fixture(params=BACKENDS, ids=lambda b: b.name)
def backend(request) -> Backend:
    reason = request.param.unavailable()
    if reason:
        pytest.skip(reason)
    return request.param


def test_settle_leaves_small_box_resting_on_table_with_its_yaw(backend):
    with backend.make() as sim:
        spec = tabletop_scene()
        states = {s.object_id: s for s in sim.load(spec)}
        assert sim.settle_seconds < sim.cfg.max_settle_seconds
    mug = states[7]
    assert mug.pose.position[2] - 0.05 == pytest.approx(TABLE_TOP, abs=3e-3)
    assert abs(wrap_angle(yaw_of(quat_to_matrix(mug.pose.quat_wxyz)) - 2.5)) < 1e-3
    assert states[12].pose.position[2] == pytest.approx(0.2, abs=3e-3)
    assert states[4].pose.position[2] == pytest.approx(spec.objects[3].half_extents[2], abs=5e-3)


def test_static_objects_keep_their_spec_pose_exactly(backend):
    """The body frame is the object frame: a 5-part table (part 0 offset) and a yawed box read back their spec."""
    yawed = box(1, (0.5, 0.5, 0.25), (0.4, 0.1, 0.25), yaw=-2.9)
    with backend.make() as sim:
        table_state, box_state = sim.load(scene([table(2, (-1.0, 0.0)), yawed]))
    assert table_state.pose.position == pytest.approx((-1.0, 0.0, 0.35), abs=1e-12)
    assert table_state.pose.quat_wxyz == pytest.approx((1.0, 0.0, 0.0, 0.0), abs=1e-12)
    assert box_state.pose.quat_wxyz == pytest.approx(quat_from_yaw(-2.9), abs=1e-9)
    assert yaw_of(quat_to_matrix(box_state.pose.quat_wxyz)) == pytest.approx(-2.9, abs=1e-9)
    corners = obb_corners(box_state.pose.position, yawed.half_extents, quat_to_matrix(box_state.pose.quat_wxyz))
    spec = obb_corners(yawed.pose.position, yawed.half_extents, quat_to_matrix(yawed.pose.quat_wxyz))
    np.testing.assert_allclose(corners, spec, atol=1e-9)


def test_dynamic_multi_part_object_settles_on_its_box_bottom(backend):
    """A dynamic stool (5 parts, top slab offset) dropped 2 cm lands with its box bottom on the floor."""
    stool = table(5, (0.0, 0.0), height=0.45, half_xy=(0.2, 0.2))
    lifted = dataclasses.replace(stool, pose=Pose((0.3, -0.2, 0.225 + 0.02)), mass=3.0)
    with backend.make() as sim:
        (state,) = sim.load(scene([lifted]))
    assert state.pose.position[2] == pytest.approx(0.225, abs=3e-3)
    assert state.pose.position[:2] == pytest.approx((0.3, -0.2), abs=5e-3)


@pytest.mark.parametrize("room, spots", [(l_room(), [(3.0, 1.0), (1.0, 3.0)]), (HEXAGON, [(1.5, -1.0), (-1.8, 0.5)])],
                         ids=["L", "hexagon"])
def test_floor_holds_objects_and_renders_where_the_footprint_is(backend, room, spots):
    """Cubes rest on the floor in both arms of an L (and in a hexagon); the floor seen from above is at z = 0."""
    cubes = [box(i + 1, (x, y, 0.12), (0.1, 0.1, 0.1), mass=1.0) for i, (x, y) in enumerate(spots)]
    with backend.make() as sim:
        states = sim.load(scene(cubes, room=room))
        for (x, y), s in zip(spots, states):
            assert s.pose.position[2] == pytest.approx(0.1, abs=3e-3)
            eye = np.array([x + 0.4, y, 1.5])
            obs = sim.render(look_at(eye, [x + 0.4, y + 0.01, 0.0]), intrinsics(), passes=("depth", "instance"))
            assert obs.instance[60, 80] == 0 and obs.depth[60, 80] == pytest.approx(1.5, abs=2e-3)


def test_two_loads_are_identical_states_and_pixels(backend):
    K = intrinsics()
    runs = []
    for _ in range(2):
        with backend.make(**backend.rich) as sim:
            states = sim.load(tabletop_scene())
            runs.append((states, sim.render(CAMERA, K).rgb))
    assert runs[0][0] == runs[1][0]
    assert np.array_equal(runs[0][1], runs[1][1])
    with backend.make(**backend.rich) as sim:  # reloading in the same simulator gives the same result too
        sim.load(scene([box(1, (0, 0, 1.0), (0.1, 0.1, 0.1), mass=1.0)]))
        assert sim.load(tabletop_scene()) == runs[0][0]
        assert np.array_equal(sim.render(CAMERA, K).rgb, runs[0][1])


def test_two_simulators_in_one_process_do_not_interfere(backend):
    """Interleaved use of two simulators, and closing one, leave the other's states and pixels intact."""
    K = intrinsics()
    a, b = backend.make(), backend.make()
    try:
        states_a = a.load(tabletop_scene())
        before = a.render(CAMERA, K)
        b.load(scene([box(1, (0.0, 0.0, 0.5), (1.0, 1.0, 0.5), rgba=BLUE)]))
        b.step(0.5)
        assert 1 in b.render(CAMERA, K).instance
        assert a.states() == states_a
        after = a.render(CAMERA, K)
        assert np.array_equal(before.rgb, after.rgb) and np.array_equal(before.instance, after.instance)
        b.close()
        assert np.array_equal(a.render(CAMERA, K).instance, before.instance)
    finally:
        a.close()
        b.close()


def test_instance_mask_holds_object_ids_and_their_colours(backend):
    """Non-contiguous ids map through; every part of the table is the table; colours match the parts."""
    spec = scene([table(40, (0.0, 0.0), rgba=GREEN), box(3, (0.9, -0.6, 0.2), (0.2, 0.2, 0.2), rgba=RED)])
    with backend.make() as sim:
        sim.load(spec)
        obs = sim.render(CAMERA, intrinsics())
    assert set(np.unique(obs.instance)) == {0, 3, 40}
    assert obs.instance.dtype == np.uint16 and obs.rgb.dtype == np.uint8 and obs.depth.dtype == np.float32
    green, red = obs.rgb[obs.instance == 40].mean(0), obs.rgb[obs.instance == 3].mean(0)
    assert green[1] > 2 * max(green[0], green[2]) and red[0] > 2 * max(red[1], red[2])
    rows, _ = np.nonzero(obs.instance == 40)
    assert rows.max() - rows.min() > 30  # legs included, not just the top


def test_step_moves_dynamics_and_keeps_statics(backend):
    falling = box(1, (0.0, 0.0, 1.5), (0.1, 0.1, 0.1), mass=1.0)
    still = box(2, (1.0, 1.0, 0.2), (0.2, 0.2, 0.2))
    with backend.make(max_settle_seconds=0.0) as sim:
        start, fixed = sim.load(scene([falling, still]))
        later, fixed_later = sim.step(0.2)
    assert start.pose.position[2] == pytest.approx(1.5)
    assert later.pose.position[2] == pytest.approx(1.5 - 0.5 * 9.81 * 0.2**2, abs=0.02)  # free fall, z up
    assert fixed_later == fixed


def test_passes_subset_ceiling_closes_the_room_and_outside_is_infinite(backend):
    """Looking up inside the room sees the ceiling (room, finite depth); above the room nothing is hit (inf)."""
    with backend.make() as sim:
        spec = scene([])
        sim.load(spec)
        up = sim.render(look_at([0, 0, 1.0], [0.01, 0, 5.0]), intrinsics(), passes=("depth", "instance"))
        outside = sim.render(look_at([0, 0, spec.room.height + 1.0], [0.01, 0, 10.0]), intrinsics())
        rgb_only = sim.render(CAMERA, intrinsics(), passes=("rgb",))
    assert up.rgb is None and (up.instance == 0).all()
    assert np.isfinite(up.depth).all() and up.depth.min() == pytest.approx(spec.room.height - 1.0, abs=0.01)
    assert np.isinf(outside.depth).all() and (outside.instance == 0).all()
    assert rgb_only.depth is None and rgb_only.instance is None and rgb_only.rgb.shape == (120, 160, 3)


@pytest.mark.parametrize("eye_z", [2.4, 2.5])
def test_light_direction_points_towards_the_light(backend, eye_z):
    """Lighting.direction is world-towards-the-light: lit from above, a white box's top beats its lit-from-below self."""
    white = box(1, (0.0, 0.0, 0.3), (0.3, 0.3, 0.3), rgba=(1.0, 1.0, 1.0, 1.0))
    top = look_at([0.0, -0.01, eye_z], [0.0, 0.0, 0.3])  # looking straight down at the top face
    brightness = {}
    for z in (1.0, -1.0):
        with backend.make() as sim:
            sim.load(dataclasses.replace(scene([white]), lighting=Lighting(direction=(0.0, 0.0, z))))
            obs = sim.render(top, intrinsics())
        brightness[z] = obs.rgb[obs.instance == 1].mean()
    assert brightness[1.0] > brightness[-1.0] + 40


@pytest.mark.parametrize("part, match", [
    (Part("cone", (0.1, 0.1, 0.1)), "unknown shape"),
    (Part("mesh", (1.0, 1.0, 1.0), mesh="no_such.obj"), "no_such.obj"),
    (Part("cylinder", (0.1, 0.2, 0.1)), "radii"),
])
def test_bad_parts_name_the_object(backend, part, match):
    bad = ObjectSpec(1, "thing_1", "thing", "red", (0.1, 0.1, 0.1), Pose((0, 0, 0.1)), (part,))
    with backend.make() as sim, pytest.raises(ValueError, match=f"thing_1.*{match}|{match}.*thing_1"):
        sim.load(scene([bad]))


def test_misuse_is_a_clear_error(backend):
    with backend.make() as sim:
        with pytest.raises(RuntimeError, match="load"):
            sim.render(CAMERA, intrinsics())
        with pytest.raises(ValueError, match="object_id"):
            sim.load(scene([box(1, (0, 0, 0.1), (0.1,) * 3), box(1, (1, 0, 0.1), (0.1,) * 3)]))
        sim.load(scene([]))
        with pytest.raises(ValueError, match="normals"):
            sim.render(CAMERA, intrinsics(), passes=("rgb", "normals"))
        with pytest.raises(ValueError, match="seconds"):
            sim.step(-1.0)
    with pytest.raises(RuntimeError, match="closed"):
        sim.states()
