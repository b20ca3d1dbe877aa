"""Free floor space for a camera: an occupancy grid of the footprint minus inflated obstacles.

A grid cell is *free* when its centre lies inside the room, farther than ``clearance`` from every
wall and from every obstacle footprint (exact point-to-polygon distances, so the inflation is the
true Minkowski sum with a disc). Connectivity is 4-neighbour. Everything is numpy; no SciPy.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.geometry import obb_footprint, points_in_polygon, quat_to_matrix


@dataclass(frozen=True)
class FreeSpace:
    """Boolean grid ``free[iy, ix]`` of cell centres ``origin + (ix + ½, iy + ½) · resolution``."""

    free: np.ndarray
    origin: tuple[float, float]
    resolution: float

    def centres(self) -> np.ndarray:
        """(H, W, 2) world XY of every cell centre."""
        h, w = self.free.shape
        xs = self.origin[0] + (np.arange(w) + 0.5) * self.resolution
        ys = self.origin[1] + (np.arange(h) + 0.5) * self.resolution
        return np.stack(np.meshgrid(xs, ys), axis=-1)

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
    """Each horizontal run of True cells in ``mask`` gets the largest label in it (others stay 0)."""
    free = np.flatnonzero(mask)
    h, w = mask.shape
    prev_free = np.zeros(mask.shape, dtype=bool)
    prev_free[:, 1:] = mask[:, :-1]  # the left neighbour is in the same row and free
    starts = ~prev_free.ravel()[free]
    run = np.cumsum(starts) - 1
    run_max = np.maximum.reduceat(labels.ravel()[free], np.flatnonzero(starts))
    out = np.zeros(h * w, dtype=labels.dtype)
    out[free] = run_max[run]
    return out.reshape(h, w)


def scene_free_space(spec, clearance: float = 0.3, resolution: float = 0.05) -> FreeSpace:
    """Free floor space of a SceneSpec: obstacles are the footprints of everything standing on the floor."""
    obstacles = [obb_footprint(o.pose.position, o.half_extents, quat_to_matrix(o.pose.quat_wxyz))
                 for o in spec.objects if o.support is None]
    return free_space(spec.room.footprint, obstacles, clearance, resolution)
