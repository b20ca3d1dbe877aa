"""The procedural room builder (scene builder ``procedural``) and its complexity knobs.

``ProceduralConfig`` holds the knobs a Hydra sweep varies; ``ProceduralBuilder.build(seed, shard,
scene_index)`` draws every random choice from ``seeding.rng(seed, shard, scene_index, "scene…")``
and returns a SceneSpec whose ``complexity`` records the knob values used (with the effective
furniture / small-object counts) plus ``source`` (builder, seed, shard, scene index) so the scene
can be rebuilt with :func:`rebuild`. A layout that finds no room is re-drawn up to
``max_attempts`` times before a :class:`PlacementError` says which knob to lower.

Command line (writes one scene as JSON; see scenes/README.md)::

    python -m simgen.scene.procedural --seed 3 --set room_shape=L --set num_furniture=6 --out scenes/x.json
"""
import argparse
import collections
import dataclasses
import math
from dataclasses import dataclass

import yaml

from simgen.geometry import polygon_area, quat_from_yaw, wrap_angle
from simgen.registry import SCENE_BUILDERS, ConfigError, parse_config, setting
from simgen.scene import composition
from simgen.scene.assets_furniture import OCCLUDERS
from simgen.scene.assets_rooms import ROOM_TYPE_NAMES, ROOM_TYPES, choose_room, choose_small, support_rule
from simgen.scene.catalogue import CATALOGUE, CLASSIC, MAX_SIZE_VARIATION, categories, draw_variant, instantiate
from simgen.scene.groups import arrange
from simgen.scene.layout import (Placed, check_free_space, clutter_count, drop_homeless, hang, place_furniture,
                                 place_on_floor, place_small)
from simgen.scene.placement import Floor, NoRoom
from simgen.scene.room import L_NOTCH, sample_lighting, sample_room
from simgen.seeding import rng
from simgen.types import ObjectSpec, Pose, SceneSpec

AREA_PER_PIECE = 1.6  # m² of floor one furniture piece or occluder needs at least, walkway share included
SPLIT_SHARE = 0.8  # num_objects gives furniture at most this share of that capacity (a crowded room re-draws often)
SMALL_PER_M2 = 4.0  # at most this many small objects per m² of floor
SMALL_PER_SUPPORT = 6  # one support-offering furniture category is drawn first per this many small objects


class PlacementError(RuntimeError):
    """No layout was found within ``max_attempts``; the message names the knobs to lower."""


@dataclass(frozen=True)
class ProceduralConfig:
    """Complexity knobs of a procedural room (lengths in metres; fractions in 0..1)."""

    room_width: float = setting(5.0, ge=2.0, le=30.0)  # m along x, before size_jitter
    room_depth: float = setting(4.0, ge=2.0, le=30.0)  # m along y, before size_jitter
    room_height: float = setting(2.6, ge=2.4, le=6.0)  # m
    room_shape: str = setting("rect", choices=("rect", "L"))
    size_jitter: float = setting(0.1, ge=0.0, le=1.0)  # each scene scales width and depth by up to ± this fraction
    # each furniture piece / small object is scaled by up to ± this fraction (beyond it a mug is no longer a mug)
    size_variation: float = setting(0.3, ge=0.0, le=MAX_SIZE_VARIATION)
    num_objects: int | None = setting(None, ge=0)  # furniture + small; when set, overrides the two counts below
    num_furniture: int = setting(5, ge=0)
    num_small_objects: int = setting(6, ge=0)
    num_categories: int = setting(12, ge=1)  # at most this many distinct furniture + small categories
    duplicates_per_category: int = setting(2, ge=1)  # instances of a duplicated category
    duplicate_fraction: float = setting(0.3, ge=0.0, le=1.0)  # chance that a category is duplicated
    clutter_density: float = setting(0.5, ge=0.0, le=1.0)  # how tightly small objects crowd onto few supports
    # typed rooms: small objects per surface (0..1 of groups.SMALL_PER_SURFACE_M2 per m² of low surface) in place of
    # the small-object count; null keeps num_small_objects / num_objects
    clutter: float | None = setting(None, ge=0.0, le=1.0)
    num_occluders: int = setting(0, ge=0)  # tall partitions / pillars in the interior
    color_variation: float = setting(0.7, ge=0.0, le=1.0)  # chance of a non-default colour, and colour jitter
    lighting_variation: float = setting(0.3, ge=0.0, le=1.0)  # jitter of light direction, strength and colour
    # share of floor-friendly small objects (balls, boxes, toys) put on the floor
    floor_fraction: float = setting(0.2, ge=0.0, le=1.0)
    # m: free-standing pieces keep this from walls and other pieces (half, if crowded)
    walk_clearance: float = setting(0.7, ge=0.0, le=1.5)
    camera_clearance: float = setting(0.3, ge=0.0, le=1.5)  # m: the camera's free floor is farther than this from anything
    min_free_fraction: float = setting(0.2, ge=0.0, le=1.0)  # the walkable region covers at least this share of the floor
    categories: tuple | None = None  # restrict furniture / small objects to these categories
    # which categories and how many: classic (the original mix), or a room type's core furniture and pools
    room_type: str = setting("classic", choices=ROOM_TYPE_NAMES)
    max_attempts: int = setting(30, ge=1)  # layouts drawn before giving up

    def validate(self, where: str = "scene") -> None:
        """What ranges cannot say (an L room's size, the categories, what the room holds): ConfigError names the key."""
        def bad(key, msg):
            raise ConfigError(f"{where}.{key}={getattr(self, key)!r}: {msg}")

        if self.room_shape == "L" and min(self.room_width, self.room_depth) < 3.0:
            bad("room_width" if self.room_width < 3.0 else "room_depth", "an L-shaped room needs at least 3.0 m")
        known = categories("furniture") + categories("small")
        if self.clutter is not None and self.room_type == "classic":
            bad("clutter", "applies to a typed room (scene.room_type other than classic)")
        if self.categories is not None and self.room_type != "classic":
            bad("categories", f"a category list applies to room_type=classic only (room_type={self.room_type})")
        if self.categories is not None and not isinstance(self.categories, tuple):
            bad("categories", "expected a list of category names or null")
        for name in self.categories or ():
            if name not in known:
                bad("categories", f"unknown category {name!r}; known: {', '.join(known)}")
        n_f, n_s = self.counts()
        pool_f, pool_s = self.pools()
        if (n_f and not pool_f) or (n_s and not pool_s):
            bad("categories", f"no {'furniture' if n_f and not pool_f else 'small'} category left to draw from")
        if n_f and n_s and self.num_categories < 2:
            bad("num_categories", "furniture and small objects need at least 2 distinct categories")
        cap = self.furniture_capacity()
        if n_f + self.num_occluders > cap:
            key = "num_objects" if self.num_objects is not None and self.num_occluders == 0 else (
                "num_occluders" if n_f <= cap else "num_furniture")
            bad(key, f"a {self.room_width:.1f}×{self.room_depth:.1f} m {self.room_shape} room holds at most {cap} "
                     f"furniture pieces and occluders together ({n_f} furniture + {self.num_occluders} occluders "
                     "asked); lower it or enlarge room_width / room_depth")
        small_cap = int(self.min_floor_area() * SMALL_PER_M2)
        if n_s > small_cap:
            bad("num_objects" if self.num_objects is not None else "num_small_objects",
                f"a {self.room_width:.1f}×{self.room_depth:.1f} m room holds at most {small_cap} small objects")

    def min_floor_area(self) -> float:
        """The smallest floor area size_jitter and the L cut-out can give (m²)."""
        area = (self.room_width * self.room_depth) * (1.0 - self.size_jitter) ** 2
        return area * (1.0 - L_NOTCH[1] ** 2) if self.room_shape == "L" else area

    def furniture_capacity(self) -> int:
        """How many furniture pieces and occluders the smallest possible room of these knobs holds."""
        return int(self.min_floor_area() / AREA_PER_PIECE)

    def counts(self) -> tuple[int, int]:
        """Effective (furniture, small objects): num_objects split when set, else the two knobs."""
        if self.num_objects is None:
            return self.num_furniture, self.num_small_objects
        room = int(SPLIT_SHARE * self.furniture_capacity()) - self.num_occluders
        return composition.split_objects(self.num_objects, max(room, 0))

    def pools(self):
        """Furniture and small-object assets allowed by ``categories`` (by default the classic mix; a room
        type's own pools are in :data:`~simgen.scene.assets_rooms.ROOM_TYPES`)."""
        mix = CLASSIC if self.room_type == "classic" else ROOM_TYPES[self.room_type].categories()
        allowed = set(self.categories or mix)
        return tuple([CATALOGUE[c] for c in categories(kind) if c in allowed] for kind in ("furniture", "small"))


@SCENE_BUILDERS.register("procedural", config=ProceduralConfig)
class ProceduralBuilder:
    """Builds seeded procedural rooms from a :class:`ProceduralConfig`."""

    def __init__(self, config: ProceduralConfig):
        self.config = config

    def build(self, seed: int, shard: int, scene_index: int) -> SceneSpec:
        """The scene for (seed, shard, scene_index): same inputs, identical SceneSpec."""
        cfg = self.config
        room = sample_room(rng(seed, shard, scene_index, "scene/room"), cfg.room_shape, cfg.room_width,
                           cfg.room_depth, cfg.room_height, cfg.size_jitter, cfg.color_variation)
        lighting = sample_lighting(rng(seed, shard, scene_index, "scene/lighting"), cfg.lighting_variation)
        gen = rng(seed, shard, scene_index, "scene")
        last = None
        for _ in range(cfg.max_attempts):
            try:
                items, placed, stats = self.furnish(gen, room.footprint)
                break
            except NoRoom as e:
                last = e.what
        else:
            raise PlacementError(
                f"scene {seed}/{shard}/{scene_index}: no layout in {cfg.max_attempts} attempts (last: no room for "
                f"{last}); lower scene.num_furniture / scene.num_small_objects / scene.num_objects / "
                "scene.num_occluders / scene.walk_clearance / scene.min_free_fraction, or raise scene.room_width / "
                "scene.room_depth")
        objects = tuple(object_spec(i, items, placed) for i in range(len(items)))
        n_f, n_s = cfg.counts()
        complexity = {**dataclasses.asdict(cfg), "num_objects": n_f + n_s, "num_furniture": n_f,
                      "num_small_objects": n_s, **stats,
                      "source": {"builder": "procedural", "seed": seed, "shard": shard, "scene_index": scene_index}}
        if cfg.room_type == "classic":  # recorded as before room types existed: classic scenes stay byte-identical
            del complexity["room_type"], complexity["clutter"]
        return SceneSpec(f"procedural-s{seed}-sh{shard}-{scene_index:04d}", seed, room, objects, lighting, complexity)

    def furnish(self, gen, footprint, keep_out=()):
        """One layout draw on ``footprint``: composition, instances, furniture, small objects, free-space check.

        Returns (instances, placements by index, free-space stats); nothing stands in a ``keep_out``
        rectangle ``(cx, cy, hx, hy, yaw)`` (a house's door zones). Raises NoRoom when the draw fails."""
        cfg = self.config
        n_f, n_s = cfg.counts()
        pool_f, pool_s = cfg.pools()
        k_f, k_s = composition.split_budget(cfg.num_categories, min(n_f, len(pool_f)), min(n_s, len(pool_s)))
        dup = (cfg.duplicates_per_category, cfg.duplicate_fraction)
        supports = min(math.ceil(n_s / SMALL_PER_SUPPORT), math.ceil(n_f / 2))  # surfaces, yet room to walk
        if cfg.room_type == "classic":
            big = composition.choose(gen, pool_f, n_f, k_f, *dup, supports=supports)
        else:
            big, k_s = choose_room(gen, ROOM_TYPES[cfg.room_type], n_f, n_s, cfg.num_categories, *dup, supports,
                                   polygon_area(footprint))
        big += [OCCLUDERS[int(gen.integers(len(OCCLUDERS)))] for _ in range(cfg.num_occluders)]
        if cfg.room_type == "classic":
            small = composition.choose(gen, pool_s, n_s, k_s, *dup)
        items = [self._instance(gen, a) for a in big]
        floor = Floor(footprint)
        for rect in keep_out:
            floor.keep_out(rect)
        if cfg.room_type == "classic":
            placed = place_furniture(gen, floor, items, cfg.walk_clearance)
        else:  # in the groups people arrange it in
            placed = arrange(gen, floor, items, cfg.walk_clearance, cfg.room_height)
        hang(gen, items, placed, cfg.room_height)
        stats = check_free_space(floor, cfg.camera_clearance, cfg.min_free_fraction)  # before any small object
        if cfg.room_type != "classic":  # drawn for the surfaces that stand (clutter: as many as they hold)
            n = n_s if cfg.clutter is None else clutter_count(items, placed, cfg.clutter, floor.poly)
            small = choose_small(gen, ROOM_TYPES[cfg.room_type], n, k_s, *dup,
                                 collections.Counter(i.asset.category for i in items))
        items += [self._instance(gen, a) for a in small]
        rule = None if cfg.room_type == "classic" else support_rule(items)
        on_surfaces, to_floor = place_small(gen, items, list(range(len(big), len(items))), placed,
                                            cfg.clutter_density, cfg.floor_fraction, floor, cfg.camera_clearance,
                                            allowed=rule)
        placed.update(on_surfaces)
        if cfg.room_type != "classic":
            items, placed, to_floor = drop_homeless(items, placed, to_floor)
        if to_floor:
            on_floor, stats = place_on_floor(gen, floor, items, to_floor, cfg.camera_clearance, cfg.min_free_fraction)
            placed.update(on_floor)
        return items, placed, stats

    def _instance(self, gen, item):
        """One instance; outside the classic mix its shape variant is drawn too (classic draws keep their order)."""
        cfg = self.config
        variant = None if cfg.room_type == "classic" else draw_variant(item, gen)
        return instantiate(item, gen, cfg.color_variation, cfg.room_height, cfg.size_variation, variant)


def object_spec(i: int, items, placed: dict[int, Placed]) -> ObjectSpec:
    """ObjectSpec for item ``i`` (object id i + 1; names numbered per category in id order)."""
    inst, p = items[i], placed[i]
    number = sum(1 for it in items[: i + 1] if it.asset.category == inst.asset.category)
    return ObjectSpec(
        object_id=i + 1, name=f"{inst.asset.category.replace(' ', '_')}_{number}", category=inst.asset.category,
        color=inst.color, half_extents=inst.half_extents, pose=Pose(p.position, quat_from_yaw(wrap_angle(p.yaw))),
        parts=inst.parts, mass=inst.mass, kind=inst.asset.kind, support=None if p.support is None else p.support + 1)


def rebuild(spec: SceneSpec) -> SceneSpec:
    """Rebuild a procedural scene from its recorded ``complexity`` (knobs + source)."""
    data = dict(spec.complexity)
    source = data.pop("source")
    names = {f.name for f in dataclasses.fields(ProceduralConfig)}
    knobs = {k: v for k, v in data.items() if k in names}
    knobs["num_objects"] = None  # the recorded furniture / small counts are the effective split
    knobs.setdefault("size_variation", 0.0)  # recorded before the knob existed: sizes were not varied
    cfg = parse_config(ProceduralConfig, knobs, "scene")
    return ProceduralBuilder(cfg).build(source["seed"], source["shard"], source["scene_index"])


def main(argv=None) -> None:
    """Build one scene and write it as JSON (``--set key=value`` overrides a knob)."""
    from simgen.scene.from_file import save_scene

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shard", type=int, default=0)
    ap.add_argument("--index", type=int, default=0, help="scene index within the shard")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a knob (YAML value)")
    ap.add_argument("--out", required=True, help="output JSON path")
    args = ap.parse_args(argv)
    knobs = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            ap.error(f"--set {item!r}: expected KEY=VALUE")
        knobs[key] = yaml.safe_load(value)
    spec = ProceduralBuilder(parse_config(ProceduralConfig, knobs, "scene")).build(args.seed, args.shard, args.index)
    save_scene(spec, args.out)
    print(f"{args.out}: {spec.scene_id}, {len(spec.objects)} objects")


if __name__ == "__main__":
    main()
