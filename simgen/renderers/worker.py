"""A long-lived worker process behind a renderer: requests on its stdin, one reply each on its stdout.

Blender's renderer (``blender.py``: Cycles in Blender's own Python) and pybullet's renderer in a
worker process (``process.py``) each keep one per shard, with codecs of their own (``send`` and
``recv`` functions of a stream and a message). Replies are dicts with ``ok`` and, when it is false,
an ``error``. The worker's stderr goes to a temporary file whose end is quoted when it dies. It runs
in a process group of its own, so a terminal's Ctrl-C goes to simgen, which closes it.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import weakref


class WorkerProcess:
    """One worker process: ``send`` a request, read its ``reply``; ``what`` names it in errors."""

    def __init__(self, argv: list[str], what: str, send, recv, env: dict | None = None):
        self.what, self._send, self._recv = what, send, recv
        self._log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, env=env,
                                     process_group=0)
        self._finalizer = weakref.finalize(self, _stop, self.proc, send)

    @property
    def exit_code(self) -> int | None:
        """The worker's exit code, None while it runs."""
        return self.proc.poll()

    def send(self, msg: dict) -> None:
        """Write one request (RuntimeError with the worker's log when it has gone)."""
        try:
            self._send(self.proc.stdin, msg)
        except BrokenPipeError:
            self._exited()

    def reply(self) -> dict:
        """Read one reply: RuntimeError when the worker reports a failure or has gone."""
        try:
            reply = self._recv(self.proc.stdout)
        except EOFError:
            self._exited()
        if not reply.get("ok"):
            raise RuntimeError(f"the {self.what} failed: {reply.get('error')}")
        return reply

    def _exited(self):
        code = self.proc.wait(timeout=10)
        self._log.seek(0, os.SEEK_END)
        self._log.seek(max(0, self._log.tell() - 3000))
        tail = self._log.read().decode(errors="replace")
        raise RuntimeError(f"the {self.what} exited with code {code}; its log ends:\n{tail}") from None

    def close(self) -> None:
        """Ask the worker to close, make sure it has, and drop its log."""
        self._finalizer()
        self._log.close()


def _stop(proc: subprocess.Popen, send) -> None:
    """Ask the worker to close, then make sure it has."""
    try:
        send(proc.stdin, {"cmd": "close"})
        proc.stdin.close()
        proc.wait(timeout=10)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait()
