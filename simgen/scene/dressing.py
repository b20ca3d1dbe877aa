"""Dressing a typed room once its groups stand: reading lamps, rugs, ceiling lamps, what hangs above a piece.

:class:`Dressing` is the part of :class:`simgen.scene.groups.Furnisher` that goes with pieces already placed
(it uses the furnisher's floor, items, placements and helpers):

- **reading lamps**: a floor lamp the sofa's row did not take at the side of an armchair, a bed's
  nightstand, a desk or the sofa, backs in line;
- **rugs**: under the coffee or dining table (what stands on it raised by its thickness);
- **ceiling lamps**: over a table or bed, ``ABOVE_GAP`` clear of what is under it;
- **on the wall above a low piece** (a vanity, sofa, bed, sideboard): a mirror, picture or clock; the
  piece's support surfaces then start clear of it, so nothing set on them stands into it.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from simgen.scene.assets import Surface
from simgen.scene.layout import CEILING_GAP, Placed
from simgen.scene.placement import PIECE_GAP, WALL_GAP, offset_rects, rects_clear

ABOVE_GAP = 0.1  # m between a piece's top and what hangs above it
ABOVE = {"mirror": ("sink cabinet", "dresser", "sideboard"), "wall art": ("sofa", "bed", "sideboard", "dresser"),
         "wall clock": ("sideboard", "kitchen counter")}  # what hangs on the wall above which low pieces
LAMP_OVER = ("dining table", "coffee table", "table", "bed")
LAMP_BESIDE = ("armchair", "nightstand", "desk", "sofa")  # a floor lamp the sofa's row did not take stands beside one


class Dressing:
    """The dressing steps of a :class:`~simgen.scene.groups.Furnisher` (a mixin: it holds no state of its own)."""

    def lamp_beside(self) -> None:
        """Floor lamps at the side of an armchair, a bed's nightstand, a desk or the sofa (``PIECE_GAP`` off it,
        backs in line: a reading lamp), the first that has room, a side drawn for each; else later, one by one."""
        for lamp in self.take("floor lamp"):
            hx, hy, _ = self.half(lamp)
            for i in [i for c in LAMP_BESIDE for i in self.placed if self.items[i].asset.category == c]:
                t = self.floor.rects[self.rect_of[i]][None, :]
                side = 1.0 if self.rng.random() < 0.5 else -1.0
                rects = np.vstack([offset_rects(t, hx - t[0, 2], s * (t[0, 3] + PIECE_GAP + hy), hx, hy)
                                   for s in (side, -side)])
                ok = np.flatnonzero(self.floor.feasible(rects, PIECE_GAP, self.group_of(i), WALL_GAP / 2))
                if len(ok):
                    self.put(lamp, rects[ok[0]], PIECE_GAP, self.group_of(i))
                    break
            else:
                self.left.append(lamp)

    def dress(self, table: int, on: list[int]) -> None:
        """A rug under ``table`` (all of ``on`` that it reaches raised onto it)."""
        rug = self.take("rug", 1)
        if not rug:
            return
        t = self.floor.rects[self.rect_of[table]]
        hx, hy, hz = self.half(rug[0])
        yaw = t[4] + (0.0 if t[3] >= t[2] else np.pi / 2)  # long side along the table's
        rect = np.array([[t[0], t[1], hx, hy, yaw]])
        mine = [self.rect_of[i] for i in on]
        if not self.floor.feasible(rect, PIECE_GAP, -1, WALL_GAP, overlap=mine)[0]:
            self.left += rug
            return
        self.put(rug[0], rect[0], PIECE_GAP, self.group_of(table))
        for i in on:
            if not rects_clear(rect, self.floor.rects[self.rect_of[i]], 0.0)[0, 0]:
                p = self.placed[i]
                self.placed[i] = Placed((p.position[0], p.position[1], p.position[2] + 2 * hz), p.yaw)

    def lamp(self) -> None:
        """A ceiling lamp centred over the first table (or bed) it clears by ``ABOVE_GAP``."""
        for lamp in self.take("ceiling lamp"):
            hx, hy, hz = self.half(lamp)
            bottom = self.height - 2 * hz
            for i in [i for c in LAMP_OVER for i in self.placed if self.items[i].asset.category == c]:
                t = self.floor.rects[self.rect_of[i]]
                rect = np.array([[t[0], t[1], hx, hy, t[4]]])
                hit = ~rects_clear(rect, self.floor.rects, 0.0)[0]  # what stands under it: all ours, low enough
                under = [j for j, r in self.rect_of.items() if hit[r]]
                if hit.sum() == len(under) and all(self.top(j) + ABOVE_GAP <= bottom for j in under):
                    self.put(lamp, rect[0], PIECE_GAP, self.group_of(i), self.height - hz)
                    break
            else:
                self.left.append(lamp)

    def clear_under(self, a: int, depth: float) -> None:
        """Start ``a``'s support surfaces ``depth`` off its back: what hangs on the wall above it reaches that far
        out, and a lamp on a dresser's back edge would stand into the mirror."""
        inst = self.items[a]
        back, surfaces = depth - inst.half_extents[0], []
        for s in inst.surfaces:
            x0, x1 = max(s.center[0] - s.half_size[0], back), s.center[0] + s.half_size[0]
            if x1 > x0:
                surfaces.append(Surface(((x0 + x1) / 2, *s.center[1:]), ((x1 - x0) / 2, s.half_size[1]), s.clearance))
        self.items[a] = dataclasses.replace(inst, surfaces=tuple(surfaces))

    def hang_above(self) -> None:
        """Mirrors, pictures and clocks on the wall above a low piece, back to the same wall (else later)."""
        used = set()
        for i in [i for c in ABOVE for i in self.take(c)]:
            hx, hy, hz = self.half(i)
            for a in [a for c in ABOVE[self.items[i].asset.category] for a in self.placed
                      if self.items[a].asset.category == c and a not in used]:
                t, ahx = self.floor.rects[self.rect_of[a]][None, :], self.half(a)[0]
                y = float(self.rng.uniform(-1, 1)) * max(self.half(a)[1] - hy, 0.0)
                rect = offset_rects(t, hx - ahx, y, hx, hy)
                fits = self.top(a) + ABOVE_GAP + 2 * hz <= self.height - CEILING_GAP
                if fits and self.floor.feasible(rect, PIECE_GAP, -1, WALL_GAP / 2, overlap=[self.rect_of[a]])[0]:
                    used.add(a)
                    self.put(i, rect[0], PIECE_GAP, self.group_of(a), self.top(a) + ABOVE_GAP + hz)
                    self.clear_under(a, 2 * hx + PIECE_GAP)
                    break
            else:
                self.left.append(i)
