"""How MuJoCo makes an image of a simgen camera: quality presets, shadow map size, camera and depth conversions.

Conventions converted here and nowhere else (golden tests in ``tests/test_mujoco_camera.py``; the
rendered pixels and depth are checked on every backend by ``tests/test_sim_camera_contract.py``):

* Camera: after ``mjv_updateScene`` the scene's OpenGL camera is overwritten from ``T_world_cam``:
  position = eye, forward = OpenCV +z, up = OpenCV −y. The frustum at the near plane ``n`` is
  ``top = n·cy/fy``, ``bottom = −n·(H − cy)/fy``, horizontal centre ``n·(W/2 − cx)/fx`` and half
  width ``n·W/(2·fx)`` (MuJoCo's ``frustum_width``; left at 0 it would follow from the aspect ratio),
  so off-centre principal points and non-square pixels are rendered exactly.
* Depth: MuJoCo renders reversed-z into a float buffer and, with ``readDepthMap = ZEROFAR``, reads
  ``d`` = 1 at the near plane and 0 at the far plane; metres along the camera z axis are
  ``n·f / (n + (f − n)·d)``.
"""
from __future__ import annotations

import numpy as np

from simgen.types import CameraIntrinsics

# Render quality presets: what each trades (measured costs in benchmarks/render_throughput_backends.py).
QUALITY = {
    "fast": {"shadows": False, "shadow_size": "auto", "offsamples": 0, "reflectance": 0.0},
    "balanced": {"shadows": True, "shadow_size": "auto", "offsamples": 0, "reflectance": 0.0},
    "high": {"shadows": True, "shadow_size": 2048, "offsamples": 4, "reflectance": 0.15},
}
# "auto" shadow map: about 1.5 texels per pixel of the image's longer side, a power of two in this
# range. The shadow pass costs the same at any image size and dominates on a CPU rasteriser: at
# 320×240 a 1024² map halved the frame rate of a 512² one (measured), for texels no finer than pixels.
AUTO_SHADOW = (1.5, 512, 4096)


def shadow_map_size(setting: int | str, width: int, height: int) -> int:
    """Side of the shadow map in px: ``setting`` itself, or for "auto" the power of two nearest to
    1.5 × the image's longer side, clipped to 512..4096."""
    if setting != "auto":
        return int(setting)
    per_pixel, low, high = AUTO_SHADOW
    return int(np.clip(2 ** round(np.log2(per_pixel * max(width, height))), low, high))


def gl_camera(T_world_cam, intrinsics: CameraIntrinsics, near: float, far: float) -> dict:
    """MuJoCo ``mjvGLCamera`` fields (pos, forward, up, frustum from ``near`` to ``far``) of an OpenCV camera."""
    K = intrinsics
    T = np.asarray(T_world_cam, dtype=float)
    return {
        "pos": T[:3, 3], "forward": T[:3, 2], "up": -T[:3, 1],
        "frustum_center": near * (K.width / 2.0 - K.cx) / K.fx,
        "frustum_width": near * K.width / (2.0 * K.fx),  # half width; MuJoCo uses it when it is not 0
        "frustum_top": near * K.cy / K.fy,
        "frustum_bottom": -near * (K.height - K.cy) / K.fy,
        "frustum_near": near, "frustum_far": far,
    }


def linear_depth(buffer: np.ndarray, near: float, far: float) -> np.ndarray:
    """Metres along the camera z axis (float32) from MuJoCo's reversed-z buffer (1 = near, 0 = far)."""
    d = np.asarray(buffer, dtype=np.float64)
    return (near * far / (near + (far - near) * d)).astype(np.float32)
