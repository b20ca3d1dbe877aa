"""Small decor that stands on a support, with shape variants: picture frame, tissue box, basket
(on the floor too), speaker (small). Size ranges are typical retail dimensions (cited per maker);
every variant stays within its asset's ``dims`` (depth x, width y, height z of the full box, metres).
"""
from __future__ import annotations

import numpy as np

from simgen.scene.assets import TRIM, Asset, Context, block, cylinder, rod, turned
from simgen.scene.assets_parts import METAL, PAPER, SCREEN, arch, variants
from simgen.scene.assets_wall_decor import FACE_X, FRAME
from simgen.types import Part, Pose


def _photo_stand(ctx: Context, hy: float, hz: float):
    """A photo frame leaning back 15° on a rear strut; the photo faces +x."""
    tilt = np.radians(15.0)
    q = turned("y", -tilt)  # the top leans towards −x
    c, s = np.cos(tilt), np.sin(tilt)
    t = 0.015
    cx, cz = -hz * s, hz * c + t / 2 * s
    w = 0.02
    return [Part("box", (t / 2, hy, hz), Pose((cx, 0.0, cz), q), ctx.rgba),
            Part("box", (0.001, hy - w, hz - w), Pose((cx + (t / 2 + 0.001) * c, 0.0, cz + (t / 2 + 0.001) * s), q),
                 PAPER),
            Part("box", (0.001, hy - 2 * w, hz - 2 * w), Pose((cx + (t / 2 + 0.002) * c, 0.0, cz + (t / 2 + 0.002) * s),
                                                              q), (0.35, 0.55, 0.75, 1.0)),
            rod((-hz * s - 0.01, 0.0, hz), (-hz * s - 0.09, 0.0, 0.004), 0.004, ctx.shade(0.7))]


def landscape_photo(ctx: Context):
    """Landscape photo frame (15×10 to 20×15 cm photo)."""
    return _photo_stand(ctx, ctx.u(0.09, 0.12), ctx.u(0.065, 0.09)), []


def portrait_photo(ctx: Context):
    """Portrait photo frame (10×15 to 15×20 cm photo)."""
    return _photo_stand(ctx, ctx.u(0.065, 0.09), ctx.u(0.09, 0.12)), []


def square_photo(ctx: Context):
    """Square photo frame (13×13 to 20×20 cm)."""
    h = ctx.u(0.075, 0.1)
    return _photo_stand(ctx, h, h), []


def _tissues(ctx: Context, hx, hy, h) -> list:
    """A tissue box: the body, a darker opening on top and a tissue standing out of it."""
    opening = block((-hx * 0.5, -hy * 0.6, h), (hx * 0.5, hy * 0.6, h + 0.002), ctx.shade(0.6))
    return [block((-hx, -hy, 0.0), (hx, hy, h), ctx.rgba), opening, block((-0.02, -0.03, h), (0.02, 0.03, h + 0.04), PAPER)]


def flat_tissues(ctx: Context):
    """Flat tissue box (24×12×9 cm) with a tissue out of its slot."""
    return _tissues(ctx, ctx.u(0.055, 0.065), ctx.u(0.11, 0.125), ctx.u(0.08, 0.095)), []


def cube_tissues(ctx: Context):
    """Cube tissue box (11–12 cm) with a tissue out of its opening."""
    h = ctx.u(0.055, 0.06)
    return _tissues(ctx, h, h, 2 * h), []


def pocket_tissues(ctx: Context):
    """Slim tissue box (20×10×5 cm)."""
    return _tissues(ctx, ctx.u(0.045, 0.055), ctx.u(0.095, 0.105), ctx.u(0.05, 0.06)), []


def round_basket(ctx: Context):
    """Round woven basket with a dark opening and a rim band (diameter 25–40, H 20–35 cm)."""
    r, h = ctx.u(0.125, 0.2), ctx.u(0.2, 0.35)
    return [cylinder((0.0, 0.0), 0.0, h - 0.03, r, ctx.rgba), cylinder((0.0, 0.0), h - 0.03, h, r + 0.008, ctx.shade(0.7)),
            cylinder((0.0, 0.0), h, h + 0.002, r - 0.015, ctx.shade(0.35))], []


def box_basket(ctx: Context):
    """Rectangular storage basket with two hand holes (30×25 to 40×30 cm, H 18–25 cm)."""
    hx, hy, h = ctx.u(0.125, 0.15), ctx.u(0.15, 0.2), ctx.u(0.18, 0.25)
    parts = [block((-hx, -hy, 0.0), (hx, hy, h), ctx.rgba),
             block((-hx + 0.015, -hy + 0.015, h), (hx - 0.015, hy - 0.015, h + 0.002), ctx.shade(0.35))]
    parts += [block((-0.04, s * hy - (s > 0) * 0.001, h - 0.06), (0.04, s * hy + (s < 0) * 0.001 + (s > 0) * 0.001,
                                                                   h - 0.035), ctx.shade(0.3)) for s in (-1, 1)]
    return parts, []


def handle_basket(ctx: Context):
    """Round basket with a carrying handle arched over it (diameter 25–35, H 30–45 cm with the handle)."""
    r, h = ctx.u(0.125, 0.175), ctx.u(0.12, 0.2)
    return [cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba), cylinder((0.0, 0.0), h, h + 0.002, r - 0.015, ctx.shade(0.35)),
            *arch(0.0, -r + 0.01, r - 0.01, h, h + ctx.u(0.15, 0.22), 0.008, ctx.shade(0.7))], []


def bookshelf_speaker(ctx: Context):
    """Bookshelf speaker: a box with a woofer and a tweeter on its front (W 15–20, H 25–32 cm)."""
    hy, hx, h = ctx.u(0.075, 0.1), ctx.u(0.1, 0.13), ctx.u(0.25, 0.32)
    return [block((-hx, -hy, 0.0), (hx, hy, h), ctx.rgba),
            Part("cylinder", (hy * 0.75, hy * 0.75, 0.005), Pose((hx + 0.005, 0.0, h * 0.35), FACE_X), SCREEN),
            Part("cylinder", (0.015, 0.015, 0.005), Pose((hx + 0.005, 0.0, h * 0.78), FACE_X), METAL)], []


def smart_speaker(ctx: Context):
    """Cylindrical smart speaker with a fabric body and a light ring on top (diameter 9–12, H 15–20 cm)."""
    r, h = ctx.u(0.045, 0.06), ctx.u(0.15, 0.2)
    return [cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba), cylinder((0.0, 0.0), h, h + 0.004, r * 0.9, TRIM),
            cylinder((0.0, 0.0), h + 0.004, h + 0.006, r * 0.6, (0.3, 0.6, 0.95, 1.0))], []


def soundbar(ctx: Context):
    """Soundbar: a long low bar with a grille on its front (W 60–90, H 6–8 cm)."""
    hy, hx, h = ctx.u(0.3, 0.45), ctx.u(0.045, 0.06), ctx.u(0.06, 0.08)
    return [block((-hx, -hy, 0.0), (hx, hy, h), ctx.rgba),
            block((hx, -hy + 0.02, 0.01), (hx + 0.003, hy - 0.02, h - 0.01), ctx.shade(0.5))], []


SMALL_DECOR = (
    Asset("picture frame", "small", "support", FRAME, None, density=300.0, variants=variants(
        landscape=landscape_photo, portrait=portrait_photo, square=square_photo),
          dims=((0.08, 0.14), (0.13, 0.24), (0.12, 0.24))),
    Asset("tissue box", "small", "support", ("white", "blue", "pink", "beige", "green", "grey"), None, density=60.0,
          variants=variants(flat=flat_tissues, cube=cube_tissues, slim=pocket_tissues),
          dims=((0.09, 0.13), (0.11, 0.25), (0.09, 0.165))),
    Asset("basket", "small", "support", ("brown", "beige", "white", "grey"), None, floor_ok=True, density=60.0,
          variants=variants(round=round_basket, rectangular=box_basket, with_handle=handle_basket),
          dims=((0.25, 0.42), (0.25, 0.42), (0.12, 0.45))),
    Asset("speaker", "small", "support", ("black", "white", "grey", "brown"), None, density=250.0, max_count=2,
          variants=variants(bookshelf=bookshelf_speaker, smart=smart_speaker, soundbar=soundbar),
          dims=((0.09, 0.27), (0.09, 0.9), (0.06, 0.33))),
)
