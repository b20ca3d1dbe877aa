"""What a house costs to build and settle, by room count; prints JSON (issue 18's scene benchmark).

For houses of 1, 4 and 8 rooms (default knobs of ``scene=house`` otherwise) over a few seeds, each
house is built by the scene builder and loaded into pybullet by the simulator's own ``load`` (walls,
every object, physics settled until rest), in this one process, so on one core. Reported per room
count: build, load + settle and total seconds (wall clock and this process's CPU time), simulated
settle time, objects (furniture, small), room types, categories used, and the largest settle shift
of a small object. Then: the 8-room / 1-room cost ratio of the mean total CPU seconds (target ≤ 8),
whether 8-room houses with ≥ 150 objects build and settle in < 5 s (the issue's target) and whether
every 8-room house does (``every_house_met``).

Coverage of the default house tour is measured by ``benchmarks/house_coverage.py`` (the tour's own
benchmark), not here.

Usage: nice -n 10 python benchmarks/scene_build.py [--seeds 4] [--rooms 1 4 8] [--set key=value ...]
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import yaml

from simgen.registry import parse_config
from simgen.scene.house import HouseBuilder, HouseConfig
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator

TARGET_OBJECTS, TARGET_SECONDS, TARGET_RATIO = 150, 5.0, 8.0


def clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def one_house(sim: PybulletSimulator, knobs: dict, seed: int) -> dict:
    """Build and settle one house; its timings and contents."""
    w0, c0 = clocks()
    spec = HouseBuilder(parse_config(HouseConfig, knobs, "scene")).build(seed, 0, 0)
    w1, c1 = clocks()
    states = sim.load(spec)
    w2, c2 = clocks()
    shifts = [float(np.linalg.norm(np.subtract(s.pose.position, o.pose.position)))
              for o, s in zip(spec.objects, states) if o.mass > 0]
    n_small = sum(o.kind == "small" for o in spec.objects)
    return {"seed": seed, "build_s": w1 - w0, "settle_s": w2 - w1, "total_s": w2 - w0, "build_cpu_s": c1 - c0,
            "settle_cpu_s": c2 - c1, "total_cpu_s": c2 - c0, "simulated_settle_s": sim.settle_seconds,
            "objects": len(spec.objects), "furniture": len(spec.objects) - n_small, "small": n_small,
            "room_types": [r.room_type for r in spec.rooms], "categories": sorted({o.category for o in spec.objects}),
            "max_small_shift_m": max(shifts, default=0.0)}


def summary(rows: list[dict]) -> dict:
    """Mean / min / max of each measure over the houses of one room count, and the categories they used."""
    cats = sorted(set().union(*(r["categories"] for r in rows)))
    keys = ("build_s", "settle_s", "total_s", "build_cpu_s", "settle_cpu_s", "total_cpu_s", "simulated_settle_s",
            "objects", "furniture", "small", "max_small_shift_m")
    return {"houses": len(rows), **{k: stat([r[k] for r in rows]) for k in keys},
            "categories_used": len(cats), "categories_per_house": stat([len(r["categories"]) for r in rows]),
            "room_types": sorted({t for r in rows for t in r["room_types"]}), "category_list": cats}


def stat(values) -> dict:
    v = np.asarray(values, dtype=float)
    return {"mean": round(float(v.mean()), 3), "min": round(float(v.min()), 3), "max": round(float(v.max()), 3)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--rooms", type=int, nargs="+", default=[1, 4, 8])
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a scene knob (YAML value)")
    args = ap.parse_args(argv)
    knobs = {}
    for item in args.set:
        key, _, value = item.partition("=")
        knobs[key] = yaml.safe_load(value)
    sim = PybulletSimulator(PybulletConfig(renderer="tiny"))
    try:
        one_house(sim, {**knobs, "num_rooms": 1}, 10_000)  # warm-up: imports, pybullet's first load
        rows = {n: [one_house(sim, {**knobs, "num_rooms": n}, seed) for seed in range(args.seeds)] for n in args.rooms}
    finally:
        sim.close()
    out = {"knobs": knobs, "seeds": args.seeds, "by_rooms": {str(n): summary(r) for n, r in rows.items()}}
    lo, hi = min(args.rooms), max(args.rooms)
    cost = {n: np.mean([r["total_cpu_s"] for r in rows[n]]) for n in (lo, hi)}
    big = [r for r in rows[hi] if r["objects"] >= TARGET_OBJECTS]
    out["cost_ratio"] = {"rooms": [hi, lo], "total_cpu_s_ratio": round(float(cost[hi] / cost[lo]), 2),
                         "target": TARGET_RATIO, "met": bool(cost[hi] / cost[lo] <= TARGET_RATIO)}
    out["target_house"] = {"rooms": hi, "houses": len(rows[hi]), f"with_{TARGET_OBJECTS}_objects": len(big),
                           "max_total_cpu_s": round(max((r["total_cpu_s"] for r in big), default=float("nan")), 3),
                           "met": bool(big) and all(r["total_cpu_s"] < TARGET_SECONDS for r in big),
                           "every_house_met": len(big) == len(rows[hi])
                           and all(r["total_cpu_s"] < TARGET_SECONDS for r in rows[hi])}
    out["per_house"] = {str(n): [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()
                                  if k not in ("categories", "room_types")} for r in rs] for n, rs in rows.items()}
    out["coverage"] = "see benchmarks/house_coverage.py (the house tour's benchmark)"
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
