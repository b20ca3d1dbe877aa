"""The asset catalogue: every category a question may name, and how to build one instance of it.

Furniture (static) and occluders come from :mod:`simgen.scene.assets_furniture`, small dynamic
objects from :mod:`simgen.scene.assets_small`. An instance's colour name is one of the asset's
plausible colours; ``color_variation`` (0..1) is the chance of leaving the default (first) colour
and scales a small RGB jitter that keeps the colour recognisably its name.
"""
from __future__ import annotations

import numpy as np

from simgen.scene.assets import COLORS, Asset, Context, Instance, assemble
from simgen.scene.assets_furniture import FURNITURE, OCCLUDERS
from simgen.scene.assets_small import SMALL

CATALOGUE: dict[str, Asset] = {a.category: a for a in FURNITURE + OCCLUDERS + SMALL}
RGB_JITTER = 0.05  # largest per-channel colour jitter (at color_variation = 1)


def categories(kind: str | None = None) -> list[str]:
    """Category names in catalogue order, optionally only those of one kind."""
    return [c for c, a in CATALOGUE.items() if kind is None or a.kind == kind]


def asset(category: str) -> Asset:
    """The catalogue entry of ``category`` (KeyError listing the known ones otherwise)."""
    try:
        return CATALOGUE[category]
    except KeyError:
        raise KeyError(f"unknown category {category!r}; known: {', '.join(CATALOGUE)}") from None


def instantiate(item: Asset, rng: np.random.Generator, color_variation: float = 0.0,
                room_height: float = 2.6) -> Instance:
    """Build one instance of ``item``: colour, parts (centred), true half extents, surfaces and mass."""
    color = item.colors[0]
    if len(item.colors) > 1 and rng.random() < color_variation:
        color = item.colors[int(rng.integers(len(item.colors)))]
    jitter = rng.uniform(-1.0, 1.0, 3) * RGB_JITTER * color_variation
    rgb = np.clip(np.asarray(item.tints.get(color, COLORS[color])) + jitter, 0.0, 1.0)
    ctx = Context(rng, color, tuple(float(v) for v in rgb) + (1.0,), room_height)
    parts, surfaces = item.make(ctx)
    parts, half, surfaces = assemble(parts, surfaces)
    mass = 0.0  # furniture and occluders are static
    if item.kind == "small":  # the box's volume at the asset's density, never so light that physics jitters it
        mass = max(0.02, round(item.density * 8.0 * half[0] * half[1] * half[2], 4))
    return Instance(item, color, parts, half, surfaces, mass)
