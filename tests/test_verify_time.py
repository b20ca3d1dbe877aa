"""The verifier's rules for time: for each, a fixture case it must reject and a near case it must keep."""
from __future__ import annotations

import numpy as np
import pytest
from qa_fixtures import MOVING_ROOM_CAMERAS, MOVING_ROOM_OBJECTS, ego_walk, linear_move, make_episode, moving_room
from test_families import tour
from test_verify import FLAT, ask, kept

from simgen.geometry import camera_from_yaw_pitch, look_at
from simgen.qa.verify_rules import VerifyConfig
from simgen.registry import ConfigError, parse_config

ROOM = ((-4.0, -4.0), (4.0, -4.0), (4.0, 4.0), (-4.0, 4.0))


@pytest.mark.parametrize("end_x, ok", [(-0.85, False), (0.0, True)])
def test_minimum_motion_magnitude(end_x, ok):
    out = ask(moving_room(box_end=(end_x, 0.5, 0.25)), "object_motion_distance", {"a": "box"}, **FLAT)
    assert (out == "small_motion") if not ok else out.answer == 1.0


def _drifting_sofa(drift: float):
    """The moving room with the sofa nudged by ``drift`` m (no event: a bystander knocked aside)."""
    ep = moving_room()
    nudge, _ = linear_move(1, MOVING_ROOM_OBJECTS[0][2], np.add(MOVING_ROOM_OBJECTS[0][2], (drift, 0, 0)), 12, 14, range(30))
    poses = {f.index: {s.object_id: (s.pose.position, 0.0) for s in f.objects} for f in ep.frames}
    for f in poses:
        poses[f].update(nudge[f])
    cams = [f.T_world_cam for f in ep.frames]
    return make_episode(MOVING_ROOM_OBJECTS, room=ROOM, cameras=cams, visibility="all", object_poses=poses, events=ep.events)


@pytest.mark.parametrize("drift, ok", [(0.08, False), (0.02, True)])
def test_a_candidate_called_still_must_not_move(drift, ok):
    out = ask(_drifting_sofa(drift), "object_moved", {"cands": ["sofa", "box", "lamp", "plant"]}, **FLAT)
    assert (out == "ambiguous_motion") if not ok else out.answer == "box"


@pytest.mark.parametrize("f1, ok", [(3, False), (10, True)])
def test_minimum_frame_gap(f1, ok):
    out = ask(ego_walk(), "ego_movement_distance", {"f0": 0, "f1": f1})  # 0.1 m per frame
    assert (out == "short_interval") if not ok else out.answer == 1.0


@pytest.mark.parametrize("hidden_from, ok", [(15, False), (30, True)])
def test_moved_object_visible_before_and_after(hidden_from, ok):
    ep = moving_room()
    vis = {f: {i: 1000 for i in range(1, 7) if not (i == 5 and f >= hidden_from)} for f in range(30)}
    ep = make_episode(MOVING_ROOM_OBJECTS, room=ROOM, cameras=[f.T_world_cam for f in ep.frames], visibility=vis,
                      object_poses={f.index: {s.object_id: (s.pose.position, 0.0) for s in f.objects} for f in ep.frames},
                      events=ep.events)
    out = ask(ep, "object_motion_direction", {"a": "box"})
    assert (out == "motion_not_seen") if not ok else out.answer == "right"


def _turn(total_deg: float):
    cams = [camera_from_yaw_pitch((0.0, 0.0, 1.2), np.radians(total_deg * i / 10), 0.0) for i in range(11)]
    return make_episode([("lamp", "white", (2.0, 0.0, 0.5), (0.2,) * 3, 0.0)], room=ROOM, cameras=cams, visibility="all")


@pytest.mark.parametrize("total, reason, side", [(5.0, "margin_deg", None), (30.0, None, "left"), (-30.0, None, "right"),
                                                 (175.0, "margin_deg", None), (165.0, "too_large", None),
                                                 (130.0, None, "left")])
def test_turns_keep_away_from_straight_and_from_180_degrees(total, reason, side):
    # ego_turn v4 asks turns of at most 135°: near 180° two views cannot tell left from right
    out = ask(_turn(total), "ego_turn", {"f0": 0, "f1": 10})
    assert (out == reason) if reason else out.answer == side


@pytest.mark.parametrize("phi, ok, answer", [(12.0, False, None), (20.0, True, "left"), (2.0, True, "straight"),
                                             (-40.0, True, "right"), (177.0, False, None)])
def test_goal_aiming_straight_boundary(phi, ok, answer):
    a = np.radians(phi)
    rows = [("lamp", "white", (3 * np.cos(a), 3 * np.sin(a), 0.5), (0.2,) * 3, 0.0),
            ("box", "red", (-2.0, 3.0, 0.3), (0.3,) * 3, 0.0)]
    cams = [camera_from_yaw_pitch((0.0, 0.0, 1.2), np.pi / 2, 0.0), camera_from_yaw_pitch((0.0, 0.0, 1.2), 0.0, 0.0)]
    ep = make_episode(rows, room=ROOM, cameras=cams, visibility="all")
    out = ask(ep, "goal_aiming", {"a": "lamp"})
    assert (out == "margin_deg") if not ok else out.answer == answer


@pytest.mark.parametrize("other, ok", [("box", False), ("lamp", True)])
def test_static_questions_do_not_name_moving_objects(other, ok):
    out = ask(moving_room(), "object_abs_distance", {"a": "sofa", "b": other}, **FLAT)
    assert (out == "moving_referent") if not ok else kept(out)


def test_questions_about_a_frame_may_name_moving_objects():
    # the camera at (0, −3.5, 1.5); at frame 29 the box (half 0.25) is centred at (1, 0.5, 0.25)
    out = ask(moving_room(), "camera_object_distance", {"a": "box", "frame": 29}, **FLAT)
    assert out.answer == pytest.approx(round(float(np.linalg.norm([0.75, 3.75, 1.0])), 2))


@pytest.mark.parametrize("move, ok", [(0.3, False), (2.0, True)])
def test_stability_jitters_the_start_and_the_end_of_a_move(move, ok):
    out = ask(moving_room(box_end=(-1.0 + move, 0.5, 0.25)), "object_motion_distance", {"a": "box"},
              position_sigma_m=0.05)
    if ok:
        assert out.answer == 2.0 and out.certificate["stability"]["max_rel_change"] <= 0.1
    else:
        assert out == "unstable"


@pytest.mark.parametrize("a, b, ok", [("plant", "table", False), ("sofa", "table", True)])
def test_referents_visible_in_the_frames_the_program_reads(a, b, ok):
    # tour: the table first appears in frame 6, when the sofa is already visible and the plant not yet
    out = ask(tour(), "temporal_where_when", {"a": a, "b": b})
    assert (out == "not_visible") if not ok else out.answer == "left"


@pytest.mark.parametrize("mover, ok, answer", [("ball", False, None), ("box", True, "lamp")])
def test_state_before_the_move_must_differ_from_after(mover, ok, answer):
    # the box crosses from near the lamp to near the plant; the ball is nearer the plant before and after
    out = ask(moving_room(), "object_state_before", {"a": mover, "refs": ["lamp", "plant"]})
    assert (out == "degenerate") if not ok else out.answer == answer


def test_time_rules_can_be_switched_off_and_validate():
    assert kept(ask(moving_room(), "object_abs_distance", {"a": "sofa", "b": "box"}, stability=False, time=False))
    with pytest.raises(ConfigError, match="qa.verify.still_max_m"):
        VerifyConfig(still_max_m=0.3).validate("qa.verify")
    with pytest.raises(ConfigError, match="qa.verify.min_frame_gap"):
        parse_config(VerifyConfig, {"min_frame_gap": -1}, "qa.verify")


@pytest.mark.parametrize("seen_after", [True, False])
def test_a_moved_object_is_asked_about_at_the_end_only_if_the_video_shows_where_it_ended(seen_after):
    # by eye: "at the end of the video, how far should I turn to face the bottle?" was asked about a
    # bottle pushed over off screen: the video last showed it 10° from where the answer put it
    frames = range(30)
    poses, box = linear_move(5, MOVING_ROOM_OBJECTS[4][2], (2.0, 0.5, 0.25), 10, 20, frames)  # ends 27° right
    vis = {f: {i: 1000 for i in range(1, 7) if i != 5 or f < 10 or seen_after} for f in frames}
    camera = look_at(MOVING_ROOM_CAMERAS[-1], (0.0, 0.5, 0.3))
    ep = make_episode(MOVING_ROOM_OBJECTS, room=((-4.0, -4.0), (4.0, -4.0), (4.0, 4.0), (-4.0, 4.0)),
                      cameras=[camera] * 30, visibility=vis, object_poses=poses, events=[box])
    out = ask(ep, "goal_aiming_angle", {"a": "box"})
    assert (not isinstance(out, str) and out.answer == 27) if seen_after else out == "motion_not_seen"
