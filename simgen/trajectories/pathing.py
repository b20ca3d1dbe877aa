"""Paths on an occupancy grid: A* (8-connected, octile heuristic, no corner cutting), shortcutting
with exact grid line of sight, Chaikin smoothing re-checked against the grid, and arc-length resampling.
"""
from __future__ import annotations

import heapq
import math

import numpy as np

from simgen.trajectories.planning_geometry import PlanningError
from simgen.trajectories.occupancy import OccupancyGrid

SQRT2 = math.sqrt(2.0)
_DIAGONAL_SAVING = SQRT2 - 2.0  # octile heuristic: a diagonal step instead of two straight ones
_LOOKAHEAD = 48  # route points traced per line-of-sight batch when shortcutting


def _fmt(p) -> str:
    return f"({p[0]:.2f}, {p[1]:.2f})"


def proximity_penalty(grid: OccupancyGrid, margin: float, weight: float = 2.0) -> np.ndarray:
    """(ny, nx) extra cost per step: ``weight`` at the clearance limit, fading to 0 at clearance + margin.

    It steers A* away from obstacles where there is room, so shortcutting with a comfort margin works.
    """
    if margin <= 0:
        return np.zeros(grid.shape)
    return weight * np.clip((grid.clearance + margin - grid.distance) / margin, 0.0, 1.0)


def astar(grid: OccupancyGrid, start, goal, penalty: np.ndarray | None = None) -> np.ndarray:
    """Cheapest 8-connected route between the free cells containing ``start`` and ``goal``.

    Returns the (K, 2) XY cell centres from start to goal. A step costs its length times
    (1 + penalty of the cell entered); the octile heuristic stays admissible since penalties are ≥ 0.
    Diagonal steps need both side cells free (no corner cutting). PlanningError names a blocked or
    unreachable endpoint.
    """
    return _astar(grid, start, goal, (1.0 + (np.zeros(grid.shape) if penalty is None else penalty)).ravel().tolist())


def _astar(grid: OccupancyGrid, start, goal, factor: list) -> np.ndarray:
    """``astar`` with the step factors (1 + penalty, per cell, as a flat list) given."""
    s_cell, g_cell = grid.cells(np.array([start, goal], dtype=float)[:, :2])
    for name, p in (("start", start), ("goal", goal)):
        if not grid.free_at(np.asarray(p, dtype=float)[None, :2])[0]:
            raise PlanningError(f"A*: {name} {_fmt(p)} is not in free space (clearance {grid.clearance} m)")
    labels = grid.components()
    if labels[tuple(s_cell)] != labels[tuple(g_cell)]:
        raise PlanningError(
            f"A*: goal {_fmt(goal)} is unreachable from start {_fmt(start)}: no collision-free route "
            f"at clearance {grid.clearance} m"
        )
    ny, nx = grid.shape
    s, g = int(s_cell[0] * nx + s_cell[1]), int(g_cell[0] * nx + g_cell[1])
    # Plain Python lists: scalar indexing into numpy arrays is an order of magnitude slower.
    if "passable" not in grid.memo:
        grid.memo["passable"] = grid.free.ravel().tolist()
    passable = grid.memo["passable"]
    # (offset, cost, side offsets that must be free for a diagonal, or 0); the grid's outer ring is
    # never free, so neighbours of a free cell are always in range.
    moves = [(1, 1.0, 0, 0), (-1, 1.0, 0, 0), (nx, 1.0, 0, 0), (-nx, 1.0, 0, 0)]
    moves += [(dr * nx + dc, SQRT2, dr * nx, dc) for dr in (-1, 1) for dc in (-1, 1)]
    gr, gc = divmod(g, nx)
    best = [math.inf] * (ny * nx)
    parent = [-1] * (ny * nx)
    closed = bytearray(ny * nx)
    best[s] = 0.0
    heap = [(0.0, 0.0, s)]
    push, pop = heapq.heappush, heapq.heappop
    while heap:
        _, neg_cost, cur = pop(heap)
        if closed[cur]:
            continue
        if cur == g:
            break
        closed[cur] = 1
        cost = -neg_cost
        for off, step, side, side_col in moves:
            nxt = cur + off
            if not passable[nxt] or closed[nxt] or (side and not (passable[cur + side] and passable[cur + side_col])):
                continue
            new = cost + step * factor[nxt]
            if new < best[nxt]:
                best[nxt], parent[nxt] = new, cur
                r, c = divmod(nxt, nx)
                dx, dy = abs(c - gc), abs(r - gr)
                # tie-break on larger cost-so-far: among equal f, expand the deepest node first
                push(heap, (new + dx + dy + _DIAGONAL_SAVING * (dx if dx < dy else dy), -new, nxt))
    route = [g]
    while route[-1] != s:
        route.append(parent[route[-1]])
    cells = np.array(route[::-1])
    return grid.centers(np.stack([cells // nx, cells % nx], axis=1))


def path_cost(points) -> float:
    """Total length of a polyline (m)."""
    return float(np.linalg.norm(np.diff(np.asarray(points), axis=0), axis=1).sum())


def shortcut(grid: OccupancyGrid, points, margin: float = 0.0) -> np.ndarray:
    """Greedy string pulling: from each kept point jump to the farthest later point in line of sight
    (searched in windows along the route, up to the first window that ends out of sight).

    Line of sight demands clearance + ``margin`` along the segment, so the pulled path keeps that much
    room where the A* path had it; elsewhere it advances one grid step, keeping the A* route.
    """
    pts = np.asarray(points, dtype=float)
    need = grid.clearance + margin
    keep, i = [0], 0
    while i < len(pts) - 1:
        j = i + 1
        if grid.free_at(pts[i : i + 1], need)[0]:
            # Look ahead window by window (short segments are cheap to trace) and stop at the first
            # window whose last point is out of sight: the route has turned a corner by then.
            for lo in range(i + 1, len(pts), _LOOKAHEAD):
                later = np.arange(lo, min(lo + _LOOKAHEAD, len(pts)))
                ok = grid.segments_free(np.repeat(pts[i : i + 1], len(later), axis=0), pts[later], need)
                if ok.any():
                    j = max(j, int(later[ok].max()))
                if not ok[-1]:
                    break
        keep.append(j)
        i = j
    return pts[keep]


def chaikin(grid: OccupancyGrid, points, iterations: int = 3) -> np.ndarray:
    """Chaikin corner cutting (1/4, 3/4), keeping the endpoints; a cut whose chord leaves free space
    keeps its corner instead, so the curve stays in free cells wherever the input polyline was."""
    pts = np.asarray(points, dtype=float)
    for _ in range(iterations):
        if len(pts) < 3:
            break
        q = 0.75 * pts[:-1] + 0.25 * pts[1:]
        r = 0.25 * pts[:-1] + 0.75 * pts[1:]
        keep_corner = np.zeros(len(pts) - 1, dtype=bool)  # after r[k]: re-insert pts[k + 1]?
        keep_corner[:-1] = ~grid.segments_free(r[:-1], q[1:])
        triples = np.stack([q, r, pts[1:]], axis=1)
        mask = np.ones(triples.shape[:2], dtype=bool)
        mask[:, 2] = keep_corner
        pts = np.concatenate([pts[:1], triples[mask], pts[-1:]])
        pts = dedupe(pts)
    return pts


def dedupe(points, tol: float = 1e-9) -> np.ndarray:
    """Drop consecutive repeated points (zero-length segments)."""
    pts = np.asarray(points, dtype=float)
    if len(pts) < 2:
        return pts
    keep = np.concatenate([[True], np.linalg.norm(np.diff(pts, axis=0), axis=1) > tol])
    return pts[keep]


def smooth_route(grid: OccupancyGrid, start, goal, margin: float = 0.15) -> np.ndarray:
    """A* (steered away from obstacles) + shortcutting with a comfort margin, as a polyline from
    exactly ``start`` to exactly ``goal`` (the A* route joins their cells' centres; stepping from a
    point to its cell's neighbour stays in cells A* allowed)."""
    start, goal = np.asarray(start, dtype=float)[:2], np.asarray(goal, dtype=float)[:2]
    key = ("step factors", margin)  # the same for every route on this grid
    if key not in grid.memo:
        grid.memo[key] = (1.0 + proximity_penalty(grid, margin)).ravel().tolist()
    route = _astar(grid, start, goal, grid.memo[key])
    return dedupe(shortcut(grid, np.concatenate([start[None], route[1:-1], goal[None]]), margin))


def arc_lengths(points) -> np.ndarray:
    """(K,) cumulative length along a polyline, starting at 0."""
    seg = np.linalg.norm(np.diff(np.asarray(points), axis=0), axis=1)
    return np.concatenate([[0.0], np.cumsum(seg)])


def resample(points, s) -> np.ndarray:
    """Points at arc lengths ``s`` (clipped to the polyline) along a deduplicated polyline."""
    pts = np.asarray(points, dtype=float)
    cum = arc_lengths(pts)
    s = np.clip(np.asarray(s, dtype=float), 0.0, cum[-1])
    return np.stack([np.interp(s, cum, pts[:, i]) for i in range(pts.shape[1])], axis=1)


def tangent_headings(points, s) -> np.ndarray:
    """Heading (rad) of the polyline segment containing each arc length ``s``."""
    pts = np.asarray(points, dtype=float)
    if len(pts) < 2:
        return np.zeros(np.shape(s))
    cum = arc_lengths(pts)
    seg = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(pts) - 2)
    d = pts[seg + 1] - pts[seg]
    return np.arctan2(d[:, 1], d[:, 0])
