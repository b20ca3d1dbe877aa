"""Coverage: visit viewpoints chosen so that every object is seen clearly (the ``clear`` level of the
run's visibility model, predicted by the geometric estimate in ``visibility``) in at least the
model's ``clear_frames`` frames.

Candidate viewpoints around every object, the greedy set cover choosing among them (aiming for
``pixel_margin`` × the clear level, settling for the clear level where nothing better exists) and
the tour visiting them come from ``viewpoints``. The camera dwells ≥ ``clear_frames`` frames on each
station, looking at its object, and moves between them along smoothed A* routes with eased speed
(peak ``speed_mps``, up to ``max_speed_mps`` when frames are short), turning at most
``max_turn_dps``. Viewpoints that do not fit the frame budget are dropped (least useful first) and
the objects only they showed are reported as uncovered.
"""
import logging
from dataclasses import dataclass, field

import numpy as np

from simgen.geometry import wrap_angle
from simgen.registry import PLANNERS
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.planning_geometry import Boxes, PlanningError, Room, camera_poses, check_request
from simgen.trajectories.heading import plan_yaws, safe_yaws
from simgen.trajectories.occupancy import build_grid
from simgen.trajectories.pathing import path_cost, resample
from simgen.trajectories.viewpoints import ViewpointConfig, Viewpoints, candidates, choose, fit_tour
from simgen.trajectories.box_visibility import predicted_coverage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoverageConfig(ViewpointConfig):
    """Knobs of the coverage planner (lengths in m, angles in degrees)."""

    require_all: bool = False  # raise PlanningError instead of reporting uncovered objects


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

    def plan(self, request: PlanRequest, rng: np.random.Generator) -> np.ndarray:
        """``request.n_frames`` poses dwelling on and travelling between the chosen viewpoints."""
        check_request(request)
        cfg = self.cfg
        room, boxes = Room.from_spec(request.scene.room), Boxes.from_request(request)
        grid = build_grid(room, boxes, cfg.eye_height_m, cfg.clearance_m, cfg.grid_resolution_m)
        views = candidates(cfg, grid, room, boxes, request, rng)
        chosen = choose(views)
        if not chosen:
            raise PlanningError(
                f"coverage: no viewpoint sees any of the {len(boxes)} objects clearly ({request.visibility}); "
                f"lower visibility.clear_frac or widen min/max_distance_m"
            )
        n = request.n_frames
        k = request.visibility.clear_frames
        stations, legs, frames = fit_tour(cfg, grid, views, chosen, n, request.fps, k)
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
                reach = np.outer(1.0 - ease, views.reaches[s]) + np.outer(ease, views.reaches[nxt])
                eyes.append(np.column_stack([resample(leg, ease * path_cost(leg)) + reach, np.full(t, views.eyes[s, 2])]))
                yaws.append(views.yaws[s] + ease * wrap_angle(views.yaws[nxt] - views.yaws[s]))
                pitches.append(views.pitches[s] + ease * (views.pitches[nxt] - views.pitches[s]))
                fixed.append(np.zeros(t, dtype=bool))
        return tuple(np.concatenate(a) for a in (eyes, yaws, pitches, fixed))
