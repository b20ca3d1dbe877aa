"""The LLM client: chat completions from any OpenAI-compatible endpoint, through the official SDK.

``LLMConfig`` is the ``llm`` config group (conf/llm/{none,openai,local,endpoint}.yaml; the file
name is the ``name`` field). ``LLMClient(cfg).chat(messages, grammar=..., json_schema=...)``
sends one request and returns the text; it owns everything that makes an untrusted remote
service safe to call from a batch job:

- **keys only from the environment**: ``api_key_env`` names the variable; the key is handed to
  the SDK and never stored in the config, logged or written (``repr`` shows the variable's name);
- **two clocks per request**: ``timeout_s`` bounds silence (the SDK's inactivity timeout) and
  ``deadline_s`` bounds the whole request, so a server that dribbles its reply byte by byte is
  abandoned at the deadline (the request runs in a daemon thread the caller stops waiting for);
- **retries with exponential backoff** on connection errors, timeouts, deadlines, 429 and 5xx
  (the SDK's own retries are off so every attempt is counted), and a clear ``LLMUnavailable``
  naming the URL when the endpoint cannot be reached;
- **redaction**: the configured key and any ``Bearer …`` value are replaced by ``[redacted]`` in
  every reply and error message the client hands on (``redact``), so a server that echoes the
  ``Authorization`` header cannot put the key into a log or a family file;
- **a request budget** (``request_budget`` attempts per client): ``LLMBudgetExceeded`` after it;
- **size limits**: ``max_tokens`` in the request and ``max_response_chars`` on what comes back;
- **structured output the way each backend accepts it** (``structured_output``): ``gbnf`` sends
  the DSL grammar as ``grammar`` in the request body (llama.cpp server), ``json_schema`` sends
  OpenAI's ``response_format`` (OpenAI, vLLM), ``json_object`` sends llama.cpp's
  ``{"type": "json_object", "schema": ...}`` (llama.cpp answers HTTP 500 to ``json_schema``),
  ``none`` sends nothing. In the JSON modes the reply is ``{"program": "..."}``.

The ``openai`` package is imported when a client is built, so ``import simgen`` stays cheap.
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field

from simgen.registry import ConfigError, setting

log = logging.getLogger("simgen.llm")

BACKENDS = ("none", "openai", "local", "endpoint")
STRUCTURED = ("gbnf", "json_schema", "json_object", "none")
# The JSON shape of a reply in the json_* modes.
PROGRAM_SCHEMA = {
    "type": "object",
    "properties": {"program": {"type": "string", "maxLength": 600}},
    "required": ["program"],
    "additionalProperties": False,
}


class LLMError(RuntimeError):
    """An LLM request failed; ``reason`` is a short code (unavailable, budget, http_<code>, bad_response, …)."""

    def __init__(self, reason: str, message: str):
        super().__init__(f"{reason}: {message}")
        self.reason = reason


class LLMUnavailable(LLMError):
    """The endpoint could not be reached, timed out or missed the deadline (after retries), or is not configured."""


class LLMBudgetExceeded(LLMError):
    """The client's request budget is spent."""


@dataclass(frozen=True)
class LLMConfig:
    """The ``llm`` config group: which endpoint, which model, and the limits every request obeys."""

    name: str = setting("none", choices=BACKENDS)
    base_url: str = ""  # e.g. http://127.0.0.1:8765/v1 (empty: the SDK's default, OpenAI)
    model: str = ""
    api_key_env: str = ""  # the environment variable holding the key ("" = no key needed)
    structured_output: str = setting("none", choices=STRUCTURED)
    temperature: float = setting(0.7, ge=0.0, le=2.0)
    max_tokens: int = setting(160, ge=1)
    timeout_s: float = setting(120.0, gt=0.0)  # inactivity: the longest silence within a request
    deadline_s: float = setting(600.0, gt=0.0)  # the whole request, however the bytes trickle in
    max_retries: int = setting(2, ge=0)  # retries after the first attempt, on transient errors only
    backoff_s: float = setting(1.0, ge=0.0)  # first retry waits this long, then doubles
    request_budget: int = setting(500, ge=1)  # attempts per client, retries included
    max_response_chars: int = setting(4000, ge=1)
    seed: int = 0
    compile: dict = field(default_factory=dict)  # simgen.llm.compile.CompileConfig overrides

    def validate(self, where: str) -> None:
        """What types and ranges cannot say: a backend's needs, and a key's variable name."""
        if self.name != "none" and not self.model:
            raise ConfigError(f"{where}.model: the {self.name!r} backend needs a model name")
        if self.name in ("local", "endpoint") and not self.base_url:
            raise ConfigError(f"{where}.base_url: the {self.name!r} backend needs a base_url (e.g. http://127.0.0.1:8765/v1)")
        if self.api_key_env and not self.api_key_env.replace("_", "").isalnum():
            raise ConfigError(f"{where}.api_key_env: expected an environment variable name, got {self.api_key_env!r}")


def parse_llm_config(data: dict, where: str = "llm") -> LLMConfig:
    """Validate an ``llm`` group mapping (a conf/llm/*.yaml file or a dict)."""
    from simgen.registry import parse_config

    data = dict(data)
    nested = data.get("compile") or {}
    if not isinstance(nested, dict):
        raise ConfigError(f"{where}.compile: expected a mapping, got {nested!r}")
    data["compile"] = nested
    return parse_config(LLMConfig, data, where)


@dataclass
class Usage:
    """What a client spent: requests (attempts), completions returned, tokens and seconds."""

    requests: int = 0
    completions: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        """JSON-ready counters."""
        return {"requests": self.requests, "completions": self.completions, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "seconds": round(self.seconds, 3)}


class LLMClient:
    """Sends chat requests to the configured endpoint with retries, a budget, a deadline and size limits."""

    def __init__(self, cfg: LLMConfig):
        if cfg.name == "none":
            raise LLMUnavailable("unavailable", "llm=none: no LLM is configured (choose llm=local, openai or endpoint)")
        try:
            import openai
        except ImportError:
            raise ConfigError('llm: the openai package is missing; install it with pip install -e ".[llm]"') from None
        self.cfg, self._openai, self.usage = cfg, openai, Usage()
        key = "no-key"  # local servers accept any key; the SDK insists on one
        self._secrets: tuple[str, ...] = ()
        if cfg.api_key_env:
            key = os.environ.get(cfg.api_key_env, "")
            if not key:
                raise ConfigError(f"llm.api_key_env: environment variable {cfg.api_key_env} is not set "
                                  "(keys are read from the environment only)")
            self._secrets = (key,)
        self._sdk = openai.OpenAI(api_key=key, base_url=cfg.base_url or None, timeout=cfg.timeout_s, max_retries=0)

    def __repr__(self) -> str:
        return f"LLMClient(name={self.cfg.name!r}, model={self.cfg.model!r}, base_url={self.cfg.base_url!r}, key_from={self.cfg.api_key_env!r})"

    def redact(self, text: str) -> str:
        """``text`` with the configured key and every ``Bearer …`` value replaced by ``[redacted]``."""
        return redact(text, self._secrets)

    def chat(self, messages: list[dict], grammar: str | None = None, seed: int | None = None,
             temperature: float | None = None) -> str:
        """One completion's text (in JSON modes: the ``program`` field), redacted; LLMError on failure."""
        kwargs = self._constraint(grammar)
        temperature = self.cfg.temperature if temperature is None else temperature
        attempt = 0
        while True:
            if self.usage.requests >= self.cfg.request_budget:
                raise LLMBudgetExceeded("budget", f"request budget of {self.cfg.request_budget} spent")
            self.usage.requests += 1
            start = time.perf_counter()
            try:
                response = self._within_deadline(lambda: self._sdk.chat.completions.create(
                    model=self.cfg.model, messages=messages, temperature=temperature, max_tokens=self.cfg.max_tokens,
                    seed=self.cfg.seed if seed is None else seed, **kwargs))
                return self.redact(self._text(response))
            except self._openai.APIStatusError as e:
                error = LLMError(f"http_{e.status_code}", self.redact(_short(e)))
                transient = e.status_code == 429 or e.status_code >= 500
            except _DeadlineHit:
                error = LLMUnavailable("deadline", f"{self.cfg.base_url or 'OpenAI'}: the reply was not complete within "
                                                   f"deadline_s={self.cfg.deadline_s:g} s")
                transient = True
            except (self._openai.APITimeoutError, self._openai.APIConnectionError) as e:
                timeout = isinstance(e, self._openai.APITimeoutError)
                error = LLMUnavailable("timeout" if timeout else "unavailable",
                                       f"{self.cfg.base_url or 'OpenAI'}: {'no answer within ' + str(self.cfg.timeout_s) + ' s' if timeout else 'cannot connect'}")
                transient = True
            except (self._openai.OpenAIError, ValueError) as e:  # a body the SDK cannot decode (not JSON, …)
                error, transient = LLMError("bad_response", self.redact(f"{type(e).__name__}: {_short(e)}")), False
            finally:
                self.usage.seconds += time.perf_counter() - start
            if not transient or attempt >= self.cfg.max_retries:
                raise error
            wait = self.cfg.backoff_s * 2 ** attempt
            log.warning("llm: %s; retry %d/%d in %.1f s", error, attempt + 1, self.cfg.max_retries, wait)
            time.sleep(wait)
            attempt += 1

    def _within_deadline(self, request):
        """``request()``'s result, or _DeadlineHit once ``deadline_s`` has passed.

        The SDK's timeout counts silence only; a reply trickling in byte by byte never trips it. The
        request runs in a daemon thread and is abandoned at the deadline (its late result is dropped;
        the thread ends when the server closes the connection or falls silent for ``timeout_s``)."""
        box: dict = {}
        done = threading.Event()

        def work():
            try:
                box["value"] = request()
            except BaseException as e:  # handed to the caller's thread
                box["error"] = e
            finally:
                done.set()

        threading.Thread(target=work, name="simgen-llm-request", daemon=True).start()
        if not done.wait(self.cfg.deadline_s):
            raise _DeadlineHit()
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _constraint(self, grammar: str | None) -> dict:
        """Request arguments that constrain the output, the way this backend accepts them."""
        mode = self.cfg.structured_output
        if mode == "gbnf" and grammar:
            return {"extra_body": {"grammar": grammar}}
        if mode == "json_schema":
            return {"response_format": {"type": "json_schema",
                                        "json_schema": {"name": "dsl_program", "schema": PROGRAM_SCHEMA, "strict": True}}}
        if mode == "json_object":
            return {"response_format": {"type": "json_object", "schema": PROGRAM_SCHEMA}}
        return {}

    def _text(self, response) -> str:
        """The reply text, checked for shape and size; the program field in JSON modes."""
        usage = getattr(response, "usage", None)
        if usage is not None:
            self.usage.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
            self.usage.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
        choices = getattr(response, "choices", None)
        if not choices:
            raise LLMError("bad_response", "the reply has no choices")
        content = getattr(getattr(choices[0], "message", None), "content", None)
        if not isinstance(content, str):
            raise LLMError("bad_response", f"the reply's content is {type(content).__name__}, not text")
        if len(content) > self.cfg.max_response_chars:
            raise LLMError("too_long", f"reply of {len(content)} characters exceeds max_response_chars={self.cfg.max_response_chars}")
        self.usage.completions += 1
        if self.cfg.structured_output in ("json_schema", "json_object"):
            return _program_field(content)
        return content


class _DeadlineHit(Exception):
    """A request's total deadline passed (internal: chat turns it into LLMUnavailable('deadline'))."""


_BEARER = re.compile(r"(Bearer\s+)[^\s\"',;]+", re.IGNORECASE)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with each secret and every ``Bearer <token>`` value replaced by ``[redacted]``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _BEARER.sub(r"\1[redacted]", text)


def _program_field(content: str) -> str:
    """``program`` from a JSON reply ``{"program": "..."}``; LLMError if the shape is wrong."""
    try:
        data = json.loads(content)
    except ValueError:
        raise LLMError("bad_json", f"reply is not JSON: {content[:80]!r}") from None
    if not isinstance(data, dict) or not isinstance(data.get("program"), str):
        raise LLMError("bad_json", f'reply is not {{"program": "<text>"}}: {content[:80]!r}')
    return data["program"]


def _short(error: Exception) -> str:
    """A one-line error message without the request body (which may be large)."""
    return " ".join(str(error).split())[:200]
