"""Ego: the camera follows discrete actions (move ahead/back x m, turn left/right θ, look up/down θ).

The actions are either scripted (``script: ["turn_left 90", "move_ahead 1.0"]``; degrees for turns
and looks, metres for moves) or drawn with the rng (SAT-style ranges). Every move stays in the
room's free space, and after each action the optical axis keeps ``min_view_distance_m`` to walls
and boxes. Each action is eased in and out over the frames its speed needs; still frames separate
actions so a viewer can tell them apart. The executed actions come back with their frame spans
(``plan_actions``) and are stored in ``episode.json`` so questions can name them.
"""
from dataclasses import dataclass

import numpy as np

from simgen.registry import PLANNERS, ConfigError, setting
from simgen.trajectories.base import ActionPlanner, PlanRequest
from simgen.trajectories.planning_geometry import (MAX_PITCH_DEG, MIN_PITCH_DEG, Boxes, GridConfig, PlanningError, Room,
                                        camera_poses, check_request, directions)
from simgen.trajectories.occupancy import OccupancyGrid, build_grid
from simgen.trajectories.raycast import first_hit
from simgen.types import EGO_ACTIONS, EgoAction

_ATTEMPTS = 24  # random draws per action before giving up on finding a valid one
_START_TRIES = 64  # start poses tried for a script


@dataclass(frozen=True)
class EgoConfig(GridConfig):
    """Knobs of the ego planner (lengths in m, angles in degrees, times in s)."""

    pitch_deg: float = setting(-10.0, ge=MIN_PITCH_DEG, le=MAX_PITCH_DEG)
    num_actions: int = setting(4, ge=1, le=100)
    script: tuple = ()  # e.g. ("turn_left 90", "move_ahead 1.0"); empty = random actions
    weights: tuple = (0.4, 0.05, 0.25, 0.25, 0.025, 0.025)  # per action in types.EGO_ACTIONS order
    move_m: tuple = (0.5, 1.0)  # SAT: 0.7–1.0 m
    turn_deg: tuple = (30.0, 120.0)  # SAT: 65–80° then back 100–115°
    look_deg: tuple = (10.0, 20.0)
    move_speed_mps: float = setting(0.6, ge=0.05, le=5.0)
    turn_speed_dps: float = setting(60.0, ge=5.0, le=720.0)
    pause_s: float = setting(0.4, ge=0.0, le=10.0)  # still frames before, between and after actions

    def validate(self, where: str) -> None:
        """What ranges cannot say: the weights, the [low, high] pairs and the script; ConfigError names the key."""
        super().validate(where)
        if len(self.weights) != len(EGO_ACTIONS) or min(self.weights) < 0 or sum(self.weights) <= 0:
            raise ConfigError(f"{where}.weights: expected {len(EGO_ACTIONS)} non-negative weights for {EGO_ACTIONS}")
        for key in ("move_m", "turn_deg", "look_deg"):
            lo_hi = getattr(self, key)
            if len(lo_hi) != 2 or not 0 < lo_hi[0] <= lo_hi[1]:
                raise ConfigError(f"{where}.{key}: expected [low, high] with 0 < low ≤ high, got {list(lo_hi)}")
        for i, step in enumerate(self.script):
            parse_step(step, f"{where}.script[{i}]")


def parse_step(step: str, where: str) -> tuple[str, float]:
    """``"turn_left 90"`` → ("turn_left", radians); ``"move_ahead 1.0"`` → ("move_ahead", metres)."""
    parts = str(step).split()
    if len(parts) != 2 or parts[0] not in EGO_ACTIONS:
        raise ConfigError(f"{where}: expected '<action> <amount>' with action in {EGO_ACTIONS}, got {step!r}")
    try:
        amount = float(parts[1])
    except ValueError:
        raise ConfigError(f"{where}: amount {parts[1]!r} is not a number") from None
    if amount <= 0:
        raise ConfigError(f"{where}: amount must be > 0, got {amount}")
    return parts[0], amount if parts[0].startswith("move") else float(np.radians(amount))


@dataclass
class _Pose:
    xy: np.ndarray
    yaw: float
    pitch: float


@PLANNERS.register("ego", config=EgoConfig)
class Ego(ActionPlanner):
    """A camera driven by discrete, recorded actions."""

    def __init__(self, cfg: EgoConfig):
        self.cfg = cfg

    def plan(self, request: PlanRequest, rng: np.random.Generator) -> np.ndarray:
        """``request.n_frames`` camera poses (n, 4, 4)."""
        return self.plan_actions(request, rng)[0]

    def plan_actions(self, request: PlanRequest, rng: np.random.Generator) -> tuple[np.ndarray, tuple[EgoAction, ...]]:
        """Camera poses and the actions they perform (frame spans inclusive)."""
        check_request(request)
        cfg = self.cfg
        room, boxes = Room.from_spec(request.scene.room), Boxes.from_request(request)
        grid = build_grid(room, boxes, cfg.eye_height_m, cfg.clearance_m, cfg.grid_resolution_m)
        view_ok = _ViewCheck(room, boxes, cfg.eye_height_m, cfg.min_view_distance_m)
        steps = [parse_step(s, f"trajectory.script[{i}]") for i, s in enumerate(cfg.script)]
        pose = self._start(grid, view_ok, steps, rng)
        n, fps = request.n_frames, request.fps
        pause = int(round(cfg.pause_s * fps))
        track = [(pose.xy.copy(), pose.yaw, pose.pitch)] * max(1, pause)
        actions = []
        for i in range(len(steps) if steps else cfg.num_actions):
            step = steps[i] if steps else self._draw(pose, grid, view_ok, rng)
            if step is None:
                break
            name, amount = step
            end = self._apply(pose, name, amount)
            if not self._valid(pose, end, name, grid, view_ok):
                break  # only random draws get here: a script was checked from its start pose
            frames = max(1, int(np.ceil(fps * (amount / cfg.move_speed_mps if name.startswith("move")
                                               else np.degrees(amount) / cfg.turn_speed_dps))))
            if len(track) + frames > n:
                break  # out of frames: stop with the actions that fit
            s = _ease(np.arange(1, frames + 1) / frames)
            track += [(pose.xy + (end.xy - pose.xy) * t, pose.yaw + (end.yaw - pose.yaw) * t,
                       pose.pitch + (end.pitch - pose.pitch) * t) for t in s]
            actions.append(EgoAction(name, float(amount), len(track) - frames, len(track) - 1))
            track += [(end.xy.copy(), end.yaw, end.pitch)] * pause
            pose = end
        track = (track + [track[-1]] * n)[:n]
        eyes = np.array([[*xy, cfg.eye_height_m] for xy, _, _ in track])
        poses = camera_poses(eyes, np.array([t[1] for t in track]), np.array([t[2] for t in track]))
        return poses, tuple(a for a in actions if a.end_frame < n)

    def _start(self, grid: OccupancyGrid, view_ok, steps, rng) -> _Pose:
        """A random roomy free spot facing its longest clear view; for a script, one it can be run from."""
        region = grid.largest_component()
        cells = np.argwhere(region & grid.passable(grid.clearance + 0.3)) if region.any() else np.empty((0, 2))
        if len(cells) == 0:
            cells = np.argwhere(region)
        if len(cells) == 0:
            raise PlanningError("ego: the room has no free space at eye height; lower the scene's object counts")
        yaws = np.radians(np.arange(0, 360, 10.0))
        for i in rng.permutation(len(cells))[:_START_TRIES]:
            xy = grid.centers(cells[i][None])[0]
            reach = view_ok.reach(np.repeat(xy[None], len(yaws), 0), yaws, np.radians(self.cfg.pitch_deg))
            start = _Pose(xy, float(yaws[int(np.argmax(reach))]), float(np.radians(self.cfg.pitch_deg)))
            if self._runs(start, steps, grid, view_ok):
                return start
        raise PlanningError(f"ego: no start pose in {_START_TRIES} tries lets the script {list(self.cfg.script)} run "
                            f"inside the free space with {self.cfg.min_view_distance_m} m of view")

    def _runs(self, pose: _Pose, steps, grid, view_ok) -> bool:
        """Whether every step of a script is valid in turn from ``pose``."""
        for name, amount in steps:
            end = self._apply(pose, name, amount)
            if not self._valid(pose, end, name, grid, view_ok):
                return False
            pose = end
        return True

    def _draw(self, pose: _Pose, grid, view_ok, rng):
        """A random valid action from ``pose`` (or None if none is found)."""
        cfg = self.cfg
        p = np.asarray(cfg.weights, dtype=float)
        for _ in range(_ATTEMPTS):
            name = EGO_ACTIONS[rng.choice(len(EGO_ACTIONS), p=p / p.sum())]
            lo, hi = cfg.move_m if name.startswith("move") else (cfg.turn_deg if name.startswith("turn") else cfg.look_deg)
            amount = float(rng.uniform(lo, hi))
            amount = amount if name.startswith("move") else float(np.radians(amount))
            if self._valid(pose, self._apply(pose, name, amount), name, grid, view_ok):
                return name, amount
        return None

    @staticmethod
    def _apply(pose: _Pose, name: str, amount: float) -> _Pose:
        """The pose after one action (yaw not wrapped: interpolation must turn the way the action says)."""
        heading = np.array([np.cos(pose.yaw), np.sin(pose.yaw)])
        sign = {"move_ahead": 1, "move_back": -1, "turn_left": 1, "turn_right": -1, "look_up": 1, "look_down": -1}[name]
        if name.startswith("move"):
            return _Pose(pose.xy + sign * amount * heading, pose.yaw, pose.pitch)
        if name.startswith("turn"):  # counter-clockwise seen from above (+Z) is a left turn
            return _Pose(pose.xy.copy(), pose.yaw + sign * amount, pose.pitch)
        return _Pose(pose.xy.copy(), pose.yaw, pose.pitch + sign * amount)

    def _valid(self, start: _Pose, end: _Pose, name: str, grid: OccupancyGrid, view_ok) -> bool:
        """Moves stay in free space, looks stay within the pitch limits, the end view is not blocked."""
        if name.startswith("move") and not grid.segments_free(start.xy[None], end.xy[None])[0]:
            return False
        if not np.radians(MIN_PITCH_DEG) <= end.pitch <= np.radians(MAX_PITCH_DEG):
            return False
        return bool(view_ok.reach(end.xy[None], np.array([end.yaw]), end.pitch)[0] >= view_ok.min_distance)


@dataclass(frozen=True)
class _ViewCheck:
    """Distance along the optical axis to the first wall or box."""

    room: Room
    boxes: Boxes
    eye_height: float
    min_distance: float

    def reach(self, xy: np.ndarray, yaws: np.ndarray, pitch: float) -> np.ndarray:
        eyes = np.column_stack([xy, np.full(len(xy), self.eye_height)])
        return first_hit(eyes, directions(yaws, np.full(len(yaws), pitch)), self.room, self.boxes)


def _ease(t: np.ndarray) -> np.ndarray:
    """Smoothstep: zero speed at both ends of an action."""
    return t * t * (3.0 - 2.0 * t)
