"""The pybullet plugin: loading, settling, exact states, determinism, isolation, ids, config and errors."""
from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim_scenes import BLUE, GREEN, RED, box, cylinder, duck, intrinsics, l_room, scene, sphere, table
from simgen.geometry import look_at, obb_corners, quat_from_yaw, quat_to_matrix, wrap_angle, yaw_of
from simgen.job_config import group_config
from simgen.registry import SIMULATORS, ConfigError
from simgen.types import Lighting, ObjectSpec, Part, Pose

pybullet = pytest.importorskip("pybullet")

from simgen.simulators import pybullet_egl  # noqa: E402
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator  # noqa: E402

TABLE_TOP = 0.7
CAMERA = look_at([2.0, -2.0, 1.6], [0.0, 0.0, 0.6])


def tiny() -> PybulletSimulator:
    """A TinyRenderer simulator (same pixels on every machine)."""
    return PybulletSimulator(PybulletConfig(renderer="tiny"))


def tabletop_scene():
    """A static table with a dynamic mug-sized box dropped 1 cm above it, a ball and the duck nearby."""
    return scene([
        table(3, (0.0, 0.0), height=TABLE_TOP),
        box(7, (0.1, 0.05, TABLE_TOP + 0.05 + 0.01), (0.04, 0.03, 0.05), yaw=2.5, mass=0.3),
        sphere(12, (1.0, 0.8, 0.2), 0.2, mass=1.0),
        duck(4, (-0.8, 0.6, 0.05), yaw=0.4, mass=0.1),
        cylinder(9, (0.9, -0.9, 0.3), 0.1, 0.3),
    ])


def test_settle_leaves_small_box_resting_on_table_with_its_yaw():
    with tiny() as sim:
        spec = tabletop_scene()
        states = {s.object_id: s for s in sim.load(spec)}
        mug = states[7]
        bottom = mug.pose.position[2] - 0.05
        assert bottom == pytest.approx(TABLE_TOP, abs=3e-3)
        assert abs(wrap_angle(yaw_of(quat_to_matrix(mug.pose.quat_wxyz)) - 2.5)) < 1e-3
        assert sim.settle_seconds < sim.cfg.max_settle_seconds
        ball = states[12]
        assert ball.pose.position[2] == pytest.approx(0.2, abs=3e-3)


def test_static_objects_keep_their_spec_pose_exactly():
    """The base pose is the object frame: a 5-part table (part 0 offset) reads back its spec pose."""
    with tiny() as sim:
        spec = tabletop_scene()
        state = sim.load(spec)[0]
        assert state.pose.position == pytest.approx(spec.objects[0].pose.position, abs=1e-12)
        assert state.pose.quat_wxyz == pytest.approx((1.0, 0.0, 0.0, 0.0), abs=1e-12)


def test_dynamic_multi_part_object_settles_on_its_box_bottom():
    """A dynamic stool (5 parts, top slab offset) dropped 2 cm lands with its box bottom on the floor."""
    stool = table(5, (0.0, 0.0), height=0.45, half_xy=(0.2, 0.2))
    lifted = dataclasses.replace(stool, pose=Pose((0.3, -0.2, 0.225 + 0.02)), mass=3.0)
    with tiny() as sim:
        (state,) = sim.load(scene([lifted]))
    assert state.pose.position[2] == pytest.approx(0.225, abs=3e-3)
    assert state.pose.position[:2] == pytest.approx((0.3, -0.2), abs=5e-3)


def test_floor_of_an_l_shaped_room_holds_objects_in_both_arms():
    cubes = [box(1, (3.0, 1.0, 0.12), (0.1, 0.1, 0.1), mass=1.0), box(2, (1.0, 3.0, 0.12), (0.1, 0.1, 0.1), mass=1.0)]
    with tiny() as sim:
        states = sim.load(scene(cubes, room=l_room()))
    for s in states:
        assert s.pose.position[2] == pytest.approx(0.1, abs=3e-3)


def test_states_give_the_spec_oriented_box_not_the_engine_aabb():
    """A yawed box's state + spec half extents reproduce the spec corners; pybullet's AABB is bigger."""
    yawed = box(1, (0.5, 0.5, 0.25), (0.4, 0.1, 0.25), yaw=0.7)
    with tiny() as sim:
        (state,) = sim.load(scene([yawed]))
        lo, hi = pybullet.getAABB(sim._uids[0], physicsClientId=sim.client)
    corners = obb_corners(state.pose.position, yawed.half_extents, quat_to_matrix(state.pose.quat_wxyz))
    spec_corners = obb_corners(yawed.pose.position, yawed.half_extents, quat_to_matrix(yawed.pose.quat_wxyz))
    np.testing.assert_allclose(corners, spec_corners, atol=1e-9)
    assert (np.subtract(hi, lo) / 2)[1] > yawed.half_extents[1] + 0.2  # an AABB would be 3× too wide in y


def test_two_loads_are_identical_states_and_pixels():
    K = intrinsics()
    runs = []
    for _ in range(2):
        with tiny() as sim:
            states = sim.load(tabletop_scene())
            runs.append((states, sim.render(CAMERA, K).rgb))
    assert runs[0][0] == runs[1][0]
    assert np.array_equal(runs[0][1], runs[1][1])
    with tiny() as sim:  # reloading in the same client gives the same result too
        sim.load(scene([box(1, (0, 0, 1.0), (0.1, 0.1, 0.1), mass=1.0)]))
        assert sim.load(tabletop_scene()) == runs[0][0]


def test_two_simulators_in_one_process_do_not_interfere():
    K = intrinsics()
    a, b = tiny(), tiny()
    try:
        states_a = a.load(tabletop_scene())
        before = a.render(CAMERA, K)
        b.load(scene([box(1, (0.0, 0.0, 0.5), (1.0, 1.0, 0.5), rgba=BLUE)]))
        b.step(0.5)
        assert a.states() == states_a
        after = a.render(CAMERA, K)
        assert np.array_equal(before.rgb, after.rgb) and np.array_equal(before.instance, after.instance)
        b.close()
        assert np.array_equal(a.render(CAMERA, K).instance, before.instance)
    finally:
        a.close()
        b.close()


def test_instance_mask_holds_object_ids_and_their_colours():
    """Non-contiguous ids map through; every link of the table is the table; colours match the parts."""
    spec = scene([table(40, (0.0, 0.0), rgba=GREEN), box(3, (0.9, -0.6, 0.2), (0.2, 0.2, 0.2), rgba=RED)])
    with tiny() as sim:
        sim.load(spec)
        obs = sim.render(CAMERA, intrinsics())
    assert set(np.unique(obs.instance)) == {0, 3, 40}
    assert obs.instance.dtype == np.uint16 and obs.rgb.dtype == np.uint8 and obs.depth.dtype == np.float32
    green, red = obs.rgb[obs.instance == 40].mean(0), obs.rgb[obs.instance == 3].mean(0)
    assert green[1] > 2 * max(green[0], green[2]) and red[0] > 2 * max(red[1], red[2])
    rows, _ = np.nonzero(obs.instance == 40)
    assert rows.max() - rows.min() > 30  # legs included, not just the top


def test_step_moves_dynamics_and_keeps_statics():
    falling = box(1, (0.0, 0.0, 1.5), (0.1, 0.1, 0.1), mass=1.0)
    with PybulletSimulator(PybulletConfig(renderer="tiny", max_settle_seconds=0.0)) as sim:
        (start,) = sim.load(scene([falling]))
        (later,) = sim.step(0.2)
    assert start.pose.position[2] == pytest.approx(1.5)
    assert later.pose.position[2] == pytest.approx(1.5 - 0.5 * 9.81 * 0.2**2, abs=0.02)


def test_passes_subset_ceiling_closes_the_room_and_outside_is_infinite():
    with tiny() as sim:
        spec = scene([])
        sim.load(spec)
        up = sim.render(look_at([0, 0, 1.0], [0.01, 0, 5.0]), intrinsics(), passes=("depth", "instance"))
        outside = sim.render(look_at([0, 0, spec.room.height + 1.0], [0.01, 0, 10.0]), intrinsics())
    assert up.rgb is None and (up.instance == 0).all()
    assert np.allclose(up.depth[np.isfinite(up.depth)].min(), spec.room.height - 1.0, atol=0.01)  # the ceiling
    assert np.isfinite(up.depth).all()
    assert np.isinf(outside.depth).all()  # above the room, looking up: nothing is hit


def test_registry_builds_from_yaml_and_rejects_bad_keys():
    cfg = group_config("simulator", "pybullet")  # the YAML composed over its schema
    assert cfg.name == "pybullet"
    with SIMULATORS.build(OmegaConf.merge(cfg, {"renderer": "tiny"})) as sim:
        assert isinstance(sim, PybulletSimulator) and sim.renderer == "tiny"
    with pytest.raises(ConfigError, match=r"renderer.*auto, egl, tiny"):
        SIMULATORS.config({"name": "pybullet", "renderer": "vulkan"})
    with pytest.raises(ConfigError, match="near"):
        SIMULATORS.config({"name": "pybullet", "near": 5.0, "far": 1.0})
    with pytest.raises(ConfigError, match="time_step"):
        SIMULATORS.config({"name": "pybullet", "time_step": 0.0})


def test_auto_renderer_never_crashes_and_says_which(caplog):
    caplog.set_level(logging.INFO, logger="simgen.simulators.pybullet")
    with PybulletSimulator(PybulletConfig(renderer="auto")) as sim:
        probe = pybullet_egl.probe()
        assert sim.renderer == ("egl" if probe.hardware else "tiny")
    assert any(f"renders with {sim.renderer}" in r.getMessage() for r in caplog.records)


def test_probe_counts_only_hardware_gl_as_fast():
    assert pybullet_egl.EglProbe(True, "NVIDIA H100 80GB HBM3/PCIe/SSE2").hardware
    assert not pybullet_egl.EglProbe(True, "llvmpipe (LLVM 15.0.6, 256 bits)").hardware
    assert not pybullet_egl.EglProbe(True, "").hardware  # unknown counts as software
    assert not pybullet_egl.EglProbe(False, "NVIDIA", "probe exited -11").hardware


def test_light_direction_points_towards_the_light():
    """Lighting.direction is world-towards-the-light: lit from above, a white box's top beats its lit-from-below self."""
    white = box(1, (0.0, 0.0, 0.3), (0.3, 0.3, 0.3), rgba=(1.0, 1.0, 1.0, 1.0))
    top = look_at([0.0, -0.01, 2.5], [0.0, 0.0, 0.3])  # looking straight down at the top face
    brightness = {}
    for z in (1.0, -1.0):
        spec = dataclasses.replace(scene([white]), lighting=Lighting(direction=(0.0, 0.0, z)))
        with tiny() as sim:
            sim.load(spec)
            obs = sim.render(top, intrinsics())
        brightness[z] = obs.rgb[obs.instance == 1].mean()
    assert brightness[1.0] > brightness[-1.0] + 40


def test_egl_is_held_by_one_simulator_at_a_time():
    """The EGL plugin shares state across clients: a second EGL simulator is refused, auto falls back."""
    if not pybullet_egl.probe().ok:
        pytest.skip(f"EGL unavailable: {pybullet_egl.probe().reason}")
    K = intrinsics()
    with PybulletSimulator(PybulletConfig(renderer="egl")) as first:
        first.load(tabletop_scene())
        before = first.render(CAMERA, K).instance
        with pytest.raises(RuntimeError, match="another simulator"):
            PybulletSimulator(PybulletConfig(renderer="egl"))
        with tiny() as other:
            other.load(scene([]))
        assert np.array_equal(first.render(CAMERA, K).instance, before)
    with PybulletSimulator(PybulletConfig(renderer="egl")) as again:  # the lease came back on close
        again.load(scene([sphere(1, (0, 0, 0.5), 0.3)]))
        assert 1 in again.render(CAMERA, K).instance


@pytest.mark.parametrize("part, match", [
    (Part("cone", (0.1, 0.1, 0.1)), "unknown shape"),
    (Part("mesh", (1.0, 1.0, 1.0), mesh="no_such.obj"), "no_such.obj"),
    (Part("cylinder", (0.1, 0.2, 0.1)), "radii"),
])
def test_bad_parts_name_the_object(part, match):
    bad = ObjectSpec(1, "thing_1", "thing", "red", (0.1, 0.1, 0.1), Pose((0, 0, 0.1)), (part,))
    with tiny() as sim, pytest.raises(ValueError, match=f"thing_1.*{match}|{match}.*thing_1"):
        sim.load(scene([bad]))


def test_misuse_is_a_clear_error():
    with tiny() as sim:
        with pytest.raises(RuntimeError, match="load"):
            sim.render(CAMERA, intrinsics())
        with pytest.raises(ValueError, match="object_id"):
            sim.load(scene([box(1, (0, 0, 0.1), (0.1,) * 3), box(1, (1, 0, 0.1), (0.1,) * 3)]))
        sim.load(scene([]))
        with pytest.raises(ValueError, match="normals"):
            sim.render(CAMERA, intrinsics(), passes=("rgb", "normals"))
    with pytest.raises(RuntimeError, match="closed"):
        sim.states()


def test_yaw_quaternion_round_trip_through_pybullet():
    """wxyz → pybullet xyzw → wxyz: a static box at yaw −2.9 rad reads back the same rotation."""
    with tiny() as sim:
        (state,) = sim.load(scene([box(1, (0, 0, 0.2), (0.3, 0.1, 0.2), yaw=-2.9)]))
    assert state.pose.quat_wxyz == pytest.approx(quat_from_yaw(-2.9), abs=1e-12)  # its w is > 0 already
    assert yaw_of(quat_to_matrix(state.pose.quat_wxyz)) == pytest.approx(-2.9, abs=1e-9)
