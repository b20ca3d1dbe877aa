"""Furniture and occluders built from boxes, cylinders and spheres (static: mass 0).

Each maker builds its parts in the natural frame (floor at z = 0, front along +x, roughly centred in
xy) with sizes drawn from ``ctx.rng``; :func:`simgen.scene.assets.assemble` centres them. Sizes are
everyday ranges in metres. Widths run along local y (along the wall for wall pieces), depths along x.
"""
from __future__ import annotations

import numpy as np

from simgen.scene.assets import TRIM, Asset, Context, Surface, block, cylinder, rod, sphere, top_surface
from simgen.scene.assets_parts import SCREEN, legs, variants

def table(ctx: Context):
    """A dining, desk or coffee table: top slab on four legs; its top is a support surface."""
    height = ctx.u(0.72, 0.78) if ctx.rng.random() < 0.7 else ctx.u(0.42, 0.5)
    hy = ctx.u(0.4, 0.9)
    hx = min(ctx.u(0.3, 0.5), hy)
    t = ctx.u(0.03, 0.05)
    top = block((-hx, -hy, height - t), (hx, hy, height), ctx.rgba)
    feet = legs(hx, hy, height - t, ctx.u(0.04, 0.06), ctx.shade(0.85), inset=ctx.u(0.02, 0.06))
    return [top, *feet], [top_surface(top)]


def chair(ctx: Context):
    """A chair facing +x: seat on four legs, backrest at the back (−x)."""
    hx, hy = ctx.u(0.2, 0.25), ctx.u(0.2, 0.25)
    seat_h, t, back_t = ctx.u(0.42, 0.48), 0.04, 0.04
    seat = block((-hx, -hy, seat_h - t), (hx, hy, seat_h), ctx.rgba)
    back = block((-hx, -hy, seat_h), (-hx + back_t, hy, ctx.u(0.8, 0.98)), ctx.rgba)
    return [seat, back, *legs(hx, hy, seat_h - t, 0.035, ctx.shade(0.8))], []


def sofa(ctx: Context):
    """A sofa facing +x: base, seat cushion (a support surface), backrest and two armrests."""
    hy, depth = ctx.u(0.7, 1.15), ctx.u(0.8, 1.0)
    seat_h, back_h, arm_h = ctx.u(0.4, 0.46), ctx.u(0.75, 0.95), ctx.u(0.55, 0.65)
    arm, back_t = ctx.u(0.12, 0.2), ctx.u(0.15, 0.25)
    x0, x1 = -depth / 2, depth / 2
    base = block((x0, -hy, 0.0), (x1, hy, seat_h - 0.12), ctx.shade(0.8))
    cushion = block((x0 + back_t, -hy + arm, seat_h - 0.12), (x1, hy - arm, seat_h), ctx.rgba)
    back = block((x0, -hy, 0.0), (x0 + back_t, hy, back_h), ctx.rgba)
    arms = [block((x0 + back_t, -hy, 0.0), (x1, -hy + arm, arm_h), ctx.rgba),
            block((x0 + back_t, hy - arm, 0.0), (x1, hy, arm_h), ctx.rgba)]
    return [base, cushion, back, *arms], [top_surface(cushion, inset=0.05)]


def bed(ctx: Context):
    """A bed with its headboard at the back (−x): frame, mattress with duvet (support surface), pillow."""
    length = ctx.u(1.95, 2.15)
    hy = float(ctx.rng.choice([0.47, 0.72, 0.82, 0.92])) + ctx.u(0.0, 0.04)
    frame_h, top = ctx.u(0.25, 0.35), ctx.u(0.48, 0.58)
    x0, x1, head_t = -length / 2, length / 2, 0.06
    frame = block((x0, -hy, 0.0), (x1, hy, frame_h), ctx.shade(0.75))
    head = block((x0, -hy, 0.0), (x0 + head_t, hy, ctx.u(0.9, 1.15)), ctx.shade(0.75))
    mattress = block((x0 + head_t, -hy + 0.02, frame_h), (x1 - 0.02, hy - 0.02, top), ctx.rgba)
    pillow_x1 = x0 + head_t + 0.45
    pillow = block((x0 + head_t + 0.05, -hy + 0.1, top), (pillow_x1, hy - 0.1, top + 0.12), (0.95, 0.95, 0.95, 1.0))
    # only the duvet beyond the pillow is a support surface, so nothing is placed into the pillow
    duvet = Surface(((pillow_x1 + x1) / 2, 0.0, top), ((x1 - pillow_x1) / 2 - 0.1, hy - 0.1))
    return [frame, head, mattress, pillow], [duvet]


def shelf(ctx: Context):
    """An open bookshelf facing +x: sides, back, and evenly spaced boards (each a support surface)."""
    height, hy, depth = ctx.u(1.1, 2.0), ctx.u(0.3, 0.5), ctx.u(0.28, 0.4)
    t, plinth = ctx.u(0.018, 0.03), 0.06
    n = int(ctx.rng.integers(3, 6)) if height > 1.5 else int(ctx.rng.integers(2, 4))
    x0, x1 = -depth / 2, depth / 2
    parts = [block((x0, -hy, 0.0), (x1, -hy + t, height), ctx.rgba),  # side panels and back panel
             block((x0, hy - t, 0.0), (x1, hy, height), ctx.rgba),
             block((x0, -hy, 0.0), (x0 + t, hy, height), ctx.shade(0.85))]
    levels = np.linspace(plinth, height - t, n + 1)  # board bottoms, from the plinth to the top board
    boards = [block((x0 + t, -hy + t, z), (x1, hy - t, z + t), ctx.rgba) for z in levels]
    spacing = float(levels[1] - levels[0]) - t
    surfaces = [top_surface(b, inset=0.02, clearance=spacing) for b in boards[:-1]]
    surfaces.append(top_surface(boards[-1], inset=0.02))
    return parts + boards, surfaces


def cabinet(ctx: Context):
    """A low cabinet facing +x: body on a plinth, two door fronts; its top is a support surface."""
    height, hy, depth = ctx.u(0.6, 1.0), ctx.u(0.3, 0.7), ctx.u(0.4, 0.55)
    x0, x1 = -depth / 2, depth / 2
    body = block((x0, -hy, 0.06), (x1, hy, height), ctx.rgba)
    plinth = block((x0 + 0.03, -hy + 0.03, 0.0), (x1 - 0.03, hy - 0.03, 0.06), ctx.shade(0.7))
    doors = [block((x1, -hy + 0.01, 0.09), (x1 + 0.018, -0.005, height - 0.03), ctx.shade(0.9)),
             block((x1, 0.005, 0.09), (x1 + 0.018, hy - 0.01, height - 0.03), ctx.shade(0.9))]
    return [body, plinth, *doors], [top_surface(body)]


def lamp(ctx: Context):
    """A floor lamp: base disc, thin dark pole and a cylindrical shade (the shade carries the colour)."""
    height, shade_r, shade_h = ctx.u(1.4, 1.8), ctx.u(0.16, 0.24), ctx.u(0.24, 0.34)
    base = cylinder((0.0, 0.0), 0.0, 0.03, ctx.u(0.12, 0.16), ctx.rgba)
    pole = cylinder((0.0, 0.0), 0.03, height - shade_h * 0.6, 0.015, TRIM)
    shade = cylinder((0.0, 0.0), height - shade_h, height, shade_r, ctx.rgba)
    return [base, pole, shade], []


def plant(ctx: Context):
    """A potted floor plant: a pot (terracotta, white or grey) with green foliage spheres (its colour)."""
    pot_r, pot_h = ctx.u(0.13, 0.2), ctx.u(0.28, 0.42)
    pot_rgba = [(0.72, 0.38, 0.22, 1.0), (0.9, 0.9, 0.88, 1.0), (0.45, 0.45, 0.47, 1.0)][int(ctx.rng.integers(3))]
    parts = [cylinder((0.0, 0.0), 0.0, pot_h, pot_r, pot_rgba)]
    for _ in range(int(ctx.rng.integers(3, 6))):
        r = ctx.u(0.14, 0.26)
        ang, rad = ctx.u(-np.pi, np.pi), ctx.u(0.0, 0.12)
        centre = (rad * np.cos(ang), rad * np.sin(ang), pot_h + r * ctx.u(0.6, 1.6))
        parts.append(sphere(centre, r, ctx.shade(ctx.u(0.8, 1.1))))
    return parts, []


def tv(ctx: Context):
    """A flat TV on a floor stand facing +x: base plate, post, bezel (its colour) and a dark screen."""
    hy = ctx.u(0.45, 0.75)
    hz = hy * 9 / 16
    bottom, t = ctx.u(0.6, 0.9), ctx.u(0.04, 0.06)
    base = block((-0.2, -0.3, 0.0), (0.2, 0.3, 0.03), ctx.rgba)
    post = block((-0.05, -0.04, 0.03), (0.0, 0.04, bottom + hz), ctx.rgba)
    bezel = block((0.0, -hy, bottom), (t, hy, bottom + 2 * hz), ctx.rgba)
    screen = block((t, -hy + 0.02, bottom + 0.02), (t + 0.004, hy - 0.02, bottom + 2 * hz - 0.02), SCREEN)
    return [base, post, bezel, screen], []


def _tv_panel(ctx: Context, hy: float, bottom: float, t: float) -> list:
    """A 16:9 bezel (its colour) of half width hy from height ``bottom`` with a dark screen on its +x face."""
    hz = hy * 9 / 16
    return [block((0.0, -hy, bottom), (t, hy, bottom + 2 * hz), ctx.rgba),
            block((t, -hy + 0.02, bottom + 0.02), (t + 0.004, hy - 0.02, bottom + 2 * hz - 0.02), SCREEN)]


def easel_tv(ctx: Context):
    """A flat TV on an easel stand: two rear legs leaning to its top, two short front feet (55–65 inch)."""
    hy, bottom, t = ctx.u(0.6, 0.72), ctx.u(0.35, 0.5), ctx.u(0.04, 0.06)
    top = bottom + 2 * hy * 9 / 16
    legs_ = [p for y in (-0.6 * hy, 0.6 * hy) for p in (rod((-0.45, y, 0.0), (-0.01, y, top - 0.1), 0.02, TRIM),
                                                         rod((0.25, y, 0.0), (0.01, y, bottom + 0.05), 0.02, TRIM))]
    return [*_tv_panel(ctx, hy, bottom, t), *legs_,
            block((-0.06, -0.7 * hy, bottom - 0.03), (0.06, 0.7 * hy, bottom), TRIM)], []


def shelf_tv(ctx: Context):
    """A flat TV on a pedestal stand with a glass media shelf on its post (43–55 inch)."""
    hy, bottom, t = ctx.u(0.48, 0.62), ctx.u(0.75, 0.95), ctx.u(0.04, 0.06)
    return [*_tv_panel(ctx, hy, bottom, t), block((-0.25, -0.35, 0.0), (0.25, 0.35, 0.04), TRIM),
            block((-0.06, -0.05, 0.04), (-0.01, 0.05, bottom + hy * 9 / 16), TRIM),
            block((-0.01, -0.3, 0.35), (0.3, 0.3, 0.37), (0.6, 0.7, 0.75, 1.0))], []


def tabletop_tv(ctx: Context):
    """A flat TV on its own low foot, made to stand on a TV stand (32 to 55 inch; foot 18–25 cm deep)."""
    hy, t, fx = ctx.u(0.36, 0.62), ctx.u(0.04, 0.06), ctx.u(0.09, 0.125)
    bottom = ctx.u(0.07, 0.12)  # the panel's lower edge above the stand's top
    fy = min(0.22, 0.5 * hy)
    return [*_tv_panel(ctx, hy, bottom, t), block((-fx, -fy, 0.0), (fx, fy, 0.02), TRIM),
            block((-0.05, -0.04, 0.02), (0.0, 0.04, bottom + hy * 9 / 16), TRIM)], []


def stool(ctx: Context):
    """A round stool: a disc seat on four thin legs."""
    r, height = ctx.u(0.15, 0.2), ctx.u(0.45, 0.75)
    seat = cylinder((0.0, 0.0), height - 0.04, height, r, ctx.rgba)
    d = r * 0.6
    legs = [cylinder((sx * d, sy * d), 0.0, height - 0.04, 0.015, ctx.shade(0.8)) for sx in (-1, 1) for sy in (-1, 1)]
    return [seat, *legs], []


def partition(ctx: Context):
    """A room-divider screen: two or three tall thin panels in a row on small feet."""
    n, panel, height, t = int(ctx.rng.integers(2, 4)), ctx.u(0.4, 0.55), ctx.u(1.5, 1.9), 0.03
    y0 = -n * panel / 2
    parts = [block((-t / 2, y0 + i * panel + 0.005, 0.04), (t / 2, y0 + (i + 1) * panel - 0.005, height), ctx.rgba)
             for i in range(n)]
    parts += [block((-0.12, y, 0.0), (0.12, y + 0.04, 0.04), ctx.shade(0.7)) for y in (y0, -y0 - 0.04)]
    return parts, []


def pillar(ctx: Context):
    """A floor-to-ceiling column, square or round."""
    if ctx.rng.random() < 0.5:
        h = ctx.u(0.15, 0.25)
        return [block((-h, -h, 0.0), (h, h, ctx.room_height), ctx.rgba)], []
    return [cylinder((0.0, 0.0), 0.0, ctx.room_height, ctx.u(0.15, 0.25), ctx.rgba)], []


def palm(ctx: Context):
    """Indoor palm: a tall pot, a bare trunk and a crown of foliage (H 120–180 cm)."""
    pot_r, pot_h, h = ctx.u(0.14, 0.2), ctx.u(0.3, 0.4), ctx.u(1.2, 1.7)
    pot = cylinder((0.0, 0.0), 0.0, pot_h, pot_r, (0.45, 0.45, 0.47, 1.0))
    parts = [pot, cylinder((0.0, 0.0), pot_h, h - 0.1, 0.03, (0.4, 0.3, 0.18, 1.0))]
    for k in range(6):
        a = 2 * np.pi * k / 6 + ctx.u(-0.3, 0.3)
        parts.append(sphere((0.2 * np.cos(a), 0.2 * np.sin(a), h - 0.1 - ctx.u(0.0, 0.15)), ctx.u(0.1, 0.14),
                            ctx.shade(ctx.u(0.8, 1.1))))
    return parts, []


def cactus(ctx: Context):
    """Potted column cactus with two arms (H 50–110 cm)."""
    pot_r, pot_h, h = ctx.u(0.1, 0.15), ctx.u(0.15, 0.25), ctx.u(0.5, 1.1)
    r = pot_r * 0.6
    parts = [cylinder((0.0, 0.0), 0.0, pot_h, pot_r, (0.72, 0.38, 0.22, 1.0)),
             cylinder((0.0, 0.0), pot_h, h - r, r, ctx.rgba), sphere((0.0, 0.0, h - r), r, ctx.rgba)]
    for s, z in ((-1, 0.45), (1, 0.6)):
        zc = pot_h + z * (h - pot_h)
        parts += [rod((0.0, s * r, zc), (0.0, s * (r + 0.08), zc), r * 0.55, ctx.rgba),
                  cylinder((0.0, s * (r + 0.08)), zc - r * 0.5, zc + 0.15, r * 0.55, ctx.rgba)]
    return parts, []


PLANT_VARIANTS = variants(palm=palm, cactus=cactus)  # further shapes of the plant (bush first)
# further shapes of the TV (floor stand first); ``tabletop`` only where it stands on a TV stand (assets_rooms.fitted)
TV_VARIANTS = variants(easel=easel_tv, shelf_stand=shelf_tv, tabletop=tabletop_tv)
ON_STAND = "tabletop"
WOOD = ("brown", "beige", "white", "black", "grey")
FURNITURE = (
    Asset("table", "furniture", "free", WOOD, table, supports=True, weight=1.5, gathers=True),
    Asset("chair", "furniture", "table", ("brown", "black", "white", "red", "blue", "grey"), chair, weight=2.0),
    Asset("sofa", "furniture", "wall", ("grey", "blue", "green", "red", "beige", "brown", "black"), sofa, supports=True,
          max_count=2),
    Asset("bed", "furniture", "wall", ("white", "blue", "grey", "beige", "green", "pink"), bed, supports=True,
          weight=0.6, max_count=2),
    Asset("shelf", "furniture", "wall", WOOD, shelf, supports=True, weight=1.2),
    Asset("cabinet", "furniture", "wall", ("white", "brown", "beige", "grey", "black", "blue"), cabinet, supports=True,
          weight=1.2),
    Asset("lamp", "furniture", "wall", ("white", "beige", "black", "red", "yellow"), lamp, weight=0.8),
    Asset("plant", "furniture", "wall", ("green",), plant, weight=0.8),
    Asset("tv", "furniture", "wall", ("black", "grey", "white"), tv, weight=0.7, max_count=2),
    Asset("stool", "furniture", "table", ("brown", "black", "white", "red"), stool, weight=0.7),
)
OCCLUDERS = (
    Asset("partition", "occluder", "free", ("beige", "white", "brown", "grey"), partition),
    Asset("pillar", "occluder", "free", ("white", "grey", "beige"), pillar),
)
