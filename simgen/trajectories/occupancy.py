"""Occupancy grid of a room for a camera at eye height.

A cell is free when its centre is inside the footprint polygon and at least ``clearance`` metres
from every wall and from the floor footprint (convex hull of the oriented box seen from above) of
every object the camera's body could hit — any object whose box spans some height between just
above the floor and eye height + clearance. The grid stores, per cell, that distance (capped), so
callers can ask for more room than the clearance (a comfort margin) on the same grid.
The floor is z = 0.
"""
from __future__ import annotations

import math

import numpy as np

from simgen.geometry import convex_hull_2d, points_in_polygon
from simgen.trajectories.planning_geometry import Boxes, PlanningError, Room

FLOOR_TOLERANCE_M = 0.02  # boxes entirely below this (rugs, mats) do not block walking
DISTANCE_CAP_EXTRA_M = 1.0  # distances are exact up to clearance + this; larger ones are stored capped


def segment_distances(points, a, b) -> np.ndarray:
    """(N, E) Euclidean distance from each 2D point to each segment a[e]→b[e]."""
    p = np.asarray(points, dtype=float)
    px, py = p[:, 0, None], p[:, 1, None]
    ax, ay, ex, ey = a[:, 0], a[:, 1], b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
    # x and y written out (as the 2-vector sums and norm add them): reductions over a last axis of 2
    # cost more than the arithmetic
    t = np.clip(((px - ax) * ex + (py - ay) * ey) / np.maximum(ex * ex + ey * ey, 1e-18), 0.0, 1.0)
    dx, dy = px - (ax + t * ex), py - (ay + t * ey)
    return np.sqrt(dx * dx + dy * dy)


def convex_polygon_distance(points, poly) -> np.ndarray:
    """(N,) distance from 2D points to a CCW convex polygon (0 inside)."""
    a, b = poly, np.roll(poly, -1, axis=0)
    p = np.asarray(points, dtype=float)
    e = b - a
    side = e[None, :, 0] * (p[:, None, 1] - a[None, :, 1]) - e[None, :, 1] * (p[:, None, 0] - a[None, :, 0])
    inside = (side >= 0).all(axis=1)
    return np.where(inside, 0.0, segment_distances(p, a, b).min(axis=1))


class OccupancyGrid:
    """Free space of one room at one eye height on square cells (row = y index, column = x index)."""

    def __init__(self, origin, resolution: float, distance: np.ndarray, clearance: float):
        self.origin = np.asarray(origin, dtype=float)  # XY of the outer corner of cell (0, 0)
        self.resolution = float(resolution)
        self.distance = distance  # (ny, nx) m to nearest wall/obstacle footprint, capped; -1 outside the room
        self.clearance = float(clearance)
        self.free = self.passable(clearance)
        self.memo: dict = {}  # what planners derive from this (unchanging) grid and reuse: routes, A* tables

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.distance.shape

    def passable(self, min_distance: float) -> np.ndarray:
        """Boolean (ny, nx) of cells at least ``min_distance`` (and strictly > 0) from every obstacle."""
        return (self.distance >= min_distance) & (self.distance > 0.0)

    def cells(self, points) -> np.ndarray:
        """(N, 2) integer (row, column) of the cells containing XY points (may be out of range)."""
        g = np.floor((np.atleast_2d(points)[:, :2] - self.origin) / self.resolution).astype(int)
        return g[:, ::-1]

    def centers(self, cells) -> np.ndarray:
        """(N, 2) XY centres of (row, column) cells."""
        cells = np.atleast_2d(cells)
        return self.origin + (cells[:, ::-1] + 0.5) * self.resolution

    def lookup(self, values: np.ndarray, cells: np.ndarray, fill=False) -> np.ndarray:
        """Entries of a (ny, nx) array at integer cells (..., 2); ``fill`` outside the grid."""
        rows, cols = cells[..., 0], cells[..., 1]
        ok = (rows >= 0) & (rows < values.shape[0]) & (cols >= 0) & (cols < values.shape[1])
        out = np.full(rows.shape, fill, dtype=values.dtype)
        out[ok] = values[rows[ok], cols[ok]]
        return out

    def distance_at(self, points) -> np.ndarray:
        """(N,) stored obstacle distance of the cells containing XY points (−1 outside the grid/room)."""
        return self.lookup(self.distance, self.cells(points), fill=-1.0)

    def free_at(self, points, min_distance: float | None = None) -> np.ndarray:
        """(N,) True where the XY point lies in a free cell (``min_distance`` defaults to the clearance)."""
        mask = self.free if min_distance is None else self.passable(min_distance)
        return self.lookup(mask, self.cells(points))

    def segments_free(self, a, b, min_distance: float | None = None) -> np.ndarray:
        """(N,) True where every cell the segment a[n]→b[n] passes through is free (exact traversal).

        The segment is cut at every grid line it crosses; the midpoint of each piece names one cell it
        traverses, and the endpoints name the rest.
        """
        mask = self.free if min_distance is None else self.passable(min_distance)
        ga = (np.atleast_2d(a)[:, :2] - self.origin) / self.resolution
        gb = (np.atleast_2d(b)[:, :2] - self.origin) / self.resolution
        d = gb - ga
        ts = [np.zeros((len(ga), 1)), np.ones((len(ga), 1))]
        for axis in (0, 1):
            lo, hi = np.minimum(ga[:, axis], gb[:, axis]), np.maximum(ga[:, axis], gb[:, axis])
            count = int(max(0, (np.ceil(hi) - np.floor(lo)).max(initial=0)))
            lines = np.floor(lo)[:, None] + 1.0 + np.arange(count)[None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                t = (lines - ga[:, axis, None]) / d[:, axis, None]
            ts.append(np.where((lines < hi[:, None]) & (d[:, axis, None] != 0), t, np.nan))
        t = np.sort(np.concatenate(ts, axis=1), axis=1)  # NaN (unused slots) sort last
        mid = 0.5 * (t[:, 1:] + t[:, :-1])
        pts = np.concatenate([ga[:, None], gb[:, None], ga[:, None] + np.nan_to_num(mid)[..., None] * d[:, None]], axis=1)
        cells = np.floor(pts).astype(int)[..., ::-1]
        ok = self.lookup(mask, cells)
        ok[:, 2:] |= np.isnan(mid)
        return ok.all(axis=1)

    def components(self, min_distance: float | None = None) -> np.ndarray:
        """(ny, nx) labels of 4-connected free regions (0 = blocked).

        With no corner cutting, a diagonal step needs both side cells free, so 8-connected motion
        reaches exactly the 4-connected region.
        """
        import cv2  # opencv is a core dependency; imported here to keep module import cheap

        if min_distance is None and "labels" in self.memo:
            return self.memo["labels"]
        mask = self.free if min_distance is None else self.passable(min_distance)
        _, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=4)
        if min_distance is None:
            labels.flags.writeable = False  # shared by every caller
            self.memo["labels"] = labels
        return labels

    def largest_component(self) -> np.ndarray:
        """Boolean (ny, nx) of the largest free region; PlanningError if there is no free cell."""
        labels = self.components()
        counts = np.bincount(labels.ravel())
        if len(counts) < 2:
            raise PlanningError(
                f"no free space at clearance {self.clearance} m: the room is too small or too full for the camera"
            )
        return labels == 1 + int(np.argmax(counts[1:]))

    def nearest_free(self, point, region: np.ndarray | None = None) -> np.ndarray:
        """XY centre of the free cell (inside ``region`` if given) nearest to ``point``."""
        mask = self.free if region is None else region
        cells = np.argwhere(mask)
        if len(cells) == 0:
            raise PlanningError(f"no free cell at clearance {self.clearance} m")
        centers = self.centers(cells)
        return centers[np.argmin(np.linalg.norm(centers - np.asarray(point)[:2], axis=1))]


def blocking(boxes: Boxes, eye_height: float, clearance: float) -> np.ndarray:
    """Boolean (M,) of boxes the camera's body could hit: spanning heights in (floor tolerance, eye + clearance)."""
    z = boxes.z_range()
    return (z[:, 1] > FLOOR_TOLERANCE_M) & (z[:, 0] < eye_height + clearance)


def build_grid(room: Room, boxes: Boxes, eye_height: float, clearance: float, resolution: float) -> OccupancyGrid:
    """The room's occupancy grid (a ring of outside cells pads it, so free cells never touch the border)."""
    if eye_height >= room.height:
        raise PlanningError(f"eye height {eye_height} m is not below the room height {room.height} m")
    lo, hi = room.bbox
    origin = lo - resolution
    nx, ny = (int(math.ceil((hi[i] - lo[i]) / resolution)) + 2 for i in (0, 1))
    if nx * ny > 4_000_000:
        raise PlanningError(f"grid of {nx}×{ny} cells is too large; raise grid_resolution_m (now {resolution})")
    xs = origin[0] + (np.arange(nx) + 0.5) * resolution
    ys = origin[1] + (np.arange(ny) + 0.5) * resolution
    pts = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    cap = clearance + DISTANCE_CAP_EXTRA_M
    inside = points_in_polygon(pts, room.footprint)
    dist = np.where(inside, np.minimum(segment_distances(pts, *room.walls).min(axis=1), cap), -1.0).reshape(ny, nx)
    corners = boxes.corners()
    for m in np.flatnonzero(blocking(boxes, eye_height, clearance)):
        poly = convex_hull_2d(corners[m, :, :2])
        (c0, r0), (c1, r1) = (np.floor((poly.min(0) - cap - origin) / resolution).astype(int),
                              np.ceil((poly.max(0) + cap - origin) / resolution).astype(int))
        r0, c0, r1, c1 = max(r0, 0), max(c0, 0), min(r1, ny), min(c1, nx)
        if r0 >= r1 or c0 >= c1:
            continue
        window = np.stack(np.meshgrid(xs[c0:c1], ys[r0:r1]), axis=-1).reshape(-1, 2)
        d = convex_polygon_distance(window, poly).reshape(r1 - r0, c1 - c0)
        dist[r0:r1, c0:c1] = np.minimum(dist[r0:r1, c0:c1], d)
    return OccupancyGrid(origin, resolution, dist, clearance)
