"""habitat (Y-up, −Z forward) ↔ simgen (Z-up) conversion: axes, signs, cameras, floor offset, boxes."""
import math

import numpy as np
import pytest

from simgen.geometry import matrix_to_quat, quat_to_matrix, yaw_of
from simgen.simulators import habitat_frames as hf
from simgen.types import CameraIntrinsics


def test_axes_map_forward_up_right():
    assert np.allclose(hf.to_world([0.0, 0.0, -1.0]), [0, 1, 0])  # habitat forward (−Z) → +Y
    assert np.allclose(hf.to_world([0.0, 1.0, 0.0]), [0, 0, 1])  # up → up
    assert np.allclose(hf.to_world([1.0, 0.0, 0.0]), [1, 0, 0])  # right stays right
    assert np.linalg.det(hf.M_HABITAT) == pytest.approx(1.0)  # both right-handed: a proper rotation


def test_handedness_trap_right_stays_right():
    # habitat viewer facing −Z with +Y up has +X on the right (right-handed: right = forward × up).
    forward_h, up_h = np.array([0.0, 0.0, -1.0]), np.array([0.0, 1.0, 0.0])
    assert np.allclose(np.cross(forward_h, up_h), [1, 0, 0])
    forward, up = hf.to_world(forward_h), hf.to_world(up_h)
    assert np.dot(np.cross(forward, up), hf.to_world([1.0, 0.0, 0.0])) > 0


def test_origin_y_lifts_the_floor_and_round_trips():
    p = np.array([[0.5, -1.3, 2.0], [1.0, 0.2, -4.0]])
    w = hf.to_world(p, origin_y=-1.3)
    assert w[0, 2] == pytest.approx(0.0) and w[1, 2] == pytest.approx(1.5)
    assert np.allclose(hf.to_habitat(w, origin_y=-1.3), p)


def test_default_sensor_looks_along_habitat_forward():
    T = hf.camera_pose([0.0, 1.5, 0.0], (1.0, 0.0, 0.0, 0.0))
    assert np.allclose(T[:3, 2], [0, 1, 0])  # optical axis = habitat −Z = simgen +Y
    assert np.allclose(T[:3, 0], [1, 0, 0])  # image right
    assert np.allclose(T[:3, 1], [0, 0, -1])  # image down
    assert np.allclose(T[:3, 3], [0, 0, 1.5])


def test_positive_yaw_turns_left_and_negative_pitch_looks_down():
    yaw = (math.cos(math.radians(15)), 0.0, math.sin(math.radians(15)), 0.0)  # +30° about habitat +Y
    T = hf.camera_pose([0, 1, 0], yaw)
    assert T[0, 2] < 0  # counter-clockwise from above: the view swings towards −X (left)
    assert math.degrees(math.atan2(T[1, 2], T[0, 2])) == pytest.approx(120.0)
    pitch = (math.cos(math.radians(-10)), math.sin(math.radians(-10)), 0.0, 0.0)  # −20° about +X
    assert hf.camera_pose([0, 1, 0], pitch)[2, 2] == pytest.approx(-math.sin(math.radians(20)))


def test_sensor_pose_inverts_camera_pose():
    q = tuple(np.array([0.9, 0.2, -0.3, 0.25]) / np.linalg.norm([0.9, 0.2, -0.3, 0.25]))
    T = hf.camera_pose([1.0, 0.7, -2.0], q, origin_y=0.4)
    position, R = hf.sensor_pose(T, origin_y=0.4)
    assert np.allclose(position, [1.0, 0.7, -2.0]) and np.allclose(R, quat_to_matrix(q))
    assert np.allclose(hf.camera_pose(position, matrix_to_quat(R), 0.4), T)


def test_hfov_and_intrinsics_agree():
    K = hf.intrinsics_from_hfov(32, 24, 70.0)
    assert hf.hfov_deg(K) == pytest.approx(70.0) and K.fx == K.fy and (K.cx, K.cy) == (16.0, 12.0)
    with pytest.raises(ValueError, match="fx = fy"):
        hf.hfov_deg(CameraIntrinsics(32, 24, 20.0, 22.0, 16.0, 12.0))


def test_obb_axes_are_the_objects_frame_converted_like_the_world():
    a = math.radians(40.0)  # yaw about habitat +Y, counter-clockwise from above
    obj = {"id": "x", "obb": {"center": [1.0, 0.5, -2.0], "sizes": [0.6, 1.0, 0.4],
                              "rotation_xyzw": [0.0, math.sin(a / 2), 0.0, math.cos(a / 2)]}}
    box = hf.object_box(obj)
    assert box.source == "oriented"
    assert np.allclose(box.center, [1.0, 2.0, 0.5])
    assert np.allclose(box.half, [0.3, 0.2, 0.5])  # local x, local −Z (front), local up
    assert math.degrees(yaw_of(box.R)) == pytest.approx(40.0)  # counter-clockwise stays counter-clockwise
    assert np.allclose(box.R[:, 2], [0, 0, 1])


def test_missing_obb_falls_back_to_the_aabb():
    box = hf.object_box({"id": "t", "obb": None, "aabb": {"center": [0.0, 0.375, -3.0], "sizes": [1.0, 0.75, 0.6]}},
                        origin_y=0.375)
    assert box.source == "axis_aligned"
    assert np.allclose(box.center, [0.0, 3.0, 0.0]) and np.allclose(box.half, [0.5, 0.3, 0.375])
    with pytest.raises(ValueError, match="'t'|t:"):
        hf.object_box({"id": "t", "obb": None, "aabb": None})


def test_semantic_ids_and_depth():
    ids = hf.instance_ids(np.array([[0, 3], [7, 99]], dtype=np.uint32), {3: 1, 7: 2})
    assert ids.tolist() == [[0, 1], [2, 0]] and ids.dtype == np.uint16
    d = hf.depth_metres(np.array([[0.0, 2.5]]))
    assert np.isinf(d[0, 0]) and d[0, 1] == pytest.approx(2.5)
