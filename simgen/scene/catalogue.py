"""The asset catalogue: every category a question may name, and how to build one instance of it.

Furniture (static) and occluders come from :mod:`simgen.scene.assets_furniture`, small dynamic
objects from :mod:`simgen.scene.assets_small`. An instance's colour name is one of the asset's
plausible colours; ``color_variation`` (0..1) is the chance of leaving the default (first) colour
and scales a small RGB jitter that keeps the colour recognisably its name. ``size_variation``
(0..``MAX_SIZE_VARIATION``) scales a furniture piece or small object uniformly by a factor drawn in
[1 − v, 1 + v] — never taller than the room allows — so a category's size overlaps its neighbours'
and naming it no longer tells its size (occluders keep theirs: they are sized to the room).
"""
from __future__ import annotations

import numpy as np

from simgen.scene.assets import COLORS, Asset, Context, Instance, Surface, assemble
from simgen.scene.assets_furniture import FURNITURE, OCCLUDERS
from simgen.scene.assets_small import SMALL
from simgen.types import Part, Pose

CATALOGUE: dict[str, Asset] = {a.category: a for a in FURNITURE + OCCLUDERS + SMALL}
RGB_JITTER = 0.05  # largest per-channel colour jitter (at color_variation = 1)
MAX_SIZE_VARIATION = 0.5  # scale factors stay in [0.5, 1.5]: still recognisably the category
HEADROOM = 0.2  # m kept between a scaled object's top and the ceiling


def categories(kind: str | None = None) -> list[str]:
    """Category names in catalogue order, optionally only those of one kind."""
    return [c for c, a in CATALOGUE.items() if kind is None or a.kind == kind]


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


def instantiate(item: Asset, rng: np.random.Generator, color_variation: float = 0.0,
                room_height: float = 2.6, size_variation: float = 0.0) -> Instance:
    """Build one instance of ``item``: colour, parts (centred), true half extents, surfaces and mass."""
    color = item.colors[0]
    if len(item.colors) > 1 and rng.random() < color_variation:
        color = item.colors[int(rng.integers(len(item.colors)))]
    jitter = rng.uniform(-1.0, 1.0, 3) * RGB_JITTER * color_variation
    rgb = np.clip(np.asarray(item.tints.get(color, COLORS[color])) + jitter, 0.0, 1.0)
    ctx = Context(rng, color, tuple(float(v) for v in rgb) + (1.0,), room_height)
    parts, surfaces = item.make(ctx)
    parts, half, surfaces = assemble(parts, surfaces)
    if size_variation > 0 and item.kind in ("furniture", "small"):  # no draw at 0: scenes stay as they were
        factor = float(rng.uniform(1.0 - size_variation, 1.0 + size_variation))
        factor = min(factor, max(1.0, (room_height - HEADROOM) / (2.0 * half[2])))
        parts, half, surfaces = assemble(*scaled(parts, surfaces, factor))
    mass = 0.0  # furniture and occluders are static
    if item.kind == "small":  # the box's volume at the asset's density, never so light that physics jitters it
        mass = max(0.02, round(item.density * 8.0 * half[0] * half[1] * half[2], 4))
    return Instance(item, color, parts, half, surfaces, mass)
