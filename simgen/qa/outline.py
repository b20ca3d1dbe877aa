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
_PERIMETER_SAMPLES = 256


def outlines(intrinsics, T_cam_world, centers, quats, half, mask) -> np.ndarray:
    """(F, N) ``outline_in_frame`` of each object at each frame where ``mask`` (F, N) is set, else 0
    (``T_cam_world`` (F, 4, 4), the objects' ``centers`` (F, N, 3) and ``quats`` (F, N, 4) per frame)."""
    out = np.zeros(mask.shape)
    K, w, h = intrinsics.K(), int(intrinsics.width), int(intrinsics.height)
    for fr, row in zip(*np.nonzero(mask)):
        out[fr, row] = outline_in_frame(K, w, h, T_cam_world[fr], centers[fr, row], half[row], quat_to_matrix(quats[fr, row]))
    return out


def outline_in_frame(K: np.ndarray, width: int, height: int, T_cam_world: np.ndarray, center, half, R) -> float:
    """Share (0..1) of an oriented box's silhouette outline that lies inside a ``width``×``height``
    image, the camera at ``T_cam_world`` with calibration ``K``; 0 when no part is in front of it."""
    corners = obb_corners(center, half, R) @ T_cam_world[:3, :3].T + T_cam_world[:3, 3]
    z = corners[:, 2]
    front = list(corners[z > NEAR_M])
    for a, b in _EDGES:  # where an edge crosses the near plane, the clipped box has a corner
        if (z[a] > NEAR_M) != (z[b] > NEAR_M):
            t = (NEAR_M - z[a]) / (z[b] - z[a])
            front.append(corners[a] + t * (corners[b] - corners[a]))
    if len(front) < 3:
        return 0.0
    pts = np.array(front)
    uv = pts[:, :2] / pts[:, 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
    hull = convex_hull_2d(uv)
    if len(hull) < 3:
        return 0.0
    ends = np.roll(hull, -1, axis=0)
    lengths = np.linalg.norm(ends - hull, axis=1)
    # points spread evenly along the outline, by arc length
    s = (np.arange(_PERIMETER_SAMPLES) + 0.5) / _PERIMETER_SAMPLES * lengths.sum()
    edge = np.minimum(np.searchsorted(np.cumsum(lengths), s, side="right"), len(hull) - 1)
    t = (s - (np.cumsum(lengths) - lengths)[edge]) / np.maximum(lengths[edge], 1e-12)
    p = hull[edge] + t[:, None] * (ends[edge] - hull[edge])
    inside = (p[:, 0] >= 0) & (p[:, 0] <= width) & (p[:, 1] >= 0) & (p[:, 1] <= height)
    return float(inside.mean())
