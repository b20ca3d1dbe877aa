"""What the ask stage reads about LLM-compiled families: their provenance and the LLM calls per kept QA.

A compiled family (``programs/compiled/<family>.yaml``, written by ``simgen.llm.store``) has its
provenance beside it as ``<family>.provenance.json``; a hand-written family has none. ``stats.json``
reports ``llm_calls_per_accepted_qa`` from those files and the ask stage's per-family kept counts.
"""
from __future__ import annotations

import json
from pathlib import Path

from simgen.resources import compiled_dir


def read_provenance(family: str, directory: Path | None = None) -> dict | None:
    """The provenance of a compiled family, or None for a hand-written one."""
    path = Path(directory or compiled_dir()) / f"{family}.provenance.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def llm_calls_per_accepted_qa(kept_per_family: dict[str, int], directory: Path | None = None) -> float | None:
    """LLM calls spent on the compiled families used, divided by the QA they kept (None if none)."""
    calls = kept = 0
    for family, n in kept_per_family.items():
        prov = read_provenance(family, directory)
        if prov is not None:
            calls += int(prov.get("llm_calls", 0))
            kept += int(n)
    return round(calls / kept, 6) if kept else None
