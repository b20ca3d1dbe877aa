"""``simgen-compile`` as a user runs it: options after the command, a summary and honest exit codes."""
import json

import yaml
from llm_server import ScriptedServer

from simgen.llm.cli import main

QUESTION = [{"id": "tall_cm", "question": "How tall is the {a}, in centimetres?",
             "templates": ["What is the height of the {a} in centimetres?", "In centimetres, how tall is the {a}?"],
             "slots": {"a": {"type": "category", "observed": "unique"}}}]


def _run(tmp_path, capsys, base_url, *extra):
    questions = tmp_path / "q.yaml"
    questions.write_text(yaml.safe_dump(QUESTION))
    # every option after the subcommand, as docs/llm.md writes it
    code = main(["compile", str(questions), "--llm", "endpoint", f"llm.base_url={base_url}", "llm.model=m",
                 "llm.structured_output=none", "llm.max_retries=0", "llm.timeout_s=2",
                 "llm.compile.probe_scenes=1", "llm.compile.bindings_per_scene=2",
                 "--out", str(tmp_path / "out"), "--log", str(tmp_path / "log.jsonl"), *extra])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_options_after_the_command_are_used(tmp_path, capsys):
    with ScriptedServer(lambda request, n: "to_cm(height(the(a)))") as server:
        code, summary, _ = _run(tmp_path, capsys, server.base_url)
    assert code == 0 and summary["accepted"] == ["llm_tall_cm"] and len(server.requests) >= 2
    assert (tmp_path / "out" / "llm_tall_cm.yaml").is_file()


def test_an_unreachable_endpoint_ends_with_a_summary_and_exit_status_3(tmp_path, capsys):
    code, summary, err = _run(tmp_path, capsys, "http://127.0.0.1:9/v1")
    assert code == 3 and "the endpoint failed" in err and "127.0.0.1:9" in err
    assert summary["rejected"] == {"tall_cm": "unavailable"} and summary["usage"]["completions"] == 0


def test_an_endpoint_that_answers_nothing_usable_is_a_failure(tmp_path, capsys):
    with ScriptedServer(lambda request, n: {"status": 400}) as server:
        code, summary, err = _run(tmp_path, capsys, server.base_url)
    assert code == 3 and "requests failed" in err and summary["rejected"] == {"tall_cm": "candidates_failed"}
