"""Ray/box slab test, wall hits, segment occlusion and vectorised camera poses."""
import numpy as np
import pytest

from simgen.geometry import camera_from_yaw_pitch, quat_from_yaw, quat_to_matrix
from simgen.trajectories.planning_geometry import Boxes, Room, camera_poses, yaw_pitch_towards
from simgen.trajectories.raycast import first_box_hit, first_wall_hit, ray_box_intervals, segments_clear
from simgen.types import RoomSpec
from test_traj_scenes import L_SHAPE, RECT


def boxes(*specs) -> Boxes:
    """Boxes from (center, half, yaw) triples."""
    return Boxes(
        ids=np.arange(1, len(specs) + 1),
        names=tuple(f"b{i}" for i in range(len(specs))),
        centers=np.array([s[0] for s in specs], dtype=float),
        halves=np.array([s[1] for s in specs], dtype=float),
        rotations=np.array([quat_to_matrix(quat_from_yaw(s[2])) for s in specs]),
    )


def test_slab_axis_aligned_box():
    b = boxes(((0, 0, 0), (1, 1, 1), 0.0))
    t0, t1 = ray_box_intervals(np.array([[-5.0, 0, 0]]), np.array([[1.0, 0, 0]]), b.centers, b.halves, b.rotations)
    assert t0[0, 0] == pytest.approx(4.0) and t1[0, 0] == pytest.approx(6.0)


def test_slab_rotated_box_uses_the_rotation_not_its_inverse():
    # thin box (half 1 × 0.1) yawed +45°: a ray along +x at y = 0.5 crosses its thin slab at
    # x ∈ 0.5 ± 0.1·√2; with the rotation inverted it would cross at x ∈ -0.5 ± 0.1·√2
    b = boxes(((0, 0, 0), (1, 0.1, 1), np.pi / 4))
    t = first_box_hit(np.array([[-5.0, 0.5, 0]]), np.array([[1.0, 0, 0]]), b)
    assert t[0] == pytest.approx(5.0 + 0.5 - 0.1 * np.sqrt(2))


def test_slab_ray_parallel_to_faces():
    b = boxes(((0, 0, 0), (1, 1, 1), 0.0))
    origins = np.array([[-5.0, 0.5, 0], [-5.0, 1.5, 0]])  # inside / outside the y slab, direction y = 0
    t = first_box_hit(origins, np.array([[1.0, 0, 0]] * 2), b)
    assert t[0] == pytest.approx(4.0) and np.isinf(t[1])


def test_box_behind_or_around_the_origin():
    b = boxes(((0, 0, 0), (1, 1, 1), 0.0))
    t = first_box_hit(np.array([[5.0, 0, 0], [0.2, 0, 0]]), np.array([[1.0, 0, 0]] * 2), b)
    assert np.isinf(t[0]) and t[1] == 0.0  # behind: no hit; inside: hit at once


def test_ignore_mask_lets_rays_pass_chosen_boxes():
    b = boxes(((2, 0, 0), (0.5, 0.5, 0.5), 0.0), ((4, 0, 0), (0.5, 0.5, 0.5), 0.0))
    t = first_box_hit(np.zeros((2, 3)), np.array([[1.0, 0, 0]] * 2), b, ignore=np.array([[False, False], [True, False]]))
    assert t == pytest.approx([1.5, 3.5])


def test_wall_hit_and_floor_first():
    room = Room.from_spec(RoomSpec(RECT, 2.8))
    eye = np.array([[1.0, 2.0, 1.5]] * 3)
    dirs = np.array([[1.0, 0, 0], [np.cos(1.0), 0, -np.sin(1.0)], [0, -1.0, 0]])  # level, steeply down, -y
    t = first_wall_hit(eye, dirs, room)
    assert t[0] == pytest.approx(4.0) and np.isinf(t[1]) and t[2] == pytest.approx(2.0)


def test_segments_blocked_by_the_l_rooms_inner_corner_and_by_boxes():
    room = Room.from_spec(RoomSpec(L_SHAPE, 2.8))
    b = boxes(((2.0, 1.0, 1.0), (0.2, 0.2, 1.0), 0.0))
    starts = np.array([[1.0, 5.0, 1.5], [0.5, 0.5, 1.5], [0.5, 2.5, 1.5]])
    ends = np.array([[5.0, 1.0, 1.5], [3.5, 1.5, 1.0], [5.0, 2.5, 1.5]])
    assert segments_clear(starts, ends, room, b).tolist() == [False, False, True]
    assert segments_clear(starts[1:2], ends[1:2], room, b, ignore=np.array([[True]]))[0]


def test_segment_ending_on_a_support_surface_is_not_blocked_by_it():
    room = Room.from_spec(RoomSpec(RECT, 2.8))
    table = boxes(((2.5, 2.0, 0.375), (0.5, 0.5, 0.375), 0.0))
    assert segments_clear(np.array([[0.5, 0.5, 1.5]]), np.array([[2.5, 2.0, 0.75]]), room, table)[0]


@pytest.mark.parametrize("yaw, pitch", [(0.0, 0.0), (2.0, -0.3), (-2.5, 0.4), (np.pi, -0.6)])
def test_camera_poses_match_geometry(yaw, pitch):
    eye = np.array([1.0, 2.0, 1.5])
    assert np.allclose(camera_poses(eye[None], [yaw], [pitch])[0], camera_from_yaw_pitch(eye, yaw, pitch))


def test_camera_axes_follow_opencv():
    T = camera_poses(np.zeros((1, 3)), [0.0], [0.0])[0]
    # looking along +x with z up: image right is world -y, image down is world -z
    assert np.allclose(T[:3, 2], [1, 0, 0]) and np.allclose(T[:3, 0], [0, -1, 0]) and np.allclose(T[:3, 1], [0, 0, -1])


def test_yaw_pitch_towards():
    yaw, pitch = yaw_pitch_towards(np.array([[0.0, 0, 1]]), np.array([[0.0, 2, 0]]))
    assert yaw[0] == pytest.approx(np.pi / 2) and pitch[0] == pytest.approx(-np.arctan(0.5))
