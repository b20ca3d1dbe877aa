"""How much of an object's outline a frame shows: what tells a close-up of a thing from a slab of it.

An object filmed from close up fills the image and may still be recognisable, when the frame shows
where it ends: a shelf's top and side, a table's corner and leg. A grey wardrobe whose front fills
the frame edge to edge shows none of its outline: a grey slab, which could be either wardrobe of
the room, or a wall (judged by eye: it was counted as one of two wardrobes). ``outline_in_frame``
is the share of the box's silhouette outline (the convex hull of its projected corners, the box
clipped at ``NEAR_M`` in front of the camera) that lies inside the image; ``SceneView.framed``
asks a close-up for ``FRAMED_OUTLINE`` of it.
"""
from __future__ import annotations

import numpy as np

from simgen.geometry import convex_hull_2d, obb_corners, quat_to_matrix

FRAMED_OUTLINE = 0.15  # share of its outline a close-up must show to be recognisable (by eye: a bed top filling the
# frame, 0.0, no; a table's corner and leg, 0.18-0.24, and a sofa's end, 0.24, yes; a wardrobe front 0.6-0.8 m
# away, head on, 0.0; a shelf's boards close up, 0.03, are recognisable but refused: no rule here sees them)
NEAR_M = 0.05  # the box is clipped this far in front of the camera (its part behind has no outline)
_EDGES = [(a, b) for a in range(8) for b in range(a + 1, 8) if bin(a ^ b).count("1") == 1]  # obb_corners' 12 edges


def outlines(intrinsics, T_cam_world, centers, quats, half, mask) -> np.ndarray:
    """(F, N) ``outline_in_frame`` of each object at each frame where ``mask`` (F, N) is set, else 0
    (``T_cam_world`` (F, 4, 4), the objects' ``centers`` (F, N, 3) and ``quats`` (F, N, 4) per frame);
    the hulls one by one, their edges clipped to the image all at once."""
    out = np.zeros(mask.shape)
    frames, rows = np.nonzero(mask)
    if not len(frames):
        return out
    K = intrinsics.K()
    hulls = [silhouette(K, T_cam_world[f], centers[f, r], half[r], quat_to_matrix(quats[f, r])) for f, r in zip(frames, rows)]
    out[frames, rows] = _shares_inside(hulls, int(intrinsics.width), int(intrinsics.height))
    return out


def outline_in_frame(K: np.ndarray, width: int, height: int, T_cam_world: np.ndarray, center, half, R) -> float:
    """Share (0..1) of an oriented box's silhouette outline that lies inside a ``width``×``height``
    image, the camera at ``T_cam_world`` with calibration ``K``; 0 when no part is in front of it."""
    return float(_shares_inside([silhouette(K, T_cam_world, center, half, R)], width, height)[0])


def silhouette(K: np.ndarray, T_cam_world: np.ndarray, center, half, R) -> np.ndarray:
    """The box's outline in the image: the convex hull (H, 2) of its projected corners, the box
    clipped ``NEAR_M`` in front of the camera (fewer than 3 points when nothing is in front)."""
    corners = obb_corners(center, half, R) @ T_cam_world[:3, :3].T + T_cam_world[:3, 3]
    z = corners[:, 2]
    front = list(corners[z > NEAR_M])
    for a, b in _EDGES:  # where an edge crosses the near plane, the clipped box has a corner
        if (z[a] > NEAR_M) != (z[b] > NEAR_M):
            t = (NEAR_M - z[a]) / (z[b] - z[a])
            front.append(corners[a] + t * (corners[b] - corners[a]))
    if len(front) < 3:
        return np.zeros((0, 2))
    pts = np.array(front)
    return convex_hull_2d(pts[:, :2] / pts[:, 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]])


def _shares_inside(hulls: list[np.ndarray], width: float, height: float) -> np.ndarray:
    """Per hull, the share of its perimeter inside [0, width] × [0, height]: every edge clipped to the
    rectangle at once (Liang–Barsky); 0 for a hull of fewer than 3 points."""
    hulls = [h if len(h) >= 3 else np.zeros((0, 2)) for h in hulls]
    owner = np.repeat(np.arange(len(hulls)), [len(h) for h in hulls])
    start = np.concatenate(hulls) if len(owner) else np.zeros((0, 2))
    end = np.concatenate([np.roll(h, -1, axis=0) for h in hulls]) if len(owner) else start
    d = end - start
    lo, hi = np.zeros(len(d)), np.ones(len(d))
    for axis, size in ((0, width), (1, height)):
        for p, q in ((-d[:, axis], start[:, axis]), (d[:, axis], size - start[:, axis])):
            parallel = np.abs(p) < 1e-12
            lo = np.where(parallel & (q < 0), 1.0, lo)  # parallel to this side and outside it: nothing inside
            t = np.divide(q, p, out=np.zeros_like(q), where=~parallel)
            lo = np.where(~parallel & (p < 0), np.maximum(lo, t), lo)
            hi = np.where(~parallel & (p > 0), np.minimum(hi, t), hi)
    lengths = np.linalg.norm(d, axis=1)
    total = np.bincount(owner, lengths, len(hulls))
    inside = np.bincount(owner, np.clip(hi - lo, 0.0, None) * lengths, len(hulls))
    return np.divide(inside, total, out=np.zeros(len(hulls)), where=total > 0)
