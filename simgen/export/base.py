"""What every exporter shares: the per-record ``Sample`` and atomic streaming file writes.

An exporter turns a dataset into one format under an export dir. Media (videos, frame images) are
referred to by paths relative to that export dir, so the folder can be moved or uploaded whole.
"""
from __future__ import annotations

import contextlib
import importlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

from simgen.export.dataset import Dataset, relative_to
from simgen.export.prompt import PromptConfig, ground_truth, option_lines, prompt_text, rationale, target_text, \
    uses_options
from simgen.qa.records import QAItem
from simgen.registry import ConfigError


def require(module: str, extra: str = "export"):
    """Import an optional dependency, or raise ConfigError naming the install extra that brings it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(f'{module} is not installed; it comes with pip install -e ".[{extra}]"') from None


def pyplot():
    """matplotlib.pyplot on the Agg backend (files only, no display)."""
    require("matplotlib").use("Agg")
    return require("matplotlib.pyplot")


@dataclass(frozen=True)
class Sample:
    """One record as every format sees it: prompt, target, media paths and metadata."""

    item: QAItem
    prompt: str  # user text without media tokens
    target: str  # assistant text (ground truth, with the rationale first when cot == "answer")
    ground_truth: str  # letter, number text or answer text
    options: list[str] | None  # "A. text" lines when shown
    rationale: str | None  # the `rationale` field, set when cot == "field"
    media_kind: str  # "video" | "image"
    media: list[str]  # relative to the export dir
    complexity: dict


def samples(ds: Dataset, cfg: PromptConfig, out_dir: Path) -> Iterator[Sample]:
    """Stream the dataset's records as Samples (cutting image frames out of videos first)."""
    ds.ensure_frames()
    prefix = relative_to(ds.root, out_dir)  # resolved once: per-record path resolution is slow
    for item in ds.items():
        kind, names = ds.item_media(item)
        shown = uses_options(item, cfg.answer_mode)
        yield Sample(
            item=item,
            prompt=prompt_text(item, cfg.answer_mode, cfg.instruction),
            target=target_text(item, cfg),
            ground_truth=ground_truth(item, cfg.answer_mode),
            options=option_lines(item) if shown else None,
            rationale=rationale(item) if cfg.cot == "field" else None,
            media_kind=kind,
            media=[n if prefix == "." else f"{prefix}/{n}" for n in names],
            complexity=ds.episode(item.episode_id).complexity,
        )


def json_line(data: Any) -> str:
    """Canonical one-line JSON (sorted keys, UTF-8 kept) — same input, same bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO]:
    """Open a temp file beside ``path`` and rename it into place only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": "\n"})) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class Exporter:
    """Base class: ``export(dataset, out_dir)`` writes one format and returns a summary."""

    format_name = ""

    def __init__(self, cfg: PromptConfig):
        self.cfg = cfg

    def export(self, ds: Dataset, out_dir: Path) -> dict:
        """Write this format for ``ds`` under ``out_dir``; returns {format, files, records}."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        files, count = self.write(samples(ds, self.cfg, out_dir), out_dir)
        return {"format": self.format_name, "files": [relative_to(f, out_dir) for f in files], "records": count}

    def write(self, rows: Iterator[Sample], out_dir: Path) -> tuple[list[Path], int]:
        """Write the samples; returns the files written and the record count."""
        raise NotImplementedError


class JsonLinesExporter(Exporter):
    """An exporter that writes one canonical JSON line per sample to ``cfg.filename``."""

    def record(self, sample: Sample) -> dict:
        """The JSON object written for one sample."""
        raise NotImplementedError

    def write(self, rows: Iterator[Sample], out_dir: Path) -> tuple[list[Path], int]:
        """One canonical JSON line per sample."""
        path = out_dir / self.cfg.filename
        count = 0
        with atomic_open(path) as f:
            for s in rows:
                f.write(json_line(self.record(s)) + "\n")
                count += 1
        return [path], count
