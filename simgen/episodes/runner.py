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
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from omegaconf import OmegaConf
from tqdm import tqdm

from simgen.episodes.dynamics import Dynamics, Playback, finalize
from simgen.episodes.mask_visibility import FloorCoverage, compute_visibility
from simgen.episodes.writer import (ARRAYS, EPISODE_JSON, VIDEO, EpisodeFolder, VideoWriter, depth_to_mm, dump_json,
                                    is_done, save_arrays)
from simgen.geometry import obb_footprint, quat_to_matrix
from simgen.registry import DYNAMICS, PLANNERS, RENDERERS, SCENE_BUILDERS, SIMULATORS, ConfigError, parse_config, \
    setting, store_schema
from simgen.renderers.appearance import with_look
from simgen.renderers.camera_effects import CameraEffects, CameraPipeline
from simgen.renderers.base import Renderer, SimulatorRenderer, check_renderer, open_renderer
from simgen.resource_limits import check_episode_size, scene_objects
from simgen.seeding import rng
from simgen.trajectories.base import PlanRequest, frame_budget, plan_episode, sizes_by_scene
from simgen.types import CameraIntrinsics, Episode, Frame, SceneSpec
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


def floor_coverage(spec: SceneSpec) -> FloorCoverage:
    """Floor-coverage tracker over the free floor: the room footprint less the footprints of the
    objects standing on the floor (``support`` None; no viewer sees the floor under a bed)."""
    covered = [obb_footprint(o.pose.position, o.half_extents, quat_to_matrix(o.pose.quat_wxyz))
               for o in spec.objects if o.support is None]
    return FloorCoverage(spec.room.footprint, covered=covered)


def coverage_report(frames: list[Frame], spec: SceneSpec, intrinsics: CameraIntrinsics, model: VisibilityModel,
                    floor_seen: float) -> dict:
    """What the video shows, judged by the visibility model on the rendered masks: per object the
    frames it is seen / seen clearly in, the share of objects seen clearly in ≥ ``clear_frames``
    frames, frames showing no object, and the share of the free floor shown (``floor_coverage``)."""
    w, h = intrinsics.width, intrinsics.height
    ids = [obj.object_id for obj in spec.objects]
    pixels = np.array([[v.visible_pixels for v in frame.visibility] for frame in frames], dtype=float).reshape(len(frames), len(ids))
    seen, clear = model.seen(pixels, w, h), model.clear(pixels, w, h)
    clear_objects = int((clear.sum(axis=0) >= model.clear_frames).sum())
    empty = int((~seen.any(axis=1)).sum()) if ids else len(frames)
    return {
        "seen_px": round(model.pixels("seen", w, h), 1),
        "clear_px": round(model.pixels("clear", w, h), 1),
        "clear_frames": model.clear_frames,
        "objects_total": len(ids),
        "objects_seen": int(seen.any(axis=0).sum()),
        "objects_clear": clear_objects,
        "objects_clear_fraction": clear_objects / len(ids) if ids else 1.0,
        "empty_frames": empty,
        "empty_frame_fraction": empty / len(frames) if frames else 0.0,
        "floor_seen_fraction": round(floor_seen, 4),
        "seen_frames_per_object": {str(i): int(c) for i, c in zip(ids, seen.sum(axis=0))},
        "clear_frames_per_object": {str(i): int(c) for i, c in zip(ids, clear.sum(axis=0))},
    }


def render_one(sim, spec: SceneSpec, plugins: EpisodePlugins, episode_id: str, out_dir: Path,
               stream: Callable[[str], np.random.Generator], frame_bar=None, renderer: Renderer | None = None,
               timings: dict | None = None) -> Episode:
    """Render one episode of ``spec`` into ``out_dir`` (a temp folder): video, arrays, episode.json.

    ``sim`` is the physics, ``renderer`` draws its states (None: the simulator draws itself);
    ``stream(stage)`` gives the seeded generator of a stage ("trajectory", "dynamics"); ``timings``,
    when given, receives the wall seconds of ``setup`` (the sum of ``load``: build and settle,
    ``plan`` and ``prepare``: dynamics, renderer load, video writer), ``frames`` (render,
    visibility, encode) and ``write`` (video close, arrays, episode.json), and this process's CPU
    seconds of each as ``<phase>_cpu`` (a measure a busy machine disturbs less).
    """
    clock = [(time.perf_counter(), time.process_time())]
    renderer = renderer or SimulatorRenderer(simulator=sim)
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
    renderer.load(spec, plugins.intrinsics)  # after the pushes were tried: the scene as it will be filmed
    floor = floor_coverage(spec)
    playback = Playback(events)
    video = VideoWriter(out_dir / VIDEO, intrinsics.width, intrinsics.height, render.fps, render.video_crf)
    camera = CameraPipeline(plugins.camera_effects, intrinsics, stream("camera"))
    frames, depths, instances = [], [], []
    clock.append((time.perf_counter(), time.process_time()))
    try:
        for index, T_world_cam in enumerate(poses):
            if events:  # dynamic episode: motions happen between frames
                states = playback.advance(sim, index, 1.0 / render.fps)
            obs = renderer.render(states, T_world_cam)
            video.write(camera(obs.rgb, obs.depth, T_world_cam))
            vis = compute_visibility(obs, spec, states, intrinsics, T_world_cam, near=renderer.near)
            floor.add(obs.depth, obs.instance, intrinsics, T_world_cam)
            frames.append(Frame(index, index / render.fps, tuple(map(tuple, T_world_cam)), states, vis))
            if render.save_arrays:
                depths.append(depth_to_mm(obs.depth))
                instances.append(obs.instance)
            if frame_bar is not None:
                frame_bar.update(1)
        clock.append((time.perf_counter(), time.process_time()))
    finally:
        video.close()
    files = {"video": VIDEO, **({"arrays": ARRAYS} if render.save_arrays else {})}
    with ThreadPoolExecutor(1) as pool:  # deflate releases the GIL: compress while the JSON is built
        saver = pool.submit(save_arrays, out_dir / ARRAYS, {"depth_mm": depths, "instance": instances}) \
            if render.save_arrays else None
        recorded = with_look(spec, getattr(renderer, "look", None),
                             None if plugins.camera_effects.off() else camera.values)
        episode = Episode(episode_id, recorded, intrinsics, render.fps, tuple(frames), plugins.simulator_name,
                          plugins.planner_name, renderer.name,
                          coverage_report(frames, spec, intrinsics, plugins.visibility, floor.fraction), files,
                          finalize(events, frames), tuple(actions))
        dump_json(episode.to_dict(), out_dir / EPISODE_JSON)
        if saver is not None:
            saver.result()  # re-raises a failed write
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
