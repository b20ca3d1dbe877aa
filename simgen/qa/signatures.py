"""The DSL's type system and the table of functions every program may call.

A function is registered with ``@dsl_function(name, group, params, returns, ...)`` in one of the
``functions_<group>.py`` modules; the decorated Python callable is ``impl(ctx, *args)`` where
``ctx`` is the executor's run context (``ctx.view``, ``ctx.record``, ``ctx.frame_row``,
``ctx.refer``, ``ctx.step``). ``FUNCTIONS`` and ``CONSTANTS`` are the whole vocabulary: the type
checker, the executor and the generated reference (docs/DSL_REFERENCE.md) all read them, so
documentation and code cannot drift.

Runtime values: Obj = object row (int); Objs / Order = int64 array of rows (order kept);
Category / Color / Label / Str = str; Categories / Labels = tuple of str; Frame = episode frame
index (int); Quantity / Number = float; Bool = bool; Key = ``Key``; Pose = ``Standpoint`` (a
place on the floor, a heading and the frame whose object states it sees; functions_pose.py);
Room = a room of a house (its index in ``SceneSpec.rooms``; functions_house.py);
Action = (action name, amount in metres or radians); Actions = tuple of Actions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

UNITS = ("m", "m2", "m3", "cm", "deg", "count", "frames")
UNIT_TEXT = {"m": "metres", "m2": "square metres", "m3": "cubic metres", "cm": "centimetres",
             "deg": "degrees", "count": "a count", "frames": "episode frames"}


@dataclass(frozen=True)
class Type:
    """A DSL type: ``kind`` plus a unit (Quantity, Key) or a label set (Label, Labels)."""

    kind: str
    unit: str | None = None
    labels: tuple[str, ...] | None = None

    def __str__(self) -> str:
        if self.unit is not None:
            return f"{self.kind}[{self.unit}]"
        if self.labels is not None:
            return f"{self.kind}{{{','.join(self.labels)}}}"
        return self.kind

    @property
    def answer_kind(self) -> str:
        """How an answer of this type is asked: number, label, bool, object, ordering, …"""
        return {"Quantity": "number", "Number": "number", "Label": "label", "Labels": "labels",
                "Bool": "bool", "Obj": "object", "Objs": "objects", "Order": "ordering",
                "Category": "category", "Categories": "categories", "Color": "color",
                "Frame": "frame", "Room": "room"}.get(self.kind, "none")  # Key, Pose, Action(s) are never answers


OBJ, OBJS, ORDER = Type("Obj"), Type("Objs"), Type("Order")
CATEGORY, CATEGORIES, COLOR = Type("Category"), Type("Categories"), Type("Color")
FRAME, NUMBER, BOOL, STR = Type("Frame"), Type("Number"), Type("Bool"), Type("Str")
POSE, ACTION, ACTIONS = Type("Pose"), Type("Action"), Type("Actions")
ROOM = Type("Room")
# Types that are means to an answer, never an answer themselves.
NOT_ANSWERS = ("Key", "Pose", "Action", "Actions")
SIZE_CLASSES = ("small", "medium", "large")


def Q(unit: str) -> Type:
    """Quantity type with a unit from UNITS."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; units are {UNITS}")
    return Type("Quantity", unit=unit)


def KEY(unit: str) -> Type:
    """Key type: a partial function Obj → Quantity[unit], used by argmin/argmax/sort."""
    return Type("Key", unit=Q(unit).unit)


def LABEL(*labels: str) -> Type:
    """One label out of a declared set."""
    return Type("Label", labels=tuple(labels))


def LABELS(*labels: str) -> Type:
    """A sequence of labels from a declared set."""
    return Type("Labels", labels=tuple(labels))


class ExecutionError(Exception):
    """A program cannot be answered on this scene; ``reason`` is a short code (e.g. ``not_unique``)."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(f"{reason}: {message}" if message else reason)
        self.reason = reason


REQUIRED = object()  # marks a parameter without a default


@dataclass(frozen=True)
class Param:
    """One parameter: name, type, default (REQUIRED if none), allowed literal values if restricted."""

    name: str
    type: Type
    default: Any = REQUIRED
    choices: tuple | None = None  # the argument must be a literal from this set (it shapes the result type)

    def __str__(self) -> str:
        text = f"{self.name}: {self.type}"
        if self.choices is not None:
            text += f" in {{{', '.join(map(str, self.choices))}}}"
        if self.default is not REQUIRED:
            text += f" = {self.default!r}"
        return text


@dataclass(frozen=True)
class Signature:
    """A registered function: its parameters, result type, behaviour and documentation."""

    name: str
    group: str
    params: tuple[Param, ...]
    returns: Type | Callable[..., Type]  # a callable gets the literal values of `choices` params
    doc: str
    impl: Callable[..., Any] = field(repr=False, compare=False)
    # Trivial version for the degeneracy check: "input" returns its first argument; "all": objects();
    # any other value names a function with the same parameters that stands in for this one.
    ablate: str | None = None
    decision: str | None = None  # what margin it records in the trace (for the reference)

    def result_type(self, literals: dict[str, Any]) -> Type:
        """The result type, given the literal values of parameters with ``choices``."""
        return self.returns(**literals) if callable(self.returns) else self.returns

    def returns_text(self) -> str:
        """Result type as written in the reference."""
        return str(self.returns) if isinstance(self.returns, Type) else (self.returns.__doc__ or "depends on arguments")


@dataclass(frozen=True)
class Constant:
    """A named constant a program may use (keys such as ``size_of``)."""

    name: str
    type: Type
    value: Any
    doc: str
    group: str


class Key:
    """Runtime key: maps object rows to quantities in ``unit`` (``values(ctx, rows) -> array``).

    ``rival``: another reading of the same words, in the same unit (``volume_of``: the box's volume,
    and the volume its parts fill); an object chosen or ordered by the key must be so by both, and
    the recorded gap is the smaller of the two (negative where the rival reading disagrees)."""

    __slots__ = ("name", "unit", "values", "rival")

    def __init__(self, name: str, unit: str, values: Callable, rival: Callable | None = None):
        self.name, self.unit, self.values, self.rival = name, unit, values, rival


FUNCTIONS: dict[str, Signature] = {}
CONSTANTS: dict[str, Constant] = {}
GROUPS = ("sets", "metric", "relations", "selection", "time", "motion", "pose", "house")


def dsl_function(name: str, group: str, params: tuple[Param, ...], returns, ablate: str | None = None,
                 decision: str | None = None):
    """Decorator registering ``impl(ctx, *args)`` as DSL function ``name`` (its docstring is the doc)."""
    if group not in GROUPS:
        raise ValueError(f"function {name}: group {group!r} not in {GROUPS}")

    def deco(impl):
        if name in FUNCTIONS:
            raise ValueError(f"DSL function {name!r} registered twice")
        doc = " ".join((impl.__doc__ or "").split())
        if not doc:
            raise ValueError(f"DSL function {name!r} needs a docstring (it is the reference text)")
        FUNCTIONS[name] = Signature(name, group, tuple(params), returns, doc, impl, ablate, decision)
        return impl

    return deco


def dsl_constant(name: str, type_: Type, value: Any, doc: str, group: str) -> None:
    """Register a named constant (e.g. the key ``size_of``)."""
    if name in CONSTANTS or name in FUNCTIONS:
        raise ValueError(f"DSL name {name!r} registered twice")
    CONSTANTS[name] = Constant(name, type_, value, doc, group)

def unit_hint(a: Type, b: Type) -> str:
    """A hint for a type error between ``a`` and ``b`` (a bare number where a unit is needed, m vs cm)."""
    if NUMBER in (a, b) and (a.kind == "Quantity" or b.kind == "Quantity"):
        unit = a.unit or b.unit
        return f" (give the number a unit, e.g. {'nframes' if unit == 'frames' else unit}(1.5))"
    if a.kind == b.kind == "Quantity" and {a.unit, b.unit} == {"m", "cm"}:
        return " (convert with to_cm(...) or to_m(...))"
    return ""


_PRODUCTS = {("m", "m"): "m2", ("m", "m2"): "m3", ("m2", "m"): "m3"}
_QUOTIENTS = {("m2", "m"): "m", ("m3", "m"): "m2", ("m3", "m2"): "m"}


def _is_quantity(t: Type) -> bool:
    return t.kind == "Quantity"


def _is_scalar(t: Type) -> bool:
    """Numbers and counts are dimensionless factors in products and quotients."""
    return t == NUMBER or t == Type("Quantity", unit="count")


def arithmetic_type(symbol: str, a: Type, b: Type) -> Type | None:
    """Result type of ``a symbol b`` (symbol in + - * /), or None where the units do not allow it."""
    if a == NUMBER and b == NUMBER:
        return NUMBER
    if symbol in "+-":
        if _is_quantity(a) and a == b:
            return a
        if Q("count") in (a, b) and NUMBER in (a, b):
            return Q("count")
        return Q("frames") if symbol == "-" and a == b == FRAME else None
    if symbol == "*":
        if _is_quantity(a) and _is_scalar(b):
            return a
        if _is_scalar(a) and _is_quantity(b):
            return b
        unit = _PRODUCTS.get((a.unit, b.unit)) if _is_quantity(a) and _is_quantity(b) else None
        return Q(unit) if unit else None
    if _is_quantity(a) and a == b:  # a ratio of equal units
        return NUMBER
    if _is_quantity(a) and _is_scalar(b):
        return a
    unit = _QUOTIENTS.get((a.unit, b.unit)) if _is_quantity(a) and _is_quantity(b) else None
    return Q(unit) if unit else None


# Every ExecutionError reason a function or the executor can raise (the reference lists them and a
# test checks the source raises no other).
EXECUTION_REASONS = {
    "empty_set": "a set that must not be empty is (no observed object matches, nothing to choose from)",
    "not_unique": "`the`/`unique` found more than one candidate",
    "never_visible": "an object is never visible above the thresholds (no first/last appearance)",
    "behind_camera": "an image relation asked about an object behind the camera",
    "degenerate_direction": "a standpoint coincides with the facing or target object on the floor",
    "bad_frame": "a frame index the episode does not have",
    "bad_binding": "a slot value missing, of the wrong kind, or naming an unknown object/frame",
    "division_by_zero": "arithmetic divided by zero",
    "step_limit": "the program exceeded its step budget",
    "no_event": "an object has no motion event (it was never moved on purpose)",
    "several_events": "an object was moved more than once, so \"the move\" is ambiguous",
    "bad_action": "an action amount is negative (the action's name gives its direction)",
    "ambiguous_turn": "the camera turned so far between two frames that the direction of the turn is unknown",
    "camera_turning": "the camera turns so far while an object moves that its direction in the view is unclear",
    "house": "a function that reads the one room as a whole (room_area) was asked about a house",
    "no_room": "an object stands in no room of a house (or the scene is a single room)",
    "same_room": "objects a question needs in different rooms of a house share one (or the reverse)",
    "no_route": "no walk through the house's doorways joins two rooms with straight legs inside each room",
}
