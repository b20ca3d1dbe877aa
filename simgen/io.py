"""Files every stage writes and reads: atomic replacement with the user's permissions, and JSON lines.

``atomic_open`` writes through a temporary file in the target's folder and renames it into place
only when the block succeeds, so a reader never sees half a file. ``tempfile.mkstemp`` creates
its file ``-rw-------`` whatever the umask; the file is given the mode a plain ``open()`` would have
given it (``0o666`` less the umask, ``-rw-r--r--`` by default) before it is renamed, so colleagues
on a shared file system can read datasets and exports.

JSON lines are read line by line with ``json`` (a line that is not a JSON object, or lacks a key the
reader needs, raises :class:`InputError` naming the file and line) and written canonically (sorted
keys, no spaces, UTF-8 kept): same records, same bytes. The ``jsonlines`` package is not used: its reader adds ~8 µs a line to ``json.loads`` (exports read
every line twice) and offers nothing these files need. Whole JSON files (``read_json``: episodes) are
decoded by orjson wherever it gives exactly what ``json`` gives, by ``json`` otherwise.
"""
from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import tempfile
from json.encoder import c_make_encoder, encode_basestring, encode_basestring_ascii
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

import orjson


class InputError(ValueError):
    """A file handed in that cannot be used: the message names the file (and line or key) and what was
    expected. Entry points print it as one line and exit non-zero; it is a ValueError, so callers
    that already catch those keep working."""


def _read_umask() -> int:
    mask = os.umask(0o022)  # the only way to read the umask is to set it; put it straight back
    os.umask(mask)
    return mask


# Read once at import: os.umask is process-wide, and reading it from writer threads would race.
_FILE_MODE = 0o666 & ~_read_umask()


def file_mode() -> int:
    """The permission bits a new file gets (``0o666`` less the process umask at import)."""
    return _FILE_MODE


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk read or write, then restore it as it was (a
    caller that paused it keeps it paused). Decoding an episode or streaming Parquet rows makes tens
    of thousands of objects and no reference cycles; the collector would rescan the growing records
    and the imported libraries dozens of times for nothing (7% of the ask stage's CPU time, a sixth
    of the Parquet export's). What the block made and keeps (an episode's records) is then moved to
    the oldest generation at once (``gc.freeze`` and ``unfreeze``: two list splices) rather than
    scanned as young objects by the next collections (a sixth of reading an episode); not where
    someone else froze objects (``gc.get_freeze_count``), whose freeze this would undo."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO]:
    """Open a temp file beside ``path`` (text: UTF-8, ``\\n`` newlines) and rename it into place with
    the umask's permissions only if the block succeeds; on any error the temp file is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": "\n"})) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path) as f:
        f.write(text)


def write_json(path: Path, data: Any, indent: int | None = 2) -> None:
    """Write ``data`` as key-sorted JSON (indented, or compact with ``indent=None``) atomically."""
    separators = None if indent else (",", ":")
    write_text(path, json.dumps(data, sort_keys=True, indent=indent, separators=separators, ensure_ascii=False) + "\n")


# json.dumps with these options builds a new JSONEncoder and C encoder on every call, half the time of a
# small object's line (exports write several per record). One C encoder makes the same bytes; it keeps no
# state between calls (no circular-reference markers: a cycle ends in RecursionError, not ValueError).
_ENCODE, _ENCODE_ASCII = (c_make_encoder and c_make_encoder(None, json.JSONEncoder().default, escape, None, ":", ",",
                                                             True, False, True)  # sort_keys, skipkeys, allow_nan
                          for escape in (encode_basestring, encode_basestring_ascii))


def json_line(data: Any, ensure_ascii: bool = False) -> str:
    """Canonical one-line JSON (sorted keys, no spaces, UTF-8 kept or, with ``ensure_ascii``, escaped as
    ``json.dumps`` escapes it) — same input, same bytes."""
    if _ENCODE is None:  # a Python without the C accelerator
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=ensure_ascii)
    return "".join((_ENCODE_ASCII if ensure_ascii else _ENCODE)(data, 0))


def write_jsonl(path: Path, rows: Iterable[Any]) -> int:
    """Write one canonical JSON line per row atomically; returns the number of rows."""
    count = 0
    with atomic_open(path) as f:
        for row in rows:
            f.write(json_line(row) + "\n")
            count += 1
    return count


def iter_jsonl(path: Path, skip_invalid: bool = False, keys: tuple[str, ...] = ()) -> Iterator[tuple[int, dict]]:
    """(line number, decoded object) for each non-blank line, streamed. A line that is not a JSON
    object (or not UTF-8 text), or lacks one of ``keys`` (each a string or number: ids are looked up),
    raises InputError naming the file and line — or is skipped with ``skip_invalid`` (a line cut short
    by a kill)."""
    try:
        with open(path, "rb") as f:  # decoded line by line, so a bad byte is named with its own line
            for lineno, raw in enumerate(f, 1):
                try:
                    line = raw.decode("utf-8")
                    if not line.strip():
                        continue
                    value = _object_line(line, keys)
                except ValueError as e:
                    if skip_invalid:
                        continue
                    if isinstance(e, UnicodeDecodeError):
                        e = f"not UTF-8 text ({e.reason} at byte {e.start} of the line)"
                    raise InputError(f"{path}:{lineno}: {e}") from None
                yield lineno, value
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected a JSON-lines file") from None


_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean",
               type(None): "null"}


def _object_line(line: str, keys: tuple[str, ...]) -> dict:
    """One JSONL line as a dict holding ``keys``; ValueError saying what it is instead."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON: {e}") from None
    except RecursionError:
        raise ValueError("not JSON: nested too deeply") from None
    if not isinstance(value, dict):
        kind = _JSON_KINDS.get(type(value), "a value")
        shown = "" if value is None else f": {line.strip()[:40]}"
        raise ValueError(f"expected a JSON object {{...}}, got {kind}{shown}")
    for key in keys:
        if key not in value:
            raise ValueError(f"record without {key!r} (has {', '.join(sorted(value)) or 'no keys'})")
        if isinstance(value[key], (list, dict)) or value[key] is None:
            raise ValueError(f"{key!r}: expected a string or number, got {json.dumps(value[key])[:40]}")
    return value


def read_jsonl(path: Path, keys: tuple[str, ...] = ()) -> list[dict]:
    """Every object of a JSON-lines file (see :func:`iter_jsonl`)."""
    return [value for _, value in iter_jsonl(path, keys=keys)]


_NOT_FAST = object()
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)


def _fast_loads(raw: bytes) -> Any:
    """The value ``json.loads`` gives for a file's bytes, decoded by orjson (4× faster: an episode.json
    is most of the ask stage's reading), or ``_NOT_FAST`` where orjson would not give the same: it
    reads an integer beyond 64 bits as a float (any run of 19 digits is left to json), and it refuses
    what json reads or names its own way (NaN, ±Infinity, 1e999, lone surrogates, a BOM, bad UTF-8,
    deep nesting, any syntax error), so json reads those and says what is wrong as it always did."""
    if b"0" * 19 in raw.translate(_DIGITS_AS_ZERO):
        return _NOT_FAST
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _NOT_FAST


def read_json(path: Path, expect: type | None = None) -> Any:
    """The value of a JSON file; InputError naming the file when it is missing, unreadable, not JSON,
    or (with ``expect=dict``) not a JSON object."""
    path = Path(path)
    try:
        value = _fast_loads(path.read_bytes())
        if value is _NOT_FAST:
            value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: not found") from None
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise InputError(f"{path}: unreadable ({e.strerror or e})") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to be read") from None
    if expect is not None and not isinstance(value, expect):
        kind = _JSON_KINDS.get(type(value), "a value")
        raise InputError(f"{path}: expected {'a JSON object {...}' if expect is dict else expect.__name__}, got {kind}")
    return value


def link_or_copy(src: Path, dst: Path) -> None:
    """Hard-link ``src`` at ``dst`` (no extra space), or copy it where links can't be made (another
    file system); the copy is made atomically and gets the umask's permissions."""
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError:
        with open(src, "rb") as source, atomic_open(dst, "wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
