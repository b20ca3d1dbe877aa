"""Parquet that ``datasets.load_dataset("parquet", data_files=...)`` loads, written in row groups.

One row per record at ``<export dir>/data/<split>.parquet`` (the layout the Hub's loader
recognises). ``video`` / ``images`` hold paths relative to the export dir; nested values
(bindings, certificate, complexity knobs) are JSON strings so the schema is the same for every
dataset. Rows are buffered ``row_group_size`` at a time, so memory does not grow with the dataset.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from simgen.export import EXPORTERS
from simgen.export.base import Exporter, Sample, atomic_open, require
from simgen.export.prompt import PromptConfig
from simgen.registry import ConfigError


def arrow_schema():
    """The export's pyarrow schema (pyarrow is imported here, when the exporter runs)."""
    pa = require("pyarrow")

    return pa.schema([
        ("id", pa.string()), ("data_source", pa.string()), ("question_type", pa.string()),
        ("family_version", pa.int32()), ("question", pa.string()), ("prompt", pa.string()),
        ("answer", pa.string()), ("ground_truth", pa.string()), ("options", pa.list_(pa.string())),
        ("answer_text", pa.string()), ("answer_number", pa.float64()), ("answer_type", pa.string()),
        ("unit", pa.string()), ("modality", pa.string()), ("video", pa.string()), ("images", pa.list_(pa.string())),
        ("episode_id", pa.string()), ("frames", pa.list_(pa.int32())), ("program", pa.string()),
        ("bindings", pa.string()), ("certificate", pa.string()), ("complexity", pa.string()),
        ("rationale", pa.string()), ("seed", pa.int64()), ("config_hash", pa.string()),
    ])


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parquet_row(s: Sample, data_source: str) -> dict:
    """One Parquet row for a sample."""
    it = s.item
    return {
        "id": it.id, "data_source": data_source, "question_type": it.family, "family_version": it.family_version,
        "question": it.question, "prompt": s.prompt, "answer": s.target, "ground_truth": s.ground_truth,
        "options": s.options, "answer_text": it.answer_text,
        "answer_number": float(it.answer) if it.answer_type == "number" else None,
        "answer_type": it.answer_type, "unit": it.unit, "modality": it.modality,
        "video": s.media[0] if s.media_kind == "video" else None,
        "images": list(s.media) if s.media_kind == "image" else [],
        "episode_id": it.episode_id, "frames": list(it.frames), "program": it.program,
        "bindings": _json(it.bindings), "certificate": _json(it.certificate), "complexity": _json(s.complexity),
        "rationale": s.rationale, "seed": it.seed, "config_hash": it.config_hash,
    }


@dataclass(frozen=True)
class ParquetConfig(PromptConfig):
    """Parquet settings (``conf/export/parquet.yaml``)."""

    split: str = "train"
    row_group_size: int = 4096
    compression: str = "zstd"

    def validate(self, where: str) -> None:
        """Check the shared prompt settings, the split name, row-group size and codec."""
        super().validate(where)
        if not self.split.isidentifier():
            raise ConfigError(f"{where}.split: expected a name like 'train' or 'test', got {self.split!r}")
        if not isinstance(self.row_group_size, int) or self.row_group_size < 1:
            raise ConfigError(f"{where}.row_group_size: expected an integer ≥ 1, got {self.row_group_size!r}")
        if self.compression not in ("zstd", "snappy", "gzip", "none"):
            raise ConfigError(f"{where}.compression: expected one of zstd, snappy, gzip, none; got {self.compression!r}")


@EXPORTERS.register("parquet", config=ParquetConfig)
class ParquetExporter(Exporter):
    """Writes ``data/<split>.parquet``."""

    format_name = "parquet"

    def write(self, rows: Iterator[Sample], out_dir: Path) -> tuple[list[Path], int]:
        """Buffer ``row_group_size`` rows, write them as one row group, repeat."""
        pa, pq = require("pyarrow"), require("pyarrow.parquet")
        schema = arrow_schema()
        path = out_dir / "data" / f"{self.cfg.split}.parquet"
        count, buffer = 0, []
        with atomic_open(path, "wb") as f:
            codec = None if self.cfg.compression == "none" else self.cfg.compression
            with pq.ParquetWriter(f, schema, compression=codec) as writer:
                for s in rows:
                    buffer.append(parquet_row(s, self.cfg.data_source))
                    count += 1
                    if len(buffer) == self.cfg.row_group_size:
                        writer.write_table(pa.Table.from_pylist(buffer, schema=schema))
                        buffer = []
                if buffer or count == 0:
                    writer.write_table(pa.Table.from_pylist(buffer, schema=schema))
        return [path], count
