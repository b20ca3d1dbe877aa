"""Answer balancing over a whole dataset: answer caps, then caps conditioned on what questions name.

``simgen-merge`` (``simgen.export.merge``) is the one path that balances; it calls
:func:`select_balanced` on compact per-record arrays, and :func:`balance` runs the same selection
on a list of records in memory. Two stages, per family:

1. answer caps (CLEVR-style): every answer key (the label, the count, or a logarithmic bucket for
   continuous numbers) is capped at ``max_ratio_second`` × the second most common answer's count
   and at ``max_ratio_median`` × the median count (median floored at ``median_floor``); in a
   family whose questions all offer the same k labels, also at 1/k + ``share_margin`` of the
   family's kept records, so "always the most common label" stays at chance;
2. conditional caps: each record falls in *cells* — one for its paraphrase (template), so no
   wording tells the answer, and one per thing its question names (each
   category, the set of categories, the action sequence, the sign of its net turn), with the
   answer expressed relative to that cell (for a category: whether it is the answer, when the
   answer is one of the named categories; else the answer key). Records are admitted in rank order,
   in passes until none more fits, while in every cell of theirs the outcome stays within
   ``cell_slack`` + ``cell_ratio`` × the cell's largest other outcome + ``cell_noise`` × its
   square root. A category that always wins its comparisons therefore keeps only a few such
   questions, and the text stops telling the answer (``simgen.qa.blind_audit`` measures what
   remains); the square root (one standard deviation of a count) spares cells whose imbalance is
   chance — 7 left to 3 right for one category, which no held-out episode shares — and which slack
   alone emptied (left_right, llm_left_or_right lost half their questions).

Before either stage, a measurement asked as multiple choice whose prior cannot offer two options
told apart (``qa.options.OptionPriors.servable``) leaves the candidates. Which records survive is
decided by their ids (hashes), so the choice is deterministic and does not depend on file order.
"""
from __future__ import annotations

import math
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simgen.qa.binding_preference import twin_category
from simgen.qa.blind_audit import named_features
from simgen.qa.options import OptionPriors
from simgen.qa.records import QAItem, read_jsonl
from simgen.registry import setting

CONDITIONED = ("cat:", "set:", "act:", "turn:")  # named features that get a conditional cell
SHARE_MIN_KEEP = 0.2  # the share cap keeps at least this fraction of a family: a label that almost
# never occurs (a family's structural prior) would otherwise empty it. Not more: at half, "back"
# (6 of 116 in object_rel_direction_medium) left "never back" at 0.43-0.50 against 1/3


@dataclass(frozen=True)
class BalanceConfig:
    """Caps for answer balancing and settings of the blind audit."""

    max_ratio_second: float = setting(1.1, ge=1.0)  # most common answer ≤ this × the second most common
    max_ratio_median: float = setting(1.5, ge=1.0)  # any answer ≤ this × max(median count, median_floor)
    median_floor: float = setting(1.0, ge=0.0)
    bucket_ratio: float = setting(1.25, gt=1.0)  # continuous numbers are grouped in log buckets of this ratio
    # in each named cell, an outcome ≤ cell_slack + this × the largest other
    cell_ratio: float = setting(1.1, ge=1.0)
    cell_slack: int = setting(1, ge=0)
    cell_noise: float = setting(1.0, ge=0.0)  # plus this × √(largest other): a chance imbalance is not a prior
    # a family whose questions all offer the same k labels: any answer ≤ 1/k + this share
    share_margin: float = setting(0.03, ge=0.0, lt=1.0)
    folds: int = setting(5, ge=2)  # cross-validation folds (split by episode) of the blind audit
    # the merge audits at most this many records per family (lowest ranks)
    audit_max_per_family: int = setting(2000, ge=10)



def is_continuous(item) -> bool:
    """True for numeric answers that are measurements (not counts)."""
    return item.answer_type == "number" and item.unit != "count"


def value_key(item, value, bucket_ratio: float = 1.25) -> str:
    """Balancing key of an answer value of ``item``'s kind: the text, or a log bucket for measurements."""
    if not is_continuous(item):
        return str(value)
    value = float(value)
    if value <= 0:
        return "<=0"
    return f"b{math.floor(math.log(value) / math.log(bucket_ratio))}"


def answer_key(item, bucket_ratio: float = 1.25) -> str:
    """The value balancing groups by: label/category/ordering text (an instance named by colour, its
    category: "red chair" is a chair winning), count, or log bucket."""
    if is_continuous(item):
        return value_key(item, item.answer, bucket_ratio)
    return twin_category(item.answer_text, item.bindings) or value_key(item, item.answer_text, bucket_ratio)


def rank(item) -> int:
    """A deterministic pseudo-random rank from the record id (a hex hash)."""
    return rank_of_id(item.id)


def rank_of_id(record_id: str) -> int:
    """:func:`rank` of a record id."""
    return int(record_id[:12], 16)


def answer_caps(counts: Counter, cfg: BalanceConfig, labels: int | None = None, keep: float | None = None) -> dict[str, int]:
    """The largest allowed count of each answer under both CLEVR-style caps and, when every question
    of the family offers the same ``labels`` options, the share cap (:func:`share_cap`), never below
    the cap that keeps ``keep`` records (default: ``SHARE_MIN_KEEP`` of these counts; the merge
    passes that fraction of the family's count before any cap, so re-capping does not compound)."""
    values = sorted(counts.values(), reverse=True)
    second = values[1] if len(values) > 1 else 0
    median = float(np.median(values)) if values else 0.0
    cap_second = math.floor(cfg.max_ratio_second * second + 1e-9)
    cap_median = math.floor(cfg.max_ratio_median * max(median, cfg.median_floor) + 1e-9)
    capped = {a: min(c, cap_second, cap_median) for a, c in counts.items()}
    if labels:
        values = list(capped.values())
        keep = min(SHARE_MIN_KEEP * sum(values) if keep is None else keep, sum(values))
        floor = next(m for m in range(max(values, default=0) + 1) if sum(min(c, m) for c in values) >= keep)
        cap_share = max(share_cap(values, 1.0 / labels + cfg.share_margin), floor)
        capped = {a: min(c, cap_share) for a, c in capped.items()}
    return capped


def share_cap(counts: list[int], share: float) -> int:
    """The largest cap m with m ≤ ``share`` × Σ min(count, m): no answer then holds more than
    ``share`` of the kept ones, so "always the most common label" scores at most that. When too few
    distinct answers occur for that (fewer than 1 / share), the largest count: a label that never
    occurs is the family's to fix, not the balance's."""
    if share * len([c for c in counts if c]) < 1.0:
        return max(counts, default=0)
    for m in range(max(counts), 0, -1):  # share × Σ min(c, m) − m is concave, ≥ 0 on [0, m*]
        if m <= share * sum(min(c, m) for c in counts) + 1e-9:
            return m
    return 0


def cells(item, bucket_ratio: float = 1.25) -> list[tuple[str, str]]:
    """The record's conditional cells as (cell, outcome): one for its paraphrase (template) and one
    per thing it names."""
    named = [f for f in named_features(item.bindings) if f.startswith(CONDITIONED)]
    cats = {f[4:] for f in named if f.startswith("cat:")}
    answer = answer_key(item, bucket_ratio)
    out = [(f"{item.family}|tpl:{item.template}", answer)]  # the wording: a paraphrase may not tell
    for f in named:
        if f.startswith("cat:") and item.answer_text in cats:  # the answer is one of the named categories
            out.append((f"{item.family}|{f}", "is" if f[4:] == item.answer_text else "not"))
        else:
            out.append((f"{item.family}|{f}", answer))
    return out


class LabelSets:
    """Per family, the one set of options every question offers (fixed labels, yes/no), if any."""

    def __init__(self):
        self.sets: dict[str, tuple | None] = {}

    def add(self, item) -> None:
        """Note one record's options (category choices differ per record and so close no family)."""
        if item.answer_type == "yes_no":
            labels = ("no", "yes")
        elif item.answer_type == "choice" and item.choices and not isinstance(item.answer, (list, tuple)):
            labels = tuple(sorted(map(str, item.choices)))
        else:
            labels = None
        if self.sets.setdefault(item.family, labels) != labels:
            self.sets[item.family] = None

    def sizes(self) -> dict[str, int]:
        """family -> number of options, for the families with one fixed option set."""
        return {f: len(s) for f, s in sorted(self.sets.items()) if s}


class CellTable:
    """Interned cells of many records in flat arrays (what the streaming merge keeps per record)."""

    def __init__(self):
        self.ids: dict[str, int] = {}
        self.start = array("q", [0])  # compact: a million records hold a few million cells
        self.cell, self.outcome = array("i"), array("i")

    def _id(self, text: str) -> int:
        return self.ids.setdefault(text, len(self.ids))

    def add(self, record_cells) -> None:
        """Append one record's cells (from :func:`cells`)."""
        for cell, outcome in record_cells:
            self.cell.append(self._id(cell))
            self.outcome.append(self._id(outcome))
        self.start.append(len(self.cell))


def select_balanced(group: np.ndarray, rank_of: np.ndarray, names: list[tuple[str, str]], table: CellTable,
                    cfg: BalanceConfig, labels: dict[str, int] | None = None,
                    servable: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
    """Which records to keep, and the per-family report.

    ``group[i]`` indexes ``names`` ((family, answer key) pairs), ``rank_of[i]`` is the record's rank
    and ``table`` holds its cells (record ``i``'s are ``table.start[i]:table.start[i + 1]``);
    ``labels`` (``LabelSets.sizes``) names the families with one fixed option set; records not
    ``servable`` (``qa.options.OptionPriors.servable``: numbers whose options cannot be told apart)
    are never kept. The answer caps run again after the conditional caps, which thin answers unevenly."""
    counts = np.bincount(group, minlength=len(names))
    labels = labels or {}
    floors = {family: SHARE_MIN_KEEP * sum(int(counts[i]) for i, (f, _) in enumerate(names) if f == family)
              for family in labels}
    servable = np.ones(len(group), dtype=bool) if servable is None else servable
    capped = _answer_capped(servable, group, rank_of, names, cfg, labels, floors)
    by_caps = np.bincount(group[capped], minlength=len(names))
    keep = _answer_capped(_conditional(capped, rank_of, table, cfg), group, rank_of, names, cfg, labels, floors)
    after = np.bincount(group[keep], minlength=len(names))
    unservable = np.bincount(group[~servable], minlength=len(names))
    report = {}
    for family in sorted({f for f, _ in names}):
        ids = sorted((i for i, (f, _) in enumerate(names) if f == family), key=lambda i: names[i][1])
        report[family] = {
            "before": int(counts[ids].sum()), "after": int(after[ids].sum()),
            "dropped_answer_caps": int(counts[ids].sum() - by_caps[ids].sum() - unservable[ids].sum()),
            "dropped_no_options": int(unservable[ids].sum()),
            "answers_before": {names[i][1]: int(counts[i]) for i in ids},
            "answers_after": {names[i][1]: int(after[i]) for i in ids},
        }
        report[family]["dropped"] = report[family]["before"] - report[family]["after"]
    return keep, report


def _answer_capped(candidates: np.ndarray, group: np.ndarray, rank_of: np.ndarray, names: list[tuple[str, str]],
                   cfg: BalanceConfig, labels: dict[str, int], floors: dict[str, float]) -> np.ndarray:
    """The candidates that survive each family's answer caps (lowest ranks first, ties: stream order)."""
    counts = np.bincount(group[candidates], minlength=len(names))
    caps = np.zeros(len(names), dtype=np.int64)
    for family in sorted({f for f, _ in names}):
        ids = [i for i, (f, _) in enumerate(names) if f == family]
        fam_caps = answer_caps(Counter({names[i][1]: int(counts[i]) for i in ids if counts[i]}), cfg,
                               labels.get(family), floors.get(family))
        for i in ids:
            caps[i] = fam_caps.get(names[i][1], 0)
    index = np.flatnonzero(candidates)
    g = group[index]
    order = index[np.lexsort((index, rank_of[index], g))]  # by group, then rank, then stream position
    first = np.searchsorted(group[order], np.arange(len(names)))
    position = np.arange(len(order)) - first[group[order]]
    keep = np.zeros(len(group), dtype=bool)
    keep[order] = position < caps[group[order]]
    return keep


def _conditional(candidates: np.ndarray, rank_of: np.ndarray, table: CellTable, cfg: BalanceConfig) -> np.ndarray:
    """Admit candidates in rank order, in passes, while every cell of theirs stays within its cap."""
    kept_in: dict[tuple[int, int], int] = defaultdict(int)
    # per cell its two largest outcomes [(count, outcome), (count, outcome)]: the largest *other*
    # outcome of a cell is one of them
    top: dict[int, list] = defaultdict(lambda: [(0, -1), (0, -2)])
    keep = np.zeros(len(candidates), dtype=bool)
    start, cell, outcome = table.start, table.cell, table.outcome
    pending = [int(i) for i in np.flatnonzero(candidates)[np.argsort(rank_of[candidates], kind="stable")]]
    while pending:
        left = []
        for i in pending:
            mine = range(start[i], start[i + 1])
            if all(kept_in[(cell[j], outcome[j])] + 1 <= _cell_cap(_largest_other(top[cell[j]], outcome[j]), cfg)
                   for j in mine):
                keep[i] = True
                for j in mine:
                    key = (cell[j], outcome[j])
                    kept_in[key] += 1
                    _raise(top[cell[j]], outcome[j], kept_in[key])
            else:
                left.append(i)
        if len(left) == len(pending):
            break
        pending = left
    return keep


def _cell_cap(other: int, cfg: BalanceConfig) -> float:
    return cfg.cell_slack + cfg.cell_ratio * other + cfg.cell_noise * math.sqrt(other)


def _largest_other(top2: list, outcome: int) -> int:
    return top2[1][0] if top2[0][1] == outcome else top2[0][0]


def _raise(top2: list, outcome: int, count: int) -> None:
    """Keep ``top2`` the cell's two largest (count, outcome) after ``outcome`` rose to ``count``."""
    if top2[0][1] == outcome:
        top2[0] = (count, outcome)
    elif top2[1][1] == outcome or count > top2[1][0]:
        top2[1] = (count, outcome)
        if top2[1][0] > top2[0][0]:
            top2[0], top2[1] = top2[1], top2[0]


def balance(items: list[QAItem], cfg: BalanceConfig = BalanceConfig()) -> tuple[list[QAItem], dict]:
    """:func:`select_balanced` over records in memory; returns the kept records (input order) and the report."""
    groups: dict[tuple[str, str], int] = {}
    table, label_sets, priors = CellTable(), LabelSets(), OptionPriors()
    group = []
    for item in items:
        group.append(groups.setdefault((item.family, answer_key(item, cfg.bucket_ratio)), len(groups)))
        table.add(cells(item, cfg.bucket_ratio))
        label_sets.add(item)
        priors.add(item)
    names = sorted(groups, key=groups.get)
    keep, report = select_balanced(np.array(group, dtype=np.int64), np.array([rank(it) for it in items], dtype=np.uint64),
                                   names, table, cfg, label_sets.sizes(), priors.servable(np.ones(len(items), dtype=bool)))
    return [it for it, k in zip(items, keep) if k], report


def load_records(paths: list[Path]) -> list[QAItem]:
    """Records from ``qa.jsonl`` files or folders holding one; duplicate ids are kept once."""
    seen: dict[str, QAItem] = {}
    for p in paths:
        p = Path(p)
        f = p / "qa.jsonl" if p.is_dir() else p
        if not f.is_file():
            raise FileNotFoundError(f"balance: no QA file at {f} (expected a qa.jsonl or a folder holding one)")
        for item in read_jsonl(f):
            seen.setdefault(item.id, item)
    return list(seen.values())
