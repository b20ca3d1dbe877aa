"""Where compiled families go: ``programs/compiled/<family>.yaml`` plus provenance, and the log.

A compiled family is a family file in exactly the hand-written format, so
``simgen.qa.families.load_families(directory=compiled_dir())`` loads it with the same validation.
Its provenance (endpoint and model, prompt hash, temperature, date, agreement score, LLM calls)
is written twice: as a comment block at the top of the YAML for readers, and as
``<family>.provenance.json`` beside it for programs (the family format has no provenance key).
``append_log`` adds one JSON line per compiled or rejected question to the compile log.
The ask stage reads provenance back through ``simgen.qa.provenance``.
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from simgen.io import write_text
from simgen.qa.families import load_family

__all__ = ["write_family", "append_log"]


def _same(text: str) -> str:
    return text


def write_family(data: dict, provenance: dict, directory: Path, redact=_same):
    """Write the family YAML and its provenance (each text passed through ``redact``); reload and return it."""
    directory = Path(directory)
    name = data["family"]
    header = "# Compiled by simgen-compile; do not edit by hand (recompile instead).\n" + "".join(
        f"# {key}: {json.dumps(value)}\n" for key, value in provenance.items() if not isinstance(value, (dict, list)))
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=False, width=120)
    path = directory / f"{name}.yaml"
    write_text(path, redact(header + body))
    write_text(directory / f"{name}.provenance.json", redact(json.dumps(provenance, indent=1, sort_keys=True)) + "\n")
    return load_family(path)


def append_log(path: Path, record: dict, redact=_same) -> None:
    """Append one JSON line (a compiled or rejected question), passed through ``redact``, to the compile log."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(redact(json.dumps(record, sort_keys=True)) + "\n")
