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



# -- endpoints and programs that misbehave in ways the parser cannot see ---------------------------
OVERFLOW = "\n".join(["x0 = 1000000.0 * 1000000.0"] + [f"x{i} = x{i - 1} * x{i - 1}" for i in range(1, 7)]
                     + ["distance(the(a), the(b)) * x6"])  # 1e12 squared six times: inf


def _compile(tmp_path, reply, spec=SPEC, **llm):
    with ScriptedServer(lambda request, n: reply) as server:
        cfg = LLMConfig(name="endpoint", base_url=server.base_url, model="hostile", max_retries=0,
                        timeout_s=llm.pop("timeout_s", 5.0), **llm)
        compiler = Compiler(LLMClient(cfg), CompileConfig(k=2, max_repairs=1), PROBE)
        summary = compile_questions(compiler, [spec], tmp_path, tmp_path / "log.jsonl")
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()] if (tmp_path / "log.jsonl").exists() else []
    assert list(tmp_path.glob("*.yaml")) == [], "nothing is kept"
    return summary, records, server


def _reasons(records) -> set[str]:
    return {a["reason"] for r in records for c in r["candidates"] for a in c}


def test_a_byte_dribbling_endpoint_hits_the_total_deadline_and_stops_the_run(tmp_path):
    # one byte every 0.05 s never trips the inactivity timeout; the 1 s deadline ends each request
    summary, records, server = _compile(tmp_path, {"content": "distance(the(a), the(b))" * 4, "dribble": 0.05},
                                        timeout_s=1.0, deadline_s=1.0)
    assert summary["rejected"] == {"adv": "deadline"} and "deadline_s=1" in summary["stopped"]
    assert records == [] and len(server.requests) == 1  # the run stopped at the first request past its deadline


def test_an_overflowing_program_is_rejected_as_non_finite(tmp_path):
    summary, records, _ = _compile(tmp_path, OVERFLOW)
    assert summary["rejected"] == {"adv": "candidates_failed"}
    assert _reasons(records) == {"non_finite"} and "probe scene" in records[0]["candidates"][0][0]["detail"]


def test_an_echoed_key_is_in_no_file_written_nor_printed(tmp_path, monkeypatch, capsys, caplog):
    from simgen.llm.cli import main

    secret = "sk-adversarial-5f3a9c0e77d1"
    monkeypatch.setenv("SIMGEN_ADV_KEY", secret)
    questions = tmp_path / "q.yaml"
    questions.write_text(json.dumps([{"id": "adv", "question": SPEC.templates[0], "slots": SPEC.slots}]))
    with ScriptedServer(lambda request, n: {"echo_headers": True} if n % 2 else {"status": 500, "body": f"Bearer {secret}"}) as server:
        code = main(["compile", str(questions), "--llm", "endpoint", f"llm.base_url={server.base_url}",
                     "llm.api_key_env=SIMGEN_ADV_KEY", "llm.structured_output=none", "llm.max_retries=1",
                     "llm.backoff_s=0", "llm.compile.k=2", "llm.compile.min_agreement=1",
                     "llm.compile.probe_scenes=1",
                     "--out", str(tmp_path / "out"), "--log", str(tmp_path / "log.jsonl"), "-v"])
    out, err = capsys.readouterr()
    assert server.headers[0]["authorization"] == f"Bearer {secret}"  # it was sent, and echoed back
    assert code == 0 and json.loads(out)["rejected"] == {"adv": "candidates_failed"}
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != questions]
    assert written and "[redacted]" in (tmp_path / "log.jsonl").read_text()
    for text in [p.read_text(errors="replace") for p in written] + [out, err, caplog.text]:
        assert secret not in text


def test_a_constant_program_is_rejected_as_scene_independent(tmp_path):
    spec = parse_question({"id": "count", "question": "How many {category} objects appear?",
                           "slots": {"category": {"type": "category", "observed": "any"}}}, "q")
    summary, records, _ = _compile(tmp_path, "count(objects(category=category)) * 0 + 3", spec)
    assert summary["rejected"] == {"count": "candidates_failed"} and _reasons(records) == {"scene_independent"}


def test_a_program_answering_with_its_own_referent_is_rejected(tmp_path):
    spec = parse_question({"id": "far", "question": "Which object shown in the video is farthest from the {a}?",
                           "slots": {"a": {"type": "category", "observed": "unique"}}}, "q")
    summary, records, server = _compile(tmp_path, "argmax(objects(a), key=distance_to(the(a)))", spec)
    assert summary["rejected"] == {"far": "candidates_failed"} and _reasons(records) == {"answers_referent"}
    repair = next(r for r in server.requests if "That was rejected" in r["messages"][-1]["content"])
    assert "answers_referent" in repair["messages"][-1]["content"] and "probe scene" in repair["messages"][-1]["content"]


def test_a_height_question_answered_with_above_is_rejected(tmp_path):
    # kept by the held-out benchmark before: "no" in any room where nothing stands on anything
    spec = parse_question({"id": "top", "question": "Is the top of the {a} higher than the top of the {b}?",
                           "slots": SPEC.slots, "answer": {"type": "yes_no"}}, "q")
    summary, records, server = _compile(tmp_path, "above(the(a), the(b)) and top(the(a)) > top(the(b))", spec)
    assert summary["rejected"] == {"top": "candidates_failed"} and _reasons(records) == {"height_changed_by_move"}
    repair = next(r for r in server.requests if "That was rejected" in r["messages"][-1]["content"])
    assert "height_changed_by_move" in repair["messages"][-1]["content"] and "probe scene" in repair["messages"][-1]["content"]
