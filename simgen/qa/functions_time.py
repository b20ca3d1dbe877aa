"""DSL functions about time in the video: first/last appearance, visibility, appearance order.

An object "appears" in the first frame where it is *seen* (``simgen.visibility_model``). Which of
two objects appears first is a question a viewer can answer only when the other one has not been
on screen at all — not even glimpsed — until a clear gap later: the recorded ``frame_gap`` of an
order is, for each neighbouring pair, the first frame the later one is glimpsed minus the first
frame the earlier one is seen (zero or negative when both show up together). Frames are the
episode's own frame indices; gaps between them are in the same units ("frames").
"""
from __future__ import annotations

import numpy as np

from simgen.qa.signatures import (
    BOOL, FRAME, KEY, OBJ, OBJS, ORDER, ExecutionError, Key, Param, dsl_constant, dsl_function,
)


def _seen(ctx, obj, rows: np.ndarray) -> int:
    """Episode frame of ``rows[obj]`` (first/last visible row), marked as used."""
    row = int(rows[obj])
    if row < 0:
        raise ExecutionError("never_visible", f"{ctx.view.names[obj]} is never visible above the thresholds")
    frame = int(ctx.view.frames[row])
    ctx.frame_row(frame)
    return frame


@dsl_function("first_seen", "time", (Param("obj", OBJ),), FRAME,
              decision="appearance: frames from the object's first glimpse to its first appearance (0 when it "
                       "shows up at once; a viewer who saw a sliver earlier would call that its first appearance)")
def first_seen(ctx, obj):
    """The first frame in which the object is seen ("when it first appeared")."""
    frame = _seen(ctx, obj, ctx.view.first_seen_row)
    glimpsed = int(ctx.view.frames[ctx.view.first_glimpse_row[obj]])
    ctx.record("appearance", float(frame - glimpsed), "frames", {"first_glimpsed": glimpsed, "first_seen": frame})
    return frame


@dsl_function("last_seen", "time", (Param("obj", OBJ),), FRAME)
def last_seen(ctx, obj):
    """The last frame in which the object is visible."""
    return _seen(ctx, obj, ctx.view.last_seen_row)


STEADY_S = 0.5  # a frame a question names is read to about this much either side


@dsl_function("visible_in", "time", (Param("obj", OBJ), Param("frame", FRAME)), BOOL,
              decision="visibility: |visible pixels − the 'seen' threshold| as a share of the image (frac), and "
                       "whether the answer holds for half a second either side (steady)")
def visible_in(ctx, obj, frame):
    """Whether the object is seen in ``frame`` (enough of the image shows it)."""
    view = ctx.view
    row = ctx.frame_row(frame)
    pixels = int(view.visible_pixels[row, obj])
    area = float(view.intrinsics.width * view.intrinsics.height)
    seen = bool(view.visible[row, obj])
    # a viewer cannot pin a frame number to the exact picture: the answer must not change nearby
    near = np.abs(view.frames - int(frame)) <= round(STEADY_S * view.fps)
    steady = bool(view.visible[near, obj].all()) if seen else not view.glimpsed[near, obj].any()
    ctx.record("visibility", abs(pixels - view.pixel_threshold["seen"]) / area, "frac",
               {"visible_pixels": pixels, "seen": seen, "glimpsed": bool(view.glimpsed[row, obj]), "steady": steady})
    return seen


def _order_by_appearance(ctx, objs) -> np.ndarray:
    """``objs`` ordered by first appearance; records the gap from each one's first appearance to the
    next one's first glimpse (the smallest over neighbours)."""
    view = ctx.view
    ctx.step(len(objs))
    rows = view.first_seen_row[objs]
    if (rows < 0).any():
        raise ExecutionError("never_visible", f"{view.names[int(objs[np.argmin(rows)])]} is never visible")
    order = np.argsort(rows, kind="stable")
    seen = view.frames[rows[order]]
    glimpsed = view.frames[view.first_glimpse_row[objs[order]]]
    gap = float((glimpsed[1:] - seen[:-1]).min()) if len(objs) > 1 else float("inf")
    ctx.record("frame_gap", gap, "frames", {"first_seen": [int(f) for f in seen],
                                            "first_glimpsed": [int(f) for f in glimpsed]})
    for f in seen:
        ctx.frame_row(int(f))
    ctx.refer(objs)
    return objs[order]


@dsl_function("appearance_order", "time", (Param("objs", OBJS),), ORDER,
              decision="frame_gap: smallest gap from an object's first appearance to the next one's first "
                       "glimpse (frames)")
def appearance_order(ctx, objs):
    """The objects ordered by the frame in which each first appears."""
    return _order_by_appearance(ctx, objs)


@dsl_function("appears_first", "time", (Param("objs", OBJS),), OBJ,
              decision="frame_gap: from the first one's first appearance to the next one's first glimpse (frames)")
def appears_first(ctx, objs):
    """The object of ``objs`` that appears first in the video (the others not even glimpsed before it)."""
    if len(objs) == 0:
        raise ExecutionError("empty_set", "nothing to choose from")
    return int(_order_by_appearance(ctx, objs)[0])


@dsl_function("first_frame", "time", (), FRAME)
def first_frame(ctx):
    """The first frame of the video ("at the start of the video")."""
    return _frame_at(ctx, 0)


@dsl_function("last_frame", "time", (), FRAME)
def last_frame(ctx):
    """The last frame of the video ("at the end of the video")."""
    return _frame_at(ctx, len(ctx.view.frames) - 1)


def _frame_at(ctx, row: int) -> int:
    if not len(ctx.view.frames):
        raise ExecutionError("bad_frame", f"episode {ctx.view.episode_id} has no frames")
    frame = int(ctx.view.frames[row])
    ctx.frame_row(frame)
    return frame


def _first_seen_frames(ctx, rows) -> np.ndarray:
    """Key values: the first frame each object is visible in (marked as used)."""
    return np.array([_seen(ctx, int(r), ctx.view.first_seen_row) for r in rows], dtype=float)


dsl_constant("first_seen_of", KEY("frames"), Key("first_seen_of", "frames", _first_seen_frames),
             "Key: the frame an object first appears in, as ``first_seen(obj)`` (e.g. which appeared first).", "time")
