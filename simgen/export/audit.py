"""The blind (text-only) audit of ``simgen.qa.balance``, computed in two streaming passes.

``balance.blind_audit`` needs every record in memory and, for each test record, re-reads every
training record with the same question text — quadratic in the size of such groups (a room-size
family asks one text thousands of times). ``StreamingAudit`` gives the same numbers from compact
per-family arrays: ``add`` each record once, then ``check`` the same records in the same order,
then ``report()``. Predictions for a (question text, fold) pair are cached for large groups, so
the cost stays linear. It reuses balance's definitions (answer keys, folds, options, label
prediction, MRA); ``tests/test_merge.py`` checks that its report equals ``blind_audit``'s.
"""
from __future__ import annotations

import hashlib
from array import array
from collections import Counter
from typing import NamedTuple

import numpy as np

from simgen.qa.balance import BalanceConfig, _fold, _options, _predict_label, answer_key, mra, normalise_question

_CACHE_MIN_GROUP = 32  # groups smaller than this are cheap to recompute; larger ones are cached


class AuditRecord(NamedTuple):
    """The fields of a QAItem the audit reads (duck-types QAItem for balance's helpers)."""

    id: str
    family: str
    question: str
    answer: object
    answer_text: str
    answer_type: str
    unit: str | None
    choices: tuple

    @classmethod
    def of(cls, item) -> "AuditRecord":
        """The audit's view of a QAItem (or of another AuditRecord)."""
        return cls(item.id, item.family, item.question, item.answer, item.answer_text, item.answer_type, item.unit,
                   tuple(item.choices))


def _text_hash(question: str) -> int:
    """64-bit hash of the normalised question text (collisions at 2^-64 are ignored)."""
    return int.from_bytes(hashlib.blake2b(normalise_question(question).encode(), digest_size=8).digest(), "little")


def _best_bucket(keys: np.ndarray, values: np.ndarray, names: list[str]) -> float:
    """balance._predict_number over arrays: median value of the most frequent bucket (ties: smallest key)."""
    ids, counts = np.unique(keys, return_counts=True)
    best = min(range(len(ids)), key=lambda i: (-counts[i], names[ids[i]]))
    return float(np.median(values[keys == ids[best]]))


class _Family:
    """Per-family accumulators: text hash, fold, answer (bucket or label) id and value per record."""

    def __init__(self, numeric: bool, folds: int):
        self.numeric = numeric
        self.folds = folds
        self.hashes, self.fold, self.key = array("Q"), array("b"), array("q")
        self.values = array("d")
        self.names: list[str] = []  # answer key (numeric) or answer text (labels), by id
        self.name_id: dict[str, int] = {}
        self.scores: list[list[float]] = [[] for _ in range(folds)]
        self.chance: list[list[float]] = [[] for _ in range(folds)]
        self._ready = False
        self._cache: dict[tuple[int, int], object] = {}

    def add(self, rec: AuditRecord, cfg: BalanceConfig) -> None:
        name = answer_key(rec, cfg.bucket_ratio) if self.numeric else rec.answer_text
        if name not in self.name_id:
            self.name_id[name] = len(self.names)
            self.names.append(name)
        self.hashes.append(_text_hash(rec.question))
        self.fold.append(_fold(rec, self.folds))
        self.key.append(self.name_id[name])
        self.values.append(float(rec.answer) if self.numeric else 0.0)

    def prepare(self) -> None:
        """Sort by text once; compute each fold's training prior (labels) or constant guess (numbers)."""
        self.h = np.frombuffer(self.hashes, dtype=np.uint64)
        self.f = np.frombuffer(self.fold, dtype=np.int8)
        self.k = np.frombuffer(self.key, dtype=np.int64)
        self.v = np.frombuffer(self.values, dtype=np.float64)
        self.order = np.argsort(self.h, kind="stable")
        self.sorted_h, self.starts = np.unique(self.h[self.order], return_index=True)
        self.ends = np.append(self.starts[1:], len(self.order))
        self.fold_sizes = np.bincount(self.f, minlength=self.folds)
        self.prior: list[Counter] = []
        self.constant: list[float | None] = []
        for k in range(self.folds):
            train = self.f != k
            if self.numeric:
                self.constant.append(_best_bucket(self.k[train], self.v[train], self.names) if train.any() else None)
            else:
                counts = np.bincount(self.k[train], minlength=len(self.names))
                self.prior.append(Counter({self.names[i]: int(c) for i, c in enumerate(counts) if c > 0}))
        self._ready = True

    def _same_text(self, rec: AuditRecord, k: int):
        """Prediction input from training records with this record's text: None when there are none."""
        g = int(np.searchsorted(self.sorted_h, _text_hash(rec.question)))
        if (g, k) in self._cache:
            return self._cache[(g, k)]
        rows = self.order[self.starts[g]:self.ends[g]]
        rows = rows[self.f[rows] != k]
        if len(rows) == 0:
            result = None
        elif self.numeric:
            result = _best_bucket(self.k[rows], self.v[rows], self.names)
        else:
            counts = Counter(self.k[rows].tolist())
            result = Counter({self.names[i]: c for i, c in counts.items()})
        if self.ends[g] - self.starts[g] >= _CACHE_MIN_GROUP:
            self._cache[(g, k)] = result
        return result

    def check(self, rec: AuditRecord) -> None:
        if not self._ready:
            self.prepare()
        k = _fold(rec, self.folds)
        if self.fold_sizes[k] == 0 or self.fold_sizes[k] == len(self.f):
            return  # blind_audit skips a fold with no test or no training records
        same = self._same_text(rec, k)
        if self.numeric:
            truth = float(rec.answer)
            self.scores[k].append(mra(same if same is not None else self.constant[k], truth))
            self.chance[k].append(mra(self.constant[k], truth))
        else:
            prior = self.prior[k]
            self.scores[k].append(float(_predict_label(rec, same or Counter(), prior) == rec.answer_text))
            options = _options(rec)
            self.chance[k].append(1.0 / len(options) if options else 1.0 / max(len(prior), 1))

    def report(self) -> dict:
        scores = [s for fold in self.scores for s in fold]  # fold-major, as blind_audit sums them
        chance = [c for fold in self.chance for c in fold]
        return {
            "n": len(self.hashes),
            "metric": "mra" if self.numeric else "accuracy",
            "blind": round(float(np.mean(scores)), 4) if scores else None,
            "chance": round(float(np.mean(chance)), 4) if chance else None,
            "chance_kind": "constant-answer MRA" if self.numeric else "1/num_choices",
        }


class StreamingAudit:
    """``add`` every record, then ``check`` the same records in the same order, then ``report``."""

    def __init__(self, cfg: BalanceConfig = BalanceConfig()):
        self.cfg = cfg
        self.families: dict[str, _Family] = {}

    def add(self, item) -> None:
        """First pass: count the record (a QAItem or AuditRecord)."""
        fam = self.families.get(item.family)
        if fam is None:  # like blind_audit, the family's first record decides numeric vs labels
            fam = self.families[item.family] = _Family(item.answer_type == "number", self.cfg.folds)
        fam.add(item, self.cfg)

    def check(self, item) -> None:
        """Second pass: score the text-only prediction and chance for the record."""
        self.families[item.family].check(item)

    def report(self) -> dict:
        """Per-family ``{n, metric, blind, chance, chance_kind}``, like ``balance.blind_audit``."""
        return {family: self.families[family].report() for family in sorted(self.families)}
