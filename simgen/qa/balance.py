"""Answer balancing (CLEVR-style caps, applied globally) and the text-only "blind" audit.

Both run over any list of records — one shard's ``qa.jsonl`` or many merged — so the caps hold
for the whole dataset, not per shard. Balancing groups each family's records by an answer key
(the label, the count, or a logarithmic bucket for continuous numbers) and caps every answer at
``max_ratio_second`` × the second most common answer's count and at ``max_ratio_median`` × the
median count (median floored at ``median_floor``). Which records survive a cap is decided by
their ids (hashes), so the choice is deterministic and unrelated to file order.

The blind audit predicts each answer from the question text alone — the most frequent answer
(bucket) of the same normalised question in the other folds — and reports its accuracy (MRA for
numbers) per family beside chance. A family whose blind accuracy is far above chance leaks its
answer through its wording or its answer distribution.

``python -m simgen.qa.balance <qa.jsonl | shard dir> ... --out <dir>`` merges shards, balances and
writes ``qa.jsonl`` and ``stats.json`` there.
"""
from __future__ import annotations

import argparse
import json
import math
import re
from collections import Counter, defaultdict
import dataclasses
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from simgen.eval.scorer import mra  # the project's one MRA (thresholds built exactly)
from simgen.qa.records import QAItem, read_jsonl, write_json_atomic, write_jsonl
from simgen.registry import ConfigError

# VSI-Bench MRA thresholds 0.50, 0.55, ..., 0.95 built from integers (no float-linspace rounding luck).


@dataclass(frozen=True)
class BalanceConfig:
    """Caps for answer balancing and settings of the blind audit."""

    max_ratio_second: float = 1.1  # most common answer ≤ this × the second most common
    max_ratio_median: float = 5.0  # any answer ≤ this × max(median count, median_floor)
    median_floor: float = 5.0
    bucket_ratio: float = 1.25  # continuous numbers are grouped in log buckets of this ratio
    folds: int = 5  # cross-validation folds of the blind audit

    def validate(self, where: str) -> None:
        """Raise ConfigError naming the key when a value is out of range."""
        for key in ("max_ratio_second", "max_ratio_median"):
            if getattr(self, key) < 1.0:
                raise ConfigError(f"{where}.{key}: expected a ratio ≥ 1, got {getattr(self, key)}")
        if self.median_floor < 0:
            raise ConfigError(f"{where}.median_floor: expected ≥ 0, got {self.median_floor}")
        if self.bucket_ratio <= 1.0:
            raise ConfigError(f"{where}.bucket_ratio: expected > 1, got {self.bucket_ratio}")
        if self.folds < 2:
            raise ConfigError(f"{where}.folds: expected ≥ 2, got {self.folds}")


def is_continuous(item: QAItem) -> bool:
    """True for numeric answers that are measurements (not counts)."""
    return item.answer_type == "number" and item.unit != "count"


def answer_key(item: QAItem, bucket_ratio: float = 1.25) -> str:
    """The value balancing and the audit group by: label/category/ordering text, count, or log bucket."""
    if not is_continuous(item):
        return str(item.answer_text)
    value = float(item.answer)
    if value <= 0:
        return "<=0"
    return f"b{math.floor(math.log(value) / math.log(bucket_ratio))}"


def _rank(item: QAItem) -> int:
    """A deterministic pseudo-random rank from the record id (a hex hash)."""
    return int(item.id[:12], 16)


def answer_caps(counts: Counter, cfg: BalanceConfig) -> dict[str, int]:
    """The largest allowed count of each answer under both CLEVR-style caps."""
    values = sorted(counts.values(), reverse=True)
    second = values[1] if len(values) > 1 else 0
    median = float(np.median(values)) if values else 0.0
    cap_second = math.floor(cfg.max_ratio_second * second + 1e-9)
    cap_median = math.floor(cfg.max_ratio_median * max(median, cfg.median_floor) + 1e-9)
    return {a: min(c, cap_second, cap_median) for a, c in counts.items()}


def balance(items: list[QAItem], cfg: BalanceConfig = BalanceConfig()) -> tuple[list[QAItem], dict]:
    """Cap each family's answers; returns the kept records and per-family counts before/after."""
    by_family: dict[str, list[QAItem]] = defaultdict(list)
    for item in items:
        by_family[item.family].append(item)
    kept: list[QAItem] = []
    report = {}
    for family in sorted(by_family):
        groups: dict[str, list[QAItem]] = defaultdict(list)
        for item in by_family[family]:
            groups[answer_key(item, cfg.bucket_ratio)].append(item)
        counts = Counter({a: len(g) for a, g in groups.items()})
        caps = answer_caps(counts, cfg)
        after = {}
        for a in sorted(groups):
            chosen = sorted(groups[a], key=_rank)[: caps[a]]
            kept.extend(chosen)
            after[a] = len(chosen)
        report[family] = {
            "before": sum(counts.values()),
            "after": sum(after.values()),
            "dropped": sum(counts.values()) - sum(after.values()),
            "answers_before": dict(sorted(counts.items())),
            "answers_after": after,
        }
    return kept, report


_PUNCT = re.compile(r"[^\w\s]")


def normalise_question(text: str) -> str:
    """Lower-case, punctuation-free, single-spaced question text (the blind baseline's input)."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def _options(item: QAItem) -> list[str]:
    """The answers the blind baseline may pick for an item with a closed answer set."""
    if item.choices:
        return list(item.choices)
    if item.answer_type == "yes_no":
        return ["yes", "no"]
    return []


def _fold(item: QAItem, folds: int) -> int:
    return _rank(item) % folds


def _predict_number(train: list[QAItem], bucket_ratio: float) -> float:
    """Median of the training answers in their most frequent bucket (ties: smallest bucket key)."""
    groups: dict[str, list[float]] = defaultdict(list)
    for it in train:
        groups[answer_key(it, bucket_ratio)].append(float(it.answer))
    best = min(groups, key=lambda k: (-len(groups[k]), k))
    return float(np.median(groups[best]))


def _predict_label(item: QAItem, by_text: Counter, prior: Counter) -> str:
    """The training-most-frequent option for this question text, then for the family, then first."""
    options = _options(item) or sorted(set(by_text) | set(prior))
    if not options:
        return ""
    # max() keeps the first of equal keys, so remaining ties go to the earliest (shuffled) option.
    return max(options, key=lambda o: (by_text.get(o, 0), prior.get(o, 0)))


def blind_audit(items: list[QAItem], cfg: BalanceConfig = BalanceConfig()) -> dict:
    """Per-family text-only baseline accuracy (k-fold), beside chance; MRA for numbers."""
    by_family: dict[str, list[QAItem]] = defaultdict(list)
    for item in items:
        by_family[item.family].append(item)
    out = {}
    for family in sorted(by_family):
        fam = by_family[family]
        numeric = fam[0].answer_type == "number"
        scores, chance = [], []
        for k in range(cfg.folds):
            test = [it for it in fam if _fold(it, cfg.folds) == k]
            train = [it for it in fam if _fold(it, cfg.folds) != k]
            if not test or not train:
                continue
            texts: dict[str, list[QAItem]] = defaultdict(list)
            for it in train:
                texts[normalise_question(it.question)].append(it)
            if numeric:
                constant = _predict_number(train, cfg.bucket_ratio)
                for it in test:
                    same = texts.get(normalise_question(it.question))
                    pred = _predict_number(same, cfg.bucket_ratio) if same else constant
                    scores.append(mra(pred, float(it.answer)))
                    chance.append(mra(constant, float(it.answer)))
            else:
                prior = Counter(it.answer_text for it in train)
                for it in test:
                    same = Counter(x.answer_text for x in texts.get(normalise_question(it.question), []))
                    scores.append(float(_predict_label(it, same, prior) == it.answer_text))
                    options = _options(it)
                    chance.append(1.0 / len(options) if options else 1.0 / max(len(prior), 1))
        out[family] = {
            "n": len(fam),
            "metric": "mra" if numeric else "accuracy",
            "blind": round(float(np.mean(scores)), 4) if scores else None,
            "chance": round(float(np.mean(chance)), 4) if chance else None,
            "chance_kind": "constant-answer MRA" if numeric else "1/num_choices",
        }
    return out


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


def merged_verification_counts(paths: list[Path]) -> dict:
    """Per-family attempts, kept and rejected-by-reason, summed over the shards' ``stats.json``."""
    total: dict[str, dict] = {}
    for p in paths:
        f = (Path(p) if Path(p).is_dir() else Path(p).parent) / "stats.json"
        if not f.is_file():
            continue
        for family, c in json.loads(f.read_text(encoding="utf-8")).get("families", {}).items():
            t = total.setdefault(family, {"attempts": 0, "kept": 0, "rejected": Counter()})
            t["attempts"] += c.get("attempts", 0)
            t["kept"] += c.get("kept", 0)
            t["rejected"].update(c.get("rejected", {}))
    return {k: {**v, "rejected": dict(sorted(v["rejected"].items()))} for k, v in sorted(total.items())}


def merge_and_balance(paths: list[Path], out_dir: Path, cfg: BalanceConfig = BalanceConfig()) -> dict:
    """Merge shards, balance globally, audit before and after; write ``qa.jsonl`` and ``stats.json``
    (with the verifier's kept/rejected counts summed over the shards' own ``stats.json``)."""
    items = load_records(paths)
    kept, report = balance(items, cfg)
    stats = {
        "inputs": [str(p) for p in paths],
        "records_in": len(items),
        "records_out": len(kept),
        "verification": merged_verification_counts(paths),
        "balance": report,
        "audit_before": blind_audit(items, cfg),
        "audit": blind_audit(kept, cfg),
        "config": asdict(cfg),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(out_dir / "qa.jsonl", kept)
    write_json_atomic(out_dir / "stats.json", stats)
    return stats


def add_balance_arguments(ap: argparse.ArgumentParser) -> None:
    """One ``--option`` per BalanceConfig field (the same on every command that balances)."""
    for f in dataclasses.fields(BalanceConfig):
        ap.add_argument(f"--{f.name.replace('_', '-')}", type=type(f.default), default=f.default)


def balance_config_from_args(args: argparse.Namespace) -> BalanceConfig:
    """The validated BalanceConfig of parsed ``add_balance_arguments`` options."""
    cfg = BalanceConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(BalanceConfig)})
    cfg.validate("balance")
    return cfg


def main(argv: list[str] | None = None) -> None:
    """Command line: merge, balance and audit QA shards."""
    ap = argparse.ArgumentParser(prog="python -m simgen.qa.balance", description=main.__doc__)
    ap.add_argument("inputs", nargs="+", type=Path, help="qa.jsonl files or shard folders holding one")
    ap.add_argument("--out", type=Path, required=True, help="folder for the balanced qa.jsonl and stats.json")
    add_balance_arguments(ap)
    args = ap.parse_args(argv)
    cfg = balance_config_from_args(args)
    stats = merge_and_balance(args.inputs, args.out, cfg)
    print(f"balance: {stats['records_in']} records in, {stats['records_out']} kept -> {args.out / 'qa.jsonl'}")


if __name__ == "__main__":
    main()
