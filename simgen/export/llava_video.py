"""LLaVA-Video / LLaVA-OneVision training JSON: a list of ``{id, video | image, conversations}``.

The human turn starts with ``<image>\n`` once for a video, or once per image (``image`` is always a
list), then the prompt; the ``gpt`` turn is the target. LLaVA-NeXT (which trains LLaVA-Video and
OneVision) has no ``<video>`` token: ``tokenizer_image_token`` splits the text on ``<image>`` only and
the video's features go where that placeholder is, so a ``<video>`` record would train text-only
without an error. LLaVA-Video-178K writes ``<image>\n`` for its videos too. Media paths are
relative to the export dir, which is what LLaVA's ``--video_folder`` / ``--image_folder`` expect.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from simgen.export import EXPORTERS
from simgen.export.base import Exporter, Sample
from simgen.export.prompt import PromptConfig
from simgen.io import atomic_open, json_line
from simgen.registry import ConfigError

IMAGE_TOKEN = "<image>"  # LLaVA's only media placeholder, for a video as for an image


@dataclass(frozen=True)
class LlavaVideoConfig(PromptConfig):
    """LLaVA-Video JSON settings (``conf/export/llava_video.yaml``)."""

    filename: str = "llava_video.json"

    def validate(self, where: str) -> None:
        """Check the shared prompt settings and the file name."""
        super().validate(where)
        if not self.filename.endswith(".json") or "/" in self.filename:
            raise ConfigError(f"{where}.filename: expected a plain file name ending in .json, got {self.filename!r}")


def llava_record(s: Sample, data_source: str) -> dict:
    """One LLaVA-Video entry for a sample."""
    tokens = (IMAGE_TOKEN + "\n") * len(s.media)  # a video is one entry in s.media
    row = {
        "id": s.item.id,
        "conversations": [{"from": "human", "value": tokens + s.prompt}, {"from": "gpt", "value": s.target}],
        "data_source": data_source,
        "question_type": s.item.family,
    }
    if s.media_kind == "video":
        row["video"] = s.media[0]
    else:
        row["image"] = list(s.media)
    if s.rationale is not None:
        row["rationale"] = s.rationale
    return row


@EXPORTERS.register("llava_video", config=LlavaVideoConfig)
class LlavaVideoExporter(Exporter):
    """Writes ``llava_video.json`` (a JSON list, one entry per line, streamed)."""

    format_name = "llava_video"

    def write(self, rows: Iterator[Sample], out_dir: Path) -> tuple[list[Path], int]:
        """Stream the list: ``[``, one entry per line separated by commas, ``]``."""
        path = out_dir / self.cfg.filename
        count = 0
        with atomic_open(path) as f:
            f.write("[")
            for s in rows:
                f.write(("\n" if count == 0 else ",\n") + json_line(llava_record(s, self.cfg.data_source)))
                count += 1
            f.write("\n]\n")
        return [path], count
