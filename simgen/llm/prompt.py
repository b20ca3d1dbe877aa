"""Prompts for the compiler: the DSL reference from the signatures, few-shot examples from families.

``compile_messages(question, slots, answer_type, examples, mode)`` returns the chat messages:
a system message with the rules and a compact reference generated from
``simgen.qa.signatures.FUNCTIONS``/``CONSTANTS`` (one line per function: signature, result type,
first sentence of its doc — the same table docs/DSL_REFERENCE.md is generated from), then one
user/assistant turn per few-shot example taken from a hand-written family (its first template,
its slots, its answer type, its program), then the question. ``closest_examples`` picks the
examples per question: the hand-written families whose templates are nearest to the question
(TF-IDF cosine over their words, plus a bonus for the same slot types and answer type), closest
last. The system message is the same for every question, so a llama.cpp server reuses its cached
prefix. ``repair_messages`` appends the rejected program, the reason and the failing probe case.
In the JSON output modes the assistant turns are ``{"program": "..."}``.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter

from simgen.qa.dsl import CONSTANTS, FUNCTIONS
from simgen.qa.signatures import GROUPS

__all__ = ["compact_reference", "compile_messages", "repair_messages", "question_message", "prompt_hash", "format_reply",
           "closest_examples"]

# Words that say nothing about what a question asks.
_STOP = frozenset("a an the of in on to is are was be and or this that these those which what how it its from by "
                  "with as at do does you your i my me there their than for into video image room object objects".split())

_RULES = """\
You translate a question about a 3D scene into ONE expression of a small typed language with Python syntax.
Rules:
- Write only the expression: no explanation, no code fences, no assignments, no imports.
- Use only the functions and constants listed below, by name; use the slot names given with the question.
- the(category) is the single object of a category; the_each(categories) gives one object per category.
- Lengths are Quantity[m]: compare them with unit literals such as m(1.5); convert to centimetres with to_cm(...).
- A category given as a slot is written as the slot's name, not in quotes.
"""


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?\.)(\s|$)", text)
    return (match.group(1) if match else text).replace("``", "")


def compact_reference() -> str:
    """One line per DSL function and constant, grouped, generated from the signature table."""
    lines = []
    for group in GROUPS:
        lines.append(f"# {group}")
        for sig in sorted((s for s in FUNCTIONS.values() if s.group == group), key=lambda s: s.name):
            params = ", ".join(str(p) for p in sig.params)
            lines.append(f"{sig.name}({params}) -> {sig.returns_text()}: {_first_sentence(sig.doc)}")
        for const in sorted((c for c in CONSTANTS.values() if c.group == group), key=lambda c: c.name):
            lines.append(f"{const.name} -> {const.type}: {_first_sentence(const.doc)}")
    return "\n".join(lines)


def question_message(question: str, slots: dict[str, str], answer_type: str | None) -> str:
    """The user turn for one question: its text, typed slots and expected answer type."""
    slot_text = ", ".join(f"{k}: {v}" for k, v in slots.items()) or "none"
    return f"Question: {question}\nSlots: {slot_text}\nAnswer type: {answer_type or 'any'}"


def format_reply(program: str, mode: str) -> str:
    """An assistant turn holding ``program`` in the output format of ``mode``."""
    return json.dumps({"program": program}) if mode in ("json_schema", "json_object") else program


def compile_messages(question: str, slots: dict[str, str], answer_type: str | None, examples, mode: str) -> list[dict]:
    """System rules + reference, few-shot turns from ``examples`` (Family objects), then the question."""
    messages = [{"role": "system", "content": _RULES + "\nFunctions:\n" + compact_reference()}]
    for fam in examples:
        slot_types = {s.name: s.type for s in fam.slots}
        messages.append({"role": "user", "content": question_message(fam.templates[0], slot_types, fam.answer.type)})
        messages.append({"role": "assistant", "content": format_reply(fam.program, mode)})
    messages.append({"role": "user", "content": question_message(question, slots, answer_type)})
    return messages


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z]+", re.sub(r"\{[^}]*\}", " ", text.lower())) if w not in _STOP]


def closest_examples(question: str, slots: dict[str, str], answer_type: str | None, pool, n: int) -> list:
    """The ``n`` families of ``pool`` nearest to ``question``, least similar first (closest last).

    Similarity: cosine of TF-IDF word vectors (a family's document is all its templates), + 0.2
    for the same slot types, + 0.1 for the same answer type; ties broken by family id."""
    pool = list(pool)
    docs = [Counter(w for t in fam.templates for w in _words(t)) for fam in pool]
    df = Counter(w for doc in docs for w in doc)
    idf = {w: math.log((1 + len(docs)) / (1 + c)) + 1 for w, c in df.items()}

    def vector(counts: Counter) -> dict[str, float]:
        return {w: c * idf.get(w, math.log(1 + len(docs)) + 1) for w, c in counts.items()}

    def cosine(a: dict, b: dict) -> float:
        dot = sum(v * b.get(w, 0.0) for w, v in a.items())
        norm = math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
        return dot / norm if norm else 0.0

    query = vector(Counter(_words(question)))
    types = sorted(slots.values())

    def score(i: int) -> float:
        fam = pool[i]
        same_slots = sorted(s.type for s in fam.slots) == types
        return cosine(query, vector(docs[i])) + 0.2 * same_slots + 0.1 * (answer_type == fam.answer.type)
    ranked = sorted(range(len(pool)), key=lambda i: (-score(i), pool[i].family))[:n]
    return [pool[i] for i in reversed(ranked)]


def repair_messages(messages: list[dict], reply: str, reason: str, mode: str) -> list[dict]:
    """The conversation plus the rejected reply and why, asking for a corrected expression."""
    return messages + [
        {"role": "assistant", "content": format_reply(reply, mode)},
        {"role": "user", "content": f"That was rejected: {reason}\nWrite a corrected expression for the same question."},
    ]


def prompt_hash(messages: list[dict]) -> str:
    """sha256 (hex, first 16) of the messages: provenance of what the model was asked."""
    return hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()[:16]
