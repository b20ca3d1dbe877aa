"""pybullet's camera conventions and frame decoding, converted here and nowhere else (golden tests in
``tests/test_pybullet_camera.py``; see ``simulators/pybullet.py`` for the conventions themselves).

The render is split in two (``PybulletSimulator.capture`` and :class:`FrameDecoder`) so that a
renderer worker process captures the next frame while its parent decodes this one
(``simgen.renderers.process``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.geometry import invert
from simgen.simulators.base import PASSES, Observation
from simgen.types import CameraIntrinsics

# (Δcx, Δcy) that moves TinyRenderer's per-pixel sample point (i, j + 1) onto the centre (i + ½, j + ½).
TINY_PIXEL_SHIFT = (-0.5, 0.5)
_CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])


def gl_view_matrix(T_world_cam) -> list[float]:
    """pybullet ``viewMatrix`` (16 floats, column-major) of an OpenCV camera with pose ``T_world_cam``."""
    view = _CV_TO_GL @ invert(T_world_cam)
    return view.T.ravel().tolist()


def gl_projection_matrix(intrinsics: CameraIntrinsics, near: float, far: float, shift=(0.0, 0.0)) -> list[float]:
    """pybullet ``projectionMatrix`` (16 floats, column-major) reproducing the pinhole ``K`` exactly.

    Derived from u = fx·x/z + cx with x_ndc = 2u/W − 1 and v = fy·y/z + cy with y_ndc = 1 − 2v/H
    (image rows top-down); an off-centre principal point shears the frustum. ``shift`` (px) is
    added to (cx, cy) to compensate a renderer's sampling offset.
    """
    w, h = intrinsics.width, intrinsics.height
    cx, cy = intrinsics.cx + shift[0], intrinsics.cy + shift[1]
    P = np.zeros((4, 4))
    P[0, 0] = 2.0 * intrinsics.fx / w
    P[0, 2] = 1.0 - 2.0 * cx / w
    P[1, 1] = 2.0 * intrinsics.fy / h
    P[1, 2] = 2.0 * cy / h - 1.0
    P[2, 2] = -(far + near) / (far - near)
    P[2, 3] = -2.0 * far * near / (far - near)
    P[3, 2] = -1.0
    return P.T.ravel().tolist()


def linear_depth(buffer: np.ndarray, seg: np.ndarray, near: float, far: float) -> np.ndarray:
    """Metres along the camera z axis (float32) from pybullet's depth buffer; ``inf`` where ``seg`` < 0.

    The segmentation mask is the one reliable "nothing was hit" signal: TinyRenderer leaves values
    just below 1 (which ones varies) in the depth buffer there, EGL leaves exactly 1.
    """
    d = np.asarray(buffer, dtype=np.float32)
    z = np.float32(near * far) / (np.float32(far) - np.float32(far - near) * d)
    z[np.asarray(seg) < 0] = np.inf
    return z


@dataclass(frozen=True)
class FrameDecoder:
    """pybullet's buffers of one frame (``PybulletSimulator.capture``) → an ``Observation``.

    ``lut`` maps segmentation value + 1 to object id
    (0 = room and background), ``near`` and ``far`` are the clipping planes of the depth buffer.
    """

    lut: np.ndarray
    near: float
    far: float

    @staticmethod
    def layout(intrinsics: CameraIntrinsics) -> list[tuple[tuple[int, ...], str]]:
        """(shape, dtype) of each capture array: RGBA uint8, depth buffer float32 in [0, 1], segmentation
        int32 (body id, −1 where nothing was hit)."""
        h, w = intrinsics.height, intrinsics.width
        return [((h, w, 4), "|u1"), ((h, w), "<f4"), ((h, w), "<i4")]

    def __call__(self, capture, passes=PASSES) -> Observation:
        """The observation of ``capture`` (rgba, depth buffer, segmentation), with ``passes`` only."""
        import cv2  # a core dependency (0.15 s to import), needed only once frames are decoded

        rgba, buf, seg = capture
        # OpenCV drops the alpha channel in 6 µs of CPU at 320×240; numpy's channel stack takes 70
        rgb = cv2.cvtColor(np.asarray(rgba, np.uint8), cv2.COLOR_RGBA2RGB) if "rgb" in passes else None
        depth = linear_depth(buf, seg, self.near, self.far) if "depth" in passes else None
        instance = self.lut.take(seg + 1) if "instance" in passes else None
        return Observation(rgb, depth, instance)
