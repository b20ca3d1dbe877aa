"""How a record reads as a prompt and a target: answer modes, lettered options and the rationale.

Two answer modes. ``multiple_choice``: items with choices show them as lettered options ("A. sofa")
and the target is the letter; numeric items (no choices) stay open, as in VSI-Bench.
``open_ended``: options are never shown and the target is the answer text (a number for numeric
items). The optional rationale is the program's own evidence — the program, its slot bindings and
the decisions the executor recorded with their values and margins — written out as text, never
invented.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from simgen.qa.records import QAItem
from simgen.registry import ConfigError, setting

ANSWER_MODES = ("open_ended", "multiple_choice")
COT_MODES = ("none", "field", "answer")  # no rationale | a separate `rationale` field | reasoning before the answer
MC_INSTRUCTION = "Answer with the option's letter from the given choices directly."
NUMBER_INSTRUCTION = "Answer with a single number."
OPEN_INSTRUCTION = "Answer with a single word or phrase."
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class PromptConfig:
    """Settings every exporter shares: answer mode, rationale, instruction line, source tag."""

    answer_mode: str = setting("multiple_choice", choices=ANSWER_MODES)
    cot: str = setting("none", choices=COT_MODES)
    instruction: bool = True  # append the answer-format instruction to the question
    data_source: str = "simgen"

    def validate(self, where: str) -> None:
        """What types cannot say: the source tag is not empty."""
        if not self.data_source:
            raise ConfigError(f"{where}.data_source: expected a non-empty string, got {self.data_source!r}")


def option_lines(item: QAItem) -> list[str]:
    """The choices as "A. text" lines; ValueError if the record's letter disagrees with its choices."""
    if len(item.choices) > len(_LETTERS):
        raise ValueError(f"QA {item.id}: {len(item.choices)} choices, at most {len(_LETTERS)} can be lettered")
    if item.answer_letter is not None:
        expected = _LETTERS[item.choices.index(item.answer_text)]
        if item.answer_letter != expected:
            raise ValueError(f"QA {item.id}: answer_letter {item.answer_letter!r} but {item.answer_text!r} is option {expected}")
    return [f"{_LETTERS[i]}. {text}" for i, text in enumerate(item.choices)]


def uses_options(item: QAItem, answer_mode: str) -> bool:
    """True when the prompt shows lettered options (multiple-choice mode and the item has choices)."""
    return answer_mode == "multiple_choice" and bool(item.choices) and item.answer_letter is not None


def number_text(value: Any) -> str:
    """A number as plain text: integers without a decimal point, others with up to 6 decimals."""
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"not a finite number: {value!r}")
    if x.is_integer():
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".")


def ground_truth(item: QAItem, answer_mode: str) -> str:
    """The exact answer a model is expected to give: a letter, a number or the answer text."""
    if uses_options(item, answer_mode):
        return item.answer_letter
    if item.answer_type == "number":
        return number_text(item.answer)
    return item.answer_text


def compose_prompt(question: str, options: list[str] | None, answer_type: str, instruction: bool = True) -> str:
    """Question, then "Options:" with the lettered lines (if any), then the answer-format instruction."""
    parts = [question]
    if options:
        parts.append("Options:\n" + "\n".join(options))
        if instruction:
            parts.append(MC_INSTRUCTION)
    elif instruction:
        parts.append(NUMBER_INSTRUCTION if answer_type == "number" else OPEN_INSTRUCTION)
    return "\n".join(parts)


def prompt_text(item: QAItem, answer_mode: str, instruction: bool = True) -> str:
    """The user turn's text for a record in ``answer_mode`` (see :func:`compose_prompt`)."""
    options = option_lines(item) if uses_options(item, answer_mode) else None
    return compose_prompt(item.question, options, item.answer_type, instruction)


def _value_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value_text(v)}" for k, v in sorted(value.items())) + "}"
    return str(value)


def _decision_text(decision: Any) -> str:
    """One executor decision from the certificate: its kind, its values and how far it was from flipping."""
    if not isinstance(decision, dict):
        return _value_text(decision)
    text = str(decision.get("kind", "decision"))
    detail = decision.get("detail") or {}
    if detail:
        text += ": " + ", ".join(f"{k} = {_value_text(v)}" for k, v in sorted(detail.items()))
    if decision.get("margin") is not None:
        unit = decision.get("unit")
        text += f" (margin {_value_text(decision['margin'])}{' ' + unit if unit else ''})"
    return text


def rationale(item: QAItem) -> str:
    """The program, its bindings and the executor's recorded decisions (``certificate["margins"]``),
    ending with the answer."""
    lines = [f"Program: {item.program}"]
    if item.bindings:
        lines.append("Bindings: " + ", ".join(f"{k} = {_value_text(v)}" for k, v in sorted(item.bindings.items())))
    decisions = item.certificate.get("margins") or []
    if decisions:
        lines.append("Steps:")
        lines.extend(f"- {_decision_text(d)}" for d in decisions)
    lines.append(f"So the answer is {item.answer_text}.")
    return "\n".join(lines)


def target_text(item: QAItem, cfg: PromptConfig) -> str:
    """The assistant turn: the ground truth, preceded by the rationale when ``cot == "answer"``."""
    truth = ground_truth(item, cfg.answer_mode)
    if cfg.cot == "answer":
        return f"{rationale(item)}\nAnswer: {truth}"
    return truth
