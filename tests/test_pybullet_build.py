"""Room geometry helpers of the pybullet plugin: footprint triangulation and wall placement (pure numpy)."""
from __future__ import annotations

import numpy as np
import pytest

from sim_scenes import l_room
from simgen.geometry import points_in_polygon, polygon_area
from simgen.simulators.pybullet_build import to_wxyz, to_xyzw
from simgen.simulators.room_geometry import WALL_THICKNESS, triangulate, wall_boxes

L_SHAPE = l_room().footprint
U_SHAPE = ((0, 0), (5, 0), (5, 4), (4, 4), (4, 1), (1, 1), (1, 4), (0, 4))
WITH_COLLINEAR = ((0, 0), (2, 0), (4, 0), (4, 3), (0, 3))


def tri_areas(poly, tris):
    p = np.asarray(poly, dtype=float)[tris]
    e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    return 0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])


@pytest.mark.parametrize("poly", [L_SHAPE, U_SHAPE, WITH_COLLINEAR, L_SHAPE[::-1]], ids=["L", "U", "collinear", "cw"])
def test_triangulation_tiles_the_polygon(poly):
    tris = triangulate(poly)
    areas = tri_areas(poly, tris)
    assert (areas > 0).all(), "every triangle counter-clockwise"
    assert areas.sum() == pytest.approx(abs(polygon_area(poly)))
    centroids = np.asarray(poly, dtype=float)[tris].mean(axis=1)
    assert points_in_polygon(centroids, poly).all()


def test_triangulation_rejects_too_few_vertices():
    with pytest.raises(ValueError, match="at least 3"):
        triangulate([(0, 0), (1, 0)])


def inside_any(walls, point, z=1.0) -> bool:
    """Whether a point lies inside one of the (centre, half, yaw) wall boxes."""
    for centre, half, yaw in walls:
        d = np.array([point[0], point[1], z]) - centre
        c, s = np.cos(yaw), np.sin(yaw)
        local = np.array([c * d[0] + s * d[1], -s * d[0] + c * d[1], d[2]])
        if (np.abs(local) <= np.asarray(half) + 1e-9).all():
            return True
    return False


def test_walls_stand_just_outside_each_edge_and_close_convex_corners():
    poly = np.asarray(L_SHAPE, dtype=float)
    walls = wall_boxes(poly, 2.5)
    assert len(walls) == len(poly)
    for i in range(len(poly)):
        a, b = poly[i], poly[(i + 1) % len(poly)]
        d = (b - a) / np.linalg.norm(b - a)
        outward = np.array([d[1], -d[0]])
        mid = (a + b) / 2
        assert inside_any(walls, mid + outward * WALL_THICKNESS / 2)
        assert not inside_any(walls, mid - outward * 0.01), "no wall reaches into the room"
    assert inside_any(walls, (4.0 + 0.05, -0.05)), "convex corner closed"
    assert not inside_any(walls, (2.0 - 0.01, 2.0 - 0.01)), "reflex corner: walls stay out of the room"
    assert all(w[1][2] == 1.25 and w[0][2] == 1.25 for w in walls)


def test_quaternion_order_conversion():
    q = (0.5, 0.5, -0.5, 0.5)
    assert to_xyzw(q) == [0.5, -0.5, 0.5, 0.5]
    assert to_wxyz(to_xyzw(q)) == pytest.approx(q)
    assert to_wxyz([0.0, 0.0, 0.6, -0.8]) == pytest.approx((0.8, 0.0, 0.0, -0.6))  # w ≥ 0 spelling
