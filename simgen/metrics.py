"""The project's one Mean Relative Accuracy (VSI-Bench) and the number parsing it rests on.

MRA(ŷ, y) = (1/10) · Σ_θ 1[ |ŷ − y| / |y| ≤ 1 − θ ] over θ ∈ {0.50, 0.55, …, 0.95} — exactly ten
thresholds, built from the integers 50, 55, …, 95, and compared in exact rational arithmetic
(``fractions.Fraction`` of the decimal texts), so a boundary case such as ŷ = 14.5, y = 10 (relative
error 0.45 = 1 − 0.55) counts, where float arithmetic (1 − 0.55 = 0.44999…) would drop it.

- The prediction's number is its first number-like token ("about 2.5 m" → 2.5; "1,200" → 1);
  a prediction with no number scores 0.
- y = 0 has no relative error: the score is 1 if ŷ = 0 exactly, else 0 (counts of zero are the
  only case in practice).

The scorer (``simgen.eval.scorer``) and the blind audit (``simgen.qa.blind_audit``) both score with it.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction

MRA_THRESHOLD_PERCENTS = tuple(range(50, 100, 5))  # 50, 55, ..., 95: ten integers, no float drift
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def parse_number(value) -> Fraction | None:
    """The exact value of a number, or of the first number-like token of a text; None if there is none."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return Fraction(repr(value)) if math.isfinite(value) else None  # repr: the decimal a person reads
    match = _NUMBER.search(str(value))
    return Fraction(match.group()) if match else None


def mra(prediction, truth) -> float:
    """Mean Relative Accuracy of one prediction (a number or a text) against the true number."""
    y = parse_number(truth)
    if y is None:
        raise ValueError(f"MRA needs a numeric ground truth, got {truth!r}")
    y_hat = parse_number(prediction)
    if y_hat is None:
        return 0.0
    if y == 0:
        return float(y_hat == 0)
    rel = abs(y_hat - y) / abs(y)
    return sum(rel <= Fraction(100 - p, 100) for p in MRA_THRESHOLD_PERCENTS) / len(MRA_THRESHOLD_PERCENTS)
