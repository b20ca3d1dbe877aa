"""Complexity knobs of episodes, as the card, the report and the evaluation breakdown group them.

A scene's ``complexity`` dict holds the knob values it was built with (nested dicts flattened to
``a.b`` keys) plus ``source`` — the builder, seed, shard and scene index — which is provenance,
not a knob, and is left out. A numeric knob with more than ``MAX_VALUES`` distinct values (room
area, free floor fraction, …) is grouped into ``BINS`` equal-width bins so tables and plots stay
readable at any dataset size.
"""
from __future__ import annotations

from typing import Any, Iterable

MAX_VALUES = 10
BINS = 8
PROVENANCE = "source"


def flat_knobs(complexity: dict, prefix: str = "") -> dict[str, Any]:
    """Knob name → scalar value (nested dicts flattened to ``a.b``, lists joined as text, ``source`` dropped)."""
    out = {}
    for key, value in sorted(complexity.items()):
        if not prefix and key == PROVENANCE:
            continue
        if isinstance(value, dict):
            out.update(flat_knobs(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def sort_values(values: Iterable) -> list:
    """Knob values in numeric order when they are numbers, else as text."""
    return sorted(values, key=lambda v: (0, float(v), "") if _is_number(v) else (1, 0.0, str(v)))


def group_values(values: Iterable) -> tuple[dict, list]:
    """(value → group, groups in order): each value itself, or an equal-width bin label "[lo, hi)"
    for a numeric knob with more than ``MAX_VALUES`` distinct values."""
    distinct = sort_values(set(values))
    if len(distinct) <= MAX_VALUES or not all(_is_number(v) for v in distinct):
        return {v: v for v in distinct}, distinct
    lo, hi = float(distinct[0]), float(distinct[-1])
    width = (hi - lo) / BINS
    labels = [f"[{lo + i * width:.3g}, {lo + (i + 1) * width:.3g}{']' if i == BINS - 1 else ')'}" for i in range(BINS)]
    mapping = {v: labels[min(int((float(v) - lo) / width), BINS - 1)] for v in distinct}
    return mapping, [label for label in labels if label in set(mapping.values())]
