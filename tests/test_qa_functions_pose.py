"""Standpoints, what-if actions and goal aiming, checked by hand on the ego walk (camera at (0, 0)
facing +X in frame 0, at (1, 1) facing +Y in frame 30) and on the direction ring."""
import numpy as np
import pytest
from qa_fixtures import direction_ring, ego_walk, moving_room, run_program

from simgen.qa.dsl import parse_program
from simgen.qa.program import DSLError
from simgen.qa.executor import ExecutionError
from simgen.qa.functions_pose import actions_from_binding, describe_actions, display_amount
from simgen.qa.scene_view import SceneView

WALK = SceneView.from_episode(ego_walk())
WALKED = "pose_after(camera_pose(0), [move_ahead(m(1)), turn_left(deg(90)), move_ahead(m(1))])"


def test_camera_pose_and_pose_after():
    ex = run_program(WALK, "distance_from_pose(camera_pose(0), the('lamp'))")
    assert ex.value == pytest.approx(3.0) and ex.frames_used == (0,)
    assert run_program(WALK, f"distance_from_pose({WALKED}, the('lamp'))").value == pytest.approx(np.sqrt(5))
    # the walked pose is where the camera really is at the end: same distances from frame 30
    assert run_program(WALK, "distance_from_pose(camera_pose(30), the('box'))").value == pytest.approx(2.0)
    assert run_program(WALK, f"distance_from_pose({WALKED}, the('box'))").value == pytest.approx(2.0)


def test_every_action_and_looks_leave_the_standpoint():
    acts = "[turn_left(deg(90)), move_ahead(m(1)), look_up(deg(10)), move_back(m(0.5)), turn_right(deg(45)), look_down(deg(5))]"
    pose = f"pose_after(camera_pose(0), {acts})"
    # at (0, 0.5) facing 45°: the lamp (3, 0) is hypot(3, −0.5) away, 45° + 9.46° to the right
    assert run_program(WALK, f"distance_from_pose({pose}, the('lamp'))").value == pytest.approx(np.hypot(3.0, 0.5))
    expected = -45.0 - np.degrees(np.arctan2(0.5, 3.0))
    assert run_program(WALK, f"bearing_from_pose({pose}, the('lamp'))").value == pytest.approx(expected)


def test_closer_or_farther_after_actions():
    ex = run_program(WALK, f"x = the('lamp')\ncloser_or_farther(distance_from_pose(camera_pose(0), x), "
                           f"distance_from_pose({WALKED}, x))")
    (d,) = [d for d in ex.trace if d.kind == "compare"]
    assert ex.value == "closer" and d.margin == pytest.approx(3.0 - np.sqrt(5)) and d.unit == "m"
    assert run_program(WALK, "closer_or_farther(m(1), m(2.5))").value == "farther"


def test_direction_from_pose_after_actions():
    ex = run_program(WALK, f"direction_from_pose({WALKED}, the('lamp'))")
    theta = 180.0 - np.degrees(np.arctan2(2.0, 1.0))  # angle between +Y and (2, −1): 116.57°
    assert ex.value == "right" and ex.trace[-1].margin == pytest.approx(180.0 - theta)
    assert run_program(WALK, f"direction_from_pose({WALKED}, the('lamp'), levels=4)").value == "back-right"
    assert run_program(WALK, f"direction_from_pose({WALKED}, the('plant'))").value == "left"


def test_goal_aiming_from_the_last_frame():
    at_end = "bearing_from_pose(camera_pose(last_frame()), the('{}'))"
    assert run_program(WALK, at_end.format("box")).value == pytest.approx(0.0, abs=1e-9)
    assert run_program(WALK, at_end.format("plant")).value == pytest.approx(45.0)
    assert run_program(WALK, at_end.format("lamp")).value == pytest.approx(-116.565, abs=1e-3)
    assert run_program(WALK, f"abs_angle({at_end.format('lamp')})").value == pytest.approx(116.565, abs=1e-3)
    assert run_program(WALK, f"turn_side({at_end.format('box')}, straight=True)").value == "straight"


@pytest.mark.parametrize("angle, straight, side, margin", [
    (30.0, False, "left", 30.0), (-30.0, False, "right", 30.0), (175.0, False, "left", 5.0),
    (3.0, True, "straight", 7.0), (-12.0, True, "right", 2.0), (60.0, True, "left", 50.0),
    # which way to face something nearly behind: BEHIND_DEG (30°) from ±180° is the boundary
    (140.0, True, "left", 10.0), (-178.0, True, "right", -28.0),
])
def test_turn_side_and_its_margins(angle, straight, side, margin):
    ex = run_program(WALK, f"turn_side(deg({angle}), straight={straight})")
    assert ex.value == side and ex.trace[-1].margin == pytest.approx(margin) and ex.trace[-1].kind == "direction"


def test_turn_side_label_sets():
    assert parse_program("turn_side(deg(5))").result_type.labels == ("left", "right")
    assert parse_program("turn_side(deg(5), straight=True)").result_type.labels == ("left", "right", "straight")


def test_standing_pose_is_vsi_benchs_standpoint():
    ring = SceneView.from_episode(direction_ring([30.0, 150.0, -100.0]))
    for i in range(3):
        t = f"the('target{i}')"
        by_pose = run_program(ring, f"direction_from_pose(standing_pose(the('sofa'), the('tv')), {t}, levels=4)").value
        assert by_pose == run_program(ring, f"direction(the('sofa'), the('tv'), {t}, levels=4)").value
    # perspective taking with a turn: facing the tv (+X) then turning left 90° (facing +Y), the
    # target at 30° is ahead-right, the one at 150° ahead-left
    turned = "pose_after(standing_pose(the('sofa'), the('tv')), [turn_left(deg(90))])"
    assert run_program(ring, f"direction_from_pose({turned}, the('target0'))").value == "right"
    assert run_program(ring, f"direction_from_pose({turned}, the('target1'))").value == "left"


def test_standing_pose_at_a_frame_sees_objects_where_they_were():
    room = SceneView.from_episode(moving_room())
    # standing at the sofa (−2.5, 2.5) facing the table (+X): the box is right of the line before
    # and after its move, but its bearing changes as it slides from x = −1 to x = 1
    before = run_program(room, "bearing_from_pose(standing_pose(the('sofa'), the('table'), 0), the('box'))").value
    after = run_program(room, "bearing_from_pose(standing_pose(the('sofa'), the('table'), 29), the('box'))").value
    assert before == pytest.approx(-np.degrees(np.arctan2(2.0, 1.5)))
    assert after == pytest.approx(-np.degrees(np.arctan2(2.0, 3.5)))


def test_actions_slot_binding_and_words():
    ex = run_program(WALK, "distance_from_pose(pose_after(camera_pose(0), acts), the('lamp'))", slots={"acts": "actions"},
                     bindings={"acts": [["move_ahead", 1.0], ["turn_left", 90], ["move_ahead", 1]]})
    assert ex.value == pytest.approx(np.sqrt(5))
    assert describe_actions([["turn_left", 90.0], ["move_ahead", 1.0]]) == "turn left 90°, then move forward 1 m"
    assert describe_actions([["move_back", 0.5]]) == "move back 0.5 m"
    assert describe_actions([["look_up", 20], ["turn_right", 45], ["look_down", 20]]) == \
        "look up 20°, turn right 45°, then look down 20°"
    assert actions_from_binding([["turn_right", 90]]) == (("turn_right", pytest.approx(np.pi / 2)),)
    assert display_amount("turn_left", np.radians(89.98)) == 90.0 and display_amount("turn_left", np.radians(72.44)) == 72.4
    assert display_amount("move_ahead", 0.7512) == 0.75


@pytest.mark.parametrize("value", [[["fly", 1]], [["turn_left", -5]], [], [["move_ahead"]]])
def test_bad_actions_binding(value):
    with pytest.raises(ExecutionError) as e:
        run_program(WALK, "distance_from_pose(pose_after(camera_pose(0), acts), the('lamp'))", slots={"acts": "actions"},
                    bindings={"acts": value})
    assert e.value.reason == "bad_binding"


def test_negative_action_amount_and_poses_as_answers_are_rejected():
    with pytest.raises(ExecutionError) as e:
        run_program(WALK, "distance_from_pose(pose_after(camera_pose(0), [move_ahead(m(-1))]), the('lamp'))")
    assert e.value.reason == "bad_action"
    for text in ("camera_pose(0)", "turn_left(deg(90))", "[move_back(m(1))]"):
        with pytest.raises(DSLError) as e:
            parse_program(text)
        assert e.value.reason == "bad_program"
    with pytest.raises(DSLError, match="a list holds"):
        parse_program("pose_after(camera_pose(0), [turn_left(deg(90)), the('lamp')])")
