"""Read-only access to a dataset directory (a merge's output) or a single shard's run dir.

Both hold ``qa.jsonl`` and ``episodes/<id>/{video.mp4, episode.json}``; a merged dataset also holds
``episodes.jsonl`` (one small line per episode: complexity knobs, fps, frame count, size) so that
exporters and reports never re-read the large ``episode.json`` files. Records are streamed line
by line, never loaded all at once. Frames that image questions show are cut from the episode's
video once and cached as JPEG files under ``frames/<episode_id>/<index>.jpg``.
"""
from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from tqdm import tqdm

from simgen.io import InputError, atomic_open, iter_jsonl, link_or_copy, read_json
from simgen.qa.records import QAItem, iter_records
from simgen.validation import check_fields

QA_FILE = "qa.jsonl"
STATS_FILE = "stats.json"
MERGE_FILE = "merge.json"
EPISODES_INDEX = "episodes.jsonl"
EPISODES_DIR = "episodes"
FRAMES_DIR = "frames"
IMAGE_MODALITIES = ("image", "multi_image")


@dataclass(frozen=True)
class EpisodeInfo:
    """What exports, reports and breakdowns need to know about one episode."""

    episode_id: str
    complexity: dict
    fps: float
    num_frames: int
    width: int
    height: int
    files: dict = field(default_factory=dict)  # role -> file name inside the episode folder
    shard: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (one line of ``episodes.jsonl``)."""
        return {"episode_id": self.episode_id, "complexity": self.complexity, "fps": self.fps,
                "num_frames": self.num_frames, "width": self.width, "height": self.height,
                "files": self.files, "shard": self.shard}

    @classmethod
    def from_episode_json(cls, data: dict, shard: str = "") -> "EpisodeInfo":
        """Summarise an ``Episode.to_dict()``."""
        intr = data.get("intrinsics", {})
        return cls(data["episode_id"], dict(data.get("scene", {}).get("complexity", {})), float(data["fps"]),
                   len(data.get("frames", ())), int(intr.get("width", 0)), int(intr.get("height", 0)),
                   dict(data.get("files", {})), shard)


def _episode_index(path: Path) -> Iterator[EpisodeInfo]:
    """The lines of ``episodes.jsonl`` as EpisodeInfos; InputError naming the file and line otherwise."""
    for lineno, data in iter_jsonl(path, keys=("episode_id",)):
        try:
            check_fields(EpisodeInfo, data)
        except ValueError as e:
            raise InputError(f"{path}:{lineno}: {e}") from None
        yield EpisodeInfo(**data)


def read_episode_json(path: Path) -> dict:
    """An episode.json as a dict whose summary fields (those of :class:`EpisodeInfo`) are checked;
    InputError naming the file and the key when it is not an episode."""
    data = read_json(path)
    if not isinstance(data, dict) or "episode_id" not in data or "fps" not in data:
        raise InputError(f"{path}: not an episode.json (needs episode_id and fps)")
    intr, scene = data.get("intrinsics", {}), data.get("scene", {})
    try:
        for key, value in (("intrinsics", intr), ("scene", scene), ("frames", data.get("frames", []))):
            if not isinstance(value, list if key == "frames" else dict):
                raise ValueError(f"{key}: expected {'a list' if key == 'frames' else 'an object'}, got {value!r:.40}")
        check_fields(EpisodeInfo, {"episode_id": data["episode_id"], "complexity": scene.get("complexity", {}),
                                   "fps": data["fps"], "num_frames": 0, "width": intr.get("width", 0),
                                   "height": intr.get("height", 0), "files": data.get("files", {})})
        if not data["fps"] > 0:
            raise ValueError(f"fps: expected a number > 0, got {data['fps']}")
    except ValueError as e:
        raise InputError(f"{path}: not an episode.json: {e}") from None
    return data


class Dataset:
    """A dataset dir or shard run dir: streamed records, episode summaries and media paths."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.qa_path = self.root / QA_FILE
        if not self.qa_path.is_file():
            raise FileNotFoundError(f"{self.root}: no {QA_FILE}; expected a dataset dir (merge output) or a shard run dir")
        self._episodes: dict[str, EpisodeInfo] | None = None

    def items(self) -> Iterator[QAItem]:
        """Stream the records in file order."""
        return iter_records(self.qa_path)

    def read_json(self, name: str) -> dict:
        """A JSON file of the dataset (``stats.json``, ``merge.json``), or ``{}`` when absent."""
        path = self.root / name
        return read_json(path) if path.is_file() else {}

    @property
    def episodes(self) -> dict[str, EpisodeInfo]:
        """Episode summaries by id, from ``episodes.jsonl`` or else each ``episode.json``."""
        if self._episodes is None:
            index = self.root / EPISODES_INDEX
            if index.is_file():
                self._episodes = {info.episode_id: info for info in _episode_index(index)}
            else:
                self._episodes = {}
                for path in sorted((self.root / EPISODES_DIR).glob("*/episode.json")):
                    info = EpisodeInfo.from_episode_json(read_episode_json(path))
                    self._episodes[info.episode_id] = info
        return self._episodes

    def episode(self, episode_id: str) -> EpisodeInfo:
        """The summary of one episode; InputError naming the dataset when it is missing."""
        try:
            return self.episodes[episode_id]
        except KeyError:
            raise InputError(f"{self.root}: no episode {episode_id!r} under {EPISODES_DIR}/ (a record of "
                             f"{QA_FILE} names it)") from None

    def video_name(self, episode_id: str) -> str:
        """An episode's video, relative to the dataset dir (POSIX)."""
        return f"{EPISODES_DIR}/{episode_id}/{self.episode(episode_id).files.get('video', 'video.mp4')}"

    def frame_name(self, episode_id: str, frame: int) -> str:
        """One cached frame image (see :meth:`ensure_frames`), relative to the dataset dir (POSIX)."""
        return f"{FRAMES_DIR}/{episode_id}/{int(frame):06d}.jpg"

    def video_path(self, episode_id: str) -> Path:
        """Absolute path of an episode's video."""
        return self.root / self.video_name(episode_id)

    def frame_path(self, episode_id: str, frame: int) -> Path:
        """Absolute path of one cached frame image."""
        return self.root / self.frame_name(episode_id, frame)

    def item_media(self, item: QAItem) -> tuple[str, list[str]]:
        """("video", [video]) for video items, ("image", [frame images]) for image items; relative names."""
        if item.modality in IMAGE_MODALITIES:
            return "image", [self.frame_name(item.episode_id, f) for f in item.frames]
        return "video", [self.video_name(item.episode_id)]

    def ensure_frames(self, dest: Path | None = None) -> int:
        """Make every frame an image item shows exist under ``dest`` (default: the dataset dir): linked
        from the dataset's cached frames when there, else cut out of the video once. Returns how many
        were written; nothing is written into the dataset dir when ``dest`` is elsewhere."""
        dest = self.root if dest is None else Path(dest)
        shown: dict[str, set[int]] = defaultdict(set)
        for data in self._image_lines():
            shown[data["episode_id"]].update(data.get("frames") or ())
        needed = {e: todo for e, frames in shown.items()
                  if (todo := {f for f in frames if not (dest / self.frame_name(e, f)).is_file()})}
        written = 0
        # a bar on a terminal only (disable=None), and only when frames are missing
        for episode_id in tqdm(sorted(needed), desc="frames", unit="episode", disable=None if needed else True):
            cached = {f for f in needed[episode_id] if self.frame_path(episode_id, f).is_file()}
            for f in sorted(cached):
                link_or_copy(self.frame_path(episode_id, f), dest / self.frame_name(episode_id, f))
            todo = sorted(needed[episode_id] - cached)
            if todo:
                extract_frames(self.video_path(episode_id), todo, lambda f, e=episode_id: dest / self.frame_name(e, f))
            written += len(needed[episode_id])
        return written

    def _image_lines(self) -> Iterator[dict]:
        """The decoded ``qa.jsonl`` lines of image records. Only lines holding ``image"`` (the modality
        value, whatever the spacing) are decoded; a line that is not JSON is left to :meth:`items`,
        which names it."""
        with open(self.qa_path, encoding="utf-8", errors="replace") as f:  # a bad byte is left to items() too
            for line in f:
                if 'image"' in line:
                    try:
                        data = json.loads(line)
                    except (json.JSONDecodeError, RecursionError):
                        continue
                    if (isinstance(data, dict) and data.get("modality") in IMAGE_MODALITIES
                            and isinstance(data.get("episode_id"), str)
                            and all(isinstance(f, int) for f in data.get("frames") or ())):
                        yield data

    def place(self, name: str, dest: Path) -> None:
        """Hard-link (or copy, across file systems) the dataset file ``name`` to ``dest/name`` if missing."""
        target = Path(dest) / name
        if not target.exists():
            link_or_copy(self.root / name, target)


def relative_to(path: Path, start: Path) -> str:
    """``path`` relative to the folder ``start`` in POSIX form (how exports refer to media)."""
    return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()


def decode_frames(video: Path, indices: list[int]) -> dict[int, Any]:
    """RGB arrays (H, W, 3 uint8) of the requested frame indices, decoding the video once."""
    import imageio_ffmpeg
    import numpy as np

    if not Path(video).is_file():
        raise FileNotFoundError(f"no video at {video}")
    wanted = set(indices)
    reader = imageio_ffmpeg.read_frames(str(video), pix_fmt="rgb24")
    meta = next(reader)
    width, height = meta["size"]
    out = {}
    try:
        for index, raw in enumerate(reader):
            if index in wanted:
                out[index] = np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)
            if len(out) == len(wanted):
                break
    finally:
        reader.close()
    missing = sorted(wanted - set(out))
    if missing:
        raise ValueError(f"{video}: frame(s) {missing} not in the video")
    return out


def encode_jpeg(rgb) -> bytes:
    """JPEG bytes of an RGB array (quality 95; OpenCV wants BGR)."""
    import cv2

    ok, buf = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 95])
    if not ok:
        raise ValueError("OpenCV could not encode a JPEG")
    return buf.tobytes()


def extract_frames(video: Path, indices: list[int], path_of) -> int:
    """Write the requested frames of ``video`` as JPEG files at ``path_of(index)``, atomically."""
    frames = decode_frames(video, indices)
    for index in indices:
        with atomic_open(Path(path_of(index)), "wb") as f:
            f.write(encode_jpeg(frames[index]))
    return len(indices)
