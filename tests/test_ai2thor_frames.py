"""Unity (AI2-THOR) ↔ simgen frame conversion and the shared adapter helpers: signs, orders, handedness."""
import itertools

import numpy as np
import pytest

from simgen.geometry import quat_to_matrix
from simgen.simulators import ai2thor_frames as uf
from simgen.simulators.metadata_boxes import (
    canonical_box,
    category_from_type,
    depth_or_inf,
    fit_box,
    ids_from_codes,
    object_names,
    rgb_code,
    rgb_codes,
)
from simgen.types import CameraIntrinsics


def test_swap_maps_unity_axes_to_simgen_axes():
    right, up, forward = np.eye(3)  # Unity +X, +Y, +Z
    assert np.allclose(uf.to_world(right), [1, 0, 0])
    assert np.allclose(uf.to_world(up), [0, 0, 1])  # Unity up is simgen up
    assert np.allclose(uf.to_world(forward), [0, 1, 0])
    assert np.allclose(uf.to_unity(uf.to_world([1.0, 2.0, 3.0])), [1, 2, 3])
    assert np.linalg.det(uf.M_UNITY) == pytest.approx(-1.0)  # the handedness flip


def test_handedness_trap_right_stays_right():
    # A Unity viewer facing +Z has +X on the right. After conversion the viewer faces +Y (up +Z):
    # the right-hand side is forward × up, and a point at Unity +X must be there, not on the left.
    forward, up = uf.to_world([0, 0, 1]), uf.to_world([0, 1, 0])
    right_side = np.cross(forward, up)
    assert np.dot(right_side, uf.to_world([1.0, 0.0, 0.0])) > 0
    assert np.dot(right_side, uf.to_world([-1.0, 0.0, 0.0])) < 0


def test_euler_signs_follow_unity():
    f = np.array([0.0, 0.0, 1.0])
    assert np.allclose(uf.euler_matrix((0, 90, 0)) @ f, [1, 0, 0])  # +yaw turns forward to the right
    assert np.allclose(uf.euler_matrix((90, 0, 0)) @ f, [0, -1, 0])  # +pitch (horizon) looks down
    assert np.allclose(uf.euler_matrix((0, 0, 90)) @ [1.0, 0, 0], [0, 1, 0])  # +roll turns right towards up
    assert np.allclose(uf.euler_matrix({"x": 0, "y": 90, "z": 0}), uf.euler_matrix((0, 90, 0)))


def test_euler_order_is_z_then_x_then_y():
    x, y, z = 20.0, -35.0, 50.0
    composed = uf.euler_matrix((0, y, 0)) @ uf.euler_matrix((x, 0, 0)) @ uf.euler_matrix((0, 0, z))
    assert np.allclose(uf.euler_matrix((x, y, z)), composed)
    assert not np.allclose(uf.euler_matrix((x, y, z)), uf.euler_matrix((0, 0, z)) @ uf.euler_matrix((x, 0, 0))
                           @ uf.euler_matrix((0, y, 0)))


@pytest.mark.parametrize("euler", [(0, 0, 0), (10, 20, 30), (-45, 170, -5), (89, -120, 0), (30, 180, 0),
                                   (-30, -179, 12)])
def test_matrix_euler_round_trip(euler):
    back = uf.matrix_euler(uf.euler_matrix(euler))
    assert np.allclose(uf.euler_matrix(back), uf.euler_matrix(euler), atol=1e-9)
    assert np.allclose(back, euler, atol=1e-9)


@pytest.mark.parametrize("pitch", [90.0, -90.0])
def test_matrix_euler_gimbal_lock_keeps_the_rotation(pitch):
    R = uf.euler_matrix((pitch, 40.0, 25.0))
    assert np.allclose(uf.euler_matrix(uf.matrix_euler(R)), R, atol=1e-9)


def test_camera_pose_axes():
    T = uf.camera_pose({"x": 1.0, "y": 1.5, "z": -2.0}, {"x": 0, "y": 0, "z": 0})
    assert np.allclose(T[:3, 3], [1.0, -2.0, 1.5])
    assert np.allclose(T[:3, 0], [1, 0, 0])  # image right = world +X
    assert np.allclose(T[:3, 1], [0, 0, -1])  # image down = world −Z
    assert np.allclose(T[:3, 2], [0, 1, 0])  # optical axis = Unity forward = world +Y
    assert np.linalg.det(T[:3, :3]) == pytest.approx(1.0)


def test_camera_pose_yaw_and_horizon():
    T = uf.agent_camera_pose((0, 1.5, 0), yaw_deg=90.0, horizon_deg=30.0)
    axis = T[:3, 2]
    assert axis[0] > 0.8 and abs(axis[1]) < 1e-9  # yaw 90 in Unity faces +X
    assert axis[2] == pytest.approx(-0.5)  # horizon 30 looks 30° down
    assert T[2, 1] < 0  # image down still points down-ish in the world


@pytest.mark.parametrize("euler", [(0, 0, 0), (25, 330, 0), (-10, 45, 15), (60, -100, -30)])
def test_unity_camera_round_trip(euler):
    T = uf.camera_pose((0.5, 1.2, -3.0), euler)
    position, rotation = uf.unity_camera(T)
    assert np.allclose(uf.camera_pose(position, rotation), T, atol=1e-9)


def test_teleport_pose_inverts_agent_camera():
    T = uf.agent_camera_pose((1.0, 1.575, 2.0), yaw_deg=-60.0, horizon_deg=15.0)
    args = uf.teleport_pose(T, camera_offset_y=0.675)
    assert args["x"] == pytest.approx(1.0) and args["z"] == pytest.approx(2.0) and args["y"] == pytest.approx(0.9)
    assert args["rotation"]["y"] == pytest.approx(-60.0) and args["horizon"] == pytest.approx(15.0)
    with pytest.raises(ValueError, match="roll"):
        uf.teleport_pose(uf.camera_pose((0, 1, 0), (0, 0, 10)), 0.675)


def test_vertical_fov_of_intrinsics():
    assert uf.vertical_fov_deg(CameraIntrinsics.from_vfov(32, 24, 60.0)) == pytest.approx(60.0)
    with pytest.raises(ValueError, match="fx = fy"):
        uf.vertical_fov_deg(CameraIntrinsics(32, 24, 20.0, 25.0, 16.0, 12.0))
    with pytest.raises(ValueError, match="centred"):
        uf.vertical_fov_deg(CameraIntrinsics(32, 24, 20.0, 20.0, 15.0, 12.0))


def _box_corners(center, half, R):
    signs = np.array(list(itertools.product((-1, 1), repeat=3)), dtype=float)
    return center + (signs * half) @ R.T


def test_fit_box_recovers_a_rotated_box_from_shuffled_corners():
    R = quat_to_matrix((0.9, 0.1, -0.3, 0.2))
    center, half = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.1, 0.45])
    pts = np.random.default_rng(0).permutation(_box_corners(center, half, R))
    c, h, Rf = fit_box(pts)
    assert np.allclose(c, center)
    h2, R2 = canonical_box(h, Rf, hint=R)  # same box, axes ordered like the truth
    assert np.allclose(h2, half) and np.allclose(R2, R)
    assert np.linalg.det(Rf) == pytest.approx(1.0)


def test_fit_box_refuses_what_is_not_a_box():
    pts = _box_corners(np.zeros(3), np.array([0.5, 0.5, 0.5]), np.eye(3))
    bent = pts.copy()
    bent[3] += [0.0, 0.0, 0.05]
    assert fit_box(bent) is None
    assert fit_box(pts[:7]) is None


def test_fit_box_flat_box():
    pts = _box_corners(np.array([0, 0, 1.0]), np.array([0.4, 0.2, 0.0]), np.eye(3))
    _, h, R = fit_box(pts)
    assert np.allclose(sorted(h), [0.0, 0.2, 0.4]) and np.linalg.det(R) == pytest.approx(1.0)


def test_canonical_box_without_hint_puts_the_vertical_axis_last():
    R = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # box axis 1 is world z
    h, R2 = canonical_box([0.1, 0.9, 0.3], R)
    assert np.allclose(R2, np.eye(3)) and np.allclose(h, [0.3, 0.1, 0.9])


def test_canonical_box_follows_a_hint_reached_by_an_odd_permutation():
    hint = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])  # axes y, z swapped, one negated
    h, R = canonical_box([0.1, 0.2, 0.3], np.eye(3), hint)
    assert np.allclose(R, hint) and np.allclose(h, [0.1, 0.3, 0.2])


def test_canonical_box_keeps_a_proper_rotation():
    hint = np.diag([1.0, 1.0, -1.0])  # an improper "hint": the result must still have det +1
    h, R = canonical_box([0.1, 0.2, 0.3], np.eye(3), hint)
    assert np.linalg.det(R) == pytest.approx(1.0) and np.allclose(h, [0.1, 0.2, 0.3])


def test_ids_from_codes_and_rgb_codes():
    rgb = np.array([[[1, 2, 3], [0, 0, 0]], [[1, 2, 3], [9, 9, 9]]], dtype=np.uint8)
    ids = ids_from_codes(rgb_codes(rgb), {rgb_code((1, 2, 3)): 7, rgb_code((9, 9, 9)): 2})
    assert ids.dtype == np.uint16 and ids.tolist() == [[7, 0], [7, 2]]


@pytest.mark.parametrize("name, category", [("TVStand", "tv stand"), ("CoffeeTable", "coffee table"),
                                            ("HousePlant", "house plant"), ("Floor", "floor"), ("CD", "cd"),
                                            ("chair", "chair"), ("kitchen_cabinet", "kitchen cabinet")])
def test_category_from_type(name, category):
    assert category_from_type(name) == category


def test_object_names_count_per_category():
    assert object_names(["chair", "coffee table", "chair"]) == ["chair_1", "coffee_table_1", "chair_2"]


def test_depth_or_inf():
    d = depth_or_inf(np.array([[0.0, 1.5], [np.nan, -1.0]]))
    assert d.dtype == np.float32 and d[0, 1] == pytest.approx(1.5) and np.isinf(d[0, 0]) and np.isinf(d[1]).all()
