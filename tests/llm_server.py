"""An in-process OpenAI-compatible HTTP server on loopback that answers from a script.

``ScriptedServer(script)`` serves ``POST /v1/chat/completions`` and ``GET /v1/models`` from a
``ThreadingHTTPServer`` in a daemon thread on 127.0.0.1 (a free port). Each chat request takes the
next reply from ``script`` — a list, or a callable ``script(request_json, n) -> reply`` (``n`` =
number of the request, from 0) — where a reply is:

- a string: a normal completion with that content;
- ``{"content": ..., "delay": s}``: wait ``s`` seconds first (slow or timing-out responses);
  ``content`` may be any JSON value (wrong types);
- ``{"status": 500, "body": "..."}``: an HTTP error with that body;
- ``{"raw": "..."}``: a 200 whose body is the raw text (malformed JSON);
- ``{"choices": []}``: a 200 whose completion has no choices;
- ``{"content": ..., "dribble": s}``: the headers at once, then the body one byte every ``s``
  seconds (a reply that never falls silent long enough for an inactivity timeout);
- ``{"echo_headers": True}``: a completion whose content is the request's headers (an echoed key).

Every request body and its headers (names lower-cased) are kept in ``requests`` / ``headers``.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedServer:
    """Context manager: start on enter, stop on exit; ``base_url`` is ``http://127.0.0.1:<port>/v1``."""

    def __init__(self, script):
        self.script = script
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self._lock = threading.Lock()
        self.stopped = threading.Event()  # set on exit: dribbling handlers stop
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, json.dumps({"object": "list", "data": [{"id": "scripted", "object": "model"}]}))
                else:
                    self._send(404, "{}")

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    n = len(server.requests)
                    server.requests.append(body)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                reply = server._reply(body, n)
                if isinstance(reply, str):
                    reply = {"content": reply}
                if reply.get("delay"):
                    time.sleep(reply["delay"])
                if reply.get("echo_headers"):
                    reply = {"content": json.dumps(dict(self.headers.items()))}
                if "status" in reply:
                    self._send(reply["status"], reply.get("body", json.dumps({"error": {"message": "scripted error"}})))
                elif "raw" in reply:
                    self._send(200, reply["raw"])
                else:
                    self._send(200, json.dumps(_completion(reply, body)), reply.get("dribble"))

            def _send(self, status: int, text: str, dribble: float | None = None):
                data = text.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if not dribble:
                        self.wfile.write(data)
                    for i in range(len(data) if dribble else 0):
                        self.wfile.write(data[i:i + 1])
                        self.wfile.flush()
                        if server.stopped.wait(dribble):
                            return
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def _reply(self, body: dict, n: int):
        if callable(self.script):
            return self.script(body, n)
        if n >= len(self.script):
            return {"status": 500, "body": json.dumps({"error": {"message": "script exhausted"}})}
        return self.script[n]

    def __enter__(self) -> "ScriptedServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _completion(reply: dict, request: dict) -> dict:
    if "choices" in reply:
        return {"id": "x", "object": "chat.completion", "created": 0, "model": "scripted", "choices": reply["choices"]}
    content = reply.get("content")
    return {
        "id": "chatcmpl-scripted", "object": "chat.completion", "created": 0, "model": request.get("model", "scripted"),
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def last_user(request: dict) -> str:
    """The content of the last user message of a chat request."""
    return next(m["content"] for m in reversed(request["messages"]) if m["role"] == "user")
