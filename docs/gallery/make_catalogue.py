"""Contact sheet of the asset catalogue: ``docs/gallery/catalogue.png``.

One cell per category, rendered by pybullet (TinyRenderer, the default renderer on a CPU): every
shape variant of the category side by side on a floor (the original shape first), facing the
camera (+x, the object-frame front), seen from the front-right and a little above, with the
category name. Wall- and ceiling-mounted pieces stand on the floor here. The sheet is a palette PNG
(small enough for git).

Usage: nice -n 10 python docs/gallery/make_catalogue.py [--cell 240x180] [--cols 10] [--out docs/gallery/catalogue.png]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from simgen.geometry import look_at
from simgen.scene.catalogue import CATALOGUE, instantiate
from simgen.seeding import rng
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator
from simgen.types import CameraIntrinsics, ObjectSpec, Pose, RoomSpec, SceneSpec

GAP = 0.25  # m between neighbouring variants
VIEW = np.array([1.0, 0.55, 0.6])  # direction from the row's centre to the camera (front-right, above)


def row_scene(category: str) -> tuple[SceneSpec, np.ndarray, np.ndarray]:
    """A scene holding one instance of each variant of ``category`` in a row along y; (scene, centre of the
    row's box, its extent: row length, height, depth)."""
    item = CATALOGUE[category]
    names = item.variant_names() or [None]
    insts = [instantiate(item, rng(k, 0, 0, f"gallery/{category}"), 1.0, 2.6, 0.0, variant)
             for k, variant in enumerate(names)]
    widths = [2 * i.half_extents[1] for i in insts]
    y = -(sum(widths) + GAP * (len(widths) - 1)) / 2
    objects = []
    for k, inst in enumerate(insts):
        y += widths[k] / 2
        objects.append(ObjectSpec(k + 1, f"{category}_{k + 1}", category, inst.color, inst.half_extents,
                                  Pose((0.0, y, inst.half_extents[2] + (0.002 if inst.mass else 0.0))), inst.parts,
                                  inst.mass, inst.asset.kind))
        y += widths[k] / 2 + GAP
    room = RoomSpec(((-8.0, -8.0), (8.0, -8.0), (8.0, 8.0), (-8.0, 8.0)), 3.0)
    top = max(2 * i.half_extents[2] for i in insts)
    extent = np.array([sum(widths) + GAP * (len(widths) - 1), top, max(2 * i.half_extents[0] for i in insts)])
    return SceneSpec(f"gallery-{category}", 0, room, tuple(objects)), np.array([0.0, 0.0, top / 2]), extent


def render_cell(sim: PybulletSimulator, category: str, width: int, height: int) -> Image.Image:
    """The category's row rendered at width × height with its name written in the top-left corner."""
    spec, centre, (row, top, depth) = row_scene(category)
    sim.load(spec)
    f = 0.9 * width
    intr = CameraIntrinsics(width, height, f, f, width / 2, height / 2)
    dist = 1.1 * max(row * f / width, top * f / height) + depth  # the row fills the width or the height
    eye = centre + dist * VIEW / np.linalg.norm(VIEW)
    rgb = sim.render(look_at(eye, centre), intr, passes=("rgb",)).rgb
    img = Image.fromarray(rgb)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 7 * len(category) + 6, 14), fill=(255, 255, 255))
    draw.text((3, 1), category, fill=(0, 0, 0))
    return img


def main(argv=None) -> None:
    """Render every category into one grid and save it as a palette PNG."""
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--cell", default="240x180", help="cell size WxH in pixels")
    ap.add_argument("--cols", type=int, default=10)
    ap.add_argument("--only", nargs="*", help="render only these categories")
    ap.add_argument("--out", default=str(Path(__file__).with_name("catalogue.png")))
    args = ap.parse_args(argv)
    width, height = (int(v) for v in args.cell.split("x"))
    cats = args.only or list(CATALOGUE)
    rows = -(-len(cats) // args.cols)
    sheet = Image.new("RGB", (args.cols * width, rows * height), (255, 255, 255))
    sim = PybulletSimulator(PybulletConfig(renderer="tiny"))
    try:
        for k, category in enumerate(cats):
            sheet.paste(render_cell(sim, category, width, height), ((k % args.cols) * width, (k // args.cols) * height))
            print(f"\r{k + 1}/{len(cats)} {category:20}", end="", flush=True)
    finally:
        sim.close()
    sheet.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(args.out, optimize=True)
    print(f"\n{args.out}: {len(cats)} categories, {Path(args.out).stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
