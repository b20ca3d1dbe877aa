"""Scoring model answers: exact match for options and labels, VSI-Bench Mean Relative Accuracy for numbers.

MRA(ŷ, y) = (1/10) · Σ_θ 1[ |ŷ − y| / |y| ≤ 1 − θ ] over θ ∈ {0.50, 0.55, …, 0.95} — exactly ten
thresholds, built from the integers 50, 55, …, 95, and compared in exact rational arithmetic
(``fractions.Fraction`` of the decimal texts), so a boundary case such as ŷ = 14.5, y = 10 (relative
error 0.45 = 1 − 0.55) counts, where float arithmetic (1 − 0.55 = 0.44999…) would drop it.

- The prediction's number is its first number-like token ("about 2.5 m" → 2.5; "1,200" → 1);
  a prediction with no number scores 0.
- y = 0 has no relative error: the score is 1 if ŷ = 0 exactly, else 0 (counts of zero are the
  only case in practice).
- Options: the prediction's leading capital letter ("B", "B.", "(B)", "B. sofa"), or failing that
  an answer that equals one option's text; lower-case letters are not taken as letters ("a lamp").
- Other labels (yes/no, objects, orderings asked openly): normalised text equality (case, punctuation
  and spacing ignored); yes/no looks at the first word only ("Yes, it is." → yes).

``python -m simgen.eval.scorer predictions.jsonl [--gt vsibench.jsonl] [--out DIR]`` scores a file
of predictions (rows of the evaluation file plus ``prediction``, or ``{id, prediction}`` with
``--gt``) and writes ``scores.json`` and the breakdown (``breakdown.json``, ``plots/``).
"""
from __future__ import annotations

import argparse
import json
import math
import re
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

from simgen.io import read_jsonl, write_json

MRA_THRESHOLD_PERCENTS = tuple(range(50, 100, 5))  # 50, 55, ..., 95: ten integers, no float drift
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_LETTER = re.compile(r"^\(?([A-Z])(?:$|[\s.:)\]])")
_PUNCT = re.compile(r"[^\w\s]")


def parse_number(value) -> Fraction | None:
    """The exact value of a number, or of the first number-like token of a text; None if there is none."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return Fraction(repr(value)) if math.isfinite(value) else None  # repr: the decimal a person reads
    match = _NUMBER.search(str(value))
    return Fraction(match.group()) if match else None


def mra(prediction, truth) -> float:
    """Mean Relative Accuracy of one prediction (a number or a text) against the true number."""
    y = parse_number(truth)
    if y is None:
        raise ValueError(f"MRA needs a numeric ground truth, got {truth!r}")
    y_hat = parse_number(prediction)
    if y_hat is None:
        return 0.0
    if y == 0:
        return float(y_hat == 0)
    rel = abs(y_hat - y) / abs(y)
    return sum(rel <= Fraction(100 - p, 100) for p in MRA_THRESHOLD_PERCENTS) / len(MRA_THRESHOLD_PERCENTS)


def normalise(text: str) -> str:
    """Lower case, punctuation removed, single spaces."""
    return " ".join(_PUNCT.sub(" ", str(text).lower()).split())


def choice_letter(prediction: str, options: list[str]) -> str | None:
    """The option letter a prediction names (see the module doc), or None."""
    letters = {line.split(".", 1)[0].strip(): line.split(".", 1)[1].strip() for line in options}
    text = str(prediction).strip()
    match = _LETTER.match(text)
    if match and match.group(1) in letters:
        return match.group(1)
    by_text = {normalise(t): letter for letter, t in letters.items()}
    return by_text.get(normalise(text))


def score(row: dict, prediction: str) -> float:
    """The score in [0, 1] of ``prediction`` for an evaluation row (options, answer_type, ground_truth)."""
    truth = row["ground_truth"]
    if row.get("options"):
        return float(choice_letter(prediction, row["options"]) == truth)
    if row.get("answer_type") == "number":
        return mra(prediction, truth)
    if row.get("answer_type") == "yes_no":
        words = normalise(prediction).split()
        return float(bool(words) and words[0] == normalise(truth))
    return float(normalise(prediction) == normalise(truth))


def summarize(rows: list[dict]) -> dict:
    """Per-family mean score, their mean (``overall``, as VSI-Bench averages tasks) and the plain mean."""
    by_family: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        by_family[row["question_type"]].append(float(row["score"]))
    families = {f: {"n": len(s), "score": round(sum(s) / len(s), 4)} for f, s in sorted(by_family.items())}
    all_scores = [s for v in by_family.values() for s in v]
    return {
        "n": len(all_scores),
        "overall": round(sum(f["score"] for f in families.values()) / len(families), 4) if families else None,
        "micro": round(sum(all_scores) / len(all_scores), 4) if all_scores else None,
        "by_family": families,
    }


def score_file(predictions: Path, gt: Path | None = None) -> list[dict]:
    """Prediction rows joined with their ground truth (from the row itself or from ``gt``), scored."""
    preds = read_jsonl(predictions)
    truth = {r["id"]: r for r in read_jsonl(gt)} if gt is not None else {}
    scored = []
    for p in preds:
        if "prediction" not in p or "id" not in p:
            raise ValueError(f"{predictions}: every row needs 'id' and 'prediction', got keys {sorted(p)}")
        row = {**truth[p["id"]], **p} if p["id"] in truth else p
        if "ground_truth" not in row:
            raise ValueError(f"{predictions}: no ground truth for id {p['id']!r} (pass --gt <evaluation file>)")
        scored.append({**row, "score": score(row, p["prediction"])})
    return scored


def main(argv: list[str] | None = None) -> None:
    """Score a predictions file; write scores.json and the breakdown by family and complexity knob."""
    from simgen.eval.breakdown import write_breakdown

    ap = argparse.ArgumentParser(prog="simgen-score", description=main.__doc__)
    ap.add_argument("predictions", type=Path, help="JSONL: evaluation rows with 'prediction', or {id, prediction}")
    ap.add_argument("--gt", type=Path, help="the evaluation file (vsibench.jsonl) when predictions carry only ids")
    ap.add_argument("--out", type=Path, help="output folder (default: beside the predictions)")
    ap.add_argument("--no-plots", action="store_true", help="write breakdown.json without plots")
    args = ap.parse_args(argv)
    out = args.out or args.predictions.parent
    try:
        rows = score_file(args.predictions, args.gt)
    except (ValueError, KeyError, FileNotFoundError) as e:
        raise SystemExit(f"scorer: {e}")
    summary = summarize(rows)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "scores.json", summary)
    write_breakdown(rows, out, plots=not args.no_plots)
    print(json.dumps({k: summary[k] for k in ("n", "overall", "micro")}))


if __name__ == "__main__":
    main()
