"""Unity (AI2-THOR) frames ↔ simgen frames: points, Euler rotations, cameras. Pure numpy.

Unity's world is **left-handed, Y up**: +X right, +Y up, +Z forward (a viewer facing +Z has +X on
the right). simgen's world is right-handed, Z up. The mapping used everywhere is the swap

    (x, y, z)_unity  →  (x, z, y)_simgen        M = [[1,0,0],[0,0,1],[0,1,0]],  det M = −1

Unity up (+Y) becomes +Z, Unity forward (+Z) becomes +Y, and right stays +X. Facing +Y in simgen,
the right-hand side is forward × up = +Y × +Z = +X, so what is on a Unity viewer's right is on the
simgen viewer's right too (the handedness flip is exactly the swap's det = −1; the tests check a
left/right pair). A rotation matrix ``R_u`` acting on Unity coordinates becomes ``M R_u M`` (a
proper rotation again: two det −1 factors).

Unity Euler angles (degrees, as AI2-THOR reports ``rotation`` {x, y, z}) compose as
``R_u = Ry(y) · Rx(x) · Rz(z)`` (z applied first, then x, then y, about fixed axes) with the usual
matrices; numerically +y turns +Z towards +X (yaw to the right seen from above, i.e. clockwise)
and +x turns +Z towards −Y (pitch down — AI2-THOR's positive ``horizon`` looks down).

A Unity camera looks along its local +Z with +Y up and +X right; the OpenCV camera has y down,
so ``T_world_cam`` (OpenCV → simgen world) has rotation ``M · R_u · F`` with ``F = diag(1, −1, 1)``.
Unity's ``fieldOfView`` is the vertical field of view.
"""
from __future__ import annotations

import math

import numpy as np

M_UNITY = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])  # Unity ↔ simgen (its own inverse)
F_CV = np.diag([1.0, -1.0, 1.0])  # OpenCV camera axes ↔ Unity camera axes (its own inverse)
GIMBAL_EPS = 1e-9


def vec3(value) -> np.ndarray:
    """A 3-vector from a Unity ``{"x", "y", "z"}`` dict or any length-3 sequence."""
    if isinstance(value, dict):
        return np.array([float(value["x"]), float(value["y"]), float(value["z"])])
    out = np.asarray(value, dtype=float).reshape(-1)
    if out.shape != (3,):
        raise ValueError(f"expected a 3-vector or an {{x, y, z}} dict, got {value!r}")
    return out


def xyz_dict(v) -> dict:
    """A Unity ``{"x", "y", "z"}`` dict of plain floats."""
    return {"x": float(v[0]), "y": float(v[1]), "z": float(v[2])}


def to_world(points_unity) -> np.ndarray:
    """simgen world points (…, 3) of Unity points (…, 3): (x, y, z) → (x, z, y)."""
    return np.asarray(points_unity, dtype=float)[..., [0, 2, 1]]


def to_unity(points_world) -> np.ndarray:
    """Unity points (…, 3) of simgen world points: the same swap, (x, y, z) → (x, z, y)."""
    return np.asarray(points_world, dtype=float)[..., [0, 2, 1]]


def euler_matrix(euler_deg) -> np.ndarray:
    """Unity rotation matrix ``Ry(y) · Rx(x) · Rz(z)`` of Euler angles in degrees (dict or sequence)."""
    x, y, z = np.radians(vec3(euler_deg))
    cx, sx, cy, sy, cz, sz = math.cos(x), math.sin(x), math.cos(y), math.sin(y), math.cos(z), math.sin(z)
    Rx = np.array([[1.0, 0.0, 0.0], [0.0, cx, -sx], [0.0, sx, cx]])
    Ry = np.array([[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]])
    Rz = np.array([[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]])
    return Ry @ Rx @ Rz


def matrix_euler(R_u) -> np.ndarray:
    """Unity Euler angles (x, y, z) in degrees, each in (−180, 180], of a Unity rotation matrix.

    Inverse of :func:`euler_matrix`: R[1,2] = −sin x, R[0,2] / R[2,2] give y, R[1,0] / R[1,1]
    give z. Looking straight up or down (cos x = 0) only y + z is defined; z is then 0.
    """
    R = np.asarray(R_u, dtype=float)
    sx = float(np.clip(-R[1, 2], -1.0, 1.0))
    x = math.asin(sx)
    if math.cos(x) > GIMBAL_EPS:
        y = math.atan2(R[0, 2], R[2, 2])
        z = math.atan2(R[1, 0], R[1, 1])
    else:
        y = math.atan2(R[0, 1] * sx, R[0, 0])
        z = 0.0
    out = np.degrees([x, y, z])
    return np.where(out <= -180.0, out + 360.0, out)


def rotation_to_world(R_u) -> np.ndarray:
    """simgen rotation of a Unity rotation (both map local axes to world axes): ``M R_u M``."""
    return M_UNITY @ np.asarray(R_u, dtype=float) @ M_UNITY


def object_frame(euler_deg) -> np.ndarray:
    """simgen rotation whose columns are a Unity object's local x (right), z (forward), y (up) in the world."""
    return rotation_to_world(euler_matrix(euler_deg))


def camera_pose(position_unity, euler_deg) -> np.ndarray:
    """``T_world_cam`` (OpenCV camera → simgen world) of a Unity camera at ``position`` with Euler ``rotation``."""
    T = np.eye(4)
    T[:3, :3] = M_UNITY @ euler_matrix(euler_deg) @ F_CV
    T[:3, 3] = to_world(vec3(position_unity))
    return T


def unity_camera(T_world_cam) -> tuple[dict, dict]:
    """(position, rotation) Unity dicts placing a Unity camera at the OpenCV pose ``T_world_cam``."""
    T = np.asarray(T_world_cam, dtype=float)
    R_u = M_UNITY @ T[:3, :3] @ F_CV
    return xyz_dict(to_unity(T[:3, 3])), xyz_dict(matrix_euler(R_u))


def agent_camera_pose(camera_position_unity, yaw_deg: float, horizon_deg: float) -> np.ndarray:
    """``T_world_cam`` of AI2-THOR's agent camera: at ``cameraPosition``, rotation y = yaw, x = horizon."""
    return camera_pose(camera_position_unity, (horizon_deg, yaw_deg, 0.0))


def teleport_pose(T_world_cam, camera_offset_y: float, roll_tol_deg: float = 0.01) -> dict:
    """``TeleportFull`` arguments (x, y, z, rotation, horizon) putting the agent camera at ``T_world_cam``.

    ``camera_offset_y`` is the agent camera's height above the agent position (``cameraPosition.y
    − agent.position.y``). The agent camera cannot roll: a pose with roll is refused.
    """
    position, rotation = unity_camera(T_world_cam)
    if abs(rotation["z"]) > roll_tol_deg:
        raise ValueError(f"TeleportFull cannot roll the camera (roll {rotation['z']:.3f}°); use camera 'third_party'")
    return {"x": position["x"], "y": position["y"] - camera_offset_y, "z": position["z"],
            "rotation": {"x": 0.0, "y": rotation["y"], "z": 0.0}, "horizon": rotation["x"], "standing": True}


def vertical_fov_deg(intrinsics) -> float:
    """Unity's ``fieldOfView`` (vertical, degrees) for pinhole ``intrinsics``; Unity cannot shear or stretch.

    Raises ValueError unless pixels are square (fx = fy) and the principal point is the image centre.
    """
    intrinsics.require_plain("Unity cameras")
    return math.degrees(2.0 * math.atan(0.5 * intrinsics.height / intrinsics.fy))
