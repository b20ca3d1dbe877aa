"""Parquet that ``datasets.load_dataset`` loads with its own features, written in row groups.

One row per record at ``<export dir>/data/<split>.parquet`` (the layout the Hub's loader
recognises). The schema is ``datasets.Features`` (:data:`FEATURES`, stored in the file, so
``load_dataset`` decodes it; written with pyarrow alone): ``images`` is a list of
``datasets.Image`` with the JPEG bytes embedded (TRL's VLM collators take decoded images from this
column); ``video`` is the mp4's path relative to the export dir (the dataset root); ``messages`` is
the chat in TRL's form — the user turn's media placeholders ``{"type": "image"}`` /
``{"type": "video"}`` in the order of ``images`` / ``video``, then the text — whose parts carry
only ``type`` and ``text``, so chat templates that test ``'image' in part`` read them right. Nested
values (bindings, certificate, complexity knobs) are JSON strings so the schema is the same for
every dataset. Rows are buffered ``row_group_size`` at a time, so memory does not grow with the
dataset.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Iterator

from simgen.export import EXPORTERS
from simgen.export.base import Exporter, Sample
from simgen.export.prompt import PromptConfig
from simgen.io import atomic_open, cyclic_gc_paused, json_line
from simgen.registry import ConfigError, require, setting


def _value(dtype: str) -> dict:
    return {"dtype": dtype, "_type": "Value"}


def _list(feature) -> dict:
    return {"feature": feature, "_type": "List"}


_TEXT = _value("string")
# The export's datasets.Features in the form datasets itself stores them in a Parquet file (its
# Features.to_dict(), under the schema's "huggingface" metadata), so that writing the file needs
# pyarrow alone: importing datasets (pandas with it) took 0.6 s of every export.
FEATURES = {
    "id": _TEXT, "data_source": _TEXT, "question_type": _TEXT, "family_version": _value("int32"),
    "question": _TEXT, "prompt": _TEXT, "answer": _TEXT, "ground_truth": _TEXT, "options": _list(_TEXT),
    "answer_text": _TEXT, "answer_number": _value("float64"), "answer_type": _TEXT, "unit": _TEXT,
    "modality": _TEXT, "video": _TEXT, "images": _list({"_type": "Image"}),
    "messages": _list({"role": _TEXT, "content": _list({"type": _TEXT, "text": _TEXT})}),
    "episode_id": _TEXT, "frames": _list(_value("int32")), "program": _TEXT, "bindings": _TEXT, "certificate": _TEXT,
    "complexity": _TEXT, "rationale": _TEXT, "seed": _value("int64"), "config_hash": _TEXT,
}


def features():
    """The export's ``datasets.Features`` (for readers; the writer needs only :func:`arrow_schema`)."""
    return require("datasets").Features.from_dict(FEATURES)


def _arrow_type(feature: dict):
    """The Arrow type ``datasets`` stores a feature as (``tests/test_export.py`` compares with its own)."""
    pa = require("pyarrow")
    kind = feature.get("_type")
    if kind == "Value":
        return pa.type_for_alias(feature["dtype"])
    if kind == "Image":  # datasets.Image's storage: the encoded bytes and the path
        return pa.struct({"bytes": pa.binary(), "path": pa.string()})
    if kind == "List":
        return pa.list_(_arrow_type(feature["feature"]))
    return pa.struct({name: _arrow_type(inner) for name, inner in feature.items()})  # a dict of features


def arrow_schema():
    """``features().arrow_schema`` built with pyarrow alone: the columns' Arrow types and the features as
    the ``huggingface`` metadata that ``load_dataset`` decodes them by."""
    pa = require("pyarrow")
    metadata = {"huggingface": json.dumps({"info": {"features": FEATURES}})}
    return pa.schema({name: _arrow_type(feature) for name, feature in FEATURES.items()}).with_metadata(metadata)


@functools.lru_cache(maxsize=256)  # records come grouped by episode and share their frames
def _image_bytes(root: str, name: str) -> bytes:
    return Path(root, name).read_bytes()  # keyed by strings: hashing a Path costs more than the lookup saves


def parquet_row(s: Sample, data_source: str, complexity: str | None = None) -> dict:
    """The flat columns of a sample's Parquet row (``complexity``: the episode's knobs as JSON when the
    caller has them already); ``images`` and ``messages`` are added per row group by :func:`row_group`."""
    it = s.item
    return {
        "id": it.id, "data_source": data_source, "question_type": it.family, "family_version": it.family_version,
        "question": it.question, "prompt": s.prompt, "answer": s.target, "ground_truth": s.ground_truth,
        "options": s.options, "answer_text": it.answer_text,
        "answer_number": float(it.answer) if it.answer_type == "number" else None,
        "answer_type": it.answer_type, "unit": it.unit, "modality": it.modality,
        "video": s.media[0] if s.media_kind == "video" else None,
        "episode_id": it.episode_id, "frames": list(it.frames), "program": it.program,
        "bindings": json_line(it.bindings), "certificate": json_line(it.certificate),
        "complexity": complexity or json_line(s.complexity),
        "rationale": s.rationale, "seed": it.seed, "config_hash": it.config_hash,
    }


def row_group(samples: list[Sample], rows: list[dict], root: Path, schema):
    """The samples and their :func:`parquet_row` dicts as one Arrow table of ``schema``, its columns
    in the schema's order. ``images`` (JPEG bytes read from ``root``, the export dir) and ``messages``
    are built as Arrow arrays from flat lists: as a list of dicts per row they cost pyarrow as much
    again to convert as the rest of the row."""
    pa = require("pyarrow")
    nested = {"images": _images(samples, str(root), schema.field("images").type),
              "messages": _messages(samples, schema.field("messages").type)}
    flat = [name for name in schema.names if name not in nested]
    columns = dict(zip(flat, zip(*map(itemgetter(*flat), rows)) if rows else [[] for _ in flat]))
    return pa.Table.from_arrays([nested.get(name, columns.get(name)) for name in schema.names], schema=schema)


def _images(samples: list[Sample], root: str, kind):
    """``images``: a list of ``{bytes, path}`` per row, the frames of image samples (empty for videos)."""
    pa = require("pyarrow")
    offsets, data, paths = [0], [], []
    for s in samples:
        if s.media_kind == "image":
            paths += s.media
            data += [_image_bytes(root, p) for p in s.media]
        offsets.append(len(paths))
    image = kind.value_type  # Image(): struct<bytes, path>
    items = pa.StructArray.from_arrays([pa.array(data, image.field("bytes").type), pa.array(paths, pa.string())],
                                       fields=list(image))
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), items, type=kind)


def _messages(samples: list[Sample], kind):
    """``messages``: per row the user turn — a ``{type, text: null}`` part per media item, then the
    prompt — and the assistant turn, the target."""
    pa = require("pyarrow")
    part_offsets, types, texts = [0], [], []
    for s in samples:
        n = len(s.media)
        types += [s.media_kind] * n + ["text", "text"]
        texts += [None] * n + [s.prompt, s.target]
        part_offsets += (len(types) - 1, len(types))
    message = kind.value_type  # struct<role, content: list<struct<type, text>>>
    content = message.field("content").type
    parts = pa.StructArray.from_arrays([pa.array(types, pa.string()), pa.array(texts, pa.string())],
                                       fields=list(content.value_type))
    turns = pa.StructArray.from_arrays(
        [pa.array(["user", "assistant"] * len(samples), pa.string()),
         pa.ListArray.from_arrays(pa.array(part_offsets, pa.int32()), parts, type=content)], fields=list(message))
    return pa.ListArray.from_arrays(pa.array(range(0, 2 * len(samples) + 1, 2), pa.int32()), turns, type=kind)


@dataclass(frozen=True)
class ParquetConfig(PromptConfig):
    """Parquet settings (``conf/export/parquet.yaml``)."""

    split: str = "train"
    row_group_size: int = setting(4096, ge=1)
    compression: str = setting("zstd", choices=("zstd", "snappy", "gzip", "none"))

    def validate(self, where: str) -> None:
        """Check the shared prompt settings and the split name."""
        super().validate(where)
        if not self.split.isidentifier():
            raise ConfigError(f"{where}.split: expected a name like 'train' or 'test', got {self.split!r}")


@EXPORTERS.register("parquet", config=ParquetConfig)
class ParquetExporter(Exporter):
    """Writes ``data/<split>.parquet``."""

    format_name = "parquet"

    def write(self, rows: Iterator[Sample], out_dir: Path) -> tuple[list[Path], int]:
        """Buffer ``row_group_size`` rows, write them as one row group, repeat."""
        pq = require("pyarrow.parquet")
        schema = arrow_schema()  # carries the features as metadata for load_dataset
        path = out_dir / "data" / f"{self.cfg.split}.parquet"
        count, buffer, flat = 0, [], []
        with cyclic_gc_paused(), atomic_open(path, "wb") as f:
            codec = None if self.cfg.compression == "none" else self.cfg.compression
            with pq.ParquetWriter(f, schema, compression=codec) as writer:
                episode, knobs = None, None
                for s in rows:
                    if s.item.episode_id != episode:  # records come grouped by episode: its knobs once
                        episode, knobs = s.item.episode_id, json_line(s.complexity)
                    buffer.append(s)
                    flat.append(parquet_row(s, self.cfg.data_source, knobs))
                    count += 1
                    if len(buffer) == self.cfg.row_group_size:
                        writer.write_table(row_group(buffer, flat, out_dir, schema))
                        buffer, flat = [], []
                if buffer or count == 0:
                    writer.write_table(row_group(buffer, flat, out_dir, schema))
        return [path], count
