"""Parser and type checker of the question DSL: Python syntax, our semantics, never executed as Python.

``parse_program(text, slot_types)`` parses with ``ast``, rejects every construct outside a small
whitelist (before any type checking, let alone execution), then type-checks calls against the
signatures in ``FUNCTIONS`` (types and units) and returns a ``Program``: a tree of typed ``Node``
objects that ``simgen.qa.executor.execute`` interprets. A program is a few ``name = expr`` lines
followed by one expression; see docs/DSL_REFERENCE.md (generated from the signatures by
``python -m simgen.qa.dsl --write-docs``).
"""
from __future__ import annotations

import ast
import math
import re
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

# The function modules register themselves into FUNCTIONS / CONSTANTS when imported.
from simgen.qa import (  # noqa: F401
    functions_metric, functions_motion, functions_pose, functions_relations, functions_select, functions_sets,
    functions_time,
)
from simgen.qa.signatures import (
    ACTION, ACTIONS, BOOL, CATEGORIES, CATEGORY, COLOR, CONSTANTS, FRAME, FUNCTIONS, NOT_ANSWERS, NUMBER, OBJ, OBJS,
    ORDER, POSE, REQUIRED, STR, UNITS, Signature, Type, Q, arithmetic_type, unit_hint,
)
from simgen.qa.functions_reference import render_reference

__all__ = ["DSLError", "ParseLimits", "Node", "Program", "parse_program", "parse_type", "FUNCTIONS", "CONSTANTS",
           "SLOT_TYPES", "render_reference"]


class DSLError(ValueError):
    """A program was rejected before running; ``reason`` is a short code, ``detail`` says what and where."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class ParseLimits:
    """Size limits that bound parsing and execution cost of untrusted programs."""

    max_chars: int = 2000
    max_nodes: int = 300
    max_depth: int = 24  # of the Python AST
    max_list: int = 32
    max_string: int = 64
    max_abs_number: float = 1e6
    max_assignments: int = 16


@dataclass(eq=False)
class Node:
    """A typed program node: ``id``, source ``text``, ``type`` and what the executor does with it."""

    id: int
    text: str
    type: Type
    op: str  # const | slot | constant | ref | call | list | compare | and | or | not | neg | binop
    children: tuple = ()  # child Nodes (None for an omitted optional argument of a call)
    fn: Signature | None = None
    value: Any = None  # literal value, slot name, constant value or operator symbol


@dataclass(eq=False)
class Program:
    """A parsed, type-checked program ready for the executor."""

    text: str
    result_type: Type
    root: Node
    nodes: list[Node]
    slot_types: dict[str, Type] = field(default_factory=dict)

    def ablatable_nodes(self) -> list[int]:
        """Ids of nodes that have a trivial version (a filter → its input, ``objects(...)`` → all,
        ``move_start(x)`` → ``move_end(x)``)."""
        return [
            n.id for n in self.nodes
            if n.op == "call" and n.fn.ablate and (n.fn.ablate != "all" or any(c is not None for c in n.children))
        ]

    def node(self, node_id: int) -> Node:
        """The node with this id."""
        return self.nodes[node_id]

    @cached_property
    def reads_time(self) -> bool:
        """Whether the program asks about time: it calls a motion function or passes a frame to one.
        Otherwise it reads the static (first-frame) state, which is ambiguous for objects that move."""
        return any(
            n.op == "call" and (n.fn.group == "motion" or any(c is not None and c.type == FRAME for c in n.children))
            for n in self.nodes
        )


# Slot type names a family may declare (lower-case aliases of the DSL types).
SLOT_TYPES = {"category": CATEGORY, "color": COLOR, "object": OBJ, "objects": OBJS, "frame": FRAME,
              "categories": CATEGORIES, "number": NUMBER, "bool": BOOL, "actions": ACTIONS}
_CANONICAL = {str(t): t for t in (CATEGORY, COLOR, OBJ, OBJS, ORDER, FRAME, CATEGORIES, NUMBER, BOOL, POSE, ACTION,
                                  ACTIONS)}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ALLOWED = (ast.Module, ast.Assign, ast.Expr, ast.Call, ast.Name, ast.Load, ast.Store, ast.Constant, ast.List,
            ast.Compare, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.BinOp, ast.Add, ast.Sub,
            ast.Mult, ast.Div, ast.keyword, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)
_FRIENDLY = {"Attribute": "attribute access", "Subscript": "subscripts", "ListComp": "comprehensions",
             "GeneratorExp": "comprehensions", "DictComp": "comprehensions", "SetComp": "comprehensions",
             "Lambda": "lambdas", "Import": "imports", "ImportFrom": "imports", "JoinedStr": "f-strings",
             "Starred": "starred arguments", "FunctionDef": "function definitions", "Pow": "the ** operator",
             "IfExp": "conditional expressions", "NamedExpr": "the := operator", "Await": "await"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_BINOP = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def parse_type(text: str) -> Type:
    """A type from its name: a slot alias (``category``) or a DSL type (``Obj``, ``Quantity[m]``)."""
    if text in SLOT_TYPES:
        return SLOT_TYPES[text]
    if text in _CANONICAL:
        return _CANONICAL[text]
    m = re.fullmatch(r"Quantity\[(\w+)\]", text)
    if m and m.group(1) in UNITS:
        return Q(m.group(1))
    raise DSLError("bad_slot", f"unknown slot type {text!r}; use one of {sorted(SLOT_TYPES)} or Quantity[<unit>]")


def parse_program(text: str, slot_types: dict[str, str] | None = None, limits: ParseLimits = ParseLimits()) -> Program:
    """Parse and type-check ``text`` with slots of the given types; raise DSLError on anything disallowed."""
    if not isinstance(text, str):
        raise DSLError("syntax", f"a program is a string, got {type(text).__name__}")
    if len(text) > limits.max_chars:
        raise DSLError("too_long", f"program has {len(text)} characters; the limit is {limits.max_chars}")
    if not text.isascii():
        bad = next(c for c in text if not c.isascii())
        raise DSLError("non_ascii", f"non-ASCII character {bad!r} (U+{ord(bad):04X}); programs are plain ASCII")
    try:
        with warnings.catch_warnings():  # hostile input must not spam the log with SyntaxWarnings
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="exec")
    except SyntaxError as e:
        raise DSLError("syntax", f"{e.msg} at line {e.lineno}") from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise DSLError("syntax", f"cannot parse: {type(e).__name__}") from None
    _check_shape(tree, limits)
    slots = {}
    for name, type_text in (slot_types or {}).items():
        if not _NAME.match(name) or name in FUNCTIONS or name in CONSTANTS:
            raise DSLError("bad_slot", f"slot name {name!r} must be lower_case and not a function or constant name")
        slots[name] = type_text if isinstance(type_text, Type) else parse_type(type_text)
    return _Checker(text, slots, limits).program(tree)


def _check_shape(tree: ast.Module, limits: ParseLimits) -> None:
    """Whitelist, size and depth checks over the whole AST, iteratively (no recursion on hostile input)."""
    stack, count = [(tree, 0)], 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > limits.max_nodes:
            raise DSLError("too_many_nodes", f"program has more than {limits.max_nodes} syntax nodes")
        if depth > limits.max_depth:
            raise DSLError("too_deep", f"program nests deeper than {limits.max_depth} levels")
        if not isinstance(node, _ALLOWED):
            kind = type(node).__name__
            where = f" at line {node.lineno}" if hasattr(node, "lineno") else ""
            raise DSLError("disallowed_syntax", f"{_FRIENDLY.get(kind, kind)} ({kind}) is not allowed{where}")
        if isinstance(node, ast.Name) and not _NAME.match(node.id):
            raise DSLError("bad_name", f"name {node.id!r} is not allowed: names are lower_case ASCII, no leading _")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    body = tree.body
    if not body or not isinstance(body[-1], ast.Expr):
        raise DSLError("bad_program", "a program ends with one expression (its answer)")
    if any(not isinstance(s, ast.Assign) for s in body[:-1]):
        raise DSLError("bad_program", "only `name = expression` lines may precede the final expression")
    if len(body) - 1 > limits.max_assignments:
        raise DSLError("too_many_nodes", f"more than {limits.max_assignments} assignments")


class _Checker:
    """Type-checks a whitelisted AST and builds the typed Node tree."""

    def __init__(self, text: str, slots: dict[str, Type], limits: ParseLimits):
        self.text, self.slots, self.limits = text, slots, limits
        self.nodes: list[Node] = []
        self.assigned: dict[str, Node] = {}
        self.used: set[str] = set()

    def program(self, tree: ast.Module) -> Program:
        for stmt in tree.body[:-1]:
            self._assign(stmt)
        root = self.expr(tree.body[-1].value)
        if root.type.kind == "Key":
            raise DSLError("bad_program", f"the answer `{root.text}` is a key; use it inside argmin/argmax/sort")
        if root.type.kind in NOT_ANSWERS:
            raise DSLError("bad_program", f"the answer `{root.text}` is a {root.type}, not an answer; ask about it "
                           "with e.g. direction_from_pose(pose, target)")
        unused = sorted(set(self.assigned) - self.used)
        if unused:
            raise DSLError("bad_program", f"assigned but never used: {', '.join(unused)}")
        return Program(self.text, root.type, root, self.nodes, dict(self.slots))

    def _assign(self, stmt: ast.Assign) -> None:
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            raise DSLError("bad_program", f"line {stmt.lineno}: assign to exactly one plain name")
        name = stmt.targets[0].id
        if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(stmt.value)):
            raise DSLError("self_reference", f"line {stmt.lineno}: {name!r} is used in its own definition")
        if name in self.assigned or name in self.slots or name in FUNCTIONS or name in CONSTANTS:
            raise DSLError("bad_program", f"line {stmt.lineno}: {name!r} is already defined (names are assigned once)")
        self.assigned[name] = self.expr(stmt.value)

    def _new(self, node: ast.AST, type_: Type, op: str, children=(), fn=None, value=None) -> Node:
        text = ast.get_source_segment(self.text, node) or type(node).__name__
        made = Node(len(self.nodes), text, type_, op, tuple(children), fn, value)
        self.nodes.append(made)
        return made

    def expr(self, node: ast.AST) -> Node:
        """Type-check one expression node."""
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.List):
            return self._list(node)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.BoolOp):
            parts = [self._expect(self.expr(v), BOOL, "operand of and/or") for v in node.values]
            return self._new(node, BOOL, "and" if isinstance(node.op, ast.And) else "or", parts)
        if isinstance(node, ast.UnaryOp):
            inner = self.expr(node.operand)
            if isinstance(node.op, ast.Not):
                return self._new(node, BOOL, "not", [self._expect(inner, BOOL, "operand of not")])
            if inner.type.kind in ("Number", "Quantity"):
                return self._new(node, inner.type, "neg", [inner])
            raise self._type_error(node, f"unary minus needs a number or quantity, got {inner.type}")
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        raise DSLError("disallowed_syntax", f"{type(node).__name__} is not an expression here")

    def _constant(self, node: ast.Constant) -> Node:
        v = node.value
        if isinstance(v, bool):
            return self._new(node, BOOL, "const", value=v)
        if isinstance(v, (int, float)):
            # the bound first: math.isfinite overflows on a huge int literal
            if abs(v) > self.limits.max_abs_number or not math.isfinite(v):
                raise DSLError("bad_literal", f"number {ast.get_source_segment(self.text, node)[:20]} is out of range "
                               f"(|x| ≤ {self.limits.max_abs_number:g})")
            return self._new(node, NUMBER, "const", value=v)
        if isinstance(v, str):
            if len(v) > self.limits.max_string:
                raise DSLError("bad_literal", f"string literal longer than {self.limits.max_string} characters")
            if not (v.isascii() and v.isprintable()):  # escapes could smuggle in confusables
                raise DSLError("bad_literal", f"string literal {v[:20]!r} has non-ASCII or control characters")
            return self._new(node, STR, "const", value=v)
        raise DSLError("bad_literal", f"literal {type(v).__name__} is not allowed (numbers, short strings, True/False)")

    def _name(self, node: ast.Name) -> Node:
        name = node.id
        if name in self.assigned:
            self.used.add(name)
            target = self.assigned[name]
            return self._new(node, target.type, "ref", [target])
        if name in self.slots:
            return self._new(node, self.slots[name], "slot", value=name)
        if name in CONSTANTS:
            c = CONSTANTS[name]
            return self._new(node, c.type, "constant", value=c.value)
        if name in FUNCTIONS:
            raise self._type_error(node, f"{name} is a function: call it, e.g. {name}(...)")
        known = sorted(self.slots) + sorted(self.assigned)
        raise DSLError("unknown_name", f"unknown name {name!r}; defined here: {', '.join(known) or 'none'}")

    def _call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name):
            raise DSLError("disallowed_syntax", "only registered functions can be called, by plain name")
        sig = FUNCTIONS.get(node.func.id)
        if sig is None:
            raise DSLError("unknown_function", f"unknown function {node.func.id!r}; see docs/DSL_REFERENCE.md")
        if len(node.args) > len(sig.params):
            raise DSLError("bad_argument", f"{sig.name}() takes {len(sig.params)} arguments, got {len(node.args)}")
        given: dict[str, ast.AST] = {p.name: a for p, a in zip(sig.params, node.args)}
        names = [p.name for p in sig.params]
        for kw in node.keywords:
            if kw.arg is None or kw.arg not in names:
                raise DSLError("bad_argument", f"{sig.name}() has no argument {kw.arg!r}; arguments: {', '.join(names)}")
            if kw.arg in given:
                raise DSLError("bad_argument", f"{sig.name}() got argument {kw.arg!r} twice")
            given[kw.arg] = kw.value
        children, literals = [], {}
        for p in sig.params:
            if p.name not in given:
                if p.default is REQUIRED:
                    raise DSLError("bad_argument", f"{sig.name}() is missing argument {p.name!r}")
                children.append(None)
                if p.choices is not None:
                    literals[p.name] = p.default
                continue
            arg = self._expect(self.expr(given[p.name]), p.type, f"{sig.name}() argument {p.name!r}")
            if p.choices is not None:
                if arg.op != "const" or arg.value not in p.choices:
                    raise DSLError("bad_argument", f"{sig.name}() argument {p.name!r} must be a literal in {list(p.choices)}")
                literals[p.name] = arg.value
            children.append(arg)
        return self._new(node, sig.result_type(literals), "call", children, fn=sig)

    def _list(self, node: ast.List) -> Node:
        if not node.elts or len(node.elts) > self.limits.max_list:
            raise DSLError("bad_literal", f"a list holds 1 to {self.limits.max_list} items, got {len(node.elts)}")
        items = [self.expr(e) for e in node.elts]
        kinds = {i.type.kind for i in items}
        if kinds <= {"Str", "Category"}:
            return self._new(node, CATEGORIES, "list", [self._retype(i, CATEGORY) for i in items])
        if kinds == {"Obj"}:
            return self._new(node, OBJS, "list", items)
        if kinds == {"Action"}:
            return self._new(node, ACTIONS, "list", items)
        raise self._type_error(node, "a list holds category names, objects or actions, all of one kind")

    def _compare(self, node: ast.Compare) -> Node:
        if len(node.ops) != 1:
            raise DSLError("disallowed_syntax", "chained comparisons are not allowed; combine with `and`")
        op = type(node.ops[0])
        if op not in _COMPARE:
            raise DSLError("disallowed_syntax", f"comparison {op.__name__} is not allowed (use < <= > >= == !=)")
        left, right = self.expr(node.left), self.expr(node.comparators[0])
        left, right = self._unify(node, left, right)
        symbol, kind = _COMPARE[op], left.type.kind
        ordered = kind in ("Number", "Frame", "Quantity")
        exact = kind in ("Number", "Frame", "Bool", "Obj", "Category", "Color", "Label") or \
            (kind == "Quantity" and left.type.unit in ("count", "frames"))
        if (symbol in ("==", "!=") and not exact) or (symbol not in ("==", "!=") and not ordered):
            hint = " (quantities in m/deg/… compare with < or >, never ==)" if kind == "Quantity" else ""
            raise self._type_error(node, f"cannot use {symbol} on {left.type}{hint}")
        # The margin of an ordered comparison is |left - right| in the operands' unit.
        unit = left.type.unit or right.type.unit or {"Frame": "frames", "Number": "1"}.get(kind)
        return self._new(node, BOOL, "compare", [left, right], value=(symbol, unit))

    def _unify(self, node, left: Node, right: Node) -> tuple[Node, Node]:
        """Make both sides of a comparison one type (literals take the other side's type)."""
        if left.type == right.type and left.type.kind not in ("Str",):
            return left, right
        for a, b in ((left, right), (right, left)):
            if b.op == "const" or b.type == NUMBER:
                try:
                    b2 = self._expect(b, a.type, "comparison operand")
                except DSLError as e:
                    if e.reason == "bad_literal":  # right kind, wrong value: say so
                        raise
                    continue
                return (a, b2) if a is left else (b2, a)
        raise self._type_error(node, f"cannot compare {left.type} with {right.type}" + unit_hint(left.type, right.type))

    def _binop(self, node: ast.BinOp) -> Node:
        symbol = _BINOP.get(type(node.op))
        if symbol is None:
            raise DSLError("disallowed_syntax", f"operator {type(node.op).__name__} is not allowed (use + - * /)")
        left, right = self.expr(node.left), self.expr(node.right)
        result = arithmetic_type(symbol, left.type, right.type)
        if result is None:
            raise self._type_error(node, f"cannot compute {left.type} {symbol} {right.type}" + unit_hint(left.type, right.type))
        return self._new(node, result, "binop", [left, right], value=symbol)

    def _expect(self, node: Node, expected: Type, what: str) -> Node:
        """``node`` as type ``expected`` (coercing literals), or a type error naming ``what``."""
        actual = node.type
        if actual == expected or (expected.kind == "Key" and actual.kind == "Key" and expected.unit is None):
            return node
        if expected == OBJS and actual == ORDER:
            return node
        if actual == STR and expected.kind in ("Category", "Color"):
            return self._retype(node, expected)
        if actual == STR and expected.kind == "Label":
            if node.value not in expected.labels:
                raise DSLError("bad_literal", f"{what}: {node.value!r} is not one of {list(expected.labels)}")
            return self._retype(node, expected)
        if actual == NUMBER and expected == Q("count"):
            return node
        if actual == NUMBER and expected == FRAME and node.op == "const":
            if isinstance(node.value, int) and node.value >= 0:
                return self._retype(node, FRAME)
            raise DSLError("bad_literal", f"{what}: a frame is an integer ≥ 0, got {node.value!r}")
        hint = unit_hint(expected, actual)
        if actual == CATEGORIES and expected == OBJS:
            hint = " (turn category names into objects with the_each(...))"
        raise DSLError("type_error", f"{what} expects {expected}, got {actual} in `{node.text}`{hint}")

    def _retype(self, node: Node, type_: Type) -> Node:
        node.type = type_
        return node

    def _type_error(self, node: ast.AST, message: str) -> DSLError:
        return DSLError("type_error", f"{message} in `{ast.get_source_segment(self.text, node)}`")


def _main(argv: list[str] | None = None) -> int:
    """``python -m simgen.qa.dsl --write-docs`` writes docs/DSL_REFERENCE.md; ``--check`` verifies it."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(description=_main.__doc__)
    parser.add_argument("--write-docs", action="store_true", help="write docs/DSL_REFERENCE.md")
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/DSL_REFERENCE.md is out of date")
    parser.add_argument("--path", default=str(Path(__file__).resolve().parents[2] / "docs" / "DSL_REFERENCE.md"))
    args = parser.parse_args(argv)
    path = Path(args.path)
    text = render_reference()
    if args.check:
        current = path.exists() and path.read_text() == text
        print(f"{path}: {'up to date' if current else 'OUT OF DATE (run python -m simgen.qa.dsl --write-docs)'}")
        return 0 if current else 1
    if args.write_docs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path}")
        return 0
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
