"""Vectorised ray casting: the slab test against oriented boxes, and rays/segments against the walls.

Rays are ``origin + t · direction``; with unit directions ``t`` is a distance in metres. Boxes are
any object with ``centers`` (M, 3), ``halves`` (M, 3) and ``rotations`` (M, 3, 3) (box -> world),
such as ``planning_geometry.Boxes``. Work is chunked so N × M temporaries stay small.

Segments skip the boxes they cannot reach before the slab test (``_near_pairs``, then each
segment against each remaining box's bounding sphere): conservative bounds, far wider than any
rounding error; so do walls whose plan bounds miss a run of segments'. The slab and wall tests do the
same arithmetic for whatever (segment, box or wall) pairs they are given, so skipping changes no
answer, bit for bit.
"""
from __future__ import annotations

import numpy as np

from simgen.trajectories.planning_geometry import Room

_PAIRS_PER_CHUNK = 200_000  # rays × boxes (or ray-box pairs) handled per numpy pass
_RUN = 8  # consecutive segments bounded together when skipping far boxes, unless the caller says
_SKIP_MARGIN_M = 1e-6  # a box is skipped only when this much farther than every bound


def _slab(rel, dirs, halves, rotations) -> tuple[np.ndarray, np.ndarray]:
    """``(t_enter, t_exit)`` of rays from ``rel`` (origin − box centre, as x, y, z arrays) along
    ``dirs`` (x, y, z) through boxes of ``halves`` (x, y, z) and ``rotations`` (``rotations[k][j]``:
    row k, column j of box -> world); all arrays broadcast.

    Each box-frame coordinate ``(R^T v)_j`` sums its three products in the order
    ``einsum("...k,...kj->...j")`` does, so any pairing of rays with boxes gives the same bits.
    """
    enter = leave = None
    for j in range(3):
        o = (rel[0] * rotations[0][j] + rel[1] * rotations[1][j]) + rel[2] * rotations[2][j]
        d = (dirs[0] * rotations[0][j] + dirs[1] * rotations[1][j]) + dirs[2] * rotations[2][j]
        # A zero direction component would make 0/0 on a slab face; a tiny one keeps the slab either
        # (-huge, +huge) when the origin is between the faces or entirely at huge |t| when outside.
        d = np.where(np.abs(d) < 1e-12, 1e-12, d)
        t1 = (-halves[j] - o) / d
        t2 = (halves[j] - o) / d
        near, far = np.minimum(t1, t2), np.maximum(t1, t2)
        enter = near if enter is None else np.maximum(enter, near)
        leave = far if leave is None else np.minimum(leave, far)
    return enter, leave


def ray_box_intervals(origins, dirs, centers, halves, rotations) -> tuple[np.ndarray, np.ndarray]:
    """Slab test of N rays against M oriented boxes: ``(t_enter, t_exit)``, each (N, M).

    Ray n meets box m where ``t_enter <= t_exit``; the intervals extend to negative ``t`` (behind
    the origin), so callers clip to the range they care about.
    """
    origins, dirs = np.asarray(origins, dtype=float), np.asarray(dirs, dtype=float)
    centers, halves, rotations = np.asarray(centers), np.asarray(halves), np.asarray(rotations)
    rel = [origins[:, None, k] - centers[None, :, k] for k in range(3)]
    rot = [[rotations[None, :, k, j] for j in range(3)] for k in range(3)]
    return _slab(rel, [dirs[:, None, k] for k in range(3)], [halves[None, :, j] for j in range(3)], rot)


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


def fan_box_hits(origins, dirs, boxes, near) -> np.ndarray:
    """(N, K) ``first_box_hit`` of K rays from each of N origins (``dirs`` (N, K, 3)), cast only
    against the boxes ``near`` (N, M) marks for that origin."""
    origins, dirs, near = np.atleast_2d(origins), np.asarray(dirs, dtype=float), np.asarray(near, dtype=bool)
    n, k = dirs.shape[:2]
    out = np.full((n, k), np.inf)
    ray, box = np.nonzero(near)  # (origin, box) pairs, by origin
    if not len(ray):
        return out
    d3 = [dirs[..., i] for i in range(3)]
    rot = boxes.rotations[:, :, :, None]  # one rotation per pair, the same for all K rays
    for sl in _chunks(len(ray), k):
        o, b = ray[sl], box[sl]
        rel = [origins[o, i, None] - boxes.centers[b, i, None] for i in range(3)]
        t0, t1 = _slab(rel, [x[o] for x in d3], [boxes.halves[b, j, None] for j in range(3)],
                       [[rot[b, i, j] for j in range(3)] for i in range(3)])
        t = np.where((t0 <= t1) & (t1 >= 0.0), np.maximum(t0, 0.0), np.inf)
        first = np.flatnonzero(np.diff(o, prepend=-1))  # each origin's first pair in this chunk
        out[o[first]] = np.minimum(out[o[first]], np.minimum.reduceat(t, first, axis=0))
    return out


def _columns(points, dirs, boxes):
    """x, y, z rows of ray starts and directions and of the boxes' centres and halves, and the nine
    rotation entries (``[3k + j]``: row k, column j), for gathering (ray, box) pairs cheaply."""
    return (points.T.copy(), dirs.T.copy(), boxes.centers.T.copy(), boxes.halves.T.copy(),
            boxes.rotations.reshape(-1, 9).T.copy())


def _pair_slab(columns, ray, box, rel=None) -> tuple[np.ndarray, np.ndarray]:
    """``_slab`` of ray ``ray[p]`` against box ``box[p]`` (``columns`` from ``_columns``; ``rel``: the
    start − centre rows if already gathered)."""
    p3, d3, c3, h3, rot = columns
    rel = [p3[k][ray] - c3[k][box] for k in range(3)] if rel is None else rel
    return _slab(rel, [d3[k][ray] for k in range(3)], [h3[j][box] for j in range(3)],
                 [[rot[3 * k + j][box] for j in range(3)] for k in range(3)])


def _wall_params(ox, oy, dx, dy, ax, ay, ex, ey) -> tuple[np.ndarray, np.ndarray]:
    """Parameters (t along the ray or segment from (ox, oy) along (dx, dy), u along the wall from
    (ax, ay) along (ex, ey)) where their lines cross, NaN when parallel; all arrays broadcast (rays
    fanning out of one origin share its wall offsets)."""
    w0, w1 = ax - ox, ay - oy
    denom = dx * ey - dy * ex
    denom = np.where(np.abs(denom) < 1e-12, np.nan, denom)
    return (w0 * ey - w1 * ex) / denom, (w0 * dy - w1 * dx) / denom


def _walls_crossed(starts, d, bounds, room: Room, eps: float, run: int) -> np.ndarray:
    """(N,) True where the segment from ``starts`` along ``d`` crosses a wall (``t`` in (eps, 1 − eps),
    ``u`` in [0, 1]). A wall is tested only against the runs of ``run`` consecutive segments whose
    plan bounds (``bounds``: ``_run_bounds`` of the starts and of the ends) its own bounds meet (a
    crossing point lies in both; the margin is far wider than rounding)."""
    a, b = room.walls
    e = b - a
    n = len(starts)
    (s_lo, s_hi), (e_lo, e_hi) = bounds
    lo, hi = np.minimum(s_lo, e_lo)[:, :2], np.maximum(s_hi, e_hi)[:, :2]  # (R, 2)
    meet = ((lo[:, None] <= np.maximum(a, b)[None] + _SKIP_MARGIN_M)
            & (np.minimum(a, b)[None] <= hi[:, None] + _SKIP_MARGIN_M)).all(axis=-1)  # (R, P)
    seg, wall = _run_pairs(*np.nonzero(meet), run, n)
    t, u = _wall_params(starts[seg, 0], starts[seg, 1], d[seg, 0], d[seg, 1], a[wall, 0], a[wall, 1], e[wall, 0],
                        e[wall, 1])
    crossed = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        crossed[seg[(t > eps) & (t < 1.0 - eps) & (u >= 0.0) & (u <= 1.0)]] = True
    return crossed


def first_wall_hit(origins, dirs, room: Room) -> np.ndarray:
    """(N,) distance ``t > 0`` where each ray meets a wall between floor and ceiling, ``inf`` if none.

    A ray that reaches the floor (or ceiling) before a wall hits no wall: the wall's z range is checked
    at the crossing point. ``origins`` and ``dirs`` (..., 3) may broadcast, e.g. (N, 1, 3) against
    (N, K, 3) for K rays from each origin, giving (N, K).
    """
    origins, dirs = np.atleast_2d(np.asarray(origins, dtype=float)), np.atleast_2d(np.asarray(dirs, dtype=float))
    a, b = room.walls
    e = b - a
    t, u = _wall_params(origins[..., 0, None], origins[..., 1, None], dirs[..., 0, None], dirs[..., 1, None], a[:, 0],
                        a[:, 1], e[:, 0], e[:, 1])
    z = origins[..., 2, None] + t * dirs[..., 2, None]
    with np.errstate(invalid="ignore"):
        ok = (t > 1e-9) & (u >= 0.0) & (u <= 1.0) & (z >= 0.0) & (z <= room.height)
    return np.where(ok, t, np.inf).min(axis=-1)


def first_hit(origins, dirs, room: Room, boxes) -> np.ndarray:
    """(N,) distance to the first wall or box along each ray (``inf`` if it only meets floor/ceiling)."""
    return np.minimum(first_wall_hit(origins, dirs, room), first_box_hit(origins, dirs, boxes))


def _gap2(rel, along) -> np.ndarray:
    """Squared distance from points to segments that start ``rel`` (x, y, z arrays: start − point)
    from them and run ``along`` (x, y, z)."""
    dot = (rel[0] * along[0] + rel[1] * along[1]) + rel[2] * along[2]
    t = np.clip(-dot / np.maximum((along[0] ** 2 + along[1] ** 2) + along[2] ** 2, 1e-18), 0.0, 1.0)
    return ((rel[0] + t * along[0]) ** 2 + (rel[1] + t * along[1]) ** 2) + (rel[2] + t * along[2]) ** 2


def _near_pairs(bounds, boxes, run: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(segment, box) index pairs of ``n`` segments that may meet: each other box's bounding sphere
    lies beyond the capsule round a run of ``run`` consecutive segments (the segment between the
    centres of the bounding boxes of the run's starts and of its ends, ``bounds``, widened by their
    half-diagonals): no segment of the run passes nearer the box."""
    axes, widths = [], []
    for lo, hi in bounds:
        axes.append(0.5 * (lo + hi))
        widths.append(np.linalg.norm(hi - lo, axis=1) * 0.5)
    rel = [axes[0][:, None, k] - boxes.centers[None, :, k] for k in range(3)]  # (R, M) each
    along = [(axes[1] - axes[0])[:, None, k] for k in range(3)]
    reach = np.maximum(*widths)[:, None] + np.linalg.norm(boxes.halves, axis=1)[None] + _SKIP_MARGIN_M
    return _run_pairs(*np.nonzero(_gap2(rel, along) <= reach**2), run, n)


def _run_bounds(x, run: int) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest coordinates (R, D) of each run of ``run`` consecutive rows of ``x`` (N, D)
    (the last run may be shorter); ``reduceat`` runs ~10× faster than a reduction over a middle axis."""
    if not len(x):
        return x[:0], x[:0]
    first = np.arange(0, len(x), run)
    return np.minimum.reduceat(x, first, axis=0), np.maximum.reduceat(x, first, axis=0)


def _run_pairs(first, other, run: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The (segment, other) index pairs of (run, other) pairs: each of the run's ``run`` segments (of ``n``)."""
    seg = (first[:, None] * run + np.arange(run)[None]).reshape(-1)
    other = np.repeat(other, run)
    keep = seg < n
    return seg[keep], other[keep]


def segments_clear(starts, ends, room: Room, boxes, ignore=None, eps: float = 1e-3, run: int = _RUN) -> np.ndarray:
    """(N,) True where the open segment start→end crosses no wall and no box (``ignore`` as above).

    ``eps`` trims both ends (as a fraction of the segment) so points on a box's own surface or
    resting on a support do not count as blocked by it. Neighbouring segments listed in a row (rays
    from one eye to nearby points) make it fast, bounded ``run`` at a time (e.g. the rays from an eye
    to one box's samples); any order and any ``run`` give the same answer.
    """
    starts, ends = np.atleast_2d(np.asarray(starts, dtype=float)), np.atleast_2d(np.asarray(ends, dtype=float))
    d, bounds = ends - starts, [_run_bounds(x, run) for x in (starts, ends)]
    clear = ~_walls_crossed(starts, d, bounds, room, eps, run)
    if len(boxes.centers) == 0 or not len(starts):
        return clear
    seg, box = _near_pairs(bounds, boxes, run, len(starts))
    if ignore is not None:
        keep = ~np.asarray(ignore).reshape(-1)[seg * len(boxes.centers) + box]
        seg, box = seg[keep], box[keep]
    columns = _columns(starts, d, boxes)
    s3, d3, c3 = columns[:3]
    reach2 = (np.linalg.norm(boxes.halves, axis=1) + _SKIP_MARGIN_M) ** 2
    for sl in _chunks(len(seg), 1):
        s, b = seg[sl], box[sl]
        rel = [s3[k][s] - c3[k][b] for k in range(3)]
        near = _gap2(rel, [d3[k][s] for k in range(3)]) <= reach2[b]  # the segment passes through the box's sphere
        s, b = s[near], b[near]
        t0, t1 = _pair_slab(columns, s, b, [x[near] for x in rel])
        clear[s[(t0 <= t1) & (t0 < 1.0 - eps) & (t1 > eps)]] = False
    return clear
