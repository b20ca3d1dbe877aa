"""The DSL's type checker: walks a whitelisted ``ast`` tree and builds the typed ``Node`` tree.

Every call is checked against its signature in ``FUNCTIONS`` (argument types, units, optional and
keyword arguments); arithmetic and comparisons check units; a program's answer must be an answer
type. ``simgen.qa.dsl.parse_program`` runs the syntax whitelist first, then this.
"""
from __future__ import annotations

import ast
import math

from simgen.qa.program import DSLError, Node, ParseLimits, Program
from simgen.qa.signatures import (
    ACTIONS, BOOL, CATEGORIES, CATEGORY, CONSTANTS, FRAME, FUNCTIONS, NOT_ANSWERS, NUMBER, OBJS, ORDER, REQUIRED, STR,
    Type, Q, arithmetic_type, unit_hint,
)

_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_BINOP = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class TypeChecker:
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
