"""Heading machinery and the walkthrough planner's own behaviour."""
import numpy as np
import pytest

from simgen.geometry import wrap_angle
from simgen.registry import PLANNERS, ConfigError
from simgen.seeding import rng
from simgen.trajectories.planning_geometry import Boxes, PlanningError, Room
from simgen.trajectories.heading import plan_yaws, safe_yaws, yaw_bins
from simgen.types import RoomSpec
from test_traj_scenes import RECT, box, request, scene


def test_plan_yaws_crosses_pi_without_a_jump():
    desired = wrap_angle(np.radians(np.linspace(150, 210, 61)))  # passes through ±180°
    yaws, ok = plan_yaws(desired, np.ones((61, len(yaw_bins())), dtype=bool), np.radians(3.0))
    assert ok.all()
    assert np.degrees(np.abs(wrap_angle(np.diff(yaws)))).max() <= 3.0
    assert np.degrees(np.abs(wrap_angle(yaws - desired))).max() <= 1.0  # follows within two 0.5° bins


def test_plan_yaws_turn_rate_is_bounded_and_catches_up():
    desired = np.where(np.arange(40) < 10, 0.0, np.pi / 2)  # a 90° step
    yaws, _ = plan_yaws(desired, np.ones((40, len(yaw_bins())), dtype=bool), np.radians(5.0))
    assert np.degrees(np.abs(np.diff(yaws))).max() <= 5.0 + 1e-9
    assert yaws[-1] == pytest.approx(np.pi / 2, abs=np.radians(0.5))


def test_plan_yaws_avoids_forbidden_headings_and_pins_fixed_frames():
    bins = yaw_bins()
    allowed = np.ones((30, len(bins)), dtype=bool)
    allowed[:, np.abs(bins) < np.radians(40)] = False  # straight ahead is blocked
    desired = np.zeros(30)
    fixed = np.zeros(30, dtype=bool)
    desired[-1], fixed[-1] = np.radians(90.0), True
    yaws, ok = plan_yaws(desired, allowed, np.radians(10.0), fixed=fixed)
    assert ok.all() and (np.abs(yaws[:-1]) >= np.radians(40)).all()
    assert yaws[-1] == np.radians(90.0)


def test_safe_yaws_forbid_looking_at_a_close_wall_or_box():
    room = Room.from_spec(RoomSpec(RECT, 2.8))
    crate = Boxes.from_request(request(scene(RECT, [box(1, "crate", (2.5, 3.0, 0.9), (0.3, 0.3, 0.9))])))
    eyes = np.array([[0.35, 2.0, 1.5], [2.5, 2.35, 1.5]])  # 0.35 m from the west wall; 0.35 m below the crate
    bins = np.array([np.pi, 0.0, np.pi / 2, -np.pi / 2])
    safe = safe_yaws(eyes, np.radians(-15), room, crate, 0.5, bins)
    assert safe[0].tolist() == [False, True, True, True]  # facing west hits the wall at 0.36 m
    assert safe[1].tolist() == [True, True, False, True]  # facing north hits the crate


def walk(spec, n=50, fps=10.0, seed=0, **cfg):
    """Poses of a walkthrough with config overrides."""
    return PLANNERS.build({"name": "walkthrough", **cfg}).plan(request(spec, n, fps), rng(seed, 0, 0, "t"))


def test_walk_never_stops_and_keeps_to_its_speed_limit():
    T = walk(scene(RECT, []), n=50, speed_mps=0.5, max_speed_mps=0.8, creep_mps=0.1)
    speed = np.linalg.norm(np.diff(T[:, :2, 3], axis=0), axis=1) * 10.0
    assert speed.min() > 0.0  # an empty room still gets a walk between two spread-out spots
    assert speed.max() <= 1.5 * 0.8 + 1e-6  # eased moves peak at 1.5× their mean speed


def test_walk_in_a_tiny_room_stays_in_free_space():
    spec = scene(((0, 0), (1.2, 0), (1.2, 1.0), (0, 1.0)), [])
    T = walk(spec, n=80, speed_mps=1.0, min_view_distance_m=0.2)
    assert ((T[:, 0, 3] >= 0.3) & (T[:, 0, 3] <= 0.9) & (T[:, 1, 3] >= 0.3) & (T[:, 1, 3] <= 0.7)).all()


def test_walk_in_a_room_with_no_free_space_is_a_clear_error():
    with pytest.raises(PlanningError, match="no free space at clearance 0.3 m"):
        walk(scene(((0, 0), (0.5, 0), (0.5, 0.5), (0, 0.5)), []))


@pytest.mark.parametrize(
    "key, value",
    [("pitch_deg", -50.0), ("min_view_distance_m", 0.05), ("speed_mps", 0.0), ("creep_mps", 2.0), ("look_ahead", -1.0), ("eye_height_m", 5.0)],
)
def test_walkthrough_config_errors_name_the_key(key, value):
    with pytest.raises(ConfigError, match=rf"trajectory\.{key}: expected a number in"):
        PLANNERS.config({"name": "walkthrough", key: value})
