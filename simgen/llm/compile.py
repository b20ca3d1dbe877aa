"""The LLM compiler: a question (template) in, a verified family out — or a logged rejection.

For each ``QuestionSpec`` the ``Compiler``:

1. builds the prompt (``simgen.llm.prompt``: reference from the signatures, few-shot turns from
   the ``n_examples`` hand-written families closest to the question — never its reference family)
   and, for llama.cpp, the typed DSL grammar (``simgen.llm.grammar``);
2. samples ``k`` candidates independently (distinct seeds); each candidate is parsed and
   type-checked *as a family* by the family loader, run on the probe cases (same bindings for
   all candidates) and put through the semantic checks (``simgen.llm.semantics``: not answering
   with a named referent, depending on the scene and on every slot, agreeing with a hand-written
   family that asks the same thing); a reply that fails any step is sent back with the reason and
   the failing probe case, at most ``max_repairs`` times per candidate;
3. groups the candidates that passed by their outcomes on *every* probe case (an object and its
   category count as the same answer) and keeps the largest group if it holds at least
   ``min_agreement`` of the k candidates and is larger than any other (a majority, not a tie);
   the shortest program of that group is kept; sampling stops early once the remaining candidates
   could neither outnumber nor tie the leading group (k = 3, two agree: no third call);
4. fills the templates up to ``min_templates`` with verified paraphrases (``simgen.llm.paraphrase``);
5. asks the family on the probe episodes through the ask stage's own path, verifier included,
   and accepts only if it keeps at least ``min_verified`` questions;
6. writes ``programs/compiled/<family>.yaml`` with provenance (``simgen.llm.store``).

Every outcome is a ``CompileResult`` (written to the compile log); no step runs model output as
Python, and the executor only ever sees programs the parser and type checker accepted.
"""
from __future__ import annotations

import logging
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from simgen.llm.client import LLMBudgetExceeded, LLMClient, LLMError, LLMUnavailable
from simgen.llm.grammar import dsl_grammar
from simgen.llm.judge import Agreed, Failed, Probe, Question, Rejection, describe_case, family_dict, family_for, signature
from simgen.llm.paraphrase import fill_templates
from simgen.llm.prompt import closest_examples, compile_messages, prompt_hash, repair_messages
from simgen.llm.semantics import CHECKS, check_semantics
from simgen.llm.spec import QuestionSpec
from simgen.llm.store import append_log, write_family
from simgen.qa.families import load_families
from simgen.registry import ConfigError, setting

log = logging.getLogger("simgen.llm")
REPAIR_DETAIL = 1200  # characters of a rejection (reason, failing probe case) shown to the model and logged

__all__ = ["CompileConfig", "Compiler", "CompileResult", "compile_questions", "extract_program"]


@dataclass(frozen=True)
class CompileConfig:
    """How hard the compiler tries and how strict it is (``compile:`` in conf/llm/*.yaml)."""

    k: int = setting(3, ge=1)  # independent candidates per question
    max_repairs: int = setting(2, ge=0)  # error-feedback rounds per candidate
    # share of the k candidates that must give identical answers on every probe case (0.5: a majority)
    min_agreement: float = setting(1.0, gt=0.0, le=1.0)
    probe_scenes: int = setting(3, ge=1)  # synthetic probe episodes (simgen.llm.probes)
    probe_episodes: str = ""  # or a folder of rendered episodes to probe on
    bindings_per_scene: int = setting(4, ge=1)  # probe cases per scene
    probe_seed: int = setting(0, ge=0)
    min_verified: int = setting(1, ge=1)  # probe questions the verifier must keep
    min_templates: int = setting(3, ge=1)  # templates a family needs; paraphrases fill the gap
    examples: tuple = ()  # the pool of few-shot families (ids); empty: every hand-written family
    n_examples: int = setting(6, ge=0)  # few-shot examples per question, the closest of the pool

    def validate(self, where: str) -> None:
        """What ranges cannot say: enough candidates must be required to agree."""
        if self.needed < 2:
            raise ConfigError(f"{where}: k × min_agreement must be > 1 (two independent candidates must agree), "
                              f"got k={self.k}, min_agreement={self.min_agreement}")

    @property
    def needed(self) -> int:
        """Candidates that must agree: ⌈k × min_agreement⌉."""
        return math.ceil(self.k * self.min_agreement - 1e-9)


@dataclass
class Candidate:
    """One independently sampled program after its repairs: text and outcomes if it passed."""

    text: str | None
    family: object | None
    signature: tuple | None
    attempts: list[dict] = field(default_factory=list)


@dataclass
class CompileResult:
    """What happened to one question: accepted with its family, or rejected with a reason."""

    spec: QuestionSpec
    accepted: bool
    reason: str | None = None
    detail: str = ""
    family: object | None = None
    data: dict | None = None
    provenance: dict = field(default_factory=dict)
    candidates: list[Candidate] = field(default_factory=list)
    llm_calls: int = 0
    seconds: float = 0.0

    def log_record(self) -> dict:
        """The compile-log line: outcome, reason, every attempt of every candidate, cost."""
        return {
            "id": self.spec.id, "family": self.spec.family_id, "question": self.spec.templates[0],
            "status": "accepted" if self.accepted else "rejected", "reason": self.reason, "detail": self.detail[:500],
            "program": self.data["program"] if self.data else None, "agreement": self.provenance.get("agreement"),
            "candidates": [c.attempts for c in self.candidates], "llm_calls": self.llm_calls,
            "seconds": round(self.seconds, 2), "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }


def extract_program(reply: str) -> str:
    """The program in a reply: the body of a code fence if there is one, else the stripped text."""
    fence = re.search(r"```[a-zA-Z]*\n?(.*?)```", reply, flags=re.S)
    text = fence.group(1) if fence else reply
    ascii_space = " \t\r\n"  # only ASCII: other whitespace (NBSP, U+2028 …) stays and is rejected by the parser
    return text.strip(ascii_space).strip("`").strip(ascii_space)


class Compiler:
    """Compiles questions with one client, one probe set and one set of few-shot examples."""

    def __init__(self, client: LLMClient, cfg: CompileConfig, probe: Probe, examples: list | None = None):
        self.client, self.cfg, self.probe = client, cfg, probe
        if examples is None:  # compiled families are model output: never examples
            examples = [f for f in load_families(list(cfg.examples) or "all") if not f.family.startswith("llm_")]
        self.examples = examples
        self.mode = client.cfg.structured_output

    def compile(self, spec: QuestionSpec, fill: bool = True) -> CompileResult:
        """Compile one question (``fill``: paraphrase up to ``min_templates``); never raises for bad model output."""
        start, calls0 = time.perf_counter(), self.client.usage.requests
        result = CompileResult(spec, accepted=False)
        try:
            self._compile(spec, result, fill)
        except Rejection as r:
            result.reason, result.detail = r.reason, r.detail
        result.llm_calls = self.client.usage.requests - calls0
        result.seconds = time.perf_counter() - start
        if result.accepted:
            result.provenance["llm_calls"] = result.llm_calls
        return result

    def reference_for(self, spec: QuestionSpec):
        """The hand-written family that asks the same thing: ``reference_family``, or one with the same template."""
        if spec.reference_family:
            try:
                return load_families([spec.reference_family])[0]
            except ConfigError as e:
                raise Rejection("reference_family", str(e)) from None
        asked = " ".join(spec.templates[0].lower().split())
        return next((f for f in self.examples if any(" ".join(t.lower().split()) == asked for t in f.templates)), None)

    def messages_for(self, spec: QuestionSpec, reference) -> list[dict]:
        """The chat for ``spec``: rules, reference, the closest examples (never its reference family), the question."""
        pool = [f for f in self.examples if reference is None or f.family != reference.family]
        shots = closest_examples(spec.templates[0], spec.slot_types, spec.answer_type, pool, self.cfg.n_examples)
        return compile_messages(spec.templates[0], spec.slot_types, spec.answer_type, shots, self.mode)

    def agreed_program(self, spec: QuestionSpec, candidates: list[Candidate] | None = None) -> Agreed:
        """Sample k candidates and return the program most of them agree on (Rejection if none has a majority)."""
        question = Question(spec)
        question.reference = self.reference_for(spec)
        messages = self.messages_for(spec, question.reference)
        unit = (spec.answer or {}).get("unit")
        grammar = dsl_grammar(spec.slot_types, spec.answer_type, unit) if self.mode == "gbnf" else None
        candidates = [] if candidates is None else candidates
        for i in range(self.cfg.k):
            if _decided([c.signature for c in candidates if c.signature is not None], self.cfg.k - i, self.cfg.needed):
                break  # the candidates still to come could neither outnumber nor tie the leading group
            candidates.append(self._candidate(question, messages, grammar, i))
        passed = [c for c in candidates if c.signature is not None]
        needed = self.cfg.needed
        if len(passed) < needed:
            reasons = Counter(c.attempts[-1]["reason"] for c in candidates if c.signature is None)
            raise Rejection("candidates_failed", f"{len(passed)}/{self.cfg.k} candidates passed; last reasons {dict(reasons)}")
        groups = Counter(c.signature for c in passed).most_common()
        winner, size = groups[0]
        agreement = size / self.cfg.k
        if size < needed or (len(groups) > 1 and groups[1][1] == size):
            shown = "; ".join(f"{c.text!r}" for c in passed)
            raise Rejection("disagreement", f"largest agreeing group {size}/{self.cfg.k} (needed {needed}, and more than "
                                            f"any other group): {shown}")
        chosen = min((c.text for c in passed if c.signature == winner), key=lambda t: (len(t), t))
        return Agreed(chosen, winner, agreement, question.cases, prompt_hash(messages),
                      question.reference.family if question.reference else None)

    def _compile(self, spec: QuestionSpec, result: CompileResult, fill: bool) -> None:
        agreed = self.agreed_program(spec, result.candidates)
        chosen = agreed.program
        templates = tuple(spec.templates)
        if len(templates) < self.cfg.min_templates:
            if not fill:
                raise Rejection("too_few_templates", f"{len(templates)} < {self.cfg.min_templates} templates")
            templates = fill_templates(self, spec, agreed, self.cfg.min_templates)
        family = family_for(spec, chosen, templates)
        try:
            kept, counts, examples = self.probe.verify(family)
        except (ArithmeticError, ValueError) as e:  # never a traceback for what a model wrote
            raise Rejection("non_finite", f"the verifier failed on this program: {type(e).__name__}: {e}") from None
        verified = {"kept": kept, "outcomes": dict(sorted(counts.items())), "examples": examples[:3]}
        if kept < self.cfg.min_verified:
            raise Rejection("unverified", f"the verifier kept {kept} probe questions (< {self.cfg.min_verified}): {verified['outcomes']}")
        result.accepted, result.family = True, family
        result.data = family_dict(spec, chosen, templates)
        result.provenance = {
            "endpoint": self.client.cfg.name, "model": self.client.cfg.model, "prompt_sha256": agreed.prompt_sha256,
            "temperature": self.client.cfg.temperature, "structured_output": self.mode,
            "date": datetime.now(timezone.utc).date().isoformat(), "agreement": round(agreed.agreement, 4),
            "k": self.cfg.k, "question": spec.templates[0], "candidates": [c.text for c in result.candidates],
            "probe_cases": len(agreed.cases), "verified": verified, "reference_family": agreed.reference,
            "semantic_checks": [c for c in CHECKS if c != "reference_mismatch" or agreed.reference],
        }

    def _candidate(self, question: Question, messages: list[dict], grammar: str | None, index: int) -> Candidate:
        """Sample one candidate and repair it at most ``max_repairs`` times."""
        attempts: list[dict] = []
        for attempt in range(1 + self.cfg.max_repairs):
            seed = self.client.cfg.seed + 1000 * index + attempt
            try:
                reply = self.client.chat(messages, grammar=grammar, seed=seed)
            except (LLMUnavailable, LLMBudgetExceeded):
                raise
            except LLMError as e:  # malformed or oversized reply: sample again
                attempts.append({"program": None, "reason": e.reason, "detail": str(e)[:300]})
                continue
            text = extract_program(reply)
            try:
                family, outcomes = self.judge(question, text)
            except Rejection as r:
                attempts.append({"program": text[:300], "reason": r.reason, "detail": r.detail[:REPAIR_DETAIL]})
                messages = repair_messages(messages, text[:300], f"{r.reason}: {r.detail[:REPAIR_DETAIL]}", self.mode)
                continue
            attempts.append({"program": text, "reason": None})
            return Candidate(text, family, signature(outcomes), attempts)
        return Candidate(None, None, None, attempts)

    def judge(self, question: Question, text: str):
        """Type-check ``text`` as the question's family and run it on the probe cases (Rejection if unfit)."""
        family = family_for(question.spec, text)  # parse + type check: nothing runs before this passes
        if question.cases is None:
            question.cases = self.probe.cases(family)
        if not question.cases:
            raise Rejection("no_probe_case", "no probe scene has what the slots need")
        outcomes = self.probe.outcomes(family, question.cases)
        errors = [o.reason for o in outcomes if isinstance(o, Failed)]
        if len(errors) == len(outcomes):
            case = question.cases[0]
            raise Rejection("unanswerable", f"fails on every probe case: {dict(Counter(errors))}; e.g. "
                                            f"{describe_case(self.probe.views[case.scene], case.bindings)}")
        check_semantics(self.probe, question, family, outcomes, question.reference)
        return family, outcomes


def _decided(signatures: list, remaining: int, needed: int) -> bool:
    """Whether the leading group already has ``needed`` members and more than any other group could reach."""
    counts = Counter(signatures).most_common(2)
    if not counts or counts[0][1] < needed:
        return False
    runner_up = counts[1][1] if len(counts) > 1 else 0
    return counts[0][1] > runner_up + remaining


def compile_questions(compiler: Compiler, specs: list[QuestionSpec], out_dir: Path | None, log_path: Path | None) -> dict:
    """Compile every question; write accepted families to ``out_dir`` and every outcome to ``log_path``."""
    summary = {"questions": len(specs), "accepted": [], "rejected": {}, "llm_calls": 0, "seconds": 0.0}
    usage0 = dict(compiler.client.usage.to_dict())
    for i, spec in enumerate(specs):
        try:
            result = compiler.compile(spec)
        except (LLMBudgetExceeded, LLMUnavailable) as e:  # no later question can do better: stop the run
            summary["rejected"][spec.id] = e.reason
            summary["stopped"] = str(e)
            summary["not_attempted"] = [s.id for s in specs[i + 1:]]
            log.error("compile: %s; stopping", e)
            break
        if result.accepted and out_dir is not None:
            write_family(result.data, result.provenance, out_dir, compiler.client.redact)
        if log_path is not None:
            append_log(log_path, result.log_record(), compiler.client.redact)
        summary["llm_calls"] += result.llm_calls
        summary["seconds"] += result.seconds
        if result.accepted:
            summary["accepted"].append(spec.family_id)
            log.info("compile: %s accepted: %s (%d calls, %.1f s)", spec.id, result.data["program"], result.llm_calls, result.seconds)
        else:
            summary["rejected"][spec.id] = result.reason
            log.info("compile: %s rejected: %s: %s", spec.id, result.reason, result.detail[:200])
    usage = compiler.client.usage.to_dict()
    tokens = usage["completion_tokens"] - usage0["completion_tokens"]
    spent = usage["seconds"] - usage0["seconds"]
    summary["seconds"] = round(summary["seconds"], 2)
    summary["acceptance_rate"] = round(len(summary["accepted"]) / max(len(specs), 1), 4)
    summary["seconds_per_question"] = round(summary["seconds"] / max(len(specs), 1), 2)
    summary["completion_tokens_per_s"] = round(tokens / spent, 2) if spent > 0 else None
    return summary
