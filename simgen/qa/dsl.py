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
import re
import warnings

# The function modules register themselves into FUNCTIONS / CONSTANTS when imported.
from simgen.io import write_text
from simgen.qa import (  # noqa: F401
    functions_house, functions_metric, functions_motion, functions_pose, functions_relations, functions_select,
    functions_sets, functions_time,
)
from simgen.qa.functions_reference import render_reference
from simgen.qa.program import DSLError, ParseLimits, Program, parse_type
from simgen.qa.signatures import CONSTANTS, FUNCTIONS, Type
from simgen.qa.typecheck import TypeChecker

__all__ = ["parse_program", "FUNCTIONS", "CONSTANTS"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ALLOWED = (ast.Module, ast.Assign, ast.Expr, ast.Call, ast.Name, ast.Load, ast.Store, ast.Constant, ast.List,
            ast.Compare, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.BinOp, ast.Add, ast.Sub,
            ast.Mult, ast.Div, ast.keyword, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)
_FRIENDLY = {"Attribute": "attribute access", "Subscript": "subscripts", "ListComp": "comprehensions",
             "GeneratorExp": "comprehensions", "DictComp": "comprehensions", "SetComp": "comprehensions",
             "Lambda": "lambdas", "Import": "imports", "ImportFrom": "imports", "JoinedStr": "f-strings",
             "Starred": "starred arguments", "FunctionDef": "function definitions", "Pow": "the ** operator",
             "IfExp": "conditional expressions", "NamedExpr": "the := operator", "Await": "await"}

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
    return TypeChecker(text, slots, limits).program(tree)


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
        write_text(path, text)
        print(f"wrote {path}")
        return 0
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
