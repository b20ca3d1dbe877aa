"""Kitchen furniture and appliances with shape variants: refrigerator, kitchen counter, stove,
trash can, and the kitchen island (a counter's shapes, standing free; all static).

Size ranges are typical appliance and cabinet dimensions (cited per maker; a counter is 90 cm high
and 60 cm deep almost everywhere); every variant stays within its asset's ``dims`` (depth x, width
y, height z of the full box, metres).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from simgen.scene.assets import STANDARD_SPREAD, TRIM, Asset, Context, block, cylinder, rod, top_surface
from simgen.scene.assets_parts import METAL, SCREEN, fronts, variants
from simgen.types import Part

APPLIANCE = ("white", "grey", "black")
CABINET = ("white", "grey", "brown", "beige", "blue", "green", "black")
STONE = [(0.85, 0.85, 0.83, 1.0), (0.25, 0.25, 0.27, 1.0), (0.6, 0.5, 0.4, 1.0)]  # worktop: pale, dark, wood


def _fridge(ctx: Context, hy: float):
    """Body (H 170–185, D 65–75 cm) and the plane of its door fronts."""
    depth, h = ctx.u(0.65, 0.75), ctx.u(1.7, 1.85)
    x0, x1 = -depth / 2, depth / 2 - 0.04
    return [block((x0, -hy, 0.0), (x1, hy, h), ctx.shade(0.85))], x1, h


def _bar(x, y, z0, z1) -> Part:
    return block((x + 0.02, y - 0.012, z0), (x + 0.045, y + 0.012, z1), METAL)


def _split_doors(ctx: Context, x1: float, hy: float, split: float, h: float) -> list[Part]:
    """Two door fronts, one above the other, meeting at height ``split``."""
    return [block((x1, -hy + 0.005, 0.02), (x1 + 0.04, hy - 0.005, split - 0.005), ctx.rgba),
            block((x1, -hy + 0.005, split + 0.005), (x1 + 0.04, hy - 0.005, h - 0.005), ctx.rgba)]


def top_freezer(ctx: Context):
    """Top-freezer refrigerator: a short freezer door above a tall one (W 60–75 cm)."""
    hy = ctx.u(0.3, 0.375)
    parts, x1, h = _fridge(ctx, hy)
    split = h * 0.7
    parts += _split_doors(ctx, x1, hy, split, h) + [
        _bar(x1 + 0.02, hy - 0.06, split - 0.45, split - 0.1), _bar(x1 + 0.02, hy - 0.06, split + 0.08, split + 0.3)]
    return parts, []


def bottom_freezer(ctx: Context):
    """Bottom-freezer refrigerator: a freezer drawer below the fridge door (W 60–75 cm)."""
    hy = ctx.u(0.3, 0.375)
    parts, x1, h = _fridge(ctx, hy)
    split = h * 0.4
    parts += _split_doors(ctx, x1, hy, split, h) + [
        rod((x1 + 0.07, -hy + 0.1, split - 0.08), (x1 + 0.07, hy - 0.1, split - 0.08), 0.012, METAL),
        _bar(x1 + 0.02, hy - 0.06, split + 0.2, split + 0.7)]
    return parts, []


def side_by_side(ctx: Context):
    """Side-by-side refrigerator: two full-height doors with long handles at the middle (W 85–91 cm)."""
    hy = ctx.u(0.425, 0.455)
    parts, x1, h = _fridge(ctx, hy)
    parts += [block((x1, -hy + 0.005, 0.02), (x1 + 0.04, -0.004, h - 0.005), ctx.rgba),
              block((x1, 0.004, 0.02), (x1 + 0.04, hy - 0.005, h - 0.005), ctx.rgba),
              _bar(x1 + 0.02, -0.04, h * 0.35, h * 0.8), _bar(x1 + 0.02, 0.04, h * 0.35, h * 0.8),
              block((x1 + 0.04, -hy + 0.12, h * 0.55), (x1 + 0.045, -hy + 0.32, h * 0.72), SCREEN)]
    return parts, []


def _counter(ctx: Context, hy: float):
    """Base cabinet (D 58–62 cm) with a worktop overhanging 2–3 cm at 88–92 cm."""
    depth, h, t = ctx.u(0.58, 0.62), ctx.u(0.88, 0.92), ctx.u(0.03, 0.04)
    x0, x1 = -depth / 2, depth / 2
    body = block((x0, -hy, 0.1), (x1 - 0.03, hy, h - t), ctx.shade(0.9))
    plinth = block((x0, -hy, 0.0), (x1 - 0.08, hy, 0.1), TRIM)
    stone = STONE[int(ctx.rng.integers(len(STONE)))]
    return [body, plinth], x0, x1, h, t, stone


def counter_doors(ctx: Context):
    """Counter run of door cabinets, each 40–60 cm wide, with a drawer row under the worktop (W 80–180 cm)."""
    hy = ctx.u(0.4, 0.9)
    parts, x0, x1, h, t, stone = _counter(ctx, hy)
    top = block((x0, -hy, h - t), (x1, hy, h), stone)
    n = max(2, int(round(hy / 0.3)))
    parts += fronts(x1 - 0.03, -hy + 0.005, hy - 0.005, h - t - 0.17, h - t - 0.01, n, 1, ctx.rgba)
    parts += fronts(x1 - 0.03, -hy + 0.005, hy - 0.005, 0.11, h - t - 0.18, n, 1, ctx.rgba, vertical=True)
    return [top, *parts], [top_surface(top)]


def counter_drawers(ctx: Context):
    """Counter of drawer stacks: columns of three deep drawers (W 80–160 cm)."""
    hy = ctx.u(0.4, 0.8)
    parts, x0, x1, h, t, stone = _counter(ctx, hy)
    top = block((x0, -hy, h - t), (x1, hy, h), stone)
    n = max(2, int(round(hy / 0.3)))
    parts += fronts(x1 - 0.03, -hy + 0.005, hy - 0.005, 0.11, h - t - 0.01, n, 3, ctx.rgba)
    return [top, *parts], [top_surface(top)]


def counter_sink(ctx: Context):
    """Counter with an inset steel sink and a tall tap in the middle (W 120–180 cm)."""
    hy = ctx.u(0.6, 0.9)
    parts, x0, x1, h, t, stone = _counter(ctx, hy)
    sw = ctx.u(0.22, 0.3)  # half width of the sink along the wall
    tops = [block((x0, -hy, h - t), (x1, -sw, h), stone), block((x0, sw, h - t), (x1, hy, h), stone),
            block((x0, -sw, h - t), (x0 + 0.1, sw, h), stone), block((x1 - 0.06, -sw, h - t), (x1, sw, h), stone)]
    basin = block((x0 + 0.1, -sw, h - 0.2), (x1 - 0.06, sw, h - 0.005), METAL)
    tap = [cylinder((x0 + 0.05, 0.0), h, h + 0.3, 0.015, METAL), rod((x0 + 0.05, 0.0, h + 0.3),
                                                                       (x0 + 0.22, 0.0, h + 0.3), 0.013, METAL)]
    parts += fronts(x1 - 0.03, -hy + 0.005, hy - 0.005, 0.11, h - t - 0.01, 3, 1, ctx.rgba, vertical=True)
    return [*tops, basin, *tap, *parts], [top_surface(tops[0]), top_surface(tops[1])]


def _range(ctx: Context, hy: float, burners: list, induction: bool = False):
    """A freestanding range (H 90–92, D 60–65 cm): oven door with window and bar, cooktop, back panel."""
    depth, h = ctx.u(0.6, 0.65), ctx.u(0.9, 0.92)
    x0, x1 = -depth / 2, depth / 2
    parts = [block((x0, -hy, 0.0), (x1, hy, h - 0.01), ctx.rgba),
             block((x0 + 0.05, -hy + 0.01, h - 0.01), (x1 - 0.01, hy - 0.01, h), TRIM),  # the cooktop
             block((x0, -hy, h - 0.01), (x0 + 0.05, hy, h + 0.12), ctx.shade(0.85)),  # the control panel
             block((x1, -hy + 0.06, 0.12), (x1 + 0.01, hy - 0.06, h - 0.2), ctx.shade(0.9)),  # the oven door
             block((x1 + 0.01, -hy + 0.12, 0.25), (x1 + 0.012, hy - 0.12, h - 0.32), SCREEN),
             rod((x1 + 0.04, -hy + 0.1, h - 0.24), (x1 + 0.04, hy - 0.1, h - 0.24), 0.01, METAL)]
    parts += [cylinder((x0 + 0.03, y), h + 0.02, h + 0.04, 0.015, METAL) for y in np.linspace(-hy + 0.08, hy - 0.08, 4)]
    for bx, by, r in burners:
        ring = METAL if induction else (0.12, 0.12, 0.12, 1.0)
        parts.append(cylinder((bx, by), h, h + (0.002 if induction else 0.02), r, ring))
        if not induction:
            parts.append(cylinder((bx, by), h + 0.02, h + 0.025, r * 0.5, (0.3, 0.3, 0.3, 1.0)))
    return parts


def four_burner(ctx: Context):
    """Gas range with four burners (W 60 cm)."""
    hy = 0.3
    return _range(ctx, hy, [(x, y, r) for x, y, r in ((-0.08, -0.14, 0.07), (-0.08, 0.14, 0.06),
                                                      (0.16, -0.14, 0.06), (0.16, 0.14, 0.08))]), []


def five_burner(ctx: Context):
    """Wide gas range with five burners, a wok burner in the middle (W 76 cm)."""
    hy = 0.38
    spots = [(-0.08, -0.22, 0.06), (-0.08, 0.22, 0.06), (0.16, -0.22, 0.06), (0.16, 0.22, 0.06), (0.04, 0.0, 0.09)]
    return _range(ctx, hy, spots), []


def induction(ctx: Context):
    """Induction range: a flat glass top with four ring marks (W 60 cm)."""
    return _range(ctx, 0.3, [(-0.08, -0.14, 0.09), (-0.08, 0.14, 0.08), (0.16, -0.14, 0.08), (0.16, 0.14, 0.09)],
                  induction=True), []


def round_bin(ctx: Context):
    """Round swing-lid bin (diameter 30–40, H 50–70 cm)."""
    r, h = ctx.u(0.15, 0.2), ctx.u(0.5, 0.7)
    return [cylinder((0.0, 0.0), 0.0, h - 0.1, r, ctx.rgba), cylinder((0.0, 0.0), h - 0.1, h - 0.02, r + 0.005,
                                                                       ctx.shade(0.8)),
            block((-0.02, -r * 0.6, h - 0.02), (0.02, r * 0.6, h), ctx.shade(0.6))], []  # the swing flap's seam


def pedal_bin(ctx: Context):
    """Pedal bin: a cylinder with a domed lid and a foot pedal at the front (diameter 25–32, H 40–65 cm)."""
    r, h = ctx.u(0.125, 0.16), ctx.u(0.4, 0.65)
    return [cylinder((0.0, 0.0), 0.0, h - 0.03, r, ctx.rgba), cylinder((0.0, 0.0), h - 0.03, h, r * 0.98, METAL),
            block((r - 0.02, -0.05, 0.01), (r + 0.06, 0.05, 0.03), TRIM)], []


def box_bin(ctx: Context):
    """Rectangular kitchen bin with a flap lid (W 30–40, D 25–35, H 55–75 cm)."""
    hy, hx, h = ctx.u(0.15, 0.2), ctx.u(0.125, 0.175), ctx.u(0.55, 0.75)
    return [block((-hx, -hy, 0.0), (hx, hy, h - 0.05), ctx.rgba),
            block((-hx - 0.005, -hy - 0.005, h - 0.05), (hx + 0.005, hy + 0.005, h), ctx.shade(0.7)),
            block((-hx * 0.3, -hy * 0.7, h), (hx * 0.8, hy * 0.7, h + 0.005), TRIM)], []


KITCHEN = (
    Asset("refrigerator", "furniture", "wall", APPLIANCE, None, size_spread=STANDARD_SPREAD, max_count=1,
          variants=variants(top_freezer=top_freezer, bottom_freezer=bottom_freezer, side_by_side=side_by_side),
          dims=((0.66, 0.8), (0.6, 0.91), (1.7, 1.85))),
    Asset("kitchen counter", "furniture", "wall", CABINET, None, size_spread=STANDARD_SPREAD, supports=True, max_count=3,
          weight=2.0, variants=variants(doors=counter_doors, drawers=counter_drawers, sink=counter_sink),
          dims=((0.58, 0.65), (0.8, 1.8), (0.88, 1.25))),
    Asset("stove", "furniture", "wall", APPLIANCE, None, size_spread=STANDARD_SPREAD, max_count=1, variants=variants(
        four_burner=four_burner, five_burner=five_burner, induction=induction),
          dims=((0.6, 0.72), (0.6, 0.76), (1.0, 1.04))),
    Asset("trash can", "furniture", "wall", ("grey", "white", "black", "blue"), None, weight=0.5, max_count=1,
          variants=variants(round=round_bin, pedal=pedal_bin, rectangular=box_bin),
          dims=((0.25, 0.42), (0.25, 0.41), (0.4, 0.76))),
)
# a counter standing free in the room, bar stools at its back (groups.Furnisher.breakfast_bar): what a person calls it
KITCHEN += (dataclasses.replace(KITCHEN[1], category="kitchen island", placement="free", max_count=1),)
