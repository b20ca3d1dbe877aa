"""A static HTML page per dataset for looking at its questions: each episode's video beside its
questions (answers, options, certificates and, when given, a model's predictions), filters, answer
distributions and the blind-audit table.

``simgen-report <dataset dir> [--eval <eval dir>] [--out report.html]``

No server is needed: the page refers to the videos, frame images and plots by relative paths.
Videos load only when their episode scrolls into view, so a page of thousands of questions opens
at once; each question's frame buttons seek its episode's video to that frame. Records are
streamed; at most ``--max-episodes`` episodes are shown (the page says how many were left out).
If ``simgen-inspect`` has written ``<dataset>/inspect/index.html``, the page links it.
"""
from __future__ import annotations

import html
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Optional

from omegaconf import OmegaConf
from tqdm import tqdm

from simgen.io import atomic_open
from simgen.export.dataset import STATS_FILE, Dataset, relative_to
from simgen.export.knobs import flat_knobs, group_values
from simgen.export.prompt import number_text, option_lines
from simgen.export.report_page import SCRIPT, STYLE
from simgen.qa.records import QAItem
from simgen.registry import ConfigError, parse_config, setting, store_schema
from simgen.script_config import Script, run_script

TOP_ANSWERS = 8


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _select(ident: str, label: str, values) -> str:
    options = "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in values)
    return f'<label>{label} <select id="{ident}"><option value="">all</option>{options}</select></label>'


def _bars(counts: list[tuple[str, int]]) -> str:
    top = max((n for _, n in counts), default=1)
    return "".join(f'<div class="bar"><span class="label" title="{_e(k)}">{_e(k)}</span><span class="track">'
                   f'<span class="fill" style="width:{100 * n / top:.1f}%;display:block"></span></span>'
                   f'<span class="n">{n}</span></div>' for k, n in counts)


def answer_charts(answers: dict[str, list]) -> str:
    """Per family, bars of its answers: the top answers for labels, equal-width bins for numbers."""
    charts = []
    for family in sorted(answers):
        values = answers[family]
        mapping, order = group_values(values)
        counts = Counter(mapping[v] for v in values)
        numeric = all(isinstance(v, float) for v in values)  # in value order (binned when many)
        shown = [(number_text(k) if isinstance(k, float) else str(k), counts[k]) for k in order] \
            if numeric or len(order) <= TOP_ANSWERS \
            else counts.most_common(TOP_ANSWERS)
        more = len(counts) - len(shown)
        tail = f'<div class="knobs">+{more} other answers</div>' if more > 0 else ""
        charts.append(f'<div class="chart"><h3>{_e(family)} <small>({len(values)})</small></h3>{_bars(shown)}{tail}</div>')
    return f'<h2>Answers by family</h2><div class="charts" id="answers">{"".join(charts)}</div>'


def audit_table(stats: dict) -> str:
    """The blind (text-only) audit: each family's blind score against chance, drawn and in numbers."""
    audit = stats.get("audit", {})
    if not audit:
        return ""
    rows = []
    for family, a in sorted(audit.items()):
        blind, chance = a.get("blind"), a.get("chance")
        meter = ""
        if blind is not None:
            mark = f'<span class="chance" style="left:{100 * chance:.1f}%"></span>' if chance is not None else ""
            meter = f'<div class="track"><div class="blind" style="width:{100 * min(blind, 1):.1f}%"></div>{mark}</div>'
        leak = blind is not None and chance is not None and blind > chance + 0.1
        cell = (lambda x: "—" if x is None else _e(x))
        rows.append(f'<tr{" class=leak" if leak else ""}><td>{_e(family)}</td><td>{a["n"]}</td><td>{_e(a["metric"])}</td>'
                    f'<td>{cell(blind)}</td><td>{cell(chance)}</td><td class="meter">{meter}</td></tr>')
    return ('<h2>Blind baseline</h2><p class="knobs">A text-only guesser\'s score per family; red bar = blind, '
            'black tick = chance. Rows where blind beats chance by more than 0.1 are shaded.</p>'
            '<table id="audit"><thead><tr><th>family</th><th>n</th><th>metric</th><th>blind</th><th>chance</th>'
            f'<th>blind vs chance</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _answer_value(item: QAItem):
    return float(item.answer) if item.answer_type == "number" else item.answer_text


def _qa_row(item: QAItem, ds: Dataset, out_dir: Path, prediction: dict | None) -> str:
    media = ""
    if item.modality != "video":
        media = "".join(f'<img class="frame" loading="lazy" src="{_e(relative_to(ds.frame_path(item.episode_id, f), out_dir))}" '
                        f'alt="frame {f}">' for f in item.frames)
    seek = "".join(f'<button class="seek" data-frame="{int(f)}" title="show this frame in the video">▶ {int(f)}</button>'
                   for f in item.frames)
    options = "<br>".join(_e(o) for o in option_lines(item)) if item.choices else ""
    answer = _e(number_text(item.answer) if item.answer_type == "number" else item.answer_text)
    answer += f" ({_e(item.answer_letter)})" if item.answer_letter else ""
    answer += f" {_e(item.unit)}" if item.unit and item.unit != "count" else ""
    pred, correct = "", ""
    if prediction is not None:
        correct = "right" if prediction.get("score", 0) >= 0.5 else "wrong"
        pred = f'<td class="{correct}">{_e(prediction.get("prediction", ""))} [{_e(prediction.get("score"))}]</td>'
    cert = _e(json.dumps(item.certificate, indent=1, sort_keys=True))
    return (f'<tr class="qa" data-family="{_e(item.family)}" data-modality="{_e(item.modality)}" '
            f'data-answer-type="{_e(item.answer_type)}" data-correct="{correct}"><td>{_e(item.family)}</td>'
            f"<td>{_e(item.question)}<br>{media}{seek}</td><td>{options}</td><td>{answer}</td>{pred}"
            f"<td><details><summary>certificate</summary><pre>{cert}</pre></details></td></tr>")


def _episode(ds: Dataset, episode_id: str, items, out_dir: Path, predictions: dict, pred_head: str) -> str:
    info = ds.episode(episode_id)
    knobs = ", ".join(f"{_e(k)}={_e(v)}" for k, v in flat_knobs(info.complexity).items())
    video = relative_to(ds.video_path(episode_id), out_dir)
    aspect = f"--aspect: {info.width} / {info.height}" if info.width and info.height else ""
    rows = "".join(_qa_row(it, ds, out_dir, predictions.get(it.id) if predictions else None) for it in items)
    return (f'<section class="episode" id="{_e(episode_id)}" data-fps="{info.fps}"><h2>{_e(episode_id)}</h2>'
            f'<p class="knobs">complexity: {knobs or "—"}</p><div class="pair"><div class="media">'
            f'<video data-src="{_e(video)}" style="{aspect}" controls muted playsinline preload="none"></video></div>'
            f'<table class="qa-table"><thead><tr><th>family</th><th>question</th><th>options</th><th>answer</th>'
            f"{pred_head}<th>evidence</th></tr></thead><tbody>{rows}</tbody></table></div></section>")


def write_report(ds: Dataset, out_path: Path, eval_dir: Path | None = None, max_episodes: int = 1000) -> Path:
    """Write the static HTML report for ``ds`` at ``out_path``; returns the path."""
    from simgen.io import InputError, iter_jsonl

    out_path = Path(out_path)
    out_dir = out_path.parent
    ds.ensure_frames()
    predictions = {}
    path = Path(eval_dir or ".") / "predictions.jsonl"
    for lineno, row in iter_jsonl(path, keys=("id", "score")) if eval_dir is not None and path.is_file() else ():
        if type(row["score"]) not in (int, float):
            raise InputError(f"{path}:{lineno}: score: expected a number, got {row['score']!r:.40}")
        predictions[row["id"]] = row
    answers, kinds, total = defaultdict(list), defaultdict(set), 0
    for item in ds.items():
        total += 1
        answers[item.family].append(_answer_value(item))
        for key, value in (("family", item.family), ("modality", item.modality), ("answer", item.answer_type)):
            kinds[key].add(value)
    eval_plots = sorted((Path(eval_dir) / "plots").glob("*.png")) if eval_dir is not None else []
    inspect = ds.root / "inspect" / "index.html"
    with atomic_open(out_path) as f:
        f.write('<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
                f'<meta name="viewport" content="width=device-width"><title>simgen report: {_e(ds.root.name)}</title>'
                f"<style>{STYLE}</style></head><body>")
        f.write(f"<h1>simgen dataset: {_e(ds.root.name)}</h1>"
                f"<p>{total} questions, {len(ds.episodes)} episodes, {len(kinds['family'])} families."
                + (f' <a href="{_e(relative_to(inspect, out_dir))}">Contact sheets (simgen-inspect)</a>'
                   if inspect.is_file() else "") + "</p>")
        f.write('<div id="filters">' + _select("f-family", "Family", sorted(kinds["family"]))
                + _select("f-modality", "Modality", sorted(kinds["modality"]))
                + _select("f-answer", "Answer type", sorted(kinds["answer"]))
                + (_select("f-correct", "Prediction", ["right", "wrong"]) if predictions else "")
                + '<label>Search <input type="search" id="f-search" placeholder="question, answer, option"></label>'
                + '<span><span id="shown"></span> questions shown</span></div>')
        f.write(answer_charts(answers) + audit_table(ds.read_json(STATS_FILE)))
        if eval_plots:
            plots = "".join(f'<img class="plot" loading="lazy" src="{_e(relative_to(p, out_dir))}" alt="{_e(p.stem)}">'
                            for p in eval_plots)
            f.write(f'<h2>Evaluation plots</h2><div id="plots">{plots}</div>')
        pred_head = "<th>prediction [score]</th>" if predictions else ""
        shown = 0
        bar = tqdm(total=min(len(ds.episodes), max_episodes), desc="report", unit="episode", disable=None)
        for episode_id, items in groupby(ds.items(), key=lambda it: it.episode_id):
            if shown == max_episodes:
                break
            shown += 1
            f.write(_episode(ds, episode_id, items, out_dir, predictions, pred_head))
            bar.update()
        bar.close()
        if len(ds.episodes) > shown:
            f.write(f"<p>{len(ds.episodes) - shown} more episodes are not shown (raise --max-episodes).</p>")
        f.write(f"<script>{SCRIPT}</script></body></html>\n")
    return out_path


@dataclass(frozen=True)
class ReportJob:
    """simgen-report's keys (``conf/simgen_report.yaml``)."""

    dataset: str = "???"  # dataset dir (merge output) or shard run dir
    eval: Optional[str] = None  # an eval runner's output dir (predictions.jsonl, plots/)
    out: Optional[str] = None  # HTML file (default: <dataset>/report.html)
    max_episodes: int = setting(1000, ge=1)


store_schema("report_job", ReportJob, option=False)
CLI = Script("simgen-report", "simgen_report", "Write a dataset's static HTML report.", positional=("dataset",),
             flags={"--eval": "eval", "--out": "out", "--max-episodes": "max_episodes"})


def _run(cfg) -> int:
    job = parse_config(ReportJob, OmegaConf.to_container(cfg, resolve=True), "")
    if job.dataset == "???":
        raise ConfigError("dataset: missing; simgen-report DATASET [--eval DIR] [--out FILE]")
    dataset = Path(job.dataset)
    try:
        path = write_report(Dataset(dataset), Path(job.out) if job.out else dataset / "report.html",
                            Path(job.eval) if job.eval else None, job.max_episodes)
    except (FileNotFoundError, ValueError, KeyError) as e:
        raise SystemExit(f"report: {e}")
    except KeyboardInterrupt:  # the page is replaced atomically: nothing half-written is left
        print("interrupted; re-run the same command to finish", file=sys.stderr)
        return 130
    print(path)
    return 0


def main(argv: list[str] | None = None) -> None:
    """Command line: write a dataset's static HTML report."""
    code = run_script(CLI, _run, argv)
    if code:
        sys.exit(code)


if __name__ == "__main__":
    main()
