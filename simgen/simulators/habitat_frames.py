"""habitat-sim frames ↔ simgen frames, and habitat recordings → boxes, cameras, ids. Pure numpy.

habitat-sim's world is **right-handed, Y up, −Z forward** (+X right). simgen's is right-handed,
Z up. The mapping is the proper rotation by +90° about X, after lifting the floor to z = 0:

    (x, y, z)_habitat  →  (x, −z, y − origin_y)_simgen      M = [[1,0,0],[0,0,−1],[0,1,0]],  det M = +1

habitat forward (−Z) becomes +Y, up (+Y) becomes +Z, right stays +X; no handedness flip.
``origin_y`` is the habitat height taken as the floor (0 for ReplicaCAD / HSSD; an HM3D building's
lowest navigable floor otherwise); it travels with the scene so every conversion agrees.

A habitat camera sensor is an OpenGL camera (x right, y up, looking along −z), so
``T_world_cam`` (OpenCV → simgen) has rotation ``M · R_sensor · F`` with ``F = diag(1, −1, −1)``.
Sensor ``hfov`` is the horizontal field of view; pixels are square and the principal point is the
image centre. Depth is planar (distance along the optical axis) in metres, 0 where nothing was hit.
Quaternions: agent/sensor rotations are ``np.quaternion`` (w, x, y, z) in the SDK; an OBB's
``rotation`` is Eigen's coefficient order (x, y, z, w). Recordings store ``rotation_wxyz`` and
``rotation_xyzw`` respectively, exactly as named.
"""
from __future__ import annotations

import math

import numpy as np

from simgen.geometry import quat_to_matrix
from simgen.simulators.metadata_boxes import (AXIS_ALIGNED, ORIENTED, Box, canonical_box, depth_or_inf, ids_from_codes,
                                        read_recording)
from simgen.types import CameraIntrinsics

M_HABITAT = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
F_GL = np.diag([1.0, -1.0, -1.0])  # OpenCV camera axes ↔ OpenGL camera axes (its own inverse)
RECORDING_FORMAT = "simgen.habitat_recording"
RECORDING_VERSION = 1


def to_world(points_habitat, origin_y: float = 0.0) -> np.ndarray:
    """simgen world points (…, 3) of habitat points: (x, y, z) → (x, −z, y − origin_y)."""
    p = np.asarray(points_habitat, dtype=float)
    return np.stack([p[..., 0], -p[..., 2], p[..., 1] - origin_y], axis=-1)


def to_habitat(points_world, origin_y: float = 0.0) -> np.ndarray:
    """habitat points (…, 3) of simgen world points: (x, y, z) → (x, z + origin_y, −y)."""
    p = np.asarray(points_world, dtype=float)
    return np.stack([p[..., 0], p[..., 2] + origin_y, -p[..., 1]], axis=-1)


def camera_pose(position, rotation_wxyz, origin_y: float = 0.0) -> np.ndarray:
    """``T_world_cam`` (OpenCV → simgen world) of a habitat camera sensor's world pose."""
    T = np.eye(4)
    T[:3, :3] = M_HABITAT @ quat_to_matrix(rotation_wxyz) @ F_GL
    T[:3, 3] = to_world(position, origin_y)
    return T


def sensor_pose(T_world_cam, origin_y: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(position, rotation matrix) in habitat's world of a sensor placed at the OpenCV pose ``T_world_cam``."""
    T = np.asarray(T_world_cam, dtype=float)
    return to_habitat(T[:3, 3], origin_y), M_HABITAT.T @ T[:3, :3] @ F_GL


def hfov_deg(intrinsics: CameraIntrinsics) -> float:
    """habitat's ``hfov`` (horizontal, degrees) for ``intrinsics``; square pixels and a centred principal point only."""
    intrinsics.require_plain("habitat pinhole sensors")
    return math.degrees(2.0 * math.atan(0.5 * intrinsics.width / intrinsics.fx))


def intrinsics_from_hfov(width: int, height: int, hfov: float) -> CameraIntrinsics:
    """Intrinsics of a habitat pinhole sensor: square pixels from the horizontal field of view."""
    f = 0.5 * width / math.tan(math.radians(hfov) / 2.0)
    return CameraIntrinsics(int(width), int(height), f, f, width / 2.0, height / 2.0)


def object_box(obj: dict, origin_y: float = 0.0) -> Box:
    """The box of one recorded habitat object: its OBB when given (axes = its own frame converted
    like the world), else its axis-aligned box (flagged ``axis_aligned``)."""
    obb = obj.get("obb")
    if obb is not None:
        center = to_world(obb["center"], origin_y)
        R_local = quat_to_matrix(_wxyz(obb["rotation_xyzw"]))  # box axes → habitat world
        R = M_HABITAT @ R_local  # box axes (habitat-local) → simgen world
        half, R = canonical_box(np.asarray(obb["sizes"], dtype=float) / 2.0, R, hint=R @ M_HABITAT.T)
        return Box(center, half, R, ORIENTED)
    aabb = obj.get("aabb")
    if aabb is None:
        raise ValueError(f"habitat object {obj.get('id', '?')}: neither 'obb' nor 'aabb'")
    size = np.abs(M_HABITAT @ np.asarray(aabb["sizes"], dtype=float))
    return Box(to_world(aabb["center"], origin_y), size / 2.0, np.eye(3), AXIS_ALIGNED)


def _wxyz(xyzw) -> tuple[float, float, float, float]:
    """(w, x, y, z) of an (x, y, z, w) quaternion."""
    x, y, z, w = (float(v) for v in xyzw)
    return (w, x, y, z)


def instance_ids(semantic, semantic_to_id: dict) -> np.ndarray:
    """uint16 object ids (0 = stage / unknown) of a semantic-sensor frame of integer ids."""
    return ids_from_codes(np.asarray(semantic, dtype=np.int64), semantic_to_id)


def depth_metres(depth) -> np.ndarray:
    """habitat's planar depth (m) with no-hit pixels (0) as ``inf``."""
    return depth_or_inf(depth)


def recording_camera(data: dict, camera: str = "camera") -> tuple[np.ndarray, CameraIntrinsics]:
    """(``T_world_cam``, intrinsics) of a recorded sensor."""
    sensor = data["sensors"][camera]
    h, w = sensor["resolution"]
    T = camera_pose(sensor["position"], sensor["rotation_wxyz"], data.get("origin_y", 0.0))
    return T, intrinsics_from_hfov(w, h, float(sensor["hfov"]))


def load_recording(path) -> dict:
    """Read a habitat recording JSON; errors name the file and what is missing."""
    return read_recording(path, "habitat", RECORDING_FORMAT, RECORDING_VERSION, ("scene", "objects", "bounds"))
