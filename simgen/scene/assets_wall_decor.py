"""Decor hung on a wall or from the ceiling, with shape variants: wall art, mirror, wall clock (on a
wall), curtain (hung at a window, made to its measure: :mod:`simgen.scene.curtains`), ceiling lamp
(hung from the ceiling). The small decor that stands on a support is in
:mod:`simgen.scene.assets_small_decor`.

Wall-hung pieces face +x from a wall behind them at −x; ``Asset.mount`` tells the scene builder to
lift their box off the floor. Size ranges are typical retail dimensions (cited per maker); every
variant stays within its asset's ``dims`` (depth x, width y, height z of the full box, metres).
"""
from __future__ import annotations

import numpy as np

from simgen.scene.assets import TRIM, Asset, Context, block, cylinder, rod, sphere, turned
from simgen.scene.assets_parts import GLASS, METAL, PAPER, variants
from simgen.types import Part, Pose

FRAME = ("black", "white", "brown", "grey", "yellow")
FACE_X = turned("y", np.pi / 2)  # a cylinder's disc turned to face +x
FINIAL = 0.03  # m: radius of a curtain rod's end balls


def _canvas(ctx: Context, hy: float, hz: float, y0: float = 0.0) -> list:
    """A framed picture centred at (y0, hz): a dark frame, a pale mat and an abstract picture in the asset's colour."""
    w = ctx.u(0.03, 0.05)
    return [block((0.0, y0 - hy, 0.0), (0.03, y0 + hy, 2 * hz), TRIM),
            block((0.03, y0 - hy + w, w), (0.035, y0 + hy - w, 2 * hz - w), PAPER),
            block((0.035, y0 - hy + 2 * w, 2 * w), (0.04, y0 + hy - 2 * w, 2 * hz - 2 * w), ctx.rgba),
            block((0.04, y0 - hy * 0.3, 2 * w), (0.043, y0 + hy * 0.2, hz), ctx.shade(0.6))]


def landscape_art(ctx: Context):
    """Landscape-format framed picture (W 60–100, H 40–70 cm)."""
    return _canvas(ctx, ctx.u(0.3, 0.5), ctx.u(0.2, 0.35)), []


def portrait_art(ctx: Context):
    """Portrait-format framed picture (W 40–60, H 60–90 cm)."""
    return _canvas(ctx, ctx.u(0.2, 0.3), ctx.u(0.3, 0.45)), []


def triptych(ctx: Context):
    """Three equal pictures in one frame (each W 30–40, H 40–60 cm), the frame's bars 5–8 cm wide between them.

    The bars close the gaps: three frames with wall between them were judged by eye as three pieces
    ("how many wall art objects?" counted 8 where the scene holds 6), while the piece is one object."""
    hy, hz, gap = ctx.u(0.15, 0.2), ctx.u(0.2, 0.3), ctx.u(0.05, 0.08)
    bars = [block((0.0, hy, 0.0), (0.03, hy + gap, 2 * hz), TRIM), block((0.0, -hy - gap, 0.0), (0.03, -hy, 2 * hz), TRIM)]
    return [p for k in (-1, 0, 1) for p in _canvas(ctx, hy, hz, k * (2 * hy + gap))] + bars, []


def rect_mirror(ctx: Context):
    """Rectangular framed wall mirror (W 50–80, H 70–100 cm)."""
    hy, hz = ctx.u(0.25, 0.4), ctx.u(0.35, 0.5)
    return [block((0.0, -hy, 0.0), (0.03, hy, 2 * hz), ctx.rgba),
            block((0.03, -hy + 0.04, 0.04), (0.033, hy - 0.04, 2 * hz - 0.04), GLASS)], []


def round_mirror(ctx: Context):
    """Round wall mirror with a rim (diameter 50–80 cm)."""
    r = ctx.u(0.25, 0.4)
    return [Part("cylinder", (r, r, 0.015), Pose((0.015, 0.0, r), FACE_X), ctx.rgba),
            Part("cylinder", (r - 0.03, r - 0.03, 0.0165), Pose((0.017, 0.0, r), FACE_X), GLASS)], []


def arched_mirror(ctx: Context):
    """Arched wall mirror: a rectangle topped by a half disc (W 50–70, H 90–120 cm)."""
    hy, hz = ctx.u(0.25, 0.35), ctx.u(0.3, 0.45)
    return [block((0.0, -hy, 0.0), (0.03, hy, 2 * hz), ctx.rgba),
            Part("cylinder", (hy, hy, 0.015), Pose((0.015, 0.0, 2 * hz), FACE_X), ctx.rgba),
            block((0.03, -hy + 0.03, 0.03), (0.033, hy - 0.03, 2 * hz), GLASS),
            Part("cylinder", (hy - 0.03, hy - 0.03, 0.0165), Pose((0.017, 0.0, 2 * hz), FACE_X), GLASS)], []


def _hands(x: float, zc: float, r: float) -> list:
    return [block((x, -0.004, zc), (x + 0.003, 0.004, zc + r * 0.7), TRIM),
            block((x, 0.0, zc - 0.004), (x + 0.003, r * 0.5, zc + 0.004), TRIM)]


def round_clock(ctx: Context):
    """Round wall clock: a coloured rim, a pale face and two hands (diameter 25–40 cm)."""
    r = ctx.u(0.125, 0.2)
    parts = [Part("cylinder", (r, r, 0.02), Pose((0.02, 0.0, r), FACE_X), ctx.rgba),
             Part("cylinder", (r * 0.88, r * 0.88, 0.021), Pose((0.021, 0.0, r), FACE_X), PAPER), *_hands(0.042, r, r)]
    parts += [block((0.042, r * 0.75 * np.cos(a) - 0.005, r + r * 0.75 * np.sin(a) - 0.005),
                    (0.044, r * 0.75 * np.cos(a) + 0.005, r + r * 0.75 * np.sin(a) + 0.005), TRIM)
              for a in np.arange(4) * np.pi / 2]
    return parts, []


def square_clock(ctx: Context):
    """Square wall clock (25–35 cm) with a round dial."""
    h = ctx.u(0.125, 0.175)
    return [block((0.0, -h, 0.0), (0.03, h, 2 * h), ctx.rgba),
            Part("cylinder", (h * 0.8, h * 0.8, 0.002), Pose((0.032, 0.0, h), FACE_X), PAPER), *_hands(0.034, h, h)], []


def pendulum_clock(ctx: Context):
    """Wall clock with a pendulum case below its dial (W 25–30, H 55–70 cm)."""
    hy, h = ctx.u(0.125, 0.15), ctx.u(0.55, 0.7)
    r = hy * 0.8
    return [block((0.0, -hy, 0.0), (0.06, hy, h), ctx.rgba),
            Part("cylinder", (r, r, 0.002), Pose((0.062, 0.0, h - hy), FACE_X), PAPER), *_hands(0.064, h - hy, r),
            block((0.06, -hy * 0.6, 0.04), (0.062, hy * 0.6, h - 2 * hy), GLASS),
            rod((0.064, 0.0, h - 2 * hy - 0.01), (0.064, 0.0, 0.12), 0.004, METAL),
            Part("cylinder", (0.04, 0.04, 0.004), Pose((0.066, 0.0, 0.1), FACE_X), (0.8, 0.65, 0.3, 1.0))], []


def _pleats(ctx: Context, y0: float, y1: float, top: float, bottom: float = 0.0) -> list:
    """A curtain panel as alternating deep and shallow pleats (10–14 cm each) from ``top`` down to ``bottom``."""
    n = max(3, int((y1 - y0) / 0.12))
    ys = np.linspace(y0, y1, n + 1)
    return [block((0.02 + (k % 2) * 0.03, a, bottom), (0.07 + (k % 2) * 0.03, b, top),
                  ctx.rgba if k % 2 else ctx.shade(0.82)) for k, (a, b) in enumerate(zip(ys[:-1], ys[1:]))]


def _curtain_size(ctx: Context, width: tuple[float, float]) -> tuple[float, float]:
    """(half width, height) of a curtain: ``ctx.fit`` when made for a window, else a rod ``width`` (m) wide hung
    10–30 cm under the ceiling, at most 2.4 m up (a 2.6 m room gives 2.3–2.4 m curtains)."""
    if ctx.fit is not None:
        return ctx.fit[0] / 2, ctx.fit[1]
    return ctx.u(*width) / 2, min(ctx.room_height - ctx.u(0.1, 0.3), 2.4)


def _rod(hy: float, h: float) -> list:
    """A dark rod (metal in Blender, as all trim) with ball finials whose top is at ``h``; the panels hang 3 cm
    under its centre."""
    z = h - FINIAL
    return [rod((0.05, -hy + FINIAL, z), (0.05, hy - FINIAL, z), 0.015, TRIM),
            sphere((0.05, -hy + FINIAL, z), FINIAL, TRIM), sphere((0.05, hy - FINIAL, z), FINIAL, TRIM)]


def curtain_pair(ctx: Context):
    """A pair of panels drawn open to either side of a rod (rod W 140–220 cm; each panel 22–32% of it)."""
    hy, h = _curtain_size(ctx, (1.4, 2.2))
    panel, top = 2 * hy * ctx.u(0.22, 0.32), h - 2 * FINIAL
    return _rod(hy, h) + _pleats(ctx, -hy, -hy + panel, top) + _pleats(ctx, hy - panel, hy, top), []


def curtain_single(ctx: Context):
    """A single panel gathered to one side of its rod (rod W 100–160 cm; the panel 35–50% of it)."""
    hy, h = _curtain_size(ctx, (1.0, 1.6))
    panel, side = 2 * hy * ctx.u(0.35, 0.5), 1.0 if ctx.rng.random() < 0.5 else -1.0
    y0, y1 = sorted((side * hy, side * (hy - panel)))
    return _rod(hy, h) + _pleats(ctx, y0, y1, h - 2 * FINIAL), []


def curtain_valance(ctx: Context):
    """A pair of panels drawn open (each 20–30% of the width) under a box valance 15–20 cm tall (W 140–200 cm)."""
    hy, h = _curtain_size(ctx, (1.4, 2.0))
    panel, drop = 2 * hy * ctx.u(0.2, 0.3), ctx.u(0.15, 0.2)
    parts = [block((0.0, -hy, h - drop), (0.12, hy, h), ctx.shade(0.9))]
    return parts + _pleats(ctx, -hy, -hy + panel, h - drop) + _pleats(ctx, hy - panel, hy, h - drop), []


def _hanging(ctx: Context, shade_parts: list, shade_top: float) -> list:
    """A ceiling canopy and cord above a shade whose top is at ``shade_top``; the canopy touches the ceiling.

    The cord is drawn so the lamp's bottom hangs 2.0–2.2 m above the floor (built with the floor at z = 0;
    the builder lifts the whole box to the ceiling)."""
    cord = ctx.u(0.3, 0.6)
    return shade_parts + [cylinder((0.0, 0.0), shade_top, shade_top + cord, 0.005, TRIM),
                          cylinder((0.0, 0.0), shade_top + cord, shade_top + cord + 0.03, 0.06, PAPER)]


def drum_pendant(ctx: Context):
    """Drum pendant: a fabric drum shade (diameter 35–55, H 20–30 cm) on a cord."""
    r, h = ctx.u(0.175, 0.275), ctx.u(0.2, 0.3)
    return _hanging(ctx, [cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba)], h), []


def dome_pendant(ctx: Context):
    """Dome pendant: a stepped metal dome (diameter 30–45 cm) on a cord."""
    r = ctx.u(0.15, 0.225)
    bands = [cylinder((0.0, 0.0), 0.04 * k, 0.04 * (k + 1), r * f, ctx.rgba) for k, f in enumerate((1.0, 0.8, 0.55, 0.3))]
    return _hanging(ctx, bands + [sphere((0.0, 0.0, 0.0), 0.04, PAPER)], 0.16), []


def chandelier(ctx: Context):
    """Chandelier: a central column with five curved arms ending in candle bulbs (diameter 50–70 cm)."""
    r = ctx.u(0.25, 0.35)
    parts = [cylinder((0.0, 0.0), 0.0, 0.3, 0.03, ctx.rgba), sphere((0.0, 0.0, 0.02), 0.05, ctx.rgba)]
    for k in range(5):
        a = 2 * np.pi * k / 5
        tip = (r * np.cos(a), r * np.sin(a), 0.12)
        parts += [rod((0.0, 0.0, 0.08), tip, 0.01, ctx.rgba), cylinder(tip[:2], 0.12, 0.2, 0.015, PAPER),
                  sphere((tip[0], tip[1], 0.22), 0.02, (1.0, 0.95, 0.7, 1.0))]
    return _hanging(ctx, parts, 0.3), []


WALL_DECOR = (
    Asset("wall art", "furniture", "wall", ("blue", "red", "yellow", "green", "orange", "purple"), None, mount="wall",
          variants=variants(landscape=landscape_art, portrait=portrait_art, triptych=triptych),
          dims=((0.04, 0.05), (0.4, 1.36), (0.4, 0.9))),
    Asset("mirror", "furniture", "wall", FRAME, None, mount="wall", max_count=1, variants=variants(
        rectangular=rect_mirror, round=round_mirror, arched=arched_mirror), dims=((0.03, 0.04), (0.5, 0.8), (0.5, 1.25))),
    Asset("wall clock", "furniture", "wall", ("white", "black", "brown", "red", "grey"), None, mount="wall",
          max_count=1, variants=variants(round=round_clock, square=square_clock, pendulum=pendulum_clock),
          dims=((0.03, 0.07), (0.25, 0.4), (0.25, 0.7))),
    Asset("curtain", "furniture", "wall", ("beige", "white", "grey", "blue", "red", "green"), None,
          variants=variants(pair=curtain_pair, single=curtain_single, with_valance=curtain_valance),
          dims=((0.08, 0.12), (1.0, 2.2), (2.0, 2.4))),
    Asset("ceiling lamp", "furniture", "free", ("white", "black", "grey", "yellow", "beige"), None, mount="ceiling",
          max_count=1, variants=variants(drum=drum_pendant, dome=dome_pendant, chandelier=chandelier),
          dims=((0.3, 0.72), (0.3, 0.72), (0.5, 1.0))),
)
