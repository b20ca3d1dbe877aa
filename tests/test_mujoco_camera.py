"""Golden tests of the MuJoCo camera conversions: the pybullet golden scene and checks, on MuJoCo.

The scene, the camera poses and the helpers come from ``test_pybullet_camera`` so both backends
pass the very same checks: projected box centre on the mask centroid, median mask depth equal to
the known surface depth, room depth equal to ray casting, pixel-centre sampling, principal point
shifts, and OpenCV left/up signs.
"""
from __future__ import annotations

import numpy as np
import pytest
from sim_scenes import box, intrinsics, scene
from test_pybullet_camera import EYE_HEIGHT, FRONTAL, OBLIQUE, THIN, centroid, golden_scene, room_ray_depth

from simgen.geometry import look_at, project
from simgen.simulators import mujoco_gl
from simgen.simulators.mujoco import MujocoConfig, gl_camera, linear_depth
from simgen.types import CameraIntrinsics

SKIP = mujoco_gl.unavailable_reason()
needs_mujoco = pytest.mark.skipif(SKIP is not None, reason=str(SKIP))
DEPTH_TOLERANCE = 1e-4  # m at p99 (measured ~5 µm): MuJoCo reads a reversed-z float depth buffer


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
@pytest.mark.parametrize("T", [FRONTAL, OBLIQUE], ids=["frontal", "oblique"])
def test_projected_box_centre_lies_on_mask_centroid(sim, T):
    """Golden: each clearly visible object's projected OBB centre is within 2 px of its mask centroid."""
    K = intrinsics()
    obs = sim.render(T, K)
    for obj, state in zip(sim.spec.objects, sim.states()):
        mask = obs.instance == obj.object_id
        assert mask.sum() > 4, f"{obj.name} should be visible"
        (uv,), _ = project(K.K(), T, state.pose.position)
        assert np.linalg.norm(uv - centroid(mask)) < 2.0, obj.name


@needs_mujoco
def test_rendered_depth_matches_camera_facing_surface(sim):
    """Median depth over each frontal box's mask is the camera z of its front face (y_centre − THIN + 3)."""
    obs = sim.render(FRONTAL, intrinsics())
    for obj in sim.spec.objects[:3]:
        expected = obj.pose.position[1] - THIN + 3.0
        assert np.median(obs.depth[obs.instance == obj.object_id]) == pytest.approx(expected, abs=DEPTH_TOLERANCE)


@needs_mujoco
@pytest.mark.parametrize("T", [OBLIQUE, look_at([2.5, -2.5, 1.0], [-2.9, 1.0, 1.3])], ids=["down", "level"])
def test_room_depth_matches_ray_casting(sim, T):
    """Every floor/wall pixel's depth equals where its pixel-centre ray meets the room (exact planes)."""
    K = intrinsics()
    obs = sim.render(T, K)
    truth = room_ray_depth(T, K)
    room = (obs.instance == 0) & np.isfinite(truth)
    assert room.sum() > 5000
    assert np.quantile(np.abs(obs.depth[room] - truth[room]), 0.99) < DEPTH_TOLERANCE
    assert np.array_equal(np.isinf(obs.depth), np.isinf(truth)), "inf exactly where no surface is hit"


@needs_mujoco
@pytest.mark.parametrize("frac, first", [(0.3, 79), (0.7, 80)])
def test_pixel_centres_are_sampled(sim, frac, first):
    """A box edge at u = 79 + frac covers column i iff i + 0.5 > edge (rows likewise): pixel centres."""
    K = intrinsics()
    z = 2.0
    edge_u, edge_v = 79.0 + frac, 59.0 + frac
    x0 = (edge_u - K.cx) * z / K.fx  # world x of the box's left edge (< 0: its left face is hidden)
    top = EYE_HEIGHT - (edge_v - K.cy) * z / K.fy  # world z of its top edge (above the eye: top face hidden)
    wall = box(1, (x0 + 2.0, -3.0 + z + 0.01, top - 2.0), (2.0, 0.01, 2.0))
    try:
        sim.load(scene([wall]))
        rows, cols = np.nonzero(sim.render(FRONTAL, K, passes=("instance",)).instance == 1)
    finally:
        sim.load(golden_scene())
    assert (cols.min(), rows.min()) == (first, first - 20)


@needs_mujoco
def test_off_centre_principal_point_shifts_the_image(sim):
    """Raising cx by 12 px moves every object 12 px right; lowering cy by 8 px moves it 8 px up."""
    K = intrinsics()
    shifted = CameraIntrinsics(K.width, K.height, K.fx, K.fy, K.cx + 12.0, K.cy - 8.0)
    a, b = sim.render(FRONTAL, K), sim.render(FRONTAL, shifted)
    for obj in sim.spec.objects[:3]:
        delta = centroid(b.instance == obj.object_id) - centroid(a.instance == obj.object_id)
        np.testing.assert_allclose(delta, [12.0, -8.0], atol=0.5)


@needs_mujoco
@pytest.mark.parametrize("T", [FRONTAL, OBLIQUE], ids=["frontal", "oblique"])
def test_non_square_pixels_and_off_centre_principal_point(sim, T):
    """fx ≠ fy and an off-centre (cx, cy): projected box centres still land on the mask centroids."""
    base = intrinsics()
    K = CameraIntrinsics(base.width, base.height, 1.3 * base.fx, base.fy, base.cx - 9.0, base.cy + 6.0)
    obs = sim.render(T, K)
    for obj, state in zip(sim.spec.objects, sim.states()):
        (uv,), _ = project(K.K(), T, state.pose.position)
        assert np.linalg.norm(uv - centroid(obs.instance == obj.object_id)) < 2.0, obj.name


@needs_mujoco
def test_opencv_signs_left_is_small_u_and_up_is_small_v(sim):
    """World left of the camera (−x when looking +y) renders at u < cx; higher (+z) renders at v < cy."""
    K = intrinsics()
    obs = sim.render(FRONTAL, K)
    left_high = centroid(obs.instance == 1)  # box 1 sits at x = −0.8, z = 1.3 (above the eye)
    right_low = centroid(obs.instance == 3)  # box 3 sits at x = +0.8, z = 0.7 (below the eye)
    assert left_high[0] < K.cx < right_low[0]
    assert left_high[1] < K.cy < right_low[1]


@needs_mujoco
def test_larger_image_than_the_default_framebuffer(sim):
    """Renders beyond MuJoCo's default 640×480 offscreen buffer grow it instead of failing or cropping."""
    K = intrinsics(800, 600)
    obs = sim.render(FRONTAL, K)
    assert obs.rgb.shape == (600, 800, 3) and obs.instance.shape == (600, 800)
    (uv,), _ = project(K.K(), FRONTAL, sim.spec.objects[1].pose.position)
    assert np.linalg.norm(uv - centroid(obs.instance == 2)) < 2.0
