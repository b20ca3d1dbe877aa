"""The asset catalogue: every category a question may name, and how to build one instance of it.

The original categories (``ORIGINAL``, the ``classic`` room type's mix) come from
:mod:`simgen.scene.assets_furniture` (furniture, occluders) and :mod:`simgen.scene.assets_small`;
the room-type modules (``assets_living``, ``_bedroom``, ``_kitchen``, ``_kitchenware``, ``_bath``,
``_office``, ``_dining``, ``_wall_decor``, ``_small_decor``) add categories with named shape variants and give some original
categories more variants (the original maker stays their first variant and their default, so scenes
built before stay byte-identical). An instance's colour name is one of the asset's
plausible colours; ``color_variation`` (0..1) is the chance of leaving the default (first) colour
and scales a small RGB jitter that keeps the colour recognisably its name. ``size_variation``
(0..``MAX_SIZE_VARIATION``) scales a furniture piece or small object uniformly by a factor drawn in
[1 − v, 1 + v] — never taller than the room allows — so a category's size overlaps its neighbours'
and naming it no longer tells its size (occluders keep theirs: they are sized to the room).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from simgen.scene.assets import COLORS, Asset, Context, Instance, Surface, assemble
from simgen.scene.assets_bath import BATH
from simgen.scene.assets_bedroom import BED_VARIANTS, BEDROOM
from simgen.scene.assets_dining import DINING
from simgen.scene.assets_furniture import FURNITURE, OCCLUDERS, PLANT_VARIANTS, TV_VARIANTS
from simgen.scene.assets_kitchen import KITCHEN
from simgen.scene.assets_kitchenware import KITCHENWARE
from simgen.scene.assets_living import LIVING, SOFA_VARIANTS
from simgen.scene.assets_office import OFFICE
from simgen.scene.assets_small import (BOOK_VARIANTS, BOTTLE_VARIANTS, BOX_VARIANTS, LAPTOP_VARIANTS, MUG_VARIANTS, SMALL,
                                      VASE_VARIANTS)
from simgen.scene.assets_small_decor import SMALL_DECOR
from simgen.scene.assets_wall_decor import WALL_DECOR
from simgen.types import Part, Pose

ORIGINAL = FURNITURE + OCCLUDERS + SMALL
# original categories given more shapes: (name of the original shape, the new variants, dims over all of them)
MORE_VARIANTS = {
    "sofa": ("box", SOFA_VARIANTS, ((0.8, 1.8), (1.3, 2.8), (0.75, 0.95))),  # 2-seat 130 cm to L 280 cm
    "bed": ("headboard", BED_VARIANTS, ((1.95, 2.15), (0.94, 2.0), (0.4, 2.1))),  # single to king; four-poster
    "plant": ("bush", PLANT_VARIANTS, ((0.2, 0.7), (0.3, 0.7), (0.5, 1.75))),  # cactus 50 cm to palm 175 cm
    "vase": ("jar", VASE_VARIANTS, ((0.12, 0.27), (0.12, 0.27), (0.11, 0.27))),
    "book": ("flat", BOOK_VARIANTS, ((0.11, 0.21), (0.17, 0.3), (0.01, 0.05))),  # pocket paperback to A4
    "bottle": ("wine", BOTTLE_VARIANTS, ((0.06, 0.08), (0.06, 0.08), (0.22, 0.37))),  # 0.33 l to 0.75 l
    "box": ("plain", BOX_VARIANTS, ((0.1, 0.42), (0.1, 0.42), (0.08, 0.3))),
    "tv": ("floor stand", TV_VARIANTS, ((0.18, 0.75), (0.7, 1.5), (0.45, 1.75))),  # 32 to 65 inch; on a stand or floor
    "mug": ("rounded", MUG_VARIANTS, ((0.07, 0.16), (0.1, 0.16), (0.06, 0.13))),
    "laptop": ("open", LAPTOP_VARIANTS, ((0.23, 0.43), (0.3, 0.38), (0.15, 0.28))),  # 13 to 16 inch
}


def _with_variants(item: Asset) -> Asset:
    """An original asset with its extra shape variants (its own maker first, still the default)."""
    if item.category not in MORE_VARIANTS:
        return item
    name, more, dims = MORE_VARIANTS[item.category]
    return dataclasses.replace(item, variants=((name, item.make),) + more, dims=dims)


CATALOGUE: dict[str, Asset] = {a.category: a for a in (*map(_with_variants, ORIGINAL), *LIVING, *BEDROOM, *KITCHEN,
                                                        *KITCHENWARE, *BATH, *OFFICE, *DINING, *WALL_DECOR,
                                                        *SMALL_DECOR)}
CLASSIC = tuple(a.category for a in ORIGINAL)  # the categories scenes drew from before room types existed
RGB_JITTER = 0.05  # largest per-channel colour jitter (at color_variation = 1)
MAX_SIZE_VARIATION = 0.5  # scale factors stay in [0.5, 1.5]: still recognisably the category
HEADROOM = 0.2  # m kept between a scaled object's top and the ceiling


def categories(kind: str | None = None, among=None) -> list[str]:
    """Category names in catalogue order, optionally only those of one kind and only those ``among`` a collection."""
    return [c for c, a in CATALOGUE.items() if (kind is None or a.kind == kind) and (among is None or c in among)]


def asset(category: str) -> Asset:
    """The catalogue entry of ``category`` (KeyError listing the known ones otherwise)."""
    try:
        return CATALOGUE[category]
    except KeyError:
        raise KeyError(f"unknown category {category!r}; known: {', '.join(CATALOGUE)}") from None


def scaled(parts, surfaces, factor: float):
    """Parts and surfaces scaled uniformly about the object frame's origin (exact for every shape)."""
    parts = [Part(p.shape, tuple(factor * v for v in p.size),
                  Pose(tuple(factor * v for v in p.offset.position), p.offset.quat_wxyz), p.rgba, p.mesh) for p in parts]
    surfaces = [Surface(tuple(factor * v for v in s.center), tuple(factor * v for v in s.half_size),
                        s.clearance * factor) for s in surfaces]
    return parts, surfaces


def draw_variant(item: Asset, rng: np.random.Generator) -> str | None:
    """A shape variant of ``item`` drawn uniformly (None for a category with one shape)."""
    return item.variants[int(rng.integers(len(item.variants)))][0] if item.variants else None


def instantiate(item: Asset, rng: np.random.Generator, color_variation: float = 0.0,
                room_height: float = 2.6, size_variation: float = 0.0, variant: str | None = None,
                fit: tuple[float, float] | None = None) -> Instance:
    """Build one instance of ``item``: colour, parts (centred), true half extents, surfaces and mass.

    ``variant`` names a shape variant; None uses the asset's own maker (an original category's one
    shape) or, for a category that has none, draws a variant from ``rng`` first. ``fit`` (width, height)
    asks a made-to-measure maker (a curtain) for that size (:attr:`~simgen.scene.assets.Context.fit`)."""
    if variant is None and item.make is None:
        variant = draw_variant(item, rng)
    make = item.make if variant is None else item.maker(variant)
    color = item.colors[0]
    if len(item.colors) > 1 and rng.random() < color_variation:
        color = item.colors[int(rng.integers(len(item.colors)))]
    jitter = rng.uniform(-1.0, 1.0, 3) * RGB_JITTER * color_variation
    rgb = np.clip(np.asarray(item.tints.get(color, COLORS[color])) + jitter, 0.0, 1.0)
    ctx = Context(rng, color, tuple(float(v) for v in rgb) + (1.0,), room_height, fit)
    parts, surfaces = make(ctx)
    parts, half, surfaces = assemble(parts, surfaces)
    if size_variation > 0 and item.kind in ("furniture", "small"):  # no draw at 0: scenes stay as they were
        spread = size_variation if item.size_spread is None else min(size_variation, item.size_spread)
        factor = float(rng.uniform(1.0 - spread, 1.0 + spread))
        factor = min(factor, max(1.0, (room_height - HEADROOM) / (2.0 * half[2])))
        parts, half, surfaces = assemble(*scaled(parts, surfaces, factor))
    mass = 0.0  # furniture and occluders are static
    if item.kind == "small":  # the box's volume at the asset's density, never so light that physics jitters it
        mass = max(0.02, round(item.density * 8.0 * half[0] * half[1] * half[2], 4))
    return Instance(item, color, parts, half, surfaces, mass, variant or "")
