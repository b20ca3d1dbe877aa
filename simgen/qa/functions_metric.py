"""DSL functions for metric quantities, unit literals and keys (partial functions for selection).

Definitions (the project's decisions, see REFERENCES.md): ``distance`` is the closest-point
distance between the two oriented boxes (0 when touching); ``centre_distance`` is between box
centres; ``size`` is the longest box dimension; ``height`` the vertical extent; ``room_area`` the
footprint area; ``camera_distance`` the distance from the camera centre to the closest point of
the box; ``depth`` the camera-frame z (forward) of the box centre. Heights (``elevation``,
``top``, ``bottom``) are world z, i.e. above the floor at z = 0. Object geometry is the static
(first-frame) state; ``distance`` and ``distance_to`` take an optional frame to use the boxes as
they are in that frame, and the camera functions always use their frame's states.
"""
from __future__ import annotations

import numpy as np

from simgen.qa.signatures import (
    FRAME, KEY, NUMBER, OBJ, UNIT_TEXT, ExecutionError, Key, Param, Q, dsl_constant, dsl_function,
)


def _unit_literal(unit: str):
    """Register ``<unit>(value)``: a number given a unit, the way programs write unit literals."""

    name = "nframes" if unit == "frames" else unit  # frames() would read as a list of frames

    def literal(ctx, value):
        return float(value)

    literal.__doc__ = f"The number ``value`` as a quantity in {UNIT_TEXT[unit]}, e.g. ``{name}(2)``."
    dsl_function(name, "metric", (Param("value", NUMBER),), Q(unit))(literal)


for _unit in ("m", "cm", "m2", "m3", "deg", "frames"):
    _unit_literal(_unit)


@dsl_function("to_cm", "metric", (Param("length", Q("m")),), Q("cm"))
def to_cm(ctx, length):
    """A length in metres converted to centimetres."""
    return length * 100.0


@dsl_function("to_m", "metric", (Param("length", Q("cm")),), Q("m"))
def to_m(ctx, length):
    """A length in centimetres converted to metres."""
    return length / 100.0


@dsl_function("distance", "metric", (Param("a", OBJ), Param("b", OBJ), Param("frame", FRAME, None)), Q("m"))
def distance(ctx, a, b, frame):
    """Closest-point distance between the oriented boxes of two objects (0 if they touch or overlap), as
    they are at ``frame`` (default: the static, first-frame state)."""
    return float(ctx.view.distance_matrix(_row(ctx, frame))[a, b])


def _row(ctx, frame):
    """Frame row of an optional frame argument (None: the static state)."""
    return None if frame is None else ctx.frame_row(frame)


@dsl_function("centre_distance", "metric", (Param("a", OBJ), Param("b", OBJ)), Q("m"))
def centre_distance(ctx, a, b):
    """Distance between the centres of two objects' boxes."""
    return float(ctx.view.centre_distance_matrix()[a, b])


@dsl_function("size", "metric", (Param("obj", OBJ),), Q("m"))
def size(ctx, obj):
    """The longest dimension of an object's oriented box."""
    return float(ctx.view.sizes()[obj])


@dsl_function("height", "metric", (Param("obj", OBJ),), Q("m"))
def height(ctx, obj):
    """The vertical extent of an object's box (top minus bottom)."""
    return float(2.0 * ctx.view.vertical_half()[obj])


@dsl_function("volume", "metric", (Param("obj", OBJ),), Q("m3"))
def volume(ctx, obj):
    """The volume of an object's oriented box."""
    return float(8.0 * np.prod(ctx.view.half[obj]))


@dsl_function("elevation", "metric", (Param("obj", OBJ),), Q("m"))
def elevation(ctx, obj):
    """Height of an object's box centre above the floor (world z)."""
    return float(ctx.view.center[obj, 2])


@dsl_function("top", "metric", (Param("obj", OBJ),), Q("m"))
def top(ctx, obj):
    """Height of the highest point of an object's box above the floor."""
    return float(ctx.view.center[obj, 2] + ctx.view.vertical_half()[obj])


@dsl_function("bottom", "metric", (Param("obj", OBJ),), Q("m"))
def bottom(ctx, obj):
    """Height of the lowest point of an object's box above the floor."""
    return float(ctx.view.center[obj, 2] - ctx.view.vertical_half()[obj])


@dsl_function("room_area", "metric", (), Q("m2"))
def room_area(ctx):
    """Floor area of the room (area of its footprint polygon); a house has no one room to measure."""
    if ctx.view.house_rooms:
        raise ExecutionError("house", "room_area() measures a single room; in a house, name the room")
    return float(ctx.view.room_area())


@dsl_function("camera_distance", "metric", (Param("obj", OBJ), Param("frame", FRAME)), Q("m"))
def camera_distance(ctx, obj, frame):
    """Distance from the camera centre at ``frame`` to the closest point of the object's box."""
    return float(ctx.view.camera_distances(ctx.frame_row(frame))[obj])


@dsl_function("depth", "metric", (Param("obj", OBJ), Param("frame", FRAME)), Q("m"))
def depth(ctx, obj, frame):
    """Depth of the object's box centre along the camera's viewing axis at ``frame`` (camera z)."""
    return float(ctx.view.camera_points(ctx.frame_row(frame))[obj, 2])


# -- keys: partial functions Obj -> Quantity for argmin / argmax / sort ---------------------------

@dsl_function("distance_to", "metric", (Param("x", OBJ), Param("frame", FRAME, None)), KEY("m"))
def distance_to(ctx, x, frame):
    """Key: an object's closest-point distance to ``x`` (as ``distance(obj, x, frame)``)."""
    row = _row(ctx, frame)
    name = f"distance_to({ctx.view.names[x]}" + ("" if frame is None else f", {frame}") + ")"
    return Key(name, "m", lambda c, rows: c.view.distance_matrix(row)[x, rows])


@dsl_function("centre_distance_to", "metric", (Param("x", OBJ),), KEY("m"))
def centre_distance_to(ctx, x):
    """Key: an object's centre distance to ``x`` (as ``centre_distance(obj, x)``)."""
    return Key(f"centre_distance_to({ctx.view.names[x]})", "m", lambda c, rows: c.view.centre_distance_matrix()[x, rows])


@dsl_function("camera_distance_at", "metric", (Param("frame", FRAME),), KEY("m"))
def camera_distance_at(ctx, frame):
    """Key: an object's camera distance at ``frame`` (as ``camera_distance(obj, frame)``)."""
    row = ctx.frame_row(frame)
    return Key(f"camera_distance_at({frame})", "m", lambda c, rows: c.view.camera_distances(row)[rows])


@dsl_function("depth_at", "metric", (Param("frame", FRAME),), KEY("m"))
def depth_at(ctx, frame):
    """Key: an object's depth at ``frame`` (as ``depth(obj, frame)``)."""
    row = ctx.frame_row(frame)
    return Key(f"depth_at({frame})", "m", lambda c, rows: c.view.camera_points(row)[rows, 2])


def _key_constant(name: str, unit: str, values, doc: str, rival=None) -> None:
    """Register a key that needs no argument (``argmax(objs, key=size_of)``), with its rival reading if any."""
    dsl_constant(name, KEY(unit), Key(name, unit, values, rival), doc, "metric")


_key_constant("size_of", "m", lambda c, rows: c.view.sizes()[rows],
              "Key: an object's size (longest box dimension), as ``size(obj)``.")
_key_constant("height_of", "m", lambda c, rows: 2.0 * c.view.vertical_half()[rows],
              "Key: an object's vertical extent, as ``height(obj)``.")
_key_constant("volume_of", "m3", lambda c, rows: 8.0 * np.prod(c.view.half[rows], axis=1),
              "Key: an object's box volume, as ``volume(obj)``; a choice or order by it must also hold by the "
              "volume its parts fill (a toilet's box holds more than a stove's, its bowl and tank less than "
              "the stove's body), the recorded gap being the smaller.",
              rival=lambda c, rows: 8.0 * np.prod(c.view.half[rows], axis=1) * c.view.filled[rows])
_key_constant("elevation_of", "m", lambda c, rows: c.view.center[rows, 2],
              "Key: the height of an object's centre, as ``elevation(obj)``.")
_key_constant("top_of", "m", lambda c, rows: c.view.center[rows, 2] + c.view.vertical_half()[rows],
              "Key: the height of an object's highest point, as ``top(obj)``.")
