"""Checks on records read from files (scene files, ``episode.json``): every field of the right type,
every number finite, sizes positive, frame counts consistent; errors name the file and the key path.

:func:`check_fields` walks the decoded JSON against the record's type hints before the record is
built (so ``from_dict`` never sees a string where a float belongs, and a NaN or ``1e999`` is caught
where it stands: ``frames[3].objects[0].pose.position[2]``); :func:`check_scene` and
:func:`check_episode` then check what types cannot say. :func:`scene_from_dict` and
:func:`episode_from_dict` do all of it; their ``InputError`` (a ``ValueError``) names the file.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from typing import Any

from simgen.io import InputError
from simgen.types import SCHEMA_VERSION, Episode, Record, SceneSpec

_QUAT_NORM_TOLERANCE = 1e-3  # files hold quaternions rounded to 1e-6; a hand-typed one may be a little off


class _Mismatch(Exception):
    """A value that does not fit its hint; the key path is collected while the checkers unwind."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message, self.path = message, []


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_float(value: Any) -> None:
    if type(value) is float:
        if not math.isfinite(value):
            raise _Mismatch(f"expected a finite number, got {value}")
    elif type(value) is not int:
        raise _Mismatch(f"expected a number, got {_describe(value)}")


def _of_type(kind: type, name: str):
    def check(value: Any) -> None:
        if type(value) is not kind:
            raise _Mismatch(f"expected {name}, got {_describe(value)}")
    return check


def _anything(value: Any) -> None:
    return None


def _items(inner, fixed: int | None):
    """A list whose items fit ``inner`` (one checker, any length) or ``inner`` (a tuple, fixed length)."""
    def check(value: Any) -> None:
        if type(value) is not list:
            raise _Mismatch(f"expected a list, got {_describe(value)}")
        if fixed is not None and len(value) != fixed:
            raise _Mismatch(f"expected {fixed} values, got {len(value)}")
        for i, item in enumerate(value):
            try:
                (inner[i] if fixed is not None else inner)(item)
            except _Mismatch as m:
                m.path.append(f"[{i}]")
                raise
    return check


@functools.cache
def _checker(hint: Any):
    """A function raising _Mismatch when decoded JSON does not fit ``hint`` (built once per hint)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [_checker(a) for a in args if a is not type(None)]  # the records only use `X | None`
        return lambda value: None if value is None else inner(value)
    if isinstance(hint, type) and issubclass(hint, Record) or dataclasses.is_dataclass(hint):
        return _record_checker(hint)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _items(_checker(args[0]), None)
        return _items(tuple(_checker(a) for a in args), len(args))
    if hint is float:
        return _check_float
    if hint is int:
        return _of_type(int, "an integer")
    if hint is str:
        return _of_type(str, "a string")
    if hint is dict or origin is dict:
        return _of_type(dict, "an object")
    return _anything


@functools.cache
def _record_checker(cls):
    """The checker of a record (or any dataclass): fields present, none unknown, each fitting its hint."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    required = frozenset(n for n, f in fields.items()
                         if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
    checks = {name: _checker(hint) for name, hint in typing.get_type_hints(cls).items() if name in fields}
    expected = ", ".join(sorted(fields))

    def check(data: Any) -> None:
        if type(data) is not dict:
            raise _Mismatch(f"expected an object, got {_describe(data)}")
        if not required <= data.keys():
            missing = _Mismatch("missing field")
            missing.path.append(f".{sorted(required - data.keys())[0]}")
            raise missing
        for name, value in data.items():
            check_value = checks.get(name)
            if check_value is None:
                unknown = _Mismatch(f"unknown field (expected one of {expected})")
                unknown.path.append(f".{name}")
                raise unknown
            try:
                check_value(value)
            except _Mismatch as m:
                m.path.append(f".{name}")
                raise
    return check


def check_fields(cls, data: Any, where: str = "") -> None:
    """Raise ValueError naming the key path (``frames[3].objects[0].pose.position[2]``) when ``data``
    (decoded JSON) is not a valid ``cls`` record (any dataclass): missing or unknown fields, wrong
    types, non-finite numbers, recursing into nested records."""
    try:
        _record_checker(cls)(data)
    except _Mismatch as m:
        path = (where + "".join(reversed(m.path))).lstrip(".")
        raise ValueError(f"{path or 'top level'}: {m.message}") from None


def _where(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _positive(values, where: str) -> None:
    if any(v <= 0 for v in values):
        raise ValueError(f"{where}: expected values > 0, got {list(values)}")


def _unit_quaternion(quat, where: str) -> None:
    if abs(math.sqrt(sum(q * q for q in quat)) - 1.0) > _QUAT_NORM_TOLERANCE:
        raise ValueError(f"{where}: expected a unit quaternion (w, x, y, z), got {list(quat)}")


def _polygon_area(points) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]))


def check_scene(spec: SceneSpec, where: str = "") -> None:
    """What types cannot say about a scene: a real floor polygon, positive sizes, unit quaternions,
    unique object ids ≥ 1, supports that exist."""
    room = _where(where, "room")
    if len(spec.room.footprint) < 3 or abs(_polygon_area(list(spec.room.footprint))) < 1e-6:
        raise ValueError(f"{room}.footprint: expected a polygon of ≥ 3 vertices enclosing an area, "
                         f"got {list(spec.room.footprint)}")
    _positive([spec.room.height], f"{room}.height")
    ids = [o.object_id for o in spec.objects]
    if len(set(ids)) != len(ids) or min(ids, default=1) < 1:
        raise ValueError(f"{_where(where, 'objects')}: object_id values must be unique and ≥ 1, got {ids}")
    for i, obj in enumerate(spec.objects):
        at = _where(where, f"objects[{i}]")
        _positive(obj.half_extents, f"{at}.half_extents")
        _unit_quaternion(obj.pose.quat_wxyz, f"{at}.pose.quat_wxyz")
        if obj.mass < 0:
            raise ValueError(f"{at}.mass: expected ≥ 0, got {obj.mass}")
        if obj.support is not None and obj.support not in ids:
            raise ValueError(f"{at}.support: no object with id {obj.support}")
        for j, part in enumerate(obj.parts):
            _positive(part.size, f"{at}.parts[{j}].size")
            _unit_quaternion(part.offset.quat_wxyz, f"{at}.parts[{j}].offset.quat_wxyz")


def check_episode(episode: Episode) -> None:
    """What types cannot say about an episode: its scene (:func:`check_scene`), a real camera, and
    frames that agree with each other — indices ≥ 0 and increasing (a stored episode may keep every
    k-th frame), times not going back, a 4×4 camera pose and one state per scene object in every
    frame, events and actions inside the video."""
    check_scene(episode.scene, "scene")
    intr = episode.intrinsics
    _positive([intr.width, intr.height, intr.fx, intr.fy], "intrinsics (width, height, fx, fy)")
    _positive([episode.fps], "fps")
    if not episode.frames:
        raise ValueError("frames: expected at least one frame, got none")
    ids = sorted(o.object_id for o in episode.scene.objects)
    last_index, last_time = -1, -math.inf
    for i, frame in enumerate(episode.frames):
        at = f"frames[{i}]"
        if frame.index <= last_index:
            raise ValueError(f"{at}.index: expected a frame index above the previous frame's {last_index}, "
                             f"got {frame.index}")
        last_index = frame.index
        if frame.time_s < last_time:
            raise ValueError(f"{at}.time_s: {frame.time_s} is before the previous frame's {last_time}")
        last_time = frame.time_s
        if len(frame.T_world_cam) != 4 or any(len(row) != 4 for row in frame.T_world_cam):
            raise ValueError(f"{at}.T_world_cam: expected a 4×4 matrix")
        states = sorted(s.object_id for s in frame.objects)
        if states != ids:
            raise ValueError(f"{at}.objects: expected one state for each of the scene's {len(ids)} objects "
                             f"(ids {ids}), got ids {states}")
        unknown = sorted({v.object_id for v in frame.visibility} - set(ids))
        if unknown:
            raise ValueError(f"{at}.visibility: object ids {unknown} are not in the scene")
    for name, spans in (("events", episode.events), ("actions", episode.actions)):
        for i, span in enumerate(spans):
            if not 0 <= span.start_frame <= span.end_frame <= last_index:
                raise ValueError(f"{name}[{i}]: frames {span.start_frame}..{span.end_frame} are outside the video's "
                                 f"frames 0..{last_index}")


def _version(data: Any) -> None:
    version = data.get("schema_version", "missing") if isinstance(data, dict) else "missing"
    if version != SCHEMA_VERSION:  # checked first: a newer file's fields would only confuse the rest
        raise ValueError(f"schema_version: {version}, expected {SCHEMA_VERSION} (a file written by another "
                         f"simgen version?)")


def scene_from_dict(data: Any, source: str) -> SceneSpec:
    """A checked SceneSpec from decoded JSON; InputError naming ``source`` and the key otherwise."""
    try:
        _version(data)
        check_fields(SceneSpec, data)
        spec = SceneSpec.from_dict(data)
        check_scene(spec)
    except (ValueError, TypeError) as e:
        raise InputError(f"{source}: {e}") from None
    return spec


def episode_from_dict(data: Any, source: str) -> Episode:
    """A checked Episode from decoded JSON; InputError naming ``source`` and the key otherwise."""
    try:
        _version(data)
        check_fields(Episode, data)
        episode = Episode.from_dict(data)
        check_episode(episode)
    except (ValueError, TypeError) as e:
        raise InputError(f"{source}: {e}") from None
    return episode
