"""Are scheduled object motions filmed? Measured over seeds of dynamic runs of the CLI; prints JSON.

For each ``dynamics`` kind (default: mixed, push, scripted) and each seed, ``simgen dynamics=<kind>
qa=dynamic episodes=<n> seed=<s>`` runs as a user would run it (its own process, its own config).
Everything about a motion is recomputed here from the rendered instance masks (``arrays.npz``),
judged by the run's visibility levels (``clear_px`` / ``seen_px`` of each episode's coverage record):

* before: the object is seen clearly in some frame before its motion starts (``start_frame``, the
  first frame where it has moved); ``right_before``: in each of the ``clear_frames`` frames before it;
* during: share of the frames from ``start_frame`` to ``end_frame`` in which it is seen;
* after: seen clearly in some frame from ``end_frame`` on; ``right_after``: in each of the
  ``clear_frames`` frames from ``end_frame`` on;
* filmed: before, after and during ≥ 0.5 (what the QA verifier's ``motion_not_seen`` rule asks);
  ``filmed_right``: right before, right after, during ≥ 0.5 and seen at ``start_frame`` (the motion
  seen as one continuous shot, what the scheduler aims at);
* long enough: ``distance_m`` ≥ 0.2 m (the verifier's ``min_motion_m``).

From each run's ``stats.json``: kept QA per dynamic family and the rejection reasons of the object
motion families.

Usage: nice -n 10 .venv/bin/python benchmarks/dynamics_coverage.py [--seeds 6] [--first-seed 0]
       [--episodes 2] [--dynamics mixed push scripted] [--out DIR] [--override key=value ...]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

MOTION_FAMILIES = ("object_moved", "object_motion_direction", "object_motion_distance", "object_state_before")
MIN_MOTION_M = 0.2


def measure_event(event: dict, instance: np.ndarray, clear_px: float, seen_px: float, held: int) -> dict:
    """How the rendered masks show one motion event (see the module docstring)."""
    pixels = (instance == event["object_id"]).reshape(len(instance), -1).sum(axis=1)
    start, end = event["start_frame"], event["end_frame"]
    clear, seen = pixels >= clear_px, pixels >= seen_px
    before, after = bool(clear[:start].any()), bool(clear[end:].any())
    right_before = start >= held and bool(clear[start - held:start].all())
    right_after = end + held <= len(clear) and bool(clear[end:end + held].all())
    during = float(seen[start:end + 1].mean())
    return {"object_id": event["object_id"], "kind": event["kind"], "start_frame": start, "end_frame": end,
            "distance_m": round(float(event["params"]["distance_m"]), 3), "before": before,
            "right_before": right_before, "during_seen": round(during, 3), "after": after, "right_after": right_after,
            "filmed": before and after and during >= 0.5,
            "filmed_right": right_before and right_after and during >= 0.5 and bool(seen[start]),
            "long_enough": float(event["params"]["distance_m"]) >= MIN_MOTION_M}


def measure_run(run_dir: Path) -> dict:
    """Per-episode motions of one run dir, and its kept / rejected QA of the dynamic families."""
    episodes = []
    for ep_dir in sorted((run_dir / "episodes").iterdir()):
        episode = json.loads((ep_dir / "episode.json").read_text())
        with np.load(ep_dir / "arrays.npz") as arrays:
            instance = arrays["instance"]
        cov = episode["coverage"]
        events = [measure_event(ev, instance, cov["clear_px"], cov["seen_px"], cov["clear_frames"])
                  for ev in episode["events"]]
        episodes.append({"episode_id": episode["episode_id"], "motions": events})
    stats = json.loads((run_dir / "stats.json").read_text())
    families = stats["families"]
    qa = [json.loads(line) for line in (run_dir / "qa.jsonl").read_text().splitlines() if line.strip()]
    per_episode = Counter(r["episode_id"] for r in qa if r["family"] in MOTION_FAMILIES)
    for ep in episodes:
        ep["kept_motion_qa"] = per_episode.get(ep["episode_id"], 0)
    return {"episodes": episodes,
            "kept": {name: fam["kept"] for name, fam in families.items() if fam["attempts"]},
            "motion_rejections": {name: families[name]["rejected"] for name in MOTION_FAMILIES if name in families}}


def summarise(runs: list[dict]) -> dict:
    """Totals over the runs of one dynamics kind."""
    motions = [m for run in runs for ep in run["episodes"] for m in ep["motions"]]
    n_episodes = sum(len(run["episodes"]) for run in runs)
    kept, rejected = Counter(), Counter()
    for run in runs:
        kept.update(run["kept"])
        for reasons in run["motion_rejections"].values():
            rejected.update(reasons)
    count = lambda key: sum(bool(m[key]) for m in motions)
    return {
        "episodes": n_episodes,
        "motions_scheduled": len(motions),
        "motions_filmed": count("filmed"),
        "motions_filmed_right": count("filmed_right"),
        "motions_seen_before": count("before"),
        "motions_seen_after": count("after"),
        "motions_seen_right_before": count("right_before"),
        "motions_seen_right_after": count("right_after"),
        "motions_seen_half_during": sum(m["during_seen"] >= 0.5 for m in motions),
        "motions_long_enough": count("long_enough"),
        "motions_filmed_and_long_enough": sum(m["filmed"] and m["long_enough"] for m in motions),
        "motions_filmed_right_and_long_enough": sum(m["filmed_right"] and m["long_enough"] for m in motions),
        "kept_motion_qa_per_episode": round(sum(kept[f] for f in MOTION_FAMILIES) / max(n_episodes, 1), 3),
        "kept_per_family": dict(sorted(kept.items())),
        "motion_family_rejections": dict(rejected.most_common()),
    }


def run_simgen(out: Path, dynamics: str, seed: int, episodes: int, overrides: list[str]) -> Path:
    """One CLI run; returns its run dir."""
    root = out / f"{dynamics}-s{seed}"
    cmd = [str(Path(sys.executable).with_name("simgen")), f"dynamics={dynamics}", "qa=dynamic",
           f"episodes={episodes}", f"seed={seed}", f"paths.output_root={root}", *overrides]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    (run_dir,) = [p.parent for p in root.glob("simgen/*/stats.json")]
    return run_dir


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--episodes", type=int, default=2, help="episodes per seed")
    parser.add_argument("--dynamics", nargs="+", default=["mixed", "push", "scripted"])
    parser.add_argument("--out", type=Path, help="keep the runs here (default: a temporary folder)")
    parser.add_argument("--per-run", action="store_true", help="print every run's motions, not only totals")
    parser.add_argument("--override", nargs="*", default=[], help="extra simgen overrides, key=value")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dynamics_coverage_") as tmp:
        out = args.out or Path(tmp)
        report = {"command": f"simgen dynamics=<kind> qa=dynamic episodes={args.episodes} seed=<seed> "
                             + " ".join(args.override),
                  "seeds": list(range(args.first_seed, args.first_seed + args.seeds)), "dynamics": {}}
        for dynamics in args.dynamics:
            runs = []
            for seed in report["seeds"]:
                print(f"dynamics={dynamics} seed={seed}", file=sys.stderr, flush=True)
                runs.append({"seed": seed, **measure_run(run_simgen(out, dynamics, seed, args.episodes,
                                                                    args.override))})
            report["dynamics"][dynamics] = {"total": summarise(runs), **({"runs": runs} if args.per_run else {})}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
