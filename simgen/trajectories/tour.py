"""Tour helpers for viewpoint planners: visiting order (nearest neighbour + 2-opt on travel time)
and splitting a frame budget between dwells and transits."""
from __future__ import annotations

from itertools import pairwise

import numpy as np

from simgen.geometry import wrap_angle


def travel_times(eyes, yaws, speed: float, turn_rate: float) -> np.ndarray:
    """(D, D) seconds to go from station i to j: walking and turning happen together."""
    eyes, yaws = np.asarray(eyes, dtype=float), np.asarray(yaws, dtype=float)
    walk = np.linalg.norm(eyes[:, None, :] - eyes[None, :, :], axis=-1) / speed
    turn = np.abs(wrap_angle(yaws[:, None] - yaws[None, :])) / turn_rate
    return np.maximum(walk, turn)


def _partial_sums(order, rows) -> list:
    """Length of the tour ``order`` after each of its moves, summed move by move from the start (from
    the integer 0, as ``sum`` does); ``rows``: the cost matrix as nested lists (numpy's per-element
    indexing costs ~10× a list's)."""
    sums, total = [0], 0
    for a, b in pairwise(order):
        total += rows[a][b]
        sums.append(total)
    return sums


def two_opt(order: list[int], cost) -> list[int]:
    """Improve an open tour by reversing stretches while that shortens it (symmetric ``cost``: a
    (D, D) array, or its rows as lists).

    A reversal of ``order[i:j]`` keeps the tour's first ``i - 1`` moves: its length carries on from
    their partial sum, so it is the same float the whole sum gives."""
    rows = cost.tolist() if isinstance(cost, np.ndarray) else cost
    order = list(order)
    sums = _partial_sums(order, rows)
    improved = True
    while improved:
        improved = False
        for i in range(len(order) - 1):
            keep = max(i - 1, 0)
            for j in range(i + 2, len(order) + 1):
                candidate = order[:i] + order[i:j][::-1] + order[j:]
                total = sums[keep]
                for a, b in pairwise(candidate[keep:]):
                    total += rows[a][b]
                if float(total) < float(sums[-1]) - 1e-12:
                    order, sums, improved = candidate, _partial_sums(candidate, rows), True
    return order


def order_tour(eyes, yaws, speed: float, turn_rate: float, extra=None) -> list[int]:
    """Open visiting order of stations: best nearest-neighbour tour over all starts, then 2-opt, on
    travel time plus ``extra`` (D, D) symmetric seconds per move, if given."""
    cost = travel_times(eyes, yaws, speed, turn_rate)
    if extra is not None:
        cost = cost + np.asarray(extra, dtype=float)
    rows = cost.tolist()
    best, shortest = None, None
    for start in range(len(rows)):
        order, left = [start], set(range(len(rows))) - {start}
        while left:
            row = rows[order[-1]]
            nxt = min(left, key=lambda j: (row[j], j))
            order.append(nxt)
            left.discard(nxt)
        length = float(_partial_sums(order, rows)[-1])
        if best is None or length < shortest:
            best, shortest = order, length
    return two_opt(best, rows)


def _share(total: int, weights) -> np.ndarray:
    """Split ``total`` integer frames in proportion to ``weights`` (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=int)
    share = total * weights / weights.sum()
    out = np.floor(share).astype(int)
    out[np.argsort(-(share - out), kind="stable")[: total - int(out.sum())]] += 1
    return out


def allocate_frames(dwell: int, fastest: list[int], preferred: list[int], n: int) -> list[int] | None:
    """Frames per segment [dwell, transit, dwell, ..., dwell] summing to ``n``.

    Each station gets ``dwell`` frames and each move at least ``fastest[i]``. If every move can take
    its ``preferred[i]`` frames, it does and the spare frames are shared by all segments in proportion;
    otherwise the spare frames go to the moves in proportion to how much they lack. None if even the
    fastest schedule needs more than ``n`` frames.
    """
    def interleave(moves):
        return np.array([dwell] + [v for t in moves for v in (t, dwell)], dtype=int)

    low, high = interleave(fastest), interleave(preferred)
    if low.sum() > n:
        return None
    if high.sum() <= n:
        return (high + _share(n - int(high.sum()), high)).tolist()
    return (low + _share(n - int(low.sum()), high - low)).tolist()
