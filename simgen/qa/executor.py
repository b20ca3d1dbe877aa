"""The one interpreter of DSL programs: walks a type-checked ``Program`` over a ``SceneView``.

``execute(program, view, bindings)`` returns an ``Execution``: the answer, its unit, the trace of
``Decision`` records (every discrete choice with how far its inputs were from flipping it), the
frames the answer depends on and the objects it names. Programs are trees checked by
``simgen.qa.dsl``; nothing here ever calls ``eval``/``exec``, recursion is bounded by the parse
depth limit, and a step budget bounds the work on large scenes.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simgen.qa.program import Node, Program
from simgen.qa.signatures import ACTIONS, CATEGORIES, FUNCTIONS, ExecutionError, Type
from simgen.qa.functions_house import room_index
from simgen.qa.functions_pose import actions_from_binding
from simgen.qa.scene_view import SceneView

__all__ = ["execute", "Execution", "Decision", "Limits", "ExecutionError"]


@dataclass(frozen=True)
class Limits:
    """Execution budget: node evaluations plus per-object work, counted together."""

    max_steps: int = 100_000


@dataclass(slots=True)  # not frozen: a frozen dataclass costs 1 µs more to build, and every run records dozens
class Decision:
    """One discrete choice: its ``kind``, how far from flipping (``margin`` in ``unit``), where, and why."""

    # unique | compare | gap | direction | frame_gap | appearance | image_side | visibility | size_class | count |
    # motion | interval
    kind: str
    margin: float
    unit: str
    node_id: int
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready form (infinite margins become None)."""
        margin = self.margin if math.isfinite(self.margin) else None
        return {"kind": self.kind, "margin": margin, "unit": self.unit, "node_id": self.node_id, "detail": self.detail}


@dataclass(slots=True)  # not frozen, as Decision: built for every run (the verifier re-runs each question ~10 times)
class Execution:
    """The result of running a program on one view."""

    value: Any  # float (with unit) | str label/category/colour/object name | bool | int frame | list of names/labels
    unit: str | None
    type: Type
    trace: tuple[Decision, ...]
    frames_used: tuple[int, ...]  # sorted episode frame indices the answer depends on
    referents: tuple[int, ...]  # sorted object ids the program names
    steps: int


# Functions whose value depends only on their arguments and the view's object sets and attributes
# (observed rows, categories, colours), never on geometry: the same on every jittered copy of a view.
SET_FUNCTIONS = frozenset({"objects", "the", "the_each", "unique", "filter_category", "filter_color", "exclude"})


@functools.lru_cache(maxsize=None)
def set_nodes(program: Program) -> frozenset[int]:
    """Ids of the call nodes made only of SET_FUNCTIONS over slots and literals (``the(a)``,
    ``exclude(objects(), the(ref))``): their values do not change under jitter."""
    out: set[int] = set()

    def fixed(node: Node | None) -> bool:
        if node is None or node.op in ("const", "slot", "constant"):
            return True
        parts = [fixed(c) for c in node.children]  # every child visited: inner set nodes count too
        if node.op == "call" and node.fn.name in SET_FUNCTIONS and all(parts):
            out.add(node.id)
            return True
        return False

    fixed(program.root)
    return frozenset(out)


def execute(program: Program, view: SceneView, bindings: dict[str, Any] | None = None, limits: Limits = Limits(),
            ablate: int | None = None, shared: dict | None = None) -> Execution:
    """Run ``program`` on ``view`` with slot ``bindings``; ``ablate`` replaces that node by its trivial version.

    ``shared`` (a dict kept across runs of one program with the same bindings on views with the same
    object sets, such as the verifier's jittered copies) holds the values of its ``set_nodes``: each is
    evaluated on the first run only, and later runs neither record its decisions nor its referents
    again (only their answers are compared)."""
    if ablate is not None and ablate not in program.ablatable_nodes():
        raise ValueError(f"node {ablate} is not ablatable; ablatable nodes: {program.ablatable_nodes()}")
    run = _Run(view, limits, ablate)
    if shared is not None and ablate is None:
        run.shared, run.set_nodes = shared, set_nodes(program)
    run.bind(program, bindings or {})
    raw = run.eval(program.root)
    value, unit = _answer(view, program.result_type, raw)
    if program.result_type.kind == "Obj":
        run.refer([raw])
    return Execution(
        value=value,
        unit=unit,
        type=program.result_type,
        trace=tuple(run.trace),
        frames_used=tuple(sorted(run.frames)),
        referents=tuple(sorted(int(view.ids[r]) for r in run.referents)),
        steps=run.steps,
    )


def _answer(view: SceneView, type_: Type, raw: Any) -> tuple[Any, str | None]:
    """Plain answer value and unit from a runtime value."""
    kind = type_.kind
    if kind == "Obj":
        return view.names[raw], None
    if kind in ("Objs", "Order"):
        return [view.names[r] for r in raw], None
    if kind in ("Labels", "Categories"):
        return list(raw), None
    if kind in ("Quantity", "Number"):
        return float(raw), type_.unit
    if kind == "Frame":
        return int(raw), "frames"
    if kind == "Room":
        return view.house_rooms[raw].name, None
    return raw, None


class _Run:
    """State of one execution: the context DSL functions see (``view``, ``record``, ``frame_row``, …)."""

    __slots__ = ("view", "limits", "max_steps", "ablate", "steps", "trace", "frames", "referents", "node_id", "slots",
                 "cache", "shared", "set_nodes")

    def __init__(self, view: SceneView, limits: Limits, ablate: int | None):
        self.view, self.limits, self.ablate = view, limits, ablate
        self.max_steps = limits.max_steps
        self.steps, self.trace, self.frames, self.referents = 0, [], set(), set()
        self.node_id, self.slots, self.cache = -1, {}, {}
        self.shared, self.set_nodes = None, frozenset()

    # -- the context API used by functions_*.py ----------------------------------------------------
    def record(self, kind: str, margin: float, unit: str, detail: dict | None = None) -> None:
        """Add a Decision for the node being evaluated."""
        self.trace.append(Decision(kind, float(margin), unit, self.node_id, detail or {}))

    def frame_row(self, frame: int) -> int:
        """Row of an episode frame index, marking the frame as used; ExecutionError if it does not exist."""
        try:
            row = self.view.frame_row(frame)
        except KeyError as e:
            raise ExecutionError("bad_frame", str(e.args[0])) from None
        self.frames.add(int(frame))
        return row

    def refer(self, rows) -> None:
        """Mark object rows as named by the program."""
        self.referents.update(rows.tolist() if isinstance(rows, np.ndarray) else map(int, rows))

    def step(self, n: int = 1) -> None:
        """Spend ``n`` steps of the budget."""
        self.steps += n
        if self.steps > self.max_steps:
            raise ExecutionError("step_limit", f"more than {self.max_steps} steps")

    # -- interpretation ----------------------------------------------------------------------------
    def bind(self, program: Program, bindings: dict[str, Any]) -> None:
        """Convert plain slot values (names, strings, ints) to runtime values, checking each."""
        if not program.slot_types.keys() <= bindings.keys():
            missing = sorted(set(program.slot_types) - set(bindings))
            raise ExecutionError("bad_binding", f"no value for slot(s) {missing}")
        for name, type_ in program.slot_types.items():
            self.slots[name] = self._bind_one(name, type_, bindings[name])

    def _bind_one(self, name: str, type_: Type, value: Any) -> Any:
        kind = type_.kind
        try:
            if kind == "Obj":  # an object named by the family is a referent
                row = self.view.row_of_name(value)
                self.referents.add(row)
                return row
            if kind == "Objs":
                rows = np.array([self.view.row_of_name(v) for v in value], dtype=np.int64)
                self.referents.update(rows.tolist())
                return rows
            if kind == "Frame":
                self.view.frame_row(value)
                return int(value)
            if kind == "Room":
                return room_index(self.view, value)
        except (KeyError, TypeError) as e:
            raise ExecutionError("bad_binding", f"slot {name!r}: {e}") from None
        if kind in ("Category", "Color") and isinstance(value, str):
            return value
        if type_ == CATEGORIES and isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        if type_ == ACTIONS and isinstance(value, (list, tuple)):
            try:
                return actions_from_binding(value)
            except ValueError as e:
                raise ExecutionError("bad_binding", f"slot {name!r}: {e}") from None
        if kind in ("Number", "Quantity") and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if kind == "Bool" and isinstance(value, bool):
            return value
        raise ExecutionError("bad_binding", f"slot {name!r} of type {type_} cannot take {value!r}")

    def eval(self, node: Node) -> Any:
        """Value of one node (recursion depth is bounded by the parser's depth limit)."""
        self.steps += 1  # self.step(), inlined: every node passes here
        if self.steps > self.max_steps:
            raise ExecutionError("step_limit", f"more than {self.max_steps} steps")
        op = node.op
        if op == "call":
            return self._shared_call(node) if node.id in self.set_nodes else self._call(node)
        if op == "const":
            return node.value
        if op == "slot":
            return self.slots[node.value]
        if op == "ref":  # an assigned name: evaluate its expression once per run
            target = node.children[0]
            if target.id not in self.cache:
                self.cache[target.id] = self.eval(target)
            return self.cache[target.id]
        if op == "constant":
            return node.value
        if op == "compare":
            return self._compare(node)
        if op == "and":
            return all(self.eval(c) for c in node.children)
        if op == "or":
            return any(self.eval(c) for c in node.children)
        if op == "not":
            return not self.eval(node.children[0])
        if op == "neg":
            return -self.eval(node.children[0])
        if op == "binop":
            return self._binop(node)
        if op == "list":
            values = [self.eval(c) for c in node.children]
            return tuple(values) if node.type in (CATEGORIES, ACTIONS) else np.array(values, dtype=np.int64)
        raise AssertionError(f"unknown node op {op!r}")  # the parser only builds the ops above

    def _shared_call(self, node: Node) -> Any:
        """A set node's value, evaluated by the first run that shares it (see execute)."""
        if node.id not in self.shared:
            self.shared[node.id] = self._call(node)
        return self.shared[node.id]

    def _call(self, node: Node) -> Any:
        fn = node.fn
        if node.id == self.ablate:
            if fn.ablate == "input":
                return self.eval(node.children[0])
            if fn.ablate == "all":
                return self.view.observed
            fn = FUNCTIONS[fn.ablate]  # a stand-in with the same parameters, e.g. move_end for move_start
        args = [p.default if c is None else self.eval(c) for p, c in zip(fn.params, node.children)]
        self.node_id = node.id
        return fn.impl(self, *args)

    def _compare(self, node: Node) -> bool:
        symbol, unit = node.value
        a, b = self.eval(node.children[0]), self.eval(node.children[1])
        if unit is not None:
            self.node_id = node.id
            self.record("compare", abs(float(a) - float(b)), unit, {"op": symbol})
        if symbol == "<":
            return bool(a < b)
        if symbol == "<=":
            return bool(a <= b)
        if symbol == ">":
            return bool(a > b)
        if symbol == ">=":
            return bool(a >= b)
        return bool(a == b) if symbol == "==" else bool(a != b)

    def _binop(self, node: Node) -> float:
        symbol = node.value
        a, b = self.eval(node.children[0]), self.eval(node.children[1])
        if symbol == "+":
            return a + b
        if symbol == "-":
            return float(a - b)
        if symbol == "*":
            return a * b
        if b == 0:
            raise ExecutionError("division_by_zero", f"`{node.text}` divides by zero")
        return a / b
