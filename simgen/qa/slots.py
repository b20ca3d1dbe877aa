"""Typed slots of a question family and their validation (every error names the file and key).

Slot types and their keys (``simgen.qa.sampling`` draws the values):

- ``category``: ``observed`` (unique | any), ``min_count`` / ``max_count`` (observed instances),
  ``exclude`` (earlier category slots), ``moving`` (true: its object has a motion event and moved;
  false: it never moved), ``visible_in`` (an earlier frame slot that must show it), in a house
  ``same_room`` (an earlier unique category slot whose object's room it shares) and ``other_room``
  (earlier unique category slots whose objects' rooms it is not in);
- ``categories``: as ``category`` plus ``count`` (≥ 2) and ``ordered``; ``moving`` is ``false``
  (none moved) or ``one`` (exactly one of them moved, the others did not); ``by_color: true``
  (count 2) lets a pair be two instances of one category named by their colours, "the red chair"
  and "the blue chair", where the episode has them (``qa.binding_preference.color_twins``);
- ``frame``: ``visible`` (earlier unique category slots it must show), ``after`` (an earlier frame
  slot it must follow), ``keyframes`` (drawn from action boundaries when the camera followed
  actions), ``start_of`` (an earlier actions slot: the frame where those actions start);
- ``actions``: ``source: episode`` (a run of consecutive recorded actions, at most ``max_count``,
  default 2; ``with_move: true`` demands a move in it) or ``source: options`` with ``options``
  written as text, e.g. ``"turn_left 90"`` or ``"turn_left 90, move_ahead 1"`` (turns and looks in
  degrees, moves in metres);
- ``room`` (a house): a room a viewer can name by its type ("the kitchen"; ``simgen.qa.families_house``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simgen.registry import ConfigError
from simgen.types import EGO_ACTIONS

SLOT_TYPES = ("category", "categories", "frame", "actions", "room")
_KEYS = {
    "category": {"type", "observed", "min_count", "max_count", "exclude", "distinct", "moving", "visible_in",
                 "same_room", "other_room"},
    "categories": {"type", "observed", "count", "min_count", "max_count", "exclude", "distinct", "ordered", "moving",
                   "by_color"},
    "frame": {"type", "visible", "after", "keyframes", "start_of"},
    "actions": {"type", "source", "options", "max_count", "with_move"},
    "room": {"type"},
}
_MOVING = {"category": (True, False), "categories": (False, "one")}


@dataclass(frozen=True)
class SlotSpec:
    """One typed slot and how to sample it."""

    name: str
    type: str
    observed: str = "any"  # unique | any
    count: int = 1
    exclude: tuple[str, ...] = ()
    min_count: int = 1
    max_count: int | None = None  # observed instances (category slots); actions in a run (actions slots)
    visible: tuple[str, ...] = ()
    ordered: bool = False  # categories: the order changes the question (route stops), not just its text
    moving: bool | str | None = None  # None: either; True / False; "one" (categories)
    visible_in: str | None = None  # category: a frame slot that must show it
    after: str | None = None  # frame: a frame slot it must follow
    keyframes: bool = False  # frame: drawn from action boundaries when there are actions
    start_of: str | None = None  # frame: the start frame of this actions slot's run
    source: str = "episode"  # actions: episode | options
    options: tuple = ()  # actions: ((name, amount), ...) sequences to choose from
    with_move: bool = False  # actions from the episode: the run includes a move (not only turns and looks)
    by_color: bool = False  # categories (a pair): may be two instances of one category named by colour
    same_room: str | None = None  # category (a house): its object is in this slot's object's room
    other_room: tuple[str, ...] = ()  # category (a house): its object is in none of these slots' objects' rooms


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}")


def parse_actions_text(text: Any, where: str) -> tuple[tuple[str, float], ...]:
    """``"turn_left 90, move_ahead 1"`` → ``(("turn_left", 90.0), ("move_ahead", 1.0))``."""
    if not isinstance(text, str) or not text.strip():
        raise _fail(where, f"expected text like 'turn_left 90, move_ahead 1', got {text!r}")
    out = []
    for part in text.split(","):
        words = part.split()
        try:
            amount = float(words[1]) if len(words) == 2 else -1.0
        except ValueError:
            amount = -1.0
        if len(words) != 2 or words[0] not in EGO_ACTIONS or not amount >= 0:
            raise _fail(where, f"{part.strip()!r} is not '<action> <amount ≥ 0>' with an action in {list(EGO_ACTIONS)}")
        out.append((words[0], amount))
    return tuple(out)


def _earlier(data: dict, key: str, earlier: list[SlotSpec], types: tuple[str, ...], w: str, many: bool):
    """An earlier slot name (or list of them) of one of ``types`` under ``key``; None/() if absent."""
    names = [s.name for s in earlier if s.type in types]
    value = data.get(key, [] if many else None)
    values = value if many else ([] if value is None else [value])
    if (many and not isinstance(value, list)) or any(v not in names for v in values):
        what = "a list of earlier" if many else "an earlier"
        raise _fail(f"{w}.{key}", f"expected {what} {'/'.join(types)} slot name(s) {names}, got {value!r}")
    return tuple(values) if many else value


def parse_slot(name: str, data: Any, earlier: list[SlotSpec], where: str) -> SlotSpec:
    """Validate one slot of a family file (``earlier``: the slots declared before it)."""
    w = f"{where}.slots.{name}"
    if not name.isidentifier() or name.startswith("_"):
        raise _fail(w, "slot names must be identifiers without a leading underscore")
    if not isinstance(data, dict):
        raise _fail(w, f"expected a mapping with 'type', got {data!r}")
    kind = data.get("type")
    if kind not in SLOT_TYPES:
        raise _fail(f"{w}.type", f"expected one of {list(SLOT_TYPES)}, got {kind!r}")
    unknown = sorted(set(data) - _KEYS[kind])
    if unknown:
        raise _fail(w, f"unknown key(s) {unknown} for a {kind} slot; allowed: {sorted(_KEYS[kind])}")
    spec = {"name": name, "type": kind}
    ints = {}
    for key, default in (("count", 1), ("min_count", 1), ("max_count", 2 if kind == "actions" else None)):
        value = data.get(key, default)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise _fail(f"{w}.{key}", f"expected an int ≥ 1, got {value!r}")
        ints[key] = value
    spec["max_count"] = ints["max_count"]
    if kind in ("category", "categories"):
        spec.update(_parse_category(data, kind, ints, earlier, w))
    elif kind == "frame":
        spec["visible"] = _earlier(data, "visible", earlier, ("category", "categories"), w, many=True)
        for v in spec["visible"]:
            named = next(s for s in earlier if s.name == v)
            if named.observed != "unique" or named.by_color:
                raise _fail(f"{w}.visible", f"slot {v!r} must be a category/categories slot with observed: unique "
                                            "and without by_color")
        spec["after"] = _earlier(data, "after", earlier, ("frame",), w, many=False)
        spec["start_of"] = _earlier(data, "start_of", earlier, ("actions",), w, many=False)
        keyframes = data.get("keyframes", False)
        if not isinstance(keyframes, bool):
            raise _fail(f"{w}.keyframes", f"expected true/false, got {keyframes!r}")
        spec["keyframes"] = keyframes
    elif kind == "actions":
        spec.update(_parse_actions(data, w))
    return SlotSpec(**spec)


def _parse_category(data: dict, kind: str, ints: dict, earlier: list[SlotSpec], w: str) -> dict:
    observed = data.get("observed", "any")
    if observed not in ("unique", "any"):
        raise _fail(f"{w}.observed", f"expected 'unique' or 'any', got {observed!r}")
    if data.get("distinct", True) is not True:
        raise _fail(f"{w}.distinct", "categories of one slot are always distinct; only 'true' is allowed")
    ordered = data.get("ordered", False)
    if not isinstance(ordered, bool):
        raise _fail(f"{w}.ordered", f"expected true/false, got {ordered!r}")
    if kind == "categories" and ints["count"] < 2:
        raise _fail(f"{w}.count", f"a 'categories' slot needs count ≥ 2, got {ints['count']}")
    moving = data.get("moving")
    if moving is not None and (moving not in _MOVING[kind] or isinstance(moving, int) and not isinstance(moving, bool)):
        raise _fail(f"{w}.moving", f"expected one of {list(_MOVING[kind])} for a {kind} slot, got {moving!r}")
    if moving is not None and observed != "unique":
        raise _fail(f"{w}.moving", "needs observed: unique (motion is asked of one object per category)")
    by_color = data.get("by_color", False)
    if not isinstance(by_color, bool) or by_color and (ints["count"] != 2 or moving is not None):
        raise _fail(f"{w}.by_color", f"expected true/false, and true only on a pair (count: 2) without moving, "
                                     f"got {by_color!r}")
    visible_in = _earlier(data, "visible_in", earlier, ("frame",), w, many=False)
    if visible_in is not None and observed != "unique":
        raise _fail(f"{w}.visible_in", "needs observed: unique")
    rooms = {"same_room": _earlier(data, "same_room", earlier, ("category",), w, many=False),
             "other_room": _earlier(data, "other_room", earlier, ("category",), w, many=True)}
    for key in ("same_room", "other_room"):
        for v in rooms[key] if key == "other_room" else [rooms[key]] * (rooms[key] is not None):
            if observed != "unique" or next(s for s in earlier if s.name == v).observed != "unique":
                raise _fail(f"{w}.{key}", f"needs observed: unique here and on slot {v!r} (one object each)")
    return {"observed": observed, "count": ints["count"], "min_count": ints["min_count"], "ordered": ordered,
            "exclude": _earlier(data, "exclude", earlier, ("category", "categories"), w, many=True),
            "moving": moving, "visible_in": visible_in, "by_color": by_color, **rooms}


def _parse_actions(data: dict, w: str) -> dict:
    source = data.get("source", "episode")
    if source not in ("episode", "options"):
        raise _fail(f"{w}.source", f"expected 'episode' or 'options', got {source!r}")
    options = data.get("options")
    if source == "options":
        if "with_move" in data:
            raise _fail(f"{w}.with_move", "only source: episode takes with_move (write the options you mean)")
        if not isinstance(options, list) or not options:
            raise _fail(f"{w}.options", "source: options needs a non-empty list like ['turn_left 90', 'turn_right 90']")
        parsed = tuple(parse_actions_text(o, f"{w}.options[{i}]") for i, o in enumerate(options))
        return {"source": source, "options": parsed}
    if options is not None:
        raise _fail(f"{w}.options", "only source: options takes options")
    with_move = data.get("with_move", False)
    if not isinstance(with_move, bool):
        raise _fail(f"{w}.with_move", f"expected true/false, got {with_move!r}")
    return {"source": source, "with_move": with_move}
