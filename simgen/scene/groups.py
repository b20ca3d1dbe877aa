"""Furniture arranged the way people arrange it: the groups of a typed room, each placed as a unit.

Before anything else stands in a typed room (every room type but ``classic``), its groups are placed:

- **wall rows**, side by side with backs to one wall, ``PIECE_GAP`` apart: a bed between its
  nightstands; a kitchen run (counters either side of the stove, the refrigerator at one end unless no
  wall is that long, a washing machine or bin at the other); a sofa with a side table and floor lamp;
- **a kitchen island** where a kitchen has bar stools: its second counter standing free (named
  ``kitchen island`` once it stands so), the stools along its back facing it;
- **the media set**: the sofa's row against a wall, the coffee table ``SEAT_GAP`` before it and the TV
  backed against the wall the sofa faces, on its axis, a walkway from the coffee table (no room for
  that: sofa, coffee table and TV alone); armchairs at the coffee table's ends. Where the room has a TV
  stand the TV stands on it (:meth:`Furnisher.on_stand`), so the stand is what goes against that wall;
- **table sets**: chairs and benches round a dining table facing it, shared between its long sides
  (then the ends; no room: two chairs, else the table alone at a wall); a desk at a wall, its chair before it;
- **reading lamps** and **dressing** (:mod:`simgen.scene.dressing`): floor lamps beside seats, beds and desks,
  rugs, ceiling lamps, and what hangs on the wall above a low piece.

A unit is drawn in batches like one piece (:mod:`simgen.scene.placement`): every member's rectangle
for each candidate is tested against the room, the keep-out zones and what is placed; the first
candidate where all fit wins (then again at half the walking clearance), else :class:`NoRoom`. What no
group takes is placed one by one (:func:`simgen.scene.layout.place_furniture`).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from simgen.scene.assets import Surface
from simgen.scene.assets_furniture import ON_STAND
from simgen.scene.catalogue import CATALOGUE
from simgen.scene.dressing import ABOVE, Dressing
from simgen.scene.layout import Placed, place_furniture
from simgen.scene.placement import (BATCHES, ELBOW_ROOM, PIECE_GAP, WALL_GAP, NoRoom, along_wall, anywhere,
                                    offset_rects, ray_to_wall, seat_slots)

SEAT_GAP = (0.35, 0.5)  # m from a sofa's front to its coffee table's edge
ARMCHAIR_GAP = 0.3  # m from a coffee table's end to an armchair turned to it
DESK_GAP = (0.05, 0.2)  # m from a desk's front to its chair
MAX_VIEW = 6.0  # m: farther than this from the sofa, a TV is not one to watch from it


class Furnisher(Dressing):
    """One typed room's furniture being placed on a :class:`~simgen.scene.placement.Floor`."""

    def __init__(self, rng: np.random.Generator, floor, items: list, walk_clearance: float, room_height: float):
        self.rng, self.floor, self.items = rng, floor, items
        self.walk, self.height = walk_clearance, room_height
        self.placed: dict[int, Placed] = {}
        self.rect_of: dict[int, int] = {}  # item index -> its floor rectangle
        self.left = list(range(len(items)))  # not yet placed, in item order

    def take(self, category: str, n: int = 99) -> list[int]:
        """Up to ``n`` unplaced items of ``category`` (claimed)."""
        got = [i for i in self.left if self.items[i].asset.category == category][:n]
        self.left = [i for i in self.left if i not in got]
        return got

    def half(self, i: int) -> tuple[float, float, float]:
        return self.items[i].half_extents

    def unit(self, sample, what: str) -> None:
        """Place the members ``sample()`` proposes: ``(members, ok)`` with members ``(item, (K, 5) rects,
        margin, wall gap)`` and ``ok`` (K,) what the unit itself demands; all members at the first fit."""
        for scale in (1.0, 0.5):  # then at half the walkway (the free-space check has the final say)
            for _ in range(BATCHES):
                members, ok = sample()
                for _, rects, margin, wall_gap in members:
                    ok = ok & self.floor.feasible(rects, margin * scale, -1, wall_gap * scale)
                hit = np.flatnonzero(ok)
                if len(hit):
                    group = len(self.floor.rects)
                    for i, rects, margin, _ in members:
                        self.put(i, rects[hit[0]], margin, group)
                    return
        raise NoRoom(what)

    def put(self, i: int, rect, margin: float, group: int, z: float | None = None) -> None:
        self.rect_of[i] = self.floor.add(rect, margin, group)
        self.placed[i] = Placed((float(rect[0]), float(rect[1]), self.half(i)[2] if z is None else z), float(rect[4]))

    def row(self, idx: list[int]):
        """Row layout of items side by side: compound half sizes and each member's (dx, dy) in its frame."""
        widths = np.array([2 * self.half(i)[1] for i in idx])
        hx = max(self.half(i)[0] for i in idx)
        hy = (widths.sum() + PIECE_GAP * (len(idx) - 1)) / 2
        dy = -hy + np.cumsum(widths + PIECE_GAP) - PIECE_GAP - widths / 2
        return hx, hy, [(self.half(i)[0] - hx, y) for i, y in zip(idx, dy)]

    def wall_row(self, idx: list[int], what: str, extra=None) -> None:
        """Place ``idx`` as one row against a wall; ``extra(base, rects)`` adds members and demands."""
        hx, hy, offsets = self.row(idx)

        def sample():
            base = along_wall(self.rng, self.floor, hx, hy)
            rects = [offset_rects(base, dx, dy, *self.half(i)[:2]) for i, (dx, dy) in zip(idx, offsets)]
            members = [(i, r, PIECE_GAP, WALL_GAP / 2) for i, r in zip(idx, rects)]
            ok = np.ones(len(base), dtype=bool)
            if extra is not None:
                more, ok = extra(base, rects)
                members += more
            return members, ok
        self.unit(sample, what)

    def bed_row(self) -> None:
        for bed in self.take("bed"):
            stands = self.take("nightstand", 2)
            self.wall_row(stands[:1] + [bed] + stands[1:], "a bed with its nightstands")

    def kitchen_run(self) -> None:
        counters, stove, fridge = self.take("kitchen counter"), self.take("stove"), self.take("refrigerator")
        if len(counters) > 1 and any(self.items[i].asset.category == "bar stool" for i in self.left):
            self.left.append(counters.pop(1))  # held back for the breakfast bar
        middle = counters[:1] + stove + counters[1:]
        run = fridge + middle + self.take("washing machine") + self.take("trash can")
        if not counters or len(run) < 2:
            self.left += run
            return
        run = run if self.rng.random() < 0.5 else run[::-1]
        # no wall long enough: the refrigerator (at an end) stands on its own, then all but the sink's counter and
        # the stove do (along other walls: an L or a galley)
        shorter = [run, [i for i in run if i not in fridge], [i for i in run if i in counters[:1] + stove]]
        for k, members in enumerate(shorter):
            try:
                self.wall_row(members, "a kitchen counter run")
            except NoRoom:
                if k == len(shorter) - 1:
                    raise
                continue
            self.left += [i for i in run if i not in members]
            return

    def breakfast_bar(self) -> None:
        """A kitchen island: a counter held back from the run, standing free, the bar stools side by side along
        its back facing it; no room: both are placed later, one by one."""
        counter, stools = self.take("kitchen counter", 1), self.take("bar stool")
        if not counter or not stools:
            self.left += counter + stools
            return
        hx, hy, _ = self.half(counter[0])
        pitch = max(2 * self.half(i)[1] for i in stools) + ELBOW_ROOM
        n = min(len(stools), max(int((2 * hy + ELBOW_ROOM) / pitch), 1))
        seated = stools[:n]
        self.left += stools[n:]

        def sample():
            base = anywhere(self.rng, self.floor, hx, hy, 0.15)
            members = [(counter[0], base, self.walk, self.walk)]
            members += [(i, offset_rects(base, -(hx + PIECE_GAP + self.half(i)[0]), (k - (n - 1) / 2) * pitch,
                                         *self.half(i)[:2]), self.walk, self.walk / 2) for k, i in enumerate(seated)]
            return members, np.ones(len(base), dtype=bool)
        try:
            self.unit(sample, "a kitchen island with its bar stools")
        except NoRoom:
            self.left += counter + seated
            return
        self.items[counter[0]] = dataclasses.replace(self.items[counter[0]], asset=CATALOGUE["kitchen island"])

    def media_set(self) -> None:
        """Sofa row against a wall, coffee table before it, TV (and stand) on the wall it faces, armchairs;
        when that finds no room, the sofa, its coffee table and the TV alone (the rest later)."""
        sofa, table = self.take("sofa", 1), self.take("coffee table", 1)
        screens = self.take("tv", 1) + self.take("tv stand", 1)
        if not sofa or not (table or screens):
            self.left += sofa + table + screens
            return
        ends = self.take("side table", 1) + self.take("floor lamp", 1)
        try:
            self.media(sofa[0], table, screens, ends)
        except NoRoom:
            self.left += ends + screens[1:]
            self.media(sofa[0], table, screens[:1], [])
        if table:
            chairs = [c for c, s in zip(self.take("armchair", 2), (1.0, -1.0)) if self.beside(c, table[0], s)]
            self.dress(table[0], table + chairs)

    def media(self, sofa: int, table: list[int], screens: list[int], ends: list[int]) -> None:
        row = (ends[:1] + [sofa] + ends[1:]) if self.rng.random() < 0.5 else (ends[1:] + [sofa] + ends[:1])
        shx, seat_gap = self.half(sofa)[0], float(self.rng.uniform(*SEAT_GAP))
        side = 1.0 if self.rng.random() < 0.5 else -1.0  # the stand's side of the TV
        sdx, sdy = self.row(row)[2][row.index(sofa)]

        def extra(base, rects):
            centre, yaw = rects[row.index(sofa)][:, :2], base[:, 4]
            f = np.column_stack([np.cos(yaw), np.sin(yaw)])
            members, ok, near = [], np.ones(len(base), dtype=bool), shx + seat_gap
            if table:
                thx, thy = self.half(table[0])[:2]
                at = offset_rects(base, sdx + shx + seat_gap + thx, sdy, thx, thy)
                members.append((table[0], at, self.walk, self.walk))
                near += 2 * thx
            if screens:
                dist, normal = ray_to_wall(self.floor, centre, f)
                ok = (np.einsum("kd,kd->k", normal, f) < -0.98) & (dist <= MAX_VIEW)
                y = 0.0
                for k, i in enumerate(screens):  # TV on the sofa's axis, its stand beside it
                    hx, hy = self.half(i)[:2]
                    y += 0 if k == 0 else side * (self.half(screens[0])[1] + PIECE_GAP + hy)
                    dx = np.where(ok, dist - WALL_GAP - hx, 0.0)
                    members.append((i, offset_rects(base, sdx + dx, sdy - y, hx, hy, np.pi), PIECE_GAP, WALL_GAP / 2))
                    ok &= dist - WALL_GAP - 2 * hx - near >= self.walk
            return members, ok
        self.wall_row(row, "a sofa facing a TV", extra)

    def on_stand(self, tvs: list[int]) -> None:
        """Each TV made to stand on a TV stand on top of a placed one (:func:`~simgen.scene.assets_rooms.fitted`
        draws that shape only for a room with a stand, and every drawn piece stands or the layout is redrawn),
        centred along it, its back at the back of the stand's top; the top keeps room for small things only
        either side of the TV."""
        stands = [i for i in self.placed if self.items[i].asset.category == "tv stand"]
        for tv, stand in zip(tvs, stands):
            top = self.items[stand].surfaces[0]
            hx, hy, hz = self.half(tv)
            x = top.center[0] - top.half_size[0] + hx
            rect = offset_rects(self.floor.rects[self.rect_of[stand]][None, :], x, top.center[1], hx, hy)[0]
            self.put(tv, rect, PIECE_GAP, self.group_of(stand), self.placed[stand].position[2] + top.center[2] + hz)
            self.beside_tv(stand, top.center[1] - hy - PIECE_GAP, top.center[1] + hy + PIECE_GAP)

    def beside_tv(self, stand: int, y0: float, y1: float) -> None:
        """Cut the span ``y0``..``y1`` (the stand's frame) out of ``stand``'s surfaces; pieces under 10 cm go."""
        inst, keep = self.items[stand], []
        for s in inst.surfaces:
            lo, hi = s.center[1] - s.half_size[1], s.center[1] + s.half_size[1]
            for a, b in ((lo, min(hi, y0)), (max(lo, y1), hi)):
                if b - a >= 0.1:
                    keep.append(Surface((s.center[0], (a + b) / 2, s.center[2]), (s.half_size[0], (b - a) / 2),
                                        s.clearance))
        self.items[stand] = dataclasses.replace(inst, surfaces=tuple(keep))

    def beside(self, chair: int, table: int, s: float) -> bool:
        """An armchair at the ``s`` (+1/−1 along y) end of the coffee table, facing it (else left for later)."""
        t = self.floor.rects[self.rect_of[table]][None, :]
        hx, hy = self.half(chair)[:2]
        rect = offset_rects(t, 0.0, s * (t[0, 3] + ARMCHAIR_GAP + hx), hx, hy, -s * np.pi / 2)
        if self.floor.feasible(rect, self.walk, self.group_of(table), self.walk / 2)[0]:
            self.put(chair, rect[0], self.walk, self.group_of(table))
            return True
        self.left.append(chair)
        return False

    def table_set(self) -> None:
        """Dining chairs and benches around each dining table (or plain table), facing it (the first takes all)."""
        for table in self.take("dining table") + self.take("table"):
            seats = self.take("dining chair") + self.take("bench") + self.take("chair")
            for at in (seats, seats[:2], []):  # no room for all: a chair each side, else the table at a wall
                try:
                    seated = self.seat(table, at)
                    break
                except NoRoom:
                    if not at:
                        raise
            self.left += [i for i in seats if i not in seated]
            self.dress(table, [table] + seated)

    def seat(self, table: int, seats: list[int]) -> list[int]:
        """Place ``table`` with ``seats`` round it (those it has room for; returned), or alone against a wall."""
        thx, thy = self.half(table)[:2]
        slots, unseated = seat_slots(thx, thy, [self.half(i) for i in seats])
        seated = [seats[k] for k in range(len(seats)) if k not in unseated]

        def sample():
            if not seats:
                base = along_wall(self.rng, self.floor, thx, thy)
                return [(table, base, PIECE_GAP, WALL_GAP / 2)], np.ones(len(base), dtype=bool)
            base = anywhere(self.rng, self.floor, thx, thy, 0.15)
            members = [(table, base, self.walk, self.walk)]
            members += [(i, offset_rects(base, *s, *self.half(i)[:2], a), self.walk, self.walk / 2) for i, (*s, a) in
                        zip(seated, slots)]
            return members, np.ones(len(base), dtype=bool)
        self.unit(sample, "a dining table with its chairs")
        return seated

    def desk_set(self) -> None:
        for desk, chair in zip(self.take("desk"), self.take("office chair", 1) + [None]):
            if chair is None:
                self.left.append(desk)
                continue
            gap, dhx = float(self.rng.uniform(*DESK_GAP)), self.half(desk)[0]
            chx, chy = self.half(chair)[:2]
            self.wall_row([desk], "a desk with its chair", lambda b, r: (
                [(chair, offset_rects(b, dhx + gap + chx, 0.0, chx, chy, np.pi), self.walk, WALL_GAP / 2)],
                np.ones(len(b), dtype=bool)))

    def one_by_one(self) -> None:
        """Place what is left, one piece at a time (:func:`~simgen.scene.layout.place_furniture`)."""
        rest, self.left, start = sorted(self.left), [], len(self.floor.rects)
        for k, p in place_furniture(self.rng, self.floor, [self.items[i] for i in rest], self.walk).items():
            self.placed[rest[k]] = p  # placed in its own order: its rectangle is the one centred where it stands
            self.rect_of[rest[k]] = start + np.flatnonzero((self.floor.rects[start:, :2] == p.position[:2]).all(1))[0]

    def top(self, i: int) -> float:  # of a placed item
        return self.placed[i].position[2] + self.half(i)[2]

    def group_of(self, i: int) -> int:  # of a placed item
        return int(self.floor.groups[self.rect_of[i]])



def arrange(rng: np.random.Generator, floor, items: list, walk_clearance: float, room_height: float):
    """Place a typed room's furniture: its groups (largest first), then the rest one by one; returns placements.

    Wall-hung pieces placed above a low piece come back at their lowest height (:func:`~simgen.scene.layout.hang`
    may raise them)."""
    f = Furnisher(rng, floor, items, walk_clearance, room_height)
    hung = f.take("ceiling lamp") + [i for c in ABOVE for i in f.take(c)]  # once what they go over stands
    tvs = [i for i in f.left if items[i].asset.category == "tv" and items[i].variant == ON_STAND]
    f.left = [i for i in f.left if i not in tvs]  # once their stand stands
    steps = (f.kitchen_run, f.breakfast_bar, f.bed_row, f.media_set, f.table_set, f.desk_set, f.lamp_beside,
             f.one_by_one)
    for step in steps:
        step()
    f.on_stand(tvs)
    f.left = hung
    for step in (f.lamp, f.hang_above, f.one_by_one):
        step()
    return f.placed
