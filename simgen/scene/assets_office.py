"""Office furniture and objects with shape variants: desk, office chair, filing cabinet, bookshelf
(static) and monitor, keyboard, printer, desk lamp, globe (small).

Size ranges are typical office-furniture dimensions (a desk top at 72–76 cm, a task chair's seat at
42–52 cm; cited per maker); every variant stays within its asset's ``dims`` (depth x, width y,
height z of the full box, metres).
"""
from __future__ import annotations

import numpy as np

from simgen.scene.assets import TRIM, Asset, Context, Surface, block, cylinder, rod, sphere, top_surface
from simgen.scene.assets_parts import METAL, PAPER, SCREEN, apron_table, fronts, pedestal, star_base, variants

WOOD = ("brown", "white", "black", "beige", "grey")


def writing_desk(ctx: Context):
    """Writing desk: a top with an apron on four slim legs (W 100–140, D 50–65, H 72–76 cm)."""
    hy, hx, h = ctx.u(0.5, 0.7), ctx.u(0.25, 0.325), ctx.u(0.72, 0.76)
    return apron_table(ctx, hx, hy, h, top=0.03, rim=0.03, leg=0.04, leg_inset=0.02)


def pedestal_desk(ctx: Context):
    """Desk with a drawer pedestal on its right and a panel leg on its left (W 120–160, D 60–75 cm)."""
    hy, hx, h = ctx.u(0.6, 0.8), ctx.u(0.3, 0.375), ctx.u(0.72, 0.76)
    top = block((-hx, -hy, h - 0.03), (hx, hy, h), ctx.rgba)
    ped = block((-hx + 0.02, hy - 0.42, 0.0), (hx - 0.04, hy - 0.02, h - 0.03), ctx.shade(0.9))
    panel = block((-hx + 0.02, -hy + 0.02, 0.0), (hx - 0.02, -hy + 0.05, h - 0.03), ctx.shade(0.9))
    modesty = block((-hx + 0.02, -hy + 0.05, h - 0.45), (-hx + 0.04, hy - 0.42, h - 0.03), ctx.shade(0.8))
    return [top, ped, panel, modesty, *fronts(hx - 0.04, hy - 0.415, hy - 0.025, 0.02, h - 0.04, 1, 3, ctx.shade(0.95))], [
        top_surface(top)]


def l_desk(ctx: Context):
    """L-shaped corner desk: a main top and a return at its −y end on panel legs (W 140–170, D 110–150 cm)."""
    hy, hx, h, d = ctx.u(0.7, 0.85), ctx.u(0.55, 0.75), ctx.u(0.72, 0.76), ctx.u(0.5, 0.6)
    x0 = -hx
    main = block((x0, -hy + d, h - 0.03), (x0 + d, hy, h), ctx.rgba)
    ret = block((x0, -hy, h - 0.03), (hx, -hy + d, h), ctx.rgba)
    panels = [block((x0 + 0.02, hy - 0.04, 0.0), (x0 + d - 0.02, hy - 0.01, h - 0.03), TRIM),
              block((hx - 0.04, -hy + 0.02, 0.0), (hx - 0.01, -hy + d - 0.02, h - 0.03), TRIM),
              block((x0 + 0.02, -hy + 0.02, 0.0), (x0 + 0.05, -hy + d - 0.02, h - 0.03), TRIM)]
    return [main, ret, *panels], [top_surface(main), top_surface(ret)]


def _office_chair(ctx: Context, back_h: float, arms: bool, seat_w: float, headrest: bool = False):
    """Five-star base, gas lift, seat (at 44–52 cm), back from the seat to ``back_h``, optional arms and headrest."""
    seat_h, hx = ctx.u(0.44, 0.52), ctx.u(0.22, 0.26)
    hy = seat_w / 2
    parts = star_base(0.12, ctx.u(0.3, 0.34), TRIM) + [cylinder((0.0, 0.0), 0.1, seat_h - 0.08, 0.025, METAL)]
    parts += [block((-hx, -hy, seat_h - 0.08), (hx, hy, seat_h), ctx.rgba),
              block((-hx - 0.06, -hy + 0.02, seat_h + 0.06), (-hx - 0.02, hy - 0.02, back_h), ctx.rgba),
              rod((-hx + 0.02, 0.0, seat_h - 0.06), (-hx - 0.04, 0.0, seat_h + 0.1), 0.02, TRIM)]
    if arms:
        for s in (-1, 1):
            y = s * (hy + 0.02)
            parts += [block((-0.05, y - 0.015, seat_h - 0.05), (-0.02, y + 0.015, seat_h + 0.2), TRIM),
                      block((-0.15, y - 0.03, seat_h + 0.2), (0.1, y + 0.03, seat_h + 0.23), TRIM)]
    if headrest:
        parts.append(block((-hx - 0.08, -0.15, back_h - 0.2), (-hx - 0.04, 0.15, back_h), ctx.shade(0.8)))
    return parts


def task_chair(ctx: Context):
    """Armless task chair with a mid back (H 85–100 cm)."""
    return _office_chair(ctx, ctx.u(0.85, 1.0), False, ctx.u(0.44, 0.48)), []


def arm_chair(ctx: Context):
    """Office chair with arms and a mid back (H 90–105 cm)."""
    return _office_chair(ctx, ctx.u(0.9, 1.05), True, ctx.u(0.46, 0.5)), []


def executive(ctx: Context):
    """Executive chair: a tall padded back with a headrest, and arms (H 110–125 cm)."""
    return _office_chair(ctx, ctx.u(1.1, 1.25), True, ctx.u(0.5, 0.54), headrest=True), []


def _filer(ctx: Context, rows: int):
    """Filing cabinet of ``rows`` drawers, 33 cm each (W 38–47, D 50–62 cm)."""
    hy, depth, h = ctx.u(0.19, 0.235), ctx.u(0.5, 0.62), 0.04 + 0.33 * rows + ctx.u(0.0, 0.03)
    body = block((-depth / 2, -hy, 0.0), (depth / 2, hy, h), ctx.rgba)
    parts = [body, *fronts(depth / 2, -hy + 0.01, hy - 0.01, 0.04, h - 0.01, 1, rows, ctx.shade(0.93))]
    parts += [block((depth / 2 + 0.018, -0.04, 0.04 + (k + 0.75) * (h - 0.05) / rows - 0.04),
                    (depth / 2 + 0.02, 0.04, 0.04 + (k + 0.75) * (h - 0.05) / rows - 0.01), PAPER) for k in range(rows)]
    return parts, [top_surface(body)]


def _shelves(ctx: Context, hy, depth, h, n, z0=0.06):
    """Sides, back, top and ``n`` evenly spaced boards from z0; returns parts, boards and clearances."""
    t, x0, x1 = 0.02, -depth / 2, depth / 2
    parts = [block((x0, -hy, 0.0), (x1, -hy + t, h), ctx.rgba), block((x0, hy - t, 0.0), (x1, hy, h), ctx.rgba),
             block((x0, -hy, 0.0), (x0 + t, hy, h), ctx.shade(0.85))]
    levels = np.linspace(z0, h - t, n + 1)
    boards = [block((x0 + t, -hy + t, z), (x1, hy - t, z + t), ctx.rgba) for z in levels]
    return parts, boards, float(levels[1] - levels[0]) - t


def open_bookshelf(ctx: Context):
    """Open bookshelf with four or five shelves (W 60–100, D 28–35, H 150–200 cm)."""
    h = ctx.u(1.5, 2.0)
    parts, boards, gap = _shelves(ctx, ctx.u(0.3, 0.5), ctx.u(0.28, 0.35), h, int(ctx.rng.integers(4, 6)))
    return parts + boards, [top_surface(b, clearance=gap) for b in boards[:-1]] + [top_surface(boards[-1])]


def doors_bookshelf(ctx: Context):
    """Bookshelf with closed doors below and open shelves above (W 80–100, D 33–40, H 180–200 cm)."""
    hy, depth, h = ctx.u(0.4, 0.5), ctx.u(0.33, 0.4), ctx.u(1.8, 2.0)
    parts, boards, gap = _shelves(ctx, hy, depth, h, 3, z0=0.8)
    base = block((-depth / 2 + 0.02, -hy + 0.02, 0.0), (depth / 2, hy - 0.02, 0.8), ctx.shade(0.9))
    parts += [base, *fronts(depth / 2, -hy + 0.01, hy - 0.01, 0.02, 0.79, 2, 1, ctx.shade(0.95), vertical=True)]
    return parts + boards, [top_surface(b, clearance=gap) for b in boards[:-1]] + [top_surface(boards[-1])]


def cube_bookshelf(ctx: Context):
    """Cube shelf: a grid of 33 cm cubes, three or four across and two to four high (D 33–39 cm)."""
    cols, rows, depth = int(ctx.rng.integers(3, 5)), int(ctx.rng.integers(2, 5)), ctx.u(0.33, 0.39)
    t, cell = 0.02, 0.335
    hy, h = (cols * cell + t) / 2, rows * cell + t
    x0, x1 = -depth / 2, depth / 2
    parts = [block((x0, y - t / 2, 0.0), (x1, y + t / 2, h), ctx.rgba) for y in np.linspace(-hy + t / 2, hy - t / 2,
                                                                                              cols + 1)]
    parts.append(block((x0, -hy, 0.0), (x0 + 0.01, hy, h), ctx.shade(0.8)))
    levels = np.linspace(0.0, h - t, rows + 1)
    boards = [block((x0, -hy, z), (x1, hy, z + t), ctx.rgba) for z in levels]
    # one surface per cube (the dividers stand between them), free up to the board above; the top is open
    centres = np.linspace(-hy + t / 2, hy - t / 2, cols + 1)
    half = (cell - t) / 2 - 0.02
    surfaces = [Surface(((x0 + 0.01 + x1) / 2, float((a + b) / 2), float(z + t)), ((x1 - x0 - 0.01) / 2 - 0.02, half),
                        cell - t if k < rows else float("inf"))
                for k, z in enumerate(levels) for a, b in zip(centres[:-1], centres[1:])]
    return parts + boards, surfaces


def _monitor(ctx: Context, hy: float, foot):
    """A screen (16:9 or wider) of half width ``hy`` on a neck, its bottom 8–12 cm above the desk."""
    aspect = 9 / 16 if hy < 0.34 else 9 / 21
    hz, bottom = hy * aspect, ctx.u(0.08, 0.12)
    parts = foot + [block((-0.08, -0.025, 0.01), (-0.05, 0.025, bottom + hz), ctx.rgba),
                    block((-0.04, -hy, bottom), (-0.015, hy, bottom + 2 * hz), ctx.rgba),
                    block((-0.015, -hy + 0.01, bottom + 0.015), (-0.012, hy - 0.01, bottom + 2 * hz - 0.01), SCREEN)]
    return parts


def flat_monitor(ctx: Context):
    """24–27 inch monitor on a rectangular foot (W 54–62 cm)."""
    return _monitor(ctx, ctx.u(0.27, 0.31), [block((-0.12, -0.12, 0.0), (0.06, 0.12, 0.012), ctx.rgba)]), []


def ultrawide(ctx: Context):
    """34 inch ultrawide monitor on a wide V foot (W 80–84 cm)."""
    foot = [block((-0.12, -0.2, 0.0), (0.05, -0.17, 0.012), ctx.rgba), block((-0.12, 0.17, 0.0), (0.05, 0.2, 0.012),
                                                                              ctx.rgba),
            block((-0.12, -0.2, 0.0), (-0.06, 0.2, 0.012), ctx.rgba)]
    return _monitor(ctx, ctx.u(0.4, 0.42), foot), []


def round_foot_monitor(ctx: Context):
    """22–24 inch monitor on a round foot (W 50–55 cm)."""
    return _monitor(ctx, ctx.u(0.25, 0.275), [cylinder((-0.06, 0.0), 0.0, 0.012, 0.1, ctx.rgba)]), []


def _keyboard(ctx: Context, hy: float, numpad: bool):
    """A keyboard slab (D 13–16 cm) with rows of keys in a contrasting shade; ``numpad`` adds a key block."""
    hx = ctx.u(0.065, 0.08)
    parts = [block((-hx, -hy, 0.0), (hx, hy, 0.02), ctx.rgba)]
    main_hy = hy - (0.045 if numpad else 0.0)
    y0 = -hy + 0.01
    keys = ctx.shade(0.55) if ctx.color != "black" else (0.35, 0.35, 0.37, 1.0)
    for r in range(5):
        x = -hx + 0.015 + r * (2 * hx - 0.03) / 5
        parts.append(block((x, y0, 0.02), (x + (2 * hx - 0.03) / 5 - 0.004, y0 + 2 * main_hy - 0.03, 0.028), keys))
    if numpad:
        parts.append(block((-hx + 0.015, hy - 0.085, 0.02), (hx - 0.015, hy - 0.01, 0.028), keys))
    return parts


def full_keyboard(ctx: Context):
    """Full-size keyboard with a number pad (W 43–46 cm)."""
    return _keyboard(ctx, ctx.u(0.215, 0.23), True), []


def tenkeyless(ctx: Context):
    """Tenkeyless keyboard (W 35–37 cm)."""
    return _keyboard(ctx, ctx.u(0.175, 0.185), False), []


def compact_keyboard(ctx: Context):
    """Compact keyboard (W 29–31 cm), thin."""
    return _keyboard(ctx, ctx.u(0.145, 0.155), False), []


def inkjet(ctx: Context):
    """Inkjet printer: a low box with a paper tray raised at the back and an output tray in front (W 40–46 cm)."""
    hy, hx, h = ctx.u(0.2, 0.23), ctx.u(0.13, 0.16), ctx.u(0.13, 0.17)
    return [block((-hx, -hy, 0.0), (hx, hy, h), ctx.rgba),
            block((-hx - 0.05, -hy + 0.08, h), (-hx + 0.02, hy - 0.08, h + 0.14), PAPER),
            block((hx, -hy + 0.08, 0.03), (hx + 0.08, hy - 0.08, 0.04), ctx.shade(0.7)),
            block((hx, -hy + 0.05, h - 0.05), (hx + 0.003, hy - 0.2, h - 0.02), SCREEN)], []


def laser(ctx: Context):
    """Laser printer: a tall box with a paper drawer below and an output slot on top (W 36–42, H 25–32 cm)."""
    hy, hx, h = ctx.u(0.18, 0.21), ctx.u(0.17, 0.2), ctx.u(0.25, 0.32)
    return [block((-hx, -hy, 0.0), (hx, hy, h), ctx.rgba),
            block((hx, -hy + 0.02, 0.02), (hx + 0.01, hy - 0.02, 0.1), ctx.shade(0.75)),
            block((-hx + 0.05, -hy + 0.04, h), (hx - 0.08, hy - 0.04, h + 0.005), SCREEN)], []


def all_in_one(ctx: Context):
    """All-in-one printer: a scanner lid on top of the printer body, a control panel in front (W 42–48 cm)."""
    hy, hx, h = ctx.u(0.21, 0.24), ctx.u(0.17, 0.2), ctx.u(0.17, 0.22)
    return [block((-hx, -hy, 0.0), (hx, hy, h), ctx.rgba),
            block((-hx, -hy, h), (hx, hy, h + 0.04), ctx.shade(0.8)),
            block((hx, -hy + 0.04, h - 0.06), (hx + 0.05, hy - 0.15, h - 0.03), TRIM),
            block((hx, -hy + 0.04, 0.03), (hx + 0.01, hy - 0.04, 0.08), ctx.shade(0.7))], []


def architect(ctx: Context):
    """Architect desk lamp: a heavy disc base, a lower arm leaning back, an upper arm reaching forward to a
    cone head (H 40–55 cm). The base outweighs the head, so the lamp stands (its mass centre is over the base)."""
    h, reach = ctx.u(0.4, 0.55), ctx.u(0.1, 0.15)
    elbow = (-reach, 0.0, h * 0.6)
    head = (reach, 0.0, h - 0.06)
    return [cylinder((0.0, 0.0), 0.0, 0.05, 0.09, ctx.rgba), rod((0.0, 0.0, 0.05), elbow, 0.008, ctx.rgba),
            rod(elbow, head, 0.008, ctx.rgba), cylinder((reach, 0.0), h - 0.14, h - 0.06, 0.05, ctx.rgba),
            cylinder((reach, 0.0), h - 0.06, h, 0.025, ctx.rgba)], []


def dome_desk_lamp(ctx: Context):
    """Desk lamp with a straight stem on a heavy base and a dome head over the desk (H 35–45 cm)."""
    h = ctx.u(0.35, 0.45)
    return [cylinder((0.0, 0.0), 0.0, 0.04, 0.09, ctx.rgba), cylinder((0.0, 0.0), 0.04, h - 0.05, 0.01, METAL),
            rod((0.0, 0.0, h - 0.05), (0.07, 0.0, h - 0.05), 0.01, METAL),
            cylinder((0.08, 0.0), h - 0.1, h - 0.02, 0.06, ctx.rgba), sphere((0.08, 0.0, h - 0.02), 0.02, ctx.rgba)], []


def banker(ctx: Context):
    """Banker's lamp: a brass stand and a long half-round shade in the lamp's colour (W 30–36, H 35–40 cm)."""
    h, hy = ctx.u(0.35, 0.4), ctx.u(0.15, 0.18)
    brass = (0.8, 0.65, 0.3, 1.0)
    return [block((-0.08, -0.1, 0.0), (0.08, 0.1, 0.02), brass), cylinder((0.0, 0.0), 0.02, h - 0.06, 0.01, brass),
            rod((0.03, -hy, h - 0.04), (0.03, hy, h - 0.04), 0.055, ctx.rgba)], []


def _globe(ctx: Context, r: float, stand: list, z: float):
    """A blue sphere with green land blobs, its centre at height z."""
    land = (0.2, 0.55, 0.25, 1.0)
    parts = stand + [sphere((0.0, 0.0, z), r, ctx.rgba)]
    for a, e in ((0.3, 0.3), (2.2, -0.2), (-1.5, 0.5), (4.0, 0.1)):
        c = (np.cos(e) * np.cos(a) * r * 0.85, np.cos(e) * np.sin(a) * r * 0.85, z + np.sin(e) * r * 0.85)
        parts.append(sphere(c, r * 0.3, land))
    return parts


def disc_globe(ctx: Context):
    """Desk globe on a disc foot and a short post (globe diameter 20–30 cm)."""
    r = ctx.u(0.1, 0.15)
    return _globe(ctx, r, pedestal(0.08, r * 0.6, 0.012, TRIM), 0.08 + r), []


def meridian_globe(ctx: Context):
    """Globe held in a half meridian ring on a foot (globe diameter 20–30 cm)."""
    r = ctx.u(0.1, 0.15)
    z = 0.06 + r + 0.02
    ring = [rod((0.0, 0.0, 0.02), (-(r + 0.02), 0.0, z - r * 0.7), 0.006, METAL),
            rod((-(r + 0.02), 0.0, z - r * 0.7), (-(r + 0.02), 0.0, z + r * 0.7), 0.006, METAL),
            rod((-(r + 0.02), 0.0, z + r * 0.7), (0.0, 0.0, z + r + 0.02), 0.006, METAL)]
    return _globe(ctx, r, [cylinder((0.0, 0.0), 0.0, 0.02, r * 0.6, TRIM), *ring], z), []


def tripod_globe(ctx: Context):
    """Globe resting on a three-legged wooden stand (globe diameter 25–32 cm)."""
    r = ctx.u(0.125, 0.16)
    wood = (0.45, 0.28, 0.15, 1.0)
    legs3 = [rod((r * 0.8 * np.cos(a), r * 0.8 * np.sin(a), 0.0), (0.0, 0.0, 0.1), 0.01, wood)
             for a in (0.0, 2 * np.pi / 3, 4 * np.pi / 3)]
    return _globe(ctx, r, legs3, 0.1 + r * 0.95), []


OFFICE = (
    Asset("desk", "furniture", "wall", WOOD, None, supports=True, max_count=2, gathers=True, variants=variants(
        writing=writing_desk, pedestal=pedestal_desk, l_shaped=l_desk), dims=((0.5, 1.5), (1.0, 1.7), (0.72, 0.76))),
    Asset("office chair", "furniture", "table", ("black", "grey", "blue", "red"), None, variants=variants(
        task=task_chair, with_arms=arm_chair, executive=executive), dims=((0.6, 0.72), (0.6, 0.7), (0.85, 1.25))),
    Asset("filing cabinet", "furniture", "wall", ("grey", "black", "white", "beige"), None, supports=True,
          variants=variants(two_drawers=lambda ctx: _filer(ctx, 2), three_drawers=lambda ctx: _filer(ctx, 3),
                            four_drawers=lambda ctx: _filer(ctx, 4)), dims=((0.5, 0.66), (0.38, 0.47), (0.7, 1.4))),
    Asset("bookshelf", "furniture", "wall", WOOD, None, supports=True, weight=1.2, variants=variants(
        open=open_bookshelf, with_doors=doors_bookshelf, cube=cube_bookshelf),
          dims=((0.28, 0.45), (0.6, 1.4), (0.69, 2.0))),
    Asset("monitor", "small", "support", ("black", "grey", "white"), None, density=80.0, max_count=2,
          variants=variants(flat=flat_monitor, ultrawide=ultrawide, round_foot=round_foot_monitor),
          dims=((0.16, 0.24), (0.5, 0.84), (0.35, 0.5))),
    Asset("keyboard", "small", "support", ("black", "white", "grey"), None, density=300.0, max_count=2,
          variants=variants(full=full_keyboard, tenkeyless=tenkeyless, compact=compact_keyboard),
          dims=((0.13, 0.16), (0.29, 0.46), (0.028, 0.028))),
    Asset("printer", "small", "support", ("white", "black", "grey"), None, density=150.0, max_count=1,
          variants=variants(inkjet=inkjet, laser=laser, all_in_one=all_in_one),
          dims=((0.26, 0.46), (0.36, 0.48), (0.17, 0.33))),
    Asset("desk lamp", "small", "support", ("black", "white", "green", "red", "grey"), None, density=200.0,
          variants=variants(architect=architect, dome=dome_desk_lamp, bankers=banker),
          dims=((0.1, 0.4), (0.15, 0.48), (0.35, 0.55))),
    Asset("globe", "small", "support", ("blue",), None, density=80.0, max_count=1, variants=variants(
        disc=disc_globe, meridian=meridian_globe, tripod=tripod_globe), dims=((0.2, 0.35), (0.2, 0.33), (0.28, 0.45))),
)
