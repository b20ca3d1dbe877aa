"""Look-at: a configured list of keyframes (eye, target) interpolated smoothly over the frames.

Each keyframe is ``{eye: [x, y] or [x, y, z], target: [x, y, z] or "object name", at: 0..1}``.
With ``coordinates: room`` (the default) x and y are fractions of the room footprint's bounding box
and z is in metres, so one example works in any room; with ``coordinates: world`` all are metres.
A missing eye z is ``eye_height_m``; ``at`` (the keyframe's place in the episode) is given for all
keyframes or for none (then they are evenly spaced). An eye outside free space moves to the nearest
free cell of the largest free region; eyes move along a Catmull–Rom curve through the keyframes, or,
for a stretch that curve cannot travel collision-free, along an A* route; targets follow a
Catmull–Rom curve in time. The camera looks at the current target with no roll; a view steeper than
the project's pitch limits (−35°, +60°) is clamped to them (the target then sits off-centre).
"""
from dataclasses import dataclass

import numpy as np

from simgen.registry import PLANNERS, ConfigError, setting
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.planning_geometry import (
    MAX_PITCH_DEG,
    MIN_PITCH_DEG,
    Boxes,
    GridConfig,
    PlanningError,
    Room,
    camera_poses,
    check_request,
    yaw_pitch_towards,
)
from simgen.trajectories.occupancy import OccupancyGrid, build_grid
from simgen.trajectories.pathing import arc_lengths, chaikin, dedupe, resample, smooth_route

COORDINATES = ("room", "world")
_CURVE_SAMPLES = 64  # samples per keyframe-to-keyframe stretch of the eye curve


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass(frozen=True)
class LookatConfig(GridConfig):
    """Keyframes and how to read their coordinates."""

    keyframes: tuple = ()
    # room: eye/target x, y are fractions of the room footprint's bounding box; world: metres
    coordinates: str = setting("room", choices=COORDINATES)

    def validate(self, where: str) -> None:
        """Check every keyframe; ConfigError names the bad keyframe and field."""
        super().validate(where)
        if not self.keyframes:
            raise ConfigError(f"{where}.keyframes: expected a non-empty list of {{eye, target[, at]}} keyframes")
        timed = []
        for i, kf in enumerate(self.keyframes):
            at = f"{where}.keyframes[{i}]"
            if not isinstance(kf, dict):
                raise ConfigError(f"{at}: expected a mapping with eye, target and optional at, got {kf!r}")
            unknown = sorted(set(kf) - {"eye", "target", "at"})
            if unknown or "eye" not in kf or "target" not in kf:
                raise ConfigError(f"{at}: needs keys eye and target (optional at); got {sorted(kf)}")
            eye, target = kf["eye"], kf["target"]
            if not (isinstance(eye, (list, tuple)) and len(eye) in (2, 3) and all(map(_is_number, eye))):
                raise ConfigError(f"{at}.eye: expected [x, y] or [x, y, z] numbers, got {eye!r}")
            if isinstance(target, str):
                if not target:
                    raise ConfigError(f"{at}.target: expected [x, y, z] or an object name, got an empty string")
            elif not (isinstance(target, (list, tuple)) and len(target) == 3 and all(map(_is_number, target))):
                raise ConfigError(f"{at}.target: expected [x, y, z] numbers or an object name, got {target!r}")
            if self.coordinates == "room" and not all(0.0 <= v <= 1.0 for v in eye[:2]):
                raise ConfigError(f"{at}.eye: with coordinates=room, x and y are fractions in [0, 1], got {eye!r}")
            if "at" in kf:
                if not (_is_number(kf["at"]) and 0.0 <= kf["at"] <= 1.0):
                    raise ConfigError(f"{at}.at: expected a number in [0, 1], got {kf['at']!r}")
                timed.append(kf["at"])
        if timed and len(timed) != len(self.keyframes):
            raise ConfigError(f"{where}.keyframes: give 'at' for every keyframe or for none")
        if any(b <= a for a, b in zip(timed, timed[1:])):
            raise ConfigError(f"{where}.keyframes: 'at' values must increase, got {timed}")


def catmull_rom(points, u) -> np.ndarray:
    """Uniform Catmull–Rom curve through ``points`` (K, D) at parameters ``u`` in [0, K − 1]."""
    p = np.asarray(points, dtype=float)
    if len(p) == 1:
        return np.repeat(p, len(np.atleast_1d(u)), axis=0)
    ext = np.concatenate([2 * p[:1] - p[1:2], p, 2 * p[-1:] - p[-2:-1]])  # mirrored end tangents
    u = np.clip(np.atleast_1d(np.asarray(u, dtype=float)), 0.0, len(p) - 1)
    i = np.minimum(np.floor(u).astype(int), len(p) - 2)
    t = (u - i)[:, None]
    p0, p1, p2, p3 = ext[i], ext[i + 1], ext[i + 2], ext[i + 3]
    return 0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 + (3 * p1 - p0 - 3 * p2 + p3) * t**3)


@PLANNERS.register("lookat", config=LookatConfig)
class Lookat:
    """Scripted camera: keyframed eyes and targets."""

    def __init__(self, cfg: LookatConfig):
        self.cfg = cfg

    def resolve(self, room: Room, boxes: Boxes) -> tuple[np.ndarray, np.ndarray]:
        """World eyes and targets (K, 3) of the keyframes (object targets at their box centres)."""
        cfg = self.cfg
        lo, hi = room.bbox
        scale, offset = (hi - lo, lo) if cfg.coordinates == "room" else (np.ones(2), np.zeros(2))
        eyes, targets = [], []
        for i, kf in enumerate(cfg.keyframes):
            eye = list(kf["eye"]) + ([cfg.eye_height_m] if len(kf["eye"]) == 2 else [])
            eyes.append([*(offset + scale * eye[:2]), eye[2]])
            if isinstance(kf["target"], str):
                try:
                    targets.append(boxes.centers[boxes.index(kf["target"])])
                except KeyError as e:
                    raise PlanningError(f"lookat: keyframes[{i}].target: {e.args[0]}") from None
            else:
                targets.append([*(offset + scale * np.asarray(kf["target"][:2], dtype=float)), kf["target"][2]])
        return np.array(eyes, dtype=float), np.array(targets, dtype=float)

    def keyframe_frames(self, n: int) -> np.ndarray:
        """Frame index of each keyframe."""
        k = len(self.cfg.keyframes)
        at = [kf["at"] for kf in self.cfg.keyframes] if "at" in self.cfg.keyframes[0] else np.linspace(0, 1, k)
        return np.round(np.asarray(at, dtype=float) * (n - 1)).astype(int)

    def legs(self, grid: OccupancyGrid, eyes) -> list[np.ndarray]:
        """Eye polylines (L, 3) between consecutive keyframes: the Catmull–Rom curve where it stays in
        free cells, otherwise a smoothed A* route (height interpolated along it)."""
        curve = catmull_rom(eyes, np.linspace(0, len(eyes) - 1, _CURVE_SAMPLES * (len(eyes) - 1) + 1))
        out = []
        for i in range(len(eyes) - 1):
            leg = dedupe(curve[i * _CURVE_SAMPLES : (i + 1) * _CURVE_SAMPLES + 1])
            if len(leg) > 1 and not grid.segments_free(leg[:-1], leg[1:]).all():
                xy = chaikin(grid, smooth_route(grid, eyes[i], eyes[i + 1]))
                frac = arc_lengths(xy) / max(arc_lengths(xy)[-1], 1e-9)
                leg = np.column_stack([xy, eyes[i, 2] + frac * (eyes[i + 1, 2] - eyes[i, 2])])
            out.append(leg)
        return out

    @staticmethod
    def sample(legs, eyes, targets, frames, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Per-frame eye and target: constant speed along each leg between its keyframes' frames."""
        if len(eyes) == 1:
            return np.repeat(eyes, n, axis=0), np.repeat(targets, n, axis=0)
        f = np.arange(n)
        # the last keyframe at or before each frame starts its leg (a later duplicate frame wins)
        leg = np.clip(np.searchsorted(frames, f, side="right") - 1, 0, len(eyes) - 2)
        span = frames[leg + 1] - frames[leg]
        u = np.clip(np.where(span > 0, (f - frames[leg]) / np.maximum(span, 1), 1.0), 0.0, 1.0)
        eye_out = np.empty((n, 3))
        for i, poly in enumerate(legs):
            sel = leg == i
            eye_out[sel] = resample(poly, u[sel] * arc_lengths(poly)[-1])
        return eye_out, catmull_rom(targets, leg + u)

    def plan(self, request: PlanRequest, rng: np.random.Generator) -> np.ndarray:
        """``request.n_frames`` poses through the keyframes (the rng is not needed: the script is fixed)."""
        check_request(request)
        cfg = self.cfg
        room, boxes = Room.from_spec(request.scene.room), Boxes.from_request(request)
        eyes, targets = self.resolve(room, boxes)
        bad = np.flatnonzero((eyes[:, 2] <= 0) | (eyes[:, 2] >= room.height))
        if len(bad):
            raise PlanningError(f"lookat: keyframes[{bad[0]}].eye z={eyes[bad[0], 2]} m is not inside the room (height {room.height} m)")
        grid = build_grid(room, boxes, float(eyes[:, 2].max()), cfg.clearance_m, cfg.grid_resolution_m)
        region = grid.largest_component()
        for i in np.flatnonzero(~grid.lookup(region, grid.cells(eyes))):
            eyes[i, :2] = grid.nearest_free(eyes[i], region)
        legs = self.legs(grid, eyes)
        frames = self.keyframe_frames(request.n_frames)
        eye_out, target_out = self.sample(legs, eyes, targets, frames, request.n_frames)
        close = np.flatnonzero(np.linalg.norm(target_out - eye_out, axis=1) < 1e-3)
        if len(close):
            leg = max(int(np.searchsorted(frames, close[0], side="right")) - 1, 0)
            raise PlanningError(f"lookat: at frame {close[0]} (after keyframes[{leg}]) the eye is at its target")
        yaw, pitch = yaw_pitch_towards(eye_out, target_out)
        pitch = np.clip(pitch, np.radians(MIN_PITCH_DEG), np.radians(MAX_PITCH_DEG))
        return camera_poses(eye_out, yaw, pitch)
