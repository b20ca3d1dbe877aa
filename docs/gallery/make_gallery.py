"""Contact sheets for docs/gallery/: one procedural scene per seed, one camera pose, three renderers.

Each row: pybullet's TinyRenderer frame (what ``video.mp4`` shows today), Blender ``preview`` and
Blender ``default`` of the same SceneSpec, object states and camera. The pose is the planned
walkthrough's frame that shows the most objects. Sheets are palette PNGs (small enough for git).

Usage: python docs/gallery/make_gallery.py [--seeds 0 1 2] [--size 320x240] [--out docs/gallery]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_dir
from PIL import Image, ImageDraw

from simgen.job_config import conf_dir
from simgen.episodes.runner import build_plugins
from simgen.renderers.blender import BlenderRenderer
from simgen.renderers.look import Look
from simgen.seeding import rng
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator
from simgen.trajectories.base import PlanRequest

PRESETS = ("preview", "default")


def best_view(seed: int, width: int, height: int):
    """(spec, states, intrinsics, pose, pybullet RGB) at the planned frame showing the most objects."""
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        cfg = compose("config", overrides=[f"seed={seed}", f"camera.width={width}", f"camera.height={height}"])
    plugins = build_plugins(cfg)
    spec = plugins.builder.build(seed, 0, 0)
    with PybulletSimulator(PybulletConfig(renderer="tiny")) as sim:
        states = sim.load(spec)
        request = PlanRequest(spec, states, plugins.intrinsics, plugins.render.n_frames, plugins.render.fps)
        poses = plugins.planner.plan(request, rng(seed, 0, 0, "trajectory"))
        best = None
        for T in poses[:: max(1, len(poses) // 12)]:
            obs = sim.render(T, plugins.intrinsics)
            ids, counts = np.unique(obs.instance, return_counts=True)
            shown = int(np.sum((ids > 0) & (counts > 0.004 * width * height)))
            if best is None or shown > best[0]:
                best = (shown, T, obs.rgb)
    return spec, states, plugins.intrinsics, best[1], best[2]


def label(img: np.ndarray, text: str) -> Image.Image:
    out = Image.fromarray(img)
    draw = ImageDraw.Draw(out)
    draw.rectangle((0, 0, 8 + 6 * len(text), 14), fill=(0, 0, 0))
    draw.text((4, 2), text, fill=(255, 255, 255))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--size", default="320x240")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    for seed in args.seeds:
        spec, states, K, T, tiny = best_view(seed, width, height)
        tiles = [label(tiny, "pybullet TinyRenderer")]
        for preset in PRESETS:
            with BlenderRenderer(Look(preset=preset)) as r:
                r.load(spec, K)
                rgb = r.render(states, T).rgb
            tiles.append(label(rgb, f"blender {preset}"))
        sheet = Image.new("RGB", (width * len(tiles), height))
        for k, tile in enumerate(tiles):
            sheet.paste(tile, (k * width, 0))
        path = args.out / f"seed{seed}_{width}x{height}.png"
        sheet.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
        print(f"{path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
