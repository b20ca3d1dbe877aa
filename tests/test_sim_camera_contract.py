"""Every renderer's camera, on the golden scene: OpenCV pose and intrinsics in, the right pixels and depth out.

The rows are the simulator contract's ``BACKENDS`` plus pybullet's EGL renderer where it works (EGL
keeps a coarser depth buffer, and one EGL simulator per process, so the rest of the contract runs on
TinyRenderer), plus Blender Cycles drawing pybullet's physics (``renderer=blender``, one sample,
bevelled edges: the same golden tests; skipped without a Blender Python). The conversions each
backend makes on its way to OpenGL are tested beside it (``test_pybullet_camera.py``,
``test_mujoco_camera.py``); Blender's own at 64×48 in ``test_renderer_blender.py``.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest
from sim_scenes import EYE_HEIGHT, FRONTAL, OBLIQUE, THIN, box, centroid, golden_scene, intrinsics, room_ray_depth, \
    scene
from test_sim_contract import BACKENDS, Backend, _pybullet

from simgen.geometry import look_at, project
from simgen.types import CameraIntrinsics


def _egl_missing() -> str | None:
    if BACKENDS[0].unavailable():
        return BACKENDS[0].unavailable()
    from simgen.simulators import pybullet_egl

    probe = pybullet_egl.probe()
    return None if probe.ok else f"EGL unavailable: {probe.reason}"


class Drawn:
    """pybullet's physics drawn by a standalone renderer, with the simulator's calls this suite makes
    (the renderer reloads the scene when the intrinsics change, as the runner's load would)."""

    def __init__(self, renderer):
        self.physics, self.renderer, self._intrinsics = _pybullet(), renderer, None

    @property
    def spec(self):
        return self.physics.spec

    def load(self, spec):
        self._intrinsics = None
        return self.physics.load(spec)

    def states(self):
        return self.physics.states()

    def render(self, T, K, passes=None):
        if K != self._intrinsics:
            self.renderer.load(self.physics.spec, K)
            self._intrinsics = K
        return self.renderer.render(self.physics.states(), T)

    def close(self):
        self.renderer.close()
        self.physics.close()


def _blender():
    from simgen.renderers.blender import BlenderRenderer
    from simgen.renderers.look import Look

    return Drawn(BlenderRenderer(Look(preset="contract", time_of_day="day")))


def _blender_missing() -> str | None:
    from simgen.registry import ConfigError
    from simgen.renderers.blender import check_bpy

    try:
        check_bpy()
    except ConfigError as e:
        return str(e)
    return BACKENDS[0].unavailable()


ROWS = BACKENDS + [Backend("pybullet-egl", functools.partial(_pybullet, renderer="egl"), _egl_missing, 0.01),
                   Backend("blender", _blender, _blender_missing, 0.001)]


@pytest.fixture(scope="module", params=ROWS, ids=lambda b: b.name)
def camera(request):
    """(simulator holding the golden scene, its depth tolerance), one per row."""
    reason = request.param.unavailable()
    if reason:
        pytest.skip(reason)
    sim = request.param.make()
    sim.load(golden_scene())
    yield sim, request.param.depth_tolerance
    sim.close()


@pytest.mark.parametrize("T", [FRONTAL, OBLIQUE], ids=["frontal", "oblique"])
def test_projected_box_centre_lies_on_mask_centroid(camera, T):
    """Golden: each clearly visible object's projected OBB centre is within 2 px of its mask centroid."""
    sim, _ = camera
    K = intrinsics()
    obs = sim.render(T, K)
    for obj, state in zip(sim.spec.objects, sim.states()):
        mask = obs.instance == obj.object_id
        assert mask.sum() > 4, f"{obj.name} should be visible"
        (uv,), _ = project(K.K(), T, state.pose.position)
        assert np.linalg.norm(uv - centroid(mask)) < 2.0, obj.name


@pytest.mark.parametrize("T", [FRONTAL, OBLIQUE], ids=["frontal", "oblique"])
def test_non_square_pixels_and_off_centre_principal_point(camera, T):
    """fx ≠ fy and an off-centre (cx, cy): projected box centres still land on the mask centroids."""
    sim, _ = camera
    base = intrinsics()
    K = CameraIntrinsics(base.width, base.height, 1.3 * base.fx, base.fy, base.cx - 9.0, base.cy + 6.0)
    obs = sim.render(T, K)
    for obj, state in zip(sim.spec.objects, sim.states()):
        (uv,), _ = project(K.K(), T, state.pose.position)
        assert np.linalg.norm(uv - centroid(obs.instance == obj.object_id)) < 2.0, obj.name


def test_rendered_depth_matches_camera_facing_surface(camera):
    """Median depth over each frontal box's mask is the camera z of its front face (y_centre − THIN + 3)."""
    sim, tolerance = camera
    obs = sim.render(FRONTAL, intrinsics())
    for obj in sim.spec.objects[:3]:
        expected = obj.pose.position[1] - THIN + 3.0
        assert np.median(obs.depth[obs.instance == obj.object_id]) == pytest.approx(expected, abs=tolerance), obj.name


@pytest.mark.parametrize("T", [OBLIQUE, look_at([2.5, -2.5, 1.0], [-2.9, 1.0, 1.3])], ids=["down", "level"])
def test_room_depth_matches_ray_casting(camera, T):
    """Every floor/ceiling/wall pixel's depth equals where its pixel-centre ray meets the room (exact planes)."""
    sim, tolerance = camera
    K = intrinsics()
    obs = sim.render(T, K)
    truth = room_ray_depth(T, K)
    room = (obs.instance == 0) & np.isfinite(truth)
    assert room.sum() > 5000
    assert np.quantile(np.abs(obs.depth[room] - truth[room]), 0.99) < tolerance
    assert np.array_equal(np.isinf(obs.depth), np.isinf(truth)), "inf exactly where no surface is hit"


@pytest.mark.parametrize("frac, first", [(0.3, 79), (0.7, 80)])
def test_pixel_centres_are_sampled(camera, frac, first):
    """A box edge at u = 79 + frac covers column i iff i + 0.5 > edge (rows likewise): pixel centres.

    Unshifted, pybullet's TinyRenderer samples at (i, j + 1) and fails this test; TINY_PIXEL_SHIFT fixes it.
    """
    sim, _ = camera
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


def test_off_centre_principal_point_shifts_the_image(camera):
    """Raising cx by 12 px moves every object 12 px right; lowering cy by 8 px moves it 8 px up."""
    sim, _ = camera
    K = intrinsics()
    shifted = CameraIntrinsics(K.width, K.height, K.fx, K.fy, K.cx + 12.0, K.cy - 8.0)
    a, b = sim.render(FRONTAL, K), sim.render(FRONTAL, shifted)
    for obj in sim.spec.objects[:3]:
        delta = centroid(b.instance == obj.object_id) - centroid(a.instance == obj.object_id)
        np.testing.assert_allclose(delta, [12.0, -8.0], atol=0.5)


def test_opencv_signs_left_is_small_u_and_up_is_small_v(camera):
    """World left of the camera (−x when looking +y) renders at u < cx; higher (+z) renders at v < cy."""
    sim, _ = camera
    K = intrinsics()
    obs = sim.render(FRONTAL, K)
    left_high = centroid(obs.instance == 1)  # box 1 sits at x = −0.8, z = 1.3 (above the eye)
    right_low = centroid(obs.instance == 3)  # box 3 sits at x = +0.8, z = 0.7 (below the eye)
    assert left_high[0] < K.cx < right_low[0]
    assert left_high[1] < K.cy < right_low[1]
