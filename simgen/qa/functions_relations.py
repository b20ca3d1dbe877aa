"""DSL functions for spatial relations: allocentric directions (VSI-Bench), image sides, above.

"A above B" is what it says in English: A is over B (their footprints overlap seen from above)
and higher (A's bottom at B's top or higher, with a small tolerance for resting objects).

Allocentric direction ("standing at A facing B, where is C?") uses box centres projected on the
floor: θ is the angle between the facing vector B−A and the query vector C−A, and C is on the
LEFT when the 2D cross product facing × query is positive (Z up, right-handed). The levels
follow VSI-Bench: 2 = left/right (boundaries 0°, 180°); 3 = left/right if θ < 135°, else back
(boundaries 0° and 135°: behind, at 180°, is the middle of "back", not a boundary); 4 = front-left/front-right if θ < 90°, else back-left/back-right
(boundaries 0°, 90°, 180°). The recorded margin is the angle to the nearest boundary. A walk's
turns (``WALK``: a house route) add "straight" for θ < 30° (boundaries 30° and 135°): through a
doorway the next leg often goes on ahead.

Egocentric (image) relations use the OpenCV camera frame: x right, z forward; an object's
horizontal angle is atan2(x, z) of its box centre, positive to the right of the optical axis.
"""
from __future__ import annotations

import numpy as np

from simgen.geometry import obb_corners, wrap_angle
from simgen.qa.signatures import BOOL, FRAME, LABEL, LABELS, NUMBER, OBJ, OBJS, ExecutionError, Param, Q, dsl_function

DIRECTION_LABELS = {
    2: ("left", "right"),
    3: ("left", "right", "back"),
    4: ("front-left", "front-right", "back-left", "back-right"),
}
BOUNDARIES_DEG = {2: (0.0, 180.0), 3: (0.0, 135.0), 4: (0.0, 90.0, 180.0)}
WALK = "walk"  # the turns of a walk: straight / left / right / back (not a ``direction`` level)
DIRECTION_LABELS[WALK] = ("straight", "left", "right", "back")
BOUNDARIES_DEG[WALK] = (30.0, 135.0)


def _direction_type(levels=2):
    """Label{left,right} (levels=2), Label{left,right,back} (levels=3), Label{front-left,front-right,back-left,back-right} (levels=4)"""
    return LABEL(*DIRECTION_LABELS[levels])


def _angle_side(stand_xy, facing_xy, target_xy) -> tuple[float, float]:
    """(θ in degrees in [0, 180], signed cross product) of facing and query vectors on the floor."""
    f = facing_xy - stand_xy
    q = target_xy - stand_xy
    if np.hypot(*f) < 1e-9 or np.hypot(*q) < 1e-9:
        raise ExecutionError("degenerate_direction", "standpoint coincides with the facing or target object")
    cross = float(f[0] * q[1] - f[1] * q[0])
    dot = float(f[0] * q[0] + f[1] * q[1])
    return float(np.degrees(np.arctan2(abs(cross), dot))), cross


def _label(theta: float, cross: float, levels) -> str:
    side = "left" if cross > 0 else "right"
    if levels in (3, WALK) and theta >= 135.0:
        return "back"
    if levels == WALK and theta < 30.0:
        return "straight"
    if levels == 4:
        return ("front-" if theta < 90.0 else "back-") + side
    return side


def _record_angle(ctx, theta: float, levels, detail: dict) -> None:
    margin = min(abs(theta - b) for b in BOUNDARIES_DEG[levels])
    ctx.record("direction", margin, "deg", {"theta_deg": round(theta, 6), "levels": levels, **detail})


@dsl_function("direction", "relations",
              (Param("stand", OBJ), Param("facing", OBJ), Param("target", OBJ), Param("levels", NUMBER, 2, (2, 3, 4))),
              _direction_type, decision="direction: angle to the nearest sector boundary (deg)")
def direction(ctx, stand, facing, target, levels):
    """Standing at ``stand`` facing ``facing``, the direction of ``target`` (VSI-Bench levels 2, 3 or 4)."""
    xy = ctx.view.center[:, :2]
    theta, cross = _angle_side(xy[stand], xy[facing], xy[target])
    _record_angle(ctx, theta, int(levels), {})
    return _label(theta, cross, int(levels))


@dsl_function("bearing", "relations", (Param("stand", OBJ), Param("facing", OBJ), Param("target", OBJ)), Q("deg"))
def bearing(ctx, stand, facing, target):
    """Standing at ``stand`` facing ``facing``, the signed angle to ``target`` in (−180°, 180°], positive = left."""
    xy = ctx.view.center[:, :2]
    theta, cross = _angle_side(xy[stand], xy[facing], xy[target])
    return float(np.degrees(wrap_angle(np.radians(theta if cross >= 0 else -theta))))


@dsl_function("route_turns", "relations", (Param("start", OBJ), Param("facing", OBJ), Param("stops", OBJS)),
              LABELS("left", "right", "back"), decision="direction: per turn, angle to the nearest of 0°, 135°, 180° (deg)")
def route_turns(ctx, start, facing, stops):
    """Starting at ``start`` facing ``facing``, the turn (left/right/back) before walking to each stop in order."""
    xy = ctx.view.center[:, :2]
    turns = walk_turns(ctx, xy[start], xy[facing], [xy[s] for s in stops], [ctx.view.names[s] for s in stops], 3)
    ctx.refer(stops)
    return turns


def walk_turns(ctx, here, ahead, stops, names, levels) -> tuple[str, ...]:
    """Standing at ``here`` facing ``ahead`` (floor points), the turn before each straight leg to the
    next of ``stops`` (floor points called ``names`` in the trace), labelled at ``levels``; each turn's
    angle to its nearest sector boundary is recorded."""
    turns = []
    ctx.step(len(stops))
    for stop, name in zip(stops, names):
        theta, cross = _angle_side(here, ahead, stop)
        _record_angle(ctx, theta, levels, {"stop": name})
        turns.append(_label(theta, cross, levels))
        # After walking to the stop we face along the leg just walked.
        ahead, here = stop + (stop - here), stop
    return tuple(turns)


def _azimuth(ctx, obj, frame) -> float:
    """Horizontal angle (deg) of the object's centre from the optical axis, positive to the right."""
    x, _, z = ctx.view.camera_points(ctx.frame_row(frame))[obj]
    if z <= 1e-9:
        raise ExecutionError("behind_camera", f"{ctx.view.names[obj]} is behind the camera in frame {frame}")
    return float(np.degrees(np.arctan2(x, z)))


def _box_azimuths(ctx, obj, frame) -> np.ndarray:
    """Horizontal angles (deg) of the box's corners in front of the camera at ``frame``."""
    view, row = ctx.view, ctx.frame_row(frame)
    corners = obb_corners(view.center_at(row)[obj], view.half[obj], view.rotation_at(row)[obj])
    T = view.T_cam_world[row]
    cam = corners @ T[:3, :3].T + T[:3, 3]
    cam = cam[cam[:, 2] > 1e-9]
    return np.degrees(np.arctan2(cam[:, 0], cam[:, 2]))


@dsl_function("image_side", "relations", (Param("obj", OBJ), Param("frame", FRAME)), LABEL("left", "right"),
              decision="image_side: horizontal angle of the box's nearest edge from the optical axis (deg; 0 when "
                       "the box straddles the centre line)")
def image_side(ctx, obj, frame):
    """Whether the object's centre is in the left or right half of the view at ``frame``; the margin is
    how far its whole box keeps from the centre line (an object across the middle is in neither half)."""
    azimuth = _azimuth(ctx, obj, frame)
    edges = _box_azimuths(ctx, obj, frame)
    same_side = len(edges) and ((edges > 0).all() or (edges < 0).all())
    margin = float(np.abs(edges).min()) if same_side else 0.0
    ctx.record("image_side", margin, "deg", {"azimuth_deg": round(azimuth, 6)})
    return "right" if azimuth > 0 else "left"


@dsl_function("left_of", "relations", (Param("a", OBJ), Param("b", OBJ), Param("frame", FRAME)), BOOL,
              decision="compare: difference of horizontal angles (deg)")
def left_of(ctx, a, b, frame):
    """Whether ``a`` appears to the left of ``b`` in the view at ``frame`` (by horizontal angle of the centres)."""
    diff = _azimuth(ctx, b, frame) - _azimuth(ctx, a, frame)
    ctx.record("compare", abs(diff), "deg", {"relation": "left_of"})
    return diff > 0


REST_TOL_M = 0.08  # A's bottom this far below B's top still counts as "on top" (boxes are loose)


@dsl_function("above", "relations", (Param("a", OBJ), Param("b", OBJ)), BOOL,
              decision="compare: how far the nearer-to-flipping condition (vertical or footprint) is from "
                       "flipping (m)")
def above(ctx, a, b):
    """Whether ``a`` is above ``b`` in plain English: ``a`` is over ``b`` (their footprints seen from
    above overlap) and higher (``a``'s bottom at least ``b``'s top, less a 0.08 m tolerance for
    objects resting on it). A vase on a table next to a chair is not above the chair."""
    view = ctx.view
    vhalf = view.vertical_half()
    vertical = float(view.center[a, 2] - vhalf[a] - (view.center[b, 2] + vhalf[b]))  # bottom(a) − top(b)
    separation = view.footprint_separation(a, b)
    higher, over = vertical >= -REST_TOL_M, separation < 0.0
    margins = {"higher": abs(vertical + REST_TOL_M), "over": abs(separation)}
    holds = {"higher": higher, "over": over}
    if higher and over:
        margin = min(margins.values())
    else:  # the answer flips only when every failing condition flips
        margin = max(m for k, m in margins.items() if not holds[k])
    ctx.record("compare", margin, "m", {"relation": "above", "bottom_minus_top_m": round(vertical, 6),
                                        "footprint_separation_m": round(separation, 6)})
    return bool(higher and over)
