"""SceneView over time: per-frame states, events, keyframes, and jitter that moves motions consistently."""
import numpy as np
import pytest
from qa_fixtures import ego_walk, living_room, make_episode, moving_room

from simgen.geometry import camera_from_yaw_pitch
from simgen.qa.scene_view import SceneView
from simgen.seeding import rng

ROOM = SceneView.from_episode(moving_room())
BOX, BALL, SOFA, LAMP = 4, 5, 0, 2  # rows


def test_per_frame_states_and_the_static_state():
    assert ROOM.dynamic and ROOM.frame_center.shape == (30, 6, 3) and ROOM.frame_quat.shape == (30, 6, 4)
    assert np.allclose(ROOM.center, ROOM.frame_center[0]) and ROOM.center_at(None) is ROOM.center
    # at rest at x = −1 until frame 9, then 11 equal steps over frames 10..20: 6 of them by frame 15
    assert ROOM.frame_center[15, BOX] == pytest.approx([-1.0 + 2.0 * 6 / 11, 0.5, 0.25])
    assert ROOM.max_displacement() == pytest.approx([0, 0, 0, 0, 2.0, 1.2])
    assert ROOM.rotation_at(29).shape == (6, 3, 3)


def test_static_views_share_one_state_for_every_frame():
    view = SceneView.from_episode(living_room())
    assert not view.dynamic and view.frame_center.shape == (3, 8, 3)
    assert np.shares_memory(view.frame_center, view.center) and view.center_at(2) is view.center
    assert not view.max_displacement().any() and not view.motion_progress().any()


def test_frame_functions_read_that_frames_states():
    # the camera looks along +y from (0, −3.5): camera x is world x, so the box goes from x = −1 to 1
    assert ROOM.camera_points(0)[BOX, 0] == pytest.approx(-1.0, abs=0.05)
    assert ROOM.camera_points(29)[BOX, 0] == pytest.approx(1.0, abs=0.05)
    assert ROOM.distance_matrix(29)[BOX, LAMP] == pytest.approx(np.hypot(3.05, 1.05))  # further from the lamp after
    assert ROOM.distance_matrix()[BOX, LAMP] == pytest.approx(1.05 * np.sqrt(2))


def test_events_windows_and_frame_lookups():
    assert [(e.row, e.start_frame, e.end_frame) for e in ROOM.events] == [(BOX, 10, 20), (BALL, 22, 26)]
    assert ROOM.events_of(BOX)[0].kind == "scripted" and ROOM.events_of(SOFA) == []
    assert ROOM.event_rows() == {BOX, BALL} and ROOM.motion_window() == (9, 26)  # from the frame before the first
    sparse = SceneView.from_episode(living_room())  # frames 0, 10, 20
    assert (sparse.row_at_or_before(15), sparse.row_at_or_after(15)) == (1, 2)
    assert (sparse.row_at_or_before(-5), sparse.row_at_or_after(99)) == (0, 2)


def test_keyframes_are_action_boundaries_when_there_are_actions():
    assert SceneView.from_episode(ego_walk()).keyframes() == [0, 10, 20, 30]
    assert ROOM.keyframes() == list(range(30))



def test_whether_the_camera_travels_and_turns():
    walk = SceneView.from_episode(ego_walk())
    assert walk.camera_travels() and walk.camera_turns()
    assert not ROOM.camera_travels() and not ROOM.camera_turns()
    spin = [camera_from_yaw_pitch((0.0, 0.0, 1.2), np.radians(y), 0.0) for y in (0, 30, 60)]
    spinning = SceneView.from_episode(make_episode([("lamp", "white", (2, 0, 0.5), (0.2,) * 3, 0.0)], cameras=spin,
                                                   visibility="all"))
    assert spinning.camera_turns() and not spinning.camera_travels()


def test_motion_progress_runs_from_0_to_1_along_the_path():
    p = ROOM.motion_progress()
    assert p[:10, BOX] == pytest.approx(0.0) and p[20:, BOX] == pytest.approx(1.0) and p[15, BOX] == pytest.approx(6 / 11)
    assert not p[:, SOFA].any()


def test_jitter_moves_start_and_end_consistently():
    j = ROOM.jittered(rng(3, stage="perturb"), 0.05, 0.0)
    offset = j.frame_center - ROOM.frame_center
    start, end = offset[0, BOX], offset[29, BOX]
    assert np.allclose(offset[:10, BOX], start) and np.allclose(offset[20:, BOX], end)  # before / after share one
    assert not np.allclose(start, end)
    assert np.allclose(offset[15, BOX], start + (end - start) * 6 / 11)  # blended along the path
    assert np.allclose(offset[:, SOFA], offset[0, SOFA])  # a still object keeps one offset
    assert np.allclose(j.center, j.frame_center[0])
    moved = np.linalg.norm(j.frame_center[29, BOX] - j.frame_center[0, BOX])
    assert moved == pytest.approx(np.linalg.norm(ROOM.frame_center[29, BOX] - ROOM.frame_center[0, BOX] + end - start))


def test_static_jitter_is_unchanged_by_time():
    view = SceneView.from_episode(living_room())
    gen = rng(1, stage="perturb")
    expected = view.center + gen.normal(0.0, 0.03, view.center.shape)  # the first draw, as before issue 4
    j = view.jittered(rng(1, stage="perturb"), 0.03, 0.05)
    assert np.array_equal(j.center, expected) and np.array_equal(j.frame_center[2], expected)


def test_states_of_unknown_objects_and_bad_events_are_named():
    ep = moving_room()
    frames = list(ep.frames)
    bad_state = type(frames[0].objects[0])(99, frames[0].objects[0].pose)
    frames[3] = type(frames[3])(**{**frames[3].__dict__, "objects": frames[3].objects + (bad_state,)})
    with pytest.raises(ValueError, match="frame 3 has a state for unknown object_id 99"):
        SceneView.from_episode(type(ep)(**{**ep.__dict__, "frames": tuple(frames)}))
    event = type(ep.events[0])(42, "push", 1, 2)
    with pytest.raises(ValueError, match="motion event for unknown object_id 42"):
        SceneView.from_episode(type(ep)(**{**ep.__dict__, "events": (event,)}))
