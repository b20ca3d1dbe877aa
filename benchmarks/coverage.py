"""Does the video show the room? Measured over many seeds of a config; prints JSON.

For each trajectory (default: the default ``walkthrough`` and ``coverage`` for comparison) and each
seed, one episode of the default scene is rendered in-process with the CLI's own config and the
ask stage is run on it. Everything is recomputed here from what was rendered, not taken from the
runner's coverage record:

* objects seen clearly: share of the scene's objects at or above the visibility model's ``clear``
  level (``visibility.clear_frac`` of the frame's pixels, instance mask) in ≥ ``clear_frames`` frames;
* floor seen: share of a 10 cm grid over the free floor (the room footprint less the footprints of
  objects standing on the floor, ``takes.floor_coverage``) onto which some frame's room pixels
  (depth + instance in ``arrays.npz``) back-project at floor height;
* empty frames: share of frames in which no object reaches the ``seen`` level;
* kept QA per episode (the ask stage's ``qa.jsonl``);
* plan time per episode (seconds in the trajectory planner's ``plan``, wall clock; not for ego's actions).

Usage: nice -n 10 python benchmarks/coverage.py [--seeds 20] [--first-seed 0] [--per-seed]
       [--trajectories walkthrough coverage] [--override key=value ...]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_dir
from tqdm import tqdm

from simgen.cli import _qa_config
from simgen.episodes.runner import build_plugins, render_one
from simgen.episodes.takes import floor_coverage
from simgen.qa.ask import run_ask
from simgen.registry import SIMULATORS
from simgen.job_config import conf_dir
from simgen.seeding import rng
from simgen.trajectories.base import ActionPlanner
from simgen.visibility_model import VisibilityModel


def compose_cfg(overrides: list[str]):
    """The CLI's own config with overrides (no Hydra run dir needed)."""
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        return compose("config", overrides=overrides)


def measure(episode, episode_dir: Path, model: VisibilityModel) -> dict:
    """Objects seen clearly, floor seen and empty frames of one rendered episode."""
    w, h = episode.intrinsics.width, episode.intrinsics.height
    pixels = np.array([[v.visible_pixels for v in f.visibility] for f in episode.frames], dtype=float)
    clear_frames = model.clear(pixels, w, h).sum(axis=0)
    floor = floor_coverage(episode.scene)
    with np.load(episode_dir / "arrays.npz") as arrays:
        depth_mm, instance = arrays["depth_mm"], arrays["instance"]
    for frame, d, inst in zip(episode.frames, depth_mm, instance):
        floor.add(np.where(d > 0, d / 1000.0, np.inf), inst, episode.intrinsics, np.array(frame.T_world_cam))
    return {
        "objects_clear": float((clear_frames >= model.clear_frames).mean()) if pixels.size else 1.0,
        "floor_seen": floor.fraction,
        "empty_frames": float((~model.seen(pixels, w, h).any(axis=1)).mean()) if pixels.size else 1.0,
    }


class _Timed:
    """A planner of poses that adds the wall-clock seconds of each ``plan`` call to ``seconds``."""

    def __init__(self, planner):
        self.planner, self.seconds = planner, 0.0

    def __getattr__(self, name):
        return getattr(self.planner, name)

    def plan(self, request, stream):
        start = time.perf_counter()
        try:
            return self.planner.plan(request, stream)
        finally:
            self.seconds += time.perf_counter() - start


def run_trajectory(trajectory: str, seeds: tuple[int, int], extra: list[str], work: Path, per_seed: bool = False) -> dict:
    """Render + ask one episode per seed; summary statistics over the seeds."""
    rows = []
    sim = None
    try:
        for seed in tqdm(range(*seeds), desc=trajectory, unit="seed", file=sys.stderr):
            cfg = compose_cfg([f"trajectory={trajectory}", f"seed={seed}", "render.save_arrays=true", *extra])
            plugins = build_plugins(cfg)
            timed = None
            if not isinstance(plugins.planner, ActionPlanner):  # an action planner (ego) keeps its actions, untimed
                timed = _Timed(plugins.planner)
                plugins = dataclasses.replace(plugins, planner=timed)
            if sim is None:
                sim = SIMULATORS.get(plugins.simulator_name)[0](plugins.simulator_cfg)
            out = work / f"{trajectory}-{seed}"
            episode_dir = out / "episodes" / "ep"
            episode_dir.mkdir(parents=True)
            spec = plugins.builder.build(seed, 0, 0)
            episode = render_one(sim, spec, plugins, f"bench-{trajectory}-{seed}", episode_dir,
                                 lambda stage, s=seed: rng(s, 0, 0, stage))
            (episode_dir / ".done").write_text("ok\n")
            row = {"seed": seed, "plan_s": round(timed.seconds, 2) if timed else None, **measure(episode, episode_dir, VisibilityModel.from_config(cfg.visibility))}
            run_ask([episode_dir], _qa_config(cfg), seed, 0, out)
            row["kept_qa"] = sum(1 for _ in open(out / "qa.jsonl"))
            rows.append(row)
    finally:
        if sim is not None:
            sim.close()

    def stats(key):
        values = np.array([r[key] for r in rows])
        return {"mean": round(float(values.mean()), 4), "min": round(float(values.min()), 4)}

    return {
        "objects_seen_clearly": stats("objects_clear"),
        "floor_seen": stats("floor_seen"),
        "empty_frame_fraction": {"mean": round(float(np.mean([r["empty_frames"] for r in rows])), 4),
                                 "max": round(float(np.max([r["empty_frames"] for r in rows])), 4),
                                 "episodes_with_empty_frames": int(sum(r["empty_frames"] > 0 for r in rows))},
        "kept_qa_per_episode": stats("kept_qa"),
        "plan_s_per_episode": {"mean": round(float(np.mean(plan_s)), 2), "max": round(float(np.max(plan_s)), 2)}
        if (plan_s := [r["plan_s"] for r in rows if r["plan_s"] is not None]) else None,
        "episodes_meeting_targets": int(sum(r["objects_clear"] >= 0.9 and r["floor_seen"] >= 0.7
                                            and r["empty_frames"] == 0 for r in rows)),
        **({"per_seed": rows} if per_seed else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--per-seed", action="store_true", help="also list each seed's numbers")
    parser.add_argument("--trajectories", nargs="+", default=["walkthrough", "coverage"])
    parser.add_argument("--override", action="append", default=[], help="extra Hydra override, e.g. scene.num_small_objects=8")
    args = parser.parse_args()
    result = {"seeds": args.seeds, "overrides": args.override, "targets": {"objects_seen_clearly": 0.9, "floor_seen": 0.7,
                                                                          "empty_frame_fraction": 0.0}}
    with tempfile.TemporaryDirectory(prefix="simgen-coverage-") as tmp:
        for trajectory in args.trajectories:
            result[trajectory] = run_trajectory(trajectory, (args.first_seed, args.first_seed + args.seeds), args.override,
                                                Path(tmp), args.per_seed)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
