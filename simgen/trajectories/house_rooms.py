"""A house as the tour planner sees it: its walls as segments that the ray casts and the free-space
grid read (interior walls included, cut open at the doorways, with the doorways' jambs), which room
each object stands in, the door graph, and the order in which the tour scans the rooms.

A house's ``SceneSpec.room`` is its outer floor (the exterior walls' inner faces); each
``HouseRoom.footprint`` is a room's floor inside its own walls, and the interior wall between two
rooms fills the gap between their footprints. The wall pieces are the ones the simulators build
(``simulators.room_geometry.house_walls``); the planner's walls are vertical segments from floor to
ceiling, so it takes the pieces that stand that tall: a doorway is open from the floor up (a camera
at eye height looking level or down never meets the header above it), a window is wall.
"""
from dataclasses import dataclass, field

import numpy as np

from simgen.geometry import polygon_area, polygon_index
from simgen.simulators.room_geometry import interior_wall_pieces
from simgen.trajectories.occupancy import segment_distances
from simgen.trajectories.planning_geometry import PlanningError, Room
from simgen.types import SceneSpec

_FLUSH_M = 1e-6  # a wall piece standing on the floor and reaching the ceiling (not a header or a sill)


@dataclass(frozen=True)
class HouseWalls(Room):
    """The outer floor (``footprint``: the exterior walls on its edges) plus ``inner`` (S, 2, 2): the
    rooms' own wall faces with the doorways cut out, and the jambs. ``walls`` lists both, so
    ``raycast`` occludes with the interior walls and ``occupancy.build_grid`` keeps clear of them."""

    inner: np.ndarray = field(default_factory=lambda: np.zeros((0, 2, 2)))

    @property
    def walls(self) -> tuple[np.ndarray, np.ndarray]:
        """Every wall segment as start and end points, each (W, 2)."""
        a, b = Room.walls.fget(self)
        return np.concatenate([a, self.inner[:, 0]]), np.concatenate([b, self.inner[:, 1]])


def footprints(spec: SceneSpec) -> list[np.ndarray]:
    """Each room's CCW floor polygon; a single-room scene is one room, its ``room.footprint``."""
    polys = [np.asarray(r.footprint, dtype=float) for r in spec.rooms] or [np.asarray(spec.room.footprint, dtype=float)]
    return [p if polygon_area(p) > 0 else p[::-1].copy() for p in polys]


def doors(spec: SceneSpec) -> list:
    """The doorways joining two rooms."""
    return [o for o in spec.openings if o.kind == "door" and len(o.rooms) == 2]


def house_geometry(spec: SceneSpec) -> HouseWalls:
    """The house's walls for ray casts and free space: the outer floor's edges and the faces of every
    interior wall piece standing from floor to ceiling (``room_geometry.house_walls``, doorways cut
    out, so the pieces' ends are the jambs). A single room: its footprint, no inner walls."""
    outer = Room.from_spec(spec.room)
    if not spec.rooms:
        return HouseWalls(outer.footprint, outer.height)
    # the exterior walls are the outer floor's edges; of the interior ones, the floor-to-ceiling pieces
    corners = np.array([_rectangle(c, h, yaw) for c, h, yaw in interior_wall_pieces(spec)
                        if c[2] - h[2] < _FLUSH_M and c[2] + h[2] > outer.height - _FLUSH_M]).reshape(-1, 4, 2)
    inner = np.stack([corners, np.roll(corners, -1, axis=1)], axis=2).reshape(-1, 2, 2)
    return HouseWalls(outer.footprint, outer.height, inner)


def _rectangle(centre, half, yaw) -> np.ndarray:
    """(4, 2) corners of a wall piece seen from above."""
    c, s = np.cos(yaw), np.sin(yaw)
    local = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * np.asarray(half[:2], dtype=float)
    return np.asarray(centre[:2], dtype=float) + local @ np.array([[c, s], [-s, c]])


def room_of(points, polys: list[np.ndarray]) -> np.ndarray:
    """(N,) index of the room each XY point lies in (the nearest room for a point in a wall or door)."""
    pts = np.atleast_2d(np.asarray(points, dtype=float))[:, :2]
    out = polygon_index(pts, polys)
    miss = out < 0
    if miss.any():
        gap = np.stack([segment_distances(pts[miss], poly, np.roll(poly, -1, axis=0)).min(axis=1) for poly in polys], axis=1)
        out[miss] = np.argmin(gap, axis=1)
    return out


def hops(n_rooms: int, spec: SceneSpec) -> np.ndarray:
    """(R, R) doorways passed on the shortest way between two rooms (inf: no way)."""
    dist = np.full((n_rooms, n_rooms), np.inf)
    np.fill_diagonal(dist, 0.0)
    for door in doors(spec):
        a, b = door.rooms
        dist[a, b] = dist[b, a] = 1.0
    for k in range(n_rooms):  # Floyd–Warshall: a house has a handful of rooms
        dist = np.minimum(dist, dist[:, k : k + 1] + dist[k : k + 1, :])
    return dist


def door_towards(spec: SceneSpec, here: int, target: int, steps: np.ndarray):
    """(centre of the doorway, room beyond it) out of room ``here`` on a shortest way to ``target``;
    None if ``here`` is the target."""
    for door in doors(spec):
        if here in door.rooms:
            other = door.rooms[1] if door.rooms[0] == here else door.rooms[0]
            if steps[other, target] == steps[here, target] - 1:
                return 0.5 * (np.asarray(door.start, dtype=float) + np.asarray(door.end, dtype=float)), other
    return None


def scan_order(spec: SceneSpec, revisit: int, rng: np.random.Generator | None = None) -> list[int]:
    """Rooms in the order the tour scans them: from each start, always on to the unscanned room fewest
    doorways away (then the nearest by centroid, then the lowest index); of the orders passing the
    fewest doorways the seed picks one. Then ``revisit`` rooms scanned before (the seed picks which,
    never the room just scanned), nearest first. Without ``rng``: the first such order and the
    earliest rooms. PlanningError names rooms no doorway leads to."""
    polys = footprints(spec)
    n = len(polys)
    steps = hops(n, spec)
    if np.isinf(steps).any():
        lost = sorted({int(r) for r in np.argwhere(np.isinf(steps))[:, 1]})
        names = [spec.rooms[r].name for r in lost]
        raise PlanningError(f"house_tour: no doorway leads to room(s) {names}: the door graph is not connected")
    centre = np.array([Room(p, 1.0).centroid() for p in polys])

    def nearest(here: int, left) -> int:
        return min(left, key=lambda r: (steps[here, r], float(np.linalg.norm(centre[here] - centre[r])), r))

    orders = []
    for start in range(n):
        order, left = [start], set(range(n)) - {start}
        while left:
            order.append(nearest(order[-1], left))
            left.discard(order[-1])
        orders.append(order)
    doorways = [sum(steps[a, b] for a, b in zip(o, o[1:])) for o in orders]
    shortest = [o for o, d in zip(orders, doorways) if d == min(doorways)]
    order = shortest[int(rng.integers(len(shortest))) if rng is not None else 0]
    earlier, k = order[:-1], min(revisit, len(order) - 1)
    picks = set(earlier[:k] if rng is None or not k else (int(r) for r in rng.choice(earlier, size=k, replace=False)))
    while picks:
        order.append(nearest(order[-1], picks))
        picks.discard(order[-1])
    return order
