"""Scoring model answers: exact match for options and labels, VSI-Bench Mean Relative Accuracy for numbers.

Numbers are scored by VSI-Bench Mean Relative Accuracy (``simgen.metrics.mra``: ten thresholds in exact
rational arithmetic; a prediction's number is its first number-like token).

- Options: the prediction's leading capital letter ("B", "B.", "(B)", "B. sofa"), or failing that
  an answer that equals one option's text; lower-case letters are not taken as letters ("a lamp").
- Other labels (yes/no, objects, orderings asked openly): normalised text equality (case, punctuation
  and spacing ignored); yes/no looks at the first word only ("Yes, it is." → yes).

``python -m simgen.eval.scorer predictions.jsonl [--gt vsibench.jsonl] [--out DIR]`` scores a file
of predictions (rows of the evaluation file plus ``prediction``, or ``{id, prediction}`` with
``--gt``) and writes ``scores.json`` and the breakdown (``breakdown.json``, ``plots/``).
"""
from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from omegaconf import OmegaConf

from simgen.io import InputError, iter_jsonl, write_json
from simgen.metrics import mra
from simgen.registry import ConfigError, parse_config, store_schema
from simgen.script_config import Script, run_script

_LETTER = re.compile(r"^\(?([A-Z])(?:$|[\s.:)\]])")
_PUNCT = re.compile(r"[^\w\s]")


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
    truth = {r["id"]: r for _, r in iter_jsonl(gt, keys=("id", "question_type", "ground_truth"))} if gt else {}
    scored = []
    for lineno, p in iter_jsonl(predictions, keys=("id", "prediction")):
        where = f"{predictions}:{lineno}"
        row = {**truth[p["id"]], **p} if p["id"] in truth else p
        if "ground_truth" not in row:
            raise InputError(f"{where}: no ground truth for id {p['id']!r} (pass --gt <evaluation file>)")
        if not isinstance(row.get("question_type"), str):  # the family: scores are grouped by it
            raise InputError(f"{where}: question_type: expected the family's name, got {row.get('question_type')!r:.40}")
        try:
            scored.append({**row, "score": score(row, p["prediction"])})
        except (TypeError, ValueError, AttributeError, KeyError) as e:
            raise InputError(f"{where}: cannot score this row ({type(e).__name__}: {e}); expected an evaluation "
                             f"row (ground_truth, answer_type, options) and a text prediction") from None
    return scored


@dataclass(frozen=True)
class ScoreJob:
    """simgen-score's keys (``conf/simgen_score.yaml``)."""

    predictions: str = "???"  # JSONL: evaluation rows with 'prediction', or {id, prediction}
    gt: Optional[str] = None  # the evaluation file (vsibench.jsonl) when predictions carry only ids
    out: Optional[str] = None  # output folder (default: beside the predictions)
    plots: bool = True  # false: breakdown.json without plots


store_schema("score_job", ScoreJob, option=False)
SCRIPT = Script("simgen-score", "simgen_score", "Score a predictions file; write scores.json and the breakdown by "
                "family and complexity knob.", positional=("predictions",), flags={"--gt": "gt", "--out": "out"},
                switches={"--no-plots": "plots=false"})


def _run(cfg) -> int:
    from simgen.eval.breakdown import write_breakdown

    job = parse_config(ScoreJob, OmegaConf.to_container(cfg, resolve=True), "")
    if job.predictions == "???":
        raise ConfigError("predictions: missing; simgen-score PREDICTIONS [--gt EVAL_FILE] [--out DIR]")
    predictions = Path(job.predictions)
    out = Path(job.out) if job.out else predictions.parent
    try:
        rows = score_file(predictions, Path(job.gt) if job.gt else None)
    except (ValueError, KeyError, FileNotFoundError) as e:
        raise SystemExit(f"scorer: {e}")
    summary = summarize(rows)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "scores.json", summary)
    write_breakdown(rows, out, plots=job.plots)
    print(json.dumps({k: summary[k] for k in ("n", "overall", "micro")}))
    return 0


def main(argv: list[str] | None = None) -> None:
    """Score a predictions file; write scores.json and the breakdown by family and complexity knob."""
    code = run_script(SCRIPT, _run, argv)
    if code:
        sys.exit(code)


if __name__ == "__main__":
    main()
