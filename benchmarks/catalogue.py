"""The asset catalogue and the procedural room types, measured in one run; prints JSON.

* catalogue: categories, categories with at least three shape variants, variants per category,
  categories per kind;
* room types: for each ``scene.room_type`` (classic first, the baseline), the categories it may hold,
  and over ``--seeds`` scenes of the default knobs: objects and distinct categories per scene,
  build seconds (layout + instances) and pybullet settle seconds (CPU time of this process, which
  a busy machine disturbs less than wall time), and each type's build+settle cost relative to classic.

Usage: nice -n 10 python benchmarks/catalogue.py [--seeds 5]
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from simgen.registry import parse_config
from simgen.scene.assets_rooms import ROOM_TYPE_NAMES, ROOM_TYPES
from simgen.scene.catalogue import CATALOGUE, CLASSIC
from simgen.scene.procedural import ProceduralBuilder, ProceduralConfig
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator


def catalogue_summary() -> dict:
    """Counts over the whole catalogue."""
    variants = {c: len(a.variants) or 1 for c, a in CATALOGUE.items()}
    kinds = {}
    for a in CATALOGUE.values():
        kinds[a.kind] = kinds.get(a.kind, 0) + 1
    return {"categories": len(CATALOGUE), "categories_with_3_variants": sum(v >= 3 for v in variants.values()),
            "variants_total": sum(variants.values()), "categories_per_kind": kinds, "variants_per_category": variants}


def room_type_costs(room_type: str, seeds: int, sim: PybulletSimulator) -> dict:
    """Build and settle ``seeds`` default scenes of ``room_type``; per-scene means (CPU seconds)."""
    builder = ProceduralBuilder(parse_config(ProceduralConfig, {"room_type": room_type}, "scene"))
    build_s, settle_s, objects, cats = [], [], [], []
    for seed in range(seeds):
        t0 = time.process_time()
        spec = builder.build(seed, 0, 0)
        t1 = time.process_time()
        sim.load(spec)
        t2 = time.process_time()
        build_s.append(t1 - t0)
        settle_s.append(t2 - t1)
        objects.append(len(spec.objects))
        cats.append(len({o.category for o in spec.objects}))
    pool = CLASSIC if room_type == "classic" else sorted(ROOM_TYPES[room_type].categories())
    return {"categories": len(pool), "objects_per_scene": float(np.mean(objects)),
            "categories_per_scene": float(np.mean(cats)), "build_s": round(float(np.mean(build_s)), 4),
            "settle_s": round(float(np.mean(settle_s)), 4),
            "build_settle_s": round(float(np.mean(build_s) + np.mean(settle_s)), 4)}


def main(argv=None) -> None:
    """Measure and print the JSON report."""
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--seeds", type=int, default=5, help="scenes per room type")
    args = ap.parse_args(argv)
    sim = PybulletSimulator(PybulletConfig(renderer="tiny"))
    try:
        for t in ROOM_TYPE_NAMES:  # warm-up: mesh files read and cached, pybullet's shapes created once
            room_type_costs(t, 1, sim)
        rooms = {t: room_type_costs(t, args.seeds, sim) for t in ROOM_TYPE_NAMES}
    finally:
        sim.close()
    base = rooms["classic"]["build_settle_s"]
    for r in rooms.values():
        r["cost_vs_classic"] = round(r["build_settle_s"] / base, 3)
    print(json.dumps({"catalogue": catalogue_summary(), "seeds": args.seeds, "room_types": rooms}, indent=1))


if __name__ == "__main__":
    main()
