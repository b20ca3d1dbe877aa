"""Tabletop: walk round a table with a phone held at chest height, looking down at the things on it.

The table is the support most small objects rest on (``ObjectSpec.support``). The camera's path is
the table's footprint grown by a standoff (straight sides, rounded corners), checked against the
room's occupancy grid (``occupancy.build_grid``, clearance ``clearance_m``). Standoffs from
``standoff_m`` to ``max_standoff_m`` are tried; the nearest whose free share of its ring comes within
``tabletop_table._SHARE_SLACK`` of the best one's wins: a ring free all round is walked ``revolutions`` times from a
seeded start, otherwise its longest free arc once (eased at its ends, from a seeded end; a desk or a
counter by a wall gets an arc before it). The phone rises and dips by ``eye_swing_m`` about
``eye_height_m`` (lower over a low table, so a 45° look stays within ``max_view_m``). It looks across
the table ``look_m`` ahead of it, drawn (``pull``) towards the objects near that spot so no frame
shows bare table, at a point ``min_view_m`` to ``max_view_m`` away and never steeper than 45° down
(``MIN_CLOSE_PITCH_DEG``); the look-at point is smoothed like a hand steadies a phone. Any object the
box-based visibility estimate (``box_visibility``) predicts short of the visibility model's
``clear_frames`` clear views (times ``pixel_margin``) gets a look of its own where the path passes
closest to it: the phone reaches out over the table towards it (``close_looks.reaching``: up to
``reach_m``, down to ``reach_eye_height_m``, clear of every box and wall), and a look whose motion
would meet a box is left out. The view distance is governed by ``min_view_m``/``max_view_m``;
``GridConfig.min_view_distance_m`` is not read by this planner.
"""
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from simgen.registry import PLANNERS, setting
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.box_visibility import estimate, level_pixels, solid
from simgen.trajectories.close_looks import reaching
from simgen.trajectories.occupancy import build_grid
from simgen.trajectories.pathing import arc_lengths, resample
from simgen.trajectories.raycast import segments_clear
from simgen.trajectories.planning_geometry import (MIN_CLOSE_PITCH_DEG, Boxes, GridConfig, Room, camera_poses,
                                                   check_range, check_request, yaw_pitch_towards)
from simgen.trajectories.tabletop_table import Table, free_path

_BOB_CYCLES = 1.25  # the phone's rises and dips per episode
_SMOOTH_S = 0.4  # the look-at point is smoothed over this time (a hand steadies the phone)
_LOOK_ROUNDS = 3  # rounds of extra looks at objects the plan shows too rarely
_LOOK_FRAMES = 12  # frames nearest an object from which a reach towards it is tried
_EYE_CLEAR_M = 0.05  # the camera's motion keeps this far from every box


@dataclass(frozen=True)
class TabletopWalkConfig(GridConfig):
    """Knobs of the tabletop planner (lengths in m, angles in degrees)."""

    eye_height_m: float = setting(1.3, ge=0.5, le=2.5)  # the phone's mean height
    eye_swing_m: float = setting(0.15, ge=0.0, le=0.5)  # it rises and dips by up to this
    standoff_m: float = setting(0.4, ge=0.1, le=2.0)  # the path's horizontal distance from the table's edge
    max_standoff_m: float = setting(1.0, ge=0.1, le=3.0)  # larger standoffs tried for a full loop
    look_m: float = setting(0.75, ge=0.2, le=2.0)  # horizontal distance to where the camera looks
    min_view_m: float = setting(0.5, ge=0.1, le=3.0)  # camera to look-at point, at least
    max_view_m: float = setting(1.2, ge=0.2, le=5.0)  # ... and at most
    pull: float = setting(0.6, ge=0.0, le=1.0)  # how far the view is drawn towards the nearest objects
    pull_radius_m: float = setting(0.3, ge=0.05, le=2.0)  # objects this near the natural look-at point draw it
    revolutions: float = setting(1.0, ge=-5.0, le=5.0)  # turns round a free table (sign: direction)
    min_arc_m: float = setting(1.0, ge=0.1, le=20.0)  # shortest free arc accepted when no loop fits
    pixel_margin: float = setting(1.5, ge=1.0, le=10.0)  # an object counts as clearly seen at this × the clear level
    # a look at a far object reaches the phone out over the table this far, and lowers it to this height
    # (raised over what is below it)
    reach_m: float = setting(0.5, ge=0.0, le=1.0)
    reach_eye_height_m: float = setting(1.1, ge=0.5, le=2.5)

    def validate(self, where: str) -> None:
        """Ranges that depend on another key; ConfigError names the key and the allowed interval."""
        super().validate(where)
        check_range(where, "max_standoff_m", self.max_standoff_m, self.standoff_m, 3.0)
        check_range(where, "max_view_m", self.max_view_m, self.min_view_m, 5.0)
        check_range(where, "eye_swing_m", self.eye_swing_m, 0.0, self.eye_height_m - 0.2)
        check_range(where, "reach_eye_height_m", self.reach_eye_height_m, 0.5, self.eye_height_m + self.eye_swing_m)

    def reach(self):
        """The limits ``close_looks.reaching`` reads: how far out, how low, and no nearer than ``min_view_m``."""
        return SimpleNamespace(reach_m=self.reach_m, close_eye_height_m=self.reach_eye_height_m,
                               eye_height_m=self.eye_height_m + self.eye_swing_m, min_distance_m=2.0 * self.min_view_m)


@PLANNERS.register("tabletop", config=TabletopWalkConfig)
class Tabletop:
    """A loop (or the longest free arc) round the table, looking down at the things on it."""

    def __init__(self, cfg: TabletopWalkConfig):
        self.cfg = cfg

    def eyes(self, pts, inward, loop: bool, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
        """Eye XY (n, 2) along the path and the inward directions there: a loop from an rng-chosen
        point, an arc from an rng-chosen end, eased at both ends."""
        closed = np.vstack([pts, pts[:1]]) if loop else pts
        normals = np.vstack([inward, inward[:1]]) if loop else inward
        length = arc_lengths(closed)[-1]
        u = np.arange(n) / n if loop else np.arange(n) / max(n - 1, 1)
        if loop:
            s = (rng.uniform(0.0, length) + length * self.cfg.revolutions * u) % length
        else:
            s = length * (0.5 * u + 0.5 * u * u * (3.0 - 2.0 * u))
            s = length - s if rng.random() < 0.5 else s
        direction = resample(normals, s)
        return resample(closed, s), direction / np.linalg.norm(direction, axis=1, keepdims=True)

    def targets(self, table: Table, boxes: Boxes, eye_xy, inward, fps: float, looks) -> np.ndarray:
        """Look-at XY (n, 2): ``look_m`` across the table, drawn towards the objects near there, then onto
        the objects of ``looks`` where they take the view, smoothed."""
        cfg = self.cfg
        natural = table.clamp(eye_xy + cfg.look_m * inward)
        centres = boxes.centers[table.objects, :2]
        d2 = ((natural[:, None] - centres[None]) ** 2).sum(-1)
        w = np.exp(-(d2 - d2.min(axis=1, keepdims=True)) / (2.0 * cfg.pull_radius_m**2))
        near = (w[..., None] * centres[None]).sum(1) / w.sum(1, keepdims=True)
        xy = natural + cfg.pull * (near - natural)
        xy = xy + looks.weight[:, None] * (looks.target[:, :2] - xy)
        return _smooth(xy, max(1, int(round(_SMOOTH_S * fps))))

    def heights(self, table: Table, n: int, rng) -> np.ndarray:
        """Eye heights (n,): the bob about ``eye_height_m``, capped so a 45° look down stays within ``max_view_m``."""
        cfg = self.cfg
        phase = 2 * np.pi * _BOB_CYCLES * np.arange(n) / n + rng.uniform(0, 2 * np.pi)
        z = cfg.eye_height_m + cfg.eye_swing_m * np.sin(phase)
        cap = table.look_z + cfg.max_view_m * np.sin(np.radians(-MIN_CLOSE_PITCH_DEG)) - 0.01
        return np.minimum(z, max(cap, cfg.eye_height_m - cfg.eye_swing_m))

    def aim(self, eyes, target_xy, look_z: float) -> tuple[np.ndarray, np.ndarray]:
        """Yaw and pitch from each eye to its look-at point, the point moved along the view so that the
        distance is in [min_view_m, max_view_m] and the pitch no steeper than ``MIN_CLOSE_PITCH_DEG``."""
        cfg = self.cfg
        drop = eyes[:, 2] - look_z
        offset = target_xy - eyes[:, :2]
        h = np.linalg.norm(offset, axis=1)
        steep = np.tan(np.radians(-MIN_CLOSE_PITCH_DEG))
        want = np.maximum(h, drop / steep)  # no steeper than the limit
        want = np.clip(want, np.sqrt(np.maximum(cfg.min_view_m**2 - drop**2, 0.0)),
                       np.sqrt(np.maximum(cfg.max_view_m**2 - drop**2, 0.0)))
        target = eyes[:, :2] + offset / np.maximum(h, 1e-9)[:, None] * np.maximum(want, 1e-6)[:, None]
        return yaw_pitch_towards(eyes, np.column_stack([target, np.full(len(eyes), look_z)]))

    def plan(self, request: PlanRequest, rng: np.random.Generator) -> np.ndarray:
        """``request.n_frames`` poses (n, 4, 4) round the table."""
        check_request(request)
        cfg = self.cfg
        room, boxes = Room.from_spec(request.scene.room), Boxes.from_request(request)
        table = Table.from_request(request, boxes)
        grid = build_grid(room, boxes, cfg.eye_height_m + cfg.eye_swing_m, cfg.clearance_m, cfg.grid_resolution_m)
        n = request.n_frames
        xy, inward = self.eyes(*free_path(table, grid, cfg), n, rng)
        walk = np.column_stack([xy, self.heights(table, n, rng)])
        need = level_pixels(request.visibility, "clear", request.intrinsics, cfg.pixel_margin)
        looks = Looks(np.zeros((n, 3)), walk.copy(), np.zeros(n))
        for _ in range(_LOOK_ROUNDS + 1):
            eyes = looks.eyes(walk)
            target = self.targets(table, boxes, xy, inward, request.fps, looks)
            poses = camera_poses(eyes, *self.aim(eyes, target, table.look_z))
            clear = estimate(poses, request.intrinsics, room, boxes.subset(table.objects), need).at_least(need)
            short = np.flatnonzero(clear.sum(axis=0) < request.visibility.clear_frames)
            if not len(short):
                break
            looks = self.look_at(table, room, boxes, walk, short, request.visibility.clear_frames, looks)
        return poses

    def look_at(self, table: Table, room: Room, boxes: Boxes, walk, short, frames: int, looks: "Looks") -> "Looks":
        """``looks`` with a look at each object of ``short`` (positions in ``table.objects``): near the free
        frame whose eye passes closest to it, the phone reaches out towards it over the table
        (``close_looks.reaching``) and the view turns onto it, eased in and out over 3 × ``frames``; a
        look whose motion would meet a box or wall is left out."""
        k = np.arange(len(walk))
        solids = solid(boxes)
        padded = Boxes(solids.ids, solids.names, solids.centers, solids.halves + _EYE_CLEAR_M, solids.rotations)
        for j in short:
            centre = boxes.centers[table.objects[j]]
            free = np.flatnonzero(looks.weight == 0.0)
            if not len(free):
                break
            near = free[np.argsort(np.linalg.norm(walk[free, :2] - centre[:2], axis=1), kind="stable")[:_LOOK_FRAMES]]
            targets = np.repeat(centre[None], len(near), axis=0)
            cells, reach, _ = reaching(self.cfg.reach(), room, solids, walk[near, :2], targets)
            if len(cells):  # the closest reach from the frame nearest the object
                best = int(np.argmin(np.linalg.norm(reach[:, :2] - centre[:2], axis=1)))
                at, eye = int(near[np.flatnonzero((walk[near, :2] == cells[best]).all(axis=1))[0]]), reach[best]
            else:  # nowhere to reach from: a look from where the walker is
                at, eye = int(near[0]), walk[near[0]]
            bump = np.clip(1.0 - np.abs(k - at) / (1.5 * frames + 1), 0.0, 1.0)
            take = bump > looks.weight
            trial = looks.copy()
            trial.target[take], trial.eye[take], trial.weight[take] = centre, eye, bump[take]
            moved = trial.eyes(walk)
            if segments_clear(moved[:-1], moved[1:], room, padded).all():
                looks = trial
        return looks


@dataclass(frozen=True)
class Looks:
    """Per frame: the object a look turns to (n, 3), where the phone reaches for it (n, 3), and how far
    the look has taken over from the walk (n,), 0 (walking) to 1."""

    target: np.ndarray
    eye: np.ndarray
    weight: np.ndarray

    def eyes(self, walk) -> np.ndarray:
        """The camera positions: the walk, moved towards the reaching eyes by the look weights."""
        return walk + self.weight[:, None] * (self.eye - walk)

    def copy(self) -> "Looks":
        """An independent copy."""
        return Looks(self.target.copy(), self.eye.copy(), self.weight.copy())


def _smooth(xy, width: int) -> np.ndarray:
    """A moving average of (n, 2) points over ``width`` frames (the ends padded with their own values)."""
    if width <= 1 or len(xy) < 3:
        return xy
    kernel = np.ones(width) / width
    padded = np.pad(xy, ((width // 2, width - 1 - width // 2), (0, 0)), mode="edge")
    return np.stack([np.convolve(padded[:, i], kernel, mode="valid") for i in range(2)], -1)
