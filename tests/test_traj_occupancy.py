"""Occupancy grid, A*, shortcutting, Chaikin smoothing and resampling."""
import math

import numpy as np
import pytest

from simgen.trajectories.planning_geometry import Boxes, PlanningError, Room
from simgen.trajectories.occupancy import build_grid
from simgen.trajectories.pathing import (
    arc_lengths,
    astar,
    chaikin,
    path_cost,
    resample,
    shortcut,
    smooth_route,
    tangent_headings,
)
from test_traj_scenes import box, l_scene, request, scene


def grid_of(spec, clearance=0.3, resolution=0.05, eye=1.5):
    """The occupancy grid of a scene."""
    return build_grid(Room.from_spec(spec.room), Boxes.from_request(request(spec)), eye, clearance, resolution)


def test_walls_objects_and_outside_are_blocked():
    spec = scene(((0, 0), (4, 0), (4, 3), (0, 3)), [
        box(1, "crate", (2.0, 1.5, 0.5), (0.5, 0.2, 0.5), yaw=np.pi / 4),  # rotated: footprint is not its AABB
        box(2, "lamp", (0.8, 2.4, 2.5), (0.1, 0.1, 0.1)),  # hangs above eye height + clearance
        box(3, "rug", (3.2, 0.8, 0.005), (0.5, 0.4, 0.005)),  # flat on the floor
    ])
    g = grid_of(spec)
    free = lambda *xy: bool(g.free_at(np.array([xy]))[0])  # noqa: E731
    assert not free(0.2, 1.5) and not free(3.85, 1.5) and free(0.35, 1.5)  # 0.3 m from the wall
    assert not free(-0.5, 1.5) and not free(5.0, 1.5)  # outside the room
    assert not free(2.0, 1.5)  # inside the crate
    # along the crate's long axis (45°) 0.5 + 0.3 m reaches the edge of the inflated footprint
    d = np.array([np.cos(np.pi / 4), np.sin(np.pi / 4)])
    assert not free(*(np.array([2.0, 1.5]) + 0.75 * d)) and free(*(np.array([2.0, 1.5]) + 0.85 * d))
    # inside the crate's axis-aligned bounding box but ≥ 0.3 m from the rotated box itself
    assert free(2.0 + 0.62, 1.5 - 0.62)
    assert free(0.8, 2.4)  # the hanging lamp does not block
    assert free(3.2, 0.8)  # rug does not block


def test_l_room_missing_quadrant_is_blocked():
    g = grid_of(l_scene())
    assert not g.free_at(np.array([[4.5, 4.5]]))[0] and g.free_at(np.array([[2.0, 2.6]]))[0]


def test_astar_straight_diagonal_has_octile_length():
    g = grid_of(scene(((0, 0), (4, 0), (4, 3), (0, 3)), []), clearance=0.0, resolution=0.1)
    path = astar(g, (0.55, 0.55), (2.55, 1.55))
    assert path_cost(path) == pytest.approx((10 * math.sqrt(2) + 10) * 0.1)
    assert np.allclose(path[0], (0.55, 0.55)) and np.allclose(path[-1], (2.55, 1.55))


def dijkstra_costs(free: np.ndarray, start) -> np.ndarray:
    """Reference shortest 8-connected costs (no corner cutting) by repeated vectorised relaxation."""
    dist = np.full(free.shape, np.inf)
    dist[start] = 0.0
    moves = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc]
    while True:
        new = dist.copy()
        for dr, dc in moves:
            src = np.roll(dist, (dr, dc), axis=(0, 1))  # value of the neighbour at (r - dr, c - dc)
            ok = free & np.roll(free, (dr, dc), axis=(0, 1))
            if dr and dc:  # diagonal: both side cells must be free
                ok &= np.roll(free, (dr, 0), axis=(0, 1)) & np.roll(free, (0, dc), axis=(0, 1))
            new = np.where(ok, np.minimum(new, src + math.hypot(dr, dc)), new)
        if np.array_equal(new, dist):
            return dist
        dist = new


def test_astar_finds_the_shortest_route_around_an_obstacle():
    # a block from the bottom wall up to y = 2 forces the route over it, through the 1 m gap above
    spec = scene(((0, 0), (6, 0), (6, 3), (0, 3)), [box(1, "block", (3.0, 1.0, 0.5), (0.5, 1.0, 0.5))])
    g = grid_of(spec, clearance=0.0, resolution=0.1)
    path = astar(g, (0.55, 0.55), (5.45, 0.55))
    start, goal = tuple(g.cells(np.array([[0.55, 0.55]]))[0]), tuple(g.cells(np.array([[5.45, 0.55]]))[0])
    assert path_cost(path) == pytest.approx(dijkstra_costs(g.free, start)[goal] * g.resolution)
    assert g.free_at(path).all() and path[:, 1].max() > 2.0
    steps = np.abs(np.diff(g.cells(path), axis=0))
    assert steps.max() == 1 and (steps.sum(axis=1) >= 1).all()  # 8-connected unit moves
    diag = np.flatnonzero(steps.sum(axis=1) == 2)
    cells = g.cells(path)
    for i in diag:  # no corner cutting: both side cells of each diagonal move are free
        (r0, c0), (r1, c1) = cells[i], cells[i + 1]
        assert g.free[r0, c1] and g.free[r1, c0]


def test_unreachable_goal_and_blocked_start_are_reported():
    wall = box(1, "partition", (3.0, 1.5, 1.0), (0.1, 1.5, 1.0))  # splits the room in two
    g = grid_of(scene(((0, 0), (6, 0), (6, 3), (0, 3)), [wall]), clearance=0.1, resolution=0.1)
    with pytest.raises(PlanningError, match=r"goal \(5.00, 1.50\) is unreachable from start \(1.00, 1.50\)"):
        astar(g, (1.0, 1.5), (5.0, 1.5))
    with pytest.raises(PlanningError, match=r"start \(3.00, 1.50\) is not in free space"):
        astar(g, (3.0, 1.5), (5.0, 1.5))


def test_smoothing_keeps_the_path_free_and_shorter():
    g = grid_of(l_scene())
    a, b = np.array([2.55, 5.0]), np.array([5.6, 1.6])
    raw = astar(g, a, b)
    pulled = shortcut(g, raw)
    smooth = chaikin(g, smooth_route(g, a, b))
    assert path_cost(pulled) <= path_cost(raw) + 1e-9
    for p, ends in ((pulled, raw[[0, -1]]), (smooth, [a, b])):
        assert g.segments_free(p[:-1], p[1:]).all()
        assert np.allclose(p[[0, -1]], ends)  # A* joins cell centres; the smoothed route the exact points
    dense = resample(smooth, np.linspace(0, path_cost(smooth), 2000))
    assert g.free_at(dense).all()


def test_segments_free_is_exact_against_dense_sampling():
    g = grid_of(l_scene())
    gen = np.random.default_rng(0)
    a, b = gen.uniform(0, 6, (300, 2)), gen.uniform(0, 6, (300, 2))
    exact = g.segments_free(a, b)
    t = np.linspace(0, 1, 4000)[None, :, None]
    dense = g.free_at((a[:, None] + t * (b - a)[:, None]).reshape(-1, 2)).reshape(300, -1).all(axis=1)
    assert not (exact & ~dense).any()  # never calls a blocked segment free
    assert exact.sum() > 10 and (exact == dense).mean() > 0.98  # and rarely misses by more than a sliver


def test_resample_is_constant_speed_and_tangents_follow_the_path():
    pts = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 1.0]])
    s = np.linspace(0, 3.0, 31)
    out = resample(pts, s)
    assert np.allclose(np.linalg.norm(np.diff(out, axis=0), axis=1), 0.1)
    assert np.allclose(arc_lengths(pts), [0, 2, 3])
    assert np.allclose(tangent_headings(pts, np.array([0.5, 2.5])), [0.0, np.pi / 2])
