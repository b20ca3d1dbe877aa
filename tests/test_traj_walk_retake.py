"""The walkthrough's retakes: a walk the box estimate finds wanting (blank frames, an object shown
clearly in too few frames) is planned again with crouching close looks, a tour order that shuns
blank turns and station passes that pan towards their neighbours; a walk without problems is
planned once. Rendered end to end on the default scenes that needed them in
``test_traj_walkthrough.test_default_walkthrough_shows_the_room`` (seeds 19 and 48)."""
import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from simgen.episodes.runner import build_plugins
from simgen.job_config import conf_dir
from simgen.registry import SIMULATORS
from simgen.seeding import rng
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.walkthrough import Walkthrough


@pytest.fixture(scope="module")
def plugins():
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        cfg = compose("config", overrides=["render.save_arrays=false"])
    return build_plugins(cfg)


def _request(plugins, seed):
    spec = plugins.builder.build(seed, 0, 0)
    with SIMULATORS.get("pybullet")[0](plugins.simulator_cfg) as sim:
        states = sim.load(spec)  # settled, as the runner plans
    return PlanRequest(spec, states, plugins.intrinsics, plugins.render.n_frames, plugins.render.fps, plugins.visibility)


def _takes(plugins, seed, monkeypatch):
    """The problem counts of each take of seed ``seed``'s walk, and the poses kept."""
    counts = []
    judge = Walkthrough.problems

    def counted(self, *args):
        blank, n = judge(self, *args)
        counts.append(n)
        return blank, n

    monkeypatch.setattr(Walkthrough, "problems", counted)
    poses = plugins.planner.plan(_request(plugins, seed), rng(seed, 0, 0, "trajectory"))
    return counts, poses


def test_a_walk_without_problems_is_planned_once(plugins, monkeypatch):
    counts, _ = _takes(plugins, 1, monkeypatch)
    assert counts == [0]


def test_a_wanting_walk_is_retaken_and_the_best_take_kept(plugins, monkeypatch):
    """Seed 19's first walk ends with a turn across bare wall (2 blank frames); a retake orders the
    tour without that move and has none. Same seed, same poses."""
    counts, poses = _takes(plugins, 19, monkeypatch)
    assert counts[0] > 0 and len(counts) > 1 and counts[-1] == 0
    _, again = _takes(plugins, 19, monkeypatch)
    assert np.array_equal(poses, again)


def test_passes_pan_towards_the_stations_before_and_after():
    """Three stations looking east (0°), north (90°) and west (180°): passing the middle one the
    heading pans from east of north to west of north (counter-clockwise, yaw increasing); the first
    pass starts and the last ends on its own heading. A flipped sign would pan the other way."""
    from omegaconf import OmegaConf

    from simgen.job_config import group_config
    from simgen.registry import PLANNERS
    from simgen.trajectories.viewpoints import Viewpoints
    from simgen.trajectories.walk_timeline import timeline

    cfg = PLANNERS.build(OmegaConf.to_container(group_config("trajectory", "walkthrough"))).cfg
    eyes = np.array([[0.0, 0.0, 1.5], [1.0, 0.0, 1.5], [2.0, 0.0, 1.5]])
    none = np.zeros((3, 1), dtype=bool)
    views = Viewpoints(eyes, np.radians([0.0, 90.0, 180.0]), np.zeros(3), none, none, eyes[:, :2])
    legs = [np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([[1.0, 0.0], [2.0, 0.0]])]
    frames = [5, 10, 5, 10, 5]
    pan = np.radians(12.0)
    _, desired, _, passing = timeline(cfg, views, [0, 1, 2], legs, frames, 10.0, pan)
    first, middle, last = (np.degrees(desired[a:b]) for a, b in ((0, 5), (15, 20), (30, 35)))
    assert passing[15:20].all() and not passing[5:15].any()
    assert middle[0] == pytest.approx(78.0) and middle[-1] == pytest.approx(102.0) and (np.diff(middle) > 0).all()
    assert first[0] == pytest.approx(0.0) and first[-1] == pytest.approx(12.0)
    assert last[0] == pytest.approx(168.0) and last[-1] == pytest.approx(180.0)
    _, still, _, _ = timeline(cfg, views, [0, 1, 2], legs, frames, 10.0)
    assert np.allclose(np.degrees(still[15:20]), 90.0)  # no pan: the pass looks where its station looks


def test_crouching_close_looks_are_appended_for_what_no_other_view_shows_well(plugins):
    """Seed 20's toy duck (9 cm, on a sofa seat): no standing, lowered or reaching view shows it at
    the pixel margin; with ``crouch`` the same candidates come first (same draws) and crouching
    close looks below ``close_eye_height_m`` (at most ``CROUCH_M`` lower) follow, some showing it
    well, all aimed down at it."""
    from simgen.trajectories.close_looks import CROUCH_M
    from simgen.trajectories.occupancy import build_grid
    from simgen.trajectories.planning_geometry import Boxes, Room
    from simgen.trajectories.viewpoints import candidates

    cfg = plugins.planner.cfg
    request = _request(plugins, 20)
    room, boxes = Room.from_spec(request.scene.room), Boxes.from_request(request)
    grid = build_grid(room, boxes, cfg.eye_height_m, cfg.clearance_m, cfg.grid_resolution_m)
    duck = boxes.names.index("toy_duck_1")
    plain = candidates(cfg, grid, room, boxes, request, rng(20, 0, 0, "trajectory"))
    grid = build_grid(room, boxes, cfg.eye_height_m, cfg.clearance_m, cfg.grid_resolution_m)
    crouched = candidates(cfg, grid, room, boxes, request, rng(20, 0, 0, "trajectory"), crouch=True)
    n = len(plain.eyes)
    assert not plain.sees_well[:, duck].any()
    assert np.array_equal(crouched.eyes[:n], plain.eyes) and len(crouched.eyes) > n
    extra = crouched.eyes[n:]
    assert (extra[:, 2] >= cfg.close_eye_height_m - CROUCH_M - 1e-9).all()
    assert (extra[:, 2] < cfg.close_eye_height_m).any()
    assert crouched.sees_well[n:, duck].any() and (crouched.pitches[n:] < 0).all()
