"""Security: ≥ 200 adversarial model replies are rejected with reasons and none reaches execution.

The executor's entry points, every DSL function body and Python's eval/exec are replaced by traps
that fail the test if called; then every corpus entry goes through the compiler's judge, and the
whole corpus goes through the full compile path as replies of a scripted server.
"""
import builtins
import dataclasses
import json
from collections import Counter

import pytest
from llm_adversarial import FIXTURE, PAYLOADS, corpus
from llm_server import ScriptedServer

from simgen.llm.client import LLMClient, LLMConfig
from simgen.llm.compile import CompileConfig, Compiler, compile_questions, extract_program
from simgen.llm.judge import Probe, Question, Rejection
from simgen.llm.probes import probe_episodes
from simgen.llm.spec import parse_question
from simgen.qa import executor
from simgen.qa.dsl import FUNCTIONS

CORPUS = corpus()
SPEC = parse_question({"id": "adv", "question": "How far apart are the {a} and the {b}?",
                       "slots": {"a": {"type": "category", "observed": "unique"},
                                 "b": {"type": "category", "observed": "unique", "exclude": ["a"]}}}, "q")
PROBE = Probe(probe_episodes(0, 1), bindings_per_scene=2)


def _trap(calls):
    def trap(*args, **kwargs):
        calls.append(args)
        raise AssertionError("execution reached")
    return trap


@pytest.fixture
def executor_trapped(monkeypatch):
    """Make the executor's entry and every DSL function body fail the test if reached."""
    calls = []
    trap = _trap(calls)
    monkeypatch.setattr(executor._Run, "__init__", trap)
    monkeypatch.setattr(executor._Run, "eval", trap)
    for name, sig in list(FUNCTIONS.items()):
        monkeypatch.setitem(FUNCTIONS, name, dataclasses.replace(sig, impl=trap))
    return calls


@pytest.fixture
def nothing_runs(monkeypatch, executor_trapped):
    """The executor traps plus Python's eval/exec (only where no library code runs meanwhile:
    the HTTP stack builds namedtuples, which uses eval)."""
    trap = _trap(executor_trapped)
    monkeypatch.setattr(builtins, "eval", trap)
    monkeypatch.setattr(builtins, "exec", trap)
    return executor_trapped


def test_the_corpus_is_large_and_covers_every_kind():
    assert len(CORPUS) >= 200
    kinds = Counter(entry["kind"] for entry in CORPUS)
    assert set(kinds) == set(PAYLOADS) and min(kinds.values()) >= 8


def test_the_committed_corpus_file_matches_the_generator():
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == CORPUS


def test_every_adversarial_reply_is_rejected_before_execution(nothing_runs):
    compiler = Compiler.__new__(Compiler)  # the judge needs no client
    compiler.probe = PROBE
    reasons = Counter()
    for entry in CORPUS:
        with pytest.raises(Rejection) as e:
            compiler.judge(Question(SPEC), extract_program(entry["program"]))
        assert e.value.reason.startswith("dsl_") and e.value.detail, (entry, e.value)
        reasons[e.value.reason] += 1
    assert nothing_runs == []
    assert len(reasons) >= 8  # rejected for many different, specific reasons


def test_the_compile_path_rejects_the_whole_corpus_served_by_a_model(tmp_path, executor_trapped):
    replies = [entry["program"] for entry in CORPUS]
    specs = [parse_question({**SPEC.__dict__ | {"question": SPEC.templates[0], "templates": list(SPEC.templates[1:])},
                             "id": f"adv{i}", "reference_family": None}, "q") for i in range(len(replies) // 2)]
    with ScriptedServer(lambda request, n: replies[n % len(replies)]) as server:
        cfg = LLMConfig(name="endpoint", base_url=server.base_url, model="hostile", max_retries=0, timeout_s=5.0,
                        max_response_chars=10_000, request_budget=10_000)
        compiler = Compiler(LLMClient(cfg), CompileConfig(k=2, max_repairs=0), PROBE)
        summary = compile_questions(compiler, specs, tmp_path, tmp_path / "log.jsonl")
    assert summary["accepted"] == [] and len(summary["rejected"]) == len(specs)
    assert len(server.requests) >= 200
    assert list(tmp_path.glob("*.yaml")) == []
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    reasons = {a["reason"] for r in records for c in r["candidates"] for a in c}
    assert all(reason for reason in reasons) and all(r["status"] == "rejected" for r in records)
    assert executor_trapped == []

