"""A VSI-Bench-style evaluation file: one JSON line per question with options and ground truth.

Fields follow VSI-Bench's test split (``id``, ``dataset``, ``scene_name``, ``question_type``,
``question``, ``options`` as "A. text" lines or null, ``ground_truth`` as the option letter or the
number) plus what simgen's scorer and breakdown use: ``answer_type``, ``unit``, ``modality``, the
media paths (relative to the export dir), ``frames``, the episode's ``complexity`` knobs, and the
``prompt`` exactly as a model should see it (question, options, instruction), which
``simgen.eval.runner`` sends.
"""
from __future__ import annotations

from dataclasses import dataclass

from simgen.export import EXPORTERS
from simgen.export.base import JsonLinesExporter, Sample
from simgen.export.prompt import PromptConfig
from simgen.registry import ConfigError


@dataclass(frozen=True)
class VsiBenchConfig(PromptConfig):
    """Evaluation-file settings (``conf/export/vsibench.yaml``)."""

    filename: str = "vsibench.jsonl"

    def validate(self, where: str) -> None:
        """Check the shared prompt settings and the file name."""
        super().validate(where)
        if self.cot != "none":
            raise ConfigError(f"{where}.cot: an evaluation file carries no rationale; expected 'none', got {self.cot!r}")
        if not self.filename.endswith(".jsonl") or "/" in self.filename:
            raise ConfigError(f"{where}.filename: expected a plain file name ending in .jsonl, got {self.filename!r}")


def eval_row(s: Sample, data_source: str) -> dict:
    """One evaluation row for a sample."""
    it = s.item
    return {
        "id": it.id, "dataset": data_source, "scene_name": it.episode_id, "question_type": it.family,
        "question": it.question, "prompt": s.prompt, "options": s.options, "ground_truth": s.ground_truth,
        "answer_type": it.answer_type, "unit": it.unit, "modality": it.modality,
        "video": s.media[0] if s.media_kind == "video" else None,
        "images": list(s.media) if s.media_kind == "image" else [],
        "frames": list(it.frames), "complexity": s.complexity,
    }


@EXPORTERS.register("vsibench", config=VsiBenchConfig)
class VsiBenchExporter(JsonLinesExporter):
    """Writes ``vsibench.jsonl``."""

    format_name = "vsibench"

    def record(self, sample: Sample) -> dict:
        """The line written for one sample."""
        return eval_row(sample, self.cfg.data_source)
