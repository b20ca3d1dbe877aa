"""The LLM client against a scripted OpenAI-compatible server on loopback: retries, limits, keys, formats."""
import json
import logging
import socket
from pathlib import Path

import pytest
from llm_server import ScriptedServer

from simgen.llm.client import LLMBudgetExceeded, LLMClient, LLMConfig, LLMError, LLMUnavailable, parse_llm_config
from simgen.registry import ConfigError

CONF = Path(__file__).resolve().parents[1] / "conf" / "llm"


def client(server, **overrides) -> LLMClient:
    cfg = dict(name="endpoint", base_url=server.base_url, model="scripted", structured_output="none",
               timeout_s=5.0, max_retries=2, backoff_s=0.0)
    cfg.update(overrides)
    return LLMClient(LLMConfig(**cfg))


def test_plain_completion_and_usage():
    with ScriptedServer(["room_area()"]) as server:
        c = client(server)
        assert c.chat([{"role": "user", "content": "q"}]) == "room_area()"
    assert c.usage.requests == 1 and c.usage.completions == 1 and c.usage.completion_tokens == 5
    body = server.requests[0]
    assert body["model"] == "scripted" and body["max_tokens"] == c.cfg.max_tokens and "grammar" not in body


def test_gbnf_grammar_is_sent_in_the_body():
    with ScriptedServer(["room_area()"]) as server:
        client(server, structured_output="gbnf").chat([{"role": "user", "content": "q"}], grammar='root ::= "x"')
    assert server.requests[0]["grammar"] == 'root ::= "x"' and "response_format" not in server.requests[0]


def test_json_schema_mode_sends_openai_format_and_reads_the_program_field():
    with ScriptedServer([json.dumps({"program": "room_area()"})]) as server:
        out = client(server, structured_output="json_schema").chat([{"role": "user", "content": "q"}])
    assert out == "room_area()"
    fmt = server.requests[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"]["required"] == ["program"]


def test_json_object_mode_sends_llama_cpp_format():
    with ScriptedServer([json.dumps({"program": "room_area()"})]) as server:
        client(server, structured_output="json_object").chat([{"role": "user", "content": "q"}])
    fmt = server.requests[0]["response_format"]
    assert fmt["type"] == "json_object" and fmt["schema"]["properties"]["program"]["type"] == "string"


@pytest.mark.parametrize("content", ["not json", json.dumps({"prog": "x"}), json.dumps(["room_area()"])])
def test_json_mode_rejects_a_reply_of_the_wrong_shape(content):
    with ScriptedServer([content]) as server:
        with pytest.raises(LLMError) as e:
            client(server, structured_output="json_schema").chat([{"role": "user", "content": "q"}])
    assert e.value.reason == "bad_json"


def test_a_500_is_retried_then_succeeds():
    with ScriptedServer([{"status": 500}, {"status": 503}, "room_area()"]) as server:
        c = client(server)
        assert c.chat([{"role": "user", "content": "q"}]) == "room_area()"
    assert c.usage.requests == 3


def test_persistent_500s_end_in_a_clear_error_after_the_retries():
    with ScriptedServer([{"status": 500}] * 5) as server:
        c = client(server, max_retries=2)
        with pytest.raises(LLMError) as e:
            c.chat([{"role": "user", "content": "q"}])
    assert e.value.reason == "http_500" and len(server.requests) == 3


def test_a_400_is_not_retried():
    with ScriptedServer([{"status": 400}, "room_area()"]) as server:
        with pytest.raises(LLMError) as e:
            client(server).chat([{"role": "user", "content": "q"}])
    assert e.value.reason == "http_400" and len(server.requests) == 1


def test_a_slow_response_within_the_timeout_is_fine():
    with ScriptedServer([{"content": "room_area()", "delay": 0.3}]) as server:
        assert client(server, timeout_s=5.0).chat([{"role": "user", "content": "q"}]) == "room_area()"


def test_timeouts_are_retried_then_reported():
    with ScriptedServer([{"content": "x", "delay": 1.5}] * 3) as server:
        c = client(server, timeout_s=0.3, max_retries=1)
        with pytest.raises(LLMUnavailable) as e:
            c.chat([{"role": "user", "content": "q"}])
    assert e.value.reason == "timeout" and "0.3 s" in str(e.value) and c.usage.requests == 2


def test_a_timeout_then_a_good_answer_is_a_retry():
    with ScriptedServer([{"content": "x", "delay": 1.0}, "room_area()"]) as server:
        assert client(server, timeout_s=0.3).chat([{"role": "user", "content": "q"}]) == "room_area()"


def test_an_unreachable_endpoint_names_the_url():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    c = LLMClient(LLMConfig(name="endpoint", base_url=url, model="m", max_retries=1, backoff_s=0.0, timeout_s=2.0))
    with pytest.raises(LLMUnavailable) as e:
        c.chat([{"role": "user", "content": "q"}])
    assert e.value.reason == "unavailable" and url in str(e.value)


@pytest.mark.parametrize("reply, reason", [
    ({"raw": "<html>not json</html>"}, "bad_response"),
    ({"content": None}, "bad_response"),
    ({"content": 42}, "bad_response"),
    ({"content": ["room_area()"]}, "bad_response"),
    ({"choices": []}, "bad_response"),
    ({"content": "x" * 200_000}, "too_long"),
])
def test_malformed_wrong_typed_or_huge_replies_are_rejected(reply, reason):
    with ScriptedServer([reply]) as server:
        with pytest.raises(LLMError) as e:
            client(server, max_response_chars=4000).chat([{"role": "user", "content": "q"}])
    assert e.value.reason == reason, e.value
    assert len(server.requests) == 1  # a malformed reply is not retried by the client


def test_the_request_budget_is_enforced():
    with ScriptedServer(["a", "b", "c"]) as server:
        c = client(server, request_budget=2)
        c.chat([{"role": "user", "content": "q"}])
        c.chat([{"role": "user", "content": "q"}])
        with pytest.raises(LLMBudgetExceeded):
            c.chat([{"role": "user", "content": "q"}])
    assert len(server.requests) == 2


def test_the_key_comes_from_the_environment_and_is_never_shown(monkeypatch, caplog):
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("SIMGEN_TEST_KEY", secret)
    with ScriptedServer([{"status": 500}, "room_area()"]) as server:
        c = client(server, api_key_env="SIMGEN_TEST_KEY")
        with caplog.at_level(logging.DEBUG):
            c.chat([{"role": "user", "content": "q"}])
    assert server.headers[0]["authorization"] == f"Bearer {secret}"
    assert secret not in repr(c) and secret not in repr(c.cfg) and secret not in caplog.text
    assert "SIMGEN_TEST_KEY" in repr(c)


def test_a_missing_key_variable_is_a_config_error_naming_it(monkeypatch):
    monkeypatch.delenv("SIMGEN_ABSENT_KEY", raising=False)
    with pytest.raises(ConfigError, match="SIMGEN_ABSENT_KEY"):
        LLMClient(LLMConfig(name="openai", model="m", api_key_env="SIMGEN_ABSENT_KEY"))


def test_llm_none_cannot_make_requests():
    with pytest.raises(LLMUnavailable, match="llm=none"):
        LLMClient(LLMConfig(name="none"))


@pytest.mark.parametrize("data, key", [
    ({"name": "bogus"}, "name"),
    ({"name": "endpoint", "model": "m"}, "base_url"),
    ({"name": "openai"}, "model"),
    ({"name": "local", "model": "m", "base_url": "http://127.0.0.1:1/v1", "structured_output": "xml"}, "structured_output"),
    ({"name": "none", "temperature": 5.0}, "temperature"),
    ({"name": "none", "request_budget": 0}, "request_budget"),
    ({"name": "none", "deadline_s": 0}, "deadline_s"),
    ({"name": "none", "api_key_env": "BAD NAME"}, "api_key_env"),
    ({"name": "none", "colour": 1}, "colour"),
])
def test_config_errors_name_the_key(data, key):
    with pytest.raises(ConfigError, match=key):
        parse_llm_config(data)


@pytest.mark.parametrize("path", sorted(CONF.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_llm_config_file_is_valid_and_named_after_itself(path):
    from simgen.llm.cli import load_llm_config

    assert load_llm_config(path.stem).name == path.stem  # composed over its schema, then validated


def test_the_four_backends_exist():
    assert sorted(p.stem for p in CONF.glob("*.yaml")) == ["endpoint", "local", "none", "openai"]


def test_a_reply_dribbled_byte_by_byte_hits_the_total_deadline():
    # 0.05 s between bytes never trips the 1 s inactivity timeout; the whole reply would take ~10 s.
    with ScriptedServer([{"content": "room_area()" * 20, "dribble": 0.05}] * 2) as server:
        c = client(server, timeout_s=1.0, deadline_s=1.0, max_retries=1)
        with pytest.raises(LLMUnavailable) as e:
            c.chat([{"role": "user", "content": "q"}])
    assert e.value.reason == "deadline" and "deadline_s=1" in str(e.value)
    assert c.usage.requests == 2 and c.usage.completions == 0  # retried once, then reported


def test_an_echoed_key_or_bearer_value_is_redacted_from_replies_and_errors(monkeypatch, caplog):
    secret = "sk-echo-0123456789abcdef"
    monkeypatch.setenv("SIMGEN_TEST_KEY", secret)
    body = json.dumps({"error": {"message": f"bad header Authorization: Bearer {secret}"}})
    with ScriptedServer([{"echo_headers": True}, {"status": 401, "body": body}]) as server:
        c = client(server, api_key_env="SIMGEN_TEST_KEY")
        with caplog.at_level(logging.DEBUG):
            reply = c.chat([{"role": "user", "content": "q"}])
            with pytest.raises(LLMError) as e:
                c.chat([{"role": "user", "content": "q"}])
    assert server.headers[0]["authorization"] == f"Bearer {secret}"  # the key was sent …
    assert "Bearer [redacted]" in reply and secret not in reply  # … and echoed back, redacted
    assert e.value.reason == "http_401" and secret not in str(e.value) and secret not in caplog.text
    assert c.redact(f"x {secret} Bearer abc.def") == "x [redacted] Bearer [redacted]"
