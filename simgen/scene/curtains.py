"""Curtains at a house's windows, made to each window's measure.

Once the windows are in the walls (:func:`simgen.scene.floorplan.draw_windows`), a window of a room
whose type hangs curtains (:attr:`~simgen.scene.assets_rooms.RoomType.curtains`, the chance per window)
gets a curtain: its rod ``ROD_ABOVE`` over the window's top (``CEILING_GAP`` under the ceiling at most),
reaching ``OVERHANG`` past each side, its back ``WALL_GAP`` off the wall, its box at most ``DEPTH`` deep.
What stands in that strip of wall decides the rest, seen in the wall's frame:

- anything reaching to within ``CLEAR`` of the window's bottom or above (a wardrobe beside the window, a
  picture, a door's keep-out zone, another curtain) shortens the rod on its side to ``CLEAR`` from it; in
  front of the window itself (a vase on a low dresser) it leaves the window bare;
- what stands lower (a bed's headboard, a sofa, a cushion on the floor) makes it a sill-length curtain,
  ending ``APRON`` under the sill or ``CLEAR`` above the tallest of them; else it hangs to ``FLOOR_GAP``
  above the floor.

A curtain is furniture: static in every simulator (mass 0), like the pictures on the walls, so physics
never moves it. Draws come from one stream for the house, window by window, always the same number per
window (a bare window draws as many), so one room's contents never change another's curtains.
"""
from __future__ import annotations

import math

import numpy as np

from simgen.scene.catalogue import CATALOGUE, draw_variant, instantiate
from simgen.scene.floorplan import EXTERIOR_WALL
from simgen.scene.layout import CEILING_GAP, Placed
from simgen.scene.placement import PIECE_GAP, WALL_GAP

ROD_ABOVE = (0.08, 0.2)  # m between the window's top and the rod's top
OVERHANG = (0.1, 0.25)  # m the rod reaches past each side of the window
DEPTH = 0.12  # m: the deepest curtain's box (a valance)
CLEAR = 0.02  # m kept between a curtain and anything beside or under it
FLOOR_GAP = 0.01  # m between a floor-length curtain and the floor
APRON = 0.1  # m a sill-length curtain reaches below the sill


def hang_curtains(gen: np.random.Generator, room, windows, items: list, placed: dict[int, Placed], zones,
                  chance: float, color_variation: float, ceiling: float) -> None:
    """Append to ``items`` / ``placed`` the curtains of one room's ``windows`` (its door ``zones`` are rectangles
    ``(cx, cy, hx, hy, yaw)`` kept free)."""
    item = CATALOGUE["curtain"]
    centre = np.mean(room.footprint, axis=0)
    for o in windows:
        hang, variant = gen.random() < chance, draw_variant(item, gen)
        over, above = gen.uniform(*OVERHANG, 2), float(gen.uniform(*ROD_ABOVE))
        own = gen.spawn(1)[0]  # the instance's draws (colour, panels): as many per window whether it hangs or not
        if not hang:
            continue
        a, b = np.asarray(o.start, dtype=float), np.asarray(o.end, dtype=float)
        length = float(np.linalg.norm(b - a))
        u = (b - a) / length
        n = np.array([-u[1], u[0]])
        n = n if np.dot(centre - a, n) > 0 else -n  # into the room
        face = a + n * EXTERIOR_WALL / 2  # the window's start on the wall's inner face
        top = min(o.top + above, ceiling - CEILING_GAP)
        span = _span(_boxes(items, placed, zones), room.footprint, face, u, n, length, over, o.bottom, top)
        if span is None:
            continue
        lo, hi, bottom = span
        inst = instantiate(item, own, color_variation, ceiling, 0.0, variant, fit=(hi - lo, top - bottom))
        hx, _, hz = inst.half_extents
        at = face + u * (lo + hi) / 2 + n * (WALL_GAP + hx)
        placed[len(items)] = Placed((float(at[0]), float(at[1]), bottom + hz), math.atan2(n[1], n[0]))
        items.append(inst)


def _boxes(items, placed: dict[int, Placed], zones) -> list[tuple[np.ndarray, float, float]]:
    """Everything in the room as (corners seen from above (4, 2), bottom, top); door zones reach up forever."""
    out = [(_corners(p.position[:2], items[i].half_extents[:2], p.yaw), p.position[2] - items[i].half_extents[2],
            p.position[2] + items[i].half_extents[2]) for i, p in placed.items()]
    return out + [(_corners((cx, cy), (hx, hy), yaw), 0.0, math.inf) for cx, cy, hx, hy, yaw in zones]


def _span(boxes, footprint, face, u, n, length: float, over, sill: float, top: float):
    """(start, end, bottom): the curtain's ends along the wall (m from the window's start) and its bottom height;
    None when something reaching above the ``sill`` stands in front of the window."""
    along_room = (np.asarray(footprint) - face) @ u
    lo, hi = max(-over[0], along_room.min() + PIECE_GAP), min(length + over[1], along_room.max() - PIECE_GAP)
    low = []  # (start, end, top) of what stands under the curtain's strip
    for corners, z0, z1 in boxes:
        along, depth = (corners - face) @ u, (corners - face) @ n
        if depth.min() >= WALL_GAP + DEPTH + CLEAR or z0 >= top + CLEAR:
            continue  # clear of the curtain's strip of wall
        s0, s1 = along.min() - CLEAR, along.max() + CLEAR
        if z1 + CLEAR <= sill:
            low.append((s0, s1, z1))
        elif s1 <= 0.0:
            lo = max(lo, s1)
        elif s0 >= length:
            hi = min(hi, s0)
        else:
            return None
    under = [z1 + CLEAR for s0, s1, z1 in low if s0 < hi and s1 > lo]
    bottom = max(under + [sill - APRON]) if under else FLOOR_GAP  # a curtain is floor- or sill-length
    return float(lo), float(hi), float(bottom)


def _corners(xy, half, yaw: float) -> np.ndarray:
    """(4, 2): the corners of an upright box seen from above."""
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([(xy[0] + c * x - s * y, xy[1] + s * x + c * y) for x in (-half[0], half[0])
                     for y in (-half[1], half[1])])
