"""Contact sheets for docs/gallery/: one scene, many renderers and many looks.

``renderers.png``: a row per seed (the default procedural scene, the planned walkthrough's frame that
shows the most objects) rendered by pybullet's TinyRenderer, MuJoCo (quality ``high``) and Blender
Cycles ``preview`` and ``default``, all with the same SceneSpec, camera pose and intrinsics (Blender
poses objects at pybullet's settled states; MuJoCo settles its own, so a small object may sit a
millimetre apart).

``looks.png``: one seed's view (``--looks-seed``) under other looks of the same scene: other look seeds, night,
and the camera effects (exposure and white balance, noise and JPEG, depth of field, motion blur from
the previous planned pose), all Blender ``default``. Sheets are palette PNGs (small enough for git).

Usage: python docs/gallery/make_gallery.py [--seeds 0 1 2] [--size 240x180] [--looks-seed 2] [--out docs/gallery]
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
from simgen.renderers.camera_effects import CameraEffects, CameraPipeline
from simgen.renderers.look import Look
from simgen.seeding import rng
from simgen.simulators.mujoco import MujocoConfig, MujocoSimulator
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator
from simgen.trajectories.base import PlanRequest

PRESETS = ("preview", "default")
EFFECTS = {  # label → camera effects over the default look
    "+0.7 EV, 3200 K balance": CameraEffects(exposure_ev=(0.7, 0.7), white_balance_k=(3200.0, 3200.0)),
    "noise 3%, JPEG q25": CameraEffects(noise_std=(0.03, 0.03), jpeg_quality=(25, 25)),
    "depth of field, 40 mm": CameraEffects(dof_aperture_mm=(40.0, 40.0)),
    "motion blur, shutter 0.5": CameraEffects(motion_blur_shutter=(0.5, 0.5)),
}


def best_view(seed: int, width: int, height: int):
    """(spec, states, intrinsics, previous pose, pose, pybullet RGB) at the planned frame showing the most objects."""
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        cfg = compose("config", overrides=[f"seed={seed}", f"camera.width={width}", f"camera.height={height}"])
    plugins = build_plugins(cfg)
    spec = plugins.builder.build(seed, 0, 0)
    with PybulletSimulator(PybulletConfig(renderer="tiny")) as sim:
        states = sim.load(spec)
        request = PlanRequest(spec, states, plugins.intrinsics, plugins.render.n_frames, plugins.render.fps)
        poses = plugins.planner.plan(request, rng(seed, 0, 0, "trajectory"))
        best = None
        for i in range(1, len(poses), max(1, len(poses) // 12)):
            obs = sim.render(poses[i], plugins.intrinsics)
            ids, counts = np.unique(obs.instance, return_counts=True)
            shown = int(np.sum((ids > 0) & (counts > 0.004 * width * height)))
            if best is None or shown > best[0]:
                best = (shown, i, obs.rgb)
    _, i, tiny = best
    return spec, states, plugins.intrinsics, poses[i - 1], poses[i], tiny


def mujoco_rgb(spec, K, T) -> np.ndarray:
    with MujocoSimulator(MujocoConfig(quality="high")) as sim:
        sim.load(spec)
        return sim.render(T, K).rgb


def label(img: np.ndarray, text: str) -> Image.Image:
    out = Image.fromarray(img)
    draw = ImageDraw.Draw(out)
    draw.rectangle((0, 0, 8 + 6 * len(text), 14), fill=(0, 0, 0))
    draw.text((4, 2), text, fill=(255, 255, 255))
    return out


def save_sheet(rows: list[list[Image.Image]], path: Path) -> None:
    w, h = rows[0][0].size
    sheet = Image.new("RGB", (w * max(len(r) for r in rows), h * len(rows)))
    for y, row in enumerate(rows):
        for x, tile in enumerate(row):
            sheet.paste(tile, (x * w, y * h))
    sheet.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    print(f"{path} ({path.stat().st_size // 1024} KB)")


def looks_row(spec, states, K, T_prev, T) -> list[list[Image.Image]]:
    """Other looks of one view: look seeds and night, then each camera effect on the default look."""
    tiles = []
    others = {"look seed 1": Look(seed=1, time_of_day="day"), "look seed 2": Look(seed=2, time_of_day="day"),
              "night": Look(time_of_day="night")}
    for text, look in others.items():
        with BlenderRenderer(look) as r:
            r.load(spec, K)
            tiles.append(label(r.render(states, T).rgb, text))
    with BlenderRenderer(Look(time_of_day="day")) as r:
        r.load(spec, K)
        frames = [r.render(states, P) for P in (T_prev, T)]
    effects = [label(frames[1].rgb, "default look, no effects")]
    for k, (text, effect) in enumerate(EFFECTS.items()):
        pipe = CameraPipeline(effect, K, rng(0, 0, k, "camera"))
        for P, obs in zip((T_prev, T), frames):
            rgb = pipe(obs.rgb, obs.depth, P)
        effects.append(label(rgb, text))
    return [effects[:1] + tiles, effects[1:]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--size", default="240x180")
    ap.add_argument("--looks-seed", type=int, default=2, help="the seed whose view looks.png shows (one of --seeds)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    if args.looks_seed not in args.seeds:
        ap.error(f"--looks-seed {args.looks_seed} is not one of --seeds {args.seeds}")
    rows, views = [], {}
    for seed in args.seeds:
        spec, states, K, T_prev, T, tiny = best_view(seed, width, height)
        views[seed] = (spec, states, K, T_prev, T)
        row = [label(tiny, f"seed {seed}: pybullet TinyRenderer"), label(mujoco_rgb(spec, K, T), "MuJoCo high")]
        for preset in PRESETS:
            with BlenderRenderer(Look(preset=preset)) as r:
                r.load(spec, K)
                row.append(label(r.render(states, T).rgb, f"Blender {preset}"))
        rows.append(row)
    save_sheet(rows, args.out / "renderers.png")
    save_sheet(looks_row(*views[args.looks_seed]), args.out / "looks.png")


if __name__ == "__main__":
    main()
