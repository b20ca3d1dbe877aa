"""Conventions that a flipped sign would break: Z up, OpenCV camera, yaw wrap, handedness."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simgen import geometry as g
from simgen.types import CameraIntrinsics

K = CameraIntrinsics(320, 240, 200.0, 200.0, 160.0, 120.0).K()


def test_known_point_projects_to_known_pixel():
    # camera at origin looking along world +X: image right = world −Y, image down = world −Z
    T = g.look_at([0, 0, 0], [1, 0, 0])
    uv, z = g.project(K, T, [[2.0, -0.5, 0.25]])
    # x_cam = 0.5 (right), y_cam = −0.25 (up), z_cam = 2 → u = 160 + 200·0.25, v = 120 − 200·0.125
    assert z[0] == pytest.approx(2.0)
    assert uv[0] == pytest.approx([210.0, 95.0])


def test_look_at_axes_are_opencv():
    T = g.look_at([1, 2, 1.5], [4, 2, 1.5])
    R = T[:3, :3]
    assert np.allclose(R.T @ R, np.eye(3)) and np.linalg.det(R) == pytest.approx(1.0)
    assert np.allclose(R[:, 2], [1, 0, 0])  # optical axis forward
    assert np.allclose(R[:, 1], [0, 0, -1])  # image down = world down
    assert np.allclose(R[:, 0], [0, -1, 0])  # image right = world −Y when facing +X (Y is to the left)


def test_point_left_of_camera_projects_left_and_above_projects_up():
    T = g.camera_from_yaw_pitch([0, 0, 1], yaw=np.pi / 2, pitch=0.0)  # facing +Y; left is −X
    uv, _ = g.project(K, T, [[-1.0, 3.0, 1.0], [0.0, 3.0, 2.0]])
    assert uv[0, 0] < 160  # left in the world → left in the image
    assert uv[1, 1] < 120  # higher in the world → higher in the image (smaller v)


def test_inverse_roundtrip():
    T = g.pose_matrix([1, -2, 3], g.quat_from_yaw(0.7)) @ g.pose_matrix([0, 0, 0], (0.9, 0.1, -0.3, 0.2))
    assert np.allclose(g.invert(T) @ T, np.eye(4))
    assert np.allclose(T @ g.invert(T), np.eye(4))


@pytest.mark.parametrize(
    "theta, expected",
    [(np.pi, np.pi), (-np.pi, np.pi), (3 * np.pi, np.pi), (2 * np.pi, 0.0), (np.radians(350), np.radians(-10)),
     (np.radians(-190), np.radians(170)), (0.5, 0.5)],
)
def test_wrap_angle(theta, expected):
    assert g.wrap_angle(theta) == pytest.approx(expected)


def test_yaw_difference_across_pi_is_small():
    # SPRITE's bug: 350° → 10° must be a 20° left turn, not 340°
    assert np.degrees(g.wrap_angle(np.radians(10) - np.radians(350))) == pytest.approx(20.0)


def test_yaw_of_quat_from_yaw_is_counter_clockwise():
    R = g.quat_to_matrix(g.quat_from_yaw(np.pi / 2))
    assert np.allclose(R @ [1, 0, 0], [0, 1, 0])  # +X rotates onto +Y: counter-clockwise seen from +Z
    assert g.yaw_of(R) == pytest.approx(np.pi / 2)


@given(st.lists(st.floats(-1, 1), min_size=4, max_size=4).filter(lambda q: np.linalg.norm(q) > 0.1))
def test_quaternion_roundtrip(q):
    R = g.quat_to_matrix(q)
    assert np.allclose(g.quat_to_matrix(g.matrix_to_quat(R)), R, atol=1e-9)
    assert np.linalg.det(R) == pytest.approx(1.0)


def test_mirroring_scene_swaps_left_and_right_in_camera():
    T = g.look_at([0, 0, 1], [3, 0, 1])
    left_point = np.array([[3.0, 1.0, 1.0]])  # +Y is to the left when facing +X (right-handed, Z up)
    mirrored = left_point * [1, -1, 1]
    x_cam = g.transform_points(g.invert(T), left_point)[0, 0]
    x_cam_m = g.transform_points(g.invert(T), mirrored)[0, 0]
    assert x_cam < 0 < x_cam_m


def test_obb_corners_and_samples_respect_rotation():
    R = g.quat_to_matrix(g.quat_from_yaw(np.pi / 2))
    corners = g.obb_corners([1, 1, 1], [2, 0.5, 0.25], R)
    assert np.allclose(corners.min(0), [0.5, -1, 0.75]) and np.allclose(corners.max(0), [1.5, 3, 1.25])
    samples = g.obb_samples([0, 0, 0], [1, 1, 1], np.eye(3), n=3)
    assert samples.shape == (27, 3) and np.allclose(samples.mean(0), 0)


def test_polygons():
    L = [(0, 0), (4, 0), (4, 2), (2, 2), (2, 4), (0, 4)]
    assert g.polygon_area(L) == pytest.approx(12.0)
    assert g.points_in_polygon([[1, 1], [3, 3], [1, 3]], L).tolist() == [True, False, True]
    hull = g.convex_hull_2d([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5]])
    assert len(hull) == 4 and g.polygon_area(hull) == pytest.approx(1.0)
    a = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)
    assert g.convex_polygons_overlap(a, a + 0.5)
    assert not g.convex_polygons_overlap(a, a + [1.2, 0])
    assert g.convex_polygons_overlap(a, a + [1.2, 0], margin=0.3)
