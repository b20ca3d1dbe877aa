"""Parameterised parts shared by the room-type catalogue modules (``assets_<room>.py``).

Every helper returns plain :class:`~simgen.types.Part` lists built with the primitives of
:mod:`simgen.scene.assets` in the natural frame (floor at z = 0, front along +x): drawer and door
fronts proud of a case's front face, leg sets, a five-star office base, handles, and the
:func:`variants` record that names a category's shape variants.
"""
from __future__ import annotations

import numpy as np

from simgen.scene.assets import TRIM, block, cylinder, rod, sphere, top_surface

METAL = (0.72, 0.72, 0.74, 1.0)  # brushed steel: handles, taps, frames
PORCELAIN = (0.95, 0.95, 0.94, 1.0)  # basins, toilet bowls, plates' glaze
SCREEN = (0.03, 0.03, 0.05, 1.0)  # a switched-off display, an oven window, a slot
GLASS = (0.7, 0.8, 0.85, 1.0)  # mirror glass, pale and bluish
PAPER = (0.96, 0.95, 0.9, 1.0)  # page blocks, photos' margins, tissues
FRONT_GAP = 0.006  # m between neighbouring drawer / door fronts (the seam a viewer sees)


def variants(**makers) -> tuple:
    """The ``Asset.variants`` record from keyword makers (underscores read as spaces in the names)."""
    return tuple((name.replace("_", " "), make) for name, make in makers.items())


def fronts(x: float, y0: float, y1: float, z0: float, z1: float, cols: int, rows: int, rgba,
           handle=METAL, vertical: bool = False, depth: float = 0.018) -> list:
    """A ``cols`` × ``rows`` grid of drawer or door fronts on the plane x, each with a bar handle.

    Drawers (``vertical`` False) get a horizontal bar near their top; doors a vertical bar by the
    edge that meets the neighbouring door (the middle of a pair)."""
    parts = []
    w, h = (y1 - y0) / cols, (z1 - z0) / rows
    for c in range(cols):
        for r in range(rows):
            a, b = y0 + c * w + FRONT_GAP / 2, y0 + (c + 1) * w - FRONT_GAP / 2
            lo, hi = z0 + r * h + FRONT_GAP / 2, z0 + (r + 1) * h - FRONT_GAP / 2
            parts.append(block((x, a, lo), (x + depth, b, hi), rgba))
            hx = x + depth
            if vertical:
                edge = b - 0.04 if (c % 2 == 0 and cols > 1) else a + 0.04
                zc, half = (lo + hi) / 2 if rows > 1 else min(lo + 0.75 * (hi - lo), hi - 0.15), min(0.1, (hi - lo) / 4)
                parts.append(block((hx, edge - 0.008, zc - half), (hx + 0.02, edge + 0.008, zc + half), handle))
            else:
                yc, half = (a + b) / 2, min(0.08, (b - a) / 4)
                zc = hi - min(0.04, (hi - lo) / 3)
                parts.append(block((hx, yc - half, zc - 0.008), (hx + 0.02, yc + half, zc + 0.008), handle))
    return parts


def legs(hx: float, hy: float, z1: float, side: float, rgba, inset: float = 0.0, z0: float = 0.0,
         round_: bool = False) -> list:
    """Four legs (square, or round of diameter ``side``) under a (hx, hy) rectangle from z0 to z1."""
    out = []
    for sx in (-1, 1):
        for sy in (-1, 1):
            cx, cy = sx * (hx - inset - side / 2), sy * (hy - inset - side / 2)
            if round_:
                out.append(cylinder((cx, cy), z0, z1, side / 2, rgba))
            else:
                out.append(block((cx - side / 2, cy - side / 2, z0), (cx + side / 2, cy + side / 2, z1), rgba))
    return out


def apron_table(ctx, hx: float, hy: float, h: float, top: float, rim: float, leg: float, leg_inset: float):
    """A (hx, hy) top ``top`` thick at height ``h`` over an apron inset by ``rim`` (reaching 12 cm below
    the top face) on four square legs of side ``leg``: dining tables and writing desks share it.
    Returns (parts, [the top's surface])."""
    board = block((-hx, -hy, h - top), (hx, hy, h), ctx.rgba)
    apron = block((-hx + rim, -hy + rim, h - 0.12), (hx - rim, hy - rim, h - top), ctx.shade(0.85))
    return [board, apron, *legs(hx, hy, h - top, leg, ctx.shade(0.8), inset=leg_inset)], [top_surface(board)]


def star_base(z_hub: float, reach: float, rgba, caster=TRIM) -> list:
    """An office chair's five-spoke base with casters, its hub at height ``z_hub``."""
    r_wheel = 0.025
    parts = []
    for k in range(5):
        a = 2 * np.pi * k / 5
        tip = (reach * np.cos(a), reach * np.sin(a))
        parts.append(rod((0.0, 0.0, z_hub), (tip[0], tip[1], 2 * r_wheel + 0.01), 0.018, rgba))
        parts.append(sphere((tip[0], tip[1], r_wheel), r_wheel, caster))
    return parts


def pedestal(z_top: float, r_foot: float, r_post: float, rgba, foot_h: float = 0.03) -> list:
    """A disc foot and an upright post up to ``z_top`` (round tables, bar stools, lamps)."""
    return [cylinder((0.0, 0.0), 0.0, foot_h, r_foot, rgba), cylinder((0.0, 0.0), foot_h, z_top, r_post, rgba)]


def arch(x: float, y0: float, y1: float, z0: float, z1: float, radius: float, rgba) -> list:
    """A squared handle arch: two posts at y0 and y1 from z0 to z1 joined by a bar (kettles, baskets)."""
    return [rod((x, y0, z0), (x, y0, z1), radius, rgba), rod((x, y1, z0), (x, y1, z1), radius, rgba),
            rod((x, y0, z1), (x, y1, z1), radius, rgba)]
