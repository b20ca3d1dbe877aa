"""Checks on records read from files (scene files, ``episode.json``): every field of the right type,
every number finite, sizes positive, frame counts consistent; errors name the file and the key path.

:func:`build_checked` walks the decoded JSON against the record's type hints and builds the record
in the same walk (what ``Record.from_dict`` builds: nested records, lists as tuples), so a string
where a float belongs, or a NaN or ``1e999``, is caught where it stands:
``frames[3].objects[0].pose.position[2]``; :func:`check_fields` only checks. :func:`check_scene`
and :func:`check_episode` then check what types cannot say. :func:`scene_from_dict` and
:func:`episode_from_dict` do all of it; their ``InputError`` (a ``ValueError``) names the file.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from typing import Any

from simgen.geometry import polygon_area
from simgen.io import InputError
from simgen.json_records import Record
from simgen.types import SCHEMA_VERSION, Episode, SceneSpec

_QUAT_NORM_TOLERANCE = 1e-3  # files hold quaternions rounded to 1e-6; a hand-typed one may be a little off


class _Mismatch(Exception):
    """A value that does not fit its hint; the key path is collected while the checkers unwind."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message, self.path = message, []


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_float(value: Any) -> Any:
    if type(value) is float:
        if not math.isfinite(value):
            raise _Mismatch(f"expected a finite number, got {value}")
    elif type(value) is not int:
        raise _Mismatch(f"expected a number, got {_describe(value)}")
    return value


def _of_type(kind: type, name: str):
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise _Mismatch(f"expected {name}, got {_describe(value)}")
        return value
    return check


def _anything(value: Any) -> Any:
    return _tupleize(value) if type(value) is list else value  # as Record.from_dict keeps it


def _tupleize(value: list) -> tuple:
    return tuple([_tupleize(v) if type(v) is list else v for v in value])


_NUMBER_TYPES = frozenset((float, int))
_INT_TYPES = frozenset((int,))


def _items(inner, fixed: int | None, numbers: bool = False, ints: bool = False):
    """A list whose items fit ``inner`` (one checker, any length) or ``inner`` (a tuple, fixed length),
    as a tuple. ``numbers``: every item is a float; a list of plain finite numbers (poses, matrices:
    most of an episode) is accepted in a few C-level calls, anything else item by item. ``ints``:
    every item is an int; a list of ints (2D boxes) is accepted in one C-level call."""
    def check(value: Any) -> tuple:
        if type(value) is not list:
            raise _Mismatch(f"expected a list, got {_describe(value)}")
        if fixed is not None and len(value) != fixed:
            raise _Mismatch(f"expected {fixed} values, got {len(value)}")
        if ints and _INT_TYPES.issuperset(map(type, value)):
            return tuple(value)
        if numbers and _NUMBER_TYPES.issuperset(map(type, value)):
            try:  # NaN and ±inf make the sum non-finite; so may huge finite values: checked one by one below
                if math.isfinite(sum(value)):
                    return tuple(value)
            except OverflowError:  # an integer too large for a float
                pass
        out = []
        for i, item in enumerate(value):
            try:
                out.append((inner[i] if fixed is not None else inner)(item))
            except _Mismatch as m:
                m.path.append(f"[{i}]")
                raise
        return tuple(out)
    return check


@functools.cache
def _checker(hint: Any, build: bool = True):
    """A function returning decoded JSON as the record's field holds it (``build``: records built;
    else left as dicts), raising _Mismatch when it does not fit ``hint`` (built once per hint)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [_checker(a, build) for a in args if a is not type(None)]  # the records only use `X | None`
        return lambda value: None if value is None else inner(value)
    if isinstance(hint, type) and issubclass(hint, Record) or dataclasses.is_dataclass(hint):
        return _record_checker(hint, build)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _items(_checker(args[0], build), None, args[0] is float, args[0] is int)
        return _items(tuple(_checker(a, build) for a in args), len(args), all(a is float for a in args),
                      all(a is int for a in args))
    if hint is float:
        return _check_float
    if hint is int:
        return _of_type(int, "an integer")
    if hint is str:
        return _of_type(str, "a string")
    if hint is dict or origin is dict:
        return _of_type(dict, "an object")
    return _anything


_PLAIN = {int: int, str: str}
_new, _set = object.__new__, object.__setattr__


@functools.cache
def _record_checker(cls, build: bool = True):
    """The checker of a record (or any dataclass): fields present, none unknown, each fitting its hint;
    returns the record built from its checked fields (``build``), else the dict as it is."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    required = frozenset(n for n, f in fields.items()
                         if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
    # per field: the type a value is taken as it is when exactly of it (int and str fields: the checker
    # would only compare the type; most of an episode's fields), and the field's checker
    checks = {name: (_PLAIN.get(hint), _checker(hint, build))
              for name, hint in typing.get_type_hints(cls).items() if name in fields}
    expected = ", ".join(sorted(fields))
    every = frozenset(fields)
    # a data class whose __init__ only stores its fields, given every field: built by _whole_builder
    plain_init = (dataclasses.is_dataclass(cls) and cls.__dataclass_params__.init and "__slots__" not in cls.__dict__
                  and not hasattr(cls, "__post_init__") and all(f.init for f in fields.values()))
    whole_record = _whole_builder(cls, {name: checks[name] for name in fields}) if build and plain_init else None

    def check(data: Any) -> Any:
        if type(data) is not dict:
            raise _Mismatch(f"expected an object, got {_describe(data)}")
        if whole_record is not None and data.keys() == every:
            try:
                return whole_record(data)
            except (_Mismatch, ValueError, TypeError):
                pass  # the walk below meets the fields in the file's order and names the first bad one
        if not required <= data.keys():
            missing = _Mismatch("missing field")
            missing.path.append(f".{sorted(required - data.keys())[0]}")
            raise missing
        kwargs = {}
        for name, value in data.items():
            field_check = checks.get(name)
            if field_check is None:
                unknown = _Mismatch(f"unknown field (expected one of {expected})")
                unknown.path.append(f".{name}")
                raise unknown
            plain, check_value = field_check
            if type(value) is plain:
                kwargs[name] = value
                continue
            try:
                kwargs[name] = check_value(value)
            except _Mismatch as m:
                m.path.append(f".{name}")
                raise
        if not build:
            return data
        try:
            return cls(**kwargs)
        except TypeError as e:  # as Record.from_dict says it
            raise ValueError(f"{cls.__name__}: {e}") from None
    return check


def _whole_builder(cls, checks: dict):
    """A function building ``cls`` from a dict holding exactly its fields: each value checked (taken as it
    is when of the field's plain type) and the record given the ``__dict__`` its data class ``__init__``
    would have filled (same values, same field order), without the keyword call. Written out per
    class, as ``dataclasses`` writes ``__init__``: the hot path of reading an episode (thousands of
    poses and visibility records). Raises on the first bad value it meets (in field order)."""
    names = list(checks)
    lines = ["def whole(data):"]
    for i, name in enumerate(names):
        plain = checks[name][0]
        lines.append(f"    v{i} = data[{name!r}]")
        lines.append(f"    if type(v{i}) is not {plain.__name__}: v{i} = c{i}(v{i})" if plain else f"    v{i} = c{i}(v{i})")
    lines += ["    record = _new(cls)",
              "    _set(record, '__dict__', {" + ", ".join(f"{name!r}: v{i}" for i, name in enumerate(names)) + "})",
              "    return record"]
    namespace = {"_new": _new, "_set": _set, "cls": cls, **{f"c{i}": checks[name][1] for i, name in enumerate(names)}}
    exec("\n".join(lines), namespace)  # the source is made of field names and the fixed lines above
    return namespace["whole"]


def build_checked(cls, data: Any, where: str = ""):
    """The ``cls`` record (any dataclass) built from ``data`` (decoded JSON) as ``Record.from_dict``
    builds it, checked in the same walk; ValueError naming the key path
    (``frames[3].objects[0].pose.position[2]``) when it is not valid: missing or unknown fields, wrong
    types, non-finite numbers, recursing into nested records."""
    return _walk(cls, data, where, build=True)


def check_fields(cls, data: Any, where: str = "") -> None:
    """Raise ValueError naming the key path when ``data`` (decoded JSON) is not a valid ``cls`` record
    (see :func:`build_checked`; nothing is built)."""
    _walk(cls, data, where, build=False)


def _walk(cls, data: Any, where: str, build: bool):
    try:
        return _record_checker(cls, build)(data)
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


def check_scene(spec: SceneSpec, where: str = "") -> None:
    """What types cannot say about a scene: a real floor polygon, positive sizes, unit quaternions,
    unique object ids ≥ 1, supports that exist."""
    room = _where(where, "room")
    if len(spec.room.footprint) < 3 or abs(polygon_area(spec.room.footprint)) < 1e-6:
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


def _from_dict(cls, check, data: Any, source: str):
    """A ``cls`` record built from decoded JSON and passed through ``check``; InputError naming ``source``."""
    try:
        _version(data)
        record = build_checked(cls, data)
        check(record)
    except (ValueError, TypeError) as e:
        raise InputError(f"{source}: {e}") from None
    return record


def scene_from_dict(data: Any, source: str) -> SceneSpec:
    """A checked SceneSpec from decoded JSON; InputError naming ``source`` and the key otherwise."""
    return _from_dict(SceneSpec, check_scene, data, source)


def episode_from_dict(data: Any, source: str) -> Episode:
    """A checked Episode from decoded JSON; InputError naming ``source`` and the key otherwise."""
    return _from_dict(Episode, check_episode, data, source)
