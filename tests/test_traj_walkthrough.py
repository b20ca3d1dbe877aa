"""The default video shows the room: the default config (walkthrough, default scene) rendered for
real, judged on the rendered masks and depth by the episode's coverage record."""
import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from simgen.resources import conf_dir
from simgen.episodes.runner import build_plugins, render_one
from simgen.registry import SIMULATORS
from simgen.seeding import rng


@pytest.fixture(scope="module")
def default_plugins():
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        cfg = compose("config", overrides=["render.save_arrays=false"])
    assert cfg.trajectory.name == "walkthrough"
    return build_plugins(cfg)


@pytest.mark.parametrize("seed", [1, 3])
def test_default_walkthrough_shows_the_room(default_plugins, tmp_path, seed):
    plugins = default_plugins
    with SIMULATORS.get("pybullet")[0](plugins.simulator_cfg) as sim:
        spec = plugins.builder.build(seed, 0, 0)
        episode = render_one(sim, spec, plugins, "test", tmp_path, lambda stage: rng(seed, 0, 0, stage))
    cov = episode.coverage
    assert cov["objects_clear_fraction"] >= 0.9, cov["clear_frames_per_object"]
    assert cov["floor_seen_fraction"] >= 0.7
    assert cov["empty_frames"] == 0
    # the record's numbers are the masks judged by the model (recomputed here)
    w, h = episode.intrinsics.width, episode.intrinsics.height
    pixels = np.array([[v.visible_pixels for v in f.visibility] for f in episode.frames])
    clear = (pixels >= plugins.visibility.clear_frac * w * h).sum(axis=0) >= plugins.visibility.clear_frames
    assert cov["objects_clear"] == int(clear.sum())
    assert cov["empty_frames"] == int((pixels < plugins.visibility.seen_frac * w * h).all(axis=1).sum())


def test_the_walk_never_freezes_and_turns_within_its_limit(default_plugins):
    """Natural motion: the camera walks or pans; it holds still at most 1.5 s (two viewpoints at one
    spot), never walks faster than the eased walk allows and turns at most max_turn_dps."""
    from simgen.geometry import wrap_angle
    from simgen.trajectories.base import PlanRequest

    plugins = default_plugins
    spec = plugins.builder.build(1, 0, 0)
    request = PlanRequest(spec, (), plugins.intrinsics, plugins.render.n_frames, plugins.render.fps, plugins.visibility)
    T = plugins.planner.plan(request, rng(1, 0, 0, "trajectory"))
    step = np.linalg.norm(np.diff(T[:, :2, 3], axis=0), axis=1)
    yaw = np.arctan2(T[:, 1, 2], T[:, 0, 2])
    turn = np.degrees(np.abs(wrap_angle(np.diff(yaw))))
    still = np.concatenate([[0], ((step < 1e-6) & (turn < 1e-3)).astype(int), [0]])
    runs = np.flatnonzero(np.diff(still) == -1) - np.flatnonzero(np.diff(still) == 1)
    assert runs.max(initial=0) <= 1.5 * plugins.render.fps
    assert step.max() * plugins.render.fps <= 1.5 * plugins.planner.cfg.max_speed_mps + 1e-6
    assert turn.max() <= plugins.planner.cfg.max_turn_dps / plugins.render.fps + 1e-6
    # bending down for a close look and standing up again: within the eye heights, eased, never a jump
    cfg = plugins.planner.cfg
    z = T[:, 2, 3]
    assert cfg.close_eye_height_m - 1e-9 <= z.min() and z.max() <= cfg.eye_height_m + 1e-9
    assert np.abs(np.diff(z)).max() * plugins.render.fps <= 0.6 + 1e-6  # a person bends down in about a second
    pitch = np.degrees(np.arcsin(T[:, 2, 2]))  # optical axis (camera z) elevation
    assert pitch.min() >= cfg.min_pitch_deg - 1e-6


def test_close_looks_bend_down_to_low_small_things(default_plugins):
    """A small thing on a low table is looked at from a lowered eye, with the camera tilted down
    (the optical axis's z-component is negative: a flipped pitch sign would look up)."""
    from simgen.trajectories.base import PlanRequest
    from simgen.trajectories.planning_geometry import Boxes, Room
    from simgen.trajectories.occupancy import build_grid
    from simgen.trajectories.viewpoints import candidates

    plugins, cfg = default_plugins, default_plugins.planner.cfg
    spec = plugins.builder.build(6, 0, 0)
    request = PlanRequest(spec, (), plugins.intrinsics, plugins.render.n_frames, plugins.render.fps, plugins.visibility)
    room, boxes = Room.from_spec(spec.room), Boxes.from_request(request)
    grid = build_grid(room, boxes, cfg.eye_height_m, cfg.clearance_m, cfg.grid_resolution_m)
    views = candidates(cfg, grid, room, boxes, request, rng(6, 0, 0, "trajectory"))
    low = views.eyes[:, 2] < cfg.eye_height_m - 0.05
    assert low.any() and views.eyes[:, 2].min() >= cfg.close_eye_height_m - 1e-9
    assert (views.pitches[low] < 0).all() and np.degrees(views.pitches).min() >= cfg.min_pitch_deg - 1e-6
