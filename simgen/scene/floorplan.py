"""Floor plans of houses: typed rooms in a rectangle, doorways between them, windows in the outside walls.

The house is a ``width × depth`` rectangle (its floor inside the exterior walls, origin at its
minimum corner, as :mod:`simgen.scene.room`). A hallway (in a house of 3 rooms or more) is a corridor
``HALL_WIDTH`` wide along the house's long side; the rest is cut by recursive guillotine splits, one
room per leaf, each cut leaving an interior wall of ``INTERIOR_WALL`` between the two sides, so a room's
footprint is its floor inside its walls. Room sizes are drawn from ranges of real homes
(:data:`ROOM_SIZES`) and scaled to the house area; a plan is re-drawn until every room is wide
enough and not too elongated for its type, and the rooms sharing a wall long enough for a door
form one connected graph.

Doors: a spanning tree over that graph, grown from the hallway (else the living room) and
preferring public rooms as passages (a bathroom is a dead end where it can be), plus, with
probability ``extra_doors``, a door between any other two public rooms that share a wall. A door
is ``door_width`` wide, at least ``DOOR_MARGIN`` from the ends of the shared wall, mostly near one
end (as in real homes: the walls stay whole for furniture).

Windows (:func:`draw_windows`, once the rooms are furnished) sit on the outside walls only, where
nothing taller than the sill stands within ``WINDOW_ZONE`` of the wall: one per room (two for a
living room with two outside walls, none in a hallway), a bathroom's small and high. Every length is
a whole number of centimetres.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simgen.types import HouseRoom, Opening

INTERIOR_WALL = 0.1  # m: thickness of the wall between two neighbouring rooms (the gap between footprints)
EXTERIOR_WALL = 0.1  # m: the outside walls (as simulators.room_geometry.WALL_THICKNESS); windows on their centre line
ROOM_TYPES = ("living", "kitchen", "bedroom", "bathroom", "office", "hallway", "dining")
ROOM_WORDS = {"living": "living room", "dining": "dining room"}  # the name a person uses; others are the type
# m² of floor in real homes, drawn log-uniformly: a flat's 14 m² living room to a family home's 45, a 3.5 m²
# shower room to an 11 m² bathroom. Each type spans about ×3, as real homes do: with the narrower ranges before
# (×1.6–1.9), a room's name told its size (house_room_size: the type's median scored MRA 0.67 against 0.41)
ROOM_SIZES = {"living": (14.0, 45.0), "kitchen": (6.0, 20.0), "bedroom": (8.0, 24.0), "bathroom": (3.5, 11.0),
              "office": (6.0, 16.0), "hallway": (4.0, 9.0), "dining": (9.0, 25.0)}
MIN_SIDE = {"bathroom": 1.7, "hallway": 1.1, "kitchen": 2.0}  # m; other rooms 2.4
MAX_ASPECT = {"hallway": 12.0, "bathroom": 2.2}  # long side / short side; other rooms 2.0
ESSENTIAL = ("living", "bedroom", "kitchen", "bathroom")  # the first rooms of a house, in this order
MAX_PER_HOUSE = {"living": 1, "kitchen": 1, "dining": 1, "hallway": 1, "bathroom": 2, "office": 2}  # bedrooms: any
PUBLIC = ("hallway", "living", "dining", "kitchen")  # rooms one walks through; extra doors join only these
PASSAGE_COST = {"hallway": 0.0, "living": 0.2, "dining": 0.3, "kitchen": 0.6, "office": 1.2, "bedroom": 1.5,
                "bathroom": 4.0}  # the door tree prefers to reach a room through a cheap one
DOOR_MARGIN = 0.15  # m of wall kept at each side of a door
CORNER_DOOR = (0.75, 0.3)  # this share of doors opens within this many m of the margin at one end of its wall
WINDOW_MARGIN = 0.3  # m of wall kept at each side of a window
WINDOW_ZONE = 0.3  # m: what stands this close to an outside wall and reaches above the sill hides a window there
SMALL_WINDOW = (0.6, 1.4, 2.0)  # a bathroom window: width, sill, top (m)
PLAN_TRIES = 300  # plans drawn before the least bad connected one is taken
CM = 100  # plans are drawn in whole centimetres
HALL_WIDTH = (1.1, 1.4)  # m: a hallway is a corridor this wide along the house, the other rooms either side


class FloorPlanError(RuntimeError):
    """No connected plan exists for these knobs; the message names the knobs to change."""


@dataclass(frozen=True)
class FloorPlan:
    """A drawn plan: the house's size (m), its rooms, doors and windows (SceneSpec.rooms / openings)."""

    width: float
    depth: float
    rooms: tuple[HouseRoom, ...]
    openings: tuple[Opening, ...]


def draw_types(gen: np.random.Generator, n: int, weights: dict[str, float]) -> list[str]:
    """``n`` room types: the :data:`ESSENTIAL` ones first, then drawn by ``weights`` (no more of a type than
    :data:`MAX_PER_HOUSE` allows; bedrooms when nothing else is left)."""
    types = list(ESSENTIAL[:n])
    while len(types) < n:
        open_ = [t for t in ROOM_TYPES if weights.get(t, 0.0) > 0 and types.count(t) < MAX_PER_HOUSE.get(t, n)]
        w = np.array([weights[t] for t in open_])
        types.append(open_[int(gen.choice(len(open_), p=w / w.sum()))] if open_ else "bedroom")
    return types


def room_names(types: list[str]) -> list[str]:
    """Names a question can use: "kitchen", "bedroom", "bedroom 2" (numbered when a type repeats)."""
    out = []
    for i, t in enumerate(types):
        k = types[: i + 1].count(t)
        word = ROOM_WORDS.get(t, t)
        out.append(word if k == 1 else f"{word} {k}")
    return out


def draw_plan(gen: np.random.Generator, types: list[str], house_area: float | None, door_width: float,
              door_height: float, extra_doors: float) -> FloorPlan:
    """A seeded plan with doors for rooms of ``types`` (``house_area`` m² inside the outside walls; None: the
    sum of the rooms' drawn sizes plus their walls)."""
    sizes = np.exp([gen.uniform(*np.log(ROOM_SIZES[t])) for t in types])  # log-uniform: a bedroom as often 8-12 m² as 16-24
    corridor = "hallway" in types and len(types) >= 3
    if corridor:  # a corridor runs the house's length: about its mean width × the side of a square house
        rest = float(sizes.sum() - sizes[types.index("hallway")])
        sizes[types.index("hallway")] = np.mean(HALL_WIDTH) * np.sqrt(rest * 1.3)
    area = house_area if house_area is not None else float(sizes.sum()) * 1.05  # rooms and their walls
    door_cm = round(door_width * CM)
    best, best_bad = None, np.inf
    for attempt in range(PLAN_TRIES):
        aspect = gen.uniform(1.0, 1.6 + attempt / 150)  # longer houses once squarer ones failed
        w, d = round(np.sqrt(area * aspect) * CM), round(np.sqrt(area / aspect) * CM)
        if gen.random() < 0.5:
            w, d = d, w
        boxes = [None] * len(types)
        items = [(i, s) for i, s in enumerate(sizes)]
        if corridor:
            _corridor(gen, (0, 0, w, d), items, types.index("hallway"), boxes)
        else:
            _split(gen, (0, 0, w, d), items, boxes)
        walls = _shared_walls(boxes, door_cm + 2 * round(DOOR_MARGIN * CM))
        if not _connected(len(types), walls):
            continue
        bad = sum(_badness(t, b) for t, b in zip(types, boxes))
        if bad < best_bad:
            best, best_bad = (w, d, boxes, walls), bad
        if bad == 0:
            break
    if best is None:
        raise FloorPlanError(f"no plan of {len(types)} rooms in {area:.1f} m² has a door ({door_width} m + margins) "
                             "into every room; lower scene.door_width or scene.num_rooms, or raise scene.house_area")
    w, d, boxes, walls = best
    doors = _doors(gen, types, walls, door_cm, door_height, extra_doors)
    rooms = tuple(HouseRoom(name, t, _footprint(b)) for name, t, b in zip(room_names(types), types, boxes))
    return FloorPlan(w / CM, d / CM, rooms, tuple(doors))


def _corridor(gen, box, items, hall: int, out) -> None:
    """A hallway as a corridor along the house's long side, the other rooms split on either side of it."""
    rest = [it for it in items if it[0] != hall]
    items, k, share = _halves(gen, rest)
    x0, y0, x1, y1 = box
    wall, width = round(INTERIOR_WALL * CM), round(gen.uniform(*HALL_WIDTH) * CM)
    flip = x1 - x0 > y1 - y0  # cut across y so the corridor runs along x
    lo, hi = (y0, y1) if flip else (x0, x1)
    a = lo + round(share * (hi - lo - width - 2 * wall))
    cuts = ((lo, a), (a + wall, a + wall + width), (a + 2 * wall + width, hi))
    parts = [(x0, c0, x1, c1) if flip else (c0, y0, c1, y1) for c0, c1 in cuts]
    out[hall] = parts[1]
    _split(gen, parts[0], items[: k + 1], out)
    _split(gen, parts[2], items[k + 1:], out)


def _halves(gen, items):
    """``items`` shuffled, the index k of the last one in the first group, and that group's share of the area."""
    items = [items[k] for k in gen.permutation(len(items))]
    share = np.cumsum([a for _, a in items])[:-1] / sum(a for _, a in items)
    pick = 1.0 / (0.05 + np.abs(share - 0.5))  # balanced halves are likelier
    k = int(gen.choice(len(share), p=pick / pick.sum()))
    return items, k, float(share[k])


def _split(gen, box, items, out) -> None:
    """Cut ``box`` (x0, y0, x1, y1 in cm) among ``items`` (room index, area), areas in proportion."""
    if len(items) == 1:
        out[items[0][0]] = box
        return
    items, k, share = _halves(gen, items)
    x0, y0, x1, y1 = box
    wall = round(INTERIOR_WALL * CM)
    along_x = (x1 - x0 >= y1 - y0) == (gen.random() < 0.85)  # mostly across the longer side
    if along_x:
        cut = x0 + round(share * (x1 - x0 - wall))
        first, second = (x0, y0, cut, y1), (cut + wall, y0, x1, y1)
    else:
        cut = y0 + round(share * (y1 - y0 - wall))
        first, second = (x0, y0, x1, cut), (x0, cut + wall, x1, y1)
    _split(gen, first, items[: k + 1], out)
    _split(gen, second, items[k + 1:], out)


def _badness(room_type: str, box) -> float:
    """How far a room is from a usable shape: metres short of its minimum side plus aspect excess."""
    short, long_ = sorted((box[2] - box[0], box[3] - box[1]))
    return max(MIN_SIDE.get(room_type, 2.4) - short / CM, 0.0) + max(long_ / max(short, 1) - MAX_ASPECT.get(room_type, 2.0), 0.0)


def _shared_walls(boxes, min_length: int) -> dict[tuple[int, int], tuple[int, int, int, int]]:
    """(i, j) -> (axis, wall centre coordinate, lo, hi) for rooms whose shared wall is ≥ ``min_length`` cm
    (axis 0: the wall runs along y at x = centre; axis 1: along x at y = centre)."""
    wall = round(INTERIOR_WALL * CM)
    out = {}
    for i, a in enumerate(boxes):
        for j, b in enumerate(boxes[i + 1:], i + 1):
            for axis in (0, 1):
                lo, hi = max(a[1 - axis], b[1 - axis]), min(a[3 - axis], b[3 - axis])
                for left, right in ((a, b), (b, a)):
                    if right[axis] - left[axis + 2] == wall and hi - lo >= min_length:
                        out[(i, j)] = (axis, left[axis + 2] + wall // 2, lo, hi)
    return out


def _connected(n: int, walls) -> bool:
    """Whether the rooms form one graph through walls long enough for a door."""
    seen, todo = {0}, [0]
    while todo:
        i = todo.pop()
        for a, b in walls:
            for u, v in ((a, b), (b, a)):
                if u == i and v not in seen:
                    seen.add(v)
                    todo.append(v)
    return len(seen) == n


def _doors(gen, types, walls, door_cm: int, door_height: float, extra_doors: float) -> list[Opening]:
    """A spanning tree of doors grown from the hub (cheapest passages first), plus extra public doors."""
    hub = next((types.index(t) for t in ("hallway", "living") if t in types), 0)
    tree, pairs = {hub}, []
    while len(tree) < len(types):
        frontier = [(PASSAGE_COST[types[u]] + gen.uniform(0.0, 0.5), (min(u, v), max(u, v)))
                    for (a, b) in walls for u, v in ((a, b), (b, a)) if u in tree and v not in tree]
        _, pair = min(frontier)
        pairs.append(pair)
        tree.update(pair)
    for pair in sorted(walls):
        if pair not in pairs and all(types[i] in PUBLIC for i in pair) and gen.random() < extra_doors:
            pairs.append(pair)
    margin = round(DOOR_MARGIN * CM)
    doors = []
    for pair in pairs:
        axis, at, lo, hi = walls[pair]
        first, last = lo + margin, hi - margin - door_cm
        start = int(gen.integers(first, last + 1))
        if gen.random() < CORNER_DOOR[0]:
            near = min(int(gen.integers(0, round(CORNER_DOOR[1] * CM) + 1)), last - first)
            start = first + near if gen.random() < 0.5 else last - near
        doors.append(_opening("door", axis, at, start, start + door_cm, 0.0, door_height, pair))
    return doors


def draw_windows(gen: np.random.Generator, plan: FloorPlan, width: float, sill: float, top: float,
                 blockers=None) -> FloorPlan:
    """``plan`` with windows ``width`` (± 15%) wide from ``sill`` to ``top`` on the rooms' outside walls (a
    bathroom's: :data:`SMALL_WINDOW`), longest free stretch first. ``blockers[k]``: boxes ``(x0, y0, x1, y1,
    top)`` (m) standing in room k; one reaching above a window's bottom within ``WINDOW_ZONE`` of its wall
    leaves that stretch of wall without a window."""
    w, d = round(plan.width * CM), round(plan.depth * CM)
    out_at = -round(EXTERIOR_WALL * CM) // 2
    margin, zone = round(WINDOW_MARGIN * CM), round(WINDOW_ZONE * CM)
    windows = []
    for k, room in enumerate(plan.rooms):
        x0, y0, x1, y1 = (round(v * CM) for v in (*room.footprint[0], *room.footprint[2]))
        size, low, high = SMALL_WINDOW if room.room_type == "bathroom" else (width * gen.uniform(0.85, 1.15), sill, top)
        low = min(low, top - 0.3)
        tall = [(math.floor(b[0] * CM), math.floor(b[1] * CM), math.ceil(b[2] * CM), math.ceil(b[3] * CM))
                for b in (blockers or {}).get(k, ()) if b[4] > low]  # outward: a counter 29.6 cm from the wall is near it
        stretches = []
        for axis, at, lo, hi, outside, near in (
                (0, out_at, y0, y1, x0 == 0, lambda b: b[0] < zone), (0, w - out_at, y0, y1, x1 == w, lambda b: b[2] > w - zone),
                (1, out_at, x0, x1, y0 == 0, lambda b: b[1] < zone), (1, d - out_at, x0, x1, y1 == d, lambda b: b[3] > d - zone)):
            if outside:
                hidden = [(b[1 - axis] - 5, b[3 - axis] + 5) for b in tall if near(b)]
                stretches += [(axis, at, a, b) for a, b in _free(lo + margin, hi - margin, hidden) if b - a >= 40]
        stretches.sort(key=lambda s: s[2] - s[3])  # longest first, at most one window per side
        used = set()
        for axis, at, a, b in stretches:
            if (axis, at) in used or len(used) == {"living": 2, "hallway": 0}.get(room.room_type, 1):
                continue
            used.add((axis, at))
            span = min(round(size * CM), b - a)
            start = int(gen.integers(a, b - span + 1))
            windows.append(_opening("window", axis, at, start, start + span, low, min(high, top), (k,)))
    return FloorPlan(plan.width, plan.depth, plan.rooms, plan.openings + tuple(windows))


def _free(lo: int, hi: int, hidden) -> list[tuple[int, int]]:
    """The stretches of [lo, hi] outside every interval of ``hidden``."""
    out, at = [], lo
    for a, b in sorted(hidden):
        if a > at:
            out.append((at, min(a, hi)))
        at = max(at, b)
    if at < hi:
        out.append((at, hi))
    return [(a, b) for a, b in out if b > a]


def _opening(kind, axis, at, start, end, bottom, top, rooms) -> Opening:
    """An opening on the wall centre line ``axis`` = ``at`` from ``start`` to ``end`` (cm)."""
    a, b = ((at / CM, start / CM), (at / CM, end / CM)) if axis == 0 else ((start / CM, at / CM), (end / CM, at / CM))
    return Opening(kind, a, b, float(bottom), float(top), tuple(int(r) for r in rooms))


def _footprint(box) -> tuple[tuple[float, float], ...]:
    """Counter-clockwise corners (m) of a room's box in cm."""
    x0, y0, x1, y1 = (v / CM for v in box)
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
