"""Dining-room furniture and objects with shape variants: dining table, dining chair, sideboard,
bench, bar stool (static) and candle (small).

Size ranges are typical dining-furniture dimensions (a table top at 73–76 cm, a chair seat at
43–48 cm, a bar stool seat at 65–80 cm; cited per maker); every variant stays within its asset's
``dims`` (depth x, width y, height z of the full box, metres).
"""
from __future__ import annotations

import numpy as np

from simgen.scene.assets import TRIM, Asset, Context, block, cylinder, rod, top_surface
from simgen.scene.assets_parts import METAL, apron_table, fronts, legs, pedestal, variants

WOOD = ("brown", "white", "black", "beige", "grey")
CHAIR = ("brown", "black", "white", "grey", "red", "blue", "green")


def rect_table(ctx: Context):
    """Rectangular dining table on four legs (L 140–200, W 80–100, H 73–76 cm)."""
    hy, hx, h = ctx.u(0.7, 1.0), ctx.u(0.4, 0.5), ctx.u(0.73, 0.76)
    return apron_table(ctx, hx, hy, h, top=0.04, rim=0.05, leg=0.07, leg_inset=0.03)


def round_table(ctx: Context):
    """Round pedestal dining table (diameter 90–120, H 73–76 cm)."""
    r, h = ctx.u(0.45, 0.6), ctx.u(0.73, 0.76)
    top = cylinder((0.0, 0.0), h - 0.04, h, r, ctx.rgba)
    return [top, *pedestal(h - 0.04, r * 0.55, 0.06, ctx.shade(0.75), foot_h=0.05)], [top_surface(top)]


def trestle(ctx: Context):
    """Trestle dining table: two end frames on wide feet joined by a stretcher (L 160–220, W 85–100 cm)."""
    hy, hx, h = ctx.u(0.8, 1.1), ctx.u(0.425, 0.5), ctx.u(0.73, 0.76)
    top = block((-hx, -hy, h - 0.05), (hx, hy, h), ctx.rgba)
    wood = ctx.shade(0.75)
    parts = [top, block((-0.03, -hy + 0.25, 0.2), (0.03, hy - 0.25, 0.28), wood)]
    for s in (-1, 1):
        y = s * (hy - 0.25)
        parts += [block((-0.05, y - 0.04, 0.06), (0.05, y + 0.04, h - 0.05), wood),
                  block((-hx + 0.05, y - 0.05, 0.0), (hx - 0.05, y + 0.05, 0.06), wood)]
    return parts, [top_surface(top)]


def _chair(ctx: Context, back_h: float):
    """Seat (at 43–48 cm, 42–50 cm square) on four legs; returns parts, seat height and half sizes."""
    hx, hy, seat_h = ctx.u(0.21, 0.25), ctx.u(0.21, 0.25), ctx.u(0.43, 0.48)
    seat = block((-hx, -hy, seat_h - 0.05), (hx, hy, seat_h), ctx.rgba)
    parts = [seat, *legs(hx, hy, seat_h - 0.05, 0.035, ctx.shade(0.7))]
    parts += [block((-hx, s * hy - (s > 0) * 0.035, seat_h), (-hx + 0.035, s * hy + (s < 0) * 0.035, back_h),
                    ctx.shade(0.7)) for s in (-1, 1)]  # the back legs rise into the back posts
    return parts, seat_h, hx, hy


def panel_back(ctx: Context):
    """Dining chair with a solid panel back (H 80–95 cm)."""
    back_h = ctx.u(0.8, 0.95)
    parts, seat_h, hx, hy = _chair(ctx, back_h)
    parts.append(block((-hx, -hy + 0.035, back_h - 0.3), (-hx + 0.03, hy - 0.035, back_h), ctx.rgba))
    return parts, []


def spindle_back(ctx: Context):
    """Dining chair whose back is a top rail on vertical spindles (H 85–100 cm)."""
    back_h = ctx.u(0.85, 1.0)
    parts, seat_h, hx, hy = _chair(ctx, back_h)
    parts.append(block((-hx, -hy + 0.035, back_h - 0.08), (-hx + 0.035, hy - 0.035, back_h), ctx.rgba))
    parts += [cylinder((-hx + 0.017, y), seat_h, back_h - 0.08, 0.009, ctx.shade(0.7))
              for y in np.linspace(-hy + 0.09, hy - 0.09, 5)]
    return parts, []


def with_arms(ctx: Context):
    """Dining armchair: a panel back and two arm rests on posts (H 85–95 cm)."""
    back_h = ctx.u(0.85, 0.95)
    parts, seat_h, hx, hy = _chair(ctx, back_h)
    parts.append(block((-hx, -hy + 0.035, seat_h + 0.15), (-hx + 0.03, hy - 0.035, back_h), ctx.rgba))
    for s in (-1, 1):
        y0, y1 = (-hy, -hy + 0.04) if s < 0 else (hy - 0.04, hy)
        parts += [block((-hx, y0, seat_h + 0.2), (hx, y1, seat_h + 0.23), ctx.shade(0.7)),
                  block((hx - 0.04, y0, seat_h), (hx, y1, seat_h + 0.2), ctx.shade(0.7))]
    return parts, []


def _sideboard(ctx: Context, leg_h: float):
    """Sideboard case (L 140–200, D 40–50, H 75–90 cm) from leg_h up."""
    hy, depth, h = ctx.u(0.7, 1.0), ctx.u(0.4, 0.5), ctx.u(0.75, 0.9)
    body = block((-depth / 2, -hy, leg_h), (depth / 2, hy, h), ctx.rgba)
    return body, hy, depth / 2, h


def sideboard_doors(ctx: Context):
    """Sideboard with four doors on a plinth."""
    body, hy, x1, h = _sideboard(ctx, 0.06)
    plinth = block((-x1 + 0.02, -hy + 0.02, 0.0), (x1 - 0.02, hy - 0.02, 0.06), ctx.shade(0.6))
    return [body, plinth, *fronts(x1, -hy + 0.01, hy - 0.01, 0.08, h - 0.02, 4, 1, ctx.shade(0.93), vertical=True)], [
        top_surface(body)]


def sideboard_mixed(ctx: Context):
    """Sideboard: a column of three drawers between two doors, on a plinth."""
    body, hy, x1, h = _sideboard(ctx, 0.06)
    w = 2 * hy / 3
    parts = [body, block((-x1 + 0.02, -hy + 0.02, 0.0), (x1 - 0.02, hy - 0.02, 0.06), ctx.shade(0.6))]
    parts += fronts(x1, -hy + 0.01, -hy + w, 0.08, h - 0.02, 1, 1, ctx.shade(0.93), vertical=True)
    parts += fronts(x1, -hy + w, hy - w, 0.08, h - 0.02, 1, 3, ctx.shade(0.93))
    parts += fronts(x1, hy - w, hy - 0.01, 0.08, h - 0.02, 1, 1, ctx.shade(0.93), vertical=True)
    return parts, [top_surface(body)]


def sideboard_legs(ctx: Context):
    """Mid-century sideboard on tall tapered legs with sliding fronts (three panels)."""
    body, hy, x1, h = _sideboard(ctx, ctx.u(0.2, 0.28))
    z0 = body.offset.position[2] - body.size[2]
    return [body, *legs(x1, hy, z0, 0.04, ctx.shade(0.5), inset=0.05, round_=True),
            *fronts(x1, -hy + 0.01, hy - 0.01, z0 + 0.02, h - 0.02, 3, 1, ctx.shade(0.85), vertical=True)], [
        top_surface(body)]


def plain_bench(ctx: Context):
    """Plain wooden bench: a thick top on four legs (L 100–160, D 30–40, H 43–47 cm)."""
    hy, hx, h = ctx.u(0.5, 0.8), ctx.u(0.15, 0.2), ctx.u(0.43, 0.47)
    return [block((-hx, -hy, h - 0.04), (hx, hy, h), ctx.rgba), *legs(hx, hy, h - 0.04, 0.05, ctx.shade(0.8),
                                                                      inset=0.04)], []


def back_bench(ctx: Context):
    """Bench with a backrest on posts at its back (L 100–150, D 40–50, H 80–90 cm)."""
    hy, hx, h = ctx.u(0.5, 0.75), ctx.u(0.2, 0.25), ctx.u(0.43, 0.47)
    parts = [block((-hx, -hy, h - 0.04), (hx, hy, h), ctx.rgba), *legs(hx, hy, h - 0.04, 0.045, ctx.shade(0.8))]
    top = ctx.u(0.8, 0.9)
    parts += [block((-hx, s * hy - (s > 0) * 0.045, h), (-hx + 0.045, s * hy + (s < 0) * 0.045, top), ctx.shade(0.8))
              for s in (-1, 1)]
    parts.append(block((-hx, -hy + 0.045, top - 0.2), (-hx + 0.03, hy - 0.045, top), ctx.rgba))
    return parts, []


def cushion_bench(ctx: Context):
    """Upholstered bench: a padded top on a wooden frame with a lower stretcher (L 100–140, H 45–50 cm)."""
    hy, hx, h = ctx.u(0.5, 0.7), ctx.u(0.18, 0.22), ctx.u(0.45, 0.5)
    frame = ctx.shade(0.55)
    return [block((-hx, -hy, h - 0.1), (hx, hy, h), ctx.rgba), *legs(hx, hy, h - 0.1, 0.05, frame),
            block((-0.02, -hy + 0.05, 0.12), (0.02, hy - 0.05, 0.16), frame)], []


def four_leg_stool(ctx: Context):
    """Bar stool: a round seat on four splayed legs with a footrest ring (seat at 65–78 cm)."""
    r, h = ctx.u(0.17, 0.2), ctx.u(0.65, 0.78)
    seat = cylinder((0.0, 0.0), h - 0.05, h, r, ctx.rgba)
    feet = [(0.85 * r * np.cos(a), 0.85 * r * np.sin(a)) for a in np.pi / 4 + np.arange(4) * np.pi / 2]
    parts = [seat] + [rod((x, y, 0.0), (x * 0.6, y * 0.6, h - 0.05), 0.015, ctx.shade(0.6)) for x, y in feet]
    ring = [(x * 0.78, y * 0.78, 0.25) for x, y in feet]
    parts += [rod(a, b, 0.01, METAL) for a, b in zip(ring, ring[1:] + ring[:1])]
    return parts, []


def pedestal_stool(ctx: Context):
    """Pedestal bar stool: a gas-lift post on a disc foot, a footrest ring, a round seat (seat at 65–80 cm)."""
    r, h = ctx.u(0.18, 0.21), ctx.u(0.65, 0.8)
    return [cylinder((0.0, 0.0), h - 0.07, h, r, ctx.rgba), *pedestal(h - 0.07, 0.22, 0.03, METAL),
            cylinder((0.0, 0.0), 0.28, 0.3, 0.17, METAL)], []


def back_stool(ctx: Context):
    """Bar stool with a low backrest: a square seat on four legs (seat at 65–75 cm, back 25–35 cm higher)."""
    hx, h = ctx.u(0.19, 0.22), ctx.u(0.65, 0.75)
    parts = [block((-hx, -hx, h - 0.05), (hx, hx, h), ctx.rgba), *legs(hx, hx, h - 0.05, 0.03, TRIM)]
    parts += [block((-hx - 0.005, -hx, 0.25), (hx, -hx + 0.03, 0.27), TRIM),
              block((-hx - 0.005, hx - 0.03, 0.25), (hx, hx, 0.27), TRIM)]
    back = h + ctx.u(0.25, 0.35)
    parts += [block((-hx, s * hx - (s > 0) * 0.03, h), (-hx + 0.03, s * hx + (s < 0) * 0.03, back), TRIM)
              for s in (-1, 1)]
    parts.append(block((-hx, -hx, back - 0.12), (-hx + 0.03, hx, back), ctx.rgba))
    return parts, []


def pillar_candle(ctx: Context):
    """Pillar candle (diameter 6–9, H 8–15 cm) with a wick."""
    r, h = ctx.u(0.03, 0.045), ctx.u(0.08, 0.15)
    return [cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba), cylinder((0.0, 0.0), h, h + 0.012, 0.002, TRIM)], []


def taper(ctx: Context):
    """Taper candle (H 20–28 cm) in a brass holder with a drip dish."""
    h = ctx.u(0.2, 0.28)
    brass = (0.8, 0.65, 0.3, 1.0)
    return [cylinder((0.0, 0.0), 0.0, 0.012, 0.05, brass), cylinder((0.0, 0.0), 0.012, 0.06, 0.012, brass),
            cylinder((0.0, 0.0), 0.06, 0.075, 0.02, brass), cylinder((0.0, 0.0), 0.075, h, 0.011, ctx.rgba),
            cylinder((0.0, 0.0), h, h + 0.01, 0.0015, TRIM)], []


def jar_candle(ctx: Context):
    """Jar candle: wax in a glass jar with a lid set on top (diameter 8–10, H 9–12 cm)."""
    r, h = ctx.u(0.04, 0.05), ctx.u(0.08, 0.1)
    glass = (0.8, 0.85, 0.88, 1.0)
    return [cylinder((0.0, 0.0), 0.0, h * 0.8, r * 0.97, ctx.rgba), cylinder((0.0, 0.0), h * 0.8, h, r, glass),
            cylinder((0.0, 0.0), h, h + 0.015, r * 1.02, METAL)], []


DINING = (
    Asset("dining table", "furniture", "free", WOOD, None, supports=True, max_count=1, weight=1.5, gathers=True,
          variants=variants(rectangular=rect_table, round=round_table, trestle=trestle),
          dims=((0.8, 1.2), (0.9, 2.2), (0.73, 0.76))),
    Asset("dining chair", "furniture", "table", CHAIR, None, weight=2.0, variants=variants(
        panel_back=panel_back, spindle_back=spindle_back, with_arms=with_arms),
          dims=((0.42, 0.5), (0.42, 0.5), (0.8, 1.0))),
    Asset("sideboard", "furniture", "wall", WOOD, None, supports=True, max_count=1, variants=variants(
        doors=sideboard_doors, drawers_and_doors=sideboard_mixed, on_legs=sideboard_legs),
          dims=((0.4, 0.54), (1.4, 2.0), (0.75, 0.9))),
    Asset("bench", "furniture", "table", WOOD, None, max_count=2, variants=variants(
        plain=plain_bench, with_back=back_bench, upholstered=cushion_bench),
          dims=((0.3, 0.5), (1.0, 1.6), (0.43, 0.9))),
    Asset("bar stool", "furniture", "free", ("black", "grey", "brown", "white", "red"), None, variants=variants(
        four_leg=four_leg_stool, pedestal=pedestal_stool, with_back=back_stool),
          dims=((0.32, 0.45), (0.32, 0.45), (0.65, 1.1))),
    Asset("candle", "small", "support", ("white", "red", "beige", "purple", "yellow"), None, density=600.0,
          variants=variants(pillar=pillar_candle, taper=taper, jar=jar_candle),
          dims=((0.06, 0.11), (0.06, 0.11), (0.09, 0.29))),
)
