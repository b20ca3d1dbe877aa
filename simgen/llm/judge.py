"""Judging candidate programs: type-check as a family, run on probe scenes, agree, verify.

Nothing here trusts a program's text. ``Probe`` holds the probe episodes and their SceneViews;
``family_for(spec, text, answer)`` builds the candidate family through the family loader
(``simgen.qa.families.parse_family`` — it parses and type-checks the program against the slots and
the answer spec, exactly as for hand-written files); ``Probe.cases(family)`` draws the same slot
bindings for every candidate of a question; ``Probe.outcomes`` runs a program on every case with
the one executor (answers, or the ExecutionError reason); ``agree`` groups candidates whose
outcomes are identical on all cases; ``Probe.verify`` asks the family through
``simgen.qa.episode_asker.EpisodeAsker`` — the ask stage's own path, verifier included — and counts what it
keeps and why it rejects.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from simgen.llm.probes import named_categories, stacked_pairs, swapped_pair
from simgen.llm.spec import QuestionSpec
from simgen.qa.episode_asker import EpisodeAsker
from simgen.qa.qa_config import QAConfig
from simgen.qa.dsl import parse_program
from simgen.qa.program import DSLError
from simgen.qa.executor import ExecutionError, execute
from simgen.qa.families import Family, parse_family
from simgen.qa.sampling import SamplingError, sample_bindings
from simgen.qa.scene_view import SceneView
from simgen.registry import ConfigError
from simgen.seeding import rng

__all__ = ["Agreed", "Failed", "Question", "Probe", "Rejection", "family_for", "infer_answer", "agree", "signature",
           "normalize", "describe_case", "finite"]


MAX_ANSWER = 1e6  # no count, length, area or angle an answer gives is larger
# Exceptions the parser should never raise but hostile text might provoke (e.g. a huge int literal).
PARSER_FAILURES = (OverflowError, RecursionError, MemoryError)


class Rejection(Exception):
    """A candidate (or a whole question) was rejected; ``reason`` is a short code, ``detail`` what and why."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


def infer_answer(spec: QuestionSpec, text: str) -> dict:
    """The family answer spec: the declared one, or one inferred from the program's result type."""
    if spec.answer:
        return dict(spec.answer)
    try:
        result = parse_program(text, spec.slot_types).result_type
    except DSLError as e:
        raise Rejection(f"dsl_{e.reason}", e.detail) from None
    except PARSER_FAILURES as e:
        raise Rejection("dsl_parser_failure", f"the parser failed on this text: {type(e).__name__}") from None
    kind = result.kind
    if kind == "Quantity" and result.unit in ("m", "cm", "m2", "count", "deg"):
        return {"type": "number", "unit": result.unit}
    if kind == "Bool":
        return {"type": "yes_no"}
    if kind in ("Label", "Labels"):
        return {"type": "choice", "choices": list(result.labels)}
    if kind == "Order":
        return {"type": "ordering"}
    if kind in ("Obj", "Category"):
        lists = [name for name, s in spec.slots.items() if s["type"] == "categories"]
        return {"type": "choice", "choices": [f"slot:{lists[0]}"]} if lists else {"type": "object"}
    raise Rejection("unsupported_answer", f"a program returning {result} cannot be asked as a family answer")


def family_for(spec: QuestionSpec, text: str, templates: tuple[str, ...] | None = None,
               description: str = "") -> Family:
    """The candidate family for program ``text`` (Rejection with the loader's message if invalid)."""
    data = family_dict(spec, text, templates, description)
    try:
        family = parse_family(data, spec.family_id)
    except PARSER_FAILURES as e:  # untrusted text must never crash the run, even through a parser bug
        raise Rejection("dsl_parser_failure", f"the parser failed on this text: {type(e).__name__}") from None
    except ConfigError as e:
        message = str(e)
        prefix = f"{spec.family_id}.program: "
        if message.startswith(prefix):  # a DSL error keeps its reason code; a result-type error is a mismatch
            detail = message[len(prefix):]
            code = detail.split(":", 1)[0]
            raise Rejection(f"dsl_{code}" if re.fullmatch(r"[a-z_]+", code) else "answer_mismatch", detail) from None
        raise Rejection("family", message) from None
    unused = sorted(set(spec.slots) - {n.value for n in family.parsed.nodes if n.op == "slot"})
    if unused:  # a program that ignores a slot answers another question (or a constant, like `cm(3)`)
        raise Rejection("unused_slot", f"the program never uses slot(s) {unused}; its answer must depend on each")
    result, unit = family.parsed.result_type, family.answer.unit
    if unit is not None and result.kind == "Quantity" and result.unit != unit:
        # Hand-written families may rely on the m -> cm conversion; compiled ones convert explicitly, so
        # that `height(x) * 100` (metres, scaled) can never pass for centimetres.
        raise Rejection("answer_mismatch", f"the program returns {result} but the question asks for {unit}; "
                                           f"convert explicitly (e.g. to_cm(...)) or return {unit}")
    return family


def family_dict(spec: QuestionSpec, text: str, templates: tuple[str, ...] | None = None, description: str = "") -> dict:
    """The family mapping (as written to YAML) for program ``text``."""
    templates = list(templates or spec.templates)
    # The loader demands ≥ 3 distinct templates; while judging, pad with marked copies so a
    # question with fewer still type-checks (the stored family only ever has real ones).
    judged = templates + [f"{templates[0]} ({i})" for i in range(1, 4 - len(templates))]
    has_frame = any(s["type"] == "frame" for s in spec.slots.values())
    data = {
        "family": spec.family_id,
        "version": 1,
        "modality": spec.modality or ("image" if has_frame else "video"),
        "description": description or f"Compiled from: {spec.templates[0]}",
        "answer": infer_answer(spec, text),
        "slots": {k: dict(v) for k, v in spec.slots.items()},
        "program": text,
        "templates": judged,
    }
    if spec.checks:
        data["checks"] = dict(spec.checks)
    return data


def normalize(view: SceneView, value, unit) -> tuple:
    """An outcome as candidates are compared: an object named by its category where that category
    has one observed object (``chair_1`` and ``chair`` are the same answer, whether a program
    returns the object or its category), lists as tuples, numbers to 6 significant digits."""
    def norm(v):
        if isinstance(v, str) and v in view.names:
            row = view.row_of_name(v)
            category = str(view.category[row])
            return category if len(view.observed_rows(category)) == 1 else v
        if isinstance(v, float):
            return float(f"{v:.6g}") if math.isfinite(v) else v
        if isinstance(v, (list, tuple)):
            return tuple(norm(x) for x in v)
        return v
    return (norm(value), unit)


def describe_case(view: SceneView, bindings: dict, answer=None, limit: int = 10) -> str:
    """A probe case for a repair message: the objects (category, centre, size), the slots, the answer."""
    rows = list(view.observed)[:limit]
    objects = "; ".join(f"{view.names[r]} at ({view.center[r][0]:.1f}, {view.center[r][1]:.1f}, {view.center[r][2]:.1f}) "
                        f"size {2 * view.half[r][0]:.1f}x{2 * view.half[r][1]:.1f}x{2 * view.half[r][2]:.1f} m" for r in rows)
    text = f"probe scene {view.episode_id} with objects {objects}; slots {bindings}"
    return text if answer is None else f"{text}; your program answered {answer!r}"


def finite(value) -> bool:
    """Whether every number in an answer is finite and of a size an answer can have."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return True
    if isinstance(value, (int, float)):
        return math.isfinite(value) and abs(value) <= MAX_ANSWER
    if isinstance(value, (list, tuple)):
        return all(finite(v) for v in value)
    return True


def signature(outcomes: list) -> tuple:
    """A hashable form of a candidate's outcomes (lists become tuples); numbers rounded to 6 significant digits."""
    def norm(v):
        if isinstance(v, float):
            return float(f"{v:.6g}") if math.isfinite(v) else v
        if isinstance(v, (list, tuple)):
            return tuple(norm(x) for x in v)
        return v
    return tuple(norm(o) for o in outcomes)


def agree(signatures: list[tuple]) -> tuple[list[int], float]:
    """Indices of the largest group of identical signatures (ties: the earliest) and its share."""
    if not signatures:
        return [], 0.0
    counts = Counter(signatures)
    best = max(counts.values())
    winner = next(s for s in signatures if counts[s] == best)
    members = [i for i, s in enumerate(signatures) if s == winner]
    return members, len(members) / len(signatures)


@dataclass(frozen=True)
class Failed:
    """The outcome of a probe case the program cannot answer (the ExecutionError reason)."""

    reason: str


@dataclass
class Case:
    """One probe question: a scene and slot bindings."""

    scene: int
    bindings: dict


@dataclass(frozen=True)
class Agreed:
    """The program the candidates agreed on, its outcomes on the probe cases and the agreement share."""

    program: str
    signature: tuple
    agreement: float
    cases: list
    prompt_sha256: str
    reference: str | None = None  # the hand-written family it was checked against, if any


class Question:
    """Per-question state shared by its candidates: the probe cases, drawn once, and what the
    semantic checks derive from them (edited scenes, alternative bindings) in ``cache``."""

    def __init__(self, spec: QuestionSpec):
        self.spec, self.cases, self.cache = spec, None, {}
        self.reference = None  # the hand-written family asking the same thing, if any


STACKED_CASES, STACK_DRAWS = 2, 10  # cases per scene naming a stacked pair; extra draws (× bindings) to find them


class Probe:
    """Probe episodes, their views, and the QA config the verifier uses on them."""

    def __init__(self, episodes, bindings_per_scene: int = 4, seed: int = 0, qa: QAConfig | None = None):
        self.episodes = list(episodes)
        self.views = [SceneView.from_episode(e) for e in self.episodes]
        self.bindings_per_scene, self.seed = bindings_per_scene, seed
        self.qa = qa or QAConfig(questions_per_episode=bindings_per_scene)

    def cases(self, family: Family) -> list[Case]:
        """Bindings drawn per scene from the family's slots (the same for every candidate of a question);
        then, where the slots can name both objects of a stack (one resting on another), up to
        ``STACKED_CASES`` such bindings per scene, each also with the two objects' slots traded, so
        "above", "on top of" and "higher" meet a stack both ways round."""
        out = []
        for i, (episode, view) in enumerate(zip(self.episodes, self.views)):
            gen = rng(self.seed, 0, i, f"llm/cases/{family.family}")
            seen: set[str] = set()
            stacks = stacked_pairs(episode)
            drawn = stacked = 0
            for draw in range(self.bindings_per_scene * (3 + (STACK_DRAWS if stacks else 0))):
                random_part = drawn < self.bindings_per_scene and draw < self.bindings_per_scene * 3
                if not random_part and (stacked >= STACKED_CASES or not stacks):
                    break
                try:
                    bindings = sample_bindings(family, view, gen)
                except SamplingError:
                    break  # the scene lacks what the slots need
                key = repr(sorted(bindings.items()))
                pairs = [pair for pair in stacks if pair <= named_categories(bindings)]
                if key in seen or not (random_part or pairs):
                    continue
                seen.add(key)
                out.append(Case(i, bindings))
                drawn, stacked = drawn + random_part, stacked + (not random_part)
                swapped = swapped_pair(bindings, pairs[0]) if pairs else bindings  # top and support trade slots
                if repr(sorted(swapped.items())) not in seen:
                    seen.add(repr(sorted(swapped.items())))
                    out.append(Case(i, swapped))
        return out

    def outcomes(self, family: Family, cases: list[Case]) -> list:
        """The program's normalized ``(answer, unit)`` on each case (``normalize``), or ``Failed(reason)``
        where it cannot be answered; Rejection('non_finite') if an answer is not a finite number of a
        sane size (an overflow to inf, a NaN).

        The unit is part of the outcome: 87.3 centimetres and 87.3 "metres" are different answers."""
        out = []
        for case in cases:
            view = self.views[case.scene]
            try:
                execution = execute(family.parsed, view, case.bindings)
            except ExecutionError as e:
                out.append(Failed(e.reason))
                continue
            except (ArithmeticError, ValueError) as e:  # OverflowError, a NaN turned into an int, …
                raise Rejection("non_finite", f"{type(e).__name__} on {describe_case(view, case.bindings)}") from None
            if not finite(execution.value):
                raise Rejection("non_finite", f"the answer is not a finite number of a sane size (|x| ≤ 1e6) on "
                                              f"{describe_case(view, case.bindings, execution.value)}")
            out.append(normalize(view, execution.value, execution.unit))
        return out

    def verify(self, family: Family) -> tuple[int, Counter, list[dict]]:
        """Ask the family on every probe episode as the ask stage does: (kept, outcome counts, examples)."""
        counts, examples = Counter(), []
        for i, episode in enumerate(self.episodes):
            asker = EpisodeAsker(episode, self.qa, self.seed, 0, "llm-compile")
            for item in asker.ask(family, counts):
                examples.append({"episode": episode.episode_id, "question": item.question, "answer": item.answer_text})
        return counts["kept"], counts, examples
