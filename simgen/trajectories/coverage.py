"""Coverage: visit viewpoints chosen so that every object is seen clearly (the ``clear`` level of the
run's visibility model, predicted by the geometric estimate in ``visibility``) in at least the
model's ``clear_frames`` frames.

Candidate viewpoints are free cells of the largest free region, ``min_distance_m``–``max_distance_m``
from an object, spread around it by bearing, looking at it (pitch clamped to ``min_pitch_deg``) and
with no wall/box closer than ``min_view_distance_m`` along the view. A greedy set cover over objects
picks viewpoints, aiming for ``pixel_margin`` × the clear level (an object's box overstates the pixels
of a round or thin shape) and settling for the clear level where nothing better exists; nearest
neighbour + 2-opt orders them by travel time (walking and turning); the camera dwells
≥ ``clear_frames`` frames on each and moves between them along smoothed A* routes with eased
speed (peak ``speed_mps``, up to ``max_speed_mps`` when frames are short), turning at most
``max_turn_dps``. Viewpoints that do not fit the frame budget are dropped
(least useful first) and the objects only they showed are reported as uncovered.
"""
import logging
from dataclasses import dataclass, field

import numpy as np

from simgen.geometry import wrap_angle
from simgen.registry import PLANNERS
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.common import (
    MIN_PITCH_DEG,
    Boxes,
    GridConfig,
    PlanningError,
    Room,
    camera_poses,
    check_range,
    check_request,
    directions,
    yaw_pitch_towards,
)
from simgen.trajectories.heading import plan_yaws, safe_yaws
from simgen.trajectories.occupancy import OccupancyGrid, build_grid
from simgen.trajectories.pathing import chaikin, path_cost, resample, smooth_route
from simgen.trajectories.raycast import first_hit
from simgen.trajectories.tour import allocate_frames, order_tour
from simgen.trajectories.visibility import estimate, level_pixels, predicted_coverage

log = logging.getLogger(__name__)

_SECTORS = 16  # bearings around each object from which one candidate viewpoint is drawn
_CANDIDATE_SPACING_M = 0.25  # candidate eye cells are taken on this lattice
_FILL = 0.3  # preferred viewing distance makes the object ~this share of the image height


@dataclass(frozen=True)
class CoverageConfig(GridConfig):
    """Knobs of the coverage planner (lengths in m, angles in degrees)."""

    pixel_margin: float = 2.0  # viewpoints aim for this × the clear level (boxes overstate thin/round shapes)
    min_distance_m: float = 1.0  # viewpoint to target, horizontal
    max_distance_m: float = 3.5
    min_pitch_deg: float = MIN_PITCH_DEG
    speed_mps: float = 0.75  # peak walking speed between viewpoints when the frame budget allows
    max_speed_mps: float = 2.0  # peak speed allowed before a viewpoint is dropped for lack of frames
    max_turn_dps: float = 90.0
    path_margin_m: float = 0.15
    require_all: bool = False  # raise PlanningError instead of reporting uncovered objects

    def validate(self, where: str) -> None:
        """Check ranges; ConfigError names the key and the allowed interval."""
        super().validate(where)
        check_range(where, "pixel_margin", self.pixel_margin, 1.0, 10.0)
        check_range(where, "min_distance_m", self.min_distance_m, 0.1, 20.0)
        check_range(where, "max_distance_m", self.max_distance_m, self.min_distance_m, 50.0)
        check_range(where, "min_pitch_deg", self.min_pitch_deg, MIN_PITCH_DEG, 0.0)
        check_range(where, "speed_mps", self.speed_mps, 0.05, 5.0)
        check_range(where, "max_speed_mps", self.max_speed_mps, self.speed_mps, 10.0)
        check_range(where, "max_turn_dps", self.max_turn_dps, 5.0, 720.0)
        check_range(where, "path_margin_m", self.path_margin_m, 0.0, 1.0)


@dataclass(frozen=True)
class Viewpoints:
    """Candidate camera stations: eye (V, 3), yaw and pitch (V,), and which objects each one sees."""

    eyes: np.ndarray
    yaws: np.ndarray
    pitches: np.ndarray
    sees: np.ndarray  # (V, M) bool: at the clear level
    sees_well: np.ndarray  # (V, M) bool: at pixel_margin × the clear level


@dataclass(frozen=True)
class CoverageReport:
    """What the last plan achieved: chosen viewpoints, predicted frames per object, what is uncovered."""

    viewpoints: tuple = ()  # (x, y, z, yaw_rad, pitch_rad) per visited station, in visiting order
    predicted: dict = field(default_factory=dict)  # object_id -> frames predicted seen clearly
    uncovered: tuple = ()  # names of objects seen clearly in fewer than clear_frames predicted frames


@PLANNERS.register("coverage", config=CoverageConfig)
class Coverage:
    """Viewpoint tour that shows every object clearly in at least ``clear_frames`` frames; see
    ``report`` after ``plan``."""

    def __init__(self, cfg: CoverageConfig):
        self.cfg = cfg
        self.report = CoverageReport()

    def candidates(self, grid: OccupancyGrid, room: Room, boxes: Boxes, request: PlanRequest, rng) -> Viewpoints:
        """Viewpoints around every object (one per bearing sector), with what each sees."""
        cfg = self.cfg
        step = max(1, int(round(_CANDIDATE_SPACING_M / grid.resolution)))
        region = grid.largest_component()
        lattice = np.zeros_like(region)
        lattice[::step, ::step] = True
        spots = grid.centers(np.argwhere(region & lattice))
        tan_half = 0.5 * request.intrinsics.height / request.intrinsics.fy
        eyes, targets = [], []
        for m in range(len(boxes)):
            offset = spots - boxes.centers[m, :2]
            dist = np.linalg.norm(offset, axis=1)
            ok = (dist >= cfg.min_distance_m) & (dist <= cfg.max_distance_m)
            if not ok.any():
                continue
            size = 2.0 * np.linalg.norm(boxes.halves[m])
            preferred = np.clip(size / (_FILL * 2.0 * tan_half), cfg.min_distance_m, cfg.max_distance_m)
            score = np.abs(dist - preferred) + rng.uniform(0.0, 0.3, len(spots))  # jitter: not always the same cell
            sector = ((np.arctan2(offset[:, 1], offset[:, 0]) + np.pi) / (2 * np.pi) * _SECTORS).astype(int) % _SECTORS
            idx = np.flatnonzero(ok)
            order = idx[np.lexsort((score[idx], sector[idx]))]
            first = order[np.concatenate([[True], np.diff(sector[order]) != 0])]
            eyes.append(spots[first])
            targets.append(np.repeat(boxes.centers[m : m + 1], len(first), axis=0))
        if not eyes:
            none = np.zeros((0, len(boxes)), dtype=bool)
            return Viewpoints(np.zeros((0, 3)), np.zeros(0), np.zeros(0), none, none)
        eyes = np.column_stack([np.concatenate(eyes), np.full(sum(map(len, eyes)), cfg.eye_height_m)])
        yaw, pitch = yaw_pitch_towards(eyes, np.concatenate(targets))
        pitch = np.maximum(pitch, np.radians(cfg.min_pitch_deg))
        safe = first_hit(eyes, directions(yaw, pitch), room, boxes) >= cfg.min_view_distance_m
        eyes, yaw, pitch = eyes[safe], yaw[safe], pitch[safe]
        clear = level_pixels(request.visibility, "clear", request.intrinsics)
        est = estimate(camera_poses(eyes, yaw, pitch), request.intrinsics, room, boxes, clear)
        return Viewpoints(eyes, yaw, pitch, est.at_least(clear), est.at_least(clear * cfg.pixel_margin))

    @staticmethod
    def set_cover(sees: np.ndarray, todo: np.ndarray | None = None) -> list[int]:
        """Greedy set cover: viewpoint indices, each adding the most objects of ``todo`` (default:
        all that any viewpoint sees) not yet seen."""
        todo = sees.any(axis=0) if todo is None else todo & sees.any(axis=0)
        chosen = []
        while todo.any():
            gain = sees[:, todo].sum(axis=1)
            best = int(np.argmax(gain))  # ties: lowest index, i.e. rng-drawn candidate order
            chosen.append(best)
            todo = todo & ~sees[best]
        return chosen

    def choose(self, views: Viewpoints) -> list[int]:
        """Set cover with the pixel margin first; objects no viewpoint shows that well get a second
        cover at the plain threshold."""
        chosen = self.set_cover(views.sees_well)
        seen = views.sees_well[chosen].any(axis=0) if chosen else np.zeros(views.sees.shape[1], dtype=bool)
        return chosen + [v for v in self.set_cover(views.sees, ~seen) if v not in chosen]

    def schedule(self, grid: OccupancyGrid, views: Viewpoints, chosen: list[int], n: int, fps: float, k: int):
        """Order the chosen viewpoints, route between them and fit them into ``n`` frames.

        Each station is dwelt on for ``k`` frames. Returns (order, legs, frames per segment); drops the
        least useful viewpoints (last chosen)
        until the walking/turning time fits.
        """
        cfg = self.cfg
        max_step = np.radians(cfg.max_turn_dps) / fps
        while True:
            order = order_tour(views.eyes[chosen], views.yaws[chosen], cfg.speed_mps, np.radians(cfg.max_turn_dps))
            stations = [chosen[i] for i in order]
            legs = [chaikin(grid, smooth_route(grid, views.eyes[a], views.eyes[b], cfg.path_margin_m)) for a, b in zip(stations, stations[1:])]
            turns = [abs(wrap_angle(views.yaws[b] - views.yaws[a])) for a, b in zip(stations, stations[1:])]
            # smoothstep easing peaks at 1.5× the mean rate: 1.5× the frames, and one of slack for
            # the heading search's bins
            turn = [int(np.ceil(1.5 * t / max_step)) + 1 for t in turns]
            fastest, preferred = (
                [max(int(np.ceil(1.5 * path_cost(leg) / v * fps)), t, 1) for leg, t in zip(legs, turn)]
                for v in (cfg.max_speed_mps, cfg.speed_mps)
            )
            frames = allocate_frames(min(k, n), fastest, preferred, n)
            if frames is not None:  # always the case for a single viewpoint
                return stations, legs, frames
            chosen = chosen[:-1]

    def plan(self, request: PlanRequest, rng: np.random.Generator) -> np.ndarray:
        """``request.n_frames`` poses dwelling on and travelling between the chosen viewpoints."""
        check_request(request)
        cfg = self.cfg
        room, boxes = Room.from_spec(request.scene.room), Boxes.from_request(request)
        grid = build_grid(room, boxes, cfg.eye_height_m, cfg.clearance_m, cfg.grid_resolution_m)
        views = self.candidates(grid, room, boxes, request, rng)
        chosen = self.choose(views)
        if not chosen:
            raise PlanningError(
                f"coverage: no viewpoint sees any of the {len(boxes)} objects clearly ({request.visibility}); "
                f"lower visibility.clear_frac or widen min/max_distance_m"
            )
        n = request.n_frames
        k = request.visibility.clear_frames
        stations, legs, frames = self.schedule(grid, views, chosen, n, request.fps, k)
        eyes, yaws, pitches, fixed = self.timeline(views, stations, legs, frames)
        allowed = safe_yaws(eyes, pitches, room, boxes, cfg.min_view_distance_m)
        yaw, ok = plan_yaws(yaws, allowed, np.radians(cfg.max_turn_dps) / request.fps, fixed=fixed)
        if not ok.all():
            bad = np.flatnonzero(~ok)
            raise PlanningError(f"coverage: no safe heading within the turn rate at frames {bad[:5].tolist()}; raise max_turn_dps")
        poses = camera_poses(eyes, yaw, pitches)
        predicted = predicted_coverage(request, poses, "clear")
        uncovered = tuple(name for name, i in zip(boxes.names, boxes.ids) if predicted[int(i)] < k)
        stops = tuple(tuple(float(v) for v in (*views.eyes[s], views.yaws[s], views.pitches[s])) for s in stations)
        self.report = CoverageReport(stops, predicted, uncovered)
        if uncovered:
            message = f"coverage: {len(uncovered)} object(s) seen clearly in fewer than {k} frames: {', '.join(uncovered)}"
            if cfg.require_all:
                raise PlanningError(message)
            log.warning(message)
        return poses

    @staticmethod
    def timeline(views: Viewpoints, stations, legs, frames):
        """Per-frame eye, desired yaw, pitch, and whether the yaw is pinned (dwell frames)."""
        eyes, yaws, pitches, fixed = [], [], [], []
        for i, s in enumerate(stations):
            dwell = frames[2 * i]
            eyes.append(np.repeat(views.eyes[s : s + 1], dwell, axis=0))
            yaws.append(np.full(dwell, views.yaws[s]))
            pitches.append(np.full(dwell, views.pitches[s]))
            fixed.append(np.ones(dwell, dtype=bool))
            if i + 1 < len(stations):
                t, nxt, leg = frames[2 * i + 1], stations[i + 1], legs[i]
                u = np.arange(1, t + 1) / (t + 1)
                ease = u * u * (3.0 - 2.0 * u)  # smoothstep: start and stop gently
                eyes.append(np.column_stack([resample(leg, ease * path_cost(leg)), np.full(t, views.eyes[s, 2])]))
                yaws.append(views.yaws[s] + ease * wrap_angle(views.yaws[nxt] - views.yaws[s]))
                pitches.append(views.pitches[s] + ease * (views.pitches[nxt] - views.pitches[s]))
                fixed.append(np.zeros(t, dtype=bool))
        return tuple(np.concatenate(a) for a in (eyes, yaws, pitches, fixed))
