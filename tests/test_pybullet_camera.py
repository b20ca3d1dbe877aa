"""Golden tests of the pybullet camera conversions: OpenCV pose/intrinsics → OpenGL → pixels and depth."""
from __future__ import annotations

import numpy as np
import pytest

from sim_scenes import BLUE, GREEN, RED, box, cylinder, duck, intrinsics, scene, sphere
from simgen.geometry import look_at, project
from simgen.types import CameraIntrinsics

pybullet = pytest.importorskip("pybullet")

from simgen.simulators import pybullet_egl  # noqa: E402
from simgen.simulators.pybullet import (PybulletConfig, PybulletSimulator, gl_projection_matrix,  # noqa: E402
                                        gl_view_matrix)

EYE_HEIGHT = 1.0
FRONTAL = look_at([0.0, -3.0, EYE_HEIGHT], [0.0, 0.0, EYE_HEIGHT])  # optical axis along world +y
OBLIQUE = look_at([2.0, -2.4, 2.0], [0.2, 0.3, 0.7])
THIN = 0.02  # half depth of the camera-facing boxes: their side faces stay (nearly) invisible


def golden_scene():
    """Camera-facing thin boxes at known depth, a cylinder, a ball and the duck, all clear of each other."""
    return scene([
        box(1, (-0.8, 0.0, 1.3), (0.15, THIN, 0.1), rgba=RED),
        box(2, (0.0, 0.0, 1.0), (0.2, THIN, 0.15), rgba=GREEN),
        box(3, (0.8, 0.0, 0.7), (0.1, THIN, 0.2), rgba=BLUE),
        cylinder(4, (-0.7, 0.5, 0.5), 0.1, 0.15),
        sphere(5, (0.6, 0.6, 1.4), 0.15),
        duck(6, (0.0, -0.5, 0.6), scale=0.15),
    ])


@pytest.fixture(scope="module", params=["tiny", "egl"])
def sim(request):
    """A loaded simulator per renderer (EGL only where it works; it may be software here)."""
    if request.param == "egl" and not pybullet_egl.probe().ok:
        pytest.skip(f"EGL unavailable: {pybullet_egl.probe().reason}")
    s = PybulletSimulator(PybulletConfig(renderer=request.param))
    s.load(golden_scene())
    yield s
    s.close()


def centroid(mask):
    """Mask centroid in continuous pixel coordinates (pixel centres at +0.5)."""
    rows, cols = np.nonzero(mask)
    return np.array([cols.mean() + 0.5, rows.mean() + 0.5])


def test_view_matrix_equals_pybullets_own_look_at():
    """OpenCV → OpenGL flip agrees with pybullet's computeViewMatrix for the same eye/target/up."""
    eye, target = [1.0, -2.0, 1.5], [0.3, 0.4, 0.5]
    ours = np.array(gl_view_matrix(look_at(eye, target)))
    theirs = np.array(pybullet.computeViewMatrix(eye, target, [0, 0, 1]))
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_projection_reproduces_pinhole_and_pybullets_fov_matrix():
    """Clip → NDC → pixels equals u = fx·x/z + cx, v = fy·y/z + cy; centred K equals computeProjectionMatrixFOV."""
    K = CameraIntrinsics(160, 120, 110.0, 95.0, 70.0, 66.0)
    P = np.array(gl_projection_matrix(K, 0.1, 20.0)).reshape(4, 4).T  # back from column-major
    pts_cv = np.array([[0.3, -0.2, 2.0], [-1.0, 0.5, 4.0], [0.0, 0.0, 1.0]])
    clip = (P @ np.c_[pts_cv * [1, -1, -1], np.ones(3)].T).T  # OpenGL camera: y up, z backwards
    ndc = clip[:, :3] / clip[:, 3:]
    u, v = (ndc[:, 0] + 1) * K.width / 2, (1 - ndc[:, 1]) * K.height / 2
    np.testing.assert_allclose(u, K.fx * pts_cv[:, 0] / pts_cv[:, 2] + K.cx, atol=1e-9)
    np.testing.assert_allclose(v, K.fy * pts_cv[:, 1] / pts_cv[:, 2] + K.cy, atol=1e-9)
    centred = intrinsics(160, 120, 60.0)
    theirs = pybullet.computeProjectionMatrixFOV(60.0, 160 / 120, 0.1, 20.0)
    np.testing.assert_allclose(gl_projection_matrix(centred, 0.1, 20.0), theirs, atol=1e-6)


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


def test_rendered_depth_matches_camera_facing_surface(sim):
    """Median depth over each frontal box's mask is the camera z of its front face (y_centre − THIN + 3)."""
    obs = sim.render(FRONTAL, intrinsics())
    for obj in sim.spec.objects[:3]:
        expected = obj.pose.position[1] - THIN + 3.0
        depth = np.median(obs.depth[obs.instance == obj.object_id])
        assert depth == pytest.approx(expected, abs=DEPTH_TOLERANCE[sim.renderer]), obj.name


def room_ray_depth(T, K, half=3.0, height=2.5):
    """Camera z where each pixel-centre ray first meets the 6×6 m room's floor, ceiling or walls (inf: none)."""
    jj, ii = np.mgrid[0:K.height, 0:K.width]
    rays = np.stack([(ii + 0.5 - K.cx) / K.fx, (jj + 0.5 - K.cy) / K.fy, np.ones(ii.shape)], -1)
    d, eye = rays @ T[:3, :3].T, T[:3, 3]  # world directions whose camera z is 1, so s is the depth
    best = np.full(ii.shape, np.inf)
    for axis, value in ((2, 0.0), (2, height), (0, half), (0, -half), (1, half), (1, -half)):
        with np.errstate(divide="ignore", invalid="ignore"):
            s = (value - eye[axis]) / d[..., axis]
        p = eye + s[..., None] * d
        ok = (s > 0) & (np.abs(p[..., :2]) <= half + 1e-6).all(-1) & (p[..., 2] >= -1e-6) & (p[..., 2] <= height)
        best = np.where(ok, np.minimum(best, s), best)
    return best


DEPTH_TOLERANCE = {"tiny": 0.001, "egl": 0.01}  # m at p99; EGL (Mesa llvmpipe here) keeps a coarser buffer


@pytest.mark.parametrize("T", [OBLIQUE, look_at([2.5, -2.5, 1.0], [-2.9, 1.0, 1.3])], ids=["down", "level"])
def test_room_depth_matches_ray_casting(sim, T):
    """Every floor/ceiling/wall pixel's depth equals where its pixel-centre ray meets the room (exact planes)."""
    K = intrinsics()
    obs = sim.render(T, K)
    truth = room_ray_depth(T, K)
    room = (obs.instance == 0) & np.isfinite(truth)
    assert room.sum() > 5000
    assert np.quantile(np.abs(obs.depth[room] - truth[room]), 0.99) < DEPTH_TOLERANCE[sim.renderer]
    assert np.array_equal(np.isinf(obs.depth), np.isinf(truth)), "inf exactly where no surface is hit"


@pytest.mark.parametrize("frac, first", [(0.3, 79), (0.7, 80)])
def test_pixel_centres_are_sampled(sim, frac, first):
    """A box edge at u = 79 + frac covers column i iff i + 0.5 > edge (rows likewise): pixel centres.

    Unshifted, TinyRenderer samples at (i, j + 1) and fails this test; TINY_PIXEL_SHIFT fixes it.
    """
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


def test_off_centre_principal_point_shifts_the_image(sim):
    """Raising cx by 12 px moves every object 12 px right; lowering cy by 8 px moves it 8 px up."""
    K = intrinsics()
    shifted = CameraIntrinsics(K.width, K.height, K.fx, K.fy, K.cx + 12.0, K.cy - 8.0)
    a, b = sim.render(FRONTAL, K), sim.render(FRONTAL, shifted)
    for obj in sim.spec.objects[:3]:
        delta = centroid(b.instance == obj.object_id) - centroid(a.instance == obj.object_id)
        np.testing.assert_allclose(delta, [12.0, -8.0], atol=0.5)


def test_opencv_signs_left_is_small_u_and_up_is_small_v(sim):
    """World left of the camera (−x when looking +y) renders at u < cx; higher (+z) renders at v < cy."""
    K = intrinsics()
    obs = sim.render(FRONTAL, K)
    left_high = centroid(obs.instance == 1)  # box 1 sits at x = −0.8, z = 1.3 (above the eye)
    right_low = centroid(obs.instance == 3)  # box 3 sits at x = +0.8, z = 0.7 (below the eye)
    assert left_high[0] < K.cx < right_low[0]
    assert left_high[1] < K.cy < right_low[1]
