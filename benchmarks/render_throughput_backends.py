"""pybullet vs MuJoCo vs Blender render throughput in one run, on the same scene and camera poses; prints JSON.

For each resolution (default 320×240 and 640×480): frames/s of ``Simulator.render`` with all
three passes (RGB + depth in metres + instance ids, post-processing included) for pybullet (its
``auto`` renderer) and for MuJoCo at each quality preset (``mujoco_presets`` in the output: fast
has no shadows; balanced a shadow map sized to the image; high a 2048 px shadow map, 4×
anti-aliasing and floor reflections), and each preset's ratio to pybullet. Best of ``--repeats``
passes over the poses of one planned episode, the simulators taking turns. MuJoCo is reported as
skipped, with the reason, where it cannot run.

Blender Cycles at each of ``--blender-presets`` (default ``preview`` and ``default``) renders
``--blender-frames`` of the same poses on all cores (the renderer's default): frames/s per core
(from the worker's CPU seconds over all its threads, first frame excluded as warm-up;
``render_blender.blender_costs``) and its ratio to pybullet's frames/s, which is one core's. The
issue's CPU target: ``default`` ≤ 1 core-second per 320×240 frame. Reported as skipped, with the
install, where no Blender Python is found; ``benchmarks/render_blender.py`` adds the camera effects'
cost and a choice of threads.

Usage: python benchmarks/render_throughput_backends.py [--sizes 320x240 640x480 --seconds 6 --repeats 3]
       [--blender-presets preview default --blender-frames 4]
"""
from __future__ import annotations

import argparse
import json
import time

from hydra import compose, initialize_config_dir

from simgen.job_config import conf_dir
from simgen.episodes.runner import build_plugins
from simgen.registry import SIMULATORS
from simgen.renderers.look import PRESETS
from simgen.seeding import rng
from simgen.simulators import mujoco_gl
from simgen.trajectories.base import PlanRequest

QUALITIES = ("fast", "balanced", "high")


def compose_cfg(overrides: list[str]):
    """The CLI's own config with overrides (no Hydra run dir needed)."""
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        return compose("config", overrides=overrides)


def render_fps(sims: dict, poses, intrinsics, repeats: int) -> dict:
    """Best-of-``repeats`` frames/s of full renders (all passes) along ``poses``, per simulator.

    Rounds alternate between the simulators, so a busy shared machine slows them alike.
    """
    best = dict.fromkeys(sims, 0.0)
    for sim in sims.values():
        sim.render(poses[0], intrinsics)  # warm-up: first-use allocations
    for _ in range(repeats):
        for key, sim in sims.items():
            start = time.perf_counter()
            for T in poses:
                sim.render(T, intrinsics)
            best[key] = max(best[key], len(poses) / (time.perf_counter() - start))
    return best


def measure(width: int, height: int, seconds: float, repeats: int, blender_presets, blender_frames: int) -> dict:
    """One resolution: pybullet, every MuJoCo preset and the Blender presets on the same scene and poses."""
    cfg = compose_cfg([f"camera.width={width}", f"camera.height={height}", f"render.duration_s={seconds}"])
    plugins = build_plugins(cfg)
    spec = plugins.builder.build(0, 0, 0)
    reason = mujoco_gl.unavailable_reason()
    configs = {"pybullet": ("pybullet", ["simulator=pybullet"])}
    if not reason:
        configs.update({q: ("mujoco", ["simulator=mujoco", f"simulator.quality={q}"]) for q in QUALITIES})
    sims = {key: SIMULATORS.get(name)[0](SIMULATORS.config(compose_cfg(overrides).simulator))
            for key, (name, overrides) in configs.items()}
    try:
        for sim in sims.values():
            states = sim.load(spec)
        request = PlanRequest(spec, sims["pybullet"].states(), plugins.intrinsics, plugins.render.n_frames,
                              plugins.render.fps, plugins.visibility)
        poses = plugins.planner.plan(request, rng(0, 0, 0, "trajectory"))
        fps = render_fps(sims, poses, plugins.intrinsics, repeats)
        out = {"resolution": f"{width}x{height}", "frames": len(poses), "objects": len(states),
               "pybullet": {"renderer": sims["pybullet"].renderer, "fps": round(fps["pybullet"], 2)}}
        out["blender"] = blender_rows(blender_presets, blender_frames, spec, sims["pybullet"].states(),
                                      plugins.intrinsics, poses, fps["pybullet"])
        if reason:
            out["mujoco"] = {"skipped": reason}
            return out
        gl = sims[QUALITIES[0]]
        out["mujoco"] = {"renderer": f"{gl.renderer} ({gl.gl_renderer or 'unknown GL'})"}
        for q in QUALITIES:
            out["mujoco"][q] = {"fps": round(fps[q], 2), "over_pybullet": round(fps[q] / fps["pybullet"], 2)}
        return out
    finally:
        for sim in sims.values():
            sim.close()


def blender_rows(presets, frames: int, spec, states, intrinsics, poses, pybullet_fps: float) -> dict:
    """Each Blender preset's cost over ``frames`` of ``poses``, or why Blender was skipped."""
    from simgen.renderers.blender import BlenderUnavailable, check_bpy

    if not presets:
        return {"skipped": "no --blender-presets"}
    try:
        check_bpy()
    except BlenderUnavailable as e:
        return {"skipped": str(e)}
    from render_blender import blender_costs  # the sibling benchmark: this script's folder is on sys.path

    step = max(1, len(poses) // frames)
    rows = {}
    for preset in presets:
        costs = blender_costs(preset, 0, spec, states, intrinsics, list(poses[::step][:frames]))
        per_core = 1.0 / costs["core_s_per_frame"]
        rows[preset] = {"fps_per_core": round(per_core, 3), "over_pybullet": round(per_core / pybullet_fps, 4), **costs}
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["320x240", "640x480"], help="WIDTHxHEIGHT, one or more")
    ap.add_argument("--seconds", type=float, default=6.0, help="episode length whose poses are rendered")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--blender-presets", nargs="*", default=["preview", "default"], choices=sorted(PRESETS),
                    help="Blender presets to measure (none: skip Blender)")
    ap.add_argument("--blender-frames", type=int, default=4, help="timed Blender frames per preset")
    args = ap.parse_args()
    sizes = []
    for size in args.sizes:
        try:
            width, height = (int(v) for v in size.lower().split("x"))
        except ValueError:
            ap.error(f"--sizes: expected WIDTHxHEIGHT such as 320x240, got {size!r}")
        sizes.append((width, height))
    from simgen.simulators.mujoco_render import QUALITY  # plain data: importing it needs no mujoco

    print(json.dumps({"mujoco_presets": QUALITY,
                      "results": [measure(w, h, args.seconds, args.repeats, args.blender_presets, args.blender_frames)
                                  for w, h in sizes]}, indent=1))


if __name__ == "__main__":
    main()
