"""Walkthrough: walk through the room's free space at eye height at a constant speed.

Waypoints are drawn with the rng spread over the largest free region (each new one the farthest of a
random handful of candidates from those already chosen), joined by A* routes that keep a comfort
margin from obstacles where they can, shortcut and Chaikin-smoothed. The path is walked at
``speed_mps`` for the request's duration (ping-pong if the room is too small for that length). The
heading follows the direction of travel, turned towards nearby objects, low-passed, and then fitted
by a bounded-turn-rate search that never points the optical axis at a wall or box closer than
``min_view_distance_m``. Pitch is constant (``pitch_deg``, never below −35°).
"""
from dataclasses import dataclass

import numpy as np

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
)
from simgen.trajectories.heading import attend, plan_yaws, safe_yaws, smooth_angles
from simgen.trajectories.occupancy import OccupancyGrid, build_grid
from simgen.trajectories.pathing import chaikin, path_cost, resample, smooth_route, tangent_headings

_CANDIDATES = 32  # random free cells considered for each new waypoint


@dataclass(frozen=True)
class WalkthroughConfig(GridConfig):
    """Knobs of the walkthrough planner (lengths in m, angles in degrees, times in s)."""

    pitch_deg: float = -15.0
    speed_mps: float = 0.5
    max_turn_dps: float = 90.0
    attention_radius_m: float = 2.5  # objects ahead within this distance pull the heading
    attention_weight: float = 0.4  # 0 = look along the path, 1 = straight at the nearby objects
    heading_smoothing_s: float = 0.4  # σ of the heading low-pass
    path_margin_m: float = 0.15  # extra distance from obstacles the path keeps where there is room
    max_waypoints: int = 8

    def validate(self, where: str) -> None:
        """Check ranges; ConfigError names the key and the allowed interval."""
        super().validate(where)
        check_range(where, "pitch_deg", self.pitch_deg, MIN_PITCH_DEG, 30.0)
        check_range(where, "speed_mps", self.speed_mps, 0.05, 3.0)
        check_range(where, "max_turn_dps", self.max_turn_dps, 5.0, 720.0)
        check_range(where, "attention_radius_m", self.attention_radius_m, 0.0, 20.0)
        check_range(where, "attention_weight", self.attention_weight, 0.0, 1.0)
        check_range(where, "heading_smoothing_s", self.heading_smoothing_s, 0.0, 5.0)
        check_range(where, "path_margin_m", self.path_margin_m, 0.0, 1.0)
        check_range(where, "max_waypoints", self.max_waypoints, 2, 64)


def ping_pong(s, length: float) -> tuple[np.ndarray, np.ndarray]:
    """Arc positions walking back and forth along a path of ``length``, and the walking direction (±1)."""
    s = np.asarray(s, dtype=float)
    if length <= 1e-9:
        return np.zeros_like(s), np.ones_like(s)
    phase = np.mod(s, 2.0 * length)
    forward = phase <= length
    return np.where(forward, phase, 2.0 * length - phase), np.where(forward, 1.0, -1.0)


@PLANNERS.register("walkthrough", config=WalkthroughConfig)
class Walkthrough:
    """Collision-free walk at eye height with smooth, wall-avoiding headings."""

    def __init__(self, cfg: WalkthroughConfig):
        self.cfg = cfg

    def route(self, grid: OccupancyGrid, length: float, rng: np.random.Generator) -> np.ndarray:
        """A smoothed polyline through rng-chosen, spread-out waypoints, at least ``length`` long if
        ``max_waypoints`` allow."""
        cfg = self.cfg
        region = grid.largest_component()
        comfort = region & grid.passable(grid.clearance + cfg.path_margin_m)
        cells = np.argwhere(comfort if comfort.any() else region)
        spots = grid.centers(cells)
        waypoints = [spots[rng.integers(len(spots))]]
        path, total = [waypoints[0][None]], 0.0
        while total < length and len(waypoints) < cfg.max_waypoints:
            pick = rng.choice(len(spots), size=min(_CANDIDATES, len(spots)), replace=False)
            gaps = np.linalg.norm(spots[pick, None, :] - np.array(waypoints)[None], axis=-1).min(axis=1)
            if gaps.max() < 2.0 * grid.resolution:
                break  # nowhere new to go: a tiny free region
            target = spots[pick[int(np.argmax(gaps))]]
            leg = smooth_route(grid, waypoints[-1], target, cfg.path_margin_m)
            path.append(leg[1:])
            total += path_cost(leg)
            waypoints.append(target)
        return chaikin(grid, np.concatenate(path))

    def plan(self, request: PlanRequest, rng: np.random.Generator) -> np.ndarray:
        """``request.n_frames`` camera poses (n, 4, 4) along the walk."""
        check_request(request)
        cfg = self.cfg
        room, boxes = Room.from_spec(request.scene.room), Boxes.from_request(request)
        grid = build_grid(room, boxes, cfg.eye_height_m, cfg.clearance_m, cfg.grid_resolution_m)
        n, fps = request.n_frames, request.fps
        s = cfg.speed_mps / fps * np.arange(n)
        path = self.route(grid, float(s[-1]), rng)
        arc, direction = ping_pong(s, path_cost(path))
        eyes = np.column_stack([resample(path, arc), np.full(n, cfg.eye_height_m)])
        travel = tangent_headings(path, arc) + np.where(direction < 0, np.pi, 0.0)
        desired = attend(travel, eyes, boxes, cfg.attention_radius_m, cfg.attention_weight)
        desired = smooth_angles(desired, cfg.heading_smoothing_s * fps)
        pitch = np.radians(cfg.pitch_deg)
        allowed = safe_yaws(eyes, pitch, room, boxes, cfg.min_view_distance_m)
        yaws, ok = plan_yaws(desired, allowed, np.radians(cfg.max_turn_dps) / fps)
        if not ok.all():
            bad = np.flatnonzero(~ok)
            raise PlanningError(
                f"walkthrough: no heading keeps {cfg.min_view_distance_m} m of view at frames {bad[:5].tolist()}"
                f" (e.g. eye {np.round(eyes[bad[0], :2], 2).tolist()}); raise clearance_m or max_turn_dps"
            )
        return camera_poses(eyes, yaws, pitch)
