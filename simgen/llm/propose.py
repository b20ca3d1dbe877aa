"""Propose mode: the LLM writes new question templates from the scene schema (SPRITE-style diversity).

The model sees what a scene offers — object categories, colours, the kinds of facts the DSL can
compute (the group names and a few function names), the fields it may use and the questions the
hand-written families already ask — and writes one new question per request (distinct seeds),
constrained for llama.cpp by a grammar that allows only the field vocabulary below. Fields map to
typed slots exactly as a family declares them:

====================  ==========================================================
``{a}``, ``{b}``, ``{c}``  uniquely observed categories, pairwise different
``{category}``          any observed category (counting-style questions)
``{pair}`` / ``{pair_0}``, ``{pair_1}``  two different uniquely observed categories
``{objs}``              three different uniquely observed categories
``{frame}``             a frame index (showing ``{a}`` if the question names it)
====================  ==========================================================

A proposal becomes a ``QuestionSpec`` (id ``proposed_<hash>``) and then goes through the same
compile-and-verify path as any question; nothing the model proposes is kept unless a program for
it is compiled, agreed on and verified.
"""
from __future__ import annotations

import hashlib
import string

from simgen.llm.client import LLMBudgetExceeded, LLMError, LLMUnavailable
from simgen.llm.paraphrase import MAX_CHARS, text_grammar
from simgen.llm.probes import CATALOGUE, COLORS
from simgen.llm.spec import QuestionSpec, parse_question
from simgen.qa.signatures import GROUPS
from simgen.registry import ConfigError

__all__ = ["FIELDS", "propose", "spec_from_template"]

FIELDS = ("a", "b", "c", "category", "pair", "pair_0", "pair_1", "objs", "frame")
_SLOT_OF_FIELD = {"pair_0": "pair", "pair_1": "pair"}


def _system(existing: list[str]) -> str:
    seen = "\n".join(f"- {q}" for q in existing)
    return (
        "You write new questions about the objects in an indoor scene, for a spatial-reasoning benchmark. "
        f"Object categories: {', '.join(sorted(CATALOGUE))}. Colours: {', '.join(COLORS)}. "
        f"The answers are computed from exact 3D boxes, camera poses and visibility ({', '.join(GROUPS)}). "
        "Use fields in braces for the objects: {a}, {b}, {c} (three different objects), {category} (a category "
        "to count), {pair_0} and {pair_1} (two objects to compare), {objs} (a list of three objects), {frame} "
        "(a frame number of the video). Ask something a person can answer from the video with one word, "
        "one object, or one number with a unit. Reply with one question only. These already exist:\n" + seen)


def spec_from_template(text: str) -> QuestionSpec:
    """The QuestionSpec of a proposed template: slots from the fields it uses (ConfigError if it uses others)."""
    try:
        used = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as e:
        raise ConfigError(f"proposal: bad braces: {e}") from None
    unknown = sorted(set(used) - set(FIELDS))
    if unknown:
        raise ConfigError(f"proposal: field(s) {unknown} are not in {list(FIELDS)}")
    names = {_SLOT_OF_FIELD.get(f, f) for f in used}
    slots, earlier = {}, []
    for name in ("a", "b", "c", "category", "pair", "objs", "frame"):  # file order = sampling order
        if name not in names:
            continue
        uniques = [s for s in earlier if s in ("a", "b", "c", "pair", "objs")]
        if name in ("a", "b", "c"):
            slots[name] = {"type": "category", "observed": "unique", **({"exclude": uniques} if uniques else {})}
        elif name == "category":
            slots[name] = {"type": "category", "observed": "any"}
        elif name in ("pair", "objs"):
            slots[name] = {"type": "categories", "observed": "unique", "count": 2 if name == "pair" else 3,
                           **({"exclude": uniques} if uniques else {})}
        else:
            slots[name] = {"type": "frame", **({"visible": ["a"]} if "a" in names else {})}
        earlier.append(name)
    qid = "proposed_" + hashlib.sha256(text.encode()).hexdigest()[:10]
    return parse_question({"id": qid, "question": text, "slots": slots}, f"proposal {qid}")


def propose(client, n: int, existing: list[str], max_requests: int | None = None) -> tuple[list[QuestionSpec], list[dict]]:
    """Up to ``n`` new, distinct question specs from the model, and a log of every attempt."""
    messages = [{"role": "system", "content": _system(existing)},
                {"role": "user", "content": "Write one new question."}]
    grammar = text_grammar(list(FIELDS)) if client.cfg.structured_output == "gbnf" else None
    specs: list[QuestionSpec] = []
    attempts: list[dict] = []
    seen = {q.strip().lower() for q in existing}
    for i in range(max_requests or 3 * n):
        if len(specs) >= n:
            break
        try:
            text = client.chat(messages, grammar=grammar, seed=client.cfg.seed + 104729 + i).strip()
        except (LLMUnavailable, LLMBudgetExceeded):
            raise
        except LLMError as e:
            attempts.append({"text": None, "reason": e.reason})
            continue
        reason = None
        if not text or len(text) > MAX_CHARS or not (text.isascii() and text.isprintable()):
            reason = "bad_text"
        elif text.lower() in seen:
            reason = "duplicate"
        else:
            try:
                specs.append(spec_from_template(text))
                seen.add(text.lower())
            except ConfigError as e:
                reason = f"bad_fields: {e}"
        attempts.append({"text": text[:MAX_CHARS], "reason": reason})
    return specs, attempts
