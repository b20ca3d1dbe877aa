"""A static HTML page per dataset: each episode's video, its QA with answers and certificates,
a filter by family, the dataset's plots and, when given, an evaluation's predictions and plots.

``python -m simgen.export.report <dataset dir> [--eval <eval dir>] [--out report.html]``

No server is needed: the page refers to the videos, frame images and plots by relative paths and
its only script is the family filter. Records are streamed; at most ``--max-episodes`` episodes
are shown (the page says how many were left out).
"""
from __future__ import annotations

import argparse
import html
import json
from itertools import groupby
from pathlib import Path

from simgen.export.base import atomic_open
from simgen.export.card import PLOTS_DIR
from simgen.export.dataset import STATS_FILE, Dataset, relative_to
from simgen.export.knobs import flat_knobs
from simgen.export.prompt import option_lines
from simgen.qa.records import QAItem

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #f3f3f3; }
section.episode { border-top: 2px solid #888; margin-top: 1.5em; padding-top: 0.5em; }
video { max-width: 480px; display: block; }
img.frame { max-height: 120px; margin-right: 4px; }
img.plot { max-width: 640px; margin: 4px; border: 1px solid #ddd; }
pre { margin: 0; font-size: 12px; white-space: pre-wrap; }
.right { color: #070; } .wrong { color: #b00; }
.hidden { display: none; }
"""

_SCRIPT = """
const select = document.getElementById("family-filter");
function applyFilter() {
  const want = select.value;
  let shown = 0;
  for (const row of document.querySelectorAll("tr.qa")) {
    const on = !want || row.dataset.family === want;
    row.classList.toggle("hidden", !on);
    if (on) shown += 1;
  }
  for (const sec of document.querySelectorAll("section.episode")) {
    sec.classList.toggle("hidden", !sec.querySelector("tr.qa:not(.hidden)"));
  }
  document.getElementById("shown").textContent = String(shown);
}
select.addEventListener("change", applyFilter);
applyFilter();
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _plots(paths: list[Path], out_dir: Path) -> str:
    return "".join(f'<img class="plot" src="{_e(relative_to(p, out_dir))}" alt="{_e(p.stem)}">' for p in paths)


def _stats_table(stats: dict) -> str:
    audit = stats.get("audit", {})
    if not audit:
        return ""
    def cell(x):
        return "—" if x is None else _e(x)

    rows = "".join(f"<tr><td>{_e(f)}</td><td>{a['n']}</td><td>{_e(a['metric'])}</td><td>{cell(a['blind'])}</td>"
                   f"<td>{cell(a['chance'])}</td></tr>" for f, a in sorted(audit.items()))
    return ('<h2>Blind baseline</h2><table id="audit"><thead><tr><th>family</th><th>n</th><th>metric</th>'
            f"<th>blind</th><th>chance</th></tr></thead><tbody>{rows}</tbody></table>")


def _qa_row(item: QAItem, ds: Dataset, out_dir: Path, prediction: dict | None) -> str:
    media = ""
    if item.modality != "video":
        media = "".join(f'<img class="frame" src="{_e(relative_to(ds.frame_path(item.episode_id, f), out_dir))}" '
                        f'alt="frame {f}">' for f in item.frames)
    options = "<br>".join(_e(o) for o in option_lines(item)) if item.choices else ""
    answer = _e(item.answer_text) + (f" ({_e(item.answer_letter)})" if item.answer_letter else "")
    answer += f" {_e(item.unit)}" if item.unit and item.unit != "count" else ""
    pred = ""
    if prediction is not None:
        cls = "right" if prediction.get("score", 0) >= 0.5 else "wrong"
        pred = f'<td class="{cls}">{_e(prediction.get("prediction", ""))} [{_e(prediction.get("score"))}]</td>'
    cert = _e(json.dumps(item.certificate, indent=1, sort_keys=True))
    return (f'<tr class="qa" data-family="{_e(item.family)}"><td>{_e(item.family)}</td>'
            f"<td>{_e(item.question)}{media and '<br>' + media}</td><td>{options}</td><td>{answer}</td>{pred}"
            f"<td><details><summary>certificate</summary><pre>{cert}</pre></details></td></tr>")


def write_report(ds: Dataset, out_path: Path, eval_dir: Path | None = None, max_episodes: int = 200) -> Path:
    """Write the static HTML report for ``ds`` at ``out_path``; returns the path."""
    out_path = Path(out_path)
    out_dir = out_path.parent
    ds.ensure_frames()
    predictions = {}
    if eval_dir is not None and (Path(eval_dir) / "predictions.jsonl").is_file():
        from simgen.io import read_jsonl

        predictions = {r["id"]: r for r in read_jsonl(Path(eval_dir) / "predictions.jsonl")}
    families = sorted({item.family for item in ds.items()})
    total = sum(1 for _ in ds.items())
    plots = sorted((ds.root / PLOTS_DIR).glob("*.png"))
    eval_plots = sorted((Path(eval_dir) / "plots").glob("*.png")) if eval_dir is not None else []
    pred_head = "<th>prediction [score]</th>" if predictions else ""
    with atomic_open(out_path) as f:
        f.write('<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
                f"<title>simgen report: {_e(ds.root.name)}</title><style>{_STYLE}</style></head><body>")
        f.write(f"<h1>simgen dataset: {_e(ds.root.name)}</h1>"
                f"<p>{total} questions, {len(ds.episodes)} episodes, {len(families)} families.</p>")
        f.write('<p><label>Family: <select id="family-filter"><option value="">all</option>'
                + "".join(f'<option value="{_e(x)}">{_e(x)}</option>' for x in families)
                + '</select></label> <span id="shown"></span> questions shown.</p>')
        f.write(_stats_table(ds.read_json(STATS_FILE)))
        if plots or eval_plots:
            f.write(f'<h2>Plots</h2><div id="plots">{_plots(plots, out_dir)}{_plots(eval_plots, out_dir)}</div>')
        shown = 0
        for episode_id, items in groupby(ds.items(), key=lambda it: it.episode_id):
            if shown == max_episodes:
                break
            shown += 1
            info = ds.episode(episode_id)
            knobs = ", ".join(f"{_e(k)}={_e(v)}" for k, v in flat_knobs(info.complexity).items())
            video = relative_to(ds.video_path(episode_id), out_dir)
            f.write(f'<section class="episode" id="{_e(episode_id)}"><h2>{_e(episode_id)}</h2>'
                    f'<video src="{_e(video)}" controls muted preload="auto" playsinline></video>'
                    f"<p>complexity: {knobs or '—'}</p><table><thead><tr><th>family</th><th>question</th>"
                    f"<th>options</th><th>answer</th>{pred_head}<th>evidence</th></tr></thead><tbody>")
            f.writelines(_qa_row(it, ds, out_dir, predictions.get(it.id) if predictions else None) for it in items)
            f.write("</tbody></table></section>")
        if len(ds.episodes) > shown:
            f.write(f"<p>{len(ds.episodes) - shown} more episodes are not shown (raise --max-episodes).</p>")
        f.write(f"<script>{_SCRIPT}</script></body></html>\n")
    return out_path


def main(argv: list[str] | None = None) -> None:
    """Command line: write a dataset's static HTML report."""
    ap = argparse.ArgumentParser(prog="simgen-report", description=main.__doc__)
    ap.add_argument("dataset", type=Path, help="dataset dir (merge output) or shard run dir")
    ap.add_argument("--eval", type=Path, help="an eval runner's output dir (predictions.jsonl, plots/)")
    ap.add_argument("--out", type=Path, help="HTML file (default: <dataset>/report.html)")
    ap.add_argument("--max-episodes", type=int, default=200)
    args = ap.parse_args(argv)
    try:
        path = write_report(Dataset(args.dataset), args.out or args.dataset / "report.html", args.eval,
                            args.max_episodes)
    except (FileNotFoundError, ValueError, KeyError) as e:
        raise SystemExit(f"report: {e}")
    print(path)


if __name__ == "__main__":
    main()
