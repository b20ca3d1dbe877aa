"""Question families: the data files in ``programs/``, loaded and validated.

A family (YAML, file name = ``family`` id) has:

- ``family``, ``version`` (bump it when the meaning changes), ``modality`` (``image``: one frame,
  recorded; ``multi_image``; ``video``: the whole video) and a ``description`` that states the
  definitions it relies on;
- ``answer``: ``type`` number | choice | yes_no | object | ordering; ``unit`` for numbers (m, cm,
  m2, count, deg; the program's unit is converted, e.g. m → cm) and ``decimals``; for ``choice``,
  ``choices`` is a fixed label list (which must equal the program's label set) or
  ``["slot:<name>", ...]`` (the options are those slots' categories) or ``rooms`` (a program that
  answers a room of a house: the options are rooms, ``simgen.qa.families_house.room_options``);
  ``num_choices`` for the options that numbers, objects, orderings and rooms generate (0 = open-ended);
- ``slots``: typed, with sampling constraints (see ``simgen.qa.slots`` and ``simgen.qa.sampling``):
  ``category`` (``observed: unique | any``, ``min_count``, ``max_count``, ``exclude``, ``moving``,
  ``visible_in``, in a house ``same_room`` and ``other_room``), ``categories`` (also ``count``, and
  ``ordered: true`` when the order of the categories changes the question rather than only its
  wording), ``frame`` (``visible: [slots]``, ``after``, ``keyframes``, ``start_of``), ``actions``
  (``source: episode | options``) and ``room`` (a house's room a viewer can name); an ``image``
  family has one frame slot, a ``multi_image`` family two;
- ``program``: one DSL program (``simgen.qa.dsl``), type-checked against the slots on load;
- ``checks``: verifier thresholds that override conf/qa for this family (``margin_m``,
  ``margin_deg``, ``margin_frames``, ``margin_m2``, ``margin_m3``, ``margin_frac``, ``min_value``, ``max_value``,
  ``max_pair_m``, ``min_pair_m``, ``clear_frames``, ``numeric_rel_tol``, ``min_motion_m``,
  ``still_max_m``, ``min_frame_gap``, ``min_structure_frac``, ``min_corners_frac``, ``max_turn_deg``,
  ``max_parallax_frac``) and switches
  (``degeneracy``, ``stability``, ``unambiguous_count``, ``in_used_frames``, ``structure``,
  ``object_landmark``, ``shown_before_move``) — see
  ``simgen.qa.verify`` and ``simgen.qa.evidence``;
- ``templates``: ≥ 3 distinct paraphrases with ``{slot}`` fields (``{x_0}``, ``{x_1}`` … for the
  elements of a categories slot ``x``; an actions slot reads "turn left 90°, then move forward
  1 m"); no attribute/index access or format specs.

Every validation error names the file and the key.
"""
from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from simgen.qa.records import ANSWER_TYPES
from simgen.qa.slots import SlotSpec, parse_slot
from simgen.registry import ConfigError
from simgen.resources import compiled_dir, programs_dir

MODALITIES = ("image", "multi_image", "video")
UNITS = ("m", "cm", "m2", "count", "deg")
# Unit conversions from what a program returns to what a family asks in.
CONVERSIONS = {("m", "cm"): 100.0}
# Keys a family's ``checks`` may set; simgen.qa.verify reads them.
CHECK_KEYS = (
    "margin_m", "margin_deg", "margin_frames", "margin_m2", "margin_m3", "margin_frac",
    "min_value", "max_value", "max_pair_m", "min_pair_m", "clear_frames", "numeric_rel_tol", "degeneracy", "stability",
    "unambiguous_count", "min_motion_m", "still_max_m", "min_frame_gap", "in_used_frames", "structure",
    "min_structure_frac", "min_corners_frac", "max_turn_deg", "max_parallax_frac", "shown_before_move", "object_landmark",
)
BOOL_CHECKS = ("degeneracy", "stability", "unambiguous_count", "in_used_frames", "structure", "shown_before_move",
               "object_landmark")
MIN_TEMPLATES = 3


@dataclass(frozen=True)
class AnswerSpec:
    """Answer type, unit (numbers), and where the multiple-choice options come from."""

    type: str
    unit: str | None = None
    decimals: int = 2
    labels: tuple[str, ...] = ()  # fixed label set (choice)
    choice_slots: tuple[str, ...] = ()  # options are these slots' categories (choice)
    num_choices: int = 0  # options to present (0 = open-ended)


@dataclass(frozen=True)
class Family:
    """A validated question family."""

    family: str
    version: int
    modality: str
    description: str
    answer: AnswerSpec
    slots: tuple[SlotSpec, ...]
    program: str
    checks: dict[str, Any]
    templates: tuple[str, ...]
    path: str = ""
    source_hash: str = ""
    parsed: Any = field(default=None, compare=False, repr=False)


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}")


def _require(data: dict, key: str, kind: type, where: str):
    """``data[key]`` if present and of type ``kind`` (bools are not ints here)."""
    if key not in data:
        raise _fail(where, f"missing key '{key}'")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _fail(f"{where}.{key}", f"expected {kind.__name__}, got {value!r}")
    return value


def _parse_answer(data: Any, slots: tuple[SlotSpec, ...], where: str) -> AnswerSpec:
    w = f"{where}.answer"
    if not isinstance(data, dict):
        raise _fail(w, f"expected a mapping with 'type', got {data!r}")
    unknown = sorted(set(data) - {"type", "unit", "decimals", "choices", "num_choices"})
    if unknown:
        raise _fail(w, f"unknown key(s) {unknown}; allowed: type, unit, decimals, choices, num_choices")
    kind = data.get("type")
    if kind not in ANSWER_TYPES:
        raise _fail(f"{w}.type", f"expected one of {list(ANSWER_TYPES)}, got {kind!r}")
    unit = data.get("unit")
    if (kind == "number") != (unit is not None) or (unit is not None and unit not in UNITS):
        raise _fail(f"{w}.unit", f"a number needs a unit in {list(UNITS)} and other answers none, got {unit!r}")
    decimals = data.get("decimals", 0 if unit == "count" else 2)
    if not isinstance(decimals, int) or not 0 <= decimals <= 4:
        raise _fail(f"{w}.decimals", f"expected an int in 0..4, got {decimals!r}")
    default_n = {"number": 4, "choice": 0, "yes_no": 0, "object": 4, "ordering": 4}[kind]
    num = data.get("num_choices", default_n)
    if not isinstance(num, int) or num == 1 or not 0 <= num <= 8:
        raise _fail(f"{w}.num_choices", f"expected 0 (open-ended) or an int in 2..8, got {num!r}")
    labels, choice_slots = (), ()
    choices = data.get("choices")
    if kind == "choice" and choices == "rooms":  # neither labels nor slots: the house's rooms
        return AnswerSpec(kind, unit, decimals, (), (), num)
    if kind == "choice":
        if not isinstance(choices, list) or not choices or not all(isinstance(c, str) for c in choices):
            raise _fail(f"{w}.choices", "a choice answer needs a list of labels or of 'slot:<name>' entries, or 'rooms'")
        refs = [c[5:] for c in choices if c.startswith("slot:")]
        if refs and len(refs) != len(choices):
            raise _fail(f"{w}.choices", "use either fixed labels or 'slot:<name>' entries, not both")
        by_name = {s.name: s for s in slots}
        for r in refs:
            if r not in by_name or by_name[r].type not in ("category", "categories"):
                raise _fail(f"{w}.choices", f"'slot:{r}' must name a category/categories slot of {sorted(by_name)}")
        if not refs and len(set(choices)) != len(choices):
            raise _fail(f"{w}.choices", f"labels must be distinct, got {choices}")
        labels, choice_slots = (tuple(choices) if not refs else ()), tuple(refs)
    elif choices is not None:
        raise _fail(f"{w}.choices", f"only a 'choice' answer lists choices (a {kind} answer builds its own)")
    return AnswerSpec(kind, unit, decimals, labels, choice_slots, num)


def _check_template(text: Any, slots: tuple[SlotSpec, ...], where: str) -> str:
    """A template may only contain plain ``{slot}`` fields — no attribute/index access, no format spec."""
    if not isinstance(text, str) or not text.strip():
        raise _fail(where, f"expected a non-empty string, got {text!r}")
    names = {s.name for s in slots} | {f"{s.name}_{i}" for s in slots if s.type == "categories" for i in range(s.count)}
    names |= {f"{s.name}_s" for s in slots if s.type == "frame"}  # a frame as seconds into the video
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as e:
        raise _fail(where, f"bad template braces: {e}") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in names:  # also rejects {}, {a.b}, {a[0]}: attribute/index access
            raise _fail(where, f"field {{{name}}} is not a slot (or <categories slot>_<i>, <frame slot>_s); fields: {sorted(names)}")
        if spec or conversion:
            raise _fail(where, f"field {{{name}}} takes no format spec or conversion")
    return text


def parse_family(data: Any, where: str, source_hash: str = "") -> Family:
    """Validate one family mapping (``where`` names the file in every error)."""
    if not isinstance(data, dict):
        raise _fail(where, "expected a mapping at the top level")
    allowed = {"family", "version", "modality", "description", "answer", "slots", "program", "checks", "templates"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _fail(where, f"unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    family = _require(data, "family", str, where)
    version = _require(data, "version", int, where)
    modality = _require(data, "modality", str, where)
    if modality not in MODALITIES:
        raise _fail(f"{where}.modality", f"expected one of {list(MODALITIES)}, got {modality!r}")
    description = data.get("description", "")
    raw_slots = data.get("slots") or {}
    if not isinstance(raw_slots, dict):
        raise _fail(f"{where}.slots", "expected a mapping of slot name to spec")
    slots: list[SlotSpec] = []
    for name, spec in raw_slots.items():
        slots.append(parse_slot(str(name), spec, slots, where))
    n_frames = sum(s.type == "frame" for s in slots)
    if n_frames > 2:
        raise _fail(f"{where}.slots", "at most two frame slots")
    if modality == "image" and n_frames != 1:
        raise _fail(f"{where}.modality", "an image family needs one frame slot (the one frame it shows)")
    if modality == "multi_image" and n_frames != 2:
        raise _fail(f"{where}.modality", "a multi_image family needs two frame slots (the frames it shows)")
    answer = _parse_answer(data.get("answer"), tuple(slots), where)
    program = _require(data, "program", str, where)
    checks = data.get("checks") or {}
    if not isinstance(checks, dict) or set(checks) - set(CHECK_KEYS):
        raise _fail(f"{where}.checks", f"unknown check(s) {sorted(set(checks) - set(CHECK_KEYS))}; allowed: {list(CHECK_KEYS)}")
    for key, value in checks.items():
        flag = key in BOOL_CHECKS
        ok = isinstance(value, bool) if flag else isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
        if not ok:
            raise _fail(f"{where}.checks.{key}", f"expected {'true/false' if flag else 'a number ≥ 0'}, got {value!r}")
    templates = data.get("templates")
    if not isinstance(templates, list) or len(templates) < MIN_TEMPLATES:
        raise _fail(f"{where}.templates", f"expected a list of ≥ {MIN_TEMPLATES} paraphrases")
    templates = tuple(_check_template(t, tuple(slots), f"{where}.templates[{i}]") for i, t in enumerate(templates))
    if len(set(templates)) != len(templates):
        raise _fail(f"{where}.templates", "paraphrases must differ")
    fam = Family(family, version, modality, str(description).strip(), answer, tuple(slots), program.strip(), dict(checks),
                 templates, where, source_hash)
    return _with_program(fam)


def _with_program(fam: Family) -> Family:
    """Parse and type-check the program with the DSL; its result type must fit the answer spec."""
    from simgen.qa.dsl import parse_program
    from simgen.qa.program import DSLError

    where = f"{fam.path}.program"
    try:
        program = parse_program(fam.program, {s.name: s.type for s in fam.slots})
    except DSLError as e:
        raise _fail(where, str(e)) from None
    result = program.result_type
    spec = fam.answer
    expected = RESULT_KINDS[spec.type if not spec.labels else "label"]
    if result.kind not in expected:
        raise _fail(where, f"result type {result} does not fit answer type {spec.type!r} (expected {' or '.join(expected)})")
    if spec.type == "choice" and (result.kind == "Room") != (not spec.labels and not spec.choice_slots):
        raise _fail(f"{fam.path}.answer.choices", f"'rooms' goes with a program that answers a room, got {result}")
    if spec.labels and set(result.labels or ()) != set(spec.labels):
        raise _fail(f"{fam.path}.answer.choices", f"labels {list(spec.labels)} differ from the program's {list(result.labels or ())}")
    if spec.type == "number" and result.kind == "Quantity" and result.unit != spec.unit:
        if (result.unit, spec.unit) not in CONVERSIONS:
            raise _fail(f"{fam.path}.answer.unit", f"{spec.unit!r} but the program returns {result}")
    return Family(**{**fam.__dict__, "parsed": program})


# The program result kinds (simgen.qa.signatures.Type.kind) that fit each answer type.
RESULT_KINDS = {
    "number": ("Quantity", "Number"),
    "label": ("Label", "Labels"),  # one label, or a sequence of labels (route turns)
    "choice": ("Obj", "Category", "Room"),
    "yes_no": ("Bool",),
    "object": ("Obj", "Category"),
    "ordering": ("Order",),
}


def load_family(path: Path) -> Family:
    """Load and validate one family file; the file name must equal its ``family`` id."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    fam = parse_family(data, str(path), hashlib.sha256(text.encode()).hexdigest()[:16])
    if fam.family != path.stem:
        raise ConfigError(f"{path}.family: id {fam.family!r} must equal the file name {path.stem!r}")
    return fam


@lru_cache(maxsize=8)
def _load_dir(directory: str) -> dict[str, Family]:
    return {p.stem: load_family(p) for p in sorted(Path(directory).glob("*.yaml"))}


def load_families(names: list[str] | str = "all", directory: Path | None = None, compiled: bool = True) -> list[Family]:
    """The named families (or ``"all"``) from ``directory``, sorted by id.

    By default: the hand-written ``programs/`` plus, when ``compiled``, the LLM-compiled
    ``programs/compiled/`` — one loader for both, so compiled families are asked like any other.
    """
    if directory is not None:
        found = _load_dir(str(directory))
    else:
        found = dict(_load_dir(str(programs_dir())))
        extra = _load_dir(str(compiled_dir())) if compiled else {}
        clash = sorted(set(found) & set(extra))
        if clash:
            raise ConfigError(f"programs/compiled/: family id(s) {clash} also exist as hand-written families")
        found.update(extra)
    if names == "all":
        return [found[k] for k in sorted(found)]
    missing = [n for n in names if n not in found]
    if missing:
        raise ConfigError(f"qa.families: unknown family {missing}; known: {sorted(found)}")
    return [found[n] for n in sorted(set(names))]
