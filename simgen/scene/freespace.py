"""Free floor space for a camera: an occupancy grid of the footprint minus inflated obstacles.

A grid cell is *free* when its centre lies inside the room, farther than ``clearance`` from every
wall and from every obstacle's footprint rectangle (exact point-to-rectangle distances, so the
inflation is the true Minkowski sum with a disc). Connectivity is 4-neighbour. Numpy only.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from simgen.geometry import points_in_polygon, quat_to_matrix, yaw_of
from simgen.simulators.room_geometry import interior_wall_pieces


@dataclass(frozen=True)
class FreeSpace:
    """Boolean grid ``free[iy, ix]`` of cell centres ``origin + (ix + ½, iy + ½) · resolution``.

    Only centres are tested: two neighbouring free cells are joined by a walkable straight step only
    if the clearance asked for includes half a cell (``clearance + resolution / 2``).
    """

    free: np.ndarray
    origin: tuple[float, float]
    resolution: float

    def centres(self) -> np.ndarray:
        """(H, W, 2) world XY of every cell centre."""
        return _centres(self.free.shape, self.origin, self.resolution)

    def largest_component(self) -> np.ndarray:
        """Mask of the largest 4-connected free region (all False if nothing is free)."""
        return largest_component(self.free)

    def area(self, mask: np.ndarray | None = None) -> float:
        """Area (m²) of ``mask`` (default: all free cells)."""
        return float((self.free if mask is None else mask).sum()) * self.resolution**2


def _centres(shape, origin, resolution) -> np.ndarray:
    h, w = shape
    xs = origin[0] + (np.arange(w) + 0.5) * resolution
    ys = origin[1] + (np.arange(h) + 0.5) * resolution
    return np.stack(np.meshgrid(xs, ys), axis=-1)


def _segment_distance(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from each point (N, 2) to the nearest of the segments a[k]→b[k] (K, 2): returns (N,)."""
    d = b - a  # (K, 2)
    rel = points[:, None, :] - a[None, :, :]  # (N, K, 2)
    t = np.clip((rel[..., 0] * d[:, 0] + rel[..., 1] * d[:, 1]) / np.maximum((d * d).sum(-1), 1e-12), 0.0, 1.0)
    gap_x, gap_y = rel[..., 0] - t * d[:, 0], rel[..., 1] - t * d[:, 1]
    return np.sqrt((gap_x * gap_x + gap_y * gap_y).min(axis=1))


def free_space(room_footprint, obstacles, clearance: float, resolution: float = 0.05) -> FreeSpace:
    """Free cells of the room: inside, > ``clearance`` from the walls and from every obstacle.

    ``obstacles`` are upright boxes seen from above, one row ``(cx, cy, hx, hy, yaw)`` each (an
    oriented rectangle: centre, half sizes along its own axes, heading in radians).
    """
    key = tuple(tuple(float(v) for v in p) for p in room_footprint)
    pts, room_free, origin = _room_grid(key, float(clearance), float(resolution))
    free = room_free.ravel().copy()
    rects = np.asarray(obstacles, dtype=float).reshape(-1, 5)
    if len(rects) and free.any():
        cand = np.flatnonzero(free)
        rel = pts[cand, None, :] - rects[None, :, :2]  # (N, M, 2) cell centre relative to each rectangle
        c, s = np.cos(rects[:, 4]), np.sin(rects[:, 4])
        # per-axis gap from the cell centre to the rectangle, in the rectangle's own frame
        gap_x = np.maximum(np.abs(rel[..., 0] * c + rel[..., 1] * s) - rects[:, 2], 0.0)
        gap_y = np.maximum(np.abs(rel[..., 1] * c - rel[..., 0] * s) - rects[:, 3], 0.0)
        free[cand] = (gap_x * gap_x + gap_y * gap_y > clearance * clearance).all(axis=1)
    return FreeSpace(free.reshape(room_free.shape), origin, resolution)


@lru_cache(maxsize=64)
def _room_grid(footprint: tuple, clearance: float, resolution: float):
    """Cell centres (N, 2), the (H, W) mask of cells inside and > clearance from the walls, grid origin.

    Cached: every layout attempt of a scene (and every scene of a fixed room) shares the same walls.
    """
    poly = np.asarray(footprint, dtype=float)
    lo, hi = poly.min(0), poly.max(0)
    w, h = int(np.ceil((hi[0] - lo[0]) / resolution)), int(np.ceil((hi[1] - lo[1]) / resolution))
    pts = _centres((h, w), lo, resolution).reshape(-1, 2)
    free = points_in_polygon(pts, poly)
    free[free] = _segment_distance(pts[free], poly, np.roll(poly, -1, axis=0)) > clearance
    free = free.reshape(h, w)
    pts.setflags(write=False)
    free.setflags(write=False)
    return pts, free, (float(lo[0]), float(lo[1]))


def largest_component(mask: np.ndarray) -> np.ndarray:
    """Largest 4-connected component of a boolean grid.

    Every free cell starts with its own label; alternately each horizontal and each vertical run of
    free cells takes the largest label in it, until nothing changes. A component converges in about
    as many sweeps as its paths have turns, so this stays a handful of numpy passes.
    """
    if not mask.any():
        return np.zeros_like(mask)
    labels = np.where(mask, np.arange(1, mask.size + 1).reshape(mask.shape), 0)
    while True:
        grown = _run_max(_run_max(labels, mask).T, mask.T).T
        if np.array_equal(grown, labels):
            break
        labels = grown
    ids, counts = np.unique(labels[mask], return_counts=True)
    return labels == ids[np.argmax(counts)]


def _run_max(labels: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each horizontal run of True cells in ``mask`` gets the largest label in it (other cells get 0)."""
    free = np.flatnonzero(mask)
    left_free = np.zeros(mask.shape, dtype=bool)
    left_free[:, 1:] = mask[:, :-1]  # the cell to the left is in the same row and free: same run
    starts = ~left_free.ravel()[free]
    run_max = np.maximum.reduceat(labels.ravel()[free], np.flatnonzero(starts))
    out = np.zeros(mask.size, dtype=labels.dtype)
    out[free] = run_max[np.cumsum(starts) - 1]
    return out.reshape(mask.shape)


def interior_wall_rects(spec) -> list[tuple[float, float, float, float, float]]:
    """``(cx, cy, hx, hy, yaw)`` of every interior wall piece of a house that stands on the floor (none for
    a single room): the walls between rooms, doorways left open. The footprint's edges already bound the
    exterior walls. The pieces are ``room_geometry.interior_wall_pieces(spec)`` standing on the floor."""
    return [(c[0], c[1], h[0], h[1], yaw) for c, h, yaw in interior_wall_pieces(spec) if c[2] - h[2] < 1e-6]


def scene_free_space(spec, clearance: float = 0.3, resolution: float = 0.05) -> FreeSpace:
    """Free floor space of a SceneSpec: obstacles are the footprints of everything standing on the floor
    and, in a house, the interior walls (so free space passes between rooms only through doorways)."""
    rects = [(o.pose.position[0], o.pose.position[1], o.half_extents[0], o.half_extents[1],
              yaw_of(quat_to_matrix(o.pose.quat_wxyz))) for o in spec.objects if o.support is None]
    return free_space(spec.room.footprint, rects + interior_wall_rects(spec), clearance, resolution)
