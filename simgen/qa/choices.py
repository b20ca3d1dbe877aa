"""From an executed program's value to a record's answer, answer text and multiple-choice options.

Distractors are valid (never a right answer), distinct from the answer and from each other, and
plausible: objects are other observed categories of the answer's kind, orderings are other permutations. Numbers are
answered here without options: a grid built around one answer tells it (the option nearest the
family's usual value, the middle one, the far-off ones). Their options are drawn once a set of
answers exists, by ``qa.options`` (the ask stage over its shard, ``simgen-merge`` over the
dataset), with ``prior_options``: the family's own answers on a circular quantile grid through the
answer's quantile, so that the option sets are exchangeable, the answer sits at each rank equally
often and no rule built on that distribution (nearest the median, middle, longest) beats chance.
The options are shuffled with a seeded generator; the record keeps the letter and the right answer.
"""
from __future__ import annotations

import math
import string
from dataclasses import dataclass
from typing import Any

import numpy as np

from simgen.qa.families import CONVERSIONS, Family
from simgen.qa.families_house import room_options
from simgen.qa.sampling import observed_categories

LETTERS = string.ascii_uppercase


class ChoiceError(ValueError):
    """The answer cannot be turned into a valid item (e.g. too few distractors)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    """The canonical answer, its text, the options (in order) and the right option's letter."""

    value: Any
    text: str
    choices: tuple[str, ...] = ()
    letter: str | None = None


def convert(value: float, unit_from: str | None, unit_to: str) -> float:
    """Convert a quantity between units (identity when they agree)."""
    if unit_from in (None, unit_to):
        return float(value)
    factor = CONVERSIONS.get((unit_from, unit_to))
    if factor is None:
        raise ChoiceError("unit", f"cannot convert {unit_from} to {unit_to}")
    return float(value) * factor


def format_number(value: float, decimals: int) -> str:
    """Fixed-decimal text of a number (integers without a point)."""
    return f"{value:.{decimals}f}"


def _with_options(answer: Any, text: str, options: list[str], rng: np.random.Generator) -> Answer:
    if len(set(options)) != len(options) or text not in options:
        raise ChoiceError("distractors", f"options {options} are not distinct or miss the answer {text!r}")
    order = rng.permutation(len(options))
    shuffled = tuple(options[int(i)] for i in order)
    return Answer(answer, text, shuffled, LETTERS[shuffled.index(text)])


MIN_OPTION_RATIO = 1.25  # measurements offered as options differ by at least this factor


def prior_options(answer: float, text: str, pool: np.ndarray, n: int, decimals: int,
                  rng: np.random.Generator, min_ratio: float = 1.0) -> list[str] | None:
    """Up to ``n`` option texts: ``text`` plus answers of the same family taken from ``pool`` (as they
    are: a jittered value would betray itself beside a round answer) on a circular quantile grid.

    The answer's quantile ``u`` in the pool (uniform inside its block of equal values) is one point
    of the grid ``u + j / k (mod 1)``, j = 0..k−1, and the other options are the pool's values at
    the other points. Over a pool's own answers ``u`` is uniform, so the grid's offset is uniform
    and independent of which of its points is the answer: the option sets are exchangeable, the
    answer sits at each rank equally often and no rule on the options (nearest the median, middle,
    magnitude, longest) beats chance. ``k`` is the pool's, never the answer's (:func:`grid_size`):
    the most options, at most ``n``, whose neighbours on the grid differ by at least ``min_ratio``
    wherever the grid falls (1.0: merely differ; a count of 1 that holds half the answers allows
    two options). None when not even 2 can be had: a pool too narrow to offer two values a viewer
    can tell apart asks an open number."""
    pool = np.sort(np.asarray(pool, dtype=float))
    pool = pool[pool > 0]
    if answer <= 0 or len(pool) < 1:
        return None
    lo, hi = int(np.searchsorted(pool, answer, "left")), int(np.searchsorted(pool, answer, "right"))
    if hi == lo:  # an answer the pool lacks (a caller's pool of other records): one more value
        pool, hi = np.insert(pool, lo, answer), lo + 1
    k = grid_size(pool, n, min_ratio)
    if k < 2:
        return None
    u = (lo + rng.uniform(0.0, hi - lo)) / len(pool)
    points = (u + np.arange(1, k) / k) % 1.0
    values = [float(pool[min(int(q * len(pool)), len(pool) - 1)]) for q in points]
    texts = [text] + [format_number(round(v, decimals), decimals) for v in values]
    return texts if len(set(texts)) == k else None  # a point on a block's edge by rounding: rare


def grid_size(pool: np.ndarray, n: int, min_ratio: float = 1.0) -> int:
    """The most grid points (≤ ``n``) of a sorted positive ``pool`` whose neighbours always differ by
    ``min_ratio`` or more (strictly more at 1.0). Points 1/k apart in quantile sit at least
    ⌊len/k⌋ places apart in the pool, so every value and the one that many places above it must."""
    for k in range(min(n, len(pool)), 1, -1):
        step = len(pool) // k
        upper, lower = pool[step:], pool[:-step]
        if min_ratio > 1.0 and np.all(upper >= lower * min_ratio * (1 - 1e-9)) or min_ratio <= 1.0 and np.all(upper > lower):
            return k
    return 1


def option_chains(pool: np.ndarray, answer: float, min_ratio: float) -> tuple[int, int]:
    """How many options a sorted positive ``pool`` can put below and above ``answer`` at most, each
    differing from its neighbour (the answer included) by ``min_ratio`` or more."""
    below = above = 0
    x = answer
    while (i := int(np.searchsorted(pool, x / min_ratio * (1 + 1e-9), "right"))) > 0 and pool[i - 1] < x:
        below, x = below + 1, float(pool[i - 1])
    x = answer
    while (i := int(np.searchsorted(pool, x * min_ratio * (1 - 1e-9), "left"))) < len(pool) and pool[i] > x:
        above, x = above + 1, float(pool[i])
    return below, above


def ranked_options(answer: float, text: str, pool: np.ndarray, k: int, rank: int, decimals: int,
                   rng: np.random.Generator, min_ratio: float) -> list[str] | None:
    """``k`` option texts with ``text`` at ``rank`` (0: the least) among them: ``rank`` values of the
    sorted positive ``pool`` below the answer and ``k − 1 − rank`` above it, each drawn uniformly
    among the pool's answers that keep ``min_ratio`` from the previous one and leave room for the
    rest (``rank`` must fit: :func:`option_chains`). For a pool the answer was not drawn from (a
    category's few answers among a family's), where a grid through the answer's quantile would put
    it at the same end every time (a toy duck, always the least of its range's values)."""
    values = []
    for side, count in ((-1, rank), (1, k - 1 - rank)):
        x = answer
        for left in range(count - 1, -1, -1):
            fits = [v for v in np.unique(pool) if (v * min_ratio <= x * (1 + 1e-9) if side < 0 else v >= x * min_ratio * (1 - 1e-9))
                    and option_chains(pool, float(v), min_ratio)[0 if side < 0 else 1] >= left]
            weights = np.array([np.count_nonzero(pool == v) for v in fits], dtype=float)
            if not fits:
                return None
            x = float(fits[int(rng.choice(len(fits), p=weights / weights.sum()))])
            values.append(x)
    texts = [text] + [format_number(round(v, decimals), decimals) for v in values]
    return texts if len(set(texts)) == k else None


def prior_labels(text: str, counts: dict[str, int], n: int, rng: np.random.Generator) -> list[str] | None:
    """Up to ``n`` option texts for a label-sequence answer: ``text`` plus other answers of the same
    family and length drawn without replacement by their ``counts`` in the dataset, so that a reader
    who knows which routes are common gains nothing (and a viewer who counted a house route's
    doorways is not handed a sequence of another length); fewer (at least 2) when there are fewer
    other answers; None without any."""
    length = len(text.split(", "))
    labels = sorted(t for t in counts if t != text and len(t.split(", ")) == length)
    weights = np.array([float(counts[t]) for t in labels])
    picks: list[str] = []
    while len(picks) < n - 1 and weights.sum() > 0:
        i = int(rng.choice(len(labels), p=weights / weights.sum()))
        picks.append(labels[i])
        weights[i] = 0.0
    return [text] + picks if picks else None


def make_answer(fam: Family, execution, view, bindings: dict, rng: np.random.Generator) -> Answer:
    """Turn an executed program's value into the record's answer and (shuffled) options."""
    spec, value, unit = fam.answer, execution.value, execution.unit
    category_valued = execution.type.kind == "Category"
    if spec.type == "number":
        number = convert(value, unit, spec.unit)
        if spec.unit == "count":
            return Answer(int(round(number)), str(int(round(number))))  # options: qa.options, per shard
        rounded = round(number, spec.decimals) if spec.decimals else int(round(number))
        return Answer(rounded, format_number(rounded, spec.decimals))
    if spec.type == "yes_no":
        text = "yes" if bool(value) else "no"
        return Answer(text, text)
    if spec.type == "choice" and spec.labels and isinstance(value, (list, tuple)):
        return _label_sequence(list(map(str, value)), spec.labels, spec.num_choices or 4, rng)
    if spec.type == "choice" and execution.type.kind == "Room":
        options = room_options(view, execution, spec.num_choices or 4, rng)
        if len(options) < 2:
            raise ChoiceError("few_distractors", f"no other room the video shows could be the answer {value!r}")
        return _with_options(options[0], options[0], options, rng)
    if spec.type == "choice" and spec.labels:
        text = str(value)
        if text not in spec.labels:
            raise ChoiceError("answer_not_in_choices", f"label {text!r} is not one of {list(spec.labels)}")
        return _with_options(text, text, list(spec.labels), rng)
    if spec.type == "choice":
        category = str(value) if category_valued else _category(view, value)
        options = []
        for slot in spec.choice_slots:
            v = bindings[slot]
            options.extend(v if isinstance(v, list) else [v])
        if category not in options and not category_valued:  # named by colour (binding_preference.color_twins)
            category = f"{view.color[view.row_of_name(str(value))]} {category}"
        if category not in options:
            raise ChoiceError("answer_not_in_choices", f"{category!r} is not one of {options}")
        return _with_options(category, category, options, rng)
    if spec.type == "object":
        category = str(value) if category_valued else _category(view, value)
        named = {v for b in bindings.values() for v in (b if isinstance(b, list) else [b]) if isinstance(v, str)}
        if spec.num_choices <= 1:
            return Answer(category, category)
        cats = observed_categories(view)
        kind = view.kind[cats[category][0]] if category in cats else None
        # distractors of the answer's kind (furniture with furniture, small objects with small ones): the
        # right option's kind would tell it (a mug's nearest object is the table it stands on), so fewer
        # options rather than an odd one out
        pool = [c for c, rows in cats.items() if c != category and c not in named and view.kind[rows[0]] == kind]
        if not pool:
            raise ChoiceError("few_distractors", f"no other observed category of the answer's kind ({kind})")
        picks = [pool[int(i)] for i in rng.choice(len(pool), size=min(spec.num_choices - 1, len(pool)), replace=False)]
        return _with_options(category, category, [category] + picks, rng)
    # ordering: a list of objects → their categories, in order
    order = [_category(view, v) for v in value]
    text = ", ".join(order)
    if not spec.num_choices:
        return Answer(order, text)
    return _with_options(order, text, [text] + _permutations(order, spec.num_choices - 1, rng), rng)


def _label_sequence(seq: list[str], labels: tuple[str, ...], n: int, rng: np.random.Generator) -> Answer:
    """A sequence of labels (e.g. route turns) with ``n − 1`` other sequences over the same labels."""
    bad = [x for x in seq if x not in labels]
    if bad:
        raise ChoiceError("answer_not_in_choices", f"labels {bad} are not in {list(labels)}")
    if len(labels) ** len(seq) < n:
        raise ChoiceError("few_distractors", f"only {len(labels) ** len(seq)} sequences of {len(seq)} labels")
    text = ", ".join(seq)
    seen, options = {text}, [text]
    while len(options) < n:  # terminates: enough distinct sequences exist (checked above)
        other = ", ".join(labels[int(i)] for i in rng.integers(len(labels), size=len(seq)))
        if other not in seen:
            seen.add(other)
            options.append(other)
    return _with_options(seq, text, options, rng)


def _permutations(order: list[str], n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct orderings of the same items, none equal to ``order``."""
    if math.factorial(len(order)) - 1 < n:
        raise ChoiceError("few_distractors", f"{len(order)} items have fewer than {n} other orderings")
    seen = {", ".join(order)}
    out = []
    while len(out) < n:  # terminates: enough distinct permutations exist (checked above)
        text = ", ".join(order[int(i)] for i in rng.permutation(len(order)))
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def _category(view, value: Any) -> str:
    """The category of an object named by the executor (object names are unique per episode)."""
    return str(view.category[view.row_of_name(str(value))])
