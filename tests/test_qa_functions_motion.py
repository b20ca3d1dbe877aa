"""Motion over time, checked by hand on the moving room (box and ball move) and the ego walk
(camera: ahead 1 m, left 90°, ahead 1 m); numbers from the comments in tests/qa_fixtures.py."""
import numpy as np
import pytest
from qa_fixtures import (MOVING_ROOM_CAMERAS, MOVING_ROOM_OBJECTS, ego_walk, linear_move, make_episode, moving_room,
                         run_program)

from simgen.geometry import camera_from_yaw_pitch, look_at
from simgen.qa.executor import ExecutionError
from simgen.qa.scene_view import SceneView

ROOM = SceneView.from_episode(moving_room())
BEHIND = SceneView.from_episode(moving_room(camera_side=1))
WALK = SceneView.from_episode(ego_walk())


def decisions(ex, kind):
    return [d for d in ex.trace if d.kind == kind]


# ---- objects ---------------------------------------------------------------------------------

def test_moved_records_how_far_and_the_frames_around_the_motion():
    ex = run_program(ROOM, "moved(the('box'))")
    (m,) = decisions(ex, "motion")
    assert ex.value is True and m.margin == pytest.approx(2.0) and m.unit == "m"
    assert m.detail == {"object_id": 5, "moved": True, "start_frame": 9, "end_frame": 20}  # at rest until 9
    ex = run_program(ROOM, "moved(the('sofa'))")
    (m,) = decisions(ex, "motion")  # a still object: still during every move of the episode (9..26)
    assert ex.value is False and m.margin == 0.0 and m.detail == {"object_id": 1, "moved": False,
                                                                   "start_frame": 9, "end_frame": 26}


def test_filter_moved():
    ex = run_program(ROOM, "filter_moved(objects())")
    assert ex.value == ["box_1", "ball_1"] and len(decisions(ex, "motion")) == 6


def test_displacement_between_frames():
    assert run_program(ROOM, "displacement(the('box'), 0, 29)").value == pytest.approx(2.0)
    assert run_program(ROOM, "displacement(the('box'), 9, 15)").value == pytest.approx(2.0 * 6 / 11)  # 6 of 11 steps
    ex = run_program(ROOM, "displacement(the('ball'), 0, 29)")
    assert ex.value == pytest.approx(1.2) and decisions(ex, "motion")[0].detail["start_frame"] == 0
    assert run_program(ROOM, "displacement(the('sofa'), 0, 29)").value == 0.0


def test_move_starts_the_frame_before_the_event_and_ends_at_its_end():
    # at its event's start_frame (10) the box has already moved: the move starts from frame 9
    assert ROOM.frame_center[ROOM.frame_row(10), 4, 0] > -1.0 == ROOM.frame_center[ROOM.frame_row(9), 4, 0]
    assert run_program(ROOM, "move_start(the('box'))").value == 9
    assert run_program(ROOM, "move_end(the('box'))").value == 20
    ex = run_program(ROOM, "x = the('ball')\ndisplacement(x, move_start(x), move_end(x))")
    assert ex.value == pytest.approx(1.2) and {21, 26} <= set(ex.frames_used)


def test_no_event_and_several_events():
    with pytest.raises(ExecutionError) as e:
        run_program(ROOM, "move_start(the('sofa'))")
    assert e.value.reason == "no_event"
    first, a = linear_move(1, (0, 0, 0.2), (1, 0, 0.2), 2, 4, range(10))
    second, b = linear_move(1, (1, 0, 0.2), (1, 1, 0.2), 6, 8, range(6, 10))
    poses = {f: second.get(f, first[f]) for f in range(10)}
    ep = make_episode([("box", "red", (0, 0, 0.2), (0.2,) * 3, 0.0)], cameras=[np.eye(4)] * 10, visibility="all",
                      object_poses=poses, events=[a, b])
    with pytest.raises(ExecutionError) as e:
        run_program(SceneView.from_episode(ep), "motion_direction(the('box'))")
    assert e.value.reason == "several_events"


def test_motion_direction_flips_when_the_observer_faces_the_other_way():
    ex = run_program(ROOM, "motion_direction(the('box'))")
    (d,) = decisions(ex, "direction")
    assert ex.value == "right" and d.margin == pytest.approx(135.0 - 104.036, abs=1e-3)
    assert decisions(ex, "motion")[0].margin == pytest.approx(2.0)
    assert run_program(BEHIND, "motion_direction(the('box'))").value == "left"
    ex = run_program(ROOM, "motion_direction(the('ball'))")
    assert ex.value == "away" and decisions(ex, "direction")[0].margin == pytest.approx(45.0 - 18.435, abs=1e-3)
    assert run_program(BEHIND, "motion_direction(the('ball'))").value == "towards"


@pytest.mark.parametrize("pan_deg, expected", [(20.0, "right"), (-20.0, "right"), (45.0, None), (-45.0, None)])
def test_motion_direction_is_refused_while_the_camera_pans_during_the_move(pan_deg, expected):
    """By eye: a box pushed towards a camera that panned 60° meanwhile seemed to slide across the image.
    The camera turns ``pan_deg`` (left positive) while the box moves (frames 10-20), then holds."""
    eye, frames = MOVING_ROOM_CAMERAS[-1], range(30)
    yaw0 = np.arctan2(0.5 - eye[1], 0.0 - eye[0])
    poses, box = linear_move(5, MOVING_ROOM_OBJECTS[4][2], (1.0, 0.5, 0.25), 10, 20, frames)
    turn = [np.radians(pan_deg) * float(np.clip((f - 9) / 11, 0.0, 1.0)) for f in frames]
    cameras = [camera_from_yaw_pitch(eye, yaw0 + t, -0.3) for t in turn]
    view = SceneView.from_episode(make_episode(MOVING_ROOM_OBJECTS, room=((-4, -4), (4, -4), (4, 4), (-4, 4)),
                                               cameras=cameras, visibility="all", object_poses=poses, events=[box]))
    if expected is not None:
        assert run_program(view, "motion_direction(the('box'))").value == expected  # as the still camera sees it
        return
    with pytest.raises(ExecutionError) as e:
        run_program(view, "motion_direction(the('box'))")
    assert e.value.reason == "camera_turning" and f"{abs(pan_deg):.0f}°" in str(e.value)


def test_distances_at_a_frame_see_the_moved_object_where_it_was():
    assert run_program(ROOM, "distance(the('box'), the('lamp'))").value == pytest.approx(1.05 * np.sqrt(2))
    assert run_program(ROOM, "distance(the('box'), the('lamp'), 29)").value == pytest.approx(np.hypot(3.05, 1.05))
    before = "argmin(the_each(['lamp', 'plant']), key=distance_to(the('box'), {}))"
    assert run_program(ROOM, before.format(0)).value == "lamp_1"
    assert run_program(ROOM, before.format(29)).value == "plant_1"


# ---- the camera ------------------------------------------------------------------------------

def test_camera_translation_and_direction_on_the_ego_walk():
    ex = run_program(WALK, "camera_translation(0, 10)")
    assert ex.value == pytest.approx(1.0) and decisions(ex, "interval")[0].margin == 10.0
    assert run_program(WALK, "camera_translation(0, 30)").value == pytest.approx(np.sqrt(2))
    ex = run_program(WALK, "camera_move_direction(0, 10)")
    assert ex.value == "forward" and decisions(ex, "direction")[0].margin == pytest.approx(45.0)
    # from frame 10 (still facing +X at (1, 0)) to the end at (1, 1): a step to the left
    assert run_program(WALK, "camera_move_direction(10, 30)").value == "left"
    # (0, 0) to (1, 1) while facing +X is exactly 45°: no margin at all
    assert decisions(run_program(WALK, "camera_move_direction(0, 30)"), "direction")[0].margin == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ExecutionError) as e:  # turning in place: no displacement to name
        run_program(WALK, "camera_move_direction(10, 20)")
    assert e.value.reason == "degenerate_direction"


def test_camera_turn_on_the_ego_walk():
    ex = run_program(WALK, "camera_turn(10, 20)")
    assert ex.value == pytest.approx(90.0) and ex.frames_used == (10, 20)
    assert decisions(ex, "direction")[0].margin == pytest.approx(90.0)  # 180° − |turn|
    assert run_program(WALK, "camera_turn(0, 30)").value == pytest.approx(90.0)
    assert run_program(WALK, "camera_turn(30, 0)").value == pytest.approx(-90.0)


def _turning(yaws_deg, pitch=0.0):
    cams = [camera_from_yaw_pitch((0.0, 0.0, 1.2), np.radians(y), pitch) for y in yaws_deg]
    return SceneView.from_episode(make_episode([("lamp", "white", (2, 0, 0.5), (0.2,) * 3, 0.0)], cameras=cams,
                                               visibility="all"))


@pytest.mark.parametrize("yaws, turn, side", [
    ([150, 165, 180, 195, 210], 60.0, "left"),  # through +180°: left 60°, not right 300°
    ([-150, -165, 180, 165, 150], -60.0, "right"),  # the other way through ±180°
    ([170, -170], 20.0, "left"),  # one step across the wrap
])
def test_a_turn_across_180_degrees_keeps_its_direction_and_size(yaws, turn, side):
    view = _turning(yaws)
    last = len(yaws) - 1
    assert run_program(view, f"camera_turn(0, {last})").value == pytest.approx(turn)
    assert run_program(view, f"turn_side(camera_turn(0, {last}))").value == side


def test_a_turn_beyond_180_degrees_is_summed_and_has_no_margin():
    ex = run_program(_turning(range(0, 271, 45)), "camera_turn(0, 6)")
    assert ex.value == pytest.approx(270.0) and decisions(ex, "direction")[0].margin == pytest.approx(-90.0)


def test_unknown_turn_direction_and_vertical_camera_are_errors():
    with pytest.raises(ExecutionError) as e:
        run_program(_turning([0, 150]), "camera_turn(0, 1)")
    assert e.value.reason == "ambiguous_turn"
    down = SceneView.from_episode(make_episode([("lamp", "white", (2, 0, 0.5), (0.2,) * 3, 0.0)],
                                               cameras=[look_at((0, 0, 2), (0, 0, 0)), np.eye(4)], visibility="all"))
    with pytest.raises(ExecutionError) as e:
        run_program(down, "camera_turn(0, 1)")
    assert e.value.reason == "degenerate_direction"
