"""Render the Markdown DSL reference (docs/DSL_REFERENCE.md) from the signature table.

The reference is generated, never hand-edited, so the documentation and the code cannot drift;
``python -m simgen.qa.dsl --write-docs`` rewrites it and a test checks the committed copy.
"""
from __future__ import annotations

from simgen.qa import (  # noqa: F401
    functions_house, functions_metric, functions_motion, functions_pose, functions_relations, functions_select,
    functions_sets, functions_time,
)
from simgen.qa.program import SLOT_DSL_TYPES, ParseLimits
from simgen.qa.signatures import CONSTANTS, EXECUTION_REASONS, FUNCTIONS, GROUPS, UNIT_TEXT, UNITS

_INTRO = """\
# DSL reference

*Generated from the signatures in `simgen/qa/functions_*.py` by `python -m simgen.qa.dsl --write-docs`;
do not edit by hand.*

A program is Python syntax with our semantics: optional `name = expression` lines, then one
expression whose value is the answer. It is parsed with `ast`, type-checked against the
signatures below and interpreted by `simgen/qa/executor.py`; it is never run as Python.

```python
ref = the(target)
argmin(exclude(objects(), ref), key=distance_to(ref))
```

Allowed: calls of the functions below by name (positional or with their own keyword names),
names of slots, of earlier assignments and of the constants below, numbers, short strings,
`True`/`False`, lists, one comparison (`< <= > >= == !=`), `and`/`or`/`not`, unary `-` and
`+ - * /` on numbers and quantities. Everything else (attributes, subscripts, comprehensions,
lambdas, imports, f-strings, `**`, starred or unknown keyword arguments, names starting with `_`
or containing capitals/non-ASCII) is rejected with a `DSLError` before anything runs. Each name is
assigned once and must be used; a definition cannot refer to itself.
"""

_TYPES = """\
## Types and units

| type | runtime value | answer value |
|---|---|---|
| `Obj` | one object | its name |
| `Objs` | objects (order kept) | list of names |
| `Order` | objects in a computed order (usable as `Objs`) | list of names |
| `Category`, `Color` | a name (string literals convert) | string |
| `Categories` | list of category names (`["chair", "sofa"]`) | list of strings |
| `Frame` | an episode frame index (integer literals convert) | int |
| `Quantity[u]` | a number in unit `u` | float, with `unit` |
| `Number` | a plain number (literals) | float |
| `Bool` | true/false | bool |
| `Label{…}` / `Labels{…}` | one / a list of labels from a declared set | string / list |
| `Key[u]` | partial function Obj → `Quantity[u]` for `argmin`/`argmax`/`sort` | (not an answer) |
| `Pose` | a standpoint: floor position, heading, and the frame whose object states it sees | (not an answer) |
| `Action` / `Actions` | one / a list of camera actions (`[turn_left(deg(90)), move_ahead(m(1))]`) | (not an answer) |

Units: {units}.

Literals with units are written with unit functions: `m(0.5)`, `cm(20)`, `m2(4)`, `m3(1)`,
`deg(10)`, `nframes(5)`. A bare number is a `Number`; it may stand for a `Quantity[count]`
(`count(x) > 2`), a `Frame` (`visible_in(x, 3)`) or a `levels` choice, never for a length or an
angle: `distance(a, b) > 3` is a type error, `distance(a, b) > m(3)` is not. Arithmetic:
`+`/`-` need equal units (a count also takes a number; `Frame - Frame` is `Quantity[frames]`);
`*`/`/` by a number or a count keep the unit; `m*m = m2`, `m*m2 = m3`, `m2/m = m`, `m3/m = m2`, `m3/m2 = m`;
equal units divide to a `Number`. `m` and `cm` never mix silently: use `to_cm`/`to_m`. `==`/`!=`
apply to labels, names, objects, counts, frames and booleans; lengths and angles compare only with
`< <= > >=`.

Time: objects have a state per frame. Functions without a frame read the static state (the first
frame); functions given a frame, or a pose taken at a frame, read the states of that frame. A
family's `actions` slot is written `[[name, amount], ...]` with turns in degrees and moves in
metres, e.g. `[["turn_left", 90], ["move_ahead", 1]]`.
"""

_DECISIONS = """\
## Decisions and margins

Every discrete choice appends a `Decision(kind, margin, unit, node_id, detail)` to the execution
trace, where `margin` is how far the inputs were from flipping the choice; the verifier compares
margins with its thresholds by unit. An ordered comparison records `compare` with `|left − right|`
in the operands' unit. The functions' own decisions are listed with each function. Motion
functions record `motion` (how far something moved, whether the answer calls it moved, and the
frames before and after the motion) and `interval` (frames between two compared moments); the
verifier's rules for time check those with their own thresholds (`min_motion_m`, `still_max_m`,
`min_frame_gap`, visibility before and after).
"""


def render_reference() -> str:
    """The whole Markdown reference, generated from FUNCTIONS, CONSTANTS and the parser limits."""
    units = ", ".join(f"`{u}` ({UNIT_TEXT[u]})" for u in UNITS)
    out = [_INTRO, _TYPES.replace("{units}", units), _DECISIONS, "## Functions\n"]
    for group in GROUPS:
        out.append(f"### {group}\n")
        for sig in sorted((s for s in FUNCTIONS.values() if s.group == group), key=lambda s: s.name):
            out.append(_function_entry(sig))
        for const in sorted((c for c in CONSTANTS.values() if c.group == group), key=lambda c: c.name):
            out.append(f"- **`{const.name}`** → `{const.type}` (constant). {const.doc}")
        out.append("")
    out.append("## Slots\n")
    out.append("A family declares each slot's type by one of these names: "
               + ", ".join(f"`{k}` (`{v}`)" for k, v in SLOT_DSL_TYPES.items())
               + "; `Quantity[<unit>]` is accepted too. Bound values are plain: names, strings, ints.\n")
    limits = ParseLimits()
    out.append("## Limits\n")
    out.append(f"Source ≤ {limits.max_chars} characters, ≤ {limits.max_nodes} syntax nodes, AST depth ≤ "
               f"{limits.max_depth}, ≤ {limits.max_assignments} assignments, lists ≤ {limits.max_list} items, "
               f"strings ≤ {limits.max_string} characters, |numbers| ≤ {limits.max_abs_number:g}; execution "
               "stops after `Limits.max_steps` steps.\n")
    out.append("## Execution errors\n")
    out.append("A program that cannot be answered on a scene raises `ExecutionError` with one of these reasons:\n")
    out.extend(f"- `{reason}`: {text}" for reason, text in EXECUTION_REASONS.items())
    return "\n".join(out) + "\n"


def _function_entry(sig) -> str:
    params = ", ".join(map(str, sig.params))
    text = f"- **`{sig.name}({params})`** → `{sig.returns_text()}`. {sig.doc}"
    if sig.decision:
        text += f" *Records* {sig.decision}."
    if sig.ablate == "input":
        text += " *Ablation:* its first argument."
    elif sig.ablate == "all":
        text += " *Ablation:* `objects()`."
    elif sig.ablate:
        text += f" *Ablation:* `{sig.ablate}(...)` with the same arguments."
    return text
