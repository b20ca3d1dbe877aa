"""Walkthrough: walk through the room at eye height, looking at what is in it.

The walk visits the viewpoints that the coverage planner's machinery (``viewpoints``) chooses so
that every object is seen clearly (the ``clear`` level of the run's visibility model), in the tour
order ``fit_tour`` finds (either way round, by the seed), along smoothed A* routes. Unlike the
coverage planner the camera does not stop at viewpoints: it passes each one slowly (``creep_mps``
for ``linger_s``, at least the model's ``clear_frames`` frames; short of frames, only those rather than
drop a station and lose what it shows: ``fit_tour``'s ``min_dwell``) looking at what it shows, and walks
on between them with eased speed (``speed_mps`` where the frames allow, up to ``max_speed_mps``).
Between viewpoints the heading turns from one view to the next, drawn towards the direction of
travel mid-way (``look_ahead``; the pitch is drawn towards ``pitch_deg`` there: the floor ahead).
Small things no free spot shows well get close looks: the camera bends down (``close_eye_height_m``)
and reaches out up to ``reach_m`` from where the walker stands, over the furniture they lie on
(``close_looks``); reaching out and back is eased and paced like bending. The tour order avoids
turns that sweep bare walls (``sweep_cost``). A bounded-turn-rate search then fits the heading
(``walk_headings``): passing a station it looks where the station looks; it never looks at a wall or
box closer than ``min_view_distance_m`` and keeps some object at the ``seen`` level in frame wherever
it can (no blank-wall frames; ``fill_gaps`` steers the final walk's frames off bare stretches). While
less than ``floor_target`` of the floor is predicted seen from the planned headings
(``box_visibility.floor_shown``), up to ``_FLOOR_STOPS`` floor views that add the most unseen floor are
fitted into the tour; short of frames, a station whose objects the other stations show (clearly and
well) gives way to a floor view (``fit_tour``'s ``keep``), and far short of floor (``_FLOOR_BRISK``)
the stations are passed briskly first (``min_dwell``). A floor view looks along a pinned heading,
so it has some object near the middle of its view (as ``walk_headings.showing`` judges it): the walk turning off
it keeps that object in frame. A tour of fewer than two viewpoints gets an extra waypoint within reach
(drawn with the rng) looking at the room's centre: the camera always walks.
"""
from dataclasses import dataclass

import numpy as np

from simgen.geometry import wrap_angle
from simgen.registry import PLANNERS, setting
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.planning_geometry import (
    Boxes,
    PlanningError,
    Room,
    camera_poses,
    check_range,
    check_request,
    directions,
    yaw_pitch_towards,
)
from simgen.trajectories.occupancy import OccupancyGrid, build_grid
from simgen.trajectories.pathing import dedupe, path_cost, resample, tangent_headings
from simgen.trajectories.viewpoints import ViewpointConfig, Viewpoints, candidates, choose, fit_tour
from simgen.trajectories.raycast import first_hit
from simgen.trajectories.box_visibility import estimate, floor_cells, floor_shown, level_pixels
from simgen.trajectories.walk_headings import central, fill_gaps, headings

_CANDIDATES = 32  # random free cells considered for each extra waypoint
_FLOOR_CELL_M = 0.25  # floor grid of the floor-coverage prediction
_FLOOR_SPACING_M = 0.5  # lattice of floor-view stations
_FLOOR_YAWS = 8  # headings tried at each floor-view station
_FLOOR_STOPS = 3  # at most this many floor-view stations are added
_FLOOR_NEAR_M = 0.2  # a floor view is at least this far from every other station (the camera walks on)
_FLOOR_JITTER_M2 = 0.5  # random tie-breaking among floor views (m² of floor)
_FLOOR_TRIES = 12  # best floor views tried, in order of gain, until one fits the frames left
# predicted floor seen below which stations are passed briskly (clear_frames) to fit a floor view (seed 45:
# 0.37 predicted, 0.65 rendered); the prediction is cautious, so nearer the target objects come first
_FLOOR_BRISK = 0.6
_SWEEP_STEP_DEG = 6.0  # headings sampled along a turn between stations to find blank stretches
_SWEEP_COST_S = 2.0  # tour order: seconds added per turn step that would show no object


@dataclass(frozen=True)
class WalkthroughConfig(ViewpointConfig):
    """Knobs of the walkthrough planner (lengths in m, speeds in m/s, angles in degrees, times in s)."""

    min_distance_m: float = 0.5  # viewpoint-to-object distance: close enough for small things
    min_pitch_deg: float = -45.0  # close looks tilt down at tabletops as a handheld scan does
    speed_mps: float = 0.6  # walking speed between viewpoints when frames allow
    max_speed_mps: float = 1.4  # brisk walk before a viewpoint is dropped for lack of frames
    max_turn_dps: float = 120.0  # a glance round: 12° per frame at 10 fps
    close_eye_height_m: float = 0.9  # close looks at low small things bend down to this eye height (0: never)
    reach_m: float = 0.4  # close looks at small things no free spot shows well reach the camera out this far (0: never)
    pitch_deg: float = -25.0  # looking ahead mid-way between viewpoints, and at extra waypoints
    linger_s: float = setting(0.6, ge=0.0, le=10.0)  # time spent passing each viewpoint, looking at what it shows
    creep_mps: float = 0.15  # walking speed while passing a viewpoint (the camera never stops)
    # 0: turn straight from view to view; 1: look along the path mid-way
    look_ahead: float = setting(0.5, ge=0.0, le=2.0)
    # viewpoint choice: objects (or m² of floor) a viewpoint must add per metre of detour
    metre_cost: float = setting(0.3, ge=0.0, le=10.0)
    # floor views are added while less of the floor is predicted seen (0: never)
    floor_target: float = setting(0.8, ge=0.0, le=1.0)

    def validate(self, where: str) -> None:
        """Ranges that depend on another key; ConfigError names the key and the allowed interval."""
        super().validate(where)
        check_range(where, "pitch_deg", self.pitch_deg, self.min_pitch_deg, 30.0)
        check_range(where, "creep_mps", self.creep_mps, 0.0, self.speed_mps)


def _append(views: Viewpoints, eyes, yaws, pitches) -> Viewpoints:
    """``views`` with stations appended that show no object clearly (waypoints, floor views)."""
    none = np.zeros((len(eyes), views.sees.shape[1]), dtype=bool)
    return views.concat(Viewpoints(eyes, yaws, pitches, none, none, eyes[:, :2]))


def _shows_as_much(views: Viewpoints, stations: list[int], before: list[int]) -> bool:
    """Whether ``stations`` show every object clearly (and well) that ``before`` did."""
    return all((table[stations].any(axis=0) >= table[before].any(axis=0)).all() for table in (views.sees, views.sees_well))


def _blend(weights, yaws) -> np.ndarray:
    """Heading of the weighted sum of unit vectors at ``yaws`` (weights and yaws: (K, N))."""
    weights, yaws = np.asarray(weights), np.asarray(yaws)
    return np.arctan2((weights * np.sin(yaws)).sum(axis=0), (weights * np.cos(yaws)).sum(axis=0))


@PLANNERS.register("walkthrough", config=WalkthroughConfig)
class Walkthrough:
    """Collision-free walk at eye height past viewpoints that show every object clearly."""

    def __init__(self, cfg: WalkthroughConfig):
        self.cfg = cfg

    def extra_waypoints(self, grid: OccupancyGrid, room: Room, views: Viewpoints, chosen: list[int], reach: float,
                        rng) -> Viewpoints:
        """``views`` with spread-out free spots appended (each the farthest of a random handful from
        the stations so far, within ``reach`` m of them) until there are two stations, looking at the
        room's centre."""
        cells = grid.centers(np.argwhere(grid.largest_component()))
        eyes = [views.stands[v] for v in chosen]
        extra = []
        while len(eyes) + len(extra) < 2:
            pick = rng.choice(len(cells), size=min(_CANDIDATES, len(cells)), replace=False)
            if not eyes + extra:
                extra.append(cells[pick[0]])
                continue
            gaps = np.linalg.norm(cells[pick, None, :] - np.array(eyes + extra)[None], axis=-1).min(axis=1)
            extra.append(cells[pick[int(np.argmax(np.where(gaps <= reach, gaps, -gaps)))]])
        xyz = np.column_stack([np.array(extra), np.full(len(extra), self.cfg.eye_height_m)])
        yaw, _ = yaw_pitch_towards(xyz, np.append(room.centroid(), self.cfg.eye_height_m))
        return _append(views, xyz, yaw, np.full(len(extra), np.radians(self.cfg.pitch_deg)))

    def floor_views(self, grid: OccupancyGrid, room: Room, boxes: Boxes, request: PlanRequest, cells: np.ndarray):
        """Stations for looking at the floor: free spots on a lattice × ``_FLOOR_YAWS`` headings at
        ``pitch_deg``, each safe to look along and showing some object at the ``seen`` level (with the
        pixel margin); returns (eyes, yaws, pitches, floor cells each shows)."""
        cfg = self.cfg
        step = max(1, int(round(_FLOOR_SPACING_M / grid.resolution)))
        lattice = np.zeros(grid.shape, dtype=bool)
        lattice[::step, ::step] = True
        spots = grid.centers(np.argwhere(grid.largest_component() & lattice))
        yaws = np.tile(np.linspace(-np.pi, np.pi, _FLOOR_YAWS, endpoint=False), len(spots))
        eyes = np.column_stack([np.repeat(spots, _FLOOR_YAWS, axis=0), np.full(len(yaws), cfg.eye_height_m)])
        pitches = np.full(len(yaws), np.radians(cfg.pitch_deg))
        safe = first_hit(eyes, directions(yaws, pitches), room, boxes) >= cfg.min_view_distance_m
        if len(boxes):  # a floor view shows some object too, as ``walk_headings.showing`` judges it: no bare frame
            need = level_pixels(request.visibility, "seen", request.intrinsics, cfg.pixel_margin)
            poses = camera_poses(eyes[safe], yaws[safe], pitches[safe])
            shown = estimate(poses, request.intrinsics, room, boxes, need).at_least(need)
            bearing, _ = yaw_pitch_towards(eyes[safe][:, None, :], boxes.centers[None])
            safe[safe] = (shown & central(yaws[safe][:, None], bearing, request)).any(axis=1)
        eyes, yaws, pitches = eyes[safe], yaws[safe], pitches[safe]
        shown = floor_shown(camera_poses(eyes, yaws, pitches), request.intrinsics, room, boxes, cells)
        return eyes, yaws, pitches, shown

    def timeline(self, views: Viewpoints, stations: list[int], legs: list, frames: list[int], fps: float):
        """Per-frame eye (N, 3), desired yaw and pitch (N,) for the tour, and which frames pass a
        station (N,) bool: a slow pass at each station, eased walking in between."""
        cfg = self.cfg
        path = dedupe(np.concatenate([views.stands[stations[:1]]] + [leg[1:] for leg in legs]))
        at = np.concatenate([[0.0], np.cumsum([path_cost(leg) for leg in legs])])  # station arc positions
        lengths = np.diff(at)
        arcs, yaws, pitches, heights, reaches, passing = [], [], [], [], [], []
        for i, s in enumerate(stations):
            linger = frames[2 * i]
            room_around = min([0.3 * x for x in lengths[max(i - 1, 0): i + 1]], default=0.0)
            half = min(0.5 * cfg.creep_mps * linger / fps, room_around)
            lo, hi = max(at[i] - half, 0.0), min(at[i] + half, at[-1])
            arcs.append(np.linspace(lo, hi, linger))
            yaws.append(np.full(linger, views.yaws[s]))
            pitches.append(np.full(linger, views.pitches[s]))
            heights.append(np.full(linger, views.eyes[s, 2]))
            reaches.append(np.repeat(views.reaches[s : s + 1], linger, axis=0))
            passing.append(np.ones(linger, dtype=bool))
            if i + 1 < len(stations):
                t, nxt = frames[2 * i + 1], stations[i + 1]
                start, end = hi, max(hi, at[i + 1] - min(half, 0.3 * lengths[i]))
                u = np.arange(1, t + 1) / (t + 1)
                slope = min(cfg.creep_mps * (t + 1) / fps, 3.0 * (end - start))  # ≤ 3Δ keeps it monotone
                # cubic Hermite from the creep speed back to the creep speed
                arc = (2 * u**3 - 3 * u**2 + 1) * start + (u**3 - 2 * u**2 + u) * slope \
                    + (-2 * u**3 + 3 * u**2) * end + (u**3 - u**2) * slope
                ease = u * u * (3.0 - 2.0 * u)
                travel = tangent_headings(path, arc) if len(path) > 1 else np.full(t, views.yaws[s])
                weights = np.array([1.0 - ease, ease, cfg.look_ahead * 4.0 * ease * (1.0 - ease)])
                arcs.append(arc)
                yaws.append(_blend(weights, [np.full(t, views.yaws[s]), np.full(t, views.yaws[nxt]), travel]))
                # mid-way the walker looks ahead and down at the floor in front (pitch_deg)
                pitch = weights.T @ [views.pitches[s], views.pitches[nxt], np.radians(cfg.pitch_deg)]
                pitches.append(pitch / weights.sum(axis=0))
                heights.append((1.0 - ease) * views.eyes[s, 2] + ease * views.eyes[nxt, 2])  # bending down or up
                reaches.append(np.outer(1.0 - ease, views.reaches[s]) + np.outer(ease, views.reaches[nxt]))
                passing.append(np.zeros(t, dtype=bool))
        arc = np.concatenate(arcs)
        xy = resample(path, arc) if len(path) > 1 else np.repeat(path, len(arc), axis=0)
        xy = xy + np.concatenate(reaches)  # the handheld camera reaches out for close looks
        eyes = np.column_stack([xy, np.concatenate(heights)])
        return eyes, np.concatenate(yaws), np.concatenate(pitches), np.concatenate(passing)

    def sweep_cost(self, views: Viewpoints, request: PlanRequest, room: Room, boxes: Boxes, cache: dict):
        """``cost(a, b)``: seconds for the tour order per blank step of the turn from station a's heading
        to b's (the shorter way, eye and pitch moving along): a walk whose turns sweep bare walls
        shows frames without any object, so the tour prefers an order that turns across things.
        ``cache`` holds the costs by station pair (valid while stations are only appended)."""
        need = level_pixels(request.visibility, "seen", request.intrinsics, self.cfg.pixel_margin)

        def cost(a: int, b: int) -> float:
            key = (min(a, b), max(a, b))
            if key not in cache:
                turn = wrap_angle(views.yaws[b] - views.yaws[a])
                u = np.linspace(0.0, 1.0, int(np.ceil(abs(np.degrees(turn)) / _SWEEP_STEP_DEG)) + 1)[1:-1]
                if not len(u) or not len(boxes):
                    cache[key] = 0.0
                else:
                    eyes = (1.0 - u)[:, None] * views.eyes[a] + u[:, None] * views.eyes[b]
                    poses = camera_poses(eyes, views.yaws[a] + u * turn, (1.0 - u) * views.pitches[a] + u * views.pitches[b])
                    shown = estimate(poses, request.intrinsics, room, boxes, need).at_least(need).any(axis=1)
                    cache[key] = _SWEEP_COST_S * float((~shown).sum())
            return cache[key]

        return cost

    def plan(self, request: PlanRequest, rng: np.random.Generator) -> np.ndarray:
        """``request.n_frames`` camera poses (n, 4, 4) along the walk."""
        check_request(request)
        cfg = self.cfg
        room, boxes = Room.from_spec(request.scene.room), Boxes.from_request(request)
        grid = build_grid(room, boxes, cfg.eye_height_m, cfg.clearance_m, cfg.grid_resolution_m)
        n, fps = request.n_frames, request.fps
        views = candidates(cfg, grid, room, boxes, request, rng)
        chosen = choose(views, cfg.metre_cost)
        linger = max(request.visibility.clear_frames, int(round(cfg.linger_s * fps)))
        sweeps: dict = {}  # blank turn steps by station pair
        moves = self.sweep_cost(views, request, room, boxes, sweeps)
        brisk = request.visibility.clear_frames  # a station's shortest pass, when the frames are short
        stations, legs, frames = fit_tour(cfg, grid, views, chosen, n, fps, linger, moves, min_dwell=brisk) \
            if chosen else ([], [], [])
        if len(stations) < 2:  # one view shows all there is (or nothing does): still take a walk
            reach = 0.3 * cfg.max_speed_mps * n / fps  # leaves frames for easing, lingering and detours
            known = len(views.eyes)
            views = self.extra_waypoints(grid, room, views, stations, reach, rng)
            stations, legs, frames = fit_tour(cfg, grid, views, stations + list(range(known, len(views.eyes))), n, fps,
                                              linger, self.sweep_cost(views, request, room, boxes, sweeps))
        if rng.random() < 0.5:  # either way round the tour: the seed decides
            stations, legs, frames = stations[::-1], [leg[::-1] for leg in legs[::-1]], frames[::-1]
        eyes, desired, pitches, passing = self.timeline(views, stations, legs, frames, fps)
        yaws, costs = headings(cfg, eyes, desired, pitches, passing, request, room, boxes)
        cells = floor_cells(room, _FLOOR_CELL_M, boxes)
        floor = self.floor_views(grid, room, boxes, request, cells) if cfg.floor_target > 0 and len(cells) else None
        added = []  # floor views in the tour
        for _ in range(_FLOOR_STOPS if floor is not None else 0):
            seen = floor_shown(camera_poses(eyes, yaws, pitches), request.intrinsics, room, boxes, cells).any(axis=0)
            if seen.mean() >= cfg.floor_target:
                break
            gap = np.linalg.norm(floor[0][:, None, :2] - views.stands[None, stations], axis=-1).min(axis=1)
            gain = (floor[3] & ~seen).sum(axis=1) * _FLOOR_CELL_M**2 - cfg.metre_cost * gap  # m² of new floor
            gain = gain + rng.uniform(0.0, _FLOOR_JITTER_M2, len(gain))  # near-equal views: the seed picks
            gain[gap < _FLOOR_NEAR_M] = -np.inf  # a step away, not a pan on the spot: the walk goes on
            for best in [b for b in np.argsort(-gain, kind="stable")[:_FLOOR_TRIES] if gain[b] > 0]:
                more = _append(views, floor[0][best : best + 1], floor[1][best : best + 1], floor[2][best : best + 1])
                new, cost = len(more.eyes) - 1, self.sweep_cost(more, request, room, boxes, sweeps)
                # short of frames, a station whose objects others show gives way; far short of floor, the
                # stations are passed briskly first
                trial = fit_tour(cfg, grid, more, stations + [new], n, fps, linger, cost, keep=set(added) | {new},
                                 min_dwell=brisk if seen.mean() < _FLOOR_BRISK else None)
                if new not in trial[0] or len(trial[0]) < 2 or not _shows_as_much(more, trial[0], stations):
                    continue  # no room for it, or only by losing an object or the walk itself
                timeline = self.timeline(more, *trial, fps)
                try:
                    trial_yaws, trial_costs = headings(cfg, *timeline, request, room, boxes)
                except PlanningError:  # no safe headings along the new tour: keep the old one
                    continue
                views, (stations, legs, frames) = more, trial
                added.append(new)
                (eyes, desired, pitches, passing), yaws, costs = timeline, trial_yaws, trial_costs
                break
            else:
                break
        yaws = fill_gaps(cfg, (eyes, desired, pitches, passing), yaws, costs, request, room, boxes)
        return camera_poses(eyes, yaws, pitches)
