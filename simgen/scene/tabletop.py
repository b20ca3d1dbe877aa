"""The tabletop scene builder (scene builder ``tabletop``): one table in a room, small things on it.

A table (``table``: a dining table, coffee table, plain table, desk or kitchen counter from the
catalogue, or one drawn by the seed) stands in a room sized around it: free-standing kinds in the
middle with a walkway of ``walkway_m`` all round, desks and counters against a wall with the walkway
in front. It holds ``num_objects`` small things of the :data:`TABLETOP_SMALL` pool (mugs, books,
bowls, toys, kitchenware …), ``spacing_m`` or more apart so each can be told from its neighbours
(``layout.place_small`` on the table's surfaces only), and ``num_furniture`` pieces of
:data:`CONTEXT` furniture stand by the walls, beyond the walkway, so the views look like a room.
Every random choice comes from ``seeding.rng(seed, shard, scene_index, "scene…")``; a draw whose
objects do not all fit on the table is re-drawn up to ``max_attempts`` times. The ``tabletop``
trajectory films it (``simgen/trajectories/tabletop.py``).
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

from simgen.registry import SCENE_BUILDERS, ConfigError, setting
from simgen.scene import composition
from simgen.scene.assets_rooms import LOOKALIKES
from simgen.scene.assets import COLORS
from simgen.scene.catalogue import CATALOGUE, MAX_SIZE_VARIATION, draw_variant, instantiate
from simgen.scene.layout import Placed, check_free_space, place_furniture, place_small
from simgen.scene.placement import WALL_GAP, Floor, NoRoom
from simgen.scene.procedural import PlacementError, object_spec
from simgen.scene.room import sample_lighting, sample_room
from simgen.seeding import rng
from simgen.types import SceneSpec

TABLES = ("dining table", "coffee table", "table", "desk", "kitchen counter")  # free-standing first, then wall kinds
TABLE_CHOICES = ("random",) + TABLES
# small things a table holds, with their weights: none over ~35 cm across, no two lookalikes, no teddy bear (it
# leans while settling), no toy duck (6-11 cm of rounded mesh: 0.5 m away, the nearest a view comes, it fills
# less than the visibility model's clear level of the frame)
TABLETOP_SMALL = {"mug": 1.5, "book": 1.2, "bowl": 1.2, "bottle": 1.0, "alarm clock": 0.8,
                  "vase": 0.8, "plate": 0.8, "bunny figurine": 0.6, "kettle": 0.6, "picture frame": 0.6, "ball": 0.6,
                  "box": 0.4}
# pairs a viewer mixes up seen close together on one table (a vase's "bowl" shape is a bowl): one of each is left out
TABLE_LOOKALIKES = ({"bowl", "vase"},)
# furniture by the walls for context (floor-standing, none a table's lookalike is kept with it)
CONTEXT = {"bookshelf": 1.0, "sideboard": 1.0, "plant": 1.0, "floor lamp": 0.8, "armchair": 0.8, "cabinet": 0.6,
           "refrigerator": 0.4, "trash can": 0.6, "tv stand": 0.5}
FURNITURE_DEPTH_M = 0.75  # room kept between the walkway and each wall for the context furniture
ROOM_EXTRA_M = 0.8  # each room side grows by up to this much (seeded) beyond what the table needs
TABLE_JITTER_M = 0.2  # a free-standing table stands up to this far off the room's centre
TABLE_YAW_JITTER = 0.1  # rad a free-standing table turns off the walls' axes
OBJECT_FOOTPRINT_M = 0.16  # typical side of a small thing's footprint (for the capacity check)
CAMERA_CLEARANCE_M, MIN_FREE_FRACTION = 0.3, 0.2  # the free floor a camera walks: as procedural's defaults
PACKING = 0.6  # share of a table top random placement fills before it runs out of room
MIN_CONTRAST = 0.35  # RGB distance between a small thing's colour name and the table's (white on beige: 0.34)
TOP_SAMPLES = 64  # tables of a kind drawn to find the largest top it offers
TABLE_DRAWS = 20  # tables drawn per layout attempt before the attempt is given up


@dataclass(frozen=True)
class TabletopConfig:
    """Knobs of a tabletop scene (lengths in metres; fractions in 0..1)."""

    table: str = setting("random", choices=TABLE_CHOICES)  # which table holds the objects (random: by the seed)
    num_objects: int = setting(8, ge=1, le=20)  # small things on the table
    spacing_m: float = setting(0.05, ge=0.01, le=0.1)  # least gap between two things on the table
    num_categories: int = setting(8, ge=1)  # at most this many distinct categories among them
    duplicates_per_category: int = setting(2, ge=1)  # instances of a duplicated category
    duplicate_fraction: float = setting(0.3, ge=0.0, le=1.0)  # chance that a category is duplicated
    size_variation: float = setting(0.2, ge=0.0, le=MAX_SIZE_VARIATION)  # each thing scaled by up to ± this
    color_variation: float = setting(0.7, ge=0.0, le=1.0)  # chance of a non-default colour, and colour jitter
    num_furniture: int = setting(3, ge=0, le=6)  # context pieces by the walls
    walkway_m: float = setting(1.0, ge=0.7, le=2.0)  # free floor around the table (the camera walks there)
    room_height: float = setting(2.6, ge=2.4, le=6.0)
    lighting_variation: float = setting(0.3, ge=0.0, le=1.0)
    max_attempts: int = setting(30, ge=1)

    def validate(self, where: str = "scene") -> None:
        """What ranges cannot say: the objects must fit on the largest top of the table kind asked for."""
        cap = max(self.capacity(top_area(k)) for k in self.kinds())
        if self.num_objects > cap:
            kind = "any table" if self.table == "random" else f"a {self.table}"
            raise ConfigError(f"{where}.num_objects={self.num_objects}: {kind} holds at most {cap} small objects "
                              f"{self.spacing_m} m apart; lower it or scene.spacing_m, or pick a larger scene.table")

    def kinds(self) -> tuple[str, ...]:
        """The table kinds this config may draw."""
        return TABLES if self.table == "random" else (self.table,)

    def capacity(self, area: float) -> int:
        """How many small things a table top of ``area`` m² holds ``spacing_m`` apart."""
        return int(PACKING * area / (OBJECT_FOOTPRINT_M + self.spacing_m) ** 2)


@functools.cache
def top_area(kind: str) -> float:
    """The largest usable top (m², its surfaces summed) of ``TOP_SAMPLES`` tables of ``kind`` drawn with a
    fixed generator: what the kind can offer at most, for the capacity check."""
    gen = np.random.default_rng(0)
    return max(surface_area(instantiate(CATALOGUE[kind], gen, 0.0, 2.6, 0.0, draw_variant(CATALOGUE[kind], gen)))
               for _ in range(TOP_SAMPLES))


def named_rgb(asset, color: str) -> tuple[float, float, float]:
    """The RGB of one of ``asset``'s colour names (its tint, if it has one)."""
    return asset.tints.get(color, COLORS[color])


def surface_area(inst) -> float:
    """The summed area (m²) of an instance's support surfaces."""
    return sum(4.0 * s.half_size[0] * s.half_size[1] for s in inst.surfaces)


@SCENE_BUILDERS.register("tabletop", config=TabletopConfig)
class TabletopBuilder:
    """Builds seeded tabletop scenes from a :class:`TabletopConfig`."""

    def __init__(self, config: TabletopConfig):
        self.config = config

    def build(self, seed: int, shard: int, scene_index: int) -> SceneSpec:
        """The scene for (seed, shard, scene_index): same inputs, identical SceneSpec."""
        cfg = self.config
        gen = rng(seed, shard, scene_index, "scene")
        last = None
        for _ in range(cfg.max_attempts):
            try:
                kind, table = self._table(gen)
                room, items, placed = self._attempt(gen, kind, table, rng(seed, shard, scene_index, "scene/room"))
                break
            except NoRoom as e:
                last = e.what
        else:
            raise PlacementError(
                f"scene {seed}/{shard}/{scene_index}: no tabletop layout in {cfg.max_attempts} attempts (last: no room "
                f"for {last}); lower scene.num_objects / scene.spacing_m / scene.num_furniture")
        lighting = sample_lighting(rng(seed, shard, scene_index, "scene/lighting"), cfg.lighting_variation)
        objects = tuple(object_spec(i, items, placed) for i in range(len(items)))
        complexity = {**dataclasses.asdict(cfg), "table_drawn": kind,
                      "num_small_objects": sum(o.kind == "small" for o in objects),
                      "source": {"builder": "tabletop", "seed": seed, "shard": shard, "scene_index": scene_index}}
        return SceneSpec(f"tabletop-s{seed}-sh{shard}-{scene_index:04d}", seed, room, objects, lighting, complexity)

    def _table(self, gen):
        """A table (kind, instance) whose top holds ``num_objects``: re-drawn up to ``TABLE_DRAWS`` times."""
        cfg = self.config
        kinds = [k for k in cfg.kinds() if cfg.capacity(top_area(k)) >= cfg.num_objects]
        for _ in range(TABLE_DRAWS):
            kind = kinds[int(gen.integers(len(kinds)))]
            table = instantiate(CATALOGUE[kind], gen, cfg.color_variation, cfg.room_height, 0.0,
                                draw_variant(CATALOGUE[kind], gen))
            if cfg.capacity(surface_area(table)) >= cfg.num_objects:
                return kind, table
        raise NoRoom(f"{cfg.num_objects} small objects on a {' or '.join(kinds)} top")

    def _attempt(self, gen, kind: str, table, room_gen):
        """One draw around ``table``: a room, context furniture by the walls, small things on the table."""
        cfg = self.config
        hx, hy, hz = table.half_extents
        by_wall = CATALOGUE[kind].placement == "wall"
        # the room's width (x) runs along the table's world x extent; a table by a wall turns its back to y = 0
        yaw = 0.0
        if not by_wall:
            yaw = float(gen.integers(2)) * math.pi / 2 + gen.uniform(-TABLE_YAW_JITTER, TABLE_YAW_JITTER)
        along, across = (hy, hx) if by_wall or abs(math.sin(yaw)) > 0.5 else (hx, hy)
        ring = cfg.walkway_m + FURNITURE_DEPTH_M
        width = 2.0 * along + 2.0 * ring + gen.uniform(0.0, ROOM_EXTRA_M)
        depth = (2.0 * across + ring if by_wall else 2.0 * across + 2.0 * ring) + gen.uniform(0.0, ROOM_EXTRA_M)
        room = sample_room(room_gen, "rect", round(width, 3), round(depth, 3), cfg.room_height, 0.0,
                           cfg.color_variation)
        floor = Floor(room.footprint)
        if by_wall:
            rect = (width / 2 + gen.uniform(-TABLE_JITTER_M, TABLE_JITTER_M), hx + WALL_GAP, hx, hy, math.pi / 2)
        else:
            rect = (width / 2 + gen.uniform(-TABLE_JITTER_M, TABLE_JITTER_M),
                    depth / 2 + gen.uniform(-TABLE_JITTER_M, TABLE_JITTER_M), hx, hy, yaw)
        floor.add(np.array(rect), cfg.walkway_m)
        items = [table]
        placed = {0: Placed((rect[0], rect[1], hz), rect[4])}
        context = self._context(gen, kind)
        items += [instantiate(a, gen, cfg.color_variation, cfg.room_height, 0.0, draw_variant(a, gen)) for a in context]
        for i, p in place_furniture(gen, floor, items[1:], cfg.walkway_m).items():
            placed[i + 1] = p
        check_free_space(floor, CAMERA_CLEARANCE_M, MIN_FREE_FRACTION)  # the walkway round the table is open
        left_out = {sorted(pair)[int(gen.integers(2))] for pair in TABLE_LOOKALIKES}  # one of each pair, by the seed
        pool = [dataclasses.replace(CATALOGUE[c], weight=w) for c, w in TABLETOP_SMALL.items() if c not in left_out]
        small = composition.choose(gen, pool, cfg.num_objects, cfg.num_categories, cfg.duplicates_per_category,
                                   cfg.duplicate_fraction)
        start = len(items)
        items += [self._standing_out(gen, a, table) for a in small]
        # a gap of spacing_m: place_small's gap is (1 − d) · 10 cm + d · 1 cm for clutter density d
        density = (0.10 - cfg.spacing_m) / 0.09
        on_table, left = place_small(gen, items, list(range(start, len(items))), {0: placed[0]}, density, 0.0)
        if left:
            raise NoRoom(f"{len(left)} of {len(small)} small objects on the {kind}")
        placed.update(on_table)
        return room, items, placed

    def _standing_out(self, gen, item, table):
        """An instance of ``item`` in one of its colours that stand ``MIN_CONTRAST`` or more from the
        table's (no black bowl on a black desk); in any of its colours if none does."""
        cfg = self.config
        under = named_rgb(table.asset, table.color)
        far = tuple(c for c in item.colors if np.linalg.norm(np.subtract(named_rgb(item, c), under)) >= MIN_CONTRAST)
        item = dataclasses.replace(item, colors=far or item.colors)
        return instantiate(item, gen, cfg.color_variation, cfg.room_height, cfg.size_variation, draw_variant(item, gen))

    def _context(self, gen, kind: str) -> list:
        """``num_furniture`` context assets, none a lookalike of the table (weighted draw, no repeats)."""
        unlike = set().union(*(group for group in LOOKALIKES if kind in group))
        pool = [dataclasses.replace(CATALOGUE[c], weight=w) for c, w in CONTEXT.items() if c not in unlike]
        return composition.weighted_order(gen, pool)[: self.config.num_furniture]

