"""Planner cost per episode, measured in one run on this machine; prints JSON.

For each trajectory (default: the default ``walkthrough``, then ``coverage``, ``lookat`` and ``ego``)
and each seed, the default scene is built and settled in pybullet, then the planner plans it as the
runner does (``plan_episode`` on the same ``PlanRequest``, the seed's ``trajectory`` stream). Only
the planning is timed, in this process's CPU seconds (what a busy machine disturbs less) and wall
seconds. Beside each, in the same run: the CPU seconds pybullet's bare ``getCameraImage`` takes
for that episode's frames (the raw renderer, as ``render_throughput.py`` measures it) and the
ratio plan / raw render: the share planning adds to an episode's rendering. ``plans_sha256`` digests
every seed's planned poses (float64 bytes) and camera actions: equal digests before and after a change
to the planner mean bit-identical plans. ``--overrides`` adds Hydra overrides (``scene=house`` with
``--trajectories house_tour`` times the house tour).

Usage: nice -n 10 python benchmarks/plan_speed.py [--seeds 10] [--first-seed 0]
       [--trajectories walkthrough coverage lookat ego] [--width 320 --height 240] [--overrides scene=house]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time

import numpy as np
from render_throughput import compose_cfg, raw_fps

from simgen.episodes.runner import build_plugins
from simgen.registry import SIMULATORS
from simgen.seeding import rng
from simgen.trajectories.base import PlanRequest, frame_budget, plan_episode


def plan_seconds(trajectory: str, seeds: range, overrides: list[str]) -> dict:
    """CPU and wall seconds per plan of ``trajectory`` over ``seeds``, the raw render's CPU seconds
    for the same episodes' frames, and a digest of the plans."""
    plugins = build_plugins(compose_cfg(overrides + [f"trajectory={trajectory}"]))
    cpu, wall, raw, digest = [], [], [], hashlib.sha256()
    with SIMULATORS.get("pybullet")[0](plugins.simulator_cfg) as sim:
        for seed in seeds:
            spec = plugins.builder.build(seed, 0, 0)
            states = sim.load(spec)
            n_frames = frame_budget(plugins.planner, spec, plugins.render.n_frames, plugins.render.fps)
            request = PlanRequest(spec, states, plugins.intrinsics, n_frames, plugins.render.fps, plugins.visibility)
            start, clock = time.perf_counter(), time.process_time()
            poses, actions = plan_episode(plugins.planner, request, rng(seed, 0, 0, "trajectory"))
            cpu.append(time.process_time() - clock)
            wall.append(time.perf_counter() - start)
            digest.update(np.ascontiguousarray(poses, dtype=np.float64).tobytes())
            digest.update(repr(actions).encode())
            raw.append(len(poses) / raw_fps(sim, poses, plugins.intrinsics)[1])
    return {
        "cpu_s_per_plan": round(statistics.mean(cpu), 3), "cpu_s_median": round(statistics.median(cpu), 3),
        "cpu_s_max": round(max(cpu), 3), "wall_s_per_plan": round(statistics.mean(wall), 3),
        "raw_render_cpu_s_per_episode": round(statistics.mean(raw), 3),
        "plan_over_raw_render_cpu": round(sum(cpu) / sum(raw), 3),
        "plans_sha256": digest.hexdigest(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--trajectories", nargs="+", default=["walkthrough", "coverage", "lookat", "ego"])
    ap.add_argument("--width", type=int, default=320)
    ap.add_argument("--height", type=int, default=240)
    ap.add_argument("--overrides", nargs="*", default=[], help="Hydra overrides, e.g. scene=house")
    args = ap.parse_args()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    overrides = [f"camera.width={args.width}", f"camera.height={args.height}", *args.overrides]
    print(json.dumps({
        "seeds": [seeds.start, seeds.stop - 1], "resolution": f"{args.width}x{args.height}",
        "overrides": args.overrides,
        "trajectories": {name: plan_seconds(name, seeds, overrides) for name in args.trajectories},
    }, indent=1))


if __name__ == "__main__":
    main()
