"""DSL functions about standpoints: where a viewer stands and faces, what-if actions, goal aiming.

A ``Pose`` is a standpoint on the floor: a position (x, y), a heading (yaw, counter-clockwise from
+X) and the frame whose object states it sees (``None``: the static, first-frame state). It comes
from the camera at a frame (``camera_pose``: the camera centre and its optical axis projected on
the floor), from two objects (``standing_pose``: at one box centre facing another's, as in
VSI-Bench's "standing by A facing B") or from another pose after actions (``pose_after``).

Actions are the camera's discrete actions (``simgen.types.EGO_ACTIONS``): ``move_ahead`` /
``move_back`` by a length along the heading, ``turn_left`` / ``turn_right`` by an angle (left =
counter-clockwise from above), ``look_up`` / ``look_down`` (they tilt the view and leave the
standpoint as it is). In a family's ``actions`` slot they are written ``[name, amount]`` with
turns in degrees and moves in metres; question text names them in words ("turn left 90°, then
move forward 1 m").

Relations from a pose use floor-plane box centres at the pose's frame, with VSI-Bench's sectors
for ``direction_from_pose`` (see functions_relations). A turn's side is left/right by its sign;
with ``straight=True``, |angle| ≤ 10° counts as straight (SAT), and its margin is the distance
to that boundary; every side also keeps a margin from ±180°, where left and right meet.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.geometry import wrap_angle
from simgen.qa.signatures import (
    ACTION, ACTIONS, BOOL, FRAME, LABEL, NUMBER, OBJ, POSE, ExecutionError, Param, Q, dsl_function,
)
from simgen.qa.functions_relations import _angle_side, _direction_type, _label, _record_angle
from simgen.types import EGO_ACTIONS

STRAIGHT_DEG = 10.0  # SAT: a turn of at most this much means "go straight"
# which way to turn to face something this near straight behind is anyone's guess: either way round
# (judged by eye: "turn left" to face a plant 172° to the left, a viewer cannot tell from 172° right)
BEHIND_DEG = 30.0
# How each action reads in a question, and the unit of its amount in bindings and text.
ACTION_WORDS = {"move_ahead": ("move forward", "m"), "move_back": ("move back", "m"), "turn_left": ("turn left", "deg"),
                "turn_right": ("turn right", "deg"), "look_up": ("look up", "deg"), "look_down": ("look down", "deg")}


@dataclass(frozen=True)
class Standpoint:
    """Runtime value of a Pose: floor position (m), heading (rad) and the frame row whose states it sees."""

    x: float
    y: float
    yaw: float
    frame_row: int | None = None


def actions_from_binding(value) -> tuple[tuple[str, float], ...]:
    """Runtime actions from a slot value ``[[name, amount], ...]`` (turns in degrees, moves in metres)."""
    out = []
    for item in value:
        if not (isinstance(item, (list, tuple)) and len(item) == 2 and item[0] in EGO_ACTIONS
                and isinstance(item[1], (int, float)) and not isinstance(item[1], bool) and item[1] >= 0):
            raise ValueError(f"an action is [name, amount ≥ 0] with name in {EGO_ACTIONS}, got {item!r}")
        name, amount = item[0], float(item[1])
        out.append((name, np.radians(amount) if ACTION_WORDS[name][1] == "deg" else amount))
    if not out:
        raise ValueError("an actions slot needs at least one action")
    return tuple(out)


def display_amount(name: str, amount: float) -> float:
    """An EgoAction amount (m or rad) in the units questions use (m, or degrees), rounded for reading:
    whole degrees when within 0.05° of one, else 0.1°; centimetres for lengths."""
    if ACTION_WORDS[name][1] == "m":
        return round(float(amount), 2)
    deg = float(np.degrees(amount))
    return float(round(deg)) if abs(deg - round(deg)) < 0.05 else round(deg, 1)


def describe_actions(value) -> str:
    """Words for ``[[name, amount], ...]``: "turn left 90°, then move forward 1 m"."""
    parts = []
    for name, amount in value:
        words, unit = ACTION_WORDS[name]
        parts.append(f"{words} {float(amount):g}" + ("°" if unit == "deg" else " m"))
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", then " + parts[-1]


def _action(name: str, unit: str):
    """Register the action constructor ``name(amount)``."""

    def make(ctx, amount):
        if amount < 0:
            raise ExecutionError("bad_action", f"{name}({amount:g}): amounts are ≥ 0 (the name gives the direction)")
        return name, float(np.radians(amount)) if unit == "deg" else float(amount)

    words = ACTION_WORDS[name][0]
    what, units = ("angle", "degrees") if unit == "deg" else ("distance", "metres")
    make.__doc__ = f'The action "{words}" by ``{what}`` ({units}, ≥ 0), for ``pose_after``.'
    param = Param("angle" if unit == "deg" else "distance", Q(unit))
    dsl_function(name, "pose", (param,), ACTION)(make)


for _name, (_, _unit) in ACTION_WORDS.items():
    _action(_name, _unit)


@dsl_function("camera_pose", "pose", (Param("frame", FRAME),), POSE)
def camera_pose(ctx, frame):
    """Where the camera stands at ``frame``: its centre on the floor, facing along its optical axis."""
    row = ctx.frame_row(frame)
    yaw = float(ctx.view.camera_yaws()[row])
    if np.isnan(yaw):
        raise ExecutionError("degenerate_direction", f"the camera looks straight up or down in frame {frame}")
    x, y = ctx.view.camera_center(row)[:2]
    return Standpoint(float(x), float(y), yaw, row)


@dsl_function("standing_pose", "pose", (Param("stand", OBJ), Param("facing", OBJ), Param("frame", FRAME, None)), POSE)
def standing_pose(ctx, stand, facing, frame):
    """Standing at ``stand``'s box centre facing ``facing``'s (floor plane), with the objects as they are
    at ``frame`` (default: the static, first-frame state)."""
    row = None if frame is None else ctx.frame_row(frame)
    xy = ctx.view.center_at(row)[:, :2]
    d = xy[facing] - xy[stand]
    if np.hypot(*d) < 1e-9:
        raise ExecutionError("degenerate_direction", "standpoint coincides with the facing object")
    return Standpoint(float(xy[stand, 0]), float(xy[stand, 1]), float(np.arctan2(d[1], d[0])), row)


@dsl_function("pose_after", "pose", (Param("pose", POSE), Param("actions", ACTIONS)), POSE)
def pose_after(ctx, pose, actions):
    """The standpoint after performing ``actions`` in order from ``pose`` (looks change nothing on the floor)."""
    ctx.step(len(actions))
    x, y, yaw = pose.x, pose.y, pose.yaw
    for name, amount in actions:
        if name in ("turn_left", "turn_right"):
            yaw = wrap_angle(yaw + (amount if name == "turn_left" else -amount))
        elif name in ("move_ahead", "move_back"):
            step = amount if name == "move_ahead" else -amount
            x, y = x + step * np.cos(yaw), y + step * np.sin(yaw)
    return Standpoint(float(x), float(y), float(yaw), pose.frame_row)


def _target_xy(ctx, pose: Standpoint, target: int) -> np.ndarray:
    return ctx.view.center_at(pose.frame_row)[target, :2]


def _facing_point(pose: Standpoint) -> np.ndarray:
    return np.array([pose.x + np.cos(pose.yaw), pose.y + np.sin(pose.yaw)])


@dsl_function("direction_from_pose", "pose",
              (Param("pose", POSE), Param("target", OBJ), Param("levels", NUMBER, 2, (2, 3, 4))), _direction_type,
              decision="direction: angle to the nearest sector boundary (deg)")
def direction_from_pose(ctx, pose, target, levels):
    """From ``pose``, the direction of ``target`` (VSI-Bench levels 2, 3 or 4, as ``direction``)."""
    stand = np.array([pose.x, pose.y])
    theta, cross = _angle_side(stand, _facing_point(pose), _target_xy(ctx, pose, target))
    _record_angle(ctx, theta, int(levels), {})
    return _label(theta, cross, int(levels))


@dsl_function("bearing_from_pose", "pose", (Param("pose", POSE), Param("target", OBJ)), Q("deg"))
def bearing_from_pose(ctx, pose, target):
    """From ``pose``, the signed angle to turn to face ``target`` (deg, in (−180, 180], left positive)."""
    stand = np.array([pose.x, pose.y])
    theta, cross = _angle_side(stand, _facing_point(pose), _target_xy(ctx, pose, target))
    return float(np.degrees(wrap_angle(np.radians(theta if cross >= 0 else -theta))))


@dsl_function("distance_from_pose", "pose", (Param("pose", POSE), Param("target", OBJ)), Q("m"))
def distance_from_pose(ctx, pose, target):
    """Floor-plane distance from ``pose`` to ``target``'s box centre (objects as the pose's frame shows them)."""
    return float(np.hypot(*(_target_xy(ctx, pose, target) - [pose.x, pose.y])))


def _side_type(straight=False):
    """Label{left,right} (straight=False), Label{left,right,straight} (straight=True)"""
    return LABEL("left", "right", "straight") if straight else LABEL("left", "right")


@dsl_function("turn_side", "pose", (Param("angle", Q("deg")), Param("straight", BOOL, False, (False, True))), _side_type,
              decision="direction: angle to the nearest of 0° (or ±10° with straight) and ±180° (±150° with "
                       "straight) (deg)")
def turn_side(ctx, angle, straight):
    """Which way a signed turn goes: left (> 0) or right; with ``straight=True`` (which way to turn to
    face something), |angle| ≤ 10° is straight and the margin keeps ``BEHIND_DEG`` from ±180°."""
    a = abs(float(angle))
    boundary, behind = (STRAIGHT_DEG, 180.0 - BEHIND_DEG) if straight else (0.0, 180.0)
    ctx.record("direction", min(abs(a - boundary), behind - a), "deg", {"angle_deg": round(float(angle), 6)})
    if straight and a <= STRAIGHT_DEG:
        return "straight"
    return "left" if angle > 0 else "right"


@dsl_function("abs_angle", "pose", (Param("angle", Q("deg")),), Q("deg"))
def abs_angle(ctx, angle):
    """The size of a signed angle (deg), e.g. how far to turn whichever way."""
    return abs(float(angle))


@dsl_function("closer_or_farther", "pose", (Param("before", Q("m")), Param("after", Q("m"))), LABEL("closer", "farther"),
              decision="compare: |after − before| (m)")
def closer_or_farther(ctx, before, after):
    """Whether a distance got smaller ("closer") or larger ("farther") from ``before`` to ``after``."""
    ctx.record("compare", abs(float(after) - float(before)), "m", {"relation": "closer_or_farther"})
    return "closer" if after < before else "farther"
