"""The house builder (scene builder ``house``): a seeded floor plan of typed rooms, each furnished.

``HouseConfig`` holds the knobs; :class:`HouseBuilder` draws the room types (stream ``scene/types``),
the plan (``scene/floorplan``, :mod:`simgen.scene.floorplan`), the shell's colours and the light,
then furnishes each room on its own stream (``scene/room<k>``) with the procedural room machinery
(:meth:`ProceduralBuilder.furnish` with the room's type; counts from its area), nothing in front of
a doorway (``DOOR_ZONE`` m on both sides); then the windows (``scene/windows``) go where no furniture
taller than the sill stands at the outside wall, and curtains hang at some of them (``scene/curtains``,
:mod:`simgen.scene.curtains`), after their room's objects. Object ids run over the whole house room by room,
names are numbered per category in id order. ``complexity`` records the knobs, the
effective counts, each room's type, area and contents, and ``source``, so :func:`rebuild` gives the
same scene. A room whose layout fails ``max_attempts`` times (no room, or a doorway cut off from the
room's walkway) is furnished with one piece less (and proportionally fewer small objects) until it
fits; its effective counts are recorded.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass

import numpy as np

from simgen.geometry import obb_footprint, polygon_area, quat_from_yaw, quat_to_matrix, wrap_angle
from simgen.registry import SCENE_BUILDERS, ConfigError, parse_config, setting
from simgen.scene.assets_rooms import ROOM_TYPES as FURNISHINGS
from simgen.scene.catalogue import MAX_SIZE_VARIATION
from simgen.scene.curtains import hang_curtains
from simgen.scene.floorplan import INTERIOR_WALL, ROOM_TYPES, draw_plan, draw_types, draw_windows
from simgen.scene.freespace import free_space
from simgen.scene.layout import FREE_RESOLUTION, Placed
from simgen.scene.placement import NoRoom
from simgen.scene.procedural import (AREA_PER_PIECE, SMALL_PER_M2, PlacementError, ProceduralBuilder, ProceduralConfig,
                                     object_spec)
from simgen.scene.room import sample_lighting, sample_room
from simgen.seeding import rng
from simgen.types import SceneSpec

DOOR_ZONE = 0.8  # m in front of each side of a doorway kept free of anything placed
DOOR_ZONE_SIDE = 0.1  # m the zone reaches past each jamb
CORRIDOR_SHARE = 0.4  # a hallway is a corridor: this share of the furniture and small objects per m² of other rooms
ROOM_WEIGHTS = {"bedroom": 3.0, "bathroom": 1.0, "office": 1.5, "dining": 1.5, "hallway": 1.0}


@dataclass(frozen=True)
class HouseConfig:
    """Knobs of a procedural house (lengths in metres, areas in m², fractions in 0..1)."""

    num_rooms: int = setting(4, ge=1, le=8)
    house_area: float | None = setting(None, ge=8.0, le=400.0)  # floor inside the outside walls; null: the rooms' sizes
    room_types: tuple | None = None  # each room's type, num_rooms of them; null: living, bedroom, kitchen, bathroom, then drawn
    room_weights: dict = setting(ROOM_WEIGHTS)  # weights of the types drawn after the first four rooms
    door_width: float = setting(0.9, ge=0.7, le=1.4)
    door_height: float = setting(2.05, ge=1.9, le=2.5)
    extra_doors: float = setting(0.3, ge=0.0, le=1.0)  # chance of a second door between two rooms one walks through
    window_width: float = setting(1.2, ge=0.4, le=3.0)  # drawn ± 15% per window (a bathroom's is small and high)
    window_sill: float = setting(0.9, ge=0.0, le=1.5)
    window_top: float = setting(2.1, ge=1.0, le=5.8)
    ceiling_height: float = setting(2.6, ge=2.4, le=6.0)
    # 0.6: a 12 m² bedroom holds its bed, nightstands and 4 more pieces; a room's core furniture comes anyway
    furniture_per_m2: float = setting(0.6, ge=0.0, le=1.0 / AREA_PER_PIECE)
    small_per_m2: float = setting(2.5, ge=0.0, le=SMALL_PER_M2)  # drawn; those no surface takes are left out
    # small objects by the surfaces that stand (0..1 of groups.SMALL_PER_SURFACE_M2 per m²) in place of small_per_m2
    clutter: float | None = setting(None, ge=0.0, le=1.0)
    clutter_density: float = setting(0.5, ge=0.0, le=1.0)
    floor_fraction: float = setting(0.2, ge=0.0, le=1.0)
    size_variation: float = setting(0.3, ge=0.0, le=MAX_SIZE_VARIATION)
    color_variation: float = setting(0.7, ge=0.0, le=1.0)
    lighting_variation: float = setting(0.3, ge=0.0, le=1.0)
    walk_clearance: float = setting(0.6, ge=0.0, le=1.5)
    camera_clearance: float = setting(0.3, ge=0.0, le=1.5)
    min_free_fraction: float = setting(0.2, ge=0.0, le=1.0)
    num_categories: int = setting(12, ge=2)  # per room
    duplicates_per_category: int = setting(2, ge=1)
    duplicate_fraction: float = setting(0.3, ge=0.0, le=1.0)
    max_attempts: int = setting(10, ge=1)  # layouts drawn per room before it gets one piece less

    def validate(self, where: str = "scene") -> None:
        """What ranges cannot say: the type list, the weights, the area per room, openings under the ceiling."""
        def bad(key, msg):
            raise ConfigError(f"{where}.{key}={getattr(self, key)!r}: {msg}")

        if self.room_types is not None:
            if not isinstance(self.room_types, tuple) or len(self.room_types) != self.num_rooms:
                bad("room_types", f"expected a list of num_rooms={self.num_rooms} room types or null")
            for t in self.room_types:
                if t not in ROOM_TYPES:
                    bad("room_types", f"unknown room type {t!r}; known: {', '.join(ROOM_TYPES)}")
        if not isinstance(self.room_weights, dict):
            bad("room_weights", "expected a mapping of room type to weight")
        for t, w in self.room_weights.items():
            if t not in ROOM_TYPES:
                bad("room_weights", f"unknown room type {t!r}; known: {', '.join(ROOM_TYPES)}")
            if not isinstance(w, (int, float)) or isinstance(w, bool) or w < 0:
                bad("room_weights", f"the weight of {t!r} must be a number ≥ 0")
        if self.house_area is not None and not 5.0 <= self.house_area / self.num_rooms <= 40.0:
            bad("house_area", f"{self.num_rooms} rooms need 5 to 40 m² each ({5 * self.num_rooms:g} to "
                              f"{40 * self.num_rooms:g} m²)")
        if self.door_height > self.ceiling_height - 0.1:
            bad("door_height", f"must be at least 0.1 m under ceiling_height={self.ceiling_height}")
        if self.window_top > self.ceiling_height - 0.1:
            bad("window_top", f"must be at least 0.1 m under ceiling_height={self.ceiling_height}")
        if self.window_sill > self.window_top - 0.3:
            bad("window_sill", f"must be at least 0.3 m under window_top={self.window_top}")

    def room_config(self, room_type: str, area: float, less: int = 0) -> ProceduralConfig:
        """The procedural knobs of one room of ``room_type`` and ``area`` m², ``less`` furniture pieces short."""
        core = sum(low for _, low, _ in FURNISHINGS[room_type].core)
        share = CORRIDOR_SHARE if room_type == "hallway" else 1.0
        n_f = min(max(round(share * self.furniture_per_m2 * area), core), int(area / AREA_PER_PIECE))
        n_f = max(n_f - less, 0)
        n_s = min(round(share * self.small_per_m2 * area), int(area * SMALL_PER_M2))
        if less:
            n_s = round(n_s * n_f / (n_f + less))
        knobs = {f.name: getattr(self, f.name) for f in dataclasses.fields(ProceduralConfig) if hasattr(self, f.name)}
        return ProceduralConfig(**knobs, room_height=self.ceiling_height, room_type=room_type, num_furniture=n_f,
                                num_small_objects=n_s)


@SCENE_BUILDERS.register("house", config=HouseConfig)
class HouseBuilder:
    """Builds seeded furnished houses from a :class:`HouseConfig`."""

    def __init__(self, config: HouseConfig):
        self.config = config

    def build(self, seed: int, shard: int, scene_index: int) -> SceneSpec:
        """The house for (seed, shard, scene_index): same inputs, identical SceneSpec."""
        cfg = self.config
        key = (seed, shard, scene_index)
        types = list(cfg.room_types or draw_types(rng(*key, "scene/types"), cfg.num_rooms, cfg.room_weights))
        plan = draw_plan(rng(*key, "scene/floorplan"), types, cfg.house_area, cfg.door_width, cfg.door_height,
                         cfg.extra_doors)
        shell = sample_room(rng(*key, "scene/room"), "rect", plan.width, plan.depth, cfg.ceiling_height, 0.0,
                            cfg.color_variation)
        lighting = sample_lighting(rng(*key, "scene/lighting"), cfg.lighting_variation)
        rooms = [self._furnish(rng(*key, f"scene/room{k}"), room, keep_out_zones(plan, k))
                 for k, room in enumerate(plan.rooms)]
        plan = draw_windows(rng(*key, "scene/windows"), plan, cfg.window_width, cfg.window_sill, cfg.window_top,
                            blockers(rooms))
        curtains = rng(*key, "scene/curtains")
        items, placed, contents = [], {}, []
        for k, (room, (r_items, r_placed, stats)) in enumerate(zip(plan.rooms, rooms)):
            windows = [o for o in plan.openings if o.kind == "window" and k in o.rooms]
            hang_curtains(curtains, room, windows, r_items, r_placed, keep_out_zones(plan, k),
                          FURNISHINGS[room.room_type].curtains, cfg.color_variation, cfg.ceiling_height)
            n = len(items)
            placed.update({n + i: Placed(p.position, p.yaw, None if p.support is None else n + p.support)
                           for i, p in r_placed.items()})
            items += r_items
            n_s = sum(it.asset.kind == "small" for it in r_items)
            contents.append({"name": room.name, "room_type": room.room_type,
                             "area": round(polygon_area(room.footprint), 3), "num_furniture": len(r_items) - n_s,
                             "num_small_objects": n_s, "first_object_id": n + 1, "last_object_id": len(items),
                             "free_area": stats["free_area"]})
        objects = tuple(object_spec(i, items, placed) for i in range(len(items)))
        n_s = sum(c["num_small_objects"] for c in contents)
        complexity = {**dataclasses.asdict(cfg), "num_objects": len(objects), "num_furniture": len(objects) - n_s,
                      "num_small_objects": n_s, "house_width": plan.width, "house_depth": plan.depth,
                      "rooms": contents, "source": {"builder": "house", "seed": seed, "shard": shard,
                                                    "scene_index": scene_index}}
        return SceneSpec(f"house-s{seed}-sh{shard}-{scene_index:04d}", seed, shell, objects, lighting, complexity,
                         rooms=plan.rooms, openings=plan.openings)

    def _furnish(self, gen, room, zones):
        """One room's instances, placements and free-space stats, with fewer pieces while no layout fits or
        every layout leaves a doorway cut off from the room's walkway."""
        area, clearance = polygon_area(room.footprint), self.config.camera_clearance
        for less in itertools.count():
            builder = ProceduralBuilder(self.config.room_config(room.room_type, area, less))
            for _ in range(self.config.max_attempts):
                try:
                    items, placed, stats = builder.furnish(gen, room.footprint, zones)
                except NoRoom:
                    continue
                if doors_reached(room.footprint, items, placed, zones, clearance):
                    return items, placed, stats
            if builder.config.num_furniture == 0:
                raise PlacementError(f"the {room.name} ({area:.1f} m²) has no layout even unfurnished; lower "
                                     "scene.camera_clearance or scene.door_width, or raise scene.house_area")


def doors_reached(footprint, items, placed: dict[int, Placed], zones, clearance: float) -> bool:
    """Whether the room's walkway (its largest free region for a camera ``clearance`` from everything on the
    floor, as the free-space check) reaches into every door zone."""
    rects = [(p.position[0], p.position[1], *items[i].half_extents[:2], p.yaw)
             for i, p in placed.items() if p.support is None]
    space = free_space(footprint, rects, clearance + FREE_RESOLUTION / 2, FREE_RESOLUTION)
    walkway = space.centres()[space.largest_component()]
    for cx, cy, hx, hy, yaw in zones:
        rel = walkway - (cx, cy)
        c, s = math.cos(yaw), math.sin(yaw)
        if not ((np.abs(rel @ (c, s)) <= hx) & (np.abs(rel @ (-s, c)) <= hy)).any():
            return False
    return True


def blockers(rooms) -> dict[int, list[tuple[float, float, float, float, float]]]:
    """Room index -> the axis-aligned boxes ``(x0, y0, x1, y1, top)`` of its furniture seen from above, from each
    room's (items, placements, stats)."""
    out = {}
    for k, (items, placed, _) in enumerate(rooms):
        for i, p in placed.items():
            if items[i].asset.kind != "small":
                half = items[i].half_extents
                fp = obb_footprint(p.position, half, quat_to_matrix(quat_from_yaw(wrap_angle(p.yaw))))
                out.setdefault(k, []).append((*fp.min(0), *fp.max(0), p.position[2] + half[2]))  # upright: the top
    return out


def keep_out_zones(plan, k: int) -> list[tuple[float, float, float, float, float]]:
    """Rectangles ``(cx, cy, hx, hy, yaw)`` room ``k`` keeps free: ``DOOR_ZONE`` in front of each of its
    doors, reaching ``DOOR_ZONE_SIDE`` past the jambs."""
    centre = np.mean(plan.rooms[k].footprint, axis=0)
    out = []
    for o in plan.openings:
        if o.kind != "door" or k not in o.rooms:
            continue
        a, b = np.asarray(o.start), np.asarray(o.end)
        u = (b - a) / np.linalg.norm(b - a)
        n = np.array([-u[1], u[0]])
        n = n if np.dot(centre - a, n) > 0 else -n  # towards the room
        mid = (a + b) / 2 + n * (INTERIOR_WALL / 2 + DOOR_ZONE / 2)
        out.append((float(mid[0]), float(mid[1]), float(np.linalg.norm(b - a) / 2 + DOOR_ZONE_SIDE), DOOR_ZONE / 2,
                    float(math.atan2(u[1], u[0]))))
    return out


def rebuild(spec: SceneSpec) -> SceneSpec:
    """Rebuild a house from its recorded ``complexity`` (knobs + source)."""
    names = {f.name for f in dataclasses.fields(HouseConfig)}
    knobs = {k: v for k, v in spec.complexity.items() if k in names}
    source = spec.complexity["source"]
    cfg = parse_config(HouseConfig, knobs, "scene")
    return HouseBuilder(cfg).build(source["seed"], source["shard"], source["scene_index"])
