"""Merge and export throughput (QA per second) and peak memory on synthetic shards; prints JSON.

    python benchmarks/export_throughput.py [--records 100000] [--shards 4] [--episodes-per-shard 50]
                                           [--formats llava_video,messages,parquet,vsibench,card] [--no-export]
                                           [--baseline SRC]

Writes ``--shards`` shard dirs of synthetic, canonical ``qa.jsonl`` records (a dozen families with
VSI-Bench-like answer types, question texts that repeat across episodes as templates do, skewed
answer distributions so balancing has work to do) and tiny episodes (one shared 2-frame H.264
video), then runs ``python -m simgen.export.merge`` and each exporter in a child process and reads
that child's peak resident memory (``wait4``). The target: merge holds a few dozen bytes per record
(answer groups, ranks, balancing cells, option priors) plus one episode's questions and the blind
audit's bounded per-family samples, so its peak RSS stays under 1 GB at 1M records.

``--baseline SRC`` also runs each exporter of another source tree (an older commit:
``git archive 5a1f132 | tar -x -C /tmp/old``) on the same merged dataset, right after this tree's,
and reports both rates per CPU second and their ratio: the before/after of one run on one machine.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from export_fixtures import write_tiny_video  # noqa: E402

from simgen.qa.records import qa_id  # noqa: E402
from simgen.seeding import rng  # noqa: E402

CATEGORIES = ("chair", "table", "sofa", "lamp", "plant", "box", "mug", "bottle", "book", "vase", "tv", "shelf")
DIRECTIONS = ("left", "right", "back")
FAMILIES = (  # family, answer kind, modality
    ("object_counting", "count", "video"), ("object_abs_distance", "measure", "video"),
    ("object_size_estimation", "measure", "video"), ("room_size_estimation", "measure", "video"),
    ("object_rel_distance", "object", "video"), ("object_rel_direction_easy", "direction", "video"),
    ("object_rel_direction_medium", "direction", "video"), ("obj_appearance_order", "ordering", "video"),
    ("route_planning", "direction", "video"), ("depth_order", "yes_no", "image"),
    ("left_right", "direction", "image"), ("ego_movement", "direction", "multi_image"),
)


def synthetic_record(g: np.random.Generator, episode_id: str, index: int, shard: int) -> dict:
    """One canonical record (as ``qa.records.dumps`` writes it) of a random family."""
    family, kind, modality = FAMILIES[int(g.integers(len(FAMILIES)))]
    a, b, c = (str(x) for x in g.choice(CATEGORIES, 3, replace=False))
    choices, letter, unit = [], None, None
    if kind == "count":
        question, unit = f"How many {a}s are in the room?", "count"
        answer = int(min(g.geometric(0.45), 9))
        text = str(answer)
    elif kind == "measure":
        question, unit = ("Room size in square metres?" if family == "room_size_estimation"
                          else f"What is the {family.split('_')[1]} of the {a} and the {b}, in metres?"), "m"
        answer = round(float(g.lognormal(0.5, 0.6)), 2)
        text = f"{answer:.2f}"
    elif kind == "yes_no":
        question, answer = f"Is the {a} closer to the camera than the {b}?", "yes" if g.random() < 0.7 else "no"
        text = answer
    else:
        if kind == "object":
            choices = [a, b, c]
            question = f"Which of these is closest to the {CATEGORIES[index % len(CATEGORIES)]}: {a}, {b}, {c}?"
        elif kind == "ordering":
            choices = [", ".join(p) for p in ((a, b, c), (b, a, c), (c, a, b))]
            question = f"In what order do the {a}, {b} and {c} first appear?"
        else:
            choices = list(DIRECTIONS)
            question = f"If I stand by the {a} facing the {b}, is the {c} to my left, right, or back?"
        pick = 0 if g.random() < 0.5 else int(g.integers(len(choices)))  # skewed: balancing has work
        text = choices[pick]
        answer = text.split(", ") if kind == "ordering" else text
        letter = "ABC"[pick]
    answer_type = {"count": "number", "measure": "number", "yes_no": "yes_no", "object": "object",
                   "ordering": "ordering", "direction": "choice"}[kind]
    bindings = {"a": a, "b": b, "c": c, "i": index}
    frames = [0] if modality == "image" else [0, 1]
    certificate = {"margins": [{"detail": {"what": a}, "kind": "unique", "margin": 1.0, "node_id": 1, "unit": "count"}],
                   "stability": {"flips": 0, "k": 8}}
    return {"answer": answer, "answer_letter": letter, "answer_text": text, "answer_type": answer_type,
            "bindings": bindings, "certificate": certificate, "choices": choices, "config_hash": f"bench{shard}",
            "episode_id": episode_id, "family": family, "family_version": 1, "frames": frames,
            "id": qa_id(episode_id, family, 1, bindings), "modality": modality, "program": "bench()",
            "question": question, "schema_version": 1, "seed": 0, "template": 0, "unit": unit}


def episode_json(episode_id: str, n_objects: int) -> dict:
    """A minimal valid episode.json (2 frames, no objects: enough for merge and export)."""
    from simgen.types import CameraIntrinsics, Episode, Frame, RoomSpec, SceneSpec

    spec = SceneSpec(f"s-{episode_id}", 0, RoomSpec(((0, 0), (4, 0), (4, 3), (0, 3)), 2.5), (),
                     complexity={"num_objects": n_objects, "clutter_density": 0.5})
    eye = tuple(tuple(float(i == j) for j in range(4)) for i in range(4))
    frames = tuple(Frame(i, i / 4.0, eye, (), ()) for i in range(2))
    return Episode(episode_id, spec, CameraIntrinsics.from_vfov(32, 24, 60.0), 4.0, frames, simulator="bench",
                   trajectory="bench", files={"video": "video.mp4"}).to_dict()


def make_shards(root: Path, records: int, shards: int, episodes_per_shard: int) -> list[Path]:
    """Write the synthetic shard dirs; returns them."""
    root.mkdir(parents=True)
    video = root / "video.mp4"  # one tiny video, copied into every episode
    write_tiny_video(video, 0)
    per_episode = max(1, records // (shards * episodes_per_shard))
    dirs, written = [], 0
    for s in range(shards):
        d = root / f"scene.num_objects={4 * (s + 1)}"
        g = rng(0, s, 0, "bench")
        d.mkdir(parents=True)
        with open(d / "qa.jsonl", "w") as f:
            for e in range(episodes_per_shard):
                eid = f"bench{s:02d}-s0-sh{s}-e{e:04d}"
                ep = d / "episodes" / eid
                ep.mkdir(parents=True)
                (ep / "episode.json").write_text(json.dumps(episode_json(eid, 4 * (s + 1))))
                shutil.copyfile(video, ep / "video.mp4")
                (ep / ".done").write_text("ok\n")
                n = min(per_episode, records - written) if s == shards - 1 and e == episodes_per_shard - 1 \
                    else per_episode
                rows = [synthetic_record(g, eid, i, s) for i in range(n)]
                rows.sort(key=lambda r: (r["family"], r["id"]))
                f.writelines(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in rows)
                written += n
        (d / "run.json").write_text(json.dumps({"seed": 0, "shard": s, "config_hash": f"bench{s}"}))
        dirs.append(d)
    return dirs


def timed_child(args: list[str], source: Path = ROOT) -> tuple[float, float, float]:
    """Run ``python args`` as a child on the simgen of ``source``; (wall seconds, CPU seconds, peak RSS in MiB
    of that child). It runs in ``source`` because ``python -m`` puts the working directory first on the path.
    CPU seconds (user + system) hardly change when other work shares the machine; wall seconds do."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=source, env={**os.environ, "PYTHONPATH": str(source)})
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {proc.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0  # Linux reports KiB


def main() -> None:
    """Generate, merge, export; print one JSON object of rates and peak memory."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--episodes-per-shard", type=int, default=50)
    ap.add_argument("--formats", default="llava_video,messages,parquet,vsibench,card")
    ap.add_argument("--no-export", action="store_true", help="time the merge only")
    ap.add_argument("--baseline", type=Path, help="another simgen source tree whose exporters run too, for a ratio")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="simgen-bench-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        make_shards(root / "shards", args.records, args.shards, args.episodes_per_shard)
        result = {"records_in": args.records, "shards": args.shards, "generate_s": round(time.perf_counter() - start, 1)}
        seconds, cpu, rss = timed_child(["-m", "simgen.export.merge", str(root / "shards"), "--out", str(root / "ds"),
                                         "--no-card"])
        stats = json.loads((root / "ds" / "stats.json").read_text())
        result["records_out"] = stats["records_out"]
        result["merge"] = {"seconds": round(seconds, 2), "qa_per_second": round(args.records / seconds),
                           "qa_per_cpu_second": round(args.records / cpu), "peak_rss_mib": round(rss, 1)}
        if not args.no_export:
            # cutting image frames out of the videos happens once, in the first export: time it apart
            seconds, _, rss = timed_child(["-c", "import sys; from simgen.export.dataset import Dataset; "
                                                 "Dataset(sys.argv[1]).ensure_frames()", str(root / "ds")])
            result["extract_frames"] = {"seconds": round(seconds, 2), "peak_rss_mib": round(rss, 1)}
            n = stats["records_out"]
            for fmt in args.formats.split(","):
                seconds, cpu, rss = timed_child(["-m", "simgen.export", str(root / "ds"), "--format", fmt])
                result[f"export_{fmt}"] = {"seconds": round(seconds, 2), "qa_per_second": round(n / seconds),
                                           "qa_per_cpu_second": round(n / cpu), "peak_rss_mib": round(rss, 1)}
                if args.baseline:
                    _, before, _ = timed_child(["-m", "simgen.export", str(root / "ds"), "--format", fmt],
                                               args.baseline.resolve())
                    result[f"export_{fmt}"].update(baseline_qa_per_cpu_second=round(n / before),
                                                   cpu_speed_vs_baseline=round(before / cpu, 2))
        print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
