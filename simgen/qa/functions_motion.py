"""DSL functions about motion over time: which objects moved, how far and which way, and how the
camera itself moved and turned.

Definitions (the project's decisions):

- An object's position at a frame is its box centre in that frame's state; ``displacement(obj,
  f0, f1)`` is the straight-line distance between its centres at ``f0`` and ``f1``.
- ``moved(obj)``: at some frame its centre is more than ``MOVED_M`` (0.1 m) from where it was in
  the first frame. Every motion function records a ``motion`` decision (margin = the distance
  moved, detail ``moved``, and the frames before and after the motion): the verifier demands at
  least ``min_motion_m`` of a moving object, at most ``still_max_m`` of a still one, and that the
  object is seen before and after.
- "The move" of an object is its one motion event (``Episode.events``). At an event's
  ``start_frame`` the object has already moved (the simulator shows the first step of the motion
  there), so the move runs from the frame *before* ``start_frame`` — the last state before it
  began to move — to ``end_frame``: ``move_start`` / ``move_end`` are those frames, snapped
  outwards to frames the episode has, and every distance, direction and "before" state is
  measured from that true start.
- ``motion_direction(obj)`` is seen by the observer, the camera at the move's start: the
  horizontal displacement's angle φ from the line of sight (camera → the object's start
  position), positive counter-clockwise from above: away |φ| < 45°, towards |φ| > 135°, left
  45° < φ < 135°, right −135° < φ < −45°. Margin: the angle to the nearest of 45°/135°. The
  camera's heading may stray at most ``MAX_PAN_DURING_MOVE_DEG`` (30°) from its heading at the
  start while the object moves: a move watched during a fast pan looks like another direction.
- The camera's heading is its optical axis projected on the floor. ``camera_move_direction``
  labels the horizontal displacement the same way around the heading at ``f0`` (forward /
  left / backward / right); ``camera_turn`` is the change of heading, left (counter-clockwise)
  positive, summed frame by frame with every step wrapped to (−180°, 180°], so a turn through
  ±180° keeps its direction and size. Two-frame camera functions record an ``interval``
  decision (``f1 − f0`` in frames) for the verifier's minimum frame gap.
"""
from __future__ import annotations

import numpy as np

from simgen.geometry import wrap_angle
from simgen.qa.signatures import BOOL, FRAME, LABEL, OBJ, OBJS, ExecutionError, Param, Q, dsl_function

MOVED_M = 0.1  # further than this from its first position: the object moved
SECTOR_BOUNDARIES_DEG = (45.0, 135.0)
MAX_TURN_STEP_DEG = 120.0  # a larger heading change between consecutive frames has no known direction
# A move watched while the camera turns further than this is not "seen from where the camera was": by eye,
# a box pushed 0.36 m towards a camera panning 60° meanwhile seemed to slide left across the image.
MAX_PAN_DURING_MOVE_DEG = 30.0
# Camera functions and what they need of an episode's camera (see SceneView.camera_travels / camera_turns).
CAMERA_MOTION = {"camera_translation": "travels", "camera_move_direction": "travels", "camera_turn": "turns"}
OBJECT_DIRECTIONS = ("left", "right", "towards", "away")
CAMERA_DIRECTIONS = ("forward", "backward", "left", "right")


def signed_angle_deg(reference_xy, vector_xy) -> float:
    """Angle (deg, in (−180, 180]) from ``reference_xy`` to ``vector_xy``, positive counter-clockwise (left)."""
    cross = reference_xy[0] * vector_xy[1] - reference_xy[1] * vector_xy[0]
    dot = reference_xy[0] * vector_xy[0] + reference_xy[1] * vector_xy[1]
    return float(np.degrees(np.arctan2(cross, dot)))


def sector(phi_deg: float, ahead: str, behind: str) -> tuple[str, float]:
    """Label of an angle in four 90° sectors around the axes (left/right at ±90°) and its margin (deg)."""
    a = abs(phi_deg)
    label = ahead if a < 45.0 else behind if a > 135.0 else ("left" if phi_deg > 0 else "right")
    return label, min(abs(a - b) for b in SECTOR_BOUNDARIES_DEG)


def _record_motion(ctx, distance: float, detail: dict) -> None:
    ctx.record("motion", distance, "m", {"moved": True, **detail})


def _span(view, row: int) -> tuple[int, int] | None:
    """Frames before and after an object's motion: its events (from the frame before each starts),
    else where its path starts and ends."""
    events = view.events_of(row)
    if events:
        return min(e.start_frame for e in events) - 1, max(e.end_frame for e in events)
    progress = view.motion_progress()[:, row]
    if not progress.any():
        return None
    start = int(np.flatnonzero(progress == 0.0)[-1])
    return int(view.frames[start]), int(view.frames[int(np.argmax(progress >= 1.0))])


def _moved(ctx, obj: int) -> bool:
    """Whether ``obj`` moved, recording its largest displacement and the frames around the motion."""
    view = ctx.view
    furthest = float(view.max_displacement()[obj])
    moved = furthest > MOVED_M
    span = _span(view, obj) if moved else view.motion_window()  # a still object: still during every move
    detail = {"object_id": int(view.ids[obj]), "moved": bool(moved)}
    if span is not None:
        detail.update(start_frame=span[0], end_frame=span[1])
    ctx.record("motion", furthest, "m", detail)
    return moved


@dsl_function("moved", "motion", (Param("obj", OBJ),), BOOL,
              decision="motion: the furthest the object gets from its first position (m)")
def moved(ctx, obj):
    """Whether the object moved during the video (its centre got more than 0.1 m from where it started)."""
    return bool(_moved(ctx, obj))


@dsl_function("filter_moved", "motion", (Param("objs", OBJS),), OBJS, ablate="input",
              decision="motion: per object, the furthest it gets from its first position (m)")
def filter_moved(ctx, objs):
    """The objects of ``objs`` that moved during the video (as ``moved``)."""
    ctx.step(len(objs))
    return objs[np.array([_moved(ctx, int(r)) for r in objs], dtype=bool)]


@dsl_function("displacement", "motion", (Param("obj", OBJ), Param("f0", FRAME), Param("f1", FRAME)), Q("m"),
              decision="motion: the displacement itself (m)")
def displacement(ctx, obj, f0, f1):
    """Straight-line distance between the object's box centres at frames ``f0`` and ``f1``."""
    r0, r1 = ctx.frame_row(f0), ctx.frame_row(f1)
    fc = ctx.view.frame_center
    distance = float(np.linalg.norm(fc[r1, obj] - fc[r0, obj]))
    _record_motion(ctx, distance, {"object_id": int(ctx.view.ids[obj]), "start_frame": int(f0), "end_frame": int(f1)})
    return distance


def _event(ctx, obj):
    """The object's one motion event, snapped outwards to frame rows: (start row, end row); records
    how far the object moved over it and the frames before and after."""
    view = ctx.view
    events = view.events_of(obj)
    if not events:
        raise ExecutionError("no_event", f"{view.names[obj]} has no motion event")
    if len(events) > 1:
        raise ExecutionError("several_events", f"{view.names[obj]} was moved {len(events)} times")
    # at start_frame the object has already moved: its state before the move is the frame before
    r0, r1 = view.row_at_or_before(events[0].start_frame - 1), view.row_at_or_after(events[0].end_frame)
    distance = float(np.linalg.norm(view.frame_center[r1, obj] - view.frame_center[r0, obj]))
    _record_motion(ctx, distance, {"object_id": int(view.ids[obj]), "start_frame": _frame_of_row(ctx, r0),
                                   "end_frame": _frame_of_row(ctx, r1)})
    return r0, r1


def _frame_of_row(ctx, row: int) -> int:
    frame = int(ctx.view.frames[row])
    ctx.frame_row(frame)
    return frame


@dsl_function("move_start", "motion", (Param("obj", OBJ),), FRAME, ablate="move_end",
              decision="motion: how far the object moved in its move (m)")
def move_start(ctx, obj):
    """The last frame before the object's one move (its motion event) begins: its state just before the move."""
    return _frame_of_row(ctx, _event(ctx, obj)[0])


@dsl_function("move_end", "motion", (Param("obj", OBJ),), FRAME,
              decision="motion: how far the object moved in its move (m)")
def move_end(ctx, obj):
    """The frame at which the object's one move (its motion event) has ended: its state after the move."""
    return _frame_of_row(ctx, _event(ctx, obj)[1])


@dsl_function("motion_direction", "motion", (Param("obj", OBJ),), LABEL(*OBJECT_DIRECTIONS),
              decision="motion: distance moved (m); direction: angle to the nearest of 45°/135° (deg)")
def motion_direction(ctx, obj):
    """Which way the object moved in its one move, seen by the camera where it was when the move
    started: left, right, towards or away (relative to the line of sight to the object); refused
    (``camera_turning``) when the camera turns more than 30° while the object moves."""
    view = ctx.view
    r0, r1 = _event(ctx, obj)
    pan = np.abs(np.cumsum(_turn_steps(view)[r0:r1])).max(initial=0.0)
    if pan > MAX_PAN_DURING_MOVE_DEG:
        raise ExecutionError("camera_turning", f"the camera turns {pan:.0f}° while {view.names[obj]} moves "
                             f"(at most {MAX_PAN_DURING_MOVE_DEG:g}°: the move is seen from where the camera was)")
    start, end = view.frame_center[r0, obj], view.frame_center[r1, obj]
    move = (end - start)[:2]
    sight = start[:2] - view.camera_center(r0)[:2]
    if np.hypot(*move) < 1e-9 or np.hypot(*sight) < 1e-9:
        raise ExecutionError("degenerate_direction", f"{view.names[obj]} did not move on the floor, or the camera is on it")
    label, margin = sector(signed_angle_deg(sight, move), "away", "towards")
    ctx.record("direction", margin, "deg", {"phi_deg": round(signed_angle_deg(sight, move), 6)})
    return label


def _interval(ctx, f0, f1) -> tuple[int, int]:
    """Rows of ``f0`` and ``f1``, recording their gap in frames."""
    r0, r1 = ctx.frame_row(f0), ctx.frame_row(f1)
    ctx.record("interval", float(int(f1) - int(f0)), "frames", {"from": int(f0), "to": int(f1)})
    return r0, r1


@dsl_function("camera_translation", "motion", (Param("f0", FRAME), Param("f1", FRAME)), Q("m"),
              decision="interval: f1 − f0 (frames); motion: the distance (m)")
def camera_translation(ctx, f0, f1):
    """How far the camera moved between frames ``f0`` and ``f1`` (straight line between its centres)."""
    r0, r1 = _interval(ctx, f0, f1)
    distance = float(np.linalg.norm(ctx.view.camera_center(r1) - ctx.view.camera_center(r0)))
    _record_motion(ctx, distance, {"camera": True})
    return distance


def _heading(ctx, row: int) -> float:
    yaw = float(ctx.view.camera_yaws()[row])
    if np.isnan(yaw):
        raise ExecutionError("degenerate_direction", f"the camera looks straight up or down in frame {ctx.view.frames[row]}")
    return yaw


@dsl_function("camera_move_direction", "motion", (Param("f0", FRAME), Param("f1", FRAME)), LABEL(*CAMERA_DIRECTIONS),
              decision="interval (frames); motion: horizontal distance (m); direction: angle to the nearest of "
                       "45°/135° (deg)")
def camera_move_direction(ctx, f0, f1):
    """Which way the camera moved between ``f0`` and ``f1``, relative to where it faced at ``f0``:
    forward, backward, left or right (horizontal displacement, sectors of 90° around the heading)."""
    r0, r1 = _interval(ctx, f0, f1)
    yaw = _heading(ctx, r0)
    move = (ctx.view.camera_center(r1) - ctx.view.camera_center(r0))[:2]
    _record_motion(ctx, float(np.hypot(*move)), {"camera": True})
    if np.hypot(*move) < 1e-9:
        raise ExecutionError("degenerate_direction", f"the camera did not move between frames {f0} and {f1}")
    phi = signed_angle_deg((np.cos(yaw), np.sin(yaw)), move)
    label, margin = sector(phi, "forward", "backward")
    ctx.record("direction", margin, "deg", {"phi_deg": round(phi, 6)})
    return label


def _turn_steps(view) -> np.ndarray:
    """(F − 1,) the camera's heading change from each frame to the next (deg, each step wrapped), once
    for a view and its copies (jitter moves no camera)."""
    return view._cached_fixed("turn_steps",
                              lambda: np.degrees(np.asarray(wrap_angle(np.diff(view.camera_yaws())), dtype=float)))


@dsl_function("camera_turn", "motion", (Param("f0", FRAME), Param("f1", FRAME)), Q("deg"),
              decision="interval: f1 − f0 (frames); direction: 180° − |turn| (deg), as two views cannot tell a "
                       "turn near ±180° from one the other way")
def camera_turn(ctx, f0, f1):
    """How far the camera turned from ``f0`` to ``f1`` (deg, left positive), summed frame by frame with
    each step wrapped, so a turn through ±180° keeps its direction and size."""
    r0, r1 = _interval(ctx, f0, f1)
    lo, hi = min(r0, r1), max(r0, r1)
    ctx.step(hi - lo)
    yaws = ctx.view.camera_yaws()[lo:hi + 1]
    if np.isnan(yaws).any():
        _heading(ctx, lo + int(np.argmax(np.isnan(yaws))))  # raises, naming the frame
    steps = _turn_steps(ctx.view)[lo:hi]
    if len(steps) and np.abs(steps).max() > MAX_TURN_STEP_DEG:
        raise ExecutionError("ambiguous_turn", f"the heading changes by more than {MAX_TURN_STEP_DEG:g}° between "
                             f"two consecutive frames between {f0} and {f1}")
    total = float(steps.sum()) * (1.0 if r1 >= r0 else -1.0)
    ctx.record("direction", 180.0 - abs(total), "deg", {"turn_deg": round(total, 6)})
    return total
