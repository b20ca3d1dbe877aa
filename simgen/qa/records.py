"""QA records: the ``QAItem`` that one verified question becomes, and ``qa.jsonl`` reading/writing.

A record is self-describing: the question text, the answer (and its multiple-choice letter when it
has choices), the program and slot bindings that produced it, the episode frames it uses, and the
verifier's certificate. Files are written atomically with sorted keys, sorted records and fixed
float rounding, so the same config and seed give a byte-identical ``qa.jsonl``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from simgen.io import iter_jsonl, json_line, write_json, write_text
from simgen.json_records import Record, json_ready
from simgen.validation import build_checked

QA_SCHEMA_VERSION = 1
ANSWER_TYPES = ("number", "choice", "yes_no", "object", "ordering")


def stable_hash(data: Any, length: int = 16) -> str:
    """Hex digest of the canonical JSON of ``data`` (sorted keys; stable across processes)."""
    text = json_line(json_ready(data), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def qa_id(episode_id: str, family: str, family_version: int, bindings: dict[str, Any]) -> str:
    """The stable id of one question: a hash of its episode, family (and version) and bindings."""
    return stable_hash({"episode": episode_id, "family": family, "version": family_version, "bindings": bindings})


@dataclass(frozen=True)
class QAItem(Record):
    """One verified question–answer pair.

    ``answer`` is the canonical value (a number in ``unit``, a label, ``"yes"``/``"no"``, a
    category, or a list of categories for an ordering); ``answer_text`` is how it reads in the
    choices; ``choices`` are the option texts in presentation order and ``answer_letter`` is the
    option letter ("A", "B", ...) of the right one (``None`` for open-ended items).
    """

    id: str
    family: str
    family_version: int
    question: str
    answer: Any
    answer_text: str
    answer_letter: str | None
    choices: tuple[str, ...]
    answer_type: str
    unit: str | None
    modality: str  # image | multi_image | video
    episode_id: str
    # Episode frame indices: the one frame an image item shows; for video items the evidence —
    # frames the program read and every frame showing a referent (the item uses the whole video).
    frames: tuple[int, ...]
    program: str
    bindings: dict[str, Any]
    certificate: dict[str, Any]
    seed: int
    config_hash: str
    template: int = 0  # index of the paraphrase used
    schema_version: int = QA_SCHEMA_VERSION

    def __post_init__(self):
        if self.answer_type not in ANSWER_TYPES:
            raise ValueError(f"QAItem.answer_type: expected one of {ANSWER_TYPES}, got {self.answer_type!r}")
        if self.answer_letter is not None and self.answer_text not in self.choices:
            raise ValueError(f"QAItem {self.id}: answer_text {self.answer_text!r} is not among choices {self.choices}")

    def __hash__(self) -> int:
        return hash(self.id)


def record_field(data, key):
    """Field ``key`` of a record: a QAItem's attribute, or a record dict's entry (None where it lacks one)."""
    return data.get(key) if isinstance(data, dict) else getattr(data, key)


def sort_key(item: QAItem) -> tuple:
    """Deterministic file order: episode, family, then id."""
    return (item.episode_id, item.family, item.id)


def write_jsonl(path: Path, items: Iterable[QAItem]) -> int:
    """Write records sorted by :func:`sort_key` atomically (temp file + rename); returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted(items, key=sort_key)
    text = "".join(json_line(item.to_dict()) + "\n" for item in rows)  # io's canonical line
    write_text(path, text)
    return len(rows)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` (records and numpy values made plain) as indented, key-sorted JSON atomically."""
    write_json(Path(path), json_ready(data))


def parse_record(data: dict, where: str) -> QAItem:
    """A QAItem from one decoded ``qa.jsonl`` line; ValueError naming ``where`` otherwise."""
    try:
        version = data.get("schema_version")
        if version != QA_SCHEMA_VERSION:
            raise ValueError(f"schema_version {version!r}, expected {QA_SCHEMA_VERSION}")
        return build_checked(QAItem, data)  # a wrong type fails here, naming its key, not deep in an exporter
    except (ValueError, TypeError, AttributeError) as e:
        raise ValueError(f"{where}: not a QAItem record: {e}") from None


def iter_records(path: Path) -> Iterator[QAItem]:
    """Stream the QAItems of a ``qa.jsonl``; a bad line raises ValueError naming the file and line number."""
    for lineno, data in iter_jsonl(path):
        yield parse_record(data, f"{path}:{lineno}")


def read_jsonl(path: Path) -> list[QAItem]:
    """Every QAItem of a ``qa.jsonl`` (see :func:`iter_records`)."""
    return list(iter_records(path))
