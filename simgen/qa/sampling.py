"""Slot sampling and template rendering for question families.

Slot values are drawn from the objects the video shows (``view.observed``) with the family's
seeded generator, in the order the slots are declared:

- ``category``: ``observed: unique`` (exactly one observed instance) or ``any``; ``min_count`` /
  ``max_count`` bound the number of observed instances; ``exclude: [slot, ...]`` keeps it
  different from earlier slots' categories.
- ``categories``: ``count`` distinct categories, with ``observed`` and ``exclude`` as above.
- ``frame``: an episode frame index; ``visible: [slot, ...]`` demands that the (unique) object of
  each category named by those slots is visible above the thresholds in that frame.

Bound values are plain (category strings, lists of them, frame ints), as the executor expects.
"""
from __future__ import annotations

import string
from typing import Any

import numpy as np

from simgen.qa.families import Family, SlotSpec


class SamplingError(ValueError):
    """The scene has no valid value for a slot (e.g. no uniquely observed category left)."""

    def __init__(self, slot: str, why: str):
        super().__init__(f"slot {slot!r}: {why}")
        self.reason = "no_binding"


def observed_categories(view) -> dict[str, list[int]]:
    """Observed category → rows of its observed instances (sorted by category)."""
    out: dict[str, list[int]] = {}
    for row in view.observed:
        out.setdefault(str(view.category[row]), []).append(int(row))
    return dict(sorted(out.items()))


def _category_pool(spec: SlotSpec, cats: dict[str, list[int]], taken: set[str]) -> list[str]:
    """Categories a category(-ies) slot may take: instance counts in bounds, not taken by ``exclude``."""
    pool = []
    for cat, rows in cats.items():
        n = len(rows)
        if cat in taken or n < spec.min_count or (spec.max_count is not None and n > spec.max_count):
            continue
        if spec.observed == "unique" and n != 1:
            continue
        pool.append(cat)
    return pool


def sample_bindings(fam: Family, view, rng: np.random.Generator, cats: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """Draw one value per slot, in file order, honouring each slot's constraints.

    ``cats`` is ``observed_categories(view)``, passed in when the caller samples many times."""
    cats = observed_categories(view) if cats is None else cats
    bound: dict[str, Any] = {}
    for spec in fam.slots:
        taken: set[str] = set()
        for other in spec.exclude:
            taken.update(_as_list(bound[other]))
        if spec.type == "frame":
            mask = np.ones(len(view.frames), dtype=bool)
            for other in spec.visible:
                for cat in _as_list(bound[other]):
                    mask &= view.visible[:, cats[cat][0]]
            pool = [int(f) for f in view.frames[mask]]
            if not pool:
                raise SamplingError(spec.name, f"no frame shows {[bound[o] for o in spec.visible]}")
            bound[spec.name] = pool[int(rng.integers(len(pool)))]
            continue
        pool = _category_pool(spec, cats, taken)
        need = spec.count if spec.type == "categories" else 1
        if len(pool) < need:
            raise SamplingError(spec.name, f"needs {need} observed {spec.observed} categor{'ies' if need > 1 else 'y'}, found {len(pool)}")
        picks = [pool[int(i)] for i in rng.choice(len(pool), size=need, replace=False)]
        bound[spec.name] = picks if spec.type == "categories" else picks[0]
    return bound


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def template_fields(bindings: dict[str, Any]) -> dict[str, str]:
    """Text of every template field: each slot (categories joined by ", ", frames as numbers) and,
    for a categories slot ``x``, each element as ``x_0``, ``x_1``, ..."""
    out = {}
    for name, value in bindings.items():
        if isinstance(value, list):
            out[name] = ", ".join(str(v) for v in value)
            out.update({f"{name}_{i}": str(v) for i, v in enumerate(value)})
        else:
            out[name] = str(value)
    return out


def render_question(fam: Family, bindings: dict[str, Any], rng: np.random.Generator) -> tuple[int, str]:
    """Pick a paraphrase with ``rng`` and fill it; returns (template index, question text)."""
    index = int(rng.integers(len(fam.templates)))
    text = fam.templates[index]
    fields = template_fields(bindings)
    out = []
    for literal, name, _, _ in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(fields[name])
    return index, "".join(out)


def binding_key(fam: Family, bindings: dict[str, Any]) -> tuple:
    """What makes two bindings the same question: unordered categories slots compare as sets, so
    "the box or the table" and "the table or the box" are one question asked twice."""
    key = []
    for spec in fam.slots:
        value = bindings[spec.name]
        if isinstance(value, list):
            value = tuple(value) if spec.ordered else tuple(sorted(value))
        key.append((spec.name, value))
    return tuple(key)
