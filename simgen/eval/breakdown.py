"""Scores broken down by question family and by every complexity knob, as JSON and as plots.

For each knob of the episodes' ``complexity`` that varies (number of objects, clutter, occluders,
moving objects, …; see ``simgen.export.knobs`` for flattening and binning) and each of its values:
how many questions, their mean score, and the same per family — a model's "accuracy vs
complexity" curves.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from simgen.export.knobs import flat_knobs, group_values
from simgen.io import write_json
from simgen.plots import pyplot, save_figure


def _mean(scores: list[float]) -> dict:
    return {"n": len(scores), "score": round(sum(scores) / len(scores), 4)}


def breakdown(rows: list[dict]) -> dict:
    """``{by_family: {family: {n, score}}, by_knob: {knob: [{value, n, score, by_family}]}}`` of scored rows."""
    by_family: dict[str, list[float]] = defaultdict(list)
    by_knob: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for row in rows:
        family, s = row["question_type"], float(row["score"])
        by_family[family].append(s)
        for knob, value in flat_knobs(row.get("complexity") or {}).items():
            by_knob[knob][value]["*"].append(s)
            by_knob[knob][value][family].append(s)
    knobs = {}
    for knob in sorted(by_knob):
        mapping, groups = group_values(by_knob[knob])
        if len(groups) < 2:
            continue  # a knob that never varies says nothing about difficulty
        merged = {g: defaultdict(list) for g in groups}
        for value, per_family in by_knob[knob].items():
            for f, s in per_family.items():
                merged[mapping[value]][f].extend(s)
        knobs[knob] = [{"value": g, **_mean(merged[g]["*"]),
                        "by_family": {f: _mean(s) for f, s in sorted(merged[g].items()) if f != "*"}}
                       for g in groups]
    return {"by_family": {f: _mean(s) for f, s in sorted(by_family.items())}, "by_knob": knobs}


def plot_breakdown(result: dict, plots_dir: Path) -> list[Path]:
    """``by_family.png`` (bars) and one ``knob_<name>.png`` per knob (score vs value, overall and per family)."""
    plt = pyplot()

    plots_dir = Path(plots_dir)
    plots_dir.mkdir(parents=True, exist_ok=True)
    fams = result["by_family"]
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(fams) + 1.2))
    ax.barh(list(fams), [v["score"] for v in fams.values()])
    ax.set_xlim(0, 1)
    ax.set_xlabel("score (accuracy / MRA)")
    ax.set_title("score by family")
    written = [save_figure(fig, plots_dir / "by_family.png")]
    for knob, points in result["by_knob"].items():
        labels = [str(p["value"]) for p in points]
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for family in sorted({f for p in points for f in p["by_family"]}):
            ys = [p["by_family"].get(family, {}).get("score") for p in points]
            ax.plot(labels, [float("nan") if y is None else y for y in ys], marker=".", linewidth=0.8, alpha=0.6,
                    label=family)
        ax.plot(labels, [p["score"] for p in points], marker="o", color="black", linewidth=2, label="all")
        ax.set_ylim(0, 1)
        ax.set_xlabel(knob)
        ax.set_ylabel("score")
        ax.set_title(f"score vs {knob}")
        ax.legend(fontsize=6, loc="best")
        written.append(save_figure(fig, plots_dir / f"knob_{knob}.png"))
    return written


def write_breakdown(rows: list[dict], out_dir: Path, plots: bool = True) -> dict:
    """Write ``breakdown.json`` (and ``plots/``) under ``out_dir``; returns the breakdown."""
    result = breakdown(rows)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "breakdown.json", result)
    if plots and rows:
        plot_breakdown(result, out_dir / "plots")
    return result
