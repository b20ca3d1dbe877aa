"""What only the pybullet plugin has: the engine's AABB vs the spec box, xyzw quaternions, EGL, config.

What every simulator promises is checked on pybullet by ``test_sim_contract.py``."""
from __future__ import annotations

import logging

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim_scenes import box, intrinsics, scene, sphere, tabletop_scene
from simgen.geometry import look_at, obb_corners, quat_from_yaw, quat_to_matrix, yaw_of
from simgen.job_config import group_config
from simgen.registry import SIMULATORS, ConfigError

pybullet = pytest.importorskip("pybullet")

from simgen.simulators import pybullet_egl  # noqa: E402
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator  # noqa: E402

CAMERA = look_at([2.0, -2.0, 1.6], [0.0, 0.0, 0.6])


def tiny() -> PybulletSimulator:
    """A TinyRenderer simulator (same pixels on every machine)."""
    return PybulletSimulator(PybulletConfig(renderer="tiny"))


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


def test_yaw_quaternion_round_trip_through_pybullet():
    """wxyz → pybullet xyzw → wxyz: a static box at yaw −2.9 rad reads back the same rotation."""
    with tiny() as sim:
        (state,) = sim.load(scene([box(1, (0, 0, 0.2), (0.3, 0.1, 0.2), yaw=-2.9)]))
    assert state.pose.quat_wxyz == pytest.approx(quat_from_yaw(-2.9), abs=1e-12)  # its w is > 0 already
    assert yaw_of(quat_to_matrix(state.pose.quat_wxyz)) == pytest.approx(-2.9, abs=1e-9)
