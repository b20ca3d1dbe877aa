"""Exporters: a merged dataset → LLaVA-Video JSON, HF chat JSONL, Parquet, a VSI-Bench-style eval file
and a dataset card; plus the streaming shard merge (``simgen.export.merge``).

``simgen-export <dataset dir> formats=[llava_video,parquet]`` runs the exporters named after
``conf/export/<name>.yaml``; each plugin module ``simgen.export.<name>`` registers itself in ``EXPORTERS``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from simgen.registry import Registry


class ExportFormat(Protocol):
    """What every exporter provides (``simgen.export.base.Exporter`` is the usual base)."""

    format_name: str
    reads_other_formats: bool  # True: it points at the other formats' files, so it runs after them

    def export(self, ds, out_dir: Path) -> dict: ...


EXPORTERS = Registry("exporter", "export", "simgen.export", "simgen.export:ExportFormat")


def export_order(names) -> list[str]:
    """``names`` in the order they run: by name, formats that read the others' files (the card) last."""
    return sorted(names, key=lambda n: (bool(getattr(EXPORTERS.get(n)[0], "reads_other_formats", False)), n))
