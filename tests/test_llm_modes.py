"""Paraphrase and propose modes, the questions file format and the probe scenes."""
import json

import numpy as np
import pytest
import yaml
from llm_server import ScriptedServer, last_user

from simgen.llm.client import LLMClient, LLMConfig
from simgen.llm.compile import CompileConfig, Compiler, compile_questions
from simgen.llm.judge import Probe
from simgen.llm.paraphrase import check_paraphrase, paraphrase_family, spec_of_family
from simgen.llm.probes import probe_episodes
from simgen.llm.propose import propose, spec_from_template
from simgen.llm.spec import load_questions, parse_question
from simgen.qa.families import load_families
from simgen.qa.scene_view import SceneView
from simgen.registry import ConfigError

PROBE = Probe(probe_episodes(0, 2), bindings_per_scene=3)
COUNTING = load_families(["object_counting"])[0]


def scripted_model(paraphrases=(), proposals=(), programs=None):
    """A model: paraphrase/propose requests take the next scripted text; compile requests get a program by question."""
    queues = {"rewrite": list(paraphrases), "new questions": list(proposals)}
    programs = programs or {}

    def script(request, n):
        system = request["messages"][0]["content"]
        for key, queue in queues.items():
            if key in system:
                return queue.pop(0) if queue else {"status": 500}
        question = last_user(request)
        return next((v for k, v in programs.items() if k in question), "count(objects(category=category))")
    return script


def make_compiler(server, k=2) -> Compiler:
    cfg = LLMConfig(name="endpoint", base_url=server.base_url, model="scripted", max_retries=0, timeout_s=5.0)
    return Compiler(LLMClient(cfg), CompileConfig(k=k, max_repairs=0), PROBE)


def test_paraphrases_are_kept_only_when_fields_and_meaning_are_kept():
    script = scripted_model(
        paraphrases=["How many {thing} are there?",  # a field changed
                     "How many {category} objects can be seen in this video?",  # the same as a template
                     "Counting everything, how many {category} objects are there?",  # recompiles differently
                     "Could you count the {category} objects that the video shows?"],  # good
        programs={"everything": "count(objects(category=category)) + 1"})
    with ScriptedServer(script) as server:
        kept, attempts = paraphrase_family(make_compiler(server), COUNTING, 2)
    assert kept == ["Could you count the {category} objects that the video shows?"]
    assert [a["reason"] for a in attempts] == ["fields_changed", "duplicate", "meaning_changed", None, "http_500", "http_500"]


def test_a_short_question_is_filled_with_verified_paraphrases(tmp_path):
    spec = parse_question({"id": "count_them", "question": "How many {category} things do you see?",
                           "slots": {"category": {"type": "category", "observed": "any"}}}, "q")
    script = scripted_model(paraphrases=["What number of {category} objects appear?", "Count the {category} objects, please."])
    with ScriptedServer(script) as server:
        summary = compile_questions(make_compiler(server), [spec], tmp_path, None)
    assert summary["accepted"] == ["llm_count_them"]
    fam = load_families("all", directory=tmp_path)[0]
    assert fam.templates == ("How many {category} things do you see?", "What number of {category} objects appear?",
                             "Count the {category} objects, please.")
    assert summary["llm_calls"] == 2 + 2 * (1 + 2)  # k candidates, then per paraphrase: itself + k recompiles


def test_too_few_verified_paraphrases_reject_the_question(tmp_path):
    spec = parse_question({"id": "count_them", "question": "How many {category} things do you see?",
                           "slots": {"category": {"type": "category", "observed": "any"}}}, "q")
    with ScriptedServer(scripted_model(paraphrases=["How many {other} are there?"])) as server:
        summary = compile_questions(make_compiler(server), [spec], tmp_path, None)
    assert summary["rejected"] == {"count_them": "too_few_templates"}


@pytest.mark.parametrize("text, reason", [
    ("How many {category} objects can you count?", None),
    ("", "bad_length"),
    ("x" * 400, "bad_length"),
    ("How many {category}\nobjects?", "bad_length"),
    ("How many {category} obj\u00e9cts?", "non_ascii"),
    ("How many {category.__class__}?", "fields_changed"),
    ("How many things?", "fields_changed"),
    ("how MANY {category} objects can be seen in this video", "duplicate"),
])
def test_check_paraphrase(text, reason):
    assert check_paraphrase(text, COUNTING.templates[0], COUNTING.templates) == reason


def test_spec_of_family_round_trips_slots_and_answer():
    fam = load_families(["object_rel_distance"])[0]
    spec = spec_of_family(fam)
    assert spec.slots["candidates"] == {"type": "categories", "observed": "unique", "count": 4, "exclude": ["ref"]}
    assert spec.answer == {"type": "choice", "choices": ["slot:candidates"]} and spec.templates == fam.templates


def test_proposals_become_specs_with_typed_slots_and_go_through_compile(tmp_path):
    proposals = ["Which one is bigger, the {pair_0} or the {pair_1}?", "What is {evil}?",
                 "Which one is bigger, the {pair_0} or the {pair_1}?", "Is the {a} higher up than the {b}?"]
    programs = {"bigger": "argmax(the_each(pair), key=size_of)", "higher up": "top(the(a)) > top(the(b))"}
    with ScriptedServer(scripted_model(proposals=proposals, programs=programs)) as server:
        compiler = make_compiler(server)
        specs, attempts = propose(compiler.client, 2, [f.templates[0] for f in load_families("all")])
        assert [a["reason"] for a in attempts][:3] == [None, "bad_fields: proposal: field(s) ['evil'] are not in "
                                                             "['a', 'b', 'c', 'category', 'pair', 'pair_0', 'pair_1', 'objs', 'frame']",
                                                       "duplicate"]
        assert specs[0].slots == {"pair": {"type": "categories", "observed": "unique", "count": 2}}
        assert specs[1].slots["b"] == {"type": "category", "observed": "unique", "exclude": ["a"]}
        specs = [parse_question({"id": s.id, "question": s.templates[0], "slots": s.slots,
                                 "templates": [s.templates[0] + " Answer briefly.", s.templates[0] + " Look closely."]},
                                "q") for s in specs]
        summary = compile_questions(compiler, specs, tmp_path, None)
    assert sorted(summary["accepted"]) == sorted(f"llm_{s.id}" for s in specs)


def test_spec_from_template_orders_slots_and_links_frames():
    spec = spec_from_template("In frame {frame}, is the {a} left of the {b}?")
    assert list(spec.slots) == ["a", "b", "frame"] and spec.slots["frame"] == {"type": "frame", "visible": ["a"]}
    assert spec.id.startswith("proposed_")


def test_questions_file_loads_and_errors_name_the_entry(tmp_path):
    good = tmp_path / "q.yaml"
    good.write_text(yaml.safe_dump([{"id": "size_cm", "question": "How big is the {a}?",
                                     "slots": {"a": {"type": "category"}}}]))
    assert load_questions(good)[0].family_id == "llm_size_cm"
    for entry, key in [({"id": "Bad Id", "question": "q"}, "id"),
                       ({"id": "x", "question": ""}, "question"),
                       ({"id": "x", "question": "How big is {b}?"}, "templates[0]"),
                       ({"id": "x", "question": "q", "slots": {"a": {"type": "object"}}}, "slots.a.type"),
                       ({"id": "x", "question": "q", "colour": 1}, "unknown key"),
                       ({"id": "x", "question": "q", "modality": "audio"}, "modality")]:
        bad = tmp_path / "bad.yaml"
        bad.write_text(yaml.safe_dump([entry]))
        with pytest.raises(ConfigError, match=r"bad\.yaml\[0\]") as e:
            load_questions(bad)
        assert key in str(e.value)
    dupes = tmp_path / "dupes.yaml"
    dupes.write_text(yaml.safe_dump([{"id": "x", "question": "q"}, {"id": "x", "question": "r"}]))
    with pytest.raises(ConfigError, match="duplicate"):
        load_questions(dupes)


def test_probe_scenes_are_seeded_and_consistent():
    a, b = probe_episodes(3, 2), probe_episodes(3, 2)
    assert [e.to_dict() for e in a] == [e.to_dict() for e in b]
    assert a[0].to_dict() != probe_episodes(4, 1)[0].to_dict()
    view = SceneView.from_episode(a[0])
    cats, counts = np.unique(view.category, return_counts=True)
    assert sorted(counts.tolist()) == [1] * 7 + [3]  # seven unique categories and one triple
    first = [int(np.argmax(view.visible[:, r])) for r in view.observed]
    assert len(set(first)) >= 3  # the pan reveals objects at different frames
    for frame in a[0].frames:  # a visible object projects in front of the camera
        T = np.array(frame.T_world_cam)
        for v in frame.visibility:
            if v.visible_pixels:
                centre = np.array(a[0].scene.objects[v.object_id - 1].pose.position)
                assert (np.linalg.inv(T) @ np.append(centre, 1.0))[2] > -1.0


def test_simgen_compile_cli_against_an_endpoint(tmp_path, capsys):
    from simgen.llm.cli import main

    questions = tmp_path / "q.yaml"
    questions.write_text(yaml.safe_dump([{"id": "tall_cm", "question": "How tall is the {a}, in cm?",
                                          "templates": ["What is the height of the {a} in cm?", "In cm, how high is the {a}?"],
                                          "slots": {"a": {"type": "category", "observed": "unique"}}}]))
    with ScriptedServer(lambda request, n: json.dumps({"program": "to_cm(height(the(a)))"})) as server:  # json_schema mode
        code = main(["--llm", "endpoint", f"llm.base_url={server.base_url}", "llm.model=scripted",
                     "llm.compile.probe_scenes=1", "--out", str(tmp_path / "out"), "--log", str(tmp_path / "log.jsonl"),
                     "compile", str(questions)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    # conf/llm/endpoint.yaml: k = 3, a majority; the first two agree, so no third request is made
    assert summary["accepted"] == ["llm_tall_cm"] and summary["usage"]["requests"] == 2
    assert (tmp_path / "out" / "llm_tall_cm.yaml").is_file() and (tmp_path / "log.jsonl").is_file()


def test_simgen_compile_cli_reports_config_errors(capsys):
    from simgen.llm.cli import main

    assert main(["--llm", "nosuch", "compile", "q.yaml"]) == 2
    assert "llm=nosuch" in capsys.readouterr().err
    assert main(["--llm", "endpoint", "llm.structured_output=xml", "compile", "q.yaml"]) == 2
    assert "structured_output" in capsys.readouterr().err
