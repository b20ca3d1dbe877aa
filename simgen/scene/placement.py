"""Placing things on the floor: furniture against walls or free-standing, chairs at tables, occluders.

Everything standing on the floor is an upright box, so seen from above it is an oriented rectangle
``(cx, cy, hx, hy, yaw)`` (centre, half sizes along its own x/y, heading). Candidate poses are drawn
in batches and tested at once with a vectorised separating-axis test (:func:`rects_clear`) against
the walls (as zero-thickness rectangles) and against everything already placed; the first feasible
candidate wins. Footprints never interpenetrate and always lie inside the room.

Gaps: a wall piece's back stands ``WALL_GAP`` off its wall, facing into the room (yaw = the wall's
inward normal); neighbouring wall pieces keep ``PIECE_GAP``; free-standing furniture and occluders
keep the walking clearance from walls and from everything not in their group (a table and the
chairs placed at it form one group, ``PIECE_GAP`` apart).

Keep-out zones (:meth:`Floor.keep_out`, e.g. the swing and passage of a doorway) are rectangles nothing
may stand in: they reject candidates like a wall does but are no obstacle to the camera's free floor.
"""
from __future__ import annotations

import numpy as np

from simgen.geometry import points_in_polygon
from simgen.scene.room import walls

WALL_GAP = 0.01  # m between a wall piece's back and its wall
PIECE_GAP = 0.05  # m between neighbours that need no walkway (wall pieces, a table and its chairs)
ELBOW_ROOM = 0.15  # m at least between neighbouring seats along a table's side
BATCH = 32  # candidate poses tested at once
BATCHES = 4  # batches per item before the layout attempt is given up


class NoRoom(Exception):
    """No feasible pose for an item in this layout attempt (the caller re-samples the layout)."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def rects_clear(a: np.ndarray, b: np.ndarray, gap) -> np.ndarray:
    """(K, M) bool: rectangle ``a[k]`` and ``b[m]`` are separated by at least ``gap`` along some axis.

    Separating-axis test over both rectangles' two axes; a separation of ``gap`` along an axis
    implies a Euclidean distance of at least ``gap`` (so this is conservative for clearances).
    Rows are ``(cx, cy, hx, hy, yaw)``; ``hy = 0`` makes a segment (a wall). ``gap`` broadcasts to (K, M).
    """
    a, b = np.atleast_2d(a)[:, None, :], np.atleast_2d(b)[None, :, :]
    dx, dy = b[..., 0] - a[..., 0], b[..., 1] - a[..., 1]
    ca, sa, cb, sb = np.cos(a[..., 4]), np.sin(a[..., 4]), np.cos(b[..., 4]), np.sin(b[..., 4])
    cd, sd = np.abs(ca * cb + sa * sb), np.abs(sa * cb - ca * sb)  # |cos|, |sin| of the yaw difference
    hxa, hya, hxb, hyb = a[..., 2], a[..., 3], b[..., 2], b[..., 3]
    sep = np.abs(dx * ca + dy * sa) - hxa - hxb * cd - hyb * sd  # along a's x axis
    sep = np.maximum(sep, np.abs(dy * ca - dx * sa) - hya - hxb * sd - hyb * cd)  # along a's y axis
    sep = np.maximum(sep, np.abs(dx * cb + dy * sb) - hxb - hxa * cd - hya * sd)  # along b's x axis
    sep = np.maximum(sep, np.abs(dy * cb - dx * sb) - hyb - hxa * sd - hya * cd)  # along b's y axis
    return sep >= gap


class Floor:
    """The room's footprint and the rectangles already standing on it, with the clearance each demands."""

    def __init__(self, footprint):
        self.poly = np.asarray(footprint, dtype=float)
        self.walls = walls(self.poly)
        self.wall_rects = np.array([[*(w.start + w.end) / 2, w.length / 2, 0.0,
                                     np.arctan2(*(w.end - w.start)[::-1])] for w in self.walls])
        self.rects = np.zeros((0, 5))
        self.margins = np.zeros(0)
        self.groups = np.zeros(0, dtype=int)
        self.keep_outs = np.zeros((0, 5))

    def keep_out(self, rect) -> None:
        """Forbid the rectangle ``(cx, cy, hx, hy, yaw)`` to everything placed from now on (a door's zone)."""
        self.keep_outs = np.vstack([self.keep_outs, np.asarray(rect, dtype=float).reshape(1, 5)])

    def feasible(self, cands: np.ndarray, margin: float, group: int, wall_gap: float, overlap=()) -> np.ndarray:
        """(K,) bool: candidates inside the room, ``wall_gap`` off the walls, out of the keep-out zones and
        clear of what is placed (but the rectangles indexed by ``overlap``: a rug under a table)."""
        ok = points_in_polygon(cands[:, :2], self.poly) & rects_clear(cands, self.wall_rects, wall_gap).all(1)
        if len(self.keep_outs) and ok.any():
            ok[ok] = rects_clear(cands[ok], self.keep_outs, 0.0).all(1)
        if len(self.rects) and ok.any():
            gap = np.where(self.groups == group, PIECE_GAP, np.maximum(self.margins, margin))
            gap[list(overlap)] = -np.inf
            ok[ok] = rects_clear(cands[ok], self.rects, gap[None, :]).all(1)
        return ok

    def add(self, rect, margin: float, group: int | None = None) -> int:
        """Record a placed rectangle; returns its index (its own group unless ``group`` is given)."""
        index = len(self.rects)
        self.rects = np.vstack([self.rects, rect])
        self.margins = np.append(self.margins, margin)
        self.groups = np.append(self.groups, index if group is None else group)
        return index

    def truncate(self, n: int) -> None:
        """Forget everything placed after the first ``n`` rectangles."""
        self.rects, self.margins, self.groups = self.rects[:n], self.margins[:n], self.groups[:n]

    def place(self, sample, margin: float, wall_gap: float, what: str, group: int | None = None):
        """Draw candidate batches from ``sample()`` until one is feasible; record it and return its rect."""
        for _ in range(BATCHES):
            cands = sample()
            if not len(cands):
                break
            ok = np.flatnonzero(self.feasible(cands, margin, -1 if group is None else group, wall_gap))
            if len(ok):
                rect = cands[ok[0]]
                self.add(rect, margin, group)
                return rect
        raise NoRoom(what)


def along_wall(rng: np.random.Generator, floor: Floor, hx: float, hy: float, extra: float = 0.0) -> np.ndarray:
    """Candidates with their back (−x side) against a wall (plus up to ``extra`` m), facing into the room."""
    lengths = np.array([w.length for w in floor.walls])
    room = np.maximum(lengths - 2 * hy, 0.0)
    if not room.any():
        return np.zeros((0, 5))
    idx = rng.choice(len(lengths), size=BATCH, p=room / room.sum())
    s = hy + rng.random(BATCH) * room[idx]
    start = np.array([w.start for w in floor.walls])[idx]
    u = (np.array([w.end for w in floor.walls])[idx] - start) / lengths[idx, None]
    n = np.array([w.normal for w in floor.walls])[idx]
    centre = start + u * s[:, None] + n * (hx + WALL_GAP + rng.uniform(0.0, extra, BATCH))[:, None]
    yaw = np.arctan2(n[:, 1], n[:, 0])
    return np.column_stack([centre, np.full(BATCH, hx), np.full(BATCH, hy), yaw])


def anywhere(rng: np.random.Generator, floor: Floor, hx: float, hy: float, jitter: float,
             any_yaw: bool = False) -> np.ndarray:
    """Candidates anywhere in the room's bounding box, turned to a multiple of 90° (± ``jitter``) or any yaw."""
    lo, hi = floor.poly.min(0), floor.poly.max(0)
    centre = lo + rng.random((BATCH, 2)) * (hi - lo)
    if any_yaw:
        yaw = rng.uniform(-np.pi, np.pi, BATCH)
    else:
        yaw = rng.integers(-1, 3, BATCH) * (np.pi / 2) + rng.uniform(-jitter, jitter, BATCH)
    return np.column_stack([centre, np.full(BATCH, hx), np.full(BATCH, hy), yaw])


def at_table(rng: np.random.Generator, table: np.ndarray, hx: float, hy: float) -> np.ndarray:
    """Candidates beside one of the table's four sides, ``PIECE_GAP`` away, facing the table (front = +x)."""
    cx, cy, thx, thy, tyaw = table
    side = rng.integers(0, 4, BATCH)  # 0: +x, 1: +y, 2: −x, 3: −y side of the table
    normal_yaw = tyaw + side * (np.pi / 2)
    depth = np.where(side % 2 == 0, thx, thy)  # table half size along the side's normal
    along = np.maximum(np.where(side % 2 == 0, thy, thx) - hy, 0.0)  # room along the side
    offset = rng.uniform(-1.0, 1.0, BATCH) * along
    dist = depth + PIECE_GAP + hx
    n = np.column_stack([np.cos(normal_yaw), np.sin(normal_yaw)])
    t = np.column_stack([-n[:, 1], n[:, 0]])
    centre = np.array([cx, cy]) + n * dist[:, None] + t * offset[:, None]
    return np.column_stack([centre, np.full(BATCH, hx), np.full(BATCH, hy), normal_yaw + np.pi])


def offset_rects(base: np.ndarray, dx, dy, hx: float, hy: float, dyaw: float = 0.0) -> np.ndarray:
    """(K, 5) rects of half sizes (hx, hy) at offset (dx, dy) in each base rect's frame, turned by ``dyaw``."""
    c, s = np.cos(base[:, 4]), np.sin(base[:, 4])
    x, y = base[:, 0] + c * dx - s * dy, base[:, 1] + s * dx + c * dy
    n = len(base)
    return np.column_stack([x, y, np.full(n, hx), np.full(n, hy), base[:, 4] + dyaw])


def ray_to_wall(floor, p: np.ndarray, f: np.ndarray):
    """Distance from each point ``p`` (K, 2) along ``f`` (K, 2) to the first wall of ``floor``, and its normal."""
    a = np.array([w.start for w in floor.walls])
    e = np.array([w.end for w in floor.walls]) - a
    cross = lambda u, v: u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    ap = a[None] - p[:, None]
    den = cross(f[:, None], e[None])
    with np.errstate(divide="ignore", invalid="ignore"):
        t, s = cross(ap, e[None]) / den, cross(ap, f[:, None]) / den
    t = np.where((np.abs(den) > 1e-9) & (t > 1e-6) & (s >= -1e-9) & (s <= 1 + 1e-9), t, np.inf)
    j = np.argmin(t, axis=1)
    return t[np.arange(len(p)), j], np.array([w.normal for w in floor.walls])[j]


def seat_slots(thx: float, thy: float, halves: list) -> tuple[list, list[int]]:
    """Seat slots ``(dx, dy, dyaw)`` around a table (long sides first, alternately, then the ends) for seats
    of these half sizes, and the indices of those left without a slot."""
    sides = [0, 2, 1, 3] if thy >= thx else [1, 3, 0, 2]  # 0: +x, 1: +y, 2: −x, 3: −y side
    length = {0: 2 * thy, 2: 2 * thy, 1: 2 * thx, 3: 2 * thx}
    on = {s: [] for s in sides}
    unseated = []
    for k, (_, hy, _) in enumerate(halves):
        open_sides = [s for s in sides if sum(2 * halves[j][1] + ELBOW_ROOM for j in on[s]) + 2 * hy <= length[s]]
        if not open_sides:
            unseated.append(k)
            continue
        pair = [s for s in open_sides if s in sides[:2]] or open_sides  # the long sides while they have room
        on[min(pair, key=lambda s: len(on[s]))].append(k)
    slots = {}
    for s, ks in on.items():
        widths = np.array([2 * halves[k][1] for k in ks])
        spacing = (length[s] - widths.sum()) / max(len(ks), 1)
        along = -length[s] / 2 + np.cumsum(widths + spacing) - spacing / 2 - widths / 2
        a = s * np.pi / 2
        depth = thx if s % 2 == 0 else thy
        for k, v in zip(ks, along):
            r = depth + PIECE_GAP + halves[k][0]
            slots[k] = (r * np.cos(a) - v * np.sin(a), r * np.sin(a) + v * np.cos(a), a + np.pi)
    return [slots[k] for k in sorted(slots)], unseated
