"""Geometry in one place: rigid transforms, quaternions (wxyz), projection, oriented boxes, angles.

World is Z-up right-handed; the camera is OpenCV (x right, y down, z forward). All functions are
vectorised over leading axes where that is natural and take/return numpy arrays.
"""
from __future__ import annotations

import numpy as np

WORLD_UP = np.array([0.0, 0.0, 1.0])


def wrap_angle(theta):
    """Wrap radians to (−π, π]; the one yaw-wrap function of the project (π stays π, −π becomes π)."""
    wrapped = np.mod(np.asarray(theta, dtype=float) + np.pi, 2.0 * np.pi) - np.pi
    wrapped = np.where(wrapped <= -np.pi, wrapped + 2.0 * np.pi, wrapped)
    return float(wrapped) if np.ndim(wrapped) == 0 else wrapped


def quat_to_matrix(quat_wxyz) -> np.ndarray:
    """3×3 rotation matrix of a (normalised) quaternion given as w, x, y, z."""
    w, x, y, z = np.asarray(quat_wxyz, dtype=float) / np.linalg.norm(quat_wxyz)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def matrix_to_quat(R) -> tuple[float, float, float, float]:
    """Quaternion (w, x, y, z) with w ≥ 0 of a 3×3 rotation matrix (Shepperd's method)."""
    R = np.asarray(R, dtype=float)
    tr = np.trace(R)
    if tr > 0:
        s = 2.0 * np.sqrt(tr + 1.0)
        q = [0.25 * s, (R[2, 1] - R[1, 2]) / s, (R[0, 2] - R[2, 0]) / s, (R[1, 0] - R[0, 1]) / s]
    else:
        i = int(np.argmax(np.diag(R)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + R[i, i] - R[j, j] - R[k, k])
        q = [0.0] * 4
        q[0] = (R[k, j] - R[j, k]) / s
        q[1 + i] = 0.25 * s
        q[1 + j] = (R[j, i] + R[i, j]) / s
        q[1 + k] = (R[k, i] + R[i, k]) / s
    return canonical_quat(q)


def canonical_quat(q_wxyz) -> tuple[float, float, float, float]:
    """Normalised (w, x, y, z) with w ≥ 0: q and −q are one rotation, one spelling keeps states comparable."""
    q = np.asarray(q_wxyz, dtype=float)
    q = q / np.linalg.norm(q)
    return tuple(float(v) for v in (-q if q[0] < 0 else q))


def quat_from_yaw(yaw: float) -> tuple[float, float, float, float]:
    """Quaternion (wxyz) of a rotation by ``yaw`` radians about world +Z (counter-clockwise from above)."""
    return (float(np.cos(yaw / 2)), 0.0, 0.0, float(np.sin(yaw / 2)))


def yaw_of(R) -> float:
    """Heading of a rotation: angle of its local +X axis projected on the XY plane, wrapped."""
    R = np.asarray(R)
    return wrap_angle(np.arctan2(R[1, 0], R[0, 0]))


def pose_matrix(position, quat_wxyz) -> np.ndarray:
    """4×4 transform from a position and a wxyz quaternion."""
    T = np.eye(4)
    T[:3, :3] = quat_to_matrix(quat_wxyz)
    T[:3, 3] = position
    return T


def invert(T) -> np.ndarray:
    """Inverse of a rigid 4×4 transform (exact: transpose of the rotation)."""
    T = np.asarray(T, dtype=float)
    R, t = T[:3, :3], T[:3, 3]
    out = np.eye(4)
    out[:3, :3] = R.T
    out[:3, 3] = -R.T @ t
    return out


def transform_points(T, points) -> np.ndarray:
    """Apply a 4×4 transform to an (..., 3) array of points."""
    points = np.asarray(points, dtype=float)
    return points @ np.asarray(T)[:3, :3].T + np.asarray(T)[:3, 3]


def look_at(eye, target, up=WORLD_UP) -> np.ndarray:
    """``T_world_cam`` of an OpenCV camera at ``eye`` whose optical axis (+z) points at ``target``.

    Image x (right) is forward × up, image y (down) completes the right-handed frame, so the world
    up vector appears pointing up in the image.
    """
    eye, target, up = (np.asarray(v, dtype=float) for v in (eye, target, up))
    z = target - eye
    n = np.linalg.norm(z)
    if n < 1e-9:
        raise ValueError("look_at: eye and target coincide")
    z /= n
    x = np.cross(z, up)
    if np.linalg.norm(x) < 1e-6:  # looking straight up/down: pick any horizontal right vector
        x = np.cross(z, [1.0, 0.0, 0.0]) if abs(z[0]) < 0.9 else np.cross(z, [0.0, 1.0, 0.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    T = np.eye(4)
    T[:3, 0], T[:3, 1], T[:3, 2], T[:3, 3] = x, y, z, eye
    return T


def camera_from_yaw_pitch(eye, yaw: float, pitch: float) -> np.ndarray:
    """``T_world_cam`` looking along heading ``yaw`` (rad, from +X towards +Y), tilted up by ``pitch``."""
    direction = np.array([np.cos(pitch) * np.cos(yaw), np.cos(pitch) * np.sin(yaw), np.sin(pitch)])
    return look_at(eye, np.asarray(eye, dtype=float) + direction)


def project(K, T_world_cam, points_world):
    """Project world points; returns (uv pixels (N, 2), depth z in the camera (N,)).

    Points behind the camera get depth ≤ 0 and meaningless uv; callers mask them.
    """
    p_cam = transform_points(invert(T_world_cam), np.atleast_2d(points_world))
    z = p_cam[:, 2]
    safe = np.where(np.abs(z) < 1e-9, 1e-9, z)
    uv = (p_cam[:, :2] / safe[:, None]) * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
    return uv, z


_BOX_SIGNS = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=float)
_BOX_SIGNS.flags.writeable = False


def obb_corners(center, half_extents, R) -> np.ndarray:
    """The 8 corners (8, 3) of an oriented box."""
    return np.asarray(center) + (_BOX_SIGNS * np.asarray(half_extents)) @ np.asarray(R).T


def obb_samples(center, half_extents, R, n: int = 4) -> np.ndarray:
    """An n×n×n grid of points filling an oriented box (corners included)."""
    g = np.linspace(-1.0, 1.0, n)
    local = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3) * np.asarray(half_extents)
    return np.asarray(center) + local @ np.asarray(R).T


def obb_footprint(center, half_extents, R) -> np.ndarray:
    """The XY convex polygon (4, 2) covered by an upright-or-not box seen from above (hull of corners)."""
    pts = obb_corners(center, half_extents, R)[:, :2]
    return convex_hull_2d(pts)


def convex_hull_2d(points) -> np.ndarray:
    """Counter-clockwise convex hull of 2D points (monotone chain)."""
    pts = sorted(set(map(tuple, np.round(np.asarray(points, dtype=float), 12).tolist())))  # plain floats: fast
    if len(pts) <= 2:
        return np.array(pts)

    def half(seq):
        out = []
        for p in seq:
            while len(out) >= 2 and _cross(out[-2], out[-1], p) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(reversed(pts))
    return np.array(lower[:-1] + upper[:-1])


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def polygon_area(poly) -> float:
    """Signed area of a 2D polygon (positive when counter-clockwise)."""
    p = np.asarray(poly, dtype=float)
    x, y = p[:, 0], p[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def points_in_polygon(points, poly) -> np.ndarray:
    """Boolean mask of 2D points strictly inside a simple polygon (even-odd ray casting)."""
    pts = np.atleast_2d(np.asarray(points, dtype=float))
    poly = np.asarray(poly, dtype=float)
    x, y = pts[:, 0:1], pts[:, 1:2]
    x0, y0 = poly[:, 0], poly[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    crosses = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return np.logical_and(crosses, x < x_at).sum(axis=1) % 2 == 1


def polygon_index(points, polygons) -> np.ndarray:
    """(N,) index of the polygon, among non-overlapping ``polygons``, strictly holding each 2D point of
    ``points`` (N, 2+; extra columns ignored); −1 where none does (e.g. which room of a house a point is in:
    −1 in a wall, a doorway or outside)."""
    pts = np.atleast_2d(np.asarray(points, dtype=float))[:, :2]
    out = np.full(len(pts), -1, dtype=np.int64)
    for i, poly in enumerate(polygons):
        out[points_in_polygon(pts, poly)] = i
    return out


_PERPENDICULAR = np.array([-1.0, 1.0])  # (x, y) reversed times this: (-y, x)


def polygon_separation(poly_a, poly_b) -> float:
    """Signed separation of two convex 2D polygons along their edge normals (separating axes): > 0,
    a gap at least that wide (the exact distance between facing edges, a lower bound otherwise);
    < 0, they overlap and must move that far apart to separate (the penetration depth)."""
    a, b = np.asarray(poly_a, float), np.asarray(poly_b, float)
    best = -np.inf
    for poly in (a, b):  # (the same arithmetic as np.roll, column_stack and linalg.norm, without their overhead)
        edges = np.concatenate((poly[1:], poly[:1])) - poly
        normals = edges[:, ::-1] * _PERPENDICULAR
        lengths = np.sqrt(np.add.reduce(normals * normals, axis=1))
        keep = lengths > 1e-12
        normals = normals[keep] / lengths[keep, None]
        pa, pb = a @ normals.T, b @ normals.T
        gaps = np.maximum(pb.min(axis=0) - pa.max(axis=0), pa.min(axis=0) - pb.max(axis=0))
        best = max(best, float(gaps.max(initial=-np.inf)))
    return best


def convex_polygons_overlap(a, b, margin: float = 0.0) -> bool:
    """Separating-axis test for two convex 2D polygons; ``margin`` demands that much clearance."""
    return polygon_separation(a, b) < margin


def quats_to_matrices(quats_wxyz) -> np.ndarray:
    """Rotation matrices (..., 3, 3) of an array of quaternions (..., 4) given as w, x, y, z (vectorised
    :func:`quat_to_matrix`; each quaternion is normalised)."""
    q = np.asarray(quats_wxyz, dtype=float)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = np.moveaxis(q, -1, 0)
    rows = [
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ]
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)
