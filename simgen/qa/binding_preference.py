"""Binding preference: draw the pairs a comparison names so that the image, not the names, decides.

"Which is taller, the table or the mug?" is answered by anyone who knows tables and mugs. A pair
slot (a ``categories`` slot of two) therefore draws its first category uniformly and, with chance
``PREFER``, its second among the *comparable* ones: the same kind (furniture with furniture, small
objects with small objects — which also breaks "furniture appears first" in appearance order) and
boxes whose height and longest side are within ``SIMILAR`` of the first's, i.e. categories whose
size ranges overlap in this very scene. When none is comparable, or otherwise, the second is drawn
uniformly, so every pair stays possible. ``simgen.qa.sampling`` calls :func:`pick_categories`.

Best of all, a pair slot with ``by_color`` may name two instances of *one* category by their
colours, "the red chair or the blue chair" (:func:`color_twins`): no category prior tells them apart.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

PREFER = 0.8  # chance of drawing a pair's second category among the comparable ones
SIMILAR = 1.8  # comparable: height and longest side within this factor of each other
TWINS = 0.5  # chance of naming a by_color pair by colour when the episode has two instances of one category


def comparable(first: str, other: str, cats: dict[str, list[int]], view) -> bool:
    """Same kind, and the (first observed) instances' heights and longest sides within ``SIMILAR``."""
    return bool(comparable_rows(view)[cats[first][0], cats[other][0]])


def comparable_rows(view) -> np.ndarray:
    """(N, N) booleans over object rows: whether two objects are of the same kind, with heights and
    longest sides within ``SIMILAR``; worked out once per view (every pair draw of an episode reads it)."""
    def compute() -> np.ndarray:
        ok = view.kind[:, None] == view.kind[None, :]
        for extent in (view.half[:, 2], view.half.max(axis=1)):
            low, high = np.minimum(extent[:, None], extent[None, :]), np.maximum(extent[:, None], extent[None, :])
            ratio = np.divide(high, low, out=np.full(low.shape, np.inf), where=low > 0)
            ok &= (low > 0) & (ratio <= SIMILAR)
        return ok
    return view._cached("comparable", compute)


def pick_categories(pool: list[str], need: int, cats: dict[str, list[int]], view, rng: np.random.Generator) -> list[str]:
    """``need`` distinct categories from ``pool``; a pair prefers comparable categories (see above)."""
    if need == 1:  # the draw of rng.choice(len(pool), size=1, replace=False), at a third of its cost
        return [pool[int(rng.integers(len(pool)))]]
    if need != 2:
        return [pool[int(i)] for i in rng.choice(len(pool), size=need, replace=False)]
    first = pool[int(rng.integers(len(pool)))]
    rest = [c for c in pool if c != first]
    with_first = comparable_rows(view)[cats[first][0]]
    close = [c for c in rest if with_first[cats[c][0]]]
    if close and rng.random() < PREFER:
        rest = close
    return [first, rest[int(rng.integers(len(rest)))]]


def color_twins(cats: dict[str, list[int]], view, skip: set[str], rng: np.random.Generator) -> list[str] | None:
    """With chance ``TWINS``, two observed instances of one category (not in ``skip``) whose colours
    no other observed instance of it shares, as ``["<colour> <category>", ...]`` in random order
    (``SceneView.observed_rows`` resolves such a name); None otherwise or when the episode has none.
    ``cats`` is the view's observed categories (``sampling.observed_categories``)."""
    twins = [(cat, own) for cat, own in _own_colours(cats, view).items() if cat not in skip]
    if not twins or rng.random() >= TWINS:
        return None
    cat, own = twins[int(rng.integers(len(twins)))]
    return [f"{own[int(i)]} {cat}" for i in rng.choice(len(own), size=2, replace=False)]


def _own_colours(cats: dict[str, list[int]], view) -> dict[str, list[str]]:
    """Category -> the colours only one of its observed instances has, for categories with two or more
    such colours, in ``cats``' order; worked out once per object sets (``cats`` are the view's)."""
    def compute() -> dict[str, list[str]]:
        out = {}
        for cat, rows in cats.items():
            counts = Counter(view.color[rows].tolist()) if len(rows) >= 2 else Counter()
            own = sorted(c for c, n in counts.items() if n == 1)
            if len(own) >= 2:
                out[cat] = own
        return out
    return view._cached_for_sets("own_colours", compute)


def twin_category(answer: str, bindings: dict) -> str | None:
    """The category of an answer that names one of a colour-named pair ("red chair" of "red chair"
    and "blue chair" → "chair"), else None."""
    for value in bindings.values():
        if isinstance(value, (list, tuple)) and len(value) == 2 and answer in value and all(isinstance(v, str) for v in value):
            (c1, _, rest1), (c2, _, rest2) = (str(v).partition(" ") for v in value)
            if rest1 and rest1 == rest2 and c1 != c2:
                return rest1
    return None
