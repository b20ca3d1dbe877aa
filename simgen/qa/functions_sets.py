"""DSL functions over object sets: selecting observed objects, filters, uniqueness, counting.

Sets only ever contain OBSERVED objects (visible above the view's thresholds in enough frames):
a question never refers to an object the viewer could not see.
"""
from __future__ import annotations

import numpy as np

from simgen.qa.signatures import (
    BOOL, CATEGORIES, CATEGORY, COLOR, FRAME, LABEL, OBJ, OBJS, SIZE_CLASSES, ExecutionError, Param, Q,
    dsl_function,
)

# Size classes by longest dimension: small < 0.5 m ≤ medium < 1.5 m ≤ large.
SIZE_BOUNDARIES_M = (0.5, 1.5)


@dsl_function("objects", "sets", (Param("category", CATEGORY, None), Param("color", COLOR, None)), OBJS, ablate="all")
def objects(ctx, category, color):
    """The observed objects, optionally only those of a category and/or colour (in object-id order)."""
    rows = ctx.view.observed_rows(category, color)
    ctx.step(len(rows))
    return rows


@dsl_function("filter_category", "sets", (Param("objs", OBJS), Param("category", CATEGORY)), OBJS, ablate="input")
def filter_category(ctx, objs, category):
    """The objects of ``objs`` whose category is ``category``."""
    ctx.step(len(objs))
    return objs[ctx.view.category[objs] == category]


@dsl_function("filter_color", "sets", (Param("objs", OBJS), Param("color", COLOR)), OBJS, ablate="input")
def filter_color(ctx, objs, color):
    """The objects of ``objs`` whose colour is ``color``."""
    ctx.step(len(objs))
    return objs[ctx.view.color[objs] == color]


@dsl_function("filter_size", "sets", (Param("objs", OBJS), Param("size_class", LABEL(*SIZE_CLASSES))), OBJS,
              ablate="input", decision="size_class: smallest distance of an input's size to a class boundary (m)")
def filter_size(ctx, objs, size_class):
    """The objects of ``objs`` in a size class by longest dimension: small < 0.5 m ≤ medium < 1.5 m ≤ large."""
    ctx.step(len(objs))
    sizes = ctx.view.sizes()[objs]
    _record_size_margin(ctx, sizes)
    return objs[_size_classes(sizes) == size_class]


@dsl_function("size_class", "sets", (Param("obj", OBJ),), LABEL(*SIZE_CLASSES),
              decision="size_class: distance of the object's size to the nearest class boundary (m)")
def size_class(ctx, obj):
    """The size class of an object by its longest dimension (small < 0.5 m ≤ medium < 1.5 m ≤ large)."""
    size = ctx.view.sizes()[[obj]]
    _record_size_margin(ctx, size)
    return str(_size_classes(size)[0])


def _size_classes(sizes: np.ndarray) -> np.ndarray:
    return np.array(SIZE_CLASSES)[np.searchsorted(SIZE_BOUNDARIES_M, sizes, side="right")]


def _record_size_margin(ctx, sizes: np.ndarray) -> None:
    if len(sizes):
        margin = float(np.abs(sizes[:, None] - np.array(SIZE_BOUNDARIES_M)[None, :]).min())
        ctx.record("size_class", margin, "m", {"boundaries_m": list(SIZE_BOUNDARIES_M)})


@dsl_function("filter_visible", "sets", (Param("objs", OBJS), Param("frame", FRAME)), OBJS, ablate="input")
def filter_visible(ctx, objs, frame):
    """The objects of ``objs`` visible (above the thresholds) in episode frame ``frame``."""
    row = ctx.frame_row(frame)
    ctx.step(len(objs))
    return objs[ctx.view.visible[row, objs]]


@dsl_function("exclude", "sets", (Param("objs", OBJS), Param("obj", OBJ)), OBJS, ablate="input")
def exclude(ctx, objs, obj):
    """The objects of ``objs`` other than ``obj`` (e.g. candidates for "nearest to X")."""
    ctx.step(len(objs))
    return objs[objs != obj]


def _unique(ctx, rows: np.ndarray, what: str) -> int:
    """The one row of ``rows``; records the candidate count, raises empty_set / not_unique."""
    ctx.record("unique", float(len(rows)), "count", {"what": what})
    if len(rows) == 0:
        raise ExecutionError("empty_set", f"no observed object matches {what}")
    if len(rows) > 1:
        names = ", ".join(ctx.view.names[r] for r in rows[:5])
        raise ExecutionError("not_unique", f"{len(rows)} observed objects match {what}: {names}")
    ctx.refer(rows)
    return int(rows[0])


@dsl_function("the", "sets", (Param("category", CATEGORY), Param("color", COLOR, None)), OBJ,
              decision="unique: number of observed candidates (must be 1)")
def the(ctx, category, color):
    """The single observed object of a category (and colour, if given); fails unless exactly one exists."""
    return _unique(ctx, objects(ctx, category, color), repr(category) if color is None else f"{color!r} {category!r}")


@dsl_function("unique", "sets", (Param("objs", OBJS),), OBJ, decision="unique: number of candidates (must be 1)")
def unique(ctx, objs):
    """The single object of a set; fails unless the set has exactly one member."""
    return _unique(ctx, objs, "the set")


@dsl_function("the_each", "sets", (Param("categories", CATEGORIES),), OBJS,
              decision="unique: for each category, the number of observed candidates (must be 1)")
def the_each(ctx, categories):
    """One object per category, in the order given: ``the(c)`` for each category ``c``."""
    return np.array([_unique(ctx, objects(ctx, c, None), repr(c)) for c in categories], dtype=np.int64)


@dsl_function("count", "sets", (Param("objs", OBJS),), Q("count"))
def count(ctx, objs):
    """The number of objects in a set."""
    return float(len(objs))


@dsl_function("exists", "sets", (Param("objs", OBJS),), BOOL, decision="count: size of the set")
def exists(ctx, objs):
    """Whether the set has at least one object."""
    ctx.record("count", float(len(objs)), "count", {})
    return len(objs) > 0


@dsl_function("category_of", "sets", (Param("obj", OBJ),), CATEGORY)
def category_of(ctx, obj):
    """The category of an object (e.g. to answer a choice among categories)."""
    return str(ctx.view.category[obj])


@dsl_function("color_of", "sets", (Param("obj", OBJ),), COLOR)
def color_of(ctx, obj):
    """The colour name of an object."""
    return str(ctx.view.color[obj])
