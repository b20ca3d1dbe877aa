"""The compiler end to end against a scripted OpenAI-compatible server on loopback.

Every failure mode of the model — malformed output, wrong types, disagreeing candidates,
timeouts, 500s, slow and huge responses — ends in an accepted, verified family or a logged
rejection with its reason; never in a crash, and never in an unparsed program reaching the executor.
"""
import json
from collections import Counter

import pytest
from llm_server import ScriptedServer, last_user
from qa_fixtures import living_room

from simgen.llm.client import LLMClient, LLMConfig, LLMUnavailable
from simgen.llm.compile import CompileConfig, Compiler, compile_questions, extract_program
from simgen.llm.judge import Probe
from simgen.llm.probes import probe_episodes
from simgen.llm.spec import parse_question
from simgen.qa.provenance import llm_calls_per_accepted_qa, read_provenance
from simgen.qa import executor
from simgen.qa.episode_asker import EpisodeAsker
from simgen.qa.qa_config import QAConfig
from simgen.qa.families import load_families
from simgen.visibility_model import VisibilityModel

SIZE_Q = {"id": "longest_side_cm", "question": "How long is the {a} along its longest side, in centimetres?",
          "templates": ["What is the length of the longest side of the {a}, in centimetres?",
                        "In centimetres, how long is the {a} at its longest dimension?"],
          "slots": {"a": {"type": "category", "observed": "unique"}}}
SIZE_PROGRAM = "to_cm(size(the(a)))"
PROBE = Probe(probe_episodes(0, 2), bindings_per_scene=3)


def make_compiler(server, k=3, max_repairs=1, mode="none", **llm) -> Compiler:
    cfg = LLMConfig(name="endpoint", base_url=server.base_url, model="scripted", structured_output=mode,
                    timeout_s=llm.pop("timeout_s", 5.0), max_retries=llm.pop("max_retries", 1), backoff_s=0.0, **llm)
    return Compiler(LLMClient(cfg), CompileConfig(k=k, max_repairs=max_repairs), PROBE)


def by_question(answers):
    """A script answering the first turn by question text and repair turns from ``answers['repair']``."""
    def script(request, n):
        text = last_user(request)
        if text.startswith("That was rejected"):
            return answers["repair"]
        return next(v for k, v in answers.items() if k in text)
    return script


@pytest.fixture
def counted_execution(monkeypatch):
    """Count programs reaching the executor (by text)."""
    seen = Counter()
    real = executor.execute

    def spy(program, *args, **kwargs):
        seen[program.text] += 1
        return real(program, *args, **kwargs)

    monkeypatch.setattr("simgen.llm.judge.execute", spy)
    monkeypatch.setattr(executor, "execute", spy)
    return seen


def test_an_agreed_program_becomes_a_verified_family_with_provenance(tmp_path):
    spec = parse_question(SIZE_Q, "q")
    with ScriptedServer(by_question({"longest side": SIZE_PROGRAM})) as server:
        compiler = make_compiler(server)
        summary = compile_questions(compiler, [spec], tmp_path, tmp_path / "log.jsonl")
    assert summary["accepted"] == ["llm_longest_side_cm"] and summary["acceptance_rate"] == 1.0
    fam = load_families("all", directory=tmp_path)[0]  # the hand-written families' own loader
    assert fam.family == "llm_longest_side_cm" and fam.program == SIZE_PROGRAM
    assert fam.answer.type == "number" and fam.answer.unit == "cm" and len(fam.templates) == 3
    prov = read_provenance(fam.family, tmp_path)
    assert prov["model"] == "scripted" and prov["agreement"] == 1.0 and prov["llm_calls"] == 3
    assert len(prov["prompt_sha256"]) == 16 and prov["temperature"] == 0.7 and prov["date"]
    assert prov["verified"]["kept"] >= 1
    # SIZE_Q's question is object_size_estimation's own template: that family was the reference
    assert prov["reference_family"] == "object_size_estimation" and "scene_independent" in prov["semantic_checks"]
    header = (tmp_path / "llm_longest_side_cm.yaml").read_text().splitlines()[0]
    assert header.startswith("# Compiled by simgen-compile")
    record = json.loads((tmp_path / "log.jsonl").read_text())
    assert record["status"] == "accepted" and record["program"] == SIZE_PROGRAM


def test_ask_uses_a_compiled_family_like_a_hand_written_one(tmp_path):
    spec = parse_question(SIZE_Q, "q")
    with ScriptedServer(by_question({"longest side": SIZE_PROGRAM})) as server:
        compile_questions(make_compiler(server), [spec], tmp_path, None)
    compiled = load_families("all", directory=tmp_path)[0]
    reference = load_families(["object_size_estimation"])[0]
    # the fixture's 3 frames: one clear view of a referent is enough (the default model wants 3)
    asker = EpisodeAsker(living_room(), QAConfig(questions_per_episode=3), 0, 0, "test", VisibilityModel(clear_frames=1))
    kept = asker.ask(compiled, Counter())
    assert kept, "the compiled family asks verified questions on a fixture episode"
    for item in kept:  # same answers as the hand-written family with the same bindings
        assert item.answer == asker.ask_one(reference, item.bindings, __import__("numpy").random.default_rng(0)).answer
    # One compile (3 LLM calls) serves every QA it yields.
    assert llm_calls_per_accepted_qa({compiled.family: len(kept)}, tmp_path) == pytest.approx(3 / len(kept))


def test_the_system_prompt_is_shared_and_the_examples_are_the_closest_families():
    specs = [parse_question(SIZE_Q, "q"), parse_question({**SIZE_Q, "id": "tall", "question": "How tall is the {a} in cm?"}, "q")]
    with ScriptedServer(by_question({"longest side": SIZE_PROGRAM, "tall": "to_cm(height(the(a)))"})) as server:
        compile_questions(make_compiler(server, k=2), specs, None, None)
    first, last = server.requests[0]["messages"], server.requests[-1]["messages"]
    assert first[0] == last[0]  # the same system prompt (rules + reference) for every question
    assert "distance(a: Obj, b: Obj) -> Quantity[m]" in first[0]["content"]  # generated from the signatures
    shots = {m["content"] for m in first[1:-1] if m["role"] == "assistant"}
    assert len(shots) == 6 and first[1:-1] != last[1:-1]  # retrieved per question, not a fixed set
    # SIZE_Q's first template is object_size_estimation's: that family is its reference, never its example
    assert "to_cm(size(the(a)))" not in shots and "to_cm(height(the(a)))" in shots
    assert first[-2]["content"] in {"to_cm(height(the(a)))", "argmax(the_each(pair), key=size_of)"}  # closest last
    assert last[-2]["content"] == "to_cm(height(the(a)))"  # "How tall …?": object_height is the closest


def test_malformed_output_is_repaired_with_the_error_fed_back(tmp_path, counted_execution):
    spec = parse_question(SIZE_Q, "q")
    with ScriptedServer(by_question({"longest side": "to_cm(size(the(a)", "repair": SIZE_PROGRAM})) as server:
        summary = compile_questions(make_compiler(server), [spec], tmp_path, tmp_path / "log.jsonl")
    assert summary["accepted"] == ["llm_longest_side_cm"]
    repair = next(r for r in server.requests if last_user(r).startswith("That was rejected"))
    assert "dsl_syntax" in last_user(repair)
    record = json.loads((tmp_path / "log.jsonl").read_text())
    assert record["candidates"][0][0]["reason"] == "dsl_syntax" and record["candidates"][0][1]["reason"] is None
    assert counted_execution["to_cm(size(the(a)"] == 0


@pytest.mark.parametrize("reply, reason", [
    ("distance(the(a), the(b)) > 3", "dsl_unknown_name"),
    ("size(the(a)) > 3", "dsl_type_error"),
    ("the(a)", "answer_mismatch"),
    ("```python\nimport os\n```", "dsl_disallowed_syntax"),
    ("the(\"unicorn\")", "answer_mismatch"),
    ("size(the(a, color=\"ultraviolet\"))", "unanswerable"),
])
def test_wrong_programs_are_rejected_with_the_reason(tmp_path, reply, reason, counted_execution):
    spec = parse_question({**SIZE_Q, "answer": {"type": "number", "unit": "m"}}, "q")
    with ScriptedServer(lambda request, n: reply) as server:
        summary = compile_questions(make_compiler(server), [spec], tmp_path, tmp_path / "log.jsonl")
    assert summary["rejected"] == {"longest_side_cm": "candidates_failed"}
    record = json.loads((tmp_path / "log.jsonl").read_text())
    assert {a["reason"] for c in record["candidates"] for a in c} == {reason}
    assert list(tmp_path.glob("*.yaml")) == []
    if reason.startswith("dsl_") or reason == "answer_mismatch":
        assert sum(counted_execution.values()) == 0  # nothing that failed the checker ever ran


# A question no hand-written family asks in these words: no reference family takes part.
OWN_Q = {**SIZE_Q, "question": "How long is the {a} at its longest, in cm?", "answer": None}


def test_disagreeing_candidates_are_rejected(tmp_path):
    spec = parse_question(OWN_Q, "q")
    replies = ["size(the(a))", "height(the(a))", "size(the(a))"]
    with ScriptedServer(lambda request, n: replies[n % 3]) as server:
        summary = compile_questions(make_compiler(server), [spec], tmp_path, tmp_path / "log.jsonl")
    assert summary["rejected"] == {"longest_side_cm": "disagreement"}
    assert "height(the(a))" in json.loads((tmp_path / "log.jsonl").read_text())["detail"]


def test_equivalent_programs_agree_and_the_shortest_is_kept(tmp_path):
    spec = parse_question(SIZE_Q, "q")
    replies = ["to_cm(size(the(a)))", "to_cm(size(obj=the(category=a)))", "to_cm(size(the(a))) + cm(0)"]
    with ScriptedServer(lambda request, n: replies[n % 3]) as server:
        summary = compile_questions(make_compiler(server), [spec], tmp_path, None)
    assert summary["accepted"] == ["llm_longest_side_cm"]
    assert load_families("all", directory=tmp_path)[0].program == "to_cm(size(the(a)))"


@pytest.mark.parametrize("reply", [
    {"status": 500}, {"raw": "not json at all"}, {"content": None}, {"content": "x" * 100_000}, {"choices": []},
])
def test_server_errors_and_bad_bodies_end_in_a_rejection(tmp_path, reply):
    spec = parse_question(SIZE_Q, "q")
    with ScriptedServer(lambda request, n: reply) as server:
        summary = compile_questions(make_compiler(server, max_response_chars=4000), [spec], tmp_path, tmp_path / "log.jsonl")
    assert summary["rejected"] == {"longest_side_cm": "candidates_failed"}
    assert list(tmp_path.glob("*.yaml")) == []


def test_slow_responses_and_a_transient_500_are_retried(tmp_path):
    spec = parse_question(SIZE_Q, "q")
    replies = [{"status": 500}, {"content": SIZE_PROGRAM, "delay": 0.2}, SIZE_PROGRAM, SIZE_PROGRAM]
    with ScriptedServer(replies) as server:
        summary = compile_questions(make_compiler(server), [spec], tmp_path, None)
    assert summary["accepted"] == ["llm_longest_side_cm"] and summary["llm_calls"] == 4


def test_an_endpoint_that_times_out_stops_the_run_with_a_clear_reason(tmp_path):
    specs = [parse_question(SIZE_Q, "q"), parse_question({**SIZE_Q, "id": "other"}, "q")]
    with ScriptedServer(lambda request, n: {"content": SIZE_PROGRAM, "delay": 1.0}) as server:
        compiler = make_compiler(server, timeout_s=0.2, max_retries=1)
        summary = compile_questions(compiler, specs, tmp_path, tmp_path / "log.jsonl")
    assert summary["rejected"] == {"longest_side_cm": "timeout"} and summary["stopped"].startswith("timeout")
    assert summary["not_attempted"] == ["other"]


def test_the_request_budget_stops_the_run(tmp_path):
    specs = [parse_question(SIZE_Q, "q"), parse_question({**SIZE_Q, "id": "other"}, "q")]
    with ScriptedServer(lambda request, n: SIZE_PROGRAM) as server:
        compiler = make_compiler(server, request_budget=4)
        summary = compile_questions(compiler, specs, tmp_path, None)
    assert summary["accepted"] == ["llm_longest_side_cm"] and summary["rejected"] == {"other": "budget"}
    assert len(server.requests) == 4


def test_json_schema_replies_are_unwrapped(tmp_path):
    spec = parse_question(SIZE_Q, "q")
    with ScriptedServer(lambda request, n: json.dumps({"program": SIZE_PROGRAM})) as server:
        summary = compile_questions(make_compiler(server, mode="json_schema"), [spec], tmp_path, None)
    assert summary["accepted"] == ["llm_longest_side_cm"]
    assert server.requests[0]["messages"][2]["content"].startswith('{"program": ')  # few-shot turns in the same format


def test_gbnf_mode_sends_the_dsl_grammar_for_the_question(tmp_path):
    spec = parse_question(SIZE_Q, "q")
    with ScriptedServer(lambda request, n: SIZE_PROGRAM) as server:
        compile_questions(make_compiler(server, mode="gbnf"), [spec], tmp_path, None)
    grammar = server.requests[0]["grammar"]
    assert grammar.startswith("root ::= ") and '"the("' in grammar and '"a"' in grammar


def test_an_unreachable_endpoint_is_reported_not_crashed(tmp_path):
    cfg = LLMConfig(name="endpoint", base_url="http://127.0.0.1:9/v1", model="m", max_retries=0, timeout_s=1.0)
    compiler = Compiler(LLMClient(cfg), CompileConfig(k=2), PROBE)
    summary = compile_questions(compiler, [parse_question(SIZE_Q, "q")], tmp_path, None)
    assert summary["rejected"] == {"longest_side_cm": "unavailable"} and "127.0.0.1:9" in summary["stopped"]


def test_extract_program_takes_a_fence_body_or_the_text():
    assert extract_program("```python\nroom_area()\n```") == "room_area()"
    assert extract_program("  `room_area()`  ") == "room_area()"
    assert extract_program("room_area()") == "room_area()"


@pytest.mark.parametrize("key, value", [("k", 0), ("min_agreement", 0.0), ("max_repairs", -1), ("min_verified", 0)])
def test_compile_config_errors_name_the_key(key, value):
    from simgen.registry import ConfigError, parse_config

    with pytest.raises(ConfigError, match=key):
        parse_config(CompileConfig, {key: value}, "llm.compile")


def test_one_candidate_can_never_accept_alone():
    from simgen.registry import ConfigError, parse_config

    with pytest.raises(ConfigError, match="two independent candidates"):
        parse_config(CompileConfig, {"k": 1}, "llm.compile")


def test_unavailable_is_raised_by_a_single_compile():
    cfg = LLMConfig(name="endpoint", base_url="http://127.0.0.1:9/v1", model="m", max_retries=0, timeout_s=1.0)
    compiler = Compiler(LLMClient(cfg), CompileConfig(k=2), PROBE)
    with pytest.raises(LLMUnavailable):
        compiler.compile(parse_question(SIZE_Q, "q"))


def test_a_scaled_length_never_passes_for_centimetres(tmp_path):
    spec = parse_question({**SIZE_Q, "answer": {"type": "number", "unit": "cm"}}, "q")
    with ScriptedServer(lambda request, n: "size(the(a)) * 100") as server:
        summary = compile_questions(make_compiler(server), [spec], tmp_path, tmp_path / "log.jsonl")
    assert summary["rejected"] == {"longest_side_cm": "candidates_failed"}
    record = json.loads((tmp_path / "log.jsonl").read_text())
    assert record["candidates"][0][0]["reason"] == "answer_mismatch" and "to_cm" in record["candidates"][0][0]["detail"]


def test_equal_numbers_in_different_units_disagree(tmp_path):
    spec = parse_question(OWN_Q, "q")
    replies = ["to_cm(size(the(a)))", "size(the(a)) * 100", "to_cm(size(the(a)))"]
    with ScriptedServer(lambda request, n: replies[n % 3]) as server:
        summary = compile_questions(make_compiler(server), [spec], tmp_path, None)
    assert summary["rejected"] == {"longest_side_cm": "disagreement"}


@pytest.mark.parametrize("reply", ["cm(3)", "to_cm(size(the(\"sofa\")))"])
def test_a_program_that_ignores_a_slot_is_rejected(tmp_path, reply):
    spec = parse_question(SIZE_Q, "q")
    with ScriptedServer(lambda request, n: reply) as server:
        summary = compile_questions(make_compiler(server), [spec], tmp_path, tmp_path / "log.jsonl")
    assert summary["rejected"] == {"longest_side_cm": "candidates_failed"}
    assert json.loads((tmp_path / "log.jsonl").read_text())["candidates"][0][0]["reason"] == "unused_slot"


def make_majority_compiler(server) -> Compiler:
    cfg = LLMConfig(name="endpoint", base_url=server.base_url, model="scripted", max_retries=0, timeout_s=5.0)
    return Compiler(LLMClient(cfg), CompileConfig(k=3, max_repairs=0, min_agreement=0.5), PROBE)


@pytest.mark.parametrize("replies, accepted, calls", [
    (["to_cm(size(the(a)))", "to_cm(height(the(a)))", "to_cm(size(the(a)))"], True, 3),  # 2 of 3: a majority
    (["to_cm(size(the(a)))", "to_cm(size(the(a))) + cm(0)", "to_cm(height(the(a)))"], True, 2),  # decided after two
    (["to_cm(size(the(a)))", "to_cm(height(the(a)))", "to_cm(elevation(the(a)))"], False, 3),  # no group of two
])
def test_a_majority_of_outcome_equivalent_candidates_is_kept(tmp_path, replies, accepted, calls):
    spec = parse_question(OWN_Q, "q")
    with ScriptedServer(lambda request, n: replies[n]) as server:
        summary = compile_questions(make_majority_compiler(server), [spec], tmp_path, None)
    assert (summary["accepted"] == ["llm_longest_side_cm"]) is accepted and len(server.requests) == calls
    if accepted:
        assert load_families("all", directory=tmp_path)[0].program == "to_cm(size(the(a)))"
    else:
        assert summary["rejected"] == {"longest_side_cm": "disagreement"}


def test_an_object_and_its_category_are_the_same_answer(tmp_path):
    spec = parse_question({"id": "taller", "question": "Which one has more height, the {pair_0} or the {pair_1}?",
                           "templates": ["Which has the greater height: the {pair_0} or the {pair_1}?",
                                         "Of the {pair_0} and the {pair_1}, which has more height?"],
                           "slots": {"pair": {"type": "categories", "observed": "unique", "count": 2}},
                           "answer": {"type": "choice", "choices": ["slot:pair"]}}, "q")
    replies = ["argmax(the_each(pair), key=height_of)", "category_of(argmax(the_each(pair), key=height_of))"]
    with ScriptedServer(lambda request, n: replies[n % 2]) as server:
        summary = compile_questions(make_compiler(server, k=2), [spec], tmp_path, None)
    assert summary["accepted"] == ["llm_taller"]  # the two candidates agree up to the slot's role


def test_the_repair_shows_the_failing_probe_case(tmp_path):
    spec = parse_question({"id": "near", "question": "Which object stands closest to the {a}?",
                           "templates": ["Which object is the closest one to the {a}?", "What object stands nearest the {a}?"],
                           "slots": {"a": {"type": "category", "observed": "unique"}}}, "q")
    right = "argmin(exclude(objects(), the(a)), key=distance_to(the(a)))"
    with ScriptedServer(by_question({"closest": "argmin(objects(), key=distance_to(the(a)))", "repair": right})) as server:
        summary = compile_questions(make_compiler(server, k=2), [spec], tmp_path, None)
    repair = last_user(next(r for r in server.requests if last_user(r).startswith("That was rejected")))
    assert "answers_referent" in repair and "probe scene" in repair and "slots {'a': " in repair
    assert "your program answered" in repair
    assert summary["accepted"] == ["llm_near"]
