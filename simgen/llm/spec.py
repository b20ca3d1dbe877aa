"""The compiler's input: natural-language questions or question templates with typed slots.

A questions file (YAML) is a list of entries (or a mapping with key ``questions``)::

    - id: longest_side_cm                      # the family becomes llm_longest_side_cm
      question: "How long is the {a} along its longest side, in centimetres?"
      templates: ["...", "..."]                # optional further paraphrases of the question
      slots: {a: {type: category, observed: unique}}   # as in a family file (optional)
      answer: {type: number, unit: cm}         # optional: inferred from the program's type
      modality: video                          # optional: image when there is a frame slot
      checks: {min_value: 0.15}                # optional verifier overrides, as in a family
      reference_family: object_size_estimation # optional: a hand-written family it should match

Slots, answer and checks use exactly the family format (``simgen.qa.families``); the compiled
family is validated by the same loader. ``load_questions`` checks the structure and names the file
and key of every error before any LLM call is made.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simgen.qa.slots import SLOT_TYPES
from simgen.registry import ConfigError

__all__ = ["QuestionSpec", "load_questions", "parse_question"]

_ID = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_KEYS = {"id", "question", "templates", "slots", "answer", "modality", "checks", "reference_family"}


@dataclass(frozen=True)
class QuestionSpec:
    """One question to compile: its templates (the first is compiled), slots and optional answer spec."""

    id: str
    templates: tuple[str, ...]
    slots: dict = field(default_factory=dict)  # family slot mapping: name -> {type, observed, ...}
    answer: dict | None = None
    modality: str | None = None
    checks: dict = field(default_factory=dict)
    reference_family: str | None = None

    @property
    def family_id(self) -> str:
        """Id of the compiled family (prefixed so it never collides with a hand-written one)."""
        return f"llm_{self.id}"

    @property
    def slot_types(self) -> dict[str, str]:
        """Slot name -> type name (category, categories, frame)."""
        return {name: spec["type"] for name, spec in self.slots.items()}

    @property
    def answer_type(self) -> str | None:
        """The declared answer type, or None when it is inferred from the program."""
        return self.answer.get("type") if self.answer else None

    def template_fields(self) -> set[str]:
        """Field names a template may use: each slot and, for categories slots, ``<slot>_<i>``."""
        names = set(self.slots)
        for name, spec in self.slots.items():
            if spec["type"] == "categories":
                names |= {f"{name}_{i}" for i in range(int(spec.get("count", 2)))}
        return names


def _fields(text: str, where: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as e:
        raise ConfigError(f"{where}: bad template braces: {e}") from None


def parse_question(data: Any, where: str) -> QuestionSpec:
    """Validate one entry (``where`` names the file and index in every error)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping with 'id' and 'question', got {data!r}")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_KEYS)}")
    qid = data.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        raise ConfigError(f"{where}.id: expected lower_case letters, digits and _ (≤ 48), got {qid!r}")
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ConfigError(f"{where}.question: expected a non-empty string, got {question!r}")
    extra = data.get("templates") or []
    if not isinstance(extra, list) or not all(isinstance(t, str) and t.strip() for t in extra):
        raise ConfigError(f"{where}.templates: expected a list of non-empty strings, got {extra!r}")
    slots = data.get("slots") or {}
    if not isinstance(slots, dict):
        raise ConfigError(f"{where}.slots: expected a mapping of slot name to {{type: ...}}, got {slots!r}")
    for name, spec in slots.items():
        if not isinstance(spec, dict) or spec.get("type") not in SLOT_TYPES:
            raise ConfigError(f"{where}.slots.{name}.type: expected one of {list(SLOT_TYPES)}, got {spec!r}")
    for key in ("answer", "checks"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise ConfigError(f"{where}.{key}: expected a mapping, got {data[key]!r}")
    modality = data.get("modality")
    if modality is not None and modality not in ("image", "multi_image", "video"):
        raise ConfigError(f"{where}.modality: expected image, multi_image or video, got {modality!r}")
    ref = data.get("reference_family")
    if ref is not None and not isinstance(ref, str):
        raise ConfigError(f"{where}.reference_family: expected a family id, got {ref!r}")
    spec = QuestionSpec(qid, (question.strip(), *[t.strip() for t in extra]), dict(slots), data.get("answer"),
                        modality, dict(data.get("checks") or {}), ref)
    allowed = spec.template_fields()
    for i, text in enumerate(spec.templates):
        bad = sorted(_fields(text, f"{where}.templates[{i}]") - allowed)
        if bad:
            raise ConfigError(f"{where}.templates[{i}]: field(s) {bad} are not slots; slots: {sorted(allowed)}")
    return spec


def load_questions(path: Path) -> list[QuestionSpec]:
    """All entries of a questions file; ids must be unique."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: cannot read questions: {e}") from None
    if isinstance(data, dict):
        data = data.get("questions")
    if not isinstance(data, list) or not data:
        raise ConfigError(f"{path}: expected a non-empty list of questions (or a mapping with key 'questions')")
    specs = [parse_question(entry, f"{path}[{i}]") for i, entry in enumerate(data)]
    ids = [s.id for s in specs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError(f"{path}: duplicate question id(s) {dupes}")
    return specs
