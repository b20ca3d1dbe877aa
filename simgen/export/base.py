"""What every exporter shares: the per-record ``Sample`` and atomic streaming file writes.

An exporter turns a dataset into one format under an export dir. Media (videos, frame images) live
inside that dir and are referred to by paths relative to it, so the folder can be moved or
uploaded whole.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from tqdm import tqdm

from simgen.export.dataset import Dataset, relative_to
from simgen.export.prompt import PromptConfig, ground_truth, option_lines, prompt_text, rationale, target_text, \
    uses_options
from simgen.io import atomic_open, json_line
from simgen.qa.records import QAItem


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
    """Stream the dataset's records as Samples. Their media are placed inside ``out_dir`` (hard links
    or copies when it is not the dataset dir; image frames cut from the videos once) under the same
    relative names, so every path resolves from the export's root and nothing is written to the source."""
    out_dir = Path(out_dir)
    elsewhere = out_dir.resolve() != ds.root.resolve()
    ds.ensure_frames(out_dir)
    placed: set[str] = set()
    for item in ds.items():
        kind, names = ds.item_media(item)
        if elsewhere and kind == "video" and names[0] not in placed:
            ds.place(names[0], out_dir)
            placed.add(names[0])
        shown = uses_options(item, cfg.answer_mode)
        yield Sample(
            item=item,
            prompt=prompt_text(item, cfg.answer_mode, cfg.instruction),
            target=target_text(item, cfg),
            ground_truth=ground_truth(item, cfg.answer_mode),
            options=option_lines(item) if shown else None,
            rationale=rationale(item) if cfg.cot == "field" else None,
            media_kind=kind,
            media=names,
            complexity=ds.episode(item.episode_id).complexity,
        )


class Exporter:
    """Base class: ``export(dataset, out_dir)`` writes one format and returns a summary."""

    format_name = ""

    def __init__(self, cfg: PromptConfig):
        self.cfg = cfg
        self.out_dir = Path(".")
        self.left_out = 0  # records this format cannot hold (counted by the writer)

    def export(self, ds: Dataset, out_dir: Path) -> dict:
        """Write this format for ``ds`` under ``out_dir``; returns {format, files, records, left_out}."""
        self.out_dir, self.left_out = Path(out_dir), 0
        self.out_dir.mkdir(parents=True, exist_ok=True)
        # a bar on a terminal only (disable=None); the record count is not known before the stream ends
        rows = tqdm(samples(ds, self.cfg, self.out_dir), desc=f"export {self.format_name}", unit="qa", disable=None)
        files, count = self.write(iter(rows), self.out_dir)
        return {"format": self.format_name, "files": [relative_to(f, self.out_dir) for f in files], "records": count,
                "left_out": self.left_out}

    def write(self, rows: Iterator[Sample], out_dir: Path) -> tuple[list[Path], int]:
        """Write the samples; returns the files written and the record count."""
        raise NotImplementedError


class JsonLinesExporter(Exporter):
    """An exporter that writes one canonical JSON line per sample to ``cfg.filename``."""

    def record(self, sample: Sample) -> dict | None:
        """The JSON object written for one sample, or None when the format leaves it out."""
        raise NotImplementedError

    def write(self, rows: Iterator[Sample], out_dir: Path) -> tuple[list[Path], int]:
        """One canonical JSON line per sample the format holds."""
        path = out_dir / self.cfg.filename
        count = 0
        with atomic_open(path) as f:
            for s in rows:
                data = self.record(s)
                if data is None:
                    self.left_out += 1
                    continue
                f.write(json_line(data) + "\n")
                count += 1
        return [path], count
