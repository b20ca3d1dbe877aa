"""Backend-neutral geometry every simulator builds rooms and objects from, so that pybullet,
MuJoCo and any later backend produce the same floor, walls, ceiling and mass split.
"""
from __future__ import annotations

import numpy as np

from simgen.geometry import polygon_area
from simgen.types import ObjectSpec, Part

WALL_THICKNESS = 0.1  # m; walls stand just outside the footprint so their inner faces lie on its edges
CEILING_RGBA = (0.93, 0.93, 0.9, 1.0)
_EPS = 1e-12


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
