"""Does the house tour show the house? Per room and overall, over many seeds; prints JSON.

For each seed one episode of ``scene=house`` (its default trajectory: ``house_tour``) is rendered
in-process with the CLI's own config. The numbers are recomputed from what was rendered with
``benchmarks/coverage.py``'s ``measure`` (instance masks judged by the visibility model, floor
back-projected from depth), for the whole house and for each room on its own (the room's floor
and the objects standing in it):

* objects seen clearly: share of objects at the ``clear`` level in ≥ ``clear_frames`` frames;
* floor seen: share of the free floor some frame shows (for the house: its outer floor, so the
  strips under the interior walls count as unseen);
* empty frames: share of frames in which no object reaches the ``seen`` level (whole house only);
* close walls (whole house only): per frame, the share of the image that is wall (the room's own
  surfaces, between 5 cm above the floor and 5 cm below the ceiling, back-projected from depth)
  nearer than the trajectory's ``min_view_distance_m``; reported: the largest share of any frame
  and the frames in which such wall fills more than ``CLOSE_WALL_SHARE`` of the image (facing a
  wall from close up);
* frames per room: frames whose camera stands in the room (a doorway counts for the nearer room);
* plan seconds per episode.

Usage: nice -n 10 python benchmarks/house_coverage.py [--seeds 20] [--first-seed 0] [--per-seed]
       [--override key=value ...] [--keep DIR]  (DIR: keep the rendered episodes there)
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script, benchmarks/ is not on the path

from benchmarks.coverage import _Timed, compose_cfg, measure
from simgen.episodes.runner import build_plugins, render_one
from simgen.registry import SIMULATORS
from simgen.seeding import rng
from simgen.trajectories.house_rooms import footprints, room_of
from simgen.trajectories.planning_geometry import PlanningError
from simgen.types import RoomSpec
from simgen.visibility_model import VisibilityModel

CLOSE_WALL_SHARE = 0.25  # a frame a quarter of which is wall nearer than min_view_distance_m faces it
_WALL_BAND_M = 0.05  # wall pixels: this far above the floor and below the ceiling at least


def alone(episode, k: int):
    """The episode as if room ``k`` were the scene: its floor, the objects standing in it."""
    spec = episode.scene
    polys = footprints(spec)
    ids = {o.object_id for o, r in zip(spec.objects, room_of([o.pose.position for o in spec.objects], polys)) if r == k}
    scene = dataclasses.replace(spec, room=RoomSpec(tuple(map(tuple, polys[k])), spec.room.height),
                                objects=tuple(o for o in spec.objects if o.object_id in ids), rooms=(), openings=())
    frames = tuple(dataclasses.replace(f, visibility=tuple(v for v in f.visibility if v.object_id in ids))
                   for f in episode.frames)
    return dataclasses.replace(episode, scene=scene, frames=frames), len(ids)


def close_wall_shares(episode, episode_dir: Path, reach: float) -> np.ndarray:
    """(frames,) share of each frame's pixels that show the room's own surfaces (instance 0) at wall
    height, nearer than ``reach`` (m, along the ray)."""
    K = episode.intrinsics
    u, v = np.meshgrid(np.arange(K.width) + 0.5, np.arange(K.height) + 0.5)
    rays = np.stack([(u - K.cx) / K.fx, (v - K.cy) / K.fy, np.ones_like(u)], axis=-1)  # OpenCV camera, z = 1
    length, top = np.linalg.norm(rays, axis=-1), episode.scene.room.height - _WALL_BAND_M
    with np.load(episode_dir / "arrays.npz") as arrays:
        depth_mm, instance = arrays["depth_mm"], arrays["instance"]
    out = np.zeros(len(episode.frames))
    for k, (frame, d, inst) in enumerate(zip(episode.frames, depth_mm, instance)):
        T, z = np.array(frame.T_world_cam), d / 1000.0
        height = T[2, 3] + (rays @ T[2, :3]) * z  # world z of each pixel's surface point
        out[k] = ((inst == 0) & (d > 0) & (z * length < reach) & (height > _WALL_BAND_M) & (height < top)).mean()
    return out


def measure_house(episode, episode_dir: Path, model: VisibilityModel, reach: float) -> dict:
    """The whole house's numbers and each room's."""
    spec = episode.scene
    cams = np.array([np.array(f.T_world_cam)[:2, 3] for f in episode.frames])
    in_room = np.bincount(room_of(cams, footprints(spec)), minlength=len(footprints(spec)))
    rooms = []
    for k, room in enumerate(spec.rooms):
        view, n_objects = alone(episode, k)
        numbers = measure(view, episode_dir, model)
        rooms.append({"room": room.name, "objects": n_objects, "objects_clear": round(numbers["objects_clear"], 4),
                      "floor_seen": round(numbers["floor_seen"], 4), "frames": int(in_room[k])})
    walls = close_wall_shares(episode, episode_dir, reach)
    return {**{key: round(v, 4) for key, v in measure(episode, episode_dir, model).items()},
            "close_wall_max": round(float(walls.max(initial=0.0)), 4),
            "close_wall_frames": int((walls > CLOSE_WALL_SHARE).sum()),
            "frames": len(episode.frames), "objects": len(spec.objects), "rooms": rooms}


def run(seeds: range, extra: list[str], work: Path, keep: Path | None) -> list[dict]:
    """Render one house per seed; each seed's numbers."""
    rows, sim = [], None
    try:
        for seed in tqdm(seeds, desc="house_tour", unit="seed", file=sys.stderr):
            cfg = compose_cfg(["scene=house", f"seed={seed}", "render.save_arrays=true", *extra])
            plugins = build_plugins(cfg)
            timed = _Timed(plugins.planner)
            plugins = dataclasses.replace(plugins, planner=timed)
            if sim is None:
                sim = SIMULATORS.get(plugins.simulator_name)[0](plugins.simulator_cfg)
            episode_dir = (keep or work) / f"house-{seed}"
            episode_dir.mkdir(parents=True, exist_ok=True)
            try:
                episode = render_one(sim, plugins.builder.build(seed, 0, 0), plugins, f"bench-house-{seed}", episode_dir,
                                     lambda stage, s=seed: rng(s, 0, 0, stage))
            except PlanningError as e:  # counted and named, as the runner logs and skips it
                rows.append({"seed": seed, "error": str(e)})
                continue
            rows.append({"seed": seed, "trajectory": cfg.trajectory.name, "plan_s": round(timed.seconds, 2),
                         **measure_house(episode, episode_dir, VisibilityModel.from_config(cfg.visibility),
                                         cfg.trajectory.min_view_distance_m)})
    finally:
        if sim is not None:
            sim.close()
    return rows


def summary(rows: list[dict]) -> dict:
    """Means and worst cases over the seeds, overall and over every room of every house."""
    failed = [row for row in rows if "error" in row]
    rows = [row for row in rows if "error" not in row]
    rooms = [r for row in rows for r in row["rooms"]]

    def stats(values, worst=min):
        return {"mean": round(float(np.mean(values)), 4), "worst": round(float(worst(values)), 4)}

    return {
        "failed": failed,
        "house": {
            "objects_seen_clearly": stats([r["objects_clear"] for r in rows]),
            "floor_seen": stats([r["floor_seen"] for r in rows]),
            "empty_frame_fraction": stats([r["empty_frames"] for r in rows], max),
            "close_wall_max_share": stats([r["close_wall_max"] for r in rows], max),
            "close_wall_frames": stats([r["close_wall_frames"] for r in rows], max),
            "frames": stats([r["frames"] for r in rows], max),
            "objects": stats([r["objects"] for r in rows], max),
            "plan_s": stats([r["plan_s"] for r in rows], max),
            "houses_meeting_90_percent": int(sum(r["objects_clear"] >= 0.9 for r in rows)),
        },
        "rooms": {
            "count": len(rooms),
            "objects_seen_clearly": stats([r["objects_clear"] for r in rooms if r["objects"]]),
            "floor_seen": stats([r["floor_seen"] for r in rooms]),
            "frames": stats([r["frames"] for r in rooms]),
            "rooms_meeting_90_percent": int(sum(r["objects_clear"] >= 0.9 for r in rooms if r["objects"])),
            "by_type": {name: stats([r["objects_clear"] for r in rooms if r["room"].rstrip(" 0123456789") == name
                                     and r["objects"]])
                        for name in sorted({r["room"].rstrip(" 0123456789") for r in rooms})},
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--per-seed", action="store_true", help="also list each seed's numbers, room by room")
    parser.add_argument("--override", action="append", default=[], help="extra Hydra override, e.g. trajectory.revisit=2")
    parser.add_argument("--keep", type=Path, default=None, help="keep the rendered episodes in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="simgen-house-coverage-") as tmp:
        rows = run(range(args.first_seed, args.first_seed + args.seeds), args.override, Path(tmp), args.keep)
    result = {"seeds": args.seeds, "overrides": args.override, "targets": {"objects_seen_clearly": 0.9},
              **summary(rows), **({"per_seed": rows} if args.per_seed else {})}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
