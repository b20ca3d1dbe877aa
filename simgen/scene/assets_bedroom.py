"""Bedroom furniture and objects with shape variants: nightstand, dresser, wardrobe, pillow, alarm
clock, table lamp, plus extra variants of the original bed.

Size ranges are typical retail dimensions (cited per maker); every variant stays within its asset's
``dims`` (depth x, width y, height z of the full box, metres).
"""
from __future__ import annotations

import numpy as np

from simgen.scene.assets import TRIM, Asset, Context, Surface, block, cylinder, rod, sphere, top_surface, turned
from simgen.scene.assets_parts import GLASS, METAL, PAPER, SCREEN, fronts, legs, variants
from simgen.types import Part, Pose

WOOD = ("brown", "white", "beige", "black", "grey")
LINEN = (0.95, 0.95, 0.95, 1.0)


def _mattress(ctx: Context, x0, x1, hy, z0, top):
    """Mattress with duvet (the object's colour) and a pillow at the head; the duvet beyond it is a surface."""
    mattress = block((x0, -hy + 0.02, z0), (x1 - 0.02, hy - 0.02, top), ctx.rgba)
    px = x0 + 0.45
    pillow = block((x0 + 0.05, -hy + 0.1, top), (px, hy - 0.1, top + 0.12), LINEN)
    return [mattress, pillow], [Surface(((px + x1) / 2, 0.0, top), ((x1 - px) / 2 - 0.1, hy - 0.1))]


def _bed_size(ctx: Context):
    """Length 1.95–2.15 m; width of a single, double, queen or king mattress (90, 140, 160, 180 cm) + frame."""
    return ctx.u(1.95, 2.15), float(ctx.rng.choice([0.47, 0.72, 0.82, 0.92])) + ctx.u(0.0, 0.04)


def platform(ctx: Context):
    """Low platform bed without a headboard: a slab frame on a recessed plinth (H 35–45 cm to the top)."""
    length, hy = _bed_size(ctx)
    x0, x1 = -length / 2, length / 2
    frame = block((x0, -hy, 0.08), (x1, hy, 0.2), ctx.shade(0.7))
    plinth = block((x0 + 0.1, -hy + 0.1, 0.0), (x1 - 0.1, hy - 0.1, 0.08), TRIM)
    parts, surfaces = _mattress(ctx, x0, x1, hy, 0.2, ctx.u(0.35, 0.45))
    return [frame, plinth, *parts], surfaces


def footboard(ctx: Context):
    """Bed with a headboard and a lower footboard, on legs (headboard 90–120 cm, footboard 50–65 cm)."""
    length, hy = _bed_size(ctx)
    x0, x1, top = -length / 2, length / 2, ctx.u(0.5, 0.58)
    wood = ctx.shade(0.55)
    parts = [block((x0, -hy, 0.0), (x0 + 0.06, hy, ctx.u(0.9, 1.2)), wood),
             block((x1 - 0.05, -hy, 0.0), (x1, hy, ctx.u(top + 0.02, 0.65)), wood),
             block((x0 + 0.06, -hy, 0.2), (x1 - 0.05, hy, 0.3), wood)]
    more, surfaces = _mattress(ctx, x0 + 0.06, x1 - 0.03, hy, 0.3, top)
    return parts + more, surfaces


def four_poster(ctx: Context):
    """Four-poster bed: corner posts 1.9–2.1 m tall joined by top rails."""
    length, hy = _bed_size(ctx)
    x0, x1, h = -length / 2, length / 2, ctx.u(1.9, 2.1)
    wood = ctx.shade(0.5)
    parts = [block((x0 + 0.05, -hy, 0.15), (x1 - 0.05, hy, 0.3), wood),
             block((x0, -hy, 0.3), (x0 + 0.05, hy, ctx.u(0.95, 1.1)), wood)]
    parts += legs(length / 2, hy, h, 0.07, wood)
    parts += [block((x0, s * hy - (s > 0) * 0.05, h - 0.06), (x1, s * hy + (s < 0) * 0.05, h), wood) for s in (-1, 1)]
    parts += [block((x - (x > 0) * 0.07, -hy, h - 0.06), (x + (x < 0) * 0.07, hy, h), wood) for x in (x0, x1)]
    more, surfaces = _mattress(ctx, x0 + 0.07, x1 - 0.05, hy - 0.07, 0.3, ctx.u(0.5, 0.58))
    return parts + more, surfaces


def _case(ctx: Context, hy, depth, z0, h):
    x0, x1 = -depth / 2, depth / 2
    return block((x0, -hy, z0), (x1, hy, h), ctx.rgba), x1


def open_nightstand(ctx: Context):
    """Nightstand on legs: one drawer above an open shelf (W 40–55, D 35–45, H 50–65 cm)."""
    hy, depth, h = ctx.u(0.2, 0.275), ctx.u(0.35, 0.45), ctx.u(0.5, 0.65)
    x0, x1, t, leg = -depth / 2, depth / 2, 0.02, ctx.u(0.12, 0.2)
    top = block((x0, -hy, h - 0.15), (x1, hy, h), ctx.rgba)
    parts = [top, block((x0, -hy, leg), (x1, hy, leg + t), ctx.rgba),
             block((x0, -hy, leg), (x1, -hy + t, h), ctx.rgba), block((x0, hy - t, leg), (x1, hy, h), ctx.rgba),
             block((x0, -hy, leg), (x0 + t, hy, h), ctx.shade(0.8)), *legs(depth / 2, hy, leg, 0.035, ctx.shade(0.6))]
    parts += fronts(x1, -hy + t, hy - t, h - 0.14, h - 0.01, 1, 1, ctx.shade(0.92))
    return parts, [top_surface(top)]


def drawer_nightstand(ctx: Context, rows: int):
    """Nightstand case of ``rows`` drawers on a plinth (W 40–60, D 35–45, H 50–70 cm)."""
    hy, depth, h = ctx.u(0.2, 0.3), ctx.u(0.35, 0.45), ctx.u(0.5, 0.55) + 0.05 * rows
    body, x1 = _case(ctx, hy, depth, 0.05, h)
    plinth = block((-x1 + 0.02, -hy + 0.02, 0.0), (x1 - 0.02, hy - 0.02, 0.05), ctx.shade(0.6))
    return [body, plinth, *fronts(x1, -hy + 0.01, hy - 0.01, 0.07, h - 0.02, 1, rows, ctx.shade(0.92))], [
        top_surface(body)]


def low_dresser(ctx: Context):
    """Low dresser: two columns of three drawers (W 120–160, D 45–55, H 75–90 cm)."""
    hy, depth, h = ctx.u(0.6, 0.8), ctx.u(0.45, 0.55), ctx.u(0.75, 0.9)
    body, x1 = _case(ctx, hy, depth, 0.1, h)
    return [body, *legs(x1, hy, 0.1, 0.05, ctx.shade(0.6), inset=0.02),
            *fronts(x1, -hy + 0.01, hy - 0.01, 0.12, h - 0.02, 2, 3, ctx.shade(0.92))], [top_surface(body)]


def tall_dresser(ctx: Context):
    """Tall chest of five drawers (W 80–100, D 45–55, H 110–130 cm)."""
    hy, depth, h = ctx.u(0.4, 0.5), ctx.u(0.45, 0.55), ctx.u(1.1, 1.3)
    body, x1 = _case(ctx, hy, depth, 0.06, h)
    plinth = block((-x1 + 0.02, -hy + 0.02, 0.0), (x1 - 0.02, hy - 0.02, 0.06), ctx.shade(0.6))
    return [body, plinth, *fronts(x1, -hy + 0.01, hy - 0.01, 0.08, h - 0.02, 1, 5, ctx.shade(0.92))], [
        top_surface(body)]


def mirror_dresser(ctx: Context):
    """Dresser with a framed mirror standing on the back of its top (W 120–150, D 45–55, H 160–190 cm)."""
    hy, depth, h = ctx.u(0.6, 0.75), ctx.u(0.45, 0.55), ctx.u(0.75, 0.85)
    body, x1 = _case(ctx, hy, depth, 0.1, h)
    x0, mh = -x1, ctx.u(0.85, 1.0)
    frame = block((x0, -hy * 0.7, h), (x0 + 0.04, hy * 0.7, h + mh), ctx.shade(0.7))
    glass = block((x0 + 0.04, -hy * 0.7 + 0.05, h + 0.05), (x0 + 0.045, hy * 0.7 - 0.05, h + mh - 0.05), GLASS)
    top = Surface(((x0 + 0.06 + x1) / 2, 0.0, h), ((x1 - x0 - 0.06) / 2 - 0.02, hy - 0.02))
    return [body, frame, glass, *legs(x1, hy, 0.1, 0.05, ctx.shade(0.6), inset=0.02),
            *fronts(x1, -hy + 0.01, hy - 0.01, 0.12, h - 0.02, 3, 3, ctx.shade(0.92))], [top]


def _wardrobe(ctx: Context, hy, doors: int, sliding: bool = False):
    depth, h = ctx.u(0.55, 0.62), min(ctx.u(1.8, 2.2), ctx.room_height - 0.15)
    body, x1 = _case(ctx, hy, depth, 0.08, h)
    parts = [body, block((-x1 + 0.02, -hy + 0.02, 0.0), (x1 - 0.02, hy - 0.02, 0.08), ctx.shade(0.6))]
    if not sliding:
        return parts + fronts(x1, -hy + 0.01, hy - 0.01, 0.1, h - 0.02, doors, 1, ctx.shade(0.93), vertical=True)
    half = hy - 0.01  # two panels on two tracks, overlapping 10 cm in the middle, each with a recessed pull
    for s, dx in ((-1, 0.0), (1, 0.025)):
        y0, y1 = (-half, 0.05) if s < 0 else (-0.05, half)
        parts.append(block((x1 + dx, y0, 0.1), (x1 + dx + 0.02, y1, h - 0.02), ctx.shade(0.93 if s < 0 else 0.85)))
        yc = y1 - 0.08 if s < 0 else y0 + 0.08
        parts.append(block((x1 + dx + 0.02, yc - 0.01, h / 2 - 0.15), (x1 + dx + 0.025, yc + 0.01, h / 2 + 0.15), TRIM))
    return parts


def two_door(ctx: Context):
    """Two-door wardrobe (W 80–110, D 55–62, H 180–220 cm)."""
    return _wardrobe(ctx, ctx.u(0.4, 0.55), 2), []


def three_door(ctx: Context):
    """Three-door wardrobe (W 130–160, D 55–62, H 180–220 cm)."""
    return _wardrobe(ctx, ctx.u(0.65, 0.8), 3), []


def sliding(ctx: Context):
    """Sliding-door wardrobe: two panels on offset tracks (W 150–200, D 58–65, H 180–220 cm)."""
    return _wardrobe(ctx, ctx.u(0.75, 1.0), 2, sliding=True), []


def square_pillow(ctx: Context):
    """Square throw pillow (40–50 cm, 12–16 cm thick) with a piped edge."""
    h, t = ctx.u(0.2, 0.25), ctx.u(0.06, 0.08)
    return [block((-h, -h, 0.0), (h, h, 2 * t), ctx.rgba), block((-h - 0.005, -h - 0.005, t - 0.006),
                                                                  (h + 0.005, h + 0.005, t + 0.006), ctx.shade(0.7))], []


def bed_pillow(ctx: Context):
    """Rectangular bed pillow (50×70 to 50×75 cm, 12–16 cm thick), lying flat."""
    hx, hy, t = ctx.u(0.24, 0.26), ctx.u(0.34, 0.38), ctx.u(0.06, 0.08)
    return [block((-hx, -hy, 0.0), (hx, hy, 2 * t), ctx.rgba), block((-hx + 0.03, -hy + 0.03, 2 * t),
                                                                      (hx - 0.03, hy - 0.03, 2 * t + 0.01), ctx.rgba)], []


def bolster(ctx: Context):
    """Bolster pillow: a cylinder lying along y (L 45–60 cm, diameter 15–20 cm) with darker end caps."""
    r, hy = ctx.u(0.075, 0.1), ctx.u(0.22, 0.3)
    parts = [Part("cylinder", (r, r, hy), Pose((0.0, 0.0, r), turned("x", np.pi / 2)), ctx.rgba)]
    parts += [Part("cylinder", (r * 0.6, r * 0.6, 0.005), Pose((0.0, s * (hy + 0.005), r), turned("x", np.pi / 2)),
                   ctx.shade(0.7)) for s in (-1, 1)]
    return parts, []


def twin_bell(ctx: Context):
    """Twin-bell alarm clock: a round face towards +x, two bells on top, two feet (H 12–16 cm)."""
    r = ctx.u(0.045, 0.06)
    zc = r + 0.015
    body = Part("cylinder", (r, r, 0.025), Pose((0.0, 0.0, zc), turned("y", np.pi / 2)), ctx.rgba)
    face = Part("cylinder", (r * 0.85, r * 0.85, 0.002), Pose((0.026, 0.0, zc), turned("y", np.pi / 2)), PAPER)
    hands = [block((0.028, -0.002, zc), (0.03, 0.002, zc + r * 0.6), TRIM),
             block((0.028, 0.0, zc - 0.002), (0.03, r * 0.5, zc + 0.002), TRIM)]
    bells = [sphere((0.0, s * r * 0.6, zc + r + 0.012), 0.022, METAL) for s in (-1, 1)]
    feet = [cylinder((0.0, s * r * 0.6), 0.0, 0.02, 0.008, METAL) for s in (-1, 1)]
    return [body, face, *hands, *bells, *feet], []


def digital_clock(ctx: Context):
    """Digital alarm clock: a low box with a dark display on its sloped front (W 12–16, H 6–9 cm)."""
    hy, hx, h = ctx.u(0.06, 0.08), ctx.u(0.035, 0.05), ctx.u(0.06, 0.09)
    body = block((-hx, -hy, 0.0), (hx, hy, h), ctx.rgba)
    digits = [block((hx + 0.001, -hy + 0.015 + k * (hy - 0.012) / 2, h * 0.3), (hx + 0.003, -hy + 0.005 + (k + 1) *
                    (hy - 0.012) / 2, h * 0.75), (0.9, 0.15, 0.1, 1.0)) for k in range(4)]
    return [body, block((hx, -hy + 0.01, h * 0.2), (hx + 0.001, hy - 0.01, h * 0.85), SCREEN), *digits], []


def cube_clock(ctx: Context):
    """Cube alarm clock with a round dial on its front (6–9 cm cube)."""
    h = ctx.u(0.06, 0.09)
    dial = Part("cylinder", (h * 0.38, h * 0.38, 0.002), Pose((h / 2 + 0.002, 0.0, h / 2), turned("y", np.pi / 2)),
                PAPER)
    return [block((-h / 2, -h / 2, 0.0), (h / 2, h / 2, h), ctx.rgba), dial,
            block((h / 2 + 0.004, -0.002, h / 2), (h / 2 + 0.005, 0.002, h * 0.8), TRIM)], []


def drum_table_lamp(ctx: Context):
    """Table lamp: a cylinder base, a short stem and a drum shade, base and shade in the lamp's colour
    (H 40–55 cm, shade 25–35 cm)."""
    h, r = ctx.u(0.4, 0.55), ctx.u(0.125, 0.175)
    return [cylinder((0.0, 0.0), 0.0, 0.18, ctx.u(0.05, 0.07), ctx.shade(0.85)),
            cylinder((0.0, 0.0), 0.18, h - 0.1, 0.008, METAL), cylinder((0.0, 0.0), h - 0.22, h, r, ctx.rgba)], []


def ball_table_lamp(ctx: Context):
    """Table lamp with a round ceramic base and a drum shade (H 40–55 cm)."""
    h, rb = ctx.u(0.4, 0.55), ctx.u(0.07, 0.1)
    return [cylinder((0.0, 0.0), 0.0, 0.015, rb * 0.6, ctx.rgba), sphere((0.0, 0.0, 0.01 + rb), rb, ctx.rgba),
            cylinder((0.0, 0.0), 0.01 + 2 * rb, h - 0.1, 0.008, METAL),
            cylinder((0.0, 0.0), h - 0.2, h, ctx.u(0.12, 0.16), ctx.rgba)], []


def candlestick_lamp(ctx: Context):
    """Candlestick table lamp: a disc foot, a tall slim column and a tall narrow shade (H 45–60 cm)."""
    h = ctx.u(0.45, 0.6)
    return [cylinder((0.0, 0.0), 0.0, 0.02, 0.07, ctx.rgba), cylinder((0.0, 0.0), 0.02, h - 0.12, 0.015, ctx.rgba),
            rod((0.0, 0.0, h - 0.2), (0.0, 0.0, h), 0.1, ctx.rgba)], []


BED_VARIANTS = variants(platform=platform, footboard=footboard, four_poster=four_poster)
BEDROOM = (
    Asset("nightstand", "furniture", "wall", WOOD, None, supports=True, max_count=2, variants=variants(
        open_shelf=open_nightstand, two_drawers=lambda ctx: drawer_nightstand(ctx, 2),
        three_drawers=lambda ctx: drawer_nightstand(ctx, 3)), dims=((0.36, 0.5), (0.4, 0.6), (0.5, 0.72))),
    Asset("dresser", "furniture", "wall", WOOD, None, supports=True, max_count=1, variants=variants(
        low=low_dresser, tall=tall_dresser, with_mirror=mirror_dresser), dims=((0.46, 0.6), (0.8, 1.6), (0.75, 1.9))),
    Asset("wardrobe", "furniture", "wall", WOOD, None, max_count=2, variants=variants(
        two_door=two_door, three_door=three_door, sliding=sliding), dims=((0.56, 0.7), (0.8, 2.0), (1.8, 2.2))),
    Asset("pillow", "small", "support", ("white", "blue", "grey", "beige", "red", "green", "yellow", "pink"), None,
          floor_ok=True, density=40.0, variants=variants(square=square_pillow, rectangular=bed_pillow,
                                                          bolster=bolster), dims=((0.15, 0.53), (0.4, 0.76), (0.12, 0.2))),
    Asset("alarm clock", "small", "support", ("red", "white", "black", "blue", "yellow"), None, density=300.0,
          variants=variants(twin_bell=twin_bell, digital=digital_clock, cube=cube_clock),
          dims=((0.05, 0.11), (0.06, 0.16), (0.06, 0.17))),
    Asset("table lamp", "small", "support", ("white", "blue", "green", "black", "red", "yellow"), None,
          density=150.0, variants=variants(drum=drum_table_lamp, ball=ball_table_lamp, candlestick=candlestick_lamp),
          dims=((0.2, 0.35), (0.2, 0.35), (0.4, 0.6))),
)
