"""Backend-neutral geometry every simulator builds rooms and objects from, so that pybullet,
MuJoCo, the Blender renderer and any later backend produce the same floor, walls, ceiling and mass split.

A house's walls (:func:`house_walls`) are cut from a grid whose lines are every coordinate the plan
names (outer floor ± wall thickness, room footprints, opening ends): each cell is exterior wall,
interior wall or floor, each wall cell holds the heights its openings leave solid, and neighbouring
cells of the same heights merge into boxes. Pieces therefore never overlap and corners close.
"""
from __future__ import annotations

import numpy as np

from simgen.geometry import points_in_polygon, polygon_area
from simgen.types import ObjectSpec, Part, SceneSpec

WALL_THICKNESS = 0.1  # m; walls stand just outside the footprint so their inner faces lie on its edges
CEILING_RGBA = (0.93, 0.93, 0.9, 1.0)
_EPS = 1e-12
_SNAP = 6  # decimals: plan coordinates that agree to a micrometre are one grid line


def triangulate(polygon) -> np.ndarray:
    """Triangles (M, 3) of vertex indices covering a simple polygon (ear clipping), each counter-clockwise."""
    pts = np.asarray(polygon, dtype=float)
    if len(pts) < 3:
        raise ValueError(f"polygon needs at least 3 vertices, got {len(pts)}")
    idx = list(range(len(pts)))
    if polygon_area(pts) < 0:
        idx.reverse()
    tris: list[tuple[int, int, int]] = []
    while len(idx) > 3:
        for k in range(len(idx)):
            a, b, c = idx[k - 1], idx[k], idx[(k + 1) % len(idx)]
            turn = _cross(pts[a], pts[b], pts[c])
            if abs(turn) <= _EPS:  # collinear vertex: drop it, no triangle needed
                idx.pop(k)
                break
            if turn > 0 and not any(_in_triangle(pts[i], pts[a], pts[b], pts[c]) for i in idx if i not in (a, b, c)):
                tris.append((a, b, c))
                idx.pop(k)
                break
        else:
            raise ValueError("polygon is not simple (no ear left to clip); check the vertex order")
    if abs(_cross(*pts[idx])) > _EPS:
        tris.append(tuple(idx))
    return np.array(tris, dtype=int).reshape(-1, 3)


def _cross(o, a, b) -> float:
    return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))


def _in_triangle(p, a, b, c) -> bool:
    """Inside or on the boundary of the counter-clockwise triangle abc."""
    return _cross(a, b, p) >= 0 and _cross(b, c, p) >= 0 and _cross(c, a, p) >= 0


def wall_boxes(poly, height: float) -> list[tuple[list[float], list[float], float]]:
    """(centre, half extents, yaw) of one wall per edge of a counter-clockwise polygon.

    Each wall lies outside its edge; at convex corners it is lengthened by the wall thickness so
    neighbouring walls close the corner (at reflex corners that would poke into the room).
    """
    poly = np.asarray(poly, dtype=float)
    n, t = len(poly), WALL_THICKNESS
    convex = [_cross(poly[i - 1], poly[i], poly[(i + 1) % n]) > 0 for i in range(n)]
    walls = []
    for i in range(n):
        p0, p1 = poly[i], poly[(i + 1) % n]
        length = float(np.linalg.norm(p1 - p0))
        if length < 1e-9:
            continue
        d = (p1 - p0) / length
        outward = np.array([d[1], -d[0]])  # right of the direction of travel = outside (CCW)
        ext0, ext1 = t * convex[i], t * convex[(i + 1) % n]
        mid = (p0 + p1) / 2 + d * (ext1 - ext0) / 2 + outward * t / 2
        half = [length / 2 + (ext0 + ext1) / 2, t / 2, height / 2]
        walls.append(([float(mid[0]), float(mid[1]), height / 2], half, float(np.arctan2(d[1], d[0]))))
    return walls


def house_walls(spec: SceneSpec) -> list[tuple[list[float], list[float], float]]:
    """(centre, half extents, yaw) of every wall piece of ``spec``, as :func:`wall_boxes` gives them.

    A single room (``spec.rooms == ()``) gets exactly ``wall_boxes`` of its counter-clockwise footprint.
    A house gets exterior walls (``WALL_THICKNESS`` outside ``spec.room.footprint``) and interior walls
    (the gaps between room footprints), with each opening of ``spec.openings`` cut out: a doorway leaves
    the header above it, a window a sill below and a header above. Local x runs along a piece's longer
    side (yaw 0 or π/2). The plan must be axis-aligned (ValueError naming the polygon otherwise).
    """
    poly = np.asarray(spec.room.footprint, dtype=float)
    if polygon_area(poly) < 0:
        poly = poly[::-1]
    if not spec.rooms:
        return wall_boxes(poly, spec.room.height)
    rooms = [np.asarray(r.footprint, dtype=float) for r in spec.rooms]
    for name, p in [("room.footprint", poly)] + [(f"rooms[{k}] ({r.name})", rooms[k]) for k, r in enumerate(spec.rooms)]:
        if np.any(np.min(np.abs(np.roll(p, -1, axis=0) - p), axis=1) > 1e-6):
            raise ValueError(f"scene {spec.scene_id}: {name} has an edge that is not axis-aligned; house walls "
                             "need an axis-aligned plan")
    t, height = WALL_THICKNESS, spec.room.height
    xs = [poly[:, 0], poly[:, 0] - t, poly[:, 0] + t, *(r[:, 0] for r in rooms)]
    ys = [poly[:, 1], poly[:, 1] - t, poly[:, 1] + t, *(r[:, 1] for r in rooms)]
    for o in spec.openings:  # the ends of an opening are grid lines along its wall
        along = 0 if abs(o.end[0] - o.start[0]) >= abs(o.end[1] - o.start[1]) else 1
        (xs if along == 0 else ys).append(np.array([o.start[along], o.end[along]]))
    xs, ys = (np.unique(np.round(np.concatenate(v), _SNAP)) for v in (xs, ys))
    cx, cy = np.meshgrid((xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2)
    centres = np.c_[cx.ravel(), cy.ravel()]
    inside = points_in_polygon(centres, poly)
    wall = inside & ~np.any([points_in_polygon(centres, r) for r in rooms], axis=0)
    wall |= ~inside & _near_polygon(centres, poly, t)
    solid: list = [((0.0, height),) if w else () for w in wall]
    for k, o in enumerate(spec.openings):
        cut = wall & _on_segment(centres, np.asarray(o.start, float), np.asarray(o.end, float), t / 2)
        if not cut.any():
            raise ValueError(f"scene {spec.scene_id}: openings[{k}] ({o.kind} {o.start}→{o.end}) lies on no wall's "
                             "centre line")
        for i in np.flatnonzero(cut):
            solid[i] = _subtract(solid[i], o.bottom, o.top)
    grid = np.empty(len(solid), dtype=object)
    for i, spans in enumerate(solid):  # one by one: numpy would read equal tuples as an array's extra axes
        grid[i] = spans
    boxes = []
    for (i0, i1, j0, j1), spans in _merge(grid.reshape(cx.shape)):
        x0, x1, y0, y1 = xs[i0], xs[i1], ys[j0], ys[j1]
        hx, hy = (x1 - x0) / 2, (y1 - y0) / 2
        (ax, ay), yaw = ((hx, hy), 0.0) if hx >= hy else ((hy, hx), float(np.pi / 2))
        for z0, z1 in spans:  # rounded to 1e-9 m: no float dust (0.04999999999999982) in sizes
            centre = [round(float(v), 9) for v in ((x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 2)]
            boxes.append((centre, [round(float(v), 9) for v in (ax, ay, (z1 - z0) / 2)], yaw))
    return boxes


def interior_wall_pieces(spec: SceneSpec) -> list[tuple[list[float], list[float], float]]:
    """The pieces of :func:`house_walls` between a house's rooms (centres inside the outer floor; the
    exterior walls stand outside it), headers and sills included; none for a single room."""
    if not spec.rooms:
        return []
    pieces = house_walls(spec)
    inside = points_in_polygon(np.array([c[:2] for c, _, _ in pieces]).reshape(-1, 2), spec.room.footprint)
    return [piece for piece, keep in zip(pieces, inside) if keep]


def _near_polygon(points: np.ndarray, poly: np.ndarray, t: float) -> np.ndarray:
    """Points within L∞ distance ``t`` of an axis-aligned polygon: inside one of its grid cells grown by ``t``
    (the square corners a wall ring closes with)."""
    gx, gy = np.unique(poly[:, 0]), np.unique(poly[:, 1])
    mx, my = np.meshgrid((gx[:-1] + gx[1:]) / 2, (gy[:-1] + gy[1:]) / 2)
    keep = points_in_polygon(np.c_[mx.ravel(), my.ravel()], poly).reshape(mx.shape)
    out = np.zeros(len(points), dtype=bool)
    for j, i in zip(*np.nonzero(keep)):
        out |= ((points[:, 0] > gx[i] - t) & (points[:, 0] < gx[i + 1] + t)
                & (points[:, 1] > gy[j] - t) & (points[:, 1] < gy[j + 1] + t))
    return out


def _on_segment(points: np.ndarray, a: np.ndarray, b: np.ndarray, across: float) -> np.ndarray:
    """Points strictly between the ends of segment a→b and within ``across`` (+1 µm) of its line."""
    d = b - a
    length = float(np.linalg.norm(d))
    if length < 1e-9:
        return np.zeros(len(points), dtype=bool)
    d = d / length
    rel = points - a
    s = rel @ d
    return (s > 0.0) & (s < length) & (np.abs(rel[:, 0] * d[1] - rel[:, 1] * d[0]) <= across + 1e-6)


def _subtract(spans: tuple, bottom: float, top: float) -> tuple:
    """Solid height intervals left after cutting (bottom, top) out of ``spans``."""
    out = []
    for z0, z1 in spans:
        for lo, hi in ((z0, min(z1, bottom)), (max(z0, top), z1)):
            if hi - lo > 1e-6:
                out.append((float(lo), float(hi)))
    return tuple(out)


def _merge(cells: np.ndarray) -> list[tuple[tuple[int, int, int, int], tuple]]:
    """Rectangles ((i0, i1, j0, j1) grid-line indices, spans) covering the non-empty cells of an (ny, nx)
    grid exactly once, each of equal spans: runs along rows stacked across rows, or the transpose, whichever
    gives fewer pieces."""
    def runs_then_stack(grid):
        done, open_ = [], {}
        for j, row in enumerate(grid):
            here = {}
            i = 0
            while i < len(row):
                if not row[i]:
                    i += 1
                    continue
                k = i
                while k + 1 < len(row) and row[k + 1] == row[i]:
                    k += 1
                key = (i, k + 1, row[i])
                here[key] = open_.pop(key, j)
                i = k + 1
            done += [(i0, i1, j0, j, s) for (i0, i1, s), j0 in open_.items()]
            open_ = here
        done += [(i0, i1, j0, len(grid), s) for (i0, i1, s), j0 in open_.items()]
        return done

    rows = [((i0, i1, j0, j1), s) for i0, i1, j0, j1, s in runs_then_stack(cells)]
    cols = [((i0, i1, j0, j1), s) for j0, j1, i0, i1, s in runs_then_stack(cells.T)]
    return sorted(rows if len(rows) <= len(cols) else cols)


def part_volume(part: Part, obj: ObjectSpec) -> float:
    """Volume (m³) used to share an object's mass among its parts (a mesh counts as the whole box)."""
    sx, sy, sz = part.size
    if part.shape == "box":
        return 8.0 * sx * sy * sz
    if part.shape == "cylinder":
        return np.pi * sx * sx * 2.0 * sz
    if part.shape == "sphere":
        return 4.0 / 3.0 * np.pi * sx**3
    return float(8.0 * np.prod(obj.half_extents))
