"""Scoring (MRA by hand, options, labels), the breakdown, and the runner against a real local HTTP
server that speaks the OpenAI chat-completions API with scripted answers."""
import base64
import json
import threading
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from export_fixtures import merged
from simgen.eval.breakdown import breakdown, write_breakdown
from simgen.eval.runner import RunnerConfig, main as runner_main, run_eval, sample_indices
from simgen.eval.scorer import choice_letter, main as scorer_main, score, summarize
from simgen.metrics import MRA_THRESHOLD_PERCENTS, mra, parse_number
from simgen.export.cli import export
from simgen.registry import ConfigError, check_config


def test_thresholds_are_exactly_ten_integers():
    assert MRA_THRESHOLD_PERCENTS == (50, 55, 60, 65, 70, 75, 80, 85, 90, 95)


@pytest.mark.parametrize("pred, truth, expected", [
    (10, 10, 1.0),
    ("10.5", 10, 1.0),      # rel 0.05 = 1 − 0.95: the last threshold still counts (boundary)
    ("10.6", 10, 0.9),      # rel 0.06 passes θ = 0.50 … 0.90
    ("14.5", 10, 0.2),      # rel 0.45 = 1 − 0.55 exactly: θ = 0.50 and 0.55 (float 1 − 0.55 would drop it)
    ("15", 10, 0.1),        # rel 0.5 = 1 − 0.50: only θ = 0.50
    ("15.01", 10, 0.0),     # just past every threshold
    ("5", 10, 0.1),         # under-estimates count the same way
    ("-10", 10, 0.0),
    ("2.3", 2.3, 1.0),      # exact decimal, no 2.2999… surprises
    ("about 3 metres", 2.5, 0.7),  # first number-like token; rel 0.2 passes θ ≤ 0.80
    ("1e1", 10, 1.0),
    ("I cannot tell", 10, 0.0),    # non-numeric → 0
    ("", 10, 0.0),
    ("0", 0, 1.0),          # y = 0: exact match only
    ("0.0", 0, 1.0),
    ("0.01", 0, 0.0),
    (float("nan"), 1, 0.0),
])
def test_mra_matches_hand_computed_values(pred, truth, expected):
    assert mra(pred, truth) == expected


def test_mra_needs_a_numeric_truth():
    with pytest.raises(ValueError, match="numeric ground truth"):
        mra("3", "three")


def test_parse_number_is_exact():
    assert parse_number("it is 1.10 m") == Fraction(11, 10)
    assert parse_number(0.1) == Fraction(1, 10)
    assert parse_number(".5") == Fraction(1, 2) and parse_number("1,200") == 1
    assert parse_number(True) is None and parse_number("none") is None


@pytest.mark.parametrize("pred, expected", [
    ("B", "B"), ("B.", "B"), ("(B)", "B"), ("B. lamp", "B"), ("lamp", "B"), (" Lamp. ", "B"), ("C", "C"),
    ("a lamp", None), ("b", None), ("D", None), ("Both", None),
])
def test_choice_letter(pred, expected):
    assert choice_letter(pred, ["A. sofa", "B. lamp", "C. chair"]) == expected


def test_score_dispatches_on_the_row():
    mc = {"options": ["A. left", "B. right"], "ground_truth": "B", "answer_type": "choice"}
    assert score(mc, "B") == 1.0 and score(mc, "A") == 0.0 and score(mc, "right") == 1.0
    yn = {"options": None, "ground_truth": "yes", "answer_type": "yes_no"}
    assert score(yn, "Yes, it is.") == 1.0 and score(yn, "no") == 0.0 and score(yn, "") == 0.0
    order = {"options": None, "ground_truth": "sofa, lamp, chair", "answer_type": "ordering"}
    assert score(order, "Sofa; lamp; chair.") == 1.0 and score(order, "lamp, sofa, chair") == 0.0
    num = {"options": None, "ground_truth": "2", "answer_type": "number"}
    assert score(num, "2") == 1.0


def test_summarize_averages_families_then_overall():
    rows = [{"question_type": "a", "score": 1.0}, {"question_type": "a", "score": 0.0},
            {"question_type": "b", "score": 1.0}]
    s = summarize(rows)
    assert s["by_family"] == {"a": {"n": 2, "score": 0.5}, "b": {"n": 1, "score": 1.0}}
    assert (s["overall"], s["micro"], s["n"]) == (0.75, 0.6667, 3)


def test_breakdown_by_family_and_knob(tmp_path):
    rows = [{"question_type": "count", "score": 1.0, "complexity": {"num_objects": 4, "clutter": {"level": "low"}}},
            {"question_type": "count", "score": 0.0, "complexity": {"num_objects": 16, "clutter": {"level": "high"}}},
            {"question_type": "dist", "score": 0.5, "complexity": {"num_objects": 4, "clutter": {"level": "low"}}}]
    result = write_breakdown(rows, tmp_path)
    assert result == json.loads((tmp_path / "breakdown.json").read_text())
    assert [p["value"] for p in result["by_knob"]["num_objects"]] == [4, 16]  # numeric order, not text order
    four = result["by_knob"]["num_objects"][0]
    assert (four["n"], four["score"], four["by_family"]["dist"]) == (2, 0.75, {"n": 1, "score": 0.5})
    assert set(result["by_knob"]) == {"num_objects", "clutter.level"}
    assert {p.name for p in (tmp_path / "plots").iterdir()} == {"by_family.png", "knob_num_objects.png",
                                                                "knob_clutter.level.png"}
    assert breakdown([]) == {"by_family": {}, "by_knob": {}}


def test_sample_indices():
    assert sample_indices(2, 8) == [0, 1]
    assert sample_indices(100, 4) == [12, 37, 62, 87]


class ChatServer:
    """A real HTTP server on 127.0.0.1 speaking POST /v1/chat/completions with scripted answers."""

    def __init__(self, answer_for, fail_ids=()):
        self.requests, self.answer_for, self.fail_ids = [], answer_for, set(fail_ids)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                text = body["messages"][0]["content"][-1]["text"]
                server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                answer = server.answer_for(text)
                if text in server.fail_ids:
                    self.send_response(400)  # not retried by the SDK: a hard failure
                    payload = {"error": {"message": "scripted failure", "type": "invalid_request_error"}}
                else:
                    self.send_response(200)
                    payload = {"id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": answer}}],
                               "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
                data = json.dumps(payload).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def eval_file(tmp_path_factory) -> Path:
    pytest.importorskip("openai")
    ds = merged(tmp_path_factory.mktemp("eval"))
    export(ds, ["vsibench"])
    return ds / "vsibench.jsonl"


def rows_of(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def scripted(eval_file: Path):
    """Fixed answers by kind of prompt (the same question text recurs across episodes): "B." for
    multiple choice, "perhaps" for yes/no, "2.12 units" for numbers."""
    by_prompt = {r["prompt"]: r for r in rows_of(eval_file)}

    def answer_for(prompt):
        row = by_prompt[prompt]
        if row["options"]:
            return "B."
        return "2.12 units" if row["answer_type"] == "number" else "perhaps"

    return by_prompt, answer_for


def test_runner_asks_a_real_endpoint_and_scores(eval_file, tmp_path, monkeypatch):
    monkeypatch.setenv("SIMGEN_TEST_KEY", "sk-test-123")
    by_prompt, answer_for = scripted(eval_file)
    with ChatServer(answer_for) as server:
        cfg = RunnerConfig(model="tiny-vlm", base_url=server.url, api_key_env="SIMGEN_TEST_KEY", num_frames=8, workers=2)
        summary = run_eval(eval_file, tmp_path, cfg)
    rows = rows_of(eval_file)
    assert len(server.requests) == len(rows) == summary["n"] == 20 and summary["failed"] == []
    for req in server.requests:
        assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer sk-test-123"
        body = req["body"]
        assert body["model"] == "tiny-vlm" and body["temperature"] == 0.0
        parts = body["messages"][0]["content"]
        row = by_prompt[parts[-1]["text"]]
        images = [p for p in parts if p["type"] == "image_url"]
        # every VSI-Bench row is a video row: the 2-frame fixture video gives 2 sampled frames
        assert row["video"] and len(images) == 2 == len(parts) - 1
        jpeg = base64.b64decode(images[0]["image_url"]["url"].split(",", 1)[1])
        assert images[0]["image_url"]["url"].startswith("data:image/jpeg;base64,") and jpeg[:2] == b"\xff\xd8"
    preds = rows_of(tmp_path / "predictions.jsonl")
    assert [p["id"] for p in preds] == [r["id"] for r in rows]  # evaluation order
    fam = summary["by_family"]
    for family, result in fam.items():
        mine = [r for r in rows if r["question_type"] == family]
        if mine[0]["options"]:  # the merge puts a family's answers at A, B, C, D in turn: one in four is B
            expected = sum(r["ground_truth"] == "B" for r in mine) / len(mine)
        elif mine[0]["answer_type"] == "number":
            expected = sum(mra("2.12", r["ground_truth"]) for r in mine) / len(mine)
        else:
            expected = 0.0
        assert result == {"n": 4, "score": round(expected, 4)}, family
    # by hand: 2.12 vs 2 is 6 % off (MRA 0.9), vs 1 is 112 % off (0); two of each
    assert fam["object_rel_distance"]["score"] == 0.25 and fam["object_counting"]["score"] == 0.45
    assert json.loads((tmp_path / "scores.json").read_text())["overall"] == summary["overall"]
    assert (tmp_path / "breakdown.json").is_file() and (tmp_path / "plots" / "knob_num_objects.png").is_file()
    for f in tmp_path.rglob("*.json*"):
        assert "sk-test-123" not in f.read_text()  # the key never lands in outputs


def test_runner_resumes_after_failures(eval_file, tmp_path):
    by_prompt, answer_for = scripted(eval_file)
    failing = [p for p, r in by_prompt.items() if r["question_type"] == "object_counting"]
    with ChatServer(answer_for, fail_ids=failing) as server:
        cfg = RunnerConfig(model="m", base_url=server.url, max_retries=0, workers=1)
        first = run_eval(eval_file, tmp_path, cfg, plots=False)
    assert len(first["failed"]) == 4 and first["n"] == 16
    with ChatServer(answer_for) as server:
        second = run_eval(eval_file, tmp_path, RunnerConfig(model="m", base_url=server.url), plots=False)
    assert len(server.requests) == 4  # only the failed rows were asked again
    assert second["n"] == 20 and second["failed"] == []


def test_runner_sends_video_when_asked(eval_file, tmp_path):
    _, answer_for = scripted(eval_file)
    with ChatServer(answer_for) as server:
        cfg = RunnerConfig(model="m", base_url=server.url, media="video", limit=6)
        run_eval(eval_file, tmp_path, cfg, plots=False)
    kinds = [[p["type"] for p in r["body"]["messages"][0]["content"]] for r in server.requests]
    video_rows = [k for k in kinds if "video_url" in k]
    assert len(video_rows) == 6 and all(k == ["video_url", "text"] for k in video_rows)  # VSI-Bench rows are videos
    url = next(p for r in server.requests for p in r["body"]["messages"][0]["content"] if p["type"] == "video_url")
    assert url["video_url"]["url"].startswith("data:video/mp4;base64,")
    assert b"ftyp" in base64.b64decode(url["video_url"]["url"].split(",", 1)[1])[:16]


def test_runner_cli_and_config_errors(eval_file, tmp_path, capsys):
    _, answer_for = scripted(eval_file)
    with ChatServer(answer_for) as server:
        runner_main([str(eval_file), "--model", "m", "--base-url", server.url, "--out", str(tmp_path), "--limit", "5",
                     "--no-plots"])
    assert json.loads(capsys.readouterr().out)["n"] == 5
    with pytest.raises(ConfigError, match="eval.media: expected one of frames, video, got 'audio'"):
        check_config(RunnerConfig(model="m", media="audio"), "eval")
    for argv, message in ((["--num-frames", "0"], "num_frames: expected an int ≥ 1, got 0"),
                          (["num_frames=2.5"], "num_frames: expected an int, got 2.5"), ([], "model: name the model")):
        with pytest.raises(SystemExit) as e:
            runner_main([str(eval_file), *argv, "--out", str(tmp_path), *(["--model", "m"] if argv else [])])
        err = capsys.readouterr().err
        assert e.value.code == 2 and err.startswith("simgen-eval: configuration error: ") and message in err
    runner_main([str(eval_file), "--cfg", "job", "--model", "m", "num_frames=16"])
    assert "num_frames: 16" in capsys.readouterr().out


def test_runner_exit_status_says_requests_failed(eval_file, tmp_path):
    by_prompt, answer_for = scripted(eval_file)
    args = [str(eval_file), "--model", "m", "--limit", "3", "--no-plots"]
    with ChatServer(answer_for, fail_ids=list(by_prompt)) as server:
        with pytest.raises(SystemExit, match="every request failed") as every:
            runner_main(args + ["--base-url", server.url, "--out", str(tmp_path / "all")])
    assert every.value.code != 0
    first = rows_of(eval_file)[0]["prompt"]
    with ChatServer(answer_for, fail_ids=[first]) as server:
        with pytest.raises(SystemExit, match="1 request.s. failed; re-run the same command"):
            runner_main(args + ["--base-url", server.url, "--out", str(tmp_path / "some")])


def test_scorer_cli_joins_ids_with_the_evaluation_file(eval_file, tmp_path, capsys):
    rows = rows_of(eval_file)
    preds = tmp_path / "preds.jsonl"
    preds.write_text("".join(json.dumps({"id": r["id"], "prediction": r["ground_truth"]}) + "\n" for r in rows))
    scorer_main([str(preds), "--gt", str(eval_file), "--no-plots"])
    assert json.loads(capsys.readouterr().out) == {"n": 20, "overall": 1.0, "micro": 1.0}
    assert json.loads((tmp_path / "scores.json").read_text())["by_family"]["object_counting"]["score"] == 1.0
    with pytest.raises(SystemExit, match="no ground truth"):
        scorer_main([str(preds)])
