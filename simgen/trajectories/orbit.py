"""Orbit: an ellipse at eye height around the room's or the objects' centre, looking at that centre.

Candidate ellipses range from as large as the room's bounding box allows (minus the clearance) down
to ``min_radius_m``, with their axes along world x and y and aspect ≤ 2.5, around a few centres (the
objects' mean position, the room's area centroid and its bounding-box centre, each nudged a little,
and each object's centre), or, if none fits, around the most open spots of the room.
The largest one whose every point lies in free space, and from every point of which the view towards
the centre meets no wall or box closer than ``min_view_distance_m``, wins. The
camera looks at the centre at a height that gives ``pitch_deg`` at the mean radius (never steeper
than −35° anywhere on the orbit), so the centre stays at the image centre.
"""
from dataclasses import dataclass

import numpy as np

from simgen.geometry import points_in_polygon
from simgen.registry import PLANNERS, setting
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.planning_geometry import (
    MIN_PITCH_DEG,
    Boxes,
    GridConfig,
    PlanningError,
    Room,
    camera_poses,
    check_request,
    directions,
    yaw_pitch_towards,
)
from simgen.trajectories.occupancy import OccupancyGrid, build_grid
from simgen.trajectories.raycast import first_hit

_SAMPLES = 240  # points checked around each candidate ellipse
_SIZES = 16  # candidate semi-axis lengths per axis
_MAX_ASPECT = 2.5  # longer semi-axis at most this times the shorter
_NUDGE_M = 0.3  # centre candidates are also moved by this much
_LATTICE_M = 0.5  # spacing of the fallback centres in open space


@dataclass(frozen=True)
class OrbitConfig(GridConfig):
    """Knobs of the orbit planner (lengths in m, angles in degrees)."""

    pitch_deg: float = setting(-15.0, ge=MIN_PITCH_DEG, le=0.0)  # view elevation at the mean radius
    # turns around the centre over the episode (sign = direction)
    revolutions: float = setting(1.0, ge=-10.0, le=10.0)
    min_radius_m: float = setting(0.5, ge=0.1, le=20.0)  # smallest semi-axis accepted before giving up


@dataclass(frozen=True)
class Ellipse:
    """An orbit: centre (XY), semi-axes along world x and y (m), and the look-at height."""

    center: np.ndarray
    axes: np.ndarray
    target_z: float

    def points(self, angles) -> np.ndarray:
        """(N, 2) XY points at parametric angles."""
        angles = np.asarray(angles, dtype=float)
        return self.center + np.stack([np.cos(angles), np.sin(angles)], axis=-1) * self.axes


def centre_candidates(room: Room, boxes: Boxes) -> np.ndarray:
    """(C, 2) orbit centres to try: the objects' mean, the room's centroid and bounding-box centre,
    each also nudged by ±``_NUDGE_M`` along x and y, and every object's own centre (an orbit around
    one piece of furniture); only those inside the footprint."""
    lo, hi = room.bbox
    base = [room.centroid(), 0.5 * (lo + hi)]
    if len(boxes):
        base.insert(0, boxes.centers[:, :2].mean(axis=0))
    nudges = np.array([[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]], dtype=float) * _NUDGE_M
    cands = np.concatenate([(np.array(base)[:, None, :] + nudges[None]).reshape(-1, 2), boxes.centers[:, :2]])
    return cands[points_in_polygon(cands, room.footprint)]


def open_centres(grid: OccupancyGrid, min_radius: float) -> np.ndarray:
    """(C, 2) fallback centres: lattice points (every ``_LATTICE_M``) with open space of ``min_radius``
    around them, most open first."""
    step = max(1, int(round(_LATTICE_M / grid.resolution)))
    lattice = np.zeros(grid.shape, dtype=bool)
    lattice[::step, ::step] = True
    cells = np.argwhere(lattice & grid.passable(grid.clearance + min_radius))
    order = np.argsort(-grid.distance[cells[:, 0], cells[:, 1]], kind="stable")
    return grid.centers(cells[order])


def axes_candidates(full, min_radius: float) -> np.ndarray:
    """(P, 2) semi-axes pairs up to ``full``, at least ``min_radius``, aspect ≤ ``_MAX_ASPECT``, largest area first."""
    a = np.linspace(min_radius, full[0], _SIZES) if full[0] >= min_radius else np.zeros(0)
    b = np.linspace(min_radius, full[1], _SIZES) if full[1] >= min_radius else np.zeros(0)
    pairs = np.stack(np.meshgrid(a, b), axis=-1).reshape(-1, 2)
    pairs = pairs[pairs.max(axis=1) <= _MAX_ASPECT * pairs.min(axis=1)]
    return pairs[np.argsort(-np.prod(pairs, axis=1), kind="stable")]


@PLANNERS.register("orbit", config=OrbitConfig)
class Orbit:
    """Circle/ellipse around the scene's centre, looking at it."""

    def __init__(self, cfg: OrbitConfig):
        self.cfg = cfg

    def target_height(self, axes) -> float:
        """Look-at height giving ``pitch_deg`` at the mean radius, clamped to the floor, the eye and −35°."""
        cfg = self.cfg
        z = cfg.eye_height_m + axes.mean() * np.tan(np.radians(cfg.pitch_deg))
        steepest = cfg.eye_height_m + axes.min() * np.tan(np.radians(MIN_PITCH_DEG))
        return float(np.clip(max(z, steepest), 0.0, cfg.eye_height_m))

    def view_clear(self, ellipse: Ellipse, room: Room, boxes: Boxes) -> bool:
        """Every view from the ellipse to its centre travels ``min_view_distance_m`` before meeting anything."""
        cfg = self.cfg
        eyes = np.column_stack([ellipse.points(np.linspace(0, 2 * np.pi, _SAMPLES, endpoint=False)), np.full(_SAMPLES, cfg.eye_height_m)])
        target = np.array([*ellipse.center, ellipse.target_z])
        yaw, pitch = yaw_pitch_towards(eyes, target)
        return bool((first_hit(eyes, directions(yaw, pitch), room, boxes) >= cfg.min_view_distance_m).all())

    def largest(self, centers, grid: OccupancyGrid, room: Room, boxes: Boxes) -> Ellipse | None:
        """The largest collision-free, clear-view orbit around any of ``centers`` (None if none fits)."""
        cfg = self.cfg
        lo, hi = room.bbox
        pairs = axes_candidates(0.5 * (hi - lo) - cfg.clearance_m, cfg.min_radius_m)
        if len(pairs) == 0:
            return None  # the room is narrower than the smallest orbit
        angles = np.linspace(0, 2 * np.pi, _SAMPLES, endpoint=False)
        ring = np.stack([np.cos(angles), np.sin(angles)], axis=-1)  # (A, 2)
        # Samples are checked with extra distance so the whole curve between them is provably free:
        # obstacle distance is 1-Lipschitz, a point is within half a sample spacing of a sample, and
        # each point is within half a cell diagonal of the cell centre its distance is stored at.
        margin = np.pi * pairs.max(axis=1) / _SAMPLES + grid.resolution * np.sqrt(2.0)
        best = None
        for center in centers:
            pts = center + pairs[:, None, :] * ring[None]  # (P, A, 2)
            dist = grid.distance_at(pts.reshape(-1, 2)).reshape(len(pairs), -1)
            fits = (dist >= grid.clearance + margin[:, None]).all(axis=1)
            for axes in pairs[fits]:
                if best is not None and np.prod(axes) <= np.prod(best.axes):
                    break
                ellipse = Ellipse(center, axes, self.target_height(axes))
                if self.view_clear(ellipse, room, boxes):
                    best = ellipse
                    break
        return best

    def fit(self, grid: OccupancyGrid, room: Room, boxes: Boxes) -> Ellipse:
        """The largest orbit around the scene's centres, else around the most open spots of the room;
        PlanningError if none fits."""
        cfg = self.cfg
        for centers in (centre_candidates(room, boxes), open_centres(grid, cfg.min_radius_m)):
            best = self.largest(centers, grid, room, boxes)
            if best is not None:
                return best
        lo, hi = room.bbox
        raise PlanningError(
            f"orbit: no collision-free orbit with semi-axes ≥ {cfg.min_radius_m} m fits the room "
            f"(bounding box {np.round(hi - lo, 2).tolist()} m, clearance {cfg.clearance_m} m); "
            f"lower min_radius_m or clearance_m"
        )

    def plan(self, request: PlanRequest, rng: np.random.Generator) -> np.ndarray:
        """``request.n_frames`` poses around the orbit, starting at an rng-chosen angle."""
        check_request(request)
        cfg = self.cfg
        room, boxes = Room.from_spec(request.scene.room), Boxes.from_request(request)
        grid = build_grid(room, boxes, cfg.eye_height_m, cfg.clearance_m, cfg.grid_resolution_m)
        ellipse = self.fit(grid, room, boxes)
        n = request.n_frames
        # n steps per revolution (not n - 1), so a full turn does not repeat its first view
        angles = rng.uniform(-np.pi, np.pi) + 2 * np.pi * cfg.revolutions * np.arange(n) / n
        eyes = np.column_stack([ellipse.points(angles), np.full(n, cfg.eye_height_m)])
        yaw, pitch = yaw_pitch_towards(eyes, np.array([*ellipse.center, ellipse.target_z]))
        return camera_poses(eyes, yaw, pitch)
