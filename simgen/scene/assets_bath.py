"""Bathroom furniture and objects with shape variants: toilet, bathtub, sink cabinet, washing machine
(static) and towel, toothbrush cup, soap dispenser (small).

Size ranges are typical sanitary-ware dimensions (cited per maker); every variant stays within its
asset's ``dims`` (depth x, width y, height z of the full box, metres).
"""
from __future__ import annotations

import numpy as np

from simgen.scene.assets import STANDARD_SPREAD, TRIM, Asset, Context, block, cylinder, rod, sphere, top_surface, turned
from simgen.scene.assets_parts import METAL, PORCELAIN, SCREEN, fronts, legs, variants
from simgen.types import Part, Pose

SANITARY = ("white", "beige", "grey")


def _bowl(ctx: Context, x_back: float, length: float, hy: float, seat_h: float, pedestal: bool = True) -> list:
    """A toilet bowl (the seat ring 36–40 cm across, at 40–43 cm) reaching ``length`` forward of ``x_back``."""
    parts = []
    if pedestal:
        parts.append(block((x_back, -hy * 0.55, 0.0), (x_back + length * 0.7, hy * 0.55, seat_h - 0.08), ctx.rgba))
    r = hy
    cx = x_back + length - r
    parts += [cylinder((cx, 0.0), seat_h - 0.16, seat_h - 0.03, r * 0.95, ctx.rgba),
              block((x_back, -r * 0.95, seat_h - 0.16), (cx, r * 0.95, seat_h - 0.03), ctx.rgba),
              cylinder((cx, 0.0), seat_h - 0.03, seat_h, r, ctx.shade(0.97))]
    return parts


def close_coupled(ctx: Context):
    """Close-coupled toilet: a cistern sitting on the back of the bowl (H 75–82, D 62–70, W 36–40 cm)."""
    hy, depth, seat_h = ctx.u(0.18, 0.2), ctx.u(0.62, 0.7), ctx.u(0.4, 0.43)
    x0 = -depth / 2
    tank = block((x0, -hy, seat_h), (x0 + 0.18, hy, ctx.u(0.75, 0.82)), ctx.rgba)
    button = cylinder((x0 + 0.09, 0.0), tank.offset.position[2] + tank.size[2], tank.offset.position[2] +
                      tank.size[2] + 0.008, 0.02, METAL)
    return [tank, button, *_bowl(ctx, x0, depth, hy, seat_h)], []


def low_tank(ctx: Context):
    """Toilet with a wide low cistern and a lid (H 68–74, D 65–72, W 45–52 cm across the cistern)."""
    hy, depth, seat_h = ctx.u(0.18, 0.2), ctx.u(0.65, 0.72), ctx.u(0.4, 0.43)
    x0, tw = -depth / 2, ctx.u(0.225, 0.26)
    top = ctx.u(0.68, 0.74)
    tank = block((x0, -tw, seat_h - 0.05), (x0 + 0.17, tw, top - 0.02), ctx.rgba)
    lid = block((x0 - 0.005, -tw - 0.005, top - 0.02), (x0 + 0.175, tw + 0.005, top), ctx.shade(0.97))
    lever = rod((x0 + 0.15, tw - 0.05, top - 0.06), (x0 + 0.2, tw - 0.05, top - 0.06), 0.008, METAL)
    return [tank, lid, lever, *_bowl(ctx, x0, depth, hy, seat_h)], []


def wall_hung(ctx: Context):
    """Wall-hung toilet in front of a flush panel with a large push plate (panel H 100–120, D 55–60 cm)."""
    hy, depth, seat_h = ctx.u(0.18, 0.2), ctx.u(0.55, 0.6), ctx.u(0.4, 0.43)
    x0, ph = -depth / 2, ctx.u(1.0, 1.2)
    panel = block((x0, -0.3, 0.0), (x0 + 0.15, 0.3, ph), (0.9, 0.9, 0.9, 1.0))
    plate = block((x0 + 0.15, -0.1, ph - 0.35), (x0 + 0.16, 0.1, ph - 0.2), METAL)
    return [panel, plate, *_bowl(ctx, x0 + 0.15, depth - 0.15, hy, seat_h, pedestal=False)], []


def _tub(ctx: Context, length, hx, h, z0, wall=0.07):
    """Tub walls around a recessed bottom, its length along the wall (L 150–180, W 70–80, H 50–60 cm)."""
    y0, y1 = -length / 2, length / 2
    return [block((-hx, y0, z0), (hx, y1, z0 + 0.06), ctx.rgba),
            block((-hx, y0, z0), (hx, y0 + wall, h), ctx.rgba), block((-hx, y1 - wall, z0), (hx, y1, h), ctx.rgba),
            block((-hx, y0 + wall, z0), (-hx + wall, y1 - wall, h), ctx.rgba),
            block((hx - wall, y0 + wall, z0), (hx, y1 - wall, h), ctx.rgba)]


def built_in(ctx: Context):
    """Built-in tub with a wall tap at one end (its long side against the wall)."""
    length, hx, h = ctx.u(1.5, 1.8), ctx.u(0.35, 0.4), ctx.u(0.5, 0.58)
    parts = _tub(ctx, length, hx, h, 0.0)
    y0 = -length / 2
    parts += [rod((-hx + 0.03, y0 + 0.03, h + 0.1), (-hx + 0.03, y0 + 0.03, h), 0.015, METAL),
              rod((-hx + 0.03, y0 + 0.03, h + 0.1), (-hx + 0.03, y0 + 0.15, h + 0.1), 0.013, METAL)]
    return parts, []


def clawfoot(ctx: Context):
    """Freestanding clawfoot tub on four ball feet, with rounded ends (L 150–170, H 60–70 cm with feet)."""
    length, hx, h = ctx.u(1.5, 1.7), ctx.u(0.36, 0.4), ctx.u(0.6, 0.7)
    parts = _tub(ctx, length - 2 * hx * 0.6, hx, h, 0.1)
    for s in (-1, 1):  # rounded ends: upright half-cylinders of the tub's width
        parts.append(cylinder((0.0, s * (length / 2 - hx * 0.6)), 0.1, h, hx * 0.6, ctx.rgba))
    parts += [sphere((t * (hx - 0.08), s * (length / 2 - 0.3), 0.05), 0.05, METAL) for s in (-1, 1) for t in (-1, 1)]
    parts.append(rod((-hx + 0.05, 0.0, h), (-hx + 0.05, 0.0, h + 0.2), 0.013, METAL))
    return parts, []


def corner_tub(ctx: Context):
    """Tub with a wide deck around it and a tap on the deck at one end (L 160–180, W 75–85, H 55–60 cm)."""
    length, hx, h = ctx.u(1.6, 1.8), ctx.u(0.375, 0.425), ctx.u(0.55, 0.6)
    parts = _tub(ctx, length, hx, h - 0.03, 0.0, wall=0.12)
    y0 = -length / 2
    parts += [block((-hx - 0.02, y0 - 0.02, h - 0.03), (hx + 0.02, y0 + 0.14, h), ctx.shade(0.95)),
              cylinder((0.0, y0 + 0.06), h, h + 0.15, 0.015, METAL)]
    return parts, []


def _vanity(ctx: Context, hy, leg_h: float):
    """Vanity case (H 80–90, D 45–55 cm) with a worktop split around a basin and a tap."""
    depth, h = ctx.u(0.45, 0.55), ctx.u(0.8, 0.9)
    x0, x1, t = -depth / 2, depth / 2, 0.03
    body = block((x0, -hy, leg_h), (x1 - 0.02, hy, h - t), ctx.rgba)
    bw = min(0.25, hy - 0.1)
    tops = [block((x0, -hy, h - t), (x1, -bw, h), PORCELAIN), block((x0, bw, h - t), (x1, hy, h), PORCELAIN),
            block((x0, -bw, h - t), (x0 + 0.1, bw, h), PORCELAIN)]
    basin = block((x0 + 0.1, -bw, h - 0.15), (x1, bw, h - 0.005), (0.85, 0.85, 0.85, 1.0))
    tap = [cylinder((x0 + 0.05, 0.0), h, h + 0.18, 0.014, METAL), rod((x0 + 0.05, 0.0, h + 0.18),
                                                                        (x0 + 0.15, 0.0, h + 0.18), 0.012, METAL)]
    return [body, *tops, basin, *tap], x1, h, t, tops


def vanity_doors(ctx: Context):
    """Sink cabinet with two doors on a plinth (W 60–90 cm)."""
    hy = ctx.u(0.3, 0.45)
    parts, x1, h, t, tops = _vanity(ctx, hy, 0.08)
    parts.append(block((-x1 + 0.02, -hy + 0.02, 0.0), (x1 - 0.04, hy - 0.02, 0.08), TRIM))
    parts += fronts(x1 - 0.02, -hy + 0.005, hy - 0.005, 0.1, h - t - 0.01, 2, 1, ctx.shade(0.93), vertical=True)
    return parts, [top_surface(p) for p in tops[:2]]


def vanity_drawers(ctx: Context):
    """Wide sink cabinet with two rows of drawers on legs (W 80–120 cm)."""
    hy = ctx.u(0.4, 0.6)
    parts, x1, h, t, tops = _vanity(ctx, hy, 0.15)
    parts += legs(x1, hy, 0.15, 0.04, METAL, inset=0.02)
    parts += fronts(x1 - 0.02, -hy + 0.005, hy - 0.005, 0.17, h - t - 0.01, 2, 2, ctx.shade(0.93))
    return parts, [top_surface(p) for p in tops[:2]]


def vanity_open(ctx: Context):
    """Sink cabinet: a drawer under the basin and an open towel shelf below (W 60–90 cm)."""
    hy = ctx.u(0.3, 0.45)
    parts, x1, h, t, tops = _vanity(ctx, hy, 0.35)
    parts += [block((-x1, -hy, 0.0), (x1 - 0.02, -hy + 0.03, 0.35), ctx.rgba),
              block((-x1, hy - 0.03, 0.0), (x1 - 0.02, hy, 0.35), ctx.rgba),
              block((-x1, -hy + 0.03, 0.1), (x1 - 0.02, hy - 0.03, 0.125), ctx.rgba)]
    parts += fronts(x1 - 0.02, -hy + 0.005, hy - 0.005, 0.37, h - t - 0.01, 1, 1, ctx.shade(0.93))
    return parts, [top_surface(p) for p in tops[:2]]


def _washer(ctx: Context, z0: float, h: float, hy: float, depth: float) -> list:
    """A front-loading drum unit from z0 to z0 + h: body, round door with a dark glass, control strip."""
    x0, x1 = -depth / 2, depth / 2
    zc, r = z0 + h * 0.45, min(0.2, h * 0.32)
    yaw = turned("y", np.pi / 2)  # cylinder axis along x: a disc facing +x
    return [block((x0, -hy, z0), (x1, hy, z0 + h), ctx.rgba),
            Part("cylinder", (r, r, 0.02), Pose((x1 + 0.02, 0.0, zc), yaw), (0.8, 0.8, 0.82, 1.0)),
            Part("cylinder", (r * 0.75, r * 0.75, 0.022), Pose((x1 + 0.02, 0.0, zc), yaw), SCREEN),
            block((x1, -hy + 0.02, z0 + h - 0.1), (x1 + 0.005, hy - 0.02, z0 + h - 0.02), ctx.shade(0.85)),
            Part("cylinder", (0.03, 0.03, 0.012), Pose((x1 + 0.012, hy - 0.1, z0 + h - 0.06), yaw), METAL)]


def front_loader(ctx: Context):
    """Front-loading washing machine (W 60, D 55–62, H 82–86 cm)."""
    return _washer(ctx, 0.0, ctx.u(0.82, 0.86), 0.3, ctx.u(0.55, 0.62)), []


def top_loader(ctx: Context):
    """Top-loading washing machine: a lid on top and a raised control console at the back (H 95–105 cm)."""
    hy, depth, h = 0.3, ctx.u(0.6, 0.68), ctx.u(0.88, 0.92)
    x0, x1 = -depth / 2, depth / 2
    return [block((x0, -hy, 0.0), (x1, hy, h), ctx.rgba),
            block((x0 + 0.15, -hy + 0.04, h), (x1 - 0.03, hy - 0.04, h + 0.01), ctx.shade(0.9)),
            block((x0, -hy, h), (x0 + 0.12, hy, h + ctx.u(0.08, 0.13)), ctx.shade(0.85)),
            block((x0 + 0.12, -0.1, h + 0.03), (x0 + 0.121, 0.1, h + 0.07), SCREEN)], []


def stacked(ctx: Context):
    """A dryer stacked on a washer: two front-loading units (W 60, D 55–62, H 165–175 cm)."""
    depth, h = ctx.u(0.55, 0.62), ctx.u(0.82, 0.86)
    return _washer(ctx, 0.0, h, 0.3, depth) + _washer(ctx, h + 0.005, h, 0.3, depth), []


def folded(ctx: Context):
    """Folded towel (30×25 to 40×30 cm, 4–6 cm thick) with a contrasting band across it."""
    hx, hy, h = ctx.u(0.125, 0.15), ctx.u(0.15, 0.2), ctx.u(0.04, 0.06)
    return [block((-hx, -hy, 0.0), (hx, hy, h), ctx.rgba),
            block((-hx - 0.002, -hy + 0.05, 0.0), (hx + 0.002, -hy + 0.08, h + 0.002), ctx.shade(0.7))], []


def stacked_towels(ctx: Context):
    """Two folded towels of the same colour stacked, the top one set back (H 8–12 cm)."""
    hx, hy, h = ctx.u(0.12, 0.15), ctx.u(0.15, 0.2), ctx.u(0.04, 0.06)
    return [block((-hx, -hy, 0.0), (hx, hy, h), ctx.rgba), block((-hx, -hy + 0.02, h), (hx - 0.02, hy, 2 * h),
                                                                  ctx.shade(0.9))], []


def rolled(ctx: Context):
    """Rolled towel: a cylinder lying along y (L 25–35 cm, diameter 10–14 cm) with a visible spiral end."""
    r, hy = ctx.u(0.05, 0.07), ctx.u(0.125, 0.175)
    along_y = turned("x", np.pi / 2)
    return [Part("cylinder", (r, r, hy), Pose((0.0, 0.0, r), along_y), ctx.rgba),
            Part("cylinder", (r * 0.5, r * 0.5, hy + 0.002), Pose((0.0, 0.0, r), along_y), ctx.shade(0.75))], []


def _brushes(n: int, r: float, h: float, ctx: Context) -> list:
    out = []
    heads = [(0.2, 0.5, 0.9, 1.0), (0.9, 0.3, 0.3, 1.0), (0.3, 0.75, 0.4, 1.0)]
    for k in range(n):
        a = 2 * np.pi * k / max(n, 1) + 0.4
        base = (0.4 * r * np.cos(a), 0.4 * r * np.sin(a), 0.02)
        tip = (r * np.cos(a) * 1.1, r * np.sin(a) * 1.1, h + 0.09)
        out += [rod(base, tip, 0.004, heads[k % 3]), sphere(tip, 0.008, (0.95, 0.95, 0.95, 1.0))]
    return out


def one_brush(ctx: Context):
    """Toothbrush cup with one toothbrush (cup diameter 6–8, H 9–11 cm)."""
    r, h = ctx.u(0.03, 0.04), ctx.u(0.09, 0.11)
    return [cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba), *_brushes(1, r, h, ctx)], []


def two_brushes(ctx: Context):
    """Toothbrush cup with two toothbrushes."""
    r, h = ctx.u(0.03, 0.04), ctx.u(0.09, 0.11)
    return [cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba), *_brushes(2, r, h, ctx)], []


def brush_and_paste(ctx: Context):
    """Square toothbrush cup holding a toothbrush and a tube of toothpaste."""
    s, h = ctx.u(0.03, 0.038), ctx.u(0.09, 0.11)
    return [block((-s, -s, 0.0), (s, s, h), ctx.rgba), *_brushes(1, s, h, ctx),
            rod((-0.3 * s, 0.3 * s, 0.02), (-0.9 * s, 0.9 * s, h + 0.07), 0.011, (0.95, 0.95, 0.95, 1.0))], []


def _pump(top: float, r_neck: float) -> list:
    return [cylinder((0.0, 0.0), top, top + 0.02, r_neck, METAL), cylinder((0.0, 0.0), top + 0.02, top + 0.035,
                                                                            r_neck * 1.6, METAL),
            rod((0.0, 0.0, top + 0.028), (0.045, 0.0, top + 0.02), 0.006, METAL)]


def round_dispenser(ctx: Context):
    """Round pump soap dispenser (diameter 6–8, H 16–19 cm with the pump)."""
    r, h = ctx.u(0.03, 0.04), ctx.u(0.11, 0.13)
    return [cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba), *_pump(h, 0.01)], []


def square_dispenser(ctx: Context):
    """Square pump soap dispenser (6–7 cm square, H 15–18 cm)."""
    s, h = ctx.u(0.03, 0.035), ctx.u(0.1, 0.12)
    return [block((-s, -s, 0.0), (s, s, h), ctx.rgba), *_pump(h, 0.01)], []


def squat_dispenser(ctx: Context):
    """Wide, squat soap dispenser (diameter 9–11, H 12–14 cm) with a pump."""
    r, h = ctx.u(0.045, 0.055), ctx.u(0.07, 0.085)
    return [cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba), cylinder((0.0, 0.0), h, h + 0.01, r * 0.5, ctx.rgba),
            *_pump(h + 0.01, 0.012)], []


BATH = (
    Asset("toilet", "furniture", "wall", SANITARY, None, size_spread=STANDARD_SPREAD, max_count=1, variants=variants(
        close_coupled=close_coupled, low_tank=low_tank, wall_hung=wall_hung),
          dims=((0.55, 0.72), (0.36, 0.6), (0.4, 1.2))),
    Asset("bathtub", "furniture", "wall", SANITARY, None, size_spread=STANDARD_SPREAD, max_count=1, variants=variants(
        built_in=built_in, clawfoot=clawfoot, deck=corner_tub), dims=((0.7, 0.9), (1.5, 1.84), (0.6, 0.9))),
    Asset("sink cabinet", "furniture", "wall", ("white", "grey", "brown", "blue", "green", "black"), None,
          size_spread=STANDARD_SPREAD, supports=True, max_count=1,
          variants=variants(doors=vanity_doors, drawers=vanity_drawers, open=vanity_open),
          dims=((0.45, 0.56), (0.6, 1.2), (0.98, 1.1))),
    Asset("washing machine", "furniture", "wall", ("white", "grey"), None, size_spread=STANDARD_SPREAD, max_count=1,
          variants=variants(front_loader=front_loader, top_loader=top_loader, stacked=stacked),
          dims=((0.55, 0.7), (0.6, 0.6), (0.82, 1.75))),
    Asset("towel", "small", "support", ("white", "blue", "beige", "grey", "pink", "green"), None, floor_ok=True,
          density=150.0, variants=variants(folded=folded, stacked=stacked_towels, rolled=rolled),
          dims=((0.1, 0.31), (0.25, 0.4), (0.04, 0.14))),
    Asset("toothbrush cup", "small", "support", ("white", "blue", "green", "pink", "grey"), None, density=300.0,
          variants=variants(one_brush=one_brush, two_brushes=two_brushes, brush_and_paste=brush_and_paste),
          dims=((0.06, 0.1), (0.06, 0.1), (0.17, 0.22))),
    Asset("soap dispenser", "small", "support", ("white", "beige", "green", "pink", "grey", "black"), None,
          density=500.0, variants=variants(round=round_dispenser, square=square_dispenser, squat=squat_dispenser),
          dims=((0.06, 0.16), (0.06, 0.11), (0.11, 0.17))),
)
