"""Closest-point distance between oriented boxes: exact hand cases, symmetry, tilted boxes."""
import numpy as np
import pytest

from simgen.geometry import obb_samples, quat_from_yaw, quat_to_matrix
from simgen.qa import boxes

I3 = np.eye(3)
UNIT = np.array([0.5, 0.5, 0.5])


def yaw(deg):
    return quat_to_matrix(quat_from_yaw(np.radians(deg)))


def rot_x(deg):
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(deg):
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def d(c1, h1, R1, c2, h2, R2):
    return boxes.box_distance(np.asarray(c1, float), np.asarray(h1, float), R1, np.asarray(c2, float), np.asarray(h2, float), R2)


def test_separated_along_x():
    assert d([0, 0, 0], UNIT, I3, [3, 0, 0], UNIT, I3) == pytest.approx(2.0)


def test_diagonal_corners():
    # corner (0.5, 0.5, 0.5) to corner (1.5, 1.5, 1.5): sqrt(3)
    assert d([0, 0, 0], UNIT, I3, [2, 2, 2], UNIT, I3) == pytest.approx(np.sqrt(3))


def test_overlapping_and_touching_are_zero():
    assert d([0, 0, 0], UNIT, I3, [0.3, 0.2, 0], UNIT, I3) == 0.0
    assert d([0, 0, 0], UNIT, I3, [1.0, 0, 0], UNIT, I3) == pytest.approx(0.0, abs=1e-12)


def test_rotated_45_degrees_about_z():
    # a unit cube yawed 45° reaches x = √2/2 from its centre: gap to a cube 2 m away on x is 2 − 0.5 − 0.7071
    assert d([0, 0, 0], UNIT, I3, [2, 0, 0], UNIT, yaw(45)) == pytest.approx(2 - 0.5 - np.sqrt(0.5))


def test_stacked_vertically():
    assert d([0, 0, 0], UNIT, I3, [0, 0, 1.5], UNIT, yaw(30)) == pytest.approx(0.5)
    assert d([0, 0, 0], UNIT, I3, [0, 0, 1.0], UNIT, yaw(30)) == pytest.approx(0.0, abs=1e-12)  # resting on it


def test_vertical_and_horizontal_gaps_combine():
    # x gap 1, z gap 1 (prisms): sqrt(2)
    assert d([0, 0, 0], UNIT, I3, [2, 0, 2], UNIT, yaw(0)) == pytest.approx(np.sqrt(2))


def test_tilted_box_by_convex_solver():
    # cube tilted 45° about x hangs an edge down to z = 2 − √2/2 above a cube whose top is at 0.5
    assert d([0, 0, 0], UNIT, I3, [0, 0, 2], UNIT, rot_x(45)) == pytest.approx(1.5 - np.sqrt(0.5), abs=1e-4)


def test_box_lying_on_its_side_is_exact_prism():
    # rotated 90° about x, the local y axis is vertical: still handled exactly (and agrees with the solver)
    h = np.array([0.5, 0.2, 0.3])
    exact = d([0, 0, 0], UNIT, I3, [2, 0.4, 0], h, rot_x(90))
    solver = boxes.general_distances(np.zeros((1, 3)), UNIT[None], I3[None], np.array([[2, 0.4, 0]]), h[None], rot_x(90)[None])[0]
    assert exact == pytest.approx(1.0) and solver == pytest.approx(1.0, abs=1e-4)


def test_symmetric_and_matches_dense_sampling_for_random_tilted_boxes():
    rng = np.random.default_rng(3)
    for _ in range(10):
        R1 = rot_x(rng.uniform(0, 180)) @ rot_y(rng.uniform(0, 180))
        R2 = rot_y(rng.uniform(0, 180)) @ rot_x(rng.uniform(0, 180))
        h1, h2, c2 = rng.uniform(0.1, 0.8, 3), rng.uniform(0.1, 0.8, 3), rng.uniform(-2.5, 2.5, 3)
        ab = d([0, 0, 0], h1, R1, c2, h2, R2)
        ba = d(c2, h2, R2, [0, 0, 0], h1, R1)
        assert ab == pytest.approx(ba, abs=1e-4)
        # exact distance from dense samples of box 1 to box 2: an upper bound within the sampling step
        samples = obb_samples([0, 0, 0], h1, R1, n=30)
        brute = np.linalg.norm(np.maximum(np.abs((samples - c2) @ R2) - h2, 0.0), axis=1).min()
        assert ab <= brute + 1e-4
        assert brute - ab < 0.04  # a face point is within √2·(0.8/29) m of a grid sample


def test_pairwise_matrix_is_symmetric_with_zero_diagonal():
    c = np.array([[0, 0, 0], [3, 0, 0], [0, 0, 2]], float)
    h = np.tile(UNIT, (3, 1))
    R = np.stack([I3, yaw(45), rot_x(45)])
    D = boxes.pairwise_distances(c, h, R)
    assert np.allclose(D, D.T) and np.all(np.diag(D) == 0)
    assert D[0, 1] == pytest.approx(3 - 0.5 - np.sqrt(0.5))
    assert D[0, 2] == pytest.approx(1.5 - np.sqrt(0.5), abs=1e-4)


def test_point_box_distances():
    c = np.array([[0, 0, 0], [5, 0, 0]], float)
    h = np.tile(UNIT, (2, 1))
    R = np.stack([I3, yaw(45)])
    out = boxes.point_box_distances([2, 0, 0], c, h, R)
    assert out == pytest.approx([1.5, 3 - np.sqrt(0.5)])
    assert boxes.point_box_distances([0.1, 0.1, 0.1], c[:1], h[:1], R[:1])[0] == 0.0


def test_footprints_of_upright_boxes_are_their_rectangles_and_match_the_hull():
    from simgen.geometry import obb_footprint, polygon_area, quat_from_yaw, quat_to_matrix
    from simgen.geometry import polygon_separation as footprint_separation
    from simgen.qa.boxes import footprints

    R = np.array([quat_to_matrix(quat_from_yaw(y)) for y in (0.0, 0.7)])
    centres, halves = np.array([[0.0, 0.0, 0.5], [3.0, 1.0, 0.2]]), np.array([[1.0, 0.5, 0.5], [0.3, 0.2, 0.2]])
    for poly, c, h, r in zip(footprints(centres, halves, R), centres, halves, R):
        assert abs(polygon_area(poly)) == pytest.approx(4 * h[0] * h[1])
        assert abs(polygon_area(poly)) == pytest.approx(abs(polygon_area(obb_footprint(c, h, r))))
    a, b = footprints(centres, halves, np.array([np.eye(3)] * 2))
    # along x: a spans −1..1, b 2.7..3.3 → 1.7 m apart; overlapping squares give the penetration depth
    assert footprint_separation(a, b) == pytest.approx(1.7)
    # a copy shifted 0.5 m along x overlaps it 1.5 m along x and 1 m along y: 1 m apart along y separates them
    assert footprint_separation(a, a + [0.5, 0.0]) == pytest.approx(-1.0)
