"""Run episodes: build → settle → plan → render → visibility → write (video, episode.json, arrays).

The runner speaks to two interfaces: the physics backend (:class:`~simgen.simulators.base.Simulator`:
load, step, states, poses and pushes) and the renderer (:class:`~simgen.renderers.base.Renderer`:
states and a camera pose in, RGB, depth and ids out), chosen by the ``simulator`` and ``renderer``
config groups. By default the simulator draws itself (``renderer: ${simulator}``).

One call of :func:`render_episodes` renders one shard's episodes into ``<run_dir>/episodes/``,
skipping finished ones (done-marker) and redoing unfinished ones; a failing episode is logged,
recorded in ``failures.jsonl`` and skipped, never taking the shard down.
"""
from __future__ import annotations

import json
import logging
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from omegaconf import OmegaConf
from tqdm import tqdm

from simgen.episodes.dynamics import Dynamics, finalize
from simgen.episodes.takes import film_best
from simgen.episodes.writer import ARRAYS, EPISODE_JSON, VIDEO, EpisodeFolder, dump_json, is_done
from simgen.registry import DYNAMICS, PLANNERS, RENDERERS, SCENE_BUILDERS, SIMULATORS, ConfigError, parse_config, \
    setting, store_schema
from simgen.renderers.appearance import with_look
from simgen.renderers.camera_effects import CameraEffects
from simgen.renderers.base import Renderer, SimulatorRenderer, check_renderer, open_renderer
from simgen.resource_limits import check_episode_size, scene_objects
from simgen.seeding import rng
from simgen.trajectories.base import PlanRequest, frame_budget, plan_episode, sizes_by_scene
from simgen.types import CameraIntrinsics, Episode, SceneSpec
from simgen.visibility_model import VisibilityModel

log = logging.getLogger("simgen.episodes")
_COVERAGE_SUMMARY = ("objects_clear_fraction", "floor_seen_fraction", "empty_frame_fraction")  # per episode in run.json


@dataclass(frozen=True)
class RenderConfig:
    """How episodes are rendered and stored (``conf/render/``)."""

    name: str = "default"
    fps: float = setting(10.0, gt=0.0)
    duration_s: float = setting(12.0, gt=0.0)  # the walkthrough passes every viewpoint and enough floor views
    save_arrays: bool = True  # compressed depth (mm) and instance ids per frame in arrays.npz
    video_crf: int = setting(20, ge=0, le=51)  # x264 quality (0 lossless, 51 worst)
    # A static take (not a house tour) whose rendered video falls short of these is filmed again along the planner's path
    # from its next seeded stream, up to ``retakes`` times, keeping the best (``episodes/takes.py``):
    retakes: int = setting(4, ge=0)
    take_min_objects_clear: float = setting(0.9, ge=0.0, le=1.0)  # share seen clearly in ≥ clear_frames frames
    take_min_floor_seen: float = setting(0.7, ge=0.0, le=1.0)  # share of the free floor shown

    @property
    def n_frames(self) -> int:
        """Frames per episode: fps × duration, at least 1."""
        return max(1, int(round(self.fps * self.duration_s)))


store_schema("render", RenderConfig)


@dataclass(frozen=True)
class EpisodePlugins:
    """The built plugins and settings one shard renders with (validated before any work)."""

    builder: object
    simulator_cfg: object
    planner: object
    planner_name: str
    simulator_name: str
    intrinsics: CameraIntrinsics
    render: RenderConfig
    dynamics: Dynamics
    visibility: VisibilityModel
    renderer_cfg: object = None
    renderer_name: str | None = None  # None: the simulator draws itself
    camera_effects: CameraEffects = CameraEffects()


def render_one(sim, spec: SceneSpec, plugins: EpisodePlugins, episode_id: str, out_dir: Path,
               stream: Callable[[str], np.random.Generator], frame_bar=None, renderer: Renderer | None = None,
               timings: dict | None = None) -> Episode:
    """Render one episode of ``spec`` into ``out_dir`` (a temp folder): video, arrays, episode.json.

    ``sim`` is the physics, ``renderer`` draws its states (None: the simulator draws itself);
    ``stream(stage)`` gives the seeded generator of a stage ("trajectory", "dynamics"); ``timings``,
    when given, receives the wall seconds of ``setup`` (the sum of ``load``: the renderer's load, build
    and settle, ``plan`` and ``prepare``: dynamics), ``frames`` (render, visibility, encode,
    and any retake: ``takes.film_best``) and ``write`` (arrays, episode.json), and this process's
    CPU seconds of each as ``<phase>_cpu`` (a measure a busy machine disturbs less).
    """
    clock = [(time.perf_counter(), time.process_time())]
    renderer = renderer or SimulatorRenderer(simulator=sim)
    renderer.load(spec, plugins.intrinsics)  # first: a worker process builds it while this one plans
    states = sim.load(spec)
    clock.append((time.perf_counter(), time.process_time()))
    render, intrinsics = plugins.render, plugins.intrinsics
    n_frames = frame_budget(plugins.planner, spec, render.n_frames, render.fps)  # a house tour: per room
    if sizes_by_scene(plugins.planner):  # the real count replaces render.duration_s's
        check_episode_size(intrinsics.width, intrinsics.height, render.fps, render.duration_s, len(spec.objects),
                           render.save_arrays, n_frames=n_frames)
        if frame_bar is not None:
            frame_bar.total += n_frames - render.n_frames
            frame_bar.refresh()
    request = PlanRequest(spec, states, intrinsics, n_frames, render.fps, plugins.visibility)
    poses, actions = plan_episode(plugins.planner, request, stream("trajectory"))
    clock.append((time.perf_counter(), time.process_time()))
    events = plugins.dynamics.schedule(request, poses, stream("dynamics"), sim)  # pushes are tried in sim
    clock.append((time.perf_counter(), time.process_time()))
    take = film_best(sim, renderer, request, plugins, (poses, actions), events, out_dir / VIDEO, stream, frame_bar)
    clock.append((time.perf_counter(), time.process_time()))
    files = {"video": VIDEO, **({"arrays": ARRAYS} if render.save_arrays else {})}
    if take.arrays is not None:  # written while the take was filmed
        os.replace(take.arrays, out_dir / ARRAYS)
    recorded = with_look(spec, getattr(renderer, "look", None),
                         None if plugins.camera_effects.off() else take.camera_values)
    episode = Episode(episode_id, recorded, intrinsics, render.fps, tuple(take.frames), plugins.simulator_name,
                      plugins.planner_name, renderer.name, take.coverage, files, finalize(events, take.frames),
                      take.actions)
    dump_json(episode.to_dict(), out_dir / EPISODE_JSON)
    if timings is not None:
        clock.append((time.perf_counter(), time.process_time()))
        for phase, (wall, cpu) in zip(("load", "plan", "prepare", "frames", "write"), np.diff(clock, axis=0).tolist()):
            timings.update({phase: wall, f"{phase}_cpu": cpu})
        for unit in ("", "_cpu"):
            timings[f"setup{unit}"] = sum(timings[f"{phase}{unit}"] for phase in ("load", "plan", "prepare"))
    return episode


def render_episodes(plugins: EpisodePlugins, run_dir: Path, n_episodes: int, seed: int, shard: int,
                    id_prefix: str) -> dict:
    """Render a shard's episodes under ``run_dir/episodes``; returns a summary for ``run.json``."""
    root = Path(run_dir) / "episodes"
    root.mkdir(parents=True, exist_ok=True)
    ids = [f"{id_prefix}-s{seed}-sh{shard}-e{index:04d}" for index in range(n_episodes)]
    pending = [(i, eid) for i, eid in enumerate(ids) if not is_done(root / eid)]
    summary = {"rendered": [], "skipped_done": [eid for eid in ids if is_done(root / eid)], "failed": [],
               "seconds": {}, "coverage": {}}
    if not pending:
        return summary
    sim = SIMULATORS.get(plugins.simulator_name)[0](plugins.simulator_cfg)
    renderer = open_renderer(plugins.renderer_name or plugins.simulator_name, plugins.renderer_cfg, sim)
    summary["renderer"] = renderer.name
    log.info("simulator %s, renderer %s", plugins.simulator_name, renderer.name)
    try:
        with tqdm(total=len(pending), desc="episodes", unit="ep") as ep_bar, \
                tqdm(total=len(pending) * plugins.render.n_frames, desc="frames", unit="fr", leave=False) as fr_bar:
            # (a house tour corrects the total episode by episode, as each scene's frames are known)
            for index, episode_id in pending:
                start = time.perf_counter()
                _render_or_record_failure(sim, renderer, plugins, root / episode_id, seed, shard, index, summary,
                                          fr_bar)
                summary["seconds"][episode_id] = round(time.perf_counter() - start, 3)
                ep_bar.update(1)
        if getattr(renderer, "device", None):  # where a standalone renderer ran (Blender: CPU or which GPU)
            summary["render_device"] = renderer.device
    finally:
        renderer.close()
        sim.close()
    if summary["failed"]:
        with open(Path(run_dir) / "failures.jsonl", "a") as f:
            for item in summary["failed"]:
                f.write(json.dumps(item, sort_keys=True) + "\n")
    return summary


def _render_or_record_failure(sim, renderer: Renderer, plugins: EpisodePlugins, final: Path, seed: int, shard: int,
                              index: int, summary: dict, frame_bar) -> None:
    """Render one episode atomically into ``final``; a failure is logged and recorded, never raised."""
    episode_id = final.name
    try:
        spec = plugins.builder.build(seed, shard, index)
        with EpisodeFolder(final) as tmp:
            episode = render_one(sim, spec, plugins, episode_id, tmp, lambda stage: rng(seed, shard, index, stage),
                                 frame_bar, renderer)
    except ConfigError:
        raise
    except Exception as exc:  # one bad scene never takes the shard down
        log.error("episode %s failed: %s", episode_id, exc)
        summary["failed"].append({"episode_id": episode_id, "error": f"{type(exc).__name__}: {exc}",
                                  "traceback": traceback.format_exc(limit=5)})
        return
    summary["rendered"].append(episode_id)
    cov = episode.coverage
    summary["coverage"][episode_id] = {key: cov[key] for key in _COVERAGE_SUMMARY}
    log.info("%s: %d frames; %d/%d objects seen clearly in ≥%d frames, floor seen %.0f%%, %d frames show no object",
             episode_id, len(episode.frames), cov["objects_clear"], cov["objects_total"], cov["clear_frames"],
             100 * cov["floor_seen_fraction"], cov["empty_frames"])


def build_plugins(cfg) -> EpisodePlugins:
    """Validate every plugin config and build what can be built without a simulator (fails fast)."""
    builder = SCENE_BUILDERS.build(cfg.scene)
    sim_cfg = SIMULATORS.config(cfg.simulator)
    renderer_cfg = RENDERERS.config(cfg.renderer)
    check_renderer(cfg.renderer.name, cfg.simulator.name)  # pairs with the physics, installed here
    planner = PLANNERS.build(cfg.trajectory)
    render = parse_config(RenderConfig, OmegaConf.to_container(cfg.render, resolve=True), "render")
    cam = cfg.camera
    try:
        intrinsics = CameraIntrinsics.from_vfov(int(cam.width), int(cam.height), float(cam.vfov_deg))
    except ValueError as e:
        raise ConfigError(str(e)) from None
    check_episode_size(intrinsics.width, intrinsics.height, render.fps, render.duration_s, scene_objects(builder),
                       render.save_arrays, n_frames=1 if sizes_by_scene(planner) else None)  # before any file
    return EpisodePlugins(builder, sim_cfg, planner, cfg.trajectory.name, cfg.simulator.name, intrinsics, render,
                          DYNAMICS.build(cfg.dynamics), VisibilityModel.from_config(cfg.visibility), renderer_cfg,
                          cfg.renderer.name, parse_config(CameraEffects, OmegaConf.to_container(cam.effects),
                                                          "camera.effects"))
