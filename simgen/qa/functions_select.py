"""DSL functions that choose or order objects by a key (a partial function Obj → Quantity).

Each records the gap that decided it: best versus second best for argmin/argmax, the smallest
gap between neighbours for sort. Ties are broken by object id so answers are deterministic, and
show up as a zero margin for the verifier to reject. A key with a rival reading (``Key.rival``)
records the smaller of its gap and the rival's for the same choice or order.
"""
from __future__ import annotations

import numpy as np

from simgen.qa.signatures import BOOL, OBJ, OBJS, ORDER, ExecutionError, Param, Type, dsl_function

KEY_ANY = Type("Key")  # any unit: the recorded margin carries the key's unit


def _values(ctx, objs, key) -> np.ndarray:
    if len(objs) == 0:
        raise ExecutionError("empty_set", f"nothing to choose from for key {key.name}")
    ctx.step(len(objs))
    return np.asarray(key.values(ctx, objs), dtype=float)


def _rival_gap(ctx, objs, key, sign: float, order: np.ndarray, best_only: bool, gap: float, detail: dict) -> float:
    """``gap``, or the rival reading's gap for the same choice (the best against every other) or order
    (neighbours), when smaller; both go into ``detail``."""
    if key.rival is None or len(objs) < 2:
        return gap
    rival = sign * np.asarray(key.rival(ctx, objs), dtype=float)[order]
    rival_gap = float((rival[1:] - rival[0]).min() if best_only else np.diff(rival).min())
    detail.update(key_gap=gap, rival_gap=rival_gap)
    return min(gap, rival_gap)


def _pick(ctx, objs, key, sign: float) -> int:
    values = sign * _values(ctx, objs, key)
    order = np.argsort(values, kind="stable")  # objs are in id order, so ties go to the lower id
    gap = float(values[order[1]] - values[order[0]]) if len(objs) > 1 else float("inf")
    best = int(objs[order[0]])
    detail = {"key": key.name, "best": ctx.view.names[best]}
    if len(objs) > 1:
        detail["second"] = ctx.view.names[int(objs[order[1]])]
    gap = _rival_gap(ctx, objs, key, sign, order, True, gap, detail)
    ctx.record("gap", gap, key.unit, detail)
    ctx.refer([best])
    return best


@dsl_function("argmin", "selection", (Param("objs", OBJS), Param("key", KEY_ANY)), OBJ,
              decision="gap: second smallest minus smallest key value (key's unit; inf for one candidate)")
def argmin(ctx, objs, key):
    """The object of ``objs`` with the smallest key value, e.g. ``argmin(objs, key=distance_to(x))``."""
    return _pick(ctx, objs, key, 1.0)


@dsl_function("argmax", "selection", (Param("objs", OBJS), Param("key", KEY_ANY)), OBJ,
              decision="gap: largest minus second largest key value (key's unit; inf for one candidate)")
def argmax(ctx, objs, key):
    """The object of ``objs`` with the largest key value, e.g. ``argmax(objs, key=size_of)``."""
    return _pick(ctx, objs, key, -1.0)


@dsl_function("sort", "selection", (Param("objs", OBJS), Param("key", KEY_ANY), Param("descending", BOOL, False)),
              ORDER, decision="gap: smallest difference between neighbours in the order (key's unit)")
def sort(ctx, objs, key, descending):
    """The objects ordered by increasing key value (decreasing with ``descending=True``)."""
    sign = -1.0 if descending else 1.0
    values = sign * _values(ctx, objs, key)
    order = np.argsort(values, kind="stable")
    gap = float(np.diff(values[order]).min()) if len(objs) > 1 else float("inf")
    detail = {"key": key.name, "descending": bool(descending)}
    gap = _rival_gap(ctx, objs, key, sign, order, False, gap, detail)
    ctx.record("gap", gap, key.unit, detail)
    ctx.refer(objs)
    return objs[order]
