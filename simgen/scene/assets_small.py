"""Small objects (dynamic: mass > 0, settled by the simulator's physics) from primitives and meshes.

Mesh assets use files that ``pybullet_data`` ships. Their files are Y-up; :func:`rot_zx` stands
them up (+90° about x) and turns their faces towards +x where they have one. The OBJ textures of
the duck and the soccer ball are modulated by the part colour in pybullet, so the chosen colours
stay close to what the textures show. ``VASE_VARIANTS``, ``BOOK_VARIANTS``, ``BOTTLE_VARIANTS`` and
``BOX_VARIANTS`` are further shapes of those categories (the catalogue adds them after the original).
"""
from __future__ import annotations

import numpy as np

from simgen.scene.assets import TRIM, Asset, Context, block, cylinder, mesh, rod, rot_zx, sphere
from simgen.scene.assets_parts import PAPER, SCREEN, variants
from simgen.types import Part, Pose

UPRIGHT = np.pi / 2  # roll that turns a Y-up OBJ file Z-up
# duck.obj's texture is yellow (1, 0.85, 0): these tints read as their name alone and times the texture
DUCK_TINTS = {"yellow": (1.0, 1.0, 0.25), "orange": (1.0, 0.6, 0.2), "red": (1.0, 0.18, 0.12)}
TEDDY_LEAN = np.radians(18.0)  # forward lean (about y) that puts the sitting bear's feet on the ground
TEDDY = np.array([[np.cos(TEDDY_LEAN), 0.0, np.sin(TEDDY_LEAN)], [0.0, 1.0, 0.0],
                  [-np.sin(TEDDY_LEAN), 0.0, np.cos(TEDDY_LEAN)]]) @ rot_zx(np.pi / 2, UPRIGHT)


def box(ctx: Context):
    """A cardboard or storage box."""
    hx, hy, hz = ctx.u(0.05, 0.2), ctx.u(0.05, 0.2), ctx.u(0.04, 0.15)
    return [block((-hx, -hy, 0.0), (hx, hy, 2 * hz), ctx.rgba)], []


def ball(ctx: Context):
    """A plain ball; a white ball is pybullet_data's soccer ball (white with black patches)."""
    if ctx.color == "white":
        return [mesh("soccerball.obj", ctx.u(0.19, 0.23), ctx.rgba)], []  # the file's ball has radius 0.5
    r = ctx.u(0.05, 0.12)
    return [sphere((0.0, 0.0, r), r, ctx.rgba)], []


def mug(ctx: Context):
    """pybullet_data's mug (Z-up in its file, handle towards +y), scaled 0.9–1.25 (about 10–12 cm tall)."""
    return [mesh("objects/mug.obj", ctx.u(0.9, 1.25), ctx.rgba)], []


def bottle(ctx: Context):
    """A slim glass bottle: body at least 2.25 times as tall as wide, shoulder, neck and a dark cap.

    Bottles and vases share no colour and no body proportions (a vase is at most 1.43 times as tall
    as wide): seen in a video, a white bottle with a cap beside a white jar-like vase was misnamed."""
    r, h = ctx.u(0.03, 0.04), ctx.u(0.18, 0.26)
    neck_r, neck_h = ctx.u(0.012, 0.016), ctx.u(0.04, 0.06)
    return [
        cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba),
        cylinder((0.0, 0.0), h, h + 0.03, r * 0.6, ctx.rgba),
        cylinder((0.0, 0.0), h + 0.03, h + 0.03 + neck_h, neck_r, ctx.rgba),
        cylinder((0.0, 0.0), h + 0.03 + neck_h, h + 0.045 + neck_h, neck_r * 1.15, TRIM),
    ], []


def book(ctx: Context):
    """A closed book lying flat."""
    hx, hy, hz = ctx.u(0.06, 0.1), ctx.u(0.09, 0.14), ctx.u(0.008, 0.025)
    return [block((-hx, -hy, 0.0), (hx, hy, 2 * hz), ctx.rgba)], []


def vase(ctx: Context):
    """A squat ceramic vase: a wide body (at most 1.43 times as tall as wide), a short neck and a
    flared lip of the body's colour (a bottle is slim and capped; see :func:`bottle`)."""
    r, h = ctx.u(0.07, 0.1), ctx.u(0.12, 0.2)
    neck_r, neck_h = r * ctx.u(0.5, 0.65), ctx.u(0.03, 0.05)
    return [
        cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba),
        cylinder((0.0, 0.0), h, h + neck_h, neck_r, ctx.rgba),
        cylinder((0.0, 0.0), h + neck_h, h + neck_h + 0.02, neck_r * 1.45, ctx.shade(0.85)),
    ], []


def laptop(ctx: Context):
    """An open laptop facing +x: base slab and a screen tilted back 10–25° from vertical at the back hinge."""
    return _open_laptop(ctx, ctx.u(0.1, 0.125), ctx.u(0.15, 0.18), ctx.u(0.012, 0.018),
                        ctx.u(np.radians(10.0), np.radians(25.0)))


def _open_laptop(ctx: Context, hx: float, hy: float, t: float, tilt: float, keys: bool = False) -> tuple:
    """Base of half size (hx, hy) and thickness t, lid tilted back ``tilt`` from vertical on the back hinge;
    ``keys`` adds a dark keyboard and touchpad on the base and a dark screen on the lid."""
    lid_t = 0.008
    base = block((-hx, -hy, 0.0), (hx, hy, t), ctx.rgba)
    c, s = np.cos(tilt), np.sin(tilt)
    quat = (float(np.cos(-tilt / 2)), 0.0, float(np.sin(-tilt / 2)), 0.0)  # −tilt about y: the top leans to −x
    # lid centre chosen so that the lid's back-bottom edge sits on the hinge (base's back edge, base top)
    cx, cz = -hx + lid_t / 2 * c - hx * s, t + hx * c + lid_t / 2 * s
    lid = block((cx - lid_t / 2, -hy, cz - hx), (cx + lid_t / 2, hy, cz + hx), ctx.shade(0.8), quat)
    if not keys:
        return [base, lid], []
    d = lid_t / 2 + 0.001  # the screen lies on the lid's front face (its local +x is (cos, 0, sin) of the tilt)
    screen = Part("box", (0.001, hy - 0.01, hx - 0.012), Pose((cx + d * c, 0.0, cz + d * s), quat), SCREEN)
    return [base, lid, screen, block((-hx + 0.02, -hy + 0.02, t), (0.01, hy - 0.02, t + 0.001), SCREEN),
            block((0.025, -0.04, t), (hx - 0.015, 0.04, t + 0.001), ctx.shade(0.85))], []


def wide_open(ctx: Context):
    """A thick laptop opened far, its lid leaning back 28–33° (13–14 inch; further back, the simulators'
    mass at the box centre would tip it over backwards)."""
    return _open_laptop(ctx, ctx.u(0.1, 0.12), ctx.u(0.15, 0.17), ctx.u(0.018, 0.022),
                        ctx.u(np.radians(28.0), np.radians(33.0)))


def big_laptop(ctx: Context):
    """A 15–16 inch laptop with its keyboard, touchpad and dark screen drawn (W 35–38 cm)."""
    return _open_laptop(ctx, ctx.u(0.115, 0.13), ctx.u(0.175, 0.19), ctx.u(0.016, 0.022),
                        ctx.u(np.radians(12.0), np.radians(25.0)), keys=True)


def _handle(x: float, y0: float, z0: float, z1: float, reach: float, rgba) -> list:
    """A squared cup handle on the +y side: two arms out from the wall at y0 and an upright grip."""
    y1 = y0 + reach
    return [rod((x, y0 - 0.003, z1), (x, y1, z1), 0.005, rgba), rod((x, y0 - 0.003, z0), (x, y1, z0), 0.005, rgba),
            rod((x, y1, z0), (x, y1, z1), 0.005, rgba)]


def straight_mug(ctx: Context):
    """Straight-sided mug with a squared handle (diameter 8–9, H 9–11 cm)."""
    r, h = ctx.u(0.04, 0.045), ctx.u(0.09, 0.11)
    return [cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba), *_handle(0.0, r, h * 0.25, h * 0.8, 0.03, ctx.rgba)], []


def cup_and_saucer(ctx: Context):
    """Espresso or tea cup on a saucer (saucer diameter 12–15 cm, cup H 6–7 cm)."""
    rs, r, h = ctx.u(0.06, 0.075), ctx.u(0.03, 0.04), ctx.u(0.05, 0.06)
    return [cylinder((0.0, 0.0), 0.0, 0.012, rs, ctx.rgba), cylinder((0.0, 0.0), 0.012, 0.012 + h, r, ctx.rgba),
            *_handle(0.0, r, 0.012 + h * 0.3, 0.012 + h * 0.85, 0.022, ctx.rgba)], []





def toy_duck(ctx: Context):
    """pybullet_data's rubber duck (6–11 cm tall), upright and facing +x."""
    return [mesh("duck.obj", ctx.u(0.04, 0.07), ctx.rgba, rot_zx(np.pi, UPRIGHT))], []


def teddy_bear(ctx: Context):
    """pybullet_data's teddy bear (convex-hull model, 14–28 cm tall), sitting, facing +x.

    Sitting straight, the file's bear rests on its seat alone and its box centre (where simulators put
    the centre of mass) lies in front of that seat, so it would topple onto its face; leaning it
    forward by ``TEDDY_LEAN`` puts its feet on the ground too, and the centre falls between them.
    """
    return [mesh("teddy2_VHACD_CHs.obj", ctx.u(0.15, 0.3), ctx.rgba, TEDDY)], []


def bunny(ctx: Context):
    """pybullet_data's Stanford bunny as a figurine (10–14 cm tall), upright and facing +x."""
    return [mesh("bunny.obj", ctx.u(0.07, 0.1), ctx.rgba, rot_zx(np.pi / 2, UPRIGHT))], []


def round_vase(ctx: Context):
    """Round vase: a ball body on a foot ring, with a short neck and lip (diameter 12–20 cm)."""
    r, f = ctx.u(0.06, 0.1), 0.012  # f: the foot ring's height (a ball alone would roll)
    neck_r = r * ctx.u(0.35, 0.5)
    return [sphere((0.0, 0.0, f + r), r, ctx.rgba), cylinder((0.0, 0.0), 0.0, f + 0.01, r * 0.55, ctx.rgba),
            cylinder((0.0, 0.0), f + 2 * r - 0.01, f + 2 * r + 0.04, neck_r, ctx.rgba),
            cylinder((0.0, 0.0), f + 2 * r + 0.04, f + 2 * r + 0.055, neck_r * 1.4, ctx.shade(0.85))], []


def bowl_vase(ctx: Context):
    """Wide, low vase: a squat cylinder body with a flared rim (diameter 16–24, H 10–14 cm)."""
    r, h = ctx.u(0.08, 0.12), ctx.u(0.08, 0.11)
    return [cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba), cylinder((0.0, 0.0), h, h + 0.03, r * 1.1, ctx.shade(0.85))], []


def hardcover(ctx: Context):
    """Hardcover book lying flat: covers in the book's colour around a pale page block (A5 to A4)."""
    hx, hy, hz = ctx.u(0.07, 0.105), ctx.u(0.1, 0.15), ctx.u(0.012, 0.025)
    top = 2 * hz
    return [block((-hx, -hy, 0.0), (hx, hy, 0.004), ctx.rgba), block((-hx, -hy, top - 0.004), (hx, hy, top), ctx.rgba),
            block((-hx, -hy, 0.004), (-hx + 0.005, hy, top - 0.004), ctx.rgba),
            block((-hx + 0.005, -hy + 0.004, 0.004), (hx - 0.004, hy - 0.004, top - 0.004), PAPER)], []


def paperback(ctx: Context):
    """Thin paperback lying flat, a title band across its cover (11×18 cm, 1–2 cm thick)."""
    hx, hy, hz = ctx.u(0.055, 0.06), ctx.u(0.085, 0.095), ctx.u(0.005, 0.01)
    return [block((-hx, -hy, 0.0), (hx, hy, 2 * hz), ctx.rgba),
            block((-hx, -hy * 0.3, 2 * hz), (hx, hy * 0.1, 2 * hz + 0.001), PAPER)], []


def square_bottle(ctx: Context):
    """Square-shouldered spirits bottle: a box body (at least 2.25 times as tall as wide), a neck and a cap."""
    s, h = ctx.u(0.03, 0.04), ctx.u(0.18, 0.24)
    neck = ctx.u(0.012, 0.016)
    return [block((-s, -s, 0.0), (s, s, h), ctx.rgba), cylinder((0.0, 0.0), h, h + 0.05, neck, ctx.rgba),
            cylinder((0.0, 0.0), h + 0.05, h + 0.065, neck * 1.2, TRIM)], []


def water_bottle(ctx: Context):
    """Water bottle: a slim body, a short taper and a wide screw cap (body 2.5–3.5 times as tall as wide)."""
    r, h = ctx.u(0.032, 0.038), ctx.u(0.18, 0.24)
    return [cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba), cylinder((0.0, 0.0), h, h + 0.025, r * 0.7, ctx.rgba),
            cylinder((0.0, 0.0), h + 0.025, h + 0.045, r * 0.6, TRIM)], []


def lidded_box(ctx: Context):
    """Storage box with a slightly larger lid on it."""
    hx, hy, hz = ctx.u(0.08, 0.2), ctx.u(0.08, 0.2), ctx.u(0.05, 0.12)
    return [block((-hx, -hy, 0.0), (hx, hy, 2 * hz - 0.02), ctx.rgba),
            block((-hx - 0.005, -hy - 0.005, 2 * hz - 0.03), (hx + 0.005, hy + 0.005, 2 * hz), ctx.shade(0.8))], []


def shoebox(ctx: Context):
    """Shoebox: a long flat box (33×20×12 cm) whose lid reads as a band round its top."""
    hx, hy, hz = ctx.u(0.09, 0.11), ctx.u(0.15, 0.18), ctx.u(0.05, 0.065)
    return [block((-hx, -hy, 0.0), (hx, hy, 2 * hz - 0.035), ctx.rgba),
            block((-hx - 0.003, -hy - 0.003, 2 * hz - 0.04), (hx + 0.003, hy + 0.003, 2 * hz), ctx.shade(0.7))], []


VASE_VARIANTS = variants(round=round_vase, bowl=bowl_vase)
BOOK_VARIANTS = variants(hardcover=hardcover, paperback=paperback)
BOTTLE_VARIANTS = variants(square=square_bottle, water=water_bottle)
BOX_VARIANTS = variants(with_lid=lidded_box, shoebox=shoebox)
MUG_VARIANTS = variants(straight=straight_mug, cup_and_saucer=cup_and_saucer)
LAPTOP_VARIANTS = variants(wide_open=wide_open, large=big_laptop)


SMALL = (
    Asset("box", "small", "support", ("brown", "white", "red", "blue", "green"), box, floor_ok=True, density=60.0),
    Asset("ball", "small", "support", ("red", "blue", "green", "yellow", "orange", "white"), ball, floor_ok=True,
          density=60.0),
    Asset("mug", "small", "support", ("white", "red", "blue", "yellow", "green", "black"), mug, density=300.0),
    Asset("bottle", "small", "support", ("green", "brown", "blue"), bottle, density=350.0),  # glass colours only
    Asset("book", "small", "support", ("red", "blue", "green", "black", "yellow", "white", "purple"), book,
          density=600.0),
    Asset("vase", "small", "support", ("white", "red", "yellow", "black", "purple"), vase,  # none a bottle's
          density=300.0),
    Asset("laptop", "small", "support", ("grey", "black", "white"), laptop, density=60.0, weight=0.7),
    Asset("toy duck", "small", "support", ("yellow", "orange", "red"), toy_duck, floor_ok=True, density=150.0,
          tints=DUCK_TINTS),
    # no colour of the bunny figurine's nor the toy duck's: at 320x240 a white bear and a white bunny
    # are the same pale blob (judged by eye); colour is what tells them apart
    Asset("teddy bear", "small", "support", ("brown", "blue", "purple", "green"), teddy_bear, floor_ok=True,
          density=80.0),
    Asset("bunny figurine", "small", "support", ("white", "grey", "beige", "pink"), bunny, density=500.0),
)
