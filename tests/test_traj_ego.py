"""Ego planner: discrete recorded actions, turn signs, wrap across ±180°, collisions refused."""
import numpy as np
import pytest

from simgen.geometry import wrap_angle
from simgen.registry import PLANNERS, ConfigError
from simgen.seeding import rng
from simgen.trajectories.base import ActionPlanner, Planner, plan_episode
from simgen.trajectories.planning_geometry import PlanningError
from tests.test_traj_scenes import RECT, l_scene, rect_scene, request, scene

FPS = 10.0


def ego(**overrides):
    base = {"name": "ego", "pause_s": 0.2, "turn_speed_dps": 90.0, "move_speed_mps": 1.0}
    return PLANNERS.build({**base, **overrides})


def heading(T):
    """World heading of the optical axis (its XY direction)."""
    z = T[:3, 2]
    return float(np.arctan2(z[1], z[0]))


def test_scripted_turns_cross_pi_in_the_named_direction():
    empty = scene(RECT, [])
    poses, actions = ego(script=["turn_left 170", "turn_left 60"]).plan_actions(request(empty, 80, FPS), rng(0))
    assert [a.action for a in actions] == ["turn_left", "turn_left"]
    assert [round(np.degrees(a.amount)) for a in actions] == [170, 60]
    start, end = heading(poses[0]), heading(poses[actions[-1].end_frame])
    assert np.degrees(wrap_angle(end - start)) == pytest.approx(-130.0, abs=1e-6)  # 230° left = 130° right, wrapped
    steps = np.degrees([wrap_angle(heading(b) - heading(a)) for a, b in zip(poses, poses[1:])])
    assert (steps >= -1e-9).all(), "a left turn only ever turns counter-clockwise, also across ±180°"
    assert steps.sum() == pytest.approx(230.0, abs=1e-6)


def test_turn_right_is_clockwise_and_move_follows_the_heading():
    empty = scene(RECT, [])
    poses, actions = ego(script=["turn_right 90", "move_ahead 1.0"]).plan_actions(request(empty, 60, FPS), rng(3))
    turn, move = actions
    before, after = heading(poses[turn.start_frame - 1]), heading(poses[turn.end_frame])
    assert np.degrees(wrap_angle(after - before)) == pytest.approx(-90.0, abs=1e-6)
    a, b = poses[move.start_frame - 1][:3, 3], poses[move.end_frame][:3, 3]
    assert np.linalg.norm(b - a) == pytest.approx(1.0, abs=1e-9)
    assert np.allclose((b - a)[:2], [np.cos(after), np.sin(after)], atol=1e-9)  # forward = optical axis heading
    assert all(np.allclose(poses[f], poses[move.end_frame]) for f in range(move.end_frame, 60))  # holds at the end


def test_random_actions_are_recorded_in_order_and_stay_free():
    spec = rect_scene()
    planner = ego(num_actions=6, pause_s=0.3)
    poses, actions = planner.plan_actions(request(spec, 120, FPS), rng(5))
    assert len(poses) == 120 and len(actions) >= 2
    spans = [(a.start_frame, a.end_frame) for a in actions]
    assert all(s <= e for s, e in spans) and all(e1 < s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))
    same = planner.plan_actions(request(spec, 120, FPS), rng(5))
    assert np.array_equal(same[0], poses) and same[1] == actions  # seeded


def test_scripted_move_into_a_wall_is_refused():
    with pytest.raises(PlanningError, match="move_ahead 9"):  # the room is 5 × 4 m
        ego(script=["move_ahead 9"]).plan_actions(request(scene(RECT, []), 200, FPS), rng(0))


def test_plan_is_the_poses_of_plan_actions():
    spec = l_scene()
    planner = ego()
    assert np.array_equal(planner.plan(request(spec, 50, FPS), rng(2)), planner.plan_actions(request(spec, 50, FPS), rng(2))[0])


def test_the_runner_dispatches_on_the_planner_protocol():
    # ego declares itself an ActionPlanner: its actions reach the episode; orbit's poses come alone
    spec = l_scene()
    poses, actions = plan_episode(ego(), request(spec, 50, FPS), rng(2))
    assert isinstance(ego(), ActionPlanner) and len(poses) == 50 and actions
    assert [a.to_dict() for a in actions] == [a.to_dict() for a in ego().plan_actions(request(spec, 50, FPS), rng(2))[1]]
    orbit = PLANNERS.build({"name": "orbit"})
    assert isinstance(orbit, Planner) and not isinstance(orbit, ActionPlanner)
    poses, actions = plan_episode(orbit, request(spec, 50, FPS), rng(2))
    assert actions == () and np.array_equal(poses, orbit.plan(request(spec, 50, FPS), rng(2)))


@pytest.mark.parametrize("bad, key", [({"script": ["jump 2"]}, "script[0]"), ({"move_m": [1.0, 0.5]}, "move_m"),
                                      ({"weights": [1, 1]}, "weights")])
def test_bad_config_names_the_key(bad, key):
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        ego(**bad)
