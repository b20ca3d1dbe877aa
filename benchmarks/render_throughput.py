"""Render throughput, measured in one run on this machine; prints JSON.

* raw: pybullet ``getCameraImage`` frames/s on a default scene at the chosen resolution (same
  camera poses, same flags as the simulator uses), nothing else;
* pipeline: end-to-end frames/s for the same frames — scene build, settle, plan, render,
  visibility, H.264 encode, episode.json and arrays written — and its ratio to raw, with the
  configured renderer: by default pybullet's in a worker process (``renderer.process``), started once
  as a shard starts it (``worker_start_s``), capturing frames while this process analyses them;
* in_process: the same pipeline with the renderer in this process (``renderer.process=false``);
* cpu: the same ratios in CPU seconds, this process's and the render worker's (what a busy machine
  disturbs less; ffmpeg's encoding runs in its own process and is not counted): the worker spends
  no fewer CPU seconds, it spends them on another core; the in-process frame loop's CPU ratio; the
  planner's seconds for this episode (``plan_s``, part of setup) and the per-episode fixed seconds
  (setup + write);
* frame loop: the pipeline's per-frame part alone (the renderer behind the ``Renderer`` interface,
  depth and id conversions, visibility, floor coverage, encode), its ratio to raw, and the
  per-episode fixed seconds beside it (setup: load, settle, plan, the renderer's load; write: arrays, JSON);
* breakdown: the fixed CPU seconds by phase (load: build + settle, plan, prepare: dynamics and
  renderer load, write) and the frame loop's CPU ms a frame by step, the steps timed apart on the same
  poses (render: the simulator's render with its depth and id conversions; encode and rest: the
  loop's ms beyond the timed steps — feeding the video encoder, the frame records);
* build: scene build + physics settle seconds for 8, 16, 32 and 64 objects, and 64 vs 16;
* dynamics: the same pipeline episode with two objects moving (scripted relocation or physics
  push, physics stepped every frame) and its cost relative to the static episode.

The episode is the project's default one: ``--seconds`` defaults to the composed config's
``render.duration_s`` (12 s at 10 fps: 120 frames); ``--seconds 6`` measures the short episode of earlier runs.

Usage: python benchmarks/render_throughput.py [--width 320 --height 240 --seconds 12 --repeats 3]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from hydra import compose, initialize_config_dir

from simgen.job_config import conf_dir
from simgen.episodes.mask_visibility import FrameVisibility
from simgen.episodes.runner import build_plugins, render_one
from simgen.episodes.takes import floor_coverage
from simgen.episodes.writer import depth_to_mm
from simgen.renderers.base import SimulatorRenderer, open_renderer
from simgen.registry import SIMULATORS
from simgen.seeding import rng
from simgen.simulators.pybullet_render import gl_projection_matrix, gl_view_matrix
from simgen.trajectories.base import PlanRequest


def compose_cfg(overrides: list[str]):
    """The CLI's own config with overrides (no Hydra run dir needed)."""
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        return compose("config", overrides=overrides)


def raw_fps(sim, poses, intrinsics) -> tuple[float, float]:
    """Frames per wall second and per CPU second of bare getCameraImage calls with the simulator's
    own matrices and flags."""
    p, light, cfg = sim._p, sim.spec.lighting, sim.cfg
    proj = gl_projection_matrix(intrinsics, cfg.near, cfg.far)
    start, cpu = time.perf_counter(), time.process_time()
    for T in poses:
        p.getCameraImage(intrinsics.width, intrinsics.height, gl_view_matrix(T), proj,
                         lightDirection=list(light.direction), lightColor=list(light.color),
                         lightAmbientCoeff=light.ambient, lightDiffuseCoeff=light.diffuse,
                         lightSpecularCoeff=light.specular, shadow=int(cfg.shadows), renderer=sim._gl,
                         physicsClientId=sim.client)
    return len(poses) / (time.perf_counter() - start), len(poses) / (time.process_time() - cpu)


def pipeline_fps(plugins, sim, seed: int, renderer):
    """Frames/s of one full episode (build, settle, plan, render, visibility, encode, write) drawn by
    ``renderer``, the episode, and render_one's timings (setup, frames, write seconds; ``total_cpu``:
    this process's and the render worker's CPU seconds)."""
    timings = {}
    worker_cpu = lambda: getattr(renderer, "worker_cpu_s", 0.0)  # noqa: E731 - a worker's clock, if any
    with tempfile.TemporaryDirectory() as tmp:
        start, cpu, worker = time.perf_counter(), time.process_time(), worker_cpu()
        spec = plugins.builder.build(seed, 0, 0)
        episode = render_one(sim, spec, plugins, "bench", Path(tmp), lambda stage: rng(seed, 0, 0, stage),
                             renderer=renderer, timings=timings)
        timings["total_cpu"] = time.process_time() - cpu + worker_cpu() - worker
        return len(episode.frames) / (time.perf_counter() - start), episode, timings


def frame_steps_ms(plugins, sim, spec, states, poses) -> dict:
    """CPU ms a frame of each step of the runner's frame loop but the video, timed apart on ``poses``."""
    renderer, floor, intrinsics = SimulatorRenderer(simulator=sim), floor_coverage(spec), plugins.intrinsics
    renderer.load(spec, intrinsics)
    visibility = FrameVisibility(spec, intrinsics, renderer.near)  # as takes.film measures each frame
    spent = dict.fromkeys(("render", "visibility", "floor", "depth_mm"), 0.0)
    for T in poses:
        clock = time.process_time()
        obs = renderer.render(states, T)
        marks = [time.process_time()]
        visibility(obs, states, T)
        marks.append(time.process_time())
        floor.add(obs.depth, obs.instance, intrinsics, T)
        marks.append(time.process_time())
        depth_to_mm(obs.depth)
        marks.append(time.process_time())
        for step, (start, end) in zip(spent, zip([clock] + marks, marks)):
            spent[step] += end - start
    return {step: 1000.0 * seconds / len(poses) for step, seconds in spent.items()}


def build_seconds(n_objects: int, repeats: int) -> float:
    """Best-of-``repeats`` seconds to build and settle a scene with ``n_objects`` objects."""
    cfg = compose_cfg([f"scene.num_objects={n_objects}", "scene.room_width=8", "scene.room_depth=7"])
    plugins = build_plugins(cfg)
    best = float("inf")
    with SIMULATORS.get("pybullet")[0](plugins.simulator_cfg) as sim:
        for r in range(repeats):
            start = time.perf_counter()
            sim.load(plugins.builder.build(r, 0, 0))
            best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=320)
    ap.add_argument("--height", type=int, default=240)
    ap.add_argument("--seconds", type=float, default=None,
                    help="episode length (default: the config's render.duration_s, the project's default episode)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    sizes = [f"camera.width={args.width}", f"camera.height={args.height}"]
    sizes += [] if args.seconds is None else [f"render.duration_s={args.seconds}"]  # else the config's default
    cfg = compose_cfg(sizes)
    args.seconds = float(cfg.render.duration_s)
    plugins = build_plugins(cfg)
    with SIMULATORS.get("pybullet")[0](plugins.simulator_cfg) as sim:
        spec = plugins.builder.build(0, 0, 0)
        states = sim.load(spec)
        clock = time.process_time()
        poses = plugins.planner.plan(PlanRequest(spec, states, plugins.intrinsics, plugins.render.n_frames,
                                                 plugins.render.fps, plugins.visibility), rng(0, 0, 0, "trajectory"))
        plan_cpu = time.process_time() - clock
        start = time.perf_counter()
        configured = open_renderer(cfg.renderer.name, plugins.renderer_cfg, sim)  # as a shard opens it
        configured.load(spec, plugins.intrinsics)  # a worker starts here, once a shard
        worker_start = time.perf_counter() - start
        here = SimulatorRenderer(simulator=sim)
        raws, runs, in_process = [], [], []
        for _ in range(args.repeats):  # interleaved, so all see the same load on a busy machine
            raws.append(raw_fps(sim, poses, plugins.intrinsics))
            runs.append(pipeline_fps(plugins, sim, 0, configured))
            in_process.append(pipeline_fps(plugins, sim, 0, here))
        raw, raw_cpu = max(r[0] for r in raws), max(r[1] for r in raws)
        pipe, episode, _ = max(runs, key=lambda r: r[0])
        n = len(episode.frames)
        pipe_cpu = max(n / r[2]["total_cpu"] for r in runs)
        here_fps, here_cpu = max(r[0] for r in in_process), max(n / r[2]["total_cpu"] for r in in_process)
        loop = max(n / r[2]["frames"] for r in runs)
        loop_cpu = max(n / r[2]["frames_cpu"] for r in in_process)  # the frame loop's CPU in one process
        fixed = {k: round(min(r[2][k] for r in runs), 3) for k in ("setup", "write", "setup_cpu", "write_cpu")}
        phases = {k: round(min(r[2][f"{k}_cpu"] for r in runs), 3) for k in ("load", "plan", "prepare", "write")}
        steps = frame_steps_ms(plugins, sim, spec, sim.load(spec), poses)
        steps["encode_and_rest"] = 1000.0 / loop_cpu - sum(steps.values())
        steps = {"raw": round(1000.0 / raw_cpu, 2), **{k: round(v, 2) for k, v in steps.items()}}
        dynamic = build_plugins(compose_cfg(sizes + ["dynamics=mixed", "dynamics.num_moving=2"]))
        dyn, moving, _ = max((pipeline_fps(dynamic, sim, 0, configured) for _ in range(args.repeats)),
                             key=lambda r: r[0])
        renderer = configured.name
        configured.close()
    builds = {str(n): round(build_seconds(n, args.repeats), 4) for n in (8, 16, 32, 64)}
    print(json.dumps({
        "resolution": f"{args.width}x{args.height}", "renderer": renderer,
        "render_process": type(configured).__name__, "worker_start_s": round(worker_start, 3),
        "seconds": args.seconds, "frames": len(episode.frames), "objects": len(spec.objects),
        "raw_fps": round(raw, 2), "pipeline_fps": round(pipe, 2), "pipeline_over_raw": round(pipe / raw, 3),
        "in_process": {"pipeline_fps": round(here_fps, 2), "pipeline_over_raw": round(here_fps / raw, 3)},
        "frame_loop_fps": round(loop, 2), "frame_loop_over_raw": round(loop / raw, 3), "fixed_s": fixed,
        "cpu": {"raw_fps": round(raw_cpu, 2), "pipeline_fps": round(pipe_cpu, 2),
                "pipeline_over_raw": round(pipe_cpu / raw_cpu, 3),
                "in_process_pipeline_over_raw": round(here_cpu / raw_cpu, 3),
                "in_process_frame_loop_fps": round(loop_cpu, 2),
                "in_process_frame_loop_over_raw": round(loop_cpu / raw_cpu, 3), "plan_s": round(plan_cpu, 3),
                "fixed_s": round(fixed["setup_cpu"] + fixed["write_cpu"], 3)},
        "breakdown": {"fixed_cpu_s": phases, "frame_loop_cpu_ms": steps},
        "build_settle_s": builds, "build_64_over_16": round(builds["64"] / builds["16"], 2),
        "dynamic_pipeline_fps": round(dyn, 2), "dynamic_events": [e.kind for e in moving.events],
        "dynamic_cost_over_static": round(pipe / dyn, 3),
    }, indent=1))


if __name__ == "__main__":
    main()
