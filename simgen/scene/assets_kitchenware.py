"""Small kitchen objects with shape variants (dynamic, settled by physics): bowl, plate, cutting board,
kettle, toaster, microwave, coffee maker, cooking pot, frying pan, teapot.

Hollow shapes are approximated by stacked cylinders (a bowl is a foot ring and two widening bands)
whose box is still the exact union of the parts. Size ranges are typical retail dimensions (cited per
maker); every variant stays within its asset's ``dims`` (depth x, width y, height z, metres).
"""
from __future__ import annotations

import numpy as np

from simgen.scene.assets import TRIM, Asset, Context, block, cylinder, rod, sphere
from simgen.scene.assets_parts import METAL, SCREEN, arch, variants


def _bands(ctx: Context, radii, heights, rgba=None) -> list:
    """Stacked cylinders of the given radii, each ``heights[k]`` tall, from the floor up."""
    parts, z = [], 0.0
    for r, h in zip(radii, heights):
        parts.append(cylinder((0.0, 0.0), z, z + h, r, rgba or ctx.rgba))
        z += h
    return parts


def shallow_bowl(ctx: Context):
    """Shallow bowl (diameter 16–22, H 5–7 cm)."""
    r, h = ctx.u(0.08, 0.11), ctx.u(0.05, 0.07)
    return _bands(ctx, (r * 0.5, r * 0.85, r), (0.01, h * 0.4, h * 0.6 - 0.01)), []


def deep_bowl(ctx: Context):
    """Deep serving bowl (diameter 14–20, H 8–11 cm)."""
    r, h = ctx.u(0.07, 0.1), ctx.u(0.08, 0.11)
    return _bands(ctx, (r * 0.55, r * 0.75, r * 0.92, r), (0.01, h * 0.3, h * 0.35, h * 0.35 - 0.01)), []


def footed_bowl(ctx: Context):
    """Footed bowl: a tall foot under a wide band (diameter 18–25, H 10–13 cm)."""
    r, h = ctx.u(0.09, 0.125), ctx.u(0.1, 0.13)
    return _bands(ctx, (r * 0.4, r * 0.2, r * 0.7, r), (0.015, h * 0.35, h * 0.25, h * 0.4 - 0.015)), []


def dinner_plate(ctx: Context):
    """Flat dinner plate (diameter 25–28 cm, 2 cm high) with a raised rim."""
    r = ctx.u(0.125, 0.14)
    return [cylinder((0.0, 0.0), 0.0, 0.006, r * 0.6, ctx.rgba), cylinder((0.0, 0.0), 0.006, 0.02, r, ctx.rgba),
            cylinder((0.0, 0.0), 0.006, 0.021, r * 0.7, ctx.shade(0.93))], []


def side_plate(ctx: Context):
    """Side plate (diameter 18–21 cm, 1.5 cm high)."""
    r = ctx.u(0.09, 0.105)
    return [cylinder((0.0, 0.0), 0.0, 0.005, r * 0.6, ctx.rgba), cylinder((0.0, 0.0), 0.005, 0.015, r, ctx.rgba)], []


def square_plate(ctx: Context):
    """Square plate (20–26 cm, 2 cm high) with a sunken centre."""
    h = ctx.u(0.1, 0.13)
    return [block((-h, -h, 0.006), (h, h, 0.02), ctx.rgba), block((-h * 0.6, -h * 0.6, 0.0), (h * 0.6, h * 0.6, 0.006),
                                                                   ctx.rgba),
            block((-h * 0.7, -h * 0.7, 0.02), (h * 0.7, h * 0.7, 0.0205), ctx.shade(0.93))], []


def board(ctx: Context):
    """Rectangular cutting board (30×20 to 45×30 cm, 1.5–3 cm thick)."""
    hx, hy, t = ctx.u(0.1, 0.15), ctx.u(0.15, 0.225), ctx.u(0.015, 0.03)
    face = block((-hx + 0.015, -hy + 0.015, t), (hx - 0.015, hy - 0.015, t + 0.001), ctx.shade(0.9))
    return [block((-hx, -hy, 0.0), (hx, hy, t), ctx.rgba), face], []


def paddle_board(ctx: Context):
    """Paddle cutting board: a board with a handle at one end (L 40–50 cm with the handle)."""
    hx, hy, t = ctx.u(0.1, 0.13), ctx.u(0.13, 0.17), ctx.u(0.015, 0.025)
    handle = ctx.u(0.08, 0.1)
    return [block((-hx, -hy, 0.0), (hx, hy, t), ctx.rgba), block((-0.025, hy, 0.0), (0.025, hy + handle, t), ctx.rgba),
            cylinder((0.0, hy + handle - 0.025), t, t + 0.001, 0.01, TRIM)], []


def round_board(ctx: Context):
    """Round cutting board (diameter 25–35 cm, 2–3 cm thick)."""
    r, t = ctx.u(0.125, 0.175), ctx.u(0.02, 0.03)
    return [cylinder((0.0, 0.0), 0.0, t, r, ctx.rgba), cylinder((0.0, 0.0), t, t + 0.001, r - 0.02, ctx.shade(0.9))], []


def electric_kettle(ctx: Context):
    """Electric kettle on its base: a tall body, a handle arch at the back, a short spout (H 22–27 cm)."""
    r, h = ctx.u(0.07, 0.085), ctx.u(0.2, 0.25)
    parts = [cylinder((0.0, 0.0), 0.0, 0.02, r + 0.01, TRIM), cylinder((0.0, 0.0), 0.02, h, r, ctx.rgba),
             cylinder((0.0, 0.0), h, h + 0.015, r * 0.6, ctx.shade(0.8))]
    parts += [rod((-r, 0.0, 0.05), (-r - 0.04, 0.0, 0.07), 0.01, TRIM), rod((-r - 0.04, 0.0, 0.07), (-r - 0.04, 0.0, h),
                                                                                0.012, TRIM),
              rod((-r - 0.04, 0.0, h), (-r * 0.5, 0.0, h), 0.01, TRIM), rod((r * 0.8, 0.0, h - 0.04), (r + 0.03, 0.0, h),
                                                                            0.012, ctx.rgba)]
    return parts, []


def stovetop_kettle(ctx: Context):
    """Stovetop kettle: a wide low body, a handle arch over the top, an angled spout (H 20–25 cm)."""
    r, h = ctx.u(0.09, 0.11), ctx.u(0.11, 0.14)
    parts = _bands(ctx, (r, r * 0.8, r * 0.35), (h * 0.7, h * 0.3, 0.02))
    parts += arch(0.0, -r * 0.6, r * 0.6, h, h + ctx.u(0.07, 0.1), 0.008, TRIM)
    parts.append(rod((r * 0.8, 0.0, h * 0.3), (r + 0.07, 0.0, h * 0.9), 0.012, ctx.rgba))
    return parts, []


def gooseneck(ctx: Context):
    """Gooseneck pour-over kettle: a squat body with a long slender spout (H 15–20 cm)."""
    r, h = ctx.u(0.065, 0.08), ctx.u(0.11, 0.14)
    parts = _bands(ctx, (r, r * 0.55), (h, 0.02))
    parts += [rod((r * 0.7, 0.0, 0.02), (r + 0.05, 0.0, h + 0.02), 0.006, ctx.rgba),
              rod((r + 0.05, 0.0, h + 0.02), (r + 0.09, 0.0, h + 0.01), 0.005, ctx.rgba),
              rod((-r, 0.0, h * 0.2), (-r - 0.05, 0.0, h * 0.5), 0.01, TRIM), rod((-r - 0.05, 0.0, h * 0.5),
                                                                                  (-r, 0.0, h * 0.95), 0.01, TRIM)]
    return parts, []


def _toaster(ctx: Context, hx, hy, slots):
    """Toaster body (H 18–21 cm) with dark slots on top and a lever on its front."""
    h = ctx.u(0.18, 0.21)
    parts = [block((-hx, -hy, 0.0), (hx, hy, h), ctx.rgba), block((-hx, -hy, 0.0), (hx, hy, 0.015), TRIM),
             block((hx, hy - 0.05, h * 0.5), (hx + 0.02, hy - 0.02, h * 0.6), TRIM)]
    parts += [block((x - 0.014, y - 0.06, h), (x + 0.014, y + 0.06, h + 0.002), SCREEN) for x, y in slots]
    return parts


def two_slot(ctx: Context):
    """Two-slot toaster (W 25–30, D 16–19 cm)."""
    hx, hy = ctx.u(0.08, 0.095), ctx.u(0.125, 0.15)
    return _toaster(ctx, hx, hy, [(-0.03, -0.02), (0.03, -0.02)]), []


def four_slot(ctx: Context):
    """Four-slot toaster: two pairs of slots side by side (W 36–42, D 18–21 cm)."""
    hx, hy = ctx.u(0.09, 0.105), ctx.u(0.18, 0.21)
    return _toaster(ctx, hx, hy, [(x, y) for x in (-0.03, 0.03) for y in (-0.08, 0.06)]), []


def long_slot(ctx: Context):
    """Long-slot toaster: two slots along its length (W 40–45, D 12–15 cm)."""
    hx, hy = ctx.u(0.06, 0.075), ctx.u(0.2, 0.225)
    parts = _toaster(ctx, hx, hy, [])
    h = parts[0].size[2] * 2
    parts += [block((x - 0.012, -hy + 0.05, h), (x + 0.012, hy - 0.08, h + 0.002), SCREEN) for x in (-0.025, 0.025)]
    return parts, []


def _microwave(ctx: Context, hy, h, handle: bool):
    """Microwave (D 33–42 cm): a dark window in the door on the front, a control strip on its right."""
    depth = ctx.u(0.33, 0.42)
    x0, x1 = -depth / 2, depth / 2
    panel = hy * 0.55  # door spans from −hy to the panel's edge
    parts = [block((x0, -hy, 0.0), (x1, hy, h), ctx.rgba),
             block((x1, -hy + 0.02, 0.03), (x1 + 0.005, hy - 0.3 * hy - 0.01, h - 0.03), ctx.shade(0.9)),
             block((x1 + 0.005, -hy + 0.05, 0.06), (x1 + 0.007, panel - 0.05 - 0.3 * hy, h - 0.06), SCREEN),
             block((x1, hy - 0.3 * hy, 0.03), (x1 + 0.004, hy - 0.02, h - 0.03), TRIM)]
    if handle:
        parts.append(block((x1 + 0.005, hy - 0.3 * hy - 0.04, 0.05), (x1 + 0.03, hy - 0.3 * hy - 0.02, h - 0.05), METAL))
    else:  # a row of push buttons down the control strip
        yc = hy - 0.15 * hy - 0.01
        parts += [block((x1 + 0.004, yc - 0.02, z - 0.01), (x1 + 0.01, yc + 0.02, z + 0.01), METAL)
                  for z in np.linspace(0.06, h * 0.4, 3)]
    return parts


def microwave_handle(ctx: Context):
    """Microwave with a bar handle (W 48–55, H 28–32 cm)."""
    return _microwave(ctx, ctx.u(0.24, 0.275), ctx.u(0.28, 0.32), True), []


def microwave_button(ctx: Context):
    """Push-button microwave without a handle (W 45–50, H 26–29 cm)."""
    return _microwave(ctx, ctx.u(0.225, 0.25), ctx.u(0.26, 0.29), False), []


def microwave_large(ctx: Context):
    """Large combination microwave with a handle (W 55–60, H 32–36 cm)."""
    return _microwave(ctx, ctx.u(0.275, 0.3), ctx.u(0.32, 0.36), True), []


def drip(ctx: Context):
    """Drip coffee maker: a base with a glass carafe under a tower (W 20–25, H 32–38 cm)."""
    hy, hx, h = ctx.u(0.1, 0.125), ctx.u(0.1, 0.12), ctx.u(0.32, 0.38)
    return [block((-hx, -hy, 0.0), (hx, hy, 0.04), ctx.rgba), block((-hx, -hy, 0.04), (-hx + 0.08, hy, h), ctx.rgba),
            block((-hx, -hy, h - 0.08), (hx, hy, h), ctx.rgba),
            cylinder((0.03, 0.0), 0.04, 0.18, 0.065, (0.25, 0.18, 0.12, 1.0)),
            rod((0.095, 0.0, 0.16), (0.115, 0.0, 0.06), 0.008, TRIM)], []


def espresso(ctx: Context):
    """Espresso machine: a box with a group head, a portafilter handle and a drip tray (W 25–32, H 30–36 cm)."""
    hy, hx, h = ctx.u(0.125, 0.16), ctx.u(0.13, 0.16), ctx.u(0.3, 0.36)
    return [block((-hx, -hy, 0.0), (hx, hy, h), ctx.rgba), block((hx, -hy + 0.02, 0.0), (hx + 0.06, hy - 0.02, 0.03),
                                                                  TRIM),
            cylinder((hx + 0.035, 0.0), h - 0.14, h - 0.09, 0.035, METAL),
            rod((hx + 0.035, 0.0, h - 0.12), (hx + 0.035, 0.13, h - 0.12), 0.01, TRIM),
            block((hx, -hy + 0.03, h - 0.06), (hx + 0.005, hy - 0.03, h - 0.02), SCREEN)], []


def pod_machine(ctx: Context):
    """Pod coffee machine: a slim tall body, a water tank at the back, a cup stand (W 12–18, H 28–33 cm)."""
    hy, hx, h = ctx.u(0.06, 0.09), ctx.u(0.14, 0.18), ctx.u(0.28, 0.33)
    return [block((-hx, -hy, 0.0), (hx * 0.4, hy, h), ctx.rgba), block((-hx, -hy, h - 0.08), (hx, hy, h), ctx.rgba),
            block((hx * 0.4, -hy, 0.0), (hx, hy, 0.02), TRIM),
            cylinder((-hx + 0.05, 0.0), 0.02, h + 0.02, 0.045, (0.6, 0.7, 0.8, 1.0))], []


def stock_pot(ctx: Context):
    """Stock pot: a tall body, two side loops and a lid with a knob (diameter 22–28, H 20–26 cm)."""
    r, h = ctx.u(0.11, 0.14), ctx.u(0.18, 0.23)
    parts = [cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba), cylinder((0.0, 0.0), h, h + 0.01, r + 0.005, ctx.shade(0.8)),
             sphere((0.0, 0.0, h + 0.025), 0.015, TRIM)]
    parts += [rod((0.0, s * r, h - 0.04), (0.0, s * (r + 0.03), h - 0.04), 0.01, TRIM) for s in (-1, 1)]
    return parts, []


def saucepan(ctx: Context):
    """Saucepan: a short body with one handle (diameter 18–20, handle 12–14 cm: its box centre, where the
    simulators put the pan's mass, stays over the pan's bottom, so it does not tip onto the handle)."""
    r, h, L = ctx.u(0.09, 0.1), ctx.u(0.08, 0.11), ctx.u(0.12, 0.14)
    return [cylinder((0.0, 0.0), 0.0, h, r, ctx.rgba), rod((0.0, r, h - 0.015), (0.0, r + L, h + 0.02), 0.012, TRIM)], []


def dutch_oven(ctx: Context):
    """Dutch oven: a wide, squat enamelled pot with a domed lid and two loop handles (diameter 24–30, H 14–18 cm)."""
    r, h = ctx.u(0.12, 0.15), ctx.u(0.1, 0.13)
    parts = _bands(ctx, (r, r * 0.98, r * 0.75), (h, 0.025, 0.015))
    parts += [sphere((0.0, 0.0, h + 0.05), 0.018, METAL)]
    parts += [rod((0.0, s * r, h - 0.03), (0.0, s * (r + 0.035), h - 0.03), 0.012, ctx.rgba) for s in (-1, 1)]
    return parts, []


def skillet(ctx: Context):
    """Skillet: a shallow pan (diameter 24–30 cm, 5 cm deep) with a long handle."""
    r, L = ctx.u(0.12, 0.15), ctx.u(0.18, 0.22)
    return [cylinder((0.0, 0.0), 0.0, 0.05, r, ctx.rgba), rod((0.0, r, 0.04), (0.0, r + L, 0.06), 0.012, TRIM)], []


def grill_pan(ctx: Context):
    """Square grill pan with ridges and a long handle (24–28 cm square)."""
    h, L = ctx.u(0.12, 0.14), ctx.u(0.17, 0.2)
    parts = [block((-h, -h, 0.0), (h, h, 0.045), ctx.rgba), rod((0.0, h, 0.035), (0.0, h + L, 0.06), 0.012, TRIM)]
    parts += [block((x - 0.004, -h + 0.02, 0.045), (x + 0.004, h - 0.02, 0.05), ctx.shade(0.6))
              for x in np.linspace(-h + 0.03, h - 0.03, 6)]
    return parts, []


def crepe_pan(ctx: Context):
    """Crêpe pan: very flat (2 cm), wide (diameter 25–30 cm), with a long handle."""
    r, L = ctx.u(0.125, 0.15), ctx.u(0.18, 0.22)
    return [cylinder((0.0, 0.0), 0.0, 0.02, r, ctx.rgba), rod((0.0, r, 0.015), (0.0, r + L, 0.04), 0.011, TRIM)], []


def round_teapot(ctx: Context):
    """Round teapot: a ball body, a spout forward, a handle loop behind, a lid knob (H 14–18 cm)."""
    r, f = ctx.u(0.065, 0.08), 0.012  # f: the foot ring's height (a ball alone would roll)
    parts = [sphere((0.0, 0.0, f + r), r, ctx.rgba), cylinder((0.0, 0.0), 0.0, f + 0.01, r * 0.6, ctx.rgba),
             cylinder((0.0, 0.0), f + 2 * r - 0.01, f + 2 * r + 0.005, r * 0.5, ctx.rgba),
             sphere((0.0, 0.0, f + 2 * r + 0.015), 0.012, ctx.rgba),
             rod((r * 0.7, 0.0, f + r * 0.6), (r + 0.06, 0.0, f + r * 1.5), 0.012, ctx.rgba)]
    parts += [rod((-r * 0.8, 0.0, f + r * 1.4), (-r - 0.04, 0.0, f + r * 1.2), 0.009, ctx.rgba),
              rod((-r - 0.04, 0.0, f + r * 1.2), (-r - 0.03, 0.0, f + r * 0.5), 0.009, ctx.rgba)]
    return parts, []


def tall_teapot(ctx: Context):
    """Tall cylindrical teapot (H 16–22 cm) with a straight spout and a side handle."""
    r, h = ctx.u(0.055, 0.07), ctx.u(0.13, 0.18)
    parts = _bands(ctx, (r, r * 0.6), (h, 0.015)) + [sphere((0.0, 0.0, h + 0.025), 0.012, ctx.rgba)]
    parts += [rod((r * 0.8, 0.0, h * 0.3), (r + 0.06, 0.0, h * 0.85), 0.011, ctx.rgba),
              rod((-r, 0.0, h * 0.85), (-r - 0.045, 0.0, h * 0.6), 0.009, ctx.rgba),
              rod((-r - 0.045, 0.0, h * 0.6), (-r, 0.0, h * 0.25), 0.009, ctx.rgba)]
    return parts, []


def squat_teapot(ctx: Context):
    """Squat cast-iron style teapot with a bail handle over the top (H 12–16 cm with the handle)."""
    r, h = ctx.u(0.07, 0.085), ctx.u(0.06, 0.08)
    parts = _bands(ctx, (r * 0.9, r, r * 0.6), (0.01, h, 0.012))
    parts += arch(0.0, -r * 0.55, r * 0.55, h + 0.01, h + ctx.u(0.05, 0.07), 0.006, TRIM)
    parts.append(rod((r * 0.9, 0.0, h * 0.3), (r + 0.04, 0.0, h * 0.9), 0.01, ctx.rgba))
    return parts, []


KITCHENWARE = (
    Asset("bowl", "small", "support", ("white", "blue", "red", "green", "yellow", "black", "beige"), None,
          density=250.0, variants=variants(shallow=shallow_bowl, deep=deep_bowl, footed=footed_bowl),
          dims=((0.14, 0.25), (0.14, 0.25), (0.05, 0.13))),
    Asset("plate", "small", "support", ("white", "blue", "beige", "black", "green"), None, density=400.0,
          variants=variants(dinner=dinner_plate, side=side_plate, square=square_plate),
          dims=((0.18, 0.28), (0.18, 0.28), (0.015, 0.022))),
    Asset("cutting board", "small", "support", ("brown", "beige", "white", "green"), None, density=700.0,
          variants=variants(rectangular=board, paddle=paddle_board, round=round_board),
          dims=((0.2, 0.35), (0.25, 0.55), (0.015, 0.032))),
    Asset("kettle", "small", "support", ("white", "black", "grey", "red", "blue"), None, density=150.0,
          variants=variants(electric=electric_kettle, stovetop=stovetop_kettle, gooseneck=gooseneck),
          dims=((0.14, 0.32), (0.12, 0.24), (0.13, 0.27))),
    Asset("toaster", "small", "support", ("white", "black", "red", "grey", "beige"), None, density=200.0,
          variants=variants(two_slot=two_slot, four_slot=four_slot, long_slot=long_slot),
          dims=((0.12, 0.24), (0.25, 0.45), (0.18, 0.215))),
    Asset("microwave", "small", "support", ("white", "black", "grey"), None, density=250.0, max_count=1,
          variants=variants(with_handle=microwave_handle, push_button=microwave_button, large=microwave_large),
          dims=((0.33, 0.45), (0.45, 0.6), (0.26, 0.36))),
    Asset("coffee maker", "small", "support", ("black", "white", "grey", "red"), None, density=200.0, max_count=1,
          variants=variants(drip=drip, espresso=espresso, pod=pod_machine),
          dims=((0.2, 0.4), (0.12, 0.32), (0.28, 0.38))),
    Asset("cooking pot", "small", "support", ("grey", "black", "red", "orange", "blue"), None, density=200.0,
          variants=variants(stock_pot=stock_pot, saucepan=saucepan, dutch_oven=dutch_oven),
          dims=((0.16, 0.3), (0.2, 0.42), (0.1, 0.27))),
    Asset("frying pan", "small", "support", ("black", "grey", "red"), None, density=300.0,
          variants=variants(skillet=skillet, grill_pan=grill_pan, crepe_pan=crepe_pan),
          dims=((0.24, 0.3), (0.4, 0.52), (0.02, 0.075))),
    Asset("teapot", "small", "support", ("white", "blue", "red", "green", "black", "yellow"), None, density=250.0,
          variants=variants(round=round_teapot, tall=tall_teapot, squat=squat_teapot),
          dims=((0.14, 0.28), (0.1, 0.18), (0.08, 0.22))),
)
