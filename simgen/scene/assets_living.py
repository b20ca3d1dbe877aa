"""Living-room furniture with shape variants: armchair, coffee table, side table, TV stand, ottoman,
floor lamp, rug, plus extra variants of the original sofa.

Size ranges are typical retail dimensions (cited per maker); every variant stays within its
asset's ``dims`` (depth x, width y, height z of the full box, metres).
"""
from __future__ import annotations

import numpy as np

from simgen.scene.assets import TRIM, Asset, Context, block, cylinder, rod, sphere, top_surface
from simgen.scene.assets_parts import METAL, fronts, legs, pedestal, variants

UPHOLSTERY = ("grey", "blue", "green", "beige", "brown", "red", "black")
WOOD = ("brown", "beige", "white", "black", "grey")


def _armchair_body(ctx: Context, depth, hy, seat_h, back_h, arm_h, arm):
    """Box armchair shared by the club and lounge variants: base, cushion, back, two arms."""
    x0, x1, back_t = -depth / 2, depth / 2, ctx.u(0.15, 0.22)
    base = block((x0, -hy, 0.0), (x1, hy, seat_h - 0.1), ctx.shade(0.8))
    cushion = block((x0 + back_t, -hy + arm, seat_h - 0.1), (x1, hy - arm, seat_h), ctx.rgba)
    back = block((x0, -hy, 0.0), (x0 + back_t, hy, back_h), ctx.rgba)
    arms = [block((x0 + back_t, s * hy - (s > 0) * arm, 0.0), (x1, s * hy + (s < 0) * arm, arm_h), ctx.rgba)
            for s in (-1, 1)]
    return [base, cushion, back, *arms], x0, x1


def club(ctx: Context):
    """Club armchair: deep, boxy, arms nearly as high as the back (W 80–100, D 80–95, H 75–85 cm)."""
    parts, _, _ = _armchair_body(ctx, ctx.u(0.8, 0.95), ctx.u(0.4, 0.5), ctx.u(0.42, 0.46), ctx.u(0.75, 0.85),
                                 ctx.u(0.6, 0.68), ctx.u(0.16, 0.22))
    return parts, []


def wingback(ctx: Context):
    """Wingback armchair on legs: a tall back with wings either side (W 75–90, D 80–90, H 100–112 cm)."""
    depth, hy, seat_h, back_h = ctx.u(0.8, 0.9), ctx.u(0.37, 0.45), ctx.u(0.44, 0.48), ctx.u(1.0, 1.12)
    x0, x1, leg_h, arm = -depth / 2, depth / 2, ctx.u(0.12, 0.18), 0.1
    parts = legs(depth / 2, hy, leg_h, 0.05, ctx.shade(0.5), inset=0.03)
    parts += [block((x0, -hy, leg_h), (x1, hy, seat_h), ctx.rgba),
              block((x0, -hy, leg_h), (x0 + 0.16, hy, back_h), ctx.rgba)]
    for s in (-1, 1):  # arm rolls and wings rising from them to the back's top
        y0, y1 = (-hy, -hy + arm) if s < 0 else (hy - arm, hy)
        parts += [block((x0 + 0.16, y0, seat_h), (x1, y1, seat_h + 0.2), ctx.rgba),
                  block((x0 + 0.16, y0, seat_h + 0.2), (x0 + 0.45, y1, back_h - 0.08), ctx.rgba)]
    return parts, []


def lounge(ctx: Context):
    """Mid-century lounge chair: low back, slim arms, tapered wooden legs (W 65–80, D 75–85, H 70–80 cm)."""
    depth, hy, leg_h = ctx.u(0.75, 0.85), ctx.u(0.33, 0.4), ctx.u(0.18, 0.24)
    x0, x1 = -depth / 2, depth / 2
    wood = (0.45, 0.28, 0.15, 1.0)
    parts = legs(depth / 2, hy, leg_h, 0.04, wood, inset=0.04, round_=True)
    seat_h = leg_h + ctx.u(0.18, 0.22)
    parts += [block((x0, -hy + 0.06, leg_h), (x1, hy - 0.06, seat_h), ctx.rgba),
              block((x0, -hy + 0.06, leg_h), (x0 + 0.14, hy - 0.06, ctx.u(0.7, 0.8)), ctx.rgba)]
    parts += [block((x0 + 0.1, s * hy - (s > 0) * 0.06, leg_h), (x1 - 0.05, s * hy + (s < 0) * 0.06, seat_h + 0.18),
                    wood) for s in (-1, 1)]
    return parts, []


def loveseat(ctx: Context):
    """Two-seat sofa on short legs with two seat cushions (W 130–160, D 80–90, H 78–88 cm)."""
    hy, depth, leg_h = ctx.u(0.65, 0.8), ctx.u(0.8, 0.9), ctx.u(0.1, 0.15)
    x0, x1, arm, back_t, seat_h = -depth / 2, depth / 2, ctx.u(0.12, 0.18), 0.2, ctx.u(0.42, 0.46)
    parts = legs(depth / 2, hy, leg_h, 0.05, ctx.shade(0.45), inset=0.03)
    parts += [block((x0, -hy, leg_h), (x1, hy, seat_h - 0.1), ctx.shade(0.8)),
              block((x0, -hy, leg_h), (x0 + back_t, hy, ctx.u(0.78, 0.88)), ctx.rgba)]
    parts += [block((x0 + back_t, s * hy - (s > 0) * arm, leg_h), (x1, s * hy + (s < 0) * arm, seat_h + 0.18),
                    ctx.rgba) for s in (-1, 1)]
    cushions = [block((x0 + back_t, a + 0.005, seat_h - 0.1), (x1, b - 0.005, seat_h), ctx.rgba)
                for a, b in ((-hy + arm, 0.0), (0.0, hy - arm))]
    return parts + cushions, [top_surface(c, inset=0.05) for c in cushions]


def three_seater(ctx: Context):
    """Three-seat sofa: a base with three seat and three back cushions (W 190–230, D 85–100, H 75–90 cm)."""
    hy, depth, arm = ctx.u(0.95, 1.15), ctx.u(0.85, 1.0), ctx.u(0.15, 0.22)
    x0, x1, back_t, seat_h = -depth / 2, depth / 2, 0.22, ctx.u(0.42, 0.46)
    back_h = ctx.u(0.75, 0.9)
    parts = [block((x0, -hy, 0.0), (x1, hy, seat_h - 0.12), ctx.shade(0.8)),
             block((x0, -hy, 0.0), (x0 + back_t * 0.5, hy, back_h - 0.05), ctx.shade(0.8))]
    parts += [block((x0, s * hy - (s > 0) * arm, 0.0), (x1, s * hy + (s < 0) * arm, seat_h + 0.18), ctx.rgba)
              for s in (-1, 1)]
    edges = np.linspace(-hy + arm, hy - arm, 4)
    seats = [block((x0 + back_t, a + 0.005, seat_h - 0.12), (x1, b - 0.005, seat_h), ctx.rgba)
             for a, b in zip(edges[:-1], edges[1:])]
    backs = [block((x0 + back_t * 0.5, a + 0.005, seat_h), (x0 + back_t, b - 0.005, back_h), ctx.rgba)
             for a, b in zip(edges[:-1], edges[1:])]
    return parts + seats + backs, [top_surface(s, inset=0.05) for s in seats]


def l_shaped(ctx: Context):
    """L-shaped sectional: a three-seat sofa with a chaise at its +y end (W 220–280, D 150–180, H 75–88 cm)."""
    hy, depth, chaise = ctx.u(1.1, 1.4), ctx.u(0.85, 0.95), ctx.u(1.5, 1.8)
    x0, back_t, seat_h, arm = -depth / 2, 0.2, ctx.u(0.42, 0.46), ctx.u(0.12, 0.16)
    x1, xc = x0 + depth, x0 + chaise
    cw = ctx.u(0.7, 0.85)  # chaise width
    parts = [block((x0, -hy, 0.0), (x1, hy, seat_h - 0.12), ctx.shade(0.8)),
             block((x1, hy - cw, 0.0), (xc, hy, seat_h - 0.12), ctx.shade(0.8)),
             block((x0, -hy, 0.0), (x0 + back_t, hy, ctx.u(0.75, 0.88)), ctx.rgba),
             block((x0 + back_t, -hy, 0.0), (x1, -hy + arm, seat_h + 0.16), ctx.rgba)]
    seat = block((x0 + back_t, -hy + arm, seat_h - 0.12), (x1, hy - cw - 0.005, seat_h), ctx.rgba)
    lounge_part = block((x0 + back_t, hy - cw, seat_h - 0.12), (xc, hy, seat_h), ctx.rgba)
    return parts + [seat, lounge_part], [top_surface(seat, inset=0.05), top_surface(lounge_part, inset=0.05)]


def rect_coffee(ctx: Context):
    """Rectangular coffee table on four legs (L 90–130, W 50–70, H 40–48 cm)."""
    hy, hx, h, t = ctx.u(0.45, 0.65), ctx.u(0.25, 0.35), ctx.u(0.4, 0.48), ctx.u(0.03, 0.05)
    top = block((-hx, -hy, h - t), (hx, hy, h), ctx.rgba)
    return [top, *legs(hx, hy, h - t, 0.05, ctx.shade(0.8), inset=0.03)], [top_surface(top)]


def round_coffee(ctx: Context):
    """Round coffee table: a disc top on three legs (diameter 70–100, H 38–46 cm)."""
    r, h = ctx.u(0.35, 0.5), ctx.u(0.38, 0.46)
    top = cylinder((0.0, 0.0), h - 0.04, h, r, ctx.rgba)
    feet = [cylinder((0.65 * r * np.cos(a), 0.65 * r * np.sin(a)), 0.0, h - 0.04, 0.022, ctx.shade(0.6))
            for a in (0.0, 2 * np.pi / 3, 4 * np.pi / 3)]
    return [top, *feet], [top_surface(top)]


def two_tier(ctx: Context):
    """Coffee table with a lower shelf between its legs (L 100–130, W 55–70, H 42–48 cm)."""
    hy, hx, h = ctx.u(0.5, 0.65), ctx.u(0.28, 0.35), ctx.u(0.42, 0.48)
    top = block((-hx, -hy, h - 0.04), (hx, hy, h), ctx.rgba)
    shelf = block((-hx + 0.05, -hy + 0.05, 0.1), (hx - 0.05, hy - 0.05, 0.125), ctx.shade(0.85))
    return [top, shelf, *legs(hx, hy, h - 0.04, 0.05, ctx.shade(0.7))], [top_surface(top)]


def pedestal_side(ctx: Context):
    """Round side table on a pedestal (top 40–55 cm across, H 50–62 cm)."""
    r, h = ctx.u(0.2, 0.275), ctx.u(0.5, 0.62)
    top = cylinder((0.0, 0.0), h - 0.03, h, r, ctx.rgba)
    return [top, *pedestal(h - 0.03, r * 0.7, 0.025, ctx.shade(0.7))], [top_surface(top)]


def square_side(ctx: Context):
    """Square side table on four legs with a lower shelf (40–55 cm square, H 50–60 cm)."""
    hx, h = ctx.u(0.2, 0.275), ctx.u(0.5, 0.6)
    top = block((-hx, -hx, h - 0.03), (hx, hx, h), ctx.rgba)
    shelf = block((-hx + 0.03, -hx + 0.03, 0.15), (hx - 0.03, hx - 0.03, 0.17), ctx.rgba)
    return [top, shelf, *legs(hx, hx, h - 0.03, 0.035, ctx.shade(0.7))], [top_surface(top)]


def drum_side(ctx: Context):
    """Drum side table: a solid cylinder with a contrasting top (diameter 40–50, H 45–55 cm)."""
    r, h = ctx.u(0.2, 0.25), ctx.u(0.45, 0.55)
    body = cylinder((0.0, 0.0), 0.0, h - 0.02, r, ctx.rgba)
    top = cylinder((0.0, 0.0), h - 0.02, h, r + 0.01, ctx.shade(0.75))
    return [body, top], [top_surface(top)]


def _tv_case(ctx: Context, leg_h: float):
    hy, depth, h = ctx.u(0.6, 0.9), ctx.u(0.35, 0.45), ctx.u(0.4, 0.55)
    x0, x1 = -depth / 2, depth / 2
    body = block((x0, -hy, leg_h), (x1, hy, h), ctx.rgba)
    return body, hy, x1, h


def tv_doors(ctx: Context):
    """Low TV stand with three doors on a plinth (W 120–180, D 35–45, H 40–55 cm)."""
    body, hy, x1, h = _tv_case(ctx, 0.05)
    plinth = block((-x1 + 0.03, -hy + 0.03, 0.0), (x1 - 0.03, hy - 0.03, 0.05), TRIM)
    return [body, plinth, *fronts(x1, -hy + 0.01, hy - 0.01, 0.07, h - 0.02, 3, 1, ctx.shade(0.92),
                                  vertical=True)], [top_surface(body)]


def tv_open(ctx: Context):
    """Open TV stand: top, middle board and bottom between two side panels (W 120–180, D 35–45, H 40–55 cm)."""
    hy, depth, h, t = ctx.u(0.6, 0.9), ctx.u(0.35, 0.45), ctx.u(0.4, 0.55), 0.03
    x0, x1 = -depth / 2, depth / 2
    top = block((x0, -hy, h - t), (x1, hy, h), ctx.rgba)
    parts = [top, block((x0, -hy + t, 0.04), (x1, hy - t, 0.04 + t), ctx.rgba),
             block((x0, -hy + t, h / 2), (x1, hy - t, h / 2 + t), ctx.rgba),
             block((x0, -hy, 0.0), (x1, -hy + t, h - t), ctx.rgba), block((x0, hy - t, 0.0), (x1, hy, h - t), ctx.rgba),
             block((x0, -hy + t, 0.04), (x0 + 0.01, hy - t, h - t), ctx.shade(0.7))]
    return parts, [top_surface(top)]


def tv_drawers(ctx: Context):
    """TV stand with a row of drawers on tapered legs (W 120–180, D 35–45, H 45–55 cm)."""
    body, hy, x1, h = _tv_case(ctx, ctx.u(0.12, 0.18))
    z0 = body.offset.position[2] - body.size[2]
    return [body, *legs(x1, hy, z0, 0.04, ctx.shade(0.5), inset=0.04),
            *fronts(x1, -hy + 0.01, hy - 0.01, z0 + 0.02, h - 0.02, 3, 1, ctx.shade(0.92))], [top_surface(body)]


def pouf(ctx: Context):
    """Round pouf (diameter 40–55, H 35–45 cm)."""
    r, h = ctx.u(0.2, 0.275), ctx.u(0.35, 0.45)
    return [cylinder((0.0, 0.0), 0.0, h - 0.03, r, ctx.rgba), cylinder((0.0, 0.0), h - 0.03, h, r - 0.02,
                                                                       ctx.shade(0.9))], []


def square_ottoman(ctx: Context):
    """Square upholstered ottoman on short legs (50–60 cm square, H 38–45 cm)."""
    hx, h = ctx.u(0.25, 0.3), ctx.u(0.38, 0.45)
    return [block((-hx, -hx, 0.08), (hx, hx, h), ctx.rgba), *legs(hx, hx, 0.08, 0.04, TRIM, inset=0.03)], []


def bench_ottoman(ctx: Context):
    """Long upholstered bench ottoman (L 90–120, D 40–50, H 40–46 cm), a button-tufted top."""
    hy, hx, h = ctx.u(0.45, 0.6), ctx.u(0.2, 0.25), ctx.u(0.4, 0.46)
    parts = [block((-hx, -hy, 0.1), (hx, hy, h), ctx.rgba), *legs(hx, hy, 0.1, 0.04, ctx.shade(0.4), inset=0.03)]
    parts += [sphere((0.0, y, h), 0.012, ctx.shade(0.6)) for y in np.linspace(-hy + 0.15, hy - 0.15, 3)]
    return parts, []


def drum_lamp(ctx: Context):
    """Floor lamp with a drum shade on a straight pole (H 150–180 cm, shade 35–50 cm)."""
    h, r = ctx.u(1.5, 1.8), ctx.u(0.175, 0.25)
    return [cylinder((0.0, 0.0), 0.0, 0.03, 0.15, TRIM), cylinder((0.0, 0.0), 0.03, h - 0.2, 0.012, METAL),
            cylinder((0.0, 0.0), h - 0.36, h, r, ctx.rgba)], []


def arc_lamp(ctx: Context):
    """Arc floor lamp: heavy base, an arched stem reaching 1–1.2 m forward, a hanging dome (H 180–200 cm)."""
    h, reach, r = ctx.u(1.8, 1.95), ctx.u(0.9, 1.15), ctx.u(0.18, 0.22)
    pts = [(0.0, 0.0, 0.05), (0.0, 0.0, 0.9), (0.25 * reach, 0.0, h - 0.2), (0.7 * reach, 0.0, h), (reach, 0.0, h - 0.15)]
    parts = [block((-0.15, -0.15, 0.0), (0.15, 0.15, 0.05), TRIM)]
    parts += [rod(a, b, 0.013, METAL) for a, b in zip(pts[:-1], pts[1:])]
    top = h - 0.15
    parts += [cylinder((reach, 0.0), top - 0.12, top, r, ctx.rgba), cylinder((reach, 0.0), top - 0.02, top + 0.04,
                                                                             r * 0.4, ctx.rgba)]
    return parts, []


def torchiere(ctx: Context):
    """Torchiere: a tall pole ending in an upward bowl of light (H 170–190 cm, bowl 30–40 cm)."""
    h, r = ctx.u(1.7, 1.9), ctx.u(0.15, 0.2)
    parts = [cylinder((0.0, 0.0), 0.0, 0.03, 0.14, ctx.shade(0.6)), cylinder((0.0, 0.0), 0.03, h - 0.12, 0.014, METAL)]
    for k, frac in enumerate((0.4, 0.7, 1.0)):  # a stepped bowl widening upwards
        parts.append(cylinder((0.0, 0.0), h - 0.12 + 0.04 * k, h - 0.08 + 0.04 * k, r * frac, ctx.rgba))
    return parts, []


def _rug_border(ctx: Context, lo, hi, inset: float, t: float) -> list:
    lo, hi = np.asarray(lo), np.asarray(hi)
    return [block((*lo, 0.0), (*hi, t), ctx.shade(0.6)),
            block((lo[0] + inset, lo[1] + inset, 0.0), (hi[0] - inset, hi[1] - inset, t + 0.002), ctx.rgba)]


def rect_rug(ctx: Context):
    """Rectangular area rug with a darker border (120×170 to 160×230 cm, 1 cm thick)."""
    hx, hy = ctx.u(0.6, 0.8), ctx.u(0.85, 1.15)
    return _rug_border(ctx, (-hx, -hy), (hx, hy), ctx.u(0.08, 0.15), 0.008), []


def round_rug(ctx: Context):
    """Round rug with a darker ring (diameter 120–180 cm, 1 cm thick)."""
    r = ctx.u(0.6, 0.9)
    return [cylinder((0.0, 0.0), 0.0, 0.008, r, ctx.shade(0.6)),
            cylinder((0.0, 0.0), 0.0, 0.01, r - ctx.u(0.08, 0.12), ctx.rgba)], []


def runner(ctx: Context):
    """Runner rug (60–80 × 180–250 cm, 1 cm thick), striped across its ends."""
    hx, hy = ctx.u(0.3, 0.4), ctx.u(0.9, 1.25)
    parts = _rug_border(ctx, (-hx, -hy), (hx, hy), 0.05, 0.008)
    parts += [block((-hx + 0.05, s * (hy - 0.2) - 0.03, 0.0), (hx - 0.05, s * (hy - 0.2) + 0.03, 0.011), ctx.shade(0.5))
              for s in (-1, 1)]
    return parts, []


SOFA_VARIANTS = variants(loveseat=loveseat, three_seater=three_seater, l_shaped=l_shaped)
LIVING = (
    Asset("armchair", "furniture", "free", UPHOLSTERY, None, variants=variants(club=club, wingback=wingback,
          lounge=lounge), dims=((0.7, 0.96), (0.64, 1.0), (0.68, 1.13))),
    Asset("coffee table", "furniture", "free", WOOD, None, supports=True, variants=variants(
        rectangular=rect_coffee, round=round_coffee, two_tier=two_tier), dims=((0.5, 1.3), (0.7, 1.3), (0.38, 0.48))),
    Asset("side table", "furniture", "wall", WOOD, None, supports=True, variants=variants(
        pedestal=pedestal_side, square=square_side, drum=drum_side), dims=((0.4, 0.56), (0.4, 0.56), (0.45, 0.62))),
    Asset("tv stand", "furniture", "wall", WOOD, None, supports=True, max_count=1, variants=variants(
        doors=tv_doors, open=tv_open, drawers=tv_drawers), dims=((0.35, 0.5), (1.2, 1.8), (0.4, 0.55))),
    Asset("ottoman", "furniture", "free", UPHOLSTERY, None, variants=variants(
        pouf=pouf, square=square_ottoman, bench=bench_ottoman), dims=((0.4, 0.6), (0.4, 1.2), (0.35, 0.48))),
    Asset("floor lamp", "furniture", "wall", ("white", "beige", "black", "grey", "yellow"), None, weight=0.8,
          variants=variants(drum=drum_lamp, arc=arc_lamp, torchiere=torchiere),
          dims=((0.28, 1.5), (0.28, 0.5), (1.5, 2.0))),
    Asset("rug", "furniture", "free", ("red", "blue", "beige", "grey", "green", "brown"), None, weight=0.6,
          max_count=1, variants=variants(rectangular=rect_rug, round=round_rug, runner=runner),
          dims=((0.6, 1.8), (1.2, 2.5), (0.008, 0.012))),
)
