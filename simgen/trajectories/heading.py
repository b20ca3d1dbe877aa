"""Camera headings along a path: which yaws are safe (the optical axis meets no wall or box closer
than a limit), and a dynamic programme that follows a desired heading within the safe yaws at a
bounded turn rate.
"""
from __future__ import annotations

import numpy as np

from simgen.geometry import wrap_angle
from simgen.trajectories.occupancy import segment_distances
from simgen.trajectories.planning_geometry import Boxes, Room, directions
from simgen.trajectories.raycast import fan_box_hits, first_wall_hit

YAW_BINS = 720  # 0.5° resolution of the heading search
_UNSAFE_COST = 1e6
_WALL_MARGIN_M = 1e-6


def yaw_bins(k: int = YAW_BINS) -> np.ndarray:
    """Bin centres covering (−π, π] evenly."""
    return wrap_angle(-np.pi + (np.arange(k) + 1) * 2.0 * np.pi / k)


def safe_yaws(eyes, pitches, room: Room, boxes: Boxes, min_distance: float, bins=None) -> np.ndarray:
    """(N, K) True where a camera at eye n with heading bin k sees no wall/box closer than ``min_distance``.

    Only boxes that could be within reach of an eye are cast against (a ball test on each box), and
    only the walls of eyes that near a wall.
    """
    bins = yaw_bins() if bins is None else np.asarray(bins)
    eyes = np.atleast_2d(eyes)
    pitches = np.broadcast_to(np.asarray(pitches, dtype=float), (len(eyes),))
    dirs = directions(bins[None, :], pitches[:, None])  # (N, K, 3)
    reach = min_distance + np.linalg.norm(boxes.halves, axis=1)
    near = np.linalg.norm(boxes.centers[None] - eyes[:, None], axis=-1) <= reach  # (N, M)
    # A ray meets a wall no nearer than the wall's distance from the eye in plan, so only the eyes within
    # ``min_distance`` of some wall (by a margin far wider than rounding) can have a heading it makes unsafe
    close = segment_distances(eyes[:, :2], *room.walls).min(axis=1) <= min_distance + _WALL_MARGIN_M
    walls = np.full(dirs.shape[:2], np.inf)
    walls[close] = first_wall_hit(eyes[close, None], dirs[close], room)
    return np.minimum(walls, fan_box_hits(eyes, dirs, boxes, near)) >= min_distance


def plan_yaws(desired, allowed, max_step: float, fixed=None, step_weight: float = 1.0,
              penalty=None) -> tuple[np.ndarray, np.ndarray]:
    """Follow ``desired`` yaws through ``allowed`` (N, K) bins, turning at most ``max_step`` rad per frame.

    Viterbi over heading bins: cost = squared deviation from desired + ``step_weight`` × squared step,
    unsafe bins cost a prohibitive amount, steps beyond the bound are impossible. Frames flagged in
    ``fixed`` keep their desired yaw exactly (the search pins them to the nearest bin; the step bound
    leaves one bin of slack for that). ``penalty`` (N, K), if given, adds a soft cost per frame and
    bin (rad² of deviation). Returns (yaws, ok) where ok[n] says frame n is in an allowed bin.
    """
    desired = np.asarray(desired, dtype=float)
    allowed = np.asarray(allowed, dtype=bool)
    n, k = allowed.shape
    bins = yaw_bins(k)
    width = 2.0 * np.pi / k
    s = max(0, int(np.floor(max_step / width - 1.0)))
    fixed = np.zeros(n, dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    deviation = wrap_angle(bins[None, :] - desired[:, None])
    nearest = np.argmin(np.abs(deviation), axis=1)
    cost = deviation**2 + _UNSAFE_COST * ~allowed
    if penalty is not None:
        cost = cost + penalty
    cost[fixed] = _UNSAFE_COST * 10
    cost[fixed, nearest[fixed]] = 0.0
    offsets = np.arange(-s, s + 1)
    step_cost = step_weight * (offsets * width) ** 2
    back = np.zeros((n, k), dtype=np.int32)
    value = cost[0].copy()
    rows, source = np.arange(k), np.arange(-s, k + s) % k
    for t in range(1, n):
        # arriving at bin j by a step of +o bins comes from bin j - o (wrapping); window j of the
        # wrapped values holds value[j - o] at position s - o, so reversed it runs over o = -s..s
        total = np.lib.stride_tricks.sliding_window_view(value[source], 2 * s + 1)[:, ::-1] + step_cost
        pick = np.argmin(total, axis=1)  # ties: the most negative step, as before
        value = total[rows, pick] + cost[t]
        back[t] = offsets[pick]
    j = np.empty(n, dtype=int)
    j[-1] = int(np.argmin(value))
    for t in range(n - 1, 0, -1):
        j[t - 1] = (j[t] - back[t, j[t]]) % k
    yaws = np.where(fixed, wrap_angle(desired), bins[j])
    ok = allowed[np.arange(n), j] | fixed
    return yaws, ok
