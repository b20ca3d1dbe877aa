"""Hugging Face chat ``messages`` JSONL: one ``{id, messages, images, videos}`` object per line.

The user turn's ``content`` lists the media parts, ``{"type": "video", "video": path}`` or
``{"type": "image", "image": path}`` (the keys ``qwen_vl_utils.process_vision_info`` reads and
``processor.apply_chat_template`` loads), then the text part; the assistant turn is one text part.
``images`` / ``videos`` repeat the paths as top-level lists for trainers that take media in columns
(TRL). Every path is relative to the export dir; load with ``json`` per line (``datasets`` gives
every part every key, with nulls, which chat templates testing ``'image' in part`` misread: use
the Parquet export's ``messages`` column there).
"""
from __future__ import annotations

from dataclasses import dataclass

from simgen.export import EXPORTERS
from simgen.export.base import JsonLinesExporter, Sample
from simgen.export.prompt import PromptConfig
from simgen.registry import ConfigError


@dataclass(frozen=True)
class MessagesConfig(PromptConfig):
    """HF chat JSONL settings (``conf/export/messages.yaml``)."""

    filename: str = "messages.jsonl"

    def validate(self, where: str) -> None:
        """Check the shared prompt settings and the file name."""
        super().validate(where)
        if not self.filename.endswith(".jsonl") or "/" in self.filename:
            raise ConfigError(f"{where}.filename: expected a plain file name ending in .jsonl, got {self.filename!r}")


def messages_record(s: Sample, data_source: str) -> dict:
    """One chat record for a sample."""
    media_parts = [{"type": s.media_kind, s.media_kind: p} for p in s.media]
    row = {
        "id": s.item.id,
        "messages": [
            {"role": "user", "content": media_parts + [{"type": "text", "text": s.prompt}]},
            {"role": "assistant", "content": [{"type": "text", "text": s.target}]},
        ],
        "images": list(s.media) if s.media_kind == "image" else [],
        "videos": list(s.media) if s.media_kind == "video" else [],
        "question_type": s.item.family,
        "data_source": data_source,
    }
    if s.rationale is not None:
        row["rationale"] = s.rationale
    return row


@EXPORTERS.register("messages", config=MessagesConfig)
class MessagesExporter(JsonLinesExporter):
    """Writes ``messages.jsonl``."""

    format_name = "messages"

    def record(self, sample: Sample) -> dict:
        """The line written for one sample."""
        return messages_record(sample, self.cfg.data_source)
