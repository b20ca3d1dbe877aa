"""The table a tabletop walk films (:class:`Table`: its footprint, the height of what it holds, its
objects) and the walk's path round it: rings at a standoff from its edges, and the nearest ring that
the room's occupancy grid leaves (nearly) as free as the best one (:func:`free_path`: a loop, or the
ring's longest free arc, :func:`longest_run`). ``simgen.trajectories.tabletop`` plans the camera on it.
"""
from dataclasses import dataclass

import numpy as np

from simgen.trajectories.base import PlanRequest
from simgen.trajectories.occupancy import OccupancyGrid
from simgen.trajectories.pathing import arc_lengths, resample
from simgen.trajectories.planning_geometry import Boxes, PlanningError

_STEP_M = 0.02  # spacing of the points the path is checked at
_CORNER_POINTS = 9  # points on each rounded corner of the path
_STANDOFF_STEP_M = 0.1  # standoffs tried from standoff_m up to max_standoff_m
_SHARE_SLACK = 0.15  # a nearer standoff whose free share of its ring is this much short of the best one's wins
_TOP_INSET_M = 0.03  # the look-at point stays this far inside the table's edges


@dataclass(frozen=True)
class Table:
    """The table filmed: its footprint (centre, half sizes, yaw), the height of what it holds, its objects."""

    center: np.ndarray  # (2,)
    halves: np.ndarray  # (2,)
    yaw: float
    look_z: float  # mean height of the centres of the objects on it
    objects: np.ndarray  # indices (into Boxes) of the objects on it

    @classmethod
    def from_request(cls, request: PlanRequest, boxes: Boxes) -> "Table":
        """The support most small objects rest on; PlanningError if nothing rests on anything."""
        supports = [o.support for o in request.scene.objects if o.support is not None]
        if not supports:
            raise PlanningError("tabletop: no object rests on a support, so there is no table to film "
                                "(scene=tabletop builds one)")
        table_id = max(set(supports), key=lambda s: (supports.count(s), -s))
        m = int(np.flatnonzero(boxes.ids == table_id)[0])
        on = np.array([i for i, o in enumerate(request.scene.objects) if o.support == table_id])
        rot = boxes.rotations[m]
        return cls(boxes.centers[m, :2].copy(), boxes.halves[m, :2].copy(), float(np.arctan2(rot[1, 0], rot[0, 0])),
                   float(boxes.centers[on, 2].mean()), on)

    def to_world(self, local) -> np.ndarray:
        """Table-frame XY points (..., 2) in the world."""
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        local = np.asarray(local, dtype=float)
        x, y = local[..., 0], local[..., 1]
        return self.center + np.stack([c * x - s * y, s * x + c * y], -1)

    def clamp(self, xy) -> np.ndarray:
        """World XY points moved to the nearest point of the table's top (inset ``_TOP_INSET_M``)."""
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        d = np.asarray(xy, dtype=float) - self.center
        local = np.stack([c * d[..., 0] + s * d[..., 1], -s * d[..., 0] + c * d[..., 1]], -1)
        inner = np.maximum(self.halves - _TOP_INSET_M, 0.0)
        return self.to_world(np.clip(local, -inner, inner))

    def ring(self, standoff: float) -> tuple[np.ndarray, np.ndarray]:
        """The footprint grown by ``standoff``, counter-clockwise: points every ``_STEP_M`` (K, 2) and the
        unit inward normals there (K, 2), pointing at the table."""
        a, b = self.halves
        corners = np.array([[a, -b], [a, b], [-a, b], [-a, -b]])
        angles = [np.linspace(-np.pi / 2 + j * np.pi / 2, j * np.pi / 2, _CORNER_POINTS) for j in range(4)]
        normals = np.concatenate([np.stack([np.cos(t), np.sin(t)], -1) for t in angles])
        pts = np.repeat(corners, _CORNER_POINTS, axis=0) + standoff * normals
        pts, normals = np.vstack([pts, pts[:1]]), np.vstack([normals, normals[:1]])  # closed
        s = np.arange(0.0, arc_lengths(pts)[-1], _STEP_M)
        local, inward = resample(pts, s), -resample(normals, s)
        inward /= np.linalg.norm(inward, axis=1, keepdims=True)
        c, sn = np.cos(self.yaw), np.sin(self.yaw)
        turn = np.array([[c, -sn], [sn, c]])
        return self.to_world(local), inward @ turn.T


def longest_run(free: np.ndarray) -> tuple[int, int]:
    """(start, length) of the longest circular run of True in ``free`` (length 0 if none)."""
    n = len(free)
    if free.all():
        return 0, n
    best, start = (0, 0), None
    doubled = np.concatenate([free, free])
    first = int(np.argmin(free))  # a False: runs are counted from there, so none wraps unseen
    for k in range(first, first + n + 1):
        if k < first + n and doubled[k]:
            start = k if start is None else start
        elif start is not None:
            best = max(best, (k - start, -start))
            start = None
    return (-best[1]) % n, best[0]


def free_path(table: Table, grid: OccupancyGrid, cfg) -> tuple[np.ndarray, np.ndarray, bool]:
    """Points and inward normals of the camera's path and whether it is a closed loop: the nearest
    standoff whose free share of its ring is within ``_SHARE_SLACK`` of the best standoff's (a full
    ring is a loop, else its longest free arc). ``cfg``: the planner's ``TabletopWalkConfig``."""
    rings = []
    for standoff in np.arange(cfg.standoff_m, cfg.max_standoff_m + 1e-9, _STANDOFF_STEP_M):
        pts, inward = table.ring(standoff)
        free = grid.free_at(pts) & grid.segments_free(pts, np.roll(pts, -1, axis=0))
        rings.append((pts, inward, *longest_run(free)))
    best = max(length / len(pts) for pts, _, _, length in rings)
    pts, inward, start, length = next(r for r in rings if r[3] / len(r[0]) >= best - _SHARE_SLACK)
    if length == len(pts):
        return pts, inward, True
    if length * _STEP_M < cfg.min_arc_m:
        raise PlanningError(
            f"tabletop: no free walk of {cfg.min_arc_m} m round the table at standoffs {cfg.standoff_m}–"
            f"{cfg.max_standoff_m} m (clearance {cfg.clearance_m} m); lower trajectory.min_arc_m or "
            "trajectory.clearance_m (scene=tabletop: widen scene.walkway_m)")
    idx = (start + np.arange(length)) % len(pts)
    return pts[idx], inward[idx], False
