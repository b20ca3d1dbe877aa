"""Re-render a recorded episode with Blender and check it against the episode's own ground truth.

The episode folder's ``episode.json`` gives the SceneSpec, intrinsics, every frame's object states
and camera pose; ``arrays.npz`` holds the physics backend's depth (mm) and instance masks. The
Blender frames go to ``<out>/frame_XXXX.png`` and ``<out>/video.mp4``; ``<out>/report.json`` says
how well Blender's passes agree with the recording (share of pixels with the same instance id,
median |depth difference| where both saw a surface) and what each frame cost.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from simgen.io import write_json
from simgen.renderers.blender import BlenderRenderer, BlenderUnavailable
from simgen.renderers.look import PRESETS, TIMES_OF_DAY, Look


def compare(depth_m: np.ndarray, instance: np.ndarray, recorded_depth_mm: np.ndarray,
            recorded_instance: np.ndarray) -> dict:
    """Agreement of one rendered frame with a recorded one (recorded depth 0 mm = nothing hit)."""
    both = np.isfinite(depth_m) & (recorded_depth_mm > 0)
    diff = np.abs(depth_m[both] * 1000.0 - recorded_depth_mm[both].astype(np.float64))
    return {"instance_agreement": float(np.mean(instance == recorded_instance)),
            "median_depth_diff_mm": float(np.median(diff)) if diff.size else None}


def rerender_episode(episode_dir: Path, out_dir: Path, look: Look = Look(preset="preview"), stride: int = 1,
                     max_frames: int | None = None, video: bool = True, progress: bool = True) -> dict:
    """Render every ``stride``-th frame (at most ``max_frames``) of the episode; write frames, video and report."""
    from PIL import Image
    from tqdm import tqdm

    from simgen.episodes.writer import ARRAYS, VideoWriter, read_episode

    episode_dir, out_dir = Path(episode_dir), Path(out_dir)
    episode = read_episode(episode_dir)
    arrays = np.load(episode_dir / ARRAYS) if (episode_dir / ARRAYS).is_file() else None
    frames = episode.frames[::stride][:max_frames]
    out_dir.mkdir(parents=True, exist_ok=True)
    k = episode.intrinsics
    writer = VideoWriter(out_dir / "video.mp4", k.width, k.height, episode.fps / stride) if video else None
    rows = []
    try:
        with BlenderRenderer(look) as renderer:
            renderer.load(episode.scene, k)
            for frame in tqdm(frames, desc="blender", unit="frame", disable=not progress):
                obs = renderer.render(frame.objects, np.asarray(frame.T_world_cam))
                Image.fromarray(obs.rgb).save(out_dir / f"frame_{frame.index:04d}.png")
                if writer:
                    writer.write(obs.rgb)
                row = {"frame": frame.index, "cpu_s": renderer.last_cpu_s}
                if arrays is not None:
                    row.update(compare(obs.depth, obs.instance, arrays["depth_mm"][frame.index],
                                       arrays["instance"][frame.index]))
                rows.append(row)
            device = renderer.device
    finally:
        if writer:
            writer.close()
    report = {"episode_id": episode.episode_id, "recorded_by": f"{episode.simulator}/{episode.renderer}",
              "preset": look.preset, "device": device, "frames": len(rows),
              "cpu_s_per_frame": float(np.mean([r["cpu_s"] for r in rows])) if rows else None, "per_frame": rows}
    if arrays is not None and rows:
        report["instance_agreement"] = float(np.mean([r["instance_agreement"] for r in rows]))
        depths = [r["median_depth_diff_mm"] for r in rows if r["median_depth_diff_mm"] is not None]
        report["median_depth_diff_mm"] = float(np.median(depths)) if depths else None
    write_json(out_dir / "report.json", report, indent=1)
    return report


def main(argv=None) -> int:
    """``python -m simgen.episodes.rerender EPISODE_DIR [--preset P] [--out DIR] ...``; prints the summary JSON."""
    ap = argparse.ArgumentParser(prog="python -m simgen.episodes.rerender", description=__doc__.split("\n\n")[0])
    ap.add_argument("episode_dir", type=Path, help="an episode folder (episode.json, arrays.npz)")
    ap.add_argument("--preset", default="preview", choices=sorted(PRESETS))
    ap.add_argument("--out", type=Path, help="output folder (default: <episode_dir>/blender-<preset>)")
    ap.add_argument("--stride", type=int, default=1, help="render every N-th frame")
    ap.add_argument("--max-frames", type=int, default=None)
    ap.add_argument("--time-of-day", default="random", choices=TIMES_OF_DAY)
    ap.add_argument("--look-seed", type=int, default=0, help="another look of the same scene")
    ap.add_argument("--threads", type=int, default=0, help="Cycles CPU threads (0 = all cores)")
    ap.add_argument("--no-video", action="store_true")
    args = ap.parse_args(argv)
    if not (args.episode_dir / "episode.json").is_file():
        print(f"error: {args.episode_dir}/episode.json not found (expected a simgen episode folder)", file=sys.stderr)
        return 2
    if args.stride < 1 or (args.max_frames is not None and args.max_frames < 1):
        print("error: --stride and --max-frames must be ≥ 1", file=sys.stderr)
        return 2
    look = Look(preset=args.preset, time_of_day=args.time_of_day, seed=args.look_seed, threads=args.threads)
    out = args.out or args.episode_dir / f"blender-{args.preset}"
    try:
        report = rerender_episode(args.episode_dir, out, look, args.stride, args.max_frames, not args.no_video)
    except (BlenderUnavailable, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps({k: v for k, v in report.items() if k != "per_frame"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
