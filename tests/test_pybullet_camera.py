"""pybullet's camera conversions: OpenCV pose/intrinsics → OpenGL matrices, checked against pybullet's own.

The rendered pixels and depth are checked on every simulator by ``test_sim_camera_contract.py``."""
from __future__ import annotations

import numpy as np
import pytest

from sim_scenes import intrinsics
from simgen.geometry import look_at
from simgen.types import CameraIntrinsics

pybullet = pytest.importorskip("pybullet")

from simgen.simulators.pybullet_render import gl_projection_matrix, gl_view_matrix  # noqa: E402


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


