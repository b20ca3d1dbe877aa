"""Shared fixtures of the export/merge/eval/report tests: the hand-made shards of
tests/fixtures/export_shards copied to a temp dir, with a tiny 2-frame H.264 video per episode
(generated here rather than committed), and their merge."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARDS = FIXTURES / "export_shards"
GOLDEN = FIXTURES / "export_golden"


def write_tiny_video(path: Path, seed: int, frames: int = 2, size: tuple[int, int] = (32, 24)) -> None:
    """A short H.264 mp4 of flat colour frames (each frame a different colour)."""
    from simgen.episodes.writer import VideoWriter

    w, h = size
    writer = VideoWriter(path, w, h, fps=4.0, crf=30)
    try:
        for i in range(frames):
            writer.write(np.full((h, w, 3), ((40 * seed + 90 * i) % 256, 60 * i, 200 - 50 * i), dtype=np.uint8))
    finally:
        writer.close()


def copy_shards(dest: Path) -> list[Path]:
    """The fixture shards copied under ``dest`` (a multirun root), each episode with its video."""
    shutil.copytree(SHARDS, dest, dirs_exist_ok=True)
    shards = sorted(p for p in dest.iterdir() if (p / "qa.jsonl").is_file())
    for n, video in enumerate(sorted(dest.glob("*/episodes/*"))):
        write_tiny_video(video / "video.mp4", n)
    return shards


def merged(tmp: Path, **kwargs) -> Path:
    """Merge the fixture shards into ``tmp/dataset`` and return it."""
    from simgen.export.merge import merge

    root = tmp / "multirun"
    copy_shards(root)
    merge([root], tmp / "dataset", **kwargs)
    return tmp / "dataset"
