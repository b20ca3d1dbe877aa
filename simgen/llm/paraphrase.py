"""Paraphrase mode: the LLM rewrites a question template; the meaning is checked, not trusted.

``paraphrase(compiler, spec, agreed, n)`` asks for rewordings of ``spec``'s first template (one
per request, distinct seeds). A paraphrase is kept only if

1. it is one line of printable ASCII that uses exactly the same ``{slot}`` fields (the grammar
   sent to llama.cpp already allows only known fields and no other braces), is not a repeat of an
   existing template, and is at most 300 characters; and
2. compiling the paraphrase *on its own* (k candidates, agreement, as any question) gives a
   program whose answers on every probe case equal those of the original program.

The LLM never computes an answer; it only writes text, and the text is judged by what the
compiled program does. ``fill_templates`` is what the compiler uses to reach a family's minimum
number of templates; ``paraphrase_family`` adds paraphrases to an existing family (CLI mode).
"""
from __future__ import annotations

import dataclasses
import re
import string

from simgen.llm.client import LLMBudgetExceeded, LLMError, LLMUnavailable
from simgen.llm.judge import Agreed, Question, Rejection, signature
from simgen.llm.spec import QuestionSpec

__all__ = ["paraphrase", "paraphrase_family", "fill_templates", "text_grammar", "check_paraphrase", "spec_of_family"]

MAX_CHARS = 300
_SYSTEM = ("You rewrite questions about a 3D scene in different words with exactly the same meaning. "
           "Keep every field in braces, such as {a}, exactly as written. Reply with one question only.")


def text_grammar(fields: list[str]) -> str:
    """GBNF of one line of printable ASCII whose only braces are the given ``{field}``s."""
    alts = " | ".join(f'"{{{f}}}"' for f in sorted(fields))
    piece = "[ -z|~]" + (f" | {alts}" if alts else "")  # space..z, | and ~: printable ASCII without { }
    return f"root ::= [A-Z] ({piece}){{8,{MAX_CHARS - 1}}}\n"


def _fields(text: str) -> set[str] | None:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def check_paraphrase(text: str, original: str, existing: tuple[str, ...]) -> str | None:
    """Why ``text`` cannot be a paraphrase of ``original`` (None if its form is fine)."""
    if not text or len(text) > MAX_CHARS or "\n" in text:
        return "bad_length"
    if not (text.isascii() and text.isprintable()):
        return "non_ascii"
    if _fields(text) != _fields(original):
        return "fields_changed"
    norm = re.sub(r"\W+", " ", text.lower()).strip()
    if any(norm == re.sub(r"\W+", " ", t.lower()).strip() for t in existing):
        return "duplicate"
    return None


def paraphrase(compiler, spec: QuestionSpec, agreed, n: int, max_requests: int | None = None) -> tuple[list[str], list[dict]]:
    """Up to ``n`` verified paraphrases of ``spec.templates[0]``, and a log of every attempt."""
    original = spec.templates[0]
    fields = sorted(_fields(original) or ())
    messages = [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": original}]
    grammar = text_grammar(fields) if compiler.mode == "gbnf" else None
    kept: list[str] = []
    attempts: list[dict] = []
    for i in range(max_requests or 3 * n):
        if len(kept) >= n:
            break
        try:
            text = compiler.client.chat(messages, grammar=grammar, seed=compiler.client.cfg.seed + 7919 + i).strip()
        except (LLMUnavailable, LLMBudgetExceeded):
            raise
        except LLMError as e:
            attempts.append({"text": None, "reason": e.reason})
            continue
        reason = check_paraphrase(text, original, tuple(spec.templates) + tuple(kept))
        if reason is None:
            reason = _meaning(compiler, spec, text, agreed)
        attempts.append({"text": text[:MAX_CHARS], "reason": reason})
        if reason is None:
            kept.append(text)
    return kept, attempts


def _meaning(compiler, spec: QuestionSpec, text: str, agreed) -> str | None:
    """None if the paraphrase compiles to a program with the original's answers on every probe case."""
    sub = dataclasses.replace(spec, templates=(text,))
    try:
        other = compiler.agreed_program(sub)
    except Rejection as r:
        return f"recompile_{r.reason}"
    return None if other.signature == agreed.signature else "meaning_changed"


def fill_templates(compiler, spec: QuestionSpec, agreed, needed: int) -> tuple[str, ...]:
    """The spec's templates plus verified paraphrases, up to ``needed`` (Rejection if not reached)."""
    missing = needed - len(spec.templates)
    kept, attempts = paraphrase(compiler, spec, agreed, missing)
    if len(kept) < missing:
        reasons = sorted({a["reason"] for a in attempts if a["reason"]})
        raise Rejection("too_few_templates", f"{len(spec.templates) + len(kept)} < {needed} templates; paraphrases failed: {reasons}")
    return tuple(spec.templates) + tuple(kept)


def spec_of_family(fam) -> QuestionSpec:
    """A QuestionSpec equivalent to a family (to paraphrase it with the compiler's checks)."""
    slots = {}
    for s in fam.slots:
        entry = {"type": s.type}
        if s.type != "frame":
            entry["observed"] = s.observed
        if s.type == "categories":
            entry["count"] = s.count
        if s.exclude:
            entry["exclude"] = list(s.exclude)
        if s.visible:
            entry["visible"] = list(s.visible)
        if s.type == "categories" and s.ordered:
            entry["ordered"] = True
        if s.min_count != 1:
            entry["min_count"] = s.min_count
        if s.max_count is not None:
            entry["max_count"] = s.max_count
        slots[s.name] = entry
    answer = {"type": fam.answer.type}
    if fam.answer.unit:
        answer["unit"] = fam.answer.unit
    if fam.answer.labels:
        answer["choices"] = list(fam.answer.labels)
    elif fam.answer.choice_slots:
        answer["choices"] = [f"slot:{s}" for s in fam.answer.choice_slots]
    family_id = fam.family[4:] if fam.family.startswith("llm_") else fam.family
    return QuestionSpec(family_id, tuple(fam.templates), slots, answer, fam.modality, dict(fam.checks))


def paraphrase_family(compiler, fam, n: int) -> tuple[list[str], list[dict]]:
    """Up to ``n`` verified paraphrases of an existing family's first template (its program is the reference)."""
    spec = spec_of_family(fam)
    question = Question(spec)
    _, outcomes = compiler.judge(question, fam.program)
    agreed = Agreed(fam.program, signature(outcomes), 1.0, question.cases, "")
    return paraphrase(compiler, spec, agreed, n)
