"""Which categories a scene holds and how many instances of each (the counting-relevant knobs).

A kind's slots (furniture or small objects) are filled category by category in a weighted random
order: each category gets ``duplicates`` instances with probability ``duplicate_fraction`` (a
*duplicated* category, for counting and uniqueness questions) and one otherwise, without exceeding
the kind's share of ``num_categories`` distinct categories. A category is duplicated regardless of
the draw when the remaining slots could not otherwise fit into the remaining categories; only when
even that is not enough (too few categories for the objects) do counts grow beyond ``duplicates``
(round robin, beyond an asset's ``max_count`` only when the category budget leaves no other way).
"""
from __future__ import annotations

import math

import numpy as np

from simgen.scene.assets import Asset


def split_budget(num_categories: int, want_furniture: int, want_small: int) -> tuple[int, int]:
    """Distinct-category budgets (furniture, small) from how many each kind could use.

    ``want_*`` is min(slots, categories available) of a kind; when both fit they are the budgets,
    otherwise ``num_categories`` is shared in proportion, with at least one for a kind in use.
    """
    if want_furniture + want_small <= num_categories:
        return want_furniture, want_small
    if want_furniture == 0 or want_small == 0:
        return min(want_furniture, num_categories), min(want_small, num_categories)
    k_f = round(num_categories * want_furniture / (want_furniture + want_small))
    k_f = min(max(k_f, 1), num_categories - 1)
    return k_f, num_categories - k_f


def weighted_order(rng: np.random.Generator, pool: list[Asset]) -> list[Asset]:
    """The pool in a random order where heavier assets tend to come first."""
    w = np.array([a.weight for a in pool], dtype=float)
    return [pool[i] for i in rng.choice(len(pool), size=len(pool), replace=False, p=w / w.sum())]


def choose(rng: np.random.Generator, pool: list[Asset], n: int, budget: int, duplicates: int,
           duplicate_fraction: float, supports: int = 0) -> list[Asset]:
    """``n`` assets (with repeats) from ``pool`` using at most ``budget`` distinct categories.

    The first ``supports`` categories drawn are support-offering ones (where the pool has them), so
    the small objects have surfaces to go on.
    """
    if n == 0:
        return []
    order = weighted_order(rng, pool)
    if supports:
        first = [a for a in order if a.supports][:supports]
        order = first + [a for a in order if not any(a is b for b in first)]
    usable = min(budget, len(order))
    counts: list[int] = []
    remaining = n
    for item in order[:usable]:
        if remaining == 0:
            break
        count = duplicates if rng.random() < duplicate_fraction else 1
        later = usable - len(counts) - 1  # categories still available after this one
        if remaining - count > later * duplicates:  # the rest would not fit: duplicate now
            count = duplicates
        counts.append(min(count, remaining, item.max_count))
        remaining -= counts[-1]
    while remaining:  # too few categories for the objects: grow counts, within max_count while possible
        grow = [k for k, c in enumerate(counts) if c < order[k].max_count] or list(range(len(counts)))
        for k in grow[:remaining]:
            counts[k] += 1
            remaining -= 1
    return [item for item, c in zip(order, counts) for _ in range(c)]


def split_objects(num_objects: int, furniture_capacity: int) -> tuple[int, int]:
    """``num_objects`` → (furniture, small): the larger half furniture, but no more than the room holds."""
    n_f = min(math.ceil(num_objects / 2), furniture_capacity)
    return n_f, num_objects - n_f
