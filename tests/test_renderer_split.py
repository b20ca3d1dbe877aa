"""Physics and rendering split: the ``renderer`` config group, which renderer pairs with which simulator,
the clear errors, the default that keeps every output as before, and Blender in the episode runner.

The Blender rows need a Blender Python (``.venv-blender`` or ``$SIMGEN_BLENDER_PYTHON``) and skip
with that reason otherwise; everything else runs on pybullet alone, on tiny scenes.
"""
from __future__ import annotations

import sys

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from sim_scenes import golden_scene, intrinsics
from test_renderer_blender import NO_BLENDER, needs_blender

from simgen.episodes.runner import build_plugins, render_episodes
from simgen.geometry import look_at
from simgen.job_config import conf_dir
from simgen.registry import RENDERERS, ConfigError
from simgen.renderers import Renderer
from simgen.renderers.base import SimulatorRenderer, check_renderer

# tiny episodes: 64×48 px, 5 frames, few objects, one Cycles sample
TINY = ["camera.width=64", "camera.height=48", "render.fps=5", "render.duration_s=1.0", "scene.num_objects=3",
        "render.save_arrays=true"]


def config(*overrides: str):
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        return compose("config", overrides=list(overrides))


@pytest.mark.parametrize("simulator", ["pybullet", "mujoco", "ai2thor", "habitat"])
def test_each_simulator_draws_itself_by_default(simulator):
    from simgen.renderers.pybullet import pybullet_renderer

    assert config(f"simulator={simulator}").renderer.name == simulator
    # pybullet's own renderer, in a worker process by default (test_renderer_process.py)
    assert RENDERERS.get(simulator)[0] is (pybullet_renderer if simulator == "pybullet" else SimulatorRenderer)


def test_default_renderer_keeps_the_config_hash():
    """Configs written before the split (no renderer node) and the default now hash alike: same episode ids."""
    from simgen.cli import config_hash

    cfg = config("debug=smoke")
    before = OmegaConf.create({k: v for k, v in OmegaConf.to_container(cfg).items() if k != "renderer"})
    assert config_hash(cfg) == config_hash(before)
    assert config_hash(config("debug=smoke", "renderer=blender")) != config_hash(cfg)
    assert config_hash(config("debug=smoke", "simulator=mujoco")) != config_hash(cfg)


def test_camera_effects_reach_the_video_and_the_record_but_not_the_ground_truth(tmp_path):
    """camera.effects in the runner: off (the default) leaves the config hash and the scene record as
    they were; on, the frames change, the drawn values are recorded in complexity, and depth, ids and
    visibility stay exactly those of the same episode without effects."""
    from simgen.cli import config_hash
    from simgen.episodes.writer import read_episode

    plain = config(*TINY)
    before = OmegaConf.create(OmegaConf.to_container(plain))
    del before.camera["effects"]
    assert config_hash(plain) == config_hash(before)
    noisy = config(*TINY, "camera.effects.noise_std=[0.05,0.05]", "camera.effects.exposure_ev=[1.0,1.0]")
    assert config_hash(noisy) != config_hash(plain)
    runs = {}
    for name, cfg in (("plain", plain), ("noisy", noisy)):
        summary = render_episodes(build_plugins(cfg), tmp_path / name, 1, seed=0, shard=0, id_prefix="fx")
        folder = tmp_path / name / "episodes" / summary["rendered"][0]
        runs[name] = (read_episode(folder), np.load(folder / "arrays.npz"))
        runs[name + "_video"] = (folder / "video.mp4").read_bytes()
    assert runs["plain_video"] != runs["noisy_video"]
    (plain_ep, plain_arrays), (noisy_ep, noisy_arrays) = runs["plain"], runs["noisy"]
    assert "camera_effects" not in plain_ep.scene.complexity
    assert noisy_ep.scene.complexity["camera_effects"]["noise_std"] == 0.05
    assert noisy_ep.scene.complexity["camera_effects"]["exposure_ev"] == 1.0
    for key in ("depth_mm", "instance"):
        assert np.array_equal(plain_arrays[key], noisy_arrays[key])
    assert [f.visibility for f in plain_ep.frames] == [f.visibility for f in noisy_ep.frames]


@pytest.mark.parametrize("renderer, simulator, message", [
    ("mujoco", "pybullet", r"renderer=mujoco is mujoco's own renderer and draws only simulator=mujoco, got "
                           r"simulator=pybullet; use renderer=pybullet \(its own\) or a standalone renderer \(blender\)"),
    ("pybullet", "mujoco", r"draws only simulator=pybullet, got simulator=mujoco"),
    ("blender", "ai2thor", r"renderer=blender cannot draw simulator=ai2thor: ai2thor is a combined backend .* "
                           r"use renderer=ai2thor"),
    ("blender", "habitat", r"use renderer=habitat"),
    ("ai2thor", "habitat", r"draws only simulator=ai2thor"),
])
def test_pairs_that_cannot_work_are_named(renderer, simulator, message):
    with pytest.raises(ConfigError, match=message):
        check_renderer(renderer, simulator)


def test_bad_pair_fails_before_any_work():
    with pytest.raises(ConfigError, match="renderer=mujoco is mujoco's own renderer"):
        build_plugins(config("renderer=mujoco"))


def test_bad_blender_knob_is_a_config_error():
    with pytest.raises(ConfigError, match=r"renderer\.time_of_day: expected one of day, night, random, got 'noon'"):
        RENDERERS.config(config("renderer=blender", "renderer.time_of_day=noon").renderer)


@pytest.mark.parametrize("python", ["missing", "no-bpy"])
def test_missing_bpy_stops_before_any_work_with_the_install(monkeypatch, tmp_path, python):
    monkeypatch.setenv("SIMGEN_BLENDER_PYTHON", str(tmp_path / "python") if python == "missing" else sys.executable)
    with pytest.raises(ConfigError, match=r"renderer=blender: .*Install it: python3\.11 -m venv \.venv-blender && "
                                          r"\.venv-blender/bin/pip install 'bpy==4\.5\.\*'"):
        build_plugins(config("renderer=blender"))


def test_simulator_renderer_is_the_simulators_own_render():
    """The fast path adds nothing: the same arrays as the simulator's render, its name and near plane."""
    from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator

    K, T = intrinsics(), look_at([2.0, -2.5, 1.5], [0.0, 0.0, 0.6])
    with PybulletSimulator(PybulletConfig(renderer="tiny", near=0.07)) as sim:
        states = sim.load(golden_scene())
        renderer = SimulatorRenderer(simulator=sim)
        assert isinstance(renderer, Renderer) and (renderer.name, renderer.near) == ("tiny", 0.07)
        with pytest.raises(RuntimeError, match="render before load"):
            renderer.render(states, T)
        renderer.load(sim.spec, K)
        a, b = renderer.render(states, T), sim.render(T, K)
    for name in ("rgb", "depth", "instance"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert set(np.unique(a.instance)) >= {1, 2, 3}


@needs_blender
def test_blender_films_a_shard_with_one_worker(tmp_path, monkeypatch):
    """renderer=blender in the runner: pybullet's physics, Cycles frames, one worker for the shard's episodes,
    ids and depth that agree with the physics backend's own render of the same states."""
    from simgen.episodes.writer import read_episode
    from simgen.renderers.blender import BlenderRenderer

    starts = []
    original = BlenderRenderer._start
    monkeypatch.setattr(BlenderRenderer, "_start", lambda self: (starts.append(1), original(self))[1])
    plugins = build_plugins(config(*TINY, "renderer=blender", "renderer.preset=contract", "renderer.threads=1",
                                   "renderer.time_of_day=day"))
    summary = render_episodes(plugins, tmp_path, 2, seed=0, shard=0, id_prefix="bl")
    assert summary["failed"] == [] and len(summary["rendered"]) == 2 and len(starts) == 1
    assert summary["renderer"] == "blender" and summary["render_device"].startswith(("CPU", "GPU"))
    folder = tmp_path / "episodes" / summary["rendered"][0]
    episode = read_episode(folder)
    assert (episode.simulator, episode.renderer, len(episode.frames)) == ("pybullet", "blender", 5)
    arrays = np.load(folder / "arrays.npz")
    assert arrays["instance"].shape == (5, 48, 64)
    seen = sum(v.visible_pixels for f in episode.frames for v in f.visibility)
    assert seen == int((arrays["instance"] > 0).sum()) > 0
    # the same states drawn by pybullet's own renderer: the same objects where they should be
    from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator

    with PybulletSimulator(PybulletConfig(renderer="tiny")) as sim:
        sim.load(episode.scene)
        for frame, ids in zip(episode.frames, arrays["instance"]):
            tiny = sim.render(np.array(frame.T_world_cam), episode.intrinsics).instance
            assert np.mean(tiny == ids) > 0.9


@needs_blender
def test_blender_over_mujoco_physics(tmp_path):
    """A standalone renderer takes any physics backend's states: MuJoCo settles, Cycles draws."""
    from simgen.simulators import mujoco_gl

    if mujoco_gl.unavailable_reason():
        pytest.skip(mujoco_gl.unavailable_reason())
    plugins = build_plugins(config(*TINY, "simulator=mujoco", "renderer=blender", "renderer.preset=contract",
                                   "renderer.threads=1", "renderer.time_of_day=day"))
    summary = render_episodes(plugins, tmp_path, 1, seed=1, shard=0, id_prefix="mj")
    assert summary["failed"] == [] and summary["renderer"] == "blender"


def test_blender_rows_skip_only_without_blender():
    """The skip reason names the install (so a CI without .venv-blender says why)."""
    if NO_BLENDER:
        assert "pip install 'bpy==4.5.*'" in NO_BLENDER or "cannot import bpy" in NO_BLENDER
    else:
        check_renderer("blender", "pybullet")  # installed: pairs with pybullet and passes the bpy probe
        check_renderer("blender", "mujoco")


@needs_blender
def test_a_dead_blender_worker_is_restarted_at_the_next_load():
    """A worker that crashed costs one episode: the next load starts a new one."""
    from sim_scenes import box, scene

    from simgen.renderers.blender import BlenderRenderer
    from simgen.renderers.look import Look
    from simgen.types import CameraIntrinsics, ObjectState

    spec = scene([box(3, (2.0, 0.0, 1.3), (0.3, 0.3, 0.3))])
    K, T = CameraIntrinsics(32, 24, 20.0, 20.0, 16.0, 12.0), look_at([0.0, 0.0, 1.3], [1.0, 0.0, 1.3])
    with BlenderRenderer(Look(preset="contract", threads=1, time_of_day="day")) as r:
        r.load(spec, K)
        first = r._worker.proc.pid
        r._worker.proc.kill()
        r._worker.proc.wait()
        r.load(spec, K)
        assert r._worker.proc.pid != first
        obs = r.render(tuple(ObjectState(o.object_id, o.pose) for o in spec.objects), T)
    assert obs.instance[12, 16] == 3
