"""Vectorised ray casting: the slab test against oriented boxes, and rays/segments against the walls.

Rays are ``origin + t · direction``; with unit directions ``t`` is a distance in metres. Boxes are
any object with ``centers`` (M, 3), ``halves`` (M, 3) and ``rotations`` (M, 3, 3) (box -> world),
such as ``planning_geometry.Boxes``. Segments skip the boxes they cannot reach before the slab test
(``_near_pairs``: a cheap, conservative bound on runs of neighbouring segments); the test itself is
the same arithmetic for every (segment, box) pair it runs on, so skipping changes no result.
"""
from __future__ import annotations

import numpy as np

from simgen.trajectories.planning_geometry import Room

_PAIRS_PER_CHUNK = 200_000  # rays × boxes handled per numpy pass
_RUN = 8  # consecutive segments bounded together when skipping far boxes (callers list neighbours in a row)
_SKIP_MARGIN_M = 1e-6  # a box is skipped only this far beyond every bound (far above rounding error)


def _box_frame(v, rotations) -> np.ndarray:
    """``R^T v`` for vectors (..., 3) and rotations (..., 3, 3) that broadcast: the same sums, in the same
    order, as ``einsum("...k,...kj->...j")``, so every caller gets bit-identical results."""
    return v[..., 0, None] * rotations[..., 0, :] + v[..., 1, None] * rotations[..., 1, :] + v[..., 2, None] * rotations[..., 2, :]


def _slab(rel, dirs, halves, rotations) -> tuple[np.ndarray, np.ndarray]:
    """``(t_enter, t_exit)`` of rays from ``rel`` (origin − box centre) along ``dirs`` through boxes of
    ``halves`` and ``rotations``; all arguments broadcast over their leading axes."""
    o = _box_frame(rel, rotations)  # R^T (origin - centre): origin in the box frame
    d = _box_frame(dirs, rotations)
    # A zero direction component would make 0/0 on a slab face; a tiny one keeps the slab either
    # (-huge, +huge) when the origin is between the faces or entirely at huge |t| when outside.
    d = np.where(np.abs(d) < 1e-12, 1e-12, d)
    t1 = (-halves - o) / d
    t2 = (halves - o) / d
    return np.minimum(t1, t2).max(axis=-1), np.maximum(t1, t2).min(axis=-1)


def ray_box_intervals(origins, dirs, centers, halves, rotations) -> tuple[np.ndarray, np.ndarray]:
    """Slab test of N rays against M oriented boxes: ``(t_enter, t_exit)``, each (N, M).

    Ray n meets box m where ``t_enter <= t_exit``; the intervals extend to negative ``t`` (behind
    the origin), so callers clip to the range they care about.
    """
    rel = np.asarray(origins, dtype=float)[:, None, :] - np.asarray(centers)[None, :, :]
    return _slab(rel, np.asarray(dirs, dtype=float)[:, None, :], np.asarray(halves)[None], np.asarray(rotations)[None])


def _chunks(n: int, m: int):
    """Row slices so that rows × m stays under the chunk budget."""
    step = max(1, _PAIRS_PER_CHUNK // max(m, 1))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


def first_box_hit(origins, dirs, boxes, ignore=None) -> np.ndarray:
    """(N,) smallest ``t >= 0`` where each ray meets a box (0 if it starts inside one), ``inf`` if none.

    ``ignore`` (N, M) bool marks boxes a ray passes through unhindered (e.g. its own target).
    """
    origins, dirs = np.atleast_2d(origins), np.atleast_2d(dirs)
    out = np.full(len(origins), np.inf)
    if len(boxes.centers) == 0:
        return out
    for sl in _chunks(len(origins), len(boxes.centers)):
        t0, t1 = ray_box_intervals(origins[sl], dirs[sl], boxes.centers, boxes.halves, boxes.rotations)
        hit = (t0 <= t1) & (t1 >= 0.0)
        if ignore is not None:
            hit &= ~np.asarray(ignore)[sl]
        out[sl] = np.where(hit, np.maximum(t0, 0.0), np.inf).min(axis=1)
    return out


def _wall_params(o2, d2, room: Room) -> tuple[np.ndarray, np.ndarray]:
    """Ray/segment parameters (t along the ray, u along each wall), each (N, P); NaN when parallel."""
    a, b = room.walls
    e = b - a
    w = a[None, :, :] - o2[:, None, :]
    denom = d2[:, None, 0] * e[None, :, 1] - d2[:, None, 1] * e[None, :, 0]
    denom = np.where(np.abs(denom) < 1e-12, np.nan, denom)
    t = (w[..., 0] * e[None, :, 1] - w[..., 1] * e[None, :, 0]) / denom
    u = (w[..., 0] * d2[:, None, 1] - w[..., 1] * d2[:, None, 0]) / denom
    return t, u


def first_wall_hit(origins, dirs, room: Room) -> np.ndarray:
    """(N,) distance ``t > 0`` where each ray meets a wall between floor and ceiling, ``inf`` if none.

    A ray that reaches the floor (or ceiling) before a wall hits no wall: the wall's z range is checked
    at the crossing point.
    """
    origins, dirs = np.atleast_2d(np.asarray(origins, dtype=float)), np.atleast_2d(np.asarray(dirs, dtype=float))
    t, u = _wall_params(origins[:, :2], dirs[:, :2], room)
    z = origins[:, None, 2] + t * dirs[:, None, 2]
    with np.errstate(invalid="ignore"):
        ok = (t > 1e-9) & (u >= 0.0) & (u <= 1.0) & (z >= 0.0) & (z <= room.height)
    return np.where(ok, t, np.inf).min(axis=1)


def first_hit(origins, dirs, room: Room, boxes) -> np.ndarray:
    """(N,) distance to the first wall or box along each ray (``inf`` if it only meets floor/ceiling)."""
    return np.minimum(first_wall_hit(origins, dirs, room), first_box_hit(origins, dirs, boxes))


def _near_pairs(starts, ends, boxes) -> tuple[np.ndarray, np.ndarray]:
    """(segment, box) index pairs that may meet: every other box lies farther than its bounding
    sphere from the capsule around a run of ``_RUN`` consecutive segments (the run's mean segment,
    widened by how far its segments' ends stray from it) — a segment never passes nearer to a box."""
    n = len(starts)
    pad = (-n) % _RUN
    runs = [np.concatenate([x, np.repeat(x[-1:], pad, axis=0)]).reshape(-1, _RUN, 3) for x in (starts, ends)]
    axis_start, axis_end = (r.mean(axis=1) for r in runs)
    stray = np.maximum(*(np.linalg.norm(r - mean[:, None], axis=-1).max(axis=1) for r, mean in zip(runs, (axis_start, axis_end))))
    along = axis_end - axis_start
    rel = boxes.centers[None] - axis_start[:, None]  # (R, M, 3)
    t = np.clip((rel * along[:, None]).sum(-1) / np.maximum((along**2).sum(-1), 1e-18)[:, None], 0.0, 1.0)
    gap = np.linalg.norm(rel - t[..., None] * along[:, None], axis=-1)
    run, box = np.nonzero(gap <= stray[:, None] + np.linalg.norm(boxes.halves, axis=1)[None] + _SKIP_MARGIN_M)
    seg = (run[:, None] * _RUN + np.arange(_RUN)[None]).reshape(-1)
    box = np.repeat(box, _RUN)
    keep = seg < n
    return seg[keep], box[keep]


def segments_clear(starts, ends, room: Room, boxes, ignore=None, eps: float = 1e-3) -> np.ndarray:
    """(N,) True where the open segment start→end crosses no wall and no box (``ignore`` as above).

    ``eps`` trims both ends (as a fraction of the segment) so points on a box's own surface or
    resting on a support do not count as blocked by it. Neighbouring segments listed in a row (rays
    from one eye to nearby points) make it fast; any order gives the same answer.
    """
    starts, ends = np.atleast_2d(np.asarray(starts, dtype=float)), np.atleast_2d(np.asarray(ends, dtype=float))
    d = ends - starts
    t, u = _wall_params(starts[:, :2], d[:, :2], room)
    with np.errstate(invalid="ignore"):
        crosses = ((t > eps) & (t < 1.0 - eps) & (u >= 0.0) & (u <= 1.0)).any(axis=1)
    clear = ~crosses
    if len(boxes.centers) == 0 or not len(starts):
        return clear
    seg, box = _near_pairs(starts, ends, boxes)
    if ignore is not None:
        keep = ~np.asarray(ignore)[seg, box]
        seg, box = seg[keep], box[keep]
    for sl in _chunks(len(seg), 1):
        s, b = seg[sl], box[sl]
        t0, t1 = _slab(starts[s] - boxes.centers[b], d[s], boxes.halves[b], boxes.rotations[b])
        clear[s[(t0 <= t1) & (t0 < 1.0 - eps) & (t1 > eps)]] = False
    return clear
