"""What a parsed question program is: typed ``Node`` trees in a ``Program``, the parser's limits and errors.

``simgen.qa.dsl.parse_program`` builds these (after ``simgen.qa.typecheck`` has checked every call),
``simgen.qa.executor.execute`` interprets them. ``SLOT_DSL_TYPES`` maps the type names a family's
slots may declare to DSL types (``qa.slots.SLOT_TYPES`` lists the kinds of slot the sampler fills).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from simgen.qa.signatures import (
    ACTION, ACTIONS, BOOL, CATEGORIES, CATEGORY, COLOR, FRAME, NUMBER, OBJ, OBJS, ORDER, POSE, ROOM, UNITS, Signature,
    Type, Q,
)


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

    @cached_property
    def reads_extent(self) -> bool:
        """Whether the answer depends on how big an object is (its size, height, volume or top):
        a viewer can judge that only from a frame that shows the object whole."""
        return any((n.op == "call" and n.fn.name in EXTENT_FUNCTIONS)
                   or (n.op == "constant" and getattr(n.value, "name", None) in EXTENT_FUNCTIONS) for n in self.nodes)


# DSL functions and keys whose value is an object's extent (``Program.reads_extent``)
EXTENT_FUNCTIONS = frozenset({"size", "height", "volume", "top", "size_of", "height_of", "volume_of", "top_of"})

# Slot type names a family may declare (lower-case aliases of the DSL types).
SLOT_DSL_TYPES = {"category": CATEGORY, "color": COLOR, "object": OBJ, "objects": OBJS, "frame": FRAME,
              "categories": CATEGORIES, "number": NUMBER, "bool": BOOL, "actions": ACTIONS, "room": ROOM}
_CANONICAL = {str(t): t for t in (CATEGORY, COLOR, OBJ, OBJS, ORDER, FRAME, CATEGORIES, NUMBER, BOOL, POSE, ACTION,
                                  ACTIONS, ROOM)}


def parse_type(text: str) -> Type:
    """A type from its name: a slot alias (``category``) or a DSL type (``Obj``, ``Quantity[m]``)."""
    if text in SLOT_DSL_TYPES:
        return SLOT_DSL_TYPES[text]
    if text in _CANONICAL:
        return _CANONICAL[text]
    m = re.fullmatch(r"Quantity\[(\w+)\]", text)
    if m and m.group(1) in UNITS:
        return Q(m.group(1))
    raise DSLError("bad_slot", f"unknown slot type {text!r}; use one of {sorted(SLOT_DSL_TYPES)} or Quantity[<unit>]")
