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
(drawn with the rng) looking at the room's centre: the camera always walks. Where the box estimate finds the planned walk
wanting (``Walkthrough.problems``: frames without any object, as ``walk_headings.shows_some_object``
judges them, or an object seen clearly in fewer than ``clear_frames``
frames), the walk is planned again, up to ``_RETAKES`` times: the candidates gain crouching close
looks (``viewpoints.candidates``), the tour order shuns the moves whose turns went blank (``_BLANKED_S``:
a turn across more bare wall than a frame shows), a floor view on such a move gives way to another,
and the station passes pan ``_PAN_DEG`` towards their neighbours. The walk with the fewest problems
is kept; a walk without any is never planned again.
"""
import copy
from dataclasses import dataclass
from typing import NamedTuple

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
    yaw_pitch_towards,
)
from simgen.trajectories.occupancy import OccupancyGrid, build_grid
from simgen.trajectories.viewpoints import ViewpointConfig, Viewpoints, candidates, choose, fit_tour
from simgen.trajectories.box_visibility import any_shown, estimate, floor_cells, floor_shown, level_pixels
from simgen.trajectories.walk_headings import fill_gaps, headings, shows_some_object
from simgen.trajectories.walk_floor import append_stations, floor_views
from simgen.trajectories.walk_timeline import timeline

_CANDIDATES = 32  # random free cells considered for each extra waypoint
_FLOOR_CELL_M = 0.25  # floor grid of the floor-coverage prediction
_FLOOR_STOPS = 3  # at most this many floor-view stations are added
_FLOOR_NEAR_M = 0.2  # a floor view is at least this far from every other station (the camera walks on)
_FLOOR_JITTER_M2 = 0.5  # random tie-breaking among floor views (m² of floor)
_FLOOR_TRIES = 12  # best floor views tried, in order of gain, until one fits the frames left
# predicted floor seen below which stations are passed briskly (clear_frames) to fit a floor view (seed 45:
# 0.37 predicted, 0.65 rendered); the prediction is cautious, so nearer the target objects come first
_FLOOR_BRISK = 0.6
_SWEEP_STEP_DEG = 6.0  # headings sampled along a turn between stations to find blank stretches
_SWEEP_COST_S = 2.0  # tour order: seconds added per turn step that would show no object
_RETAKES = 6  # walks planned again while the estimate finds blank frames or objects shown too little
_PAN_DEG = 12.0  # a retake's station passes pan across the view this far, towards the neighbours
_BLANKED_S = 60.0  # tour order: seconds added to such a move (the frames of a whole walk: avoided where it can be)


class Walk(NamedTuple):
    """A planned walk: per-frame eyes (N, 3), yaws and pitches (N,); the stations in visiting order,
    frames per segment [dwell, move, …, dwell] and the floor views among the stations (station →
    index in ``walk_floor.floor_views``)."""

    eyes: np.ndarray
    yaws: np.ndarray
    pitches: np.ndarray
    stations: list
    frames: list
    floor_of: dict


@dataclass(frozen=True)
class WalkthroughConfig(ViewpointConfig):
    """Knobs of the walkthrough planner (lengths in m, speeds in m/s, angles in degrees, times in s)."""

    min_distance_m: float = 0.5  # viewpoint-to-object distance: close enough for small things
    min_pitch_deg: float = -45.0  # close looks tilt down at tabletops as a handheld scan does
    speed_mps: float = 0.6  # walking speed between viewpoints when frames allow
    max_speed_mps: float = 1.4  # brisk walk before a viewpoint is dropped for lack of frames
    max_turn_dps: float = 120.0  # a glance round: 12° per frame at 10 fps
    close_eye_height_m: float = 0.9  # close looks at low small things bend down to this eye height (0: never; a
    # crouching retake goes close_looks.CROUCH_M lower)
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


def _shows_as_much(views: Viewpoints, stations: list[int], before: list[int]) -> bool:
    """Whether ``stations`` show every object clearly (and well) that ``before`` did."""
    return all((table[stations].any(axis=0) >= table[before].any(axis=0)).all() for table in (views.sees, views.sees_well))


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
        return append_stations(views, xyz, yaw, np.full(len(extra), np.radians(self.cfg.pitch_deg)))

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
                    shown = any_shown(poses, request.intrinsics, room, boxes, need)
                    cache[key] = _SWEEP_COST_S * float((~shown).sum())
            return cache[key]

        return cost

    def plan(self, request: PlanRequest, rng: np.random.Generator) -> np.ndarray:
        """``request.n_frames`` camera poses (n, 4, 4) along the walk."""
        check_request(request)
        cfg = self.cfg
        room, boxes = Room.from_spec(request.scene.room), Boxes.from_request(request)
        grid = build_grid(room, boxes, cfg.eye_height_m, cfg.clearance_m, cfg.grid_resolution_m)
        start = copy.deepcopy(rng)  # a retake draws the same candidates, crouching close looks added
        views = candidates(cfg, grid, room, boxes, request, rng)
        chosen = choose(views, cfg.metre_cost)
        sweeps: dict = {}  # blank turn steps by station pair
        banned: set = set()  # floor views (indices into ``walk_floor.floor_views``) whose turns were left blank
        shunned: set = set()  # stations whose turns were left blank again
        best, fewest = None, None
        for take in range(_RETAKES + 1):
            if take == 1:
                views = candidates(cfg, grid, room, boxes, request, start, crouch=True)
            if take:
                chosen = choose(views.without(shunned), cfg.metre_cost)
            walk = self.walk(grid, room, boxes, request, views, chosen, sweeps, banned, rng,
                             np.radians(_PAN_DEG) if take else 0.0)
            for key in [k for k in sweeps if max(k) >= len(views.eyes)]:
                del sweeps[key]  # costs of the stations this walk appended (waypoints, floor views)
            blank, problems = self.problems(walk, request, room, boxes)
            if best is None or problems < fewest:
                best, fewest = walk, problems
            if not problems or len(walk.stations) < 2 or (take and not blank.any()):
                break  # the takes after the first (crouching close looks) only mend blank turns
            # a blank stretch the heading search could not avoid lies on a turn between two stations
            # whose headings are far apart across bare wall: plan again without that move (a floor
            # view on it gives way to another)
            stations, ends = walk.stations, np.cumsum(walk.frames)
            for f in np.flatnonzero(blank):
                move = min(int(np.searchsorted(ends, f, side="right")) // 2, len(stations) - 2)  # dwell, move, dwell, …
                pair = stations[move], stations[move + 1]
                banned.update(walk.floor_of[v] for v in pair if v in walk.floor_of)
                if max(pair) < len(views.eyes):
                    if take:  # ordered again, still blank: other views of what they show are chosen
                        shunned.update(pair)
                    sweeps[(min(pair), max(pair))] = _BLANKED_S
        return camera_poses(best.eyes, best.yaws, best.pitches)

    def problems(self, walk: "Walk", request: PlanRequest, room: Room, boxes: Boxes):
        """What the box estimate finds wrong with a walk: its blank frames (N,) bool
        (``shows_some_object``) and their number plus that of the objects the walk shows clearly in
        fewer than ``clear_frames`` frames (one no standing view shows clearly may need a crouch)."""
        poses = camera_poses(walk.eyes, walk.yaws, walk.pitches)
        clear = level_pixels(request.visibility, "clear", request.intrinsics)
        seen = level_pixels(request.visibility, "seen", request.intrinsics, self.cfg.pixel_margin)
        est = estimate(poses, request.intrinsics, room, boxes, min(clear, seen))  # one estimate for both judgements
        blank = ~shows_some_object(self.cfg, poses, request, room, boxes, est)
        frames = est.at_least(clear).sum(axis=0)
        return blank, int(blank.sum() + (frames < request.visibility.clear_frames).sum())

    def walk(self, grid: OccupancyGrid, room: Room, boxes: Boxes, request: PlanRequest, views: Viewpoints,
             chosen: list[int], sweeps: dict, banned: set, rng: np.random.Generator, pan: float = 0.0) -> "Walk":
        """The tour through the ``chosen`` viewpoints, with waypoints and floor views (other than the
        ``banned`` ones) appended as needed, and its headings; passes pan by ``pan`` (``walk_timeline.timeline``).
        ``sweeps``: ``sweep_cost``'s cache."""
        cfg = self.cfg
        n, fps = request.n_frames, request.fps
        linger = max(request.visibility.clear_frames, int(round(cfg.linger_s * fps)))
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
        eyes, desired, pitches, passing = timeline(cfg, views, stations, legs, frames, fps, pan)
        yaws, costs = headings(cfg, eyes, desired, pitches, passing, request, room, boxes)
        cells = floor_cells(room, _FLOOR_CELL_M, boxes)
        floor = floor_views(cfg, grid, room, boxes, request, cells) if cfg.floor_target > 0 and len(cells) else None
        added = {}  # floor views in the tour: station index → index in ``floor``
        for _ in range(_FLOOR_STOPS if floor is not None else 0):
            seen = floor_shown(camera_poses(eyes, yaws, pitches), request.intrinsics, room, boxes, cells).any(axis=0)
            if seen.mean() >= cfg.floor_target:
                break
            gap = np.linalg.norm(floor[0][:, None, :2] - views.stands[None, stations], axis=-1).min(axis=1)
            gain = (floor[3] & ~seen).sum(axis=1) * _FLOOR_CELL_M**2 - cfg.metre_cost * gap  # m² of new floor
            gain = gain + rng.uniform(0.0, _FLOOR_JITTER_M2, len(gain))  # near-equal views: the seed picks
            gain[gap < _FLOOR_NEAR_M] = -np.inf  # a step away, not a pan on the spot: the walk goes on
            for best in [b for b in np.argsort(-gain, kind="stable")[:_FLOOR_TRIES] if gain[b] > 0 and b not in banned]:
                more = append_stations(views, floor[0][best : best + 1], floor[1][best : best + 1], floor[2][best : best + 1])
                new, cost = len(more.eyes) - 1, self.sweep_cost(more, request, room, boxes, sweeps)
                # short of frames, a station whose objects others show gives way; far short of floor, the
                # stations are passed briskly first
                trial = fit_tour(cfg, grid, more, stations + [new], n, fps, linger, cost, keep=set(added) | {new},
                                 min_dwell=brisk if seen.mean() < _FLOOR_BRISK else None)
                if new not in trial[0] or len(trial[0]) < 2 or not _shows_as_much(more, trial[0], stations):
                    continue  # no room for it, or only by losing an object or the walk itself
                walked = timeline(cfg, more, *trial, fps, pan)
                try:
                    trial_yaws, trial_costs = headings(cfg, *walked, request, room, boxes)
                except PlanningError:  # no safe headings along the new tour: keep the old one
                    continue
                views, (stations, legs, frames) = more, trial
                added[new] = int(best)
                (eyes, desired, pitches, passing), yaws, costs = walked, trial_yaws, trial_costs
                break
            else:
                break
        yaws = fill_gaps(cfg, (eyes, desired, pitches, passing), yaws, costs, request, room, boxes)
        return Walk(eyes, yaws, pitches, stations, frames, added)
