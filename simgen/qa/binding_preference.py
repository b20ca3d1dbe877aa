"""Binding preference: draw the pairs a comparison names so that the image, not the names, decides.

"Which is taller, the table or the mug?" is answered by anyone who knows tables and mugs. A pair
slot (a ``categories`` slot of two) therefore draws its first category uniformly and, with chance
``PREFER``, its second among the *comparable* ones: the same kind (furniture with furniture, small
objects with small objects — which also breaks "furniture appears first" in appearance order) and
boxes whose height and longest side are within ``SIMILAR`` of the first's, i.e. categories whose
size ranges overlap in this very scene. When none is comparable, or otherwise, the second is drawn
uniformly, so every pair stays possible. ``simgen.qa.sampling`` calls :func:`pick_categories`.
"""
from __future__ import annotations

import numpy as np

PREFER = 0.8  # chance of drawing a pair's second category among the comparable ones
SIMILAR = 1.8  # comparable: height and longest side within this factor of each other


def comparable(first: str, other: str, cats: dict[str, list[int]], view) -> bool:
    """Same kind, and the (first observed) instances' heights and longest sides within ``SIMILAR``."""
    a, b = cats[first][0], cats[other][0]
    if view.kind[a] != view.kind[b]:
        return False
    for extent in (view.half[[a, b], 2], view.half[[a, b]].max(axis=1)):
        low, high = float(extent.min()), float(extent.max())
        if low <= 0 or high / low > SIMILAR:
            return False
    return True


def pick_categories(pool: list[str], need: int, cats: dict[str, list[int]], view, rng: np.random.Generator) -> list[str]:
    """``need`` distinct categories from ``pool``; a pair prefers comparable categories (see above)."""
    if need != 2:
        return [pool[int(i)] for i in rng.choice(len(pool), size=need, replace=False)]
    first = pool[int(rng.integers(len(pool)))]
    rest = [c for c in pool if c != first]
    close = [c for c in rest if comparable(first, c, cats, view)]
    if close and rng.random() < PREFER:
        rest = close
    return [first, rest[int(rng.integers(len(rest)))]]
