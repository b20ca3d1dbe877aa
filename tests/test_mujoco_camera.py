"""MuJoCo's camera conversions: reversed-z depth, the GL frustum against MuJoCo's own camera, big images.

The rendered pixels and depth on the golden scene are checked on every simulator by
``test_sim_camera_contract.py``.
"""
from __future__ import annotations

import numpy as np
import pytest
from sim_scenes import FRONTAL, centroid, golden_scene, intrinsics

from simgen.geometry import look_at, project
from simgen.simulators import mujoco_gl
from simgen.simulators.mujoco import MujocoConfig
from simgen.simulators.mujoco_render import gl_camera, linear_depth
from simgen.types import CameraIntrinsics

SKIP = mujoco_gl.unavailable_reason()
needs_mujoco = pytest.mark.skipif(SKIP is not None, reason=str(SKIP))


@pytest.fixture(scope="module")
def sim():
    """One MuJoCo simulator holding the golden scene (fast quality: shadows do not touch masks or depth)."""
    if SKIP:
        pytest.skip(SKIP)
    from simgen.simulators.mujoco import MujocoSimulator

    s = MujocoSimulator(MujocoConfig(quality="fast"))
    s.load(golden_scene())
    yield s
    s.close()


def test_linear_depth_maps_reversed_z_to_metres():
    """Reversed z: buffer 1 is the near plane, 0 the far plane, and z = n·f / (n + (f − n)·d) between."""
    near, far, z = 0.05, 50.0, 2.5
    d = (near * far / z - near) / (far - near)
    np.testing.assert_allclose(linear_depth(np.array([1.0, 0.0, d]), near, far), [near, far, z], rtol=1e-6)


def test_gl_camera_frustum_reproduces_the_pinhole():
    """A point at pixel (u, v) lies on the frustum: x/z = (u − cx)/fx, and −y/z (GL up) = (cy − v)/fy."""
    K = CameraIntrinsics(160, 120, 110.0, 95.0, 70.0, 66.0)
    near = 0.1
    cam = gl_camera(np.eye(4), K, near, 20.0)
    left, right = cam["frustum_center"] - cam["frustum_width"], cam["frustum_center"] + cam["frustum_width"]
    assert left / near == pytest.approx((0 - K.cx) / K.fx) and right / near == pytest.approx((K.width - K.cx) / K.fx)
    assert cam["frustum_top"] / near == pytest.approx((K.cy - 0) / K.fy)
    assert cam["frustum_bottom"] / near == pytest.approx((K.cy - K.height) / K.fy)
    np.testing.assert_allclose(cam["forward"], [0, 0, 1])
    np.testing.assert_allclose(cam["up"], [0, -1, 0])


@needs_mujoco
def test_gl_camera_equals_mujocos_own_free_camera(sim):
    """Looking from MuJoCo's own free camera, our conversion gives the same GL camera (pos, axes, frustum)."""
    mj = sim._mj
    free = mj.MjvCamera()
    free.type, free.lookat[:], free.distance, free.azimuth, free.elevation = mj.mjtCamera.mjCAMERA_FREE, \
        [0.3, 0.4, 0.5], 3.0, 120.0, -25.0
    mj.mjv_updateScene(sim.model, sim.data, mj.MjvOption(), None, free, mj.mjtCatBit.mjCAT_ALL, sim._scene)
    theirs = mj.mjv_averageCamera(sim._scene.camera[0], sim._scene.camera[1])  # mono: the mean of the two eyes
    K = intrinsics(160, 120, float(sim.model.vis.global_.fovy))
    ours = gl_camera(look_at(np.array(theirs.pos, float), [0.3, 0.4, 0.5]), K, theirs.frustum_near, theirs.frustum_far)
    for key in ("pos", "forward", "up"):
        np.testing.assert_allclose(ours[key], getattr(theirs, key), atol=1e-5, err_msg=key)
    assert theirs.frustum_width == 0.0  # MuJoCo's own: half width from the aspect ratio, equal to ours
    derived = 0.5 * K.width / K.height * (theirs.frustum_top - theirs.frustum_bottom)
    assert ours["frustum_width"] == pytest.approx(derived)
    for key in ("frustum_center", "frustum_top", "frustum_bottom", "frustum_near", "frustum_far"):
        assert ours[key] == pytest.approx(getattr(theirs, key), rel=1e-5, abs=1e-7), key


@needs_mujoco
def test_larger_image_than_the_default_framebuffer(sim):
    """Renders beyond MuJoCo's default 640×480 offscreen buffer grow it instead of failing or cropping."""
    K = intrinsics(800, 600)
    obs = sim.render(FRONTAL, K)
    assert obs.rgb.shape == (600, 800, 3) and obs.instance.shape == (600, 800)
    (uv,), _ = project(K.K(), FRONTAL, sim.spec.objects[1].pose.position)
    assert np.linalg.norm(uv - centroid(obs.instance == 2)) < 2.0
