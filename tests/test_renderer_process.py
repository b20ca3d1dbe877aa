"""pybullet's renderer in a worker process (``renderer.process``, the default): the same frames as the
simulator's own render, pipelined takes, moved objects, early stops, worker failures, and episodes
byte-identical to those rendered in this process."""
from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from sim_scenes import golden_scene, intrinsics

from simgen.episodes.runner import build_plugins, render_episodes
from simgen.geometry import look_at
from simgen.job_config import conf_dir
from simgen.registry import RENDERERS, ConfigError
from simgen.renderers import Renderer
from simgen.renderers.base import SimulatorRenderer, open_renderer, render_stream
from simgen.renderers.process import SHM_DIR, ProcessRenderer
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator
from simgen.types import ObjectState, Pose

TINY = ["camera.width=64", "camera.height=48", "render.fps=5", "render.duration_s=1.0", "scene.num_objects=3",
        "render.save_arrays=true"]
PASSES = ("rgb", "depth", "instance")


def config(*overrides: str):
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        return compose("config", overrides=list(overrides))


def poses(n: int) -> list[np.ndarray]:
    """n camera poses circling the golden scene."""
    return [look_at([2.5 * np.cos(a), 2.5 * np.sin(a), 1.5], [0.0, 0.0, 0.5])
            for a in np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)]


def same(a, b) -> bool:
    return all(np.array_equal(getattr(a, p), getattr(b, p)) for p in PASSES)


@pytest.fixture(scope="module")
def pair():
    """The simulator (golden scene loaded) and its renderer in a worker, loaded with the same scene."""
    with PybulletSimulator(PybulletConfig(renderer="tiny", near=0.07)) as sim:
        states = sim.load(golden_scene())
        with ProcessRenderer(sim, frames_in_flight=2) as renderer:
            renderer.load(sim.spec, intrinsics())
            yield sim, states, renderer


def test_default_pybullet_renderer_is_a_worker_and_off_renders_here():
    with PybulletSimulator(PybulletConfig(renderer="tiny")) as sim:
        worker = open_renderer("pybullet", RENDERERS.config(config().renderer), sim)
        here = open_renderer("pybullet", RENDERERS.config(config("renderer.process=false").renderer), sim)
        assert isinstance(worker, ProcessRenderer) and isinstance(worker, Renderer)
        assert type(here) is SimulatorRenderer
        with pytest.raises(RuntimeError, match="render before load"):
            worker.render((), look_at([1.0, 1.0, 1.0], [0.0, 0.0, 0.0]))
        worker.close()


def test_frames_in_flight_is_checked():
    with pytest.raises(ConfigError, match=r"renderer\.frames_in_flight"):
        RENDERERS.config(config("renderer.frames_in_flight=0").renderer)


def test_process_keys_leave_the_config_hash_alone():
    """Where frames are drawn is not what they show: run ids and episode ids stay those of the default."""
    from simgen.cli import config_hash

    default = config_hash(config("debug=smoke"))
    assert config_hash(config("debug=smoke", "renderer.process=false")) == default
    assert config_hash(config("debug=smoke", "renderer.frames_in_flight=5")) == default


def test_worker_frames_are_the_simulators_own(pair):
    """Its own client, loaded and settled the same way, draws the parent's frames bit for bit, pipelined."""
    sim, states, renderer = pair
    assert (renderer.name, renderer.near) == ("tiny", 0.07)
    K, path = intrinsics(), poses(7)
    out = list(render_stream(renderer, [(states, T) for T in path]))
    assert [s for s, _, _ in out] == [states] * 7
    for (_, T, obs), expected in zip(out, path):
        assert T is expected and same(obs, sim.render(T, K))
    assert set(np.unique(out[0][2].instance)) >= {1, 2, 3}
    assert renderer.worker_cpu_s > 0.0


def test_moved_objects_are_drawn_where_the_states_say(pair):
    """A dynamic take hands each frame's states over: moved objects are moved in the worker too."""
    sim, states, renderer = pair
    K, T = intrinsics(), poses(1)[0]
    first = states[0]
    moved = ObjectState(first.object_id, Pose((first.pose.position[0] + 0.4, *first.pose.position[1:]),
                                             first.pose.quat_wxyz))
    moved_states = (moved, *states[1:])
    try:
        sim.set_pose(moved.object_id, moved.pose)
        obs = renderer.render(moved_states, T)
        assert same(obs, sim.render(T, K))
        assert not same(obs, renderer.render(states, T))  # and back
    finally:
        sim.set_pose(first.object_id, first.pose)
    assert same(renderer.render(states, T), sim.render(T, K))


def test_a_take_stopped_early_leaves_the_worker_in_step(pair):
    sim, states, renderer = pair
    K, path = intrinsics(), poses(6)
    stream = render_stream(renderer, [(states, T) for T in path])
    next(stream)
    stream.close()  # frames still in flight are collected, not left to answer the next request
    assert same(renderer.render(states, path[3]), sim.render(path[3], K))


def test_the_frame_buffer_leaves_no_file_behind(pair):
    if not SHM_DIR.is_dir():
        pytest.skip(f"no {SHM_DIR} here: the buffer file lives in the temp folder")
    assert pair[2]._slots is not None and not list(SHM_DIR.glob("simgen-frames-*"))


def test_a_failed_or_dead_worker_raises_and_the_next_load_starts_another(pair):
    sim, states, renderer = pair
    K, T = intrinsics(), poses(1)[0]
    stranger = (ObjectState(999, states[0].pose),)
    with pytest.raises(RuntimeError, match=r"(?s)the render worker failed: .*no object_id 999"):
        renderer.render(stranger, T)
    renderer.load(sim.spec, K)
    assert same(renderer.render(states, T), sim.render(T, K))
    renderer._worker.proc.kill()
    renderer._worker.proc.wait()
    with pytest.raises(RuntimeError, match=r"the render worker exited with code -9"):
        renderer.render(states, T)
    renderer.load(sim.spec, K)
    assert same(renderer.render(states, T), sim.render(T, K))


def files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file() and p.name != "run.json")


@pytest.mark.parametrize("dynamics", ["none", "mixed"])
def test_episodes_are_byte_identical_to_those_rendered_here(tmp_path, dynamics):
    """Static and dynamic shards (seed 4's 4-s episodes: a relocation and a push), rendered in a worker
    and in this process: every file the same."""
    from simgen.episodes.writer import read_episode

    overrides = [*TINY] if dynamics == "none" else [*TINY, "render.duration_s=4", "dynamics=mixed",
                                                    "dynamics.num_moving=2"]
    for process in ("true", "false"):
        summary = render_episodes(build_plugins(config(*overrides, f"renderer.process={process}")),
                                  tmp_path / process, 2, seed=4, shard=0, id_prefix="pr")
        assert summary["failed"] == [] and len(summary["rendered"]) == 2 and summary["renderer"] == "tiny"
    worker, here = tmp_path / "true", tmp_path / "false"
    assert files(worker) == files(here) and len(files(worker)) == 8
    events = {e.kind for f in worker.glob("episodes/*") for e in read_episode(f).events}
    assert events == (set() if dynamics == "none" else {"scripted", "push"})
    for name in files(worker):
        if name.suffix == ".npz":
            a, b = np.load(worker / name), np.load(here / name)
            assert all(np.array_equal(a[k], b[k]) for k in ("depth_mm", "instance")), name
        else:
            assert filecmp.cmp(worker / name, here / name, shallow=False), name


def test_a_stream_dropped_unclosed_is_collected_by_the_next_one(pair):
    """Frames still in flight when a take's stream is dropped (a failed take whose traceback keeps it
    alive) never answer a later request, whenever the dropped stream is finally closed."""
    sim, states, renderer = pair
    K, path = intrinsics(), poses(6)
    dropped = render_stream(renderer, [(states, T) for T in path])
    next(dropped)  # two more frames in flight
    assert same(renderer.render(states, path[4]), sim.render(path[4], K))
    renderer.load(sim.spec, K)  # and a load after a dropped stream
    late = render_stream(renderer, [(states, T) for T in path])
    next(late)
    del late  # closed while its frames are in flight, after the load
    dropped.close()  # long after: nothing of its own is left to collect
    assert same(renderer.render(states, path[5]), sim.render(path[5], K))
