"""Question-engine throughput: verified QA per second on one core, and cost per episode vs objects.

Synthesises episodes with ``tests/qa_fixtures.make_episode`` (random boxes of a dozen categories
with duplicates, a ring of cameras, visibility by projection), stores them as ``episode.json``,
then times ``run_ask`` — loading, slot sampling, execution, the verifier with K = 8 jittered
copies and degeneracy checks, writing ``qa.jsonl`` — and prints one JSON object:

    python benchmarks/qa_throughput.py [--episodes 8] [--objects 24] [--frames 32] [--repeat 3]

``qa_per_second`` is end to end (best of ``--repeat`` runs), and is also given without the time
spent in ``Episode.from_dict`` reading the episode files; ``cost_per_episode_s`` is measured at 16, 32 and
64 objects with the same config, and ``cost_ratio_64_vs_16`` should stay ≤ 5.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: keep numpy's BLAS single-threaded
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from qa_fixtures import make_episode, write_episode  # noqa: E402

from simgen.geometry import look_at  # noqa: E402
from simgen.qa.ask import load_episode, parse_qa_config, run_ask  # noqa: E402
from simgen.seeding import rng  # noqa: E402

CATEGORIES = ("chair", "table", "sofa", "lamp", "plant", "box", "mug", "bottle", "book", "vase", "tv", "shelf",
              "bed", "cabinet", "ball", "stool", "desk", "clock", "rug", "bin")


def synthetic_episode(n_objects: int, n_frames: int, index: int):
    """A random room of ``n_objects`` boxes (about half the categories unique) seen by a camera ring."""
    gen = rng(1234, 0, index * 1000 + n_objects, "benchmark")
    side = 4.0 + 0.12 * n_objects  # keep the density roughly constant
    n_cat = min(len(CATEGORIES), max(6, n_objects // 2))
    rows = []
    for _ in range(n_objects):
        half = gen.uniform([0.05, 0.05, 0.05], [0.6, 0.5, 0.6])
        xy = gen.uniform(0.5, side - 0.5, 2)
        rows.append((str(CATEGORIES[int(gen.integers(n_cat))]), "grey", (xy[0], xy[1], half[2]), tuple(half),
                     float(gen.uniform(-np.pi, np.pi))))
    centre = np.array([side / 2, side / 2, 0.5])
    cams = [look_at(centre + [0.45 * side * np.cos(a), 0.45 * side * np.sin(a), 1.1], centre)
            for a in np.linspace(0, 2 * np.pi, n_frames, endpoint=False)]
    room = ((0.0, 0.0), (side, 0.0), (side, side), (0.0, side))
    return make_episode(rows, room=room, cameras=cams, episode_id=f"bench-{n_objects}-{index}")


def store(root: Path, n_episodes: int, n_objects: int, n_frames: int) -> list[Path]:
    """Write synthetic episodes under ``root``; returns their folders."""
    dirs = []
    for i in range(n_episodes):
        d = root / f"n{n_objects}" / f"e{i:03d}"
        write_episode(synthetic_episode(n_objects, n_frames, i), d)
        dirs.append(d)
    return dirs


def timed_ask(dirs: list[Path], qa, out: Path, repeat: int) -> tuple[float, dict]:
    """Best wall time of ``run_ask`` over ``repeat`` runs (least disturbed by other processes on a
    shared machine; every run does identical work), and the last run's stats."""
    times, stats = [], {}
    for r in range(repeat):
        start = time.perf_counter()
        stats = run_ask(dirs, qa, seed=0, shard=0, out_dir=out / f"r{r}")
        times.append(time.perf_counter() - start)
    return min(times), stats


def main() -> None:
    """Run the benchmark and print JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=8)
    ap.add_argument("--objects", type=int, default=24)
    ap.add_argument("--frames", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    qa = parse_qa_config(OmegaConf.load(ROOT / "conf" / "qa" / "default.yaml"))
    assert qa.verify.stability and qa.verify.stability_k == 8 and qa.verify.degeneracy
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        run_ask(store(root / "warm", 1, 8, 4), qa, 0, 0, root / "warm-out")  # imports, family parsing
        dirs = store(root, args.episodes, args.objects, args.frames)
        seconds, stats = timed_ask(dirs, qa, root / "out", args.repeat)
        load_seconds = float("inf")
        for _ in range(args.repeat):  # the share of the time spent reading episode.json into types.Episode
            start = time.perf_counter()
            for d in dirs:
                load_episode(d)
            load_seconds = min(load_seconds, time.perf_counter() - start)
        scaling = {}
        per_size = 4
        for n in (16, 32, 64):
            sec, s = timed_ask(store(root, per_size, n, args.frames), qa, root / f"out{n}", args.repeat)
            scaling[n] = {"seconds_per_episode": round(sec / per_size, 4), "qa_per_episode": s["kept"] / per_size,
                          "seconds_per_qa": round(sec / max(s["kept"], 1), 5)}
    print(json.dumps({
        "qa_per_second": round(stats["kept"] / seconds, 1),
        "qa_per_second_excluding_episode_loading": round(stats["kept"] / (seconds - load_seconds), 1),
        "episode_loading_seconds": round(load_seconds, 3),
        "kept": stats["kept"],
        "rejected": sum(stats["rejected"].values()),
        "episodes": args.episodes,
        "objects": args.objects,
        "frames": args.frames,
        "families": len(stats["families"]),
        "stability_k": qa.verify.stability_k,
        "seconds": round(seconds, 3),
        "cost_per_episode_s": {str(n): v["seconds_per_episode"] for n, v in scaling.items()},
        "scaling": {str(n): v for n, v in scaling.items()},
        "cost_ratio_64_vs_16": round(scaling[64]["seconds_per_episode"] / scaling[16]["seconds_per_episode"], 2),
        "target": {"qa_per_second": 1000, "cost_ratio_64_vs_16": 5.0},
    }, indent=1))


if __name__ == "__main__":
    main()
