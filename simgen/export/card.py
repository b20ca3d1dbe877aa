"""The dataset card (``README.md``) and the dataset's plots, computed in one pass over the records.

The card states what a user needs before training or evaluating on the data: counts per family,
answer and complexity distributions, why candidates were rejected, the balancing and the
blind-baseline table (text-only accuracy beside chance), and the exact configs and seeds of every
shard (from ``merge.json``; full configs are copied under ``configs/``). Its YAML front matter lets
``datasets.load_dataset(<dataset dir>)`` find the Parquet export when there is one.
"""
from __future__ import annotations

import logging
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from simgen.export import EXPORTERS
from simgen.io import atomic_open
from simgen.export.dataset import MERGE_FILE, STATS_FILE, Dataset, relative_to
from simgen.export.knobs import flat_knobs, group_values
from simgen.plots import pyplot, save_figure
from simgen.qa.balance import BalanceConfig, answer_key, is_continuous
from simgen.registry import ConfigError, setting

log = logging.getLogger("simgen.export")
CARD_FILE = "README.md"
PLOTS_DIR = "plots"


@dataclass(frozen=True)
class CardConfig:
    """Dataset-card settings (``conf/export/card.yaml``)."""

    top_answers: int = setting(8, ge=1)  # answers listed per family
    max_shards: int = setting(50, ge=1)  # shard rows listed (all are in merge.json)
    plots: bool = True  # write plots/*.png (needs matplotlib)


def _bucket_label(key: str, ratio: float) -> str:
    """A log bucket key ("b7") as the value range it stands for."""
    if not key.startswith("b"):
        return key
    n = int(key[1:])
    return f"[{ratio ** n:.3g}, {ratio ** (n + 1):.3g})"


def summarize(ds: Dataset, bucket_ratio: float = BalanceConfig.bucket_ratio) -> dict:
    """Counts per family, answer distributions, modalities and complexity knobs (one streamed pass)."""
    families: dict[str, dict] = {}
    knob_qa: dict[str, Counter] = defaultdict(Counter)
    qa_per_episode: Counter = Counter()
    for item in tqdm(ds.items(), desc="card", unit="qa", disable=None):  # a bar on a terminal only
        fam = families.setdefault(item.family, {"n": 0, "answer_types": Counter(), "modalities": Counter(),
                                                "answers": Counter(), "unit": item.unit})
        fam["n"] += 1
        fam["answer_types"][item.answer_type] += 1
        fam["modalities"][item.modality] += 1
        key = answer_key(item, bucket_ratio)
        fam["answers"][_bucket_label(key, bucket_ratio) if is_continuous(item) else key] += 1
        qa_per_episode[item.episode_id] += 1
    knob_episodes: dict[str, Counter] = defaultdict(Counter)
    for eid, n in qa_per_episode.items():
        for knob, value in flat_knobs(ds.episode(eid).complexity).items():
            knob_episodes[knob][value] += 1
            knob_qa[knob][value] += n
    knobs, constant = {}, {}
    for k in sorted(knob_episodes):
        mapping, groups = group_values(knob_episodes[k])
        if len(groups) == 1:
            constant[k] = groups[0]
            continue
        rows = {g: {"episodes": 0, "qa": 0} for g in groups}
        for value, group in mapping.items():
            rows[group]["episodes"] += knob_episodes[k][value]
            rows[group]["qa"] += knob_qa[k][value]
        knobs[k] = rows
    return {"records": sum(qa_per_episode.values()), "episodes": len(qa_per_episode), "families": families,
            "knobs": knobs, "constant_knobs": constant}


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("—" if c is None else str(c) for c in row) + " |" for row in rows]
    return lines


def _pct(x) -> str | None:
    return None if x is None else f"{100 * x:.1f}%"


def card_text(ds: Dataset, summary: dict, cfg: CardConfig, plots: list[str], parquet: str | None) -> str:
    """The Markdown card."""
    stats, merge = ds.read_json(STATS_FILE), ds.read_json(MERGE_FILE)
    fams = summary["families"]
    front = ["---", "pretty_name: simgen spatial QA", "task_categories:", "- visual-question-answering",
             "tags:", "- spatial-reasoning", "- synthetic", "- video"]
    if parquet:
        front += ["configs:", "- config_name: default", "  data_files:", f"  - split: {Path(parquet).stem}",
                  f"    path: {parquet}"]
    out = front + ["---", "", "# simgen spatial QA dataset", "",
                   f"{summary['records']} verified question–answer pairs about {summary['episodes']} rendered "
                   f"episodes, in {len(fams)} question families, from {len(merge.get('shards', [])) or 1} shard(s). "
                   "Every answer was computed by simgen's program executor from simulator ground truth and "
                   "checked by its verifier; see each record's `certificate`.", ""]
    out += ["## Families", ""] + _table(
        ["family", "questions", "answer type", "modalities"],
        [[f, fams[f]["n"], ", ".join(sorted(fams[f]["answer_types"])),
          ", ".join(f"{m} {c}" for m, c in sorted(fams[f]["modalities"].items()))] for f in sorted(fams)])
    out += ["", "## Answer distributions", "", f"Most common answers per family (top {cfg.top_answers}; "
            "measurements in log buckets).", ""]
    for f in sorted(fams):
        top = sorted(fams[f]["answers"].items(), key=lambda kv: (-kv[1], kv[0]))[: cfg.top_answers]
        unit = f" ({fams[f]['unit']})" if fams[f]["unit"] else ""
        out.append(f"- **{f}**{unit}: " + ", ".join(f"{a} × {c}" for a, c in top))
    out += ["", "## Complexity", "", "Episodes and questions per value of each complexity knob that varies "
            "(many-valued measurements in equal-width bins).", ""]
    for knob, rows in summary["knobs"].items():
        out += [f"**{knob}**", ""] + _table(["value", "episodes", "questions"],
                                            [[v, r["episodes"], r["qa"]] for v, r in rows.items()]) + [""]
    if summary["constant_knobs"]:
        out.append("The same in every episode: " + ", ".join(f"{k} = {v}" for k, v in summary["constant_knobs"].items())
                   + ".")
    out += ["## Rejected candidates", ""]
    rejected = stats.get("rejected") or {}
    total, by_family = rejected.get("total") or {}, rejected.get("by_family") or {}
    if total:
        out += ["Candidate questions the verifier rejected, by reason (summed over shards).", ""]
        out += _table(["reason", "count"], [[k, v] for k, v in total.items()])
        out += [""] + [f"- **{f}**: " + ", ".join(f"{k} {v}" for k, v in c.items()) for f, c in by_family.items()]
    else:
        out.append("No rejection counts were recorded by the shards.")
    out += balancing_section(stats, summary["episodes"]) + blind_section(stats)
    out += ["", "## Configs and seeds", ""]
    shards = merge.get("shards", [])
    out += _table(["shard", "seed", "shard index", "config hash", "overrides", "records"],
                  [[s["name"], s["seed"], s["shard"], (s["config_hash"] or "")[:12] or None,
                    " ".join(f"`{o}`" for o in s["overrides"]) or None, s["records"]] for s in shards[: cfg.max_shards]])
    if len(shards) > cfg.max_shards:
        out.append(f"\n… and {len(shards) - cfg.max_shards} more shards, all listed in `merge.json`.")
    first = next((s for s in shards if s.get("config") and (ds.root / s["config"]).is_file()), None)
    if first:
        out += ["", f"The exact config of shard `{first['name']}` (each shard's is under `configs/`):", "",
                "```yaml", (ds.root / first["config"]).read_text().rstrip(), "```"]
    if plots:
        out += ["", "## Plots", ""] + [f"![{Path(p).stem}]({p})" for p in plots]
    out += ["", "## Files", "", "- `qa.jsonl`: the records (one JSON per line, `simgen.qa.records.QAItem`)",
            "- `episodes/<id>/`: `video.mp4` (H.264) and `episode.json` (per-frame ground truth)",
            "- `stats.json`, `merge.json`: balancing, audits, shard provenance"]
    if parquet:
        out += [f"- `{parquet}`: `datasets.load_dataset(\"parquet\", data_files=\"{parquet}\")`; "
                "`video` / `images` paths are relative to this folder"]
    return "\n".join(out) + "\n"


def concentration(answers: dict) -> float | None:
    """The most common answer's count over the median answer count (target ≤ 1.5)."""
    counts = [c for c in answers.values() if c]
    return round(max(counts) / statistics.median(counts), 2) if counts else None


def balancing_section(stats: dict, episodes: int) -> list[str]:
    """Answer caps and named-cell caps: kept per family and per episode, and the answer concentration."""
    caps = ", ".join(f"{k}={v}" for k, v in sorted(stats.get("config", {}).items()))
    balance = stats.get("balance", {})
    out = ["", "## Balancing", "", f"Answers capped over the union of all shards, first per family (CLEVR-style; in a "
           f"family offering the same k labels every time, no label above 1/k + share_margin of the kept), then per "
           f"paraphrase and per thing a question names — each category, their set, the actions and the sign of their "
           f"net turn — so neither wording nor names tell the answer ({caps}); {stats.get('duplicates_dropped', 0)} repeated (episode, "
           f"question) pairs dropped. {stats.get('records_out', 0)} of {stats.get('records_in', 0)} questions kept: "
           f"{stats.get('records_out', 0) / max(episodes, 1):.1f} per episode. "
           "*Top / median*: the most common answer's count over the median answer count (target ≤ 1.5).", ""]
    out += _table(["family", "before", "after", "dropped by answer caps", "dropped by named cells",
                   "dropped: no options told apart", "top / median"],
                  [[f, b["before"], b["after"], b.get("dropped_answer_caps"),
                    b["dropped"] - b.get("dropped_answer_caps", 0) - b.get("dropped_no_options", 0),
                    b.get("dropped_no_options", 0), concentration(b.get("answers_after", {}))]
                   for f, b in sorted(balance.items())])
    if stats.get("mixed_configs"):
        out += ["", "Shards with different configs were merged on purpose (`--allow-mixed`); they differ in: "
                + ", ".join(f"`{k}`" for k in stats["mixed_configs"]) + "."]
    return out


def blind_section(stats: dict) -> list[str]:
    """The blind (text-only) audit: the best of a learned text model and the prior rules, beside chance."""
    audit, audit_before = stats.get("audit", {}), stats.get("audit_before", {})
    out = ["", "## Blind baseline", "", "How well the question alone answers, without the video: the best of a text "
           "model learned with cross-validation split by episode (words, named categories and actions, options) and "
           "fixed prior rules (majority answer per family, per category, per named set; for numeric options the one "
           "nearest the median, the middle and the longest), on held-out episodes (`simgen.qa.blind_audit`). Target: "
           "at most chance + 5 points in every family with at least 50 questions.", ""]
    rows = []
    for f, a in sorted(audit.items()):
        ok = None if a["blind"] is None or a["n"] < 50 else ("yes" if a["blind"] <= a["chance"] + 0.05 else "**no**")
        rows.append([f, a["n"], a["metric"], _pct(a["chance"]), _pct(a["blind"]), a.get("rule"),
                     _pct(audit_before.get(f, {}).get("blind")), ok, _pct(a.get("noise"))])
    judged = [r for r in rows if r[7] is not None]
    balance = stats.get("balance", {})
    spread = [concentration(balance.get(r[0], {}).get("answers_after", {})) for r in judged]
    out += [f"Targets met: best blind within chance + 5 points in {sum(r[7] == 'yes' for r in judged)} of "
            f"{len(judged)} families with at least 50 questions; most common answer ≤ 1.5 × the median answer count "
            f"in {sum(c is not None and c <= 1.5 for c in spread)} of them; {stats.get('records_out', 0)} questions "
            f"kept from {stats.get('episodes_out', 0)} episodes "
            f"({stats.get('records_out', 0) / max(stats.get('episodes_out', 0), 1):.1f} per episode).", ""]
    return out + _table(["family", "n", "metric", "chance", "best blind", "rule", "best blind before balancing",
                         "within chance + 5", "1 SE at chance"], rows)


def dataset_plots(summary: dict, plots_dir: Path) -> list[Path]:
    """Bar charts: questions per family, answer distribution per family, questions per knob value."""
    plt = pyplot()
    plots_dir.mkdir(parents=True, exist_ok=True)
    for old in plots_dir.glob("*.png"):  # the folder is the card's: no stale plot of an earlier dataset
        old.unlink()
    fams = summary["families"]
    written = []
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(fams) + 1.2))
    names = sorted(fams)
    ax.barh(names, [fams[f]["n"] for f in names])
    ax.set_xlabel("questions")
    ax.set_title("questions per family")
    written.append(save_figure(fig, plots_dir / "families.png"))
    cols = min(3, max(1, len(names)))
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False)
    for ax, f in zip(axes.flat, names):
        top = sorted(fams[f]["answers"].items(), key=lambda kv: (-kv[1], kv[0]))[:8]
        ax.bar(range(len(top)), [c for _, c in top])
        ax.set_xticks(range(len(top)), [str(a)[:12] for a, _ in top], rotation=45, ha="right", fontsize=7)
        ax.set_title(f, fontsize=9)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    written.append(save_figure(fig, plots_dir / "answers.png"))
    for knob, rows in summary["knobs"].items():
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.bar([str(v) for v in rows], [r["qa"] for r in rows.values()])
        ax.tick_params(axis="x", labelsize=7, labelrotation=30)
        ax.set_xlabel(knob)
        ax.set_ylabel("questions")
        ax.set_title(f"questions per {knob}")
        written.append(save_figure(fig, plots_dir / f"complexity_{knob}.png"))
    return written


def write_card(ds: Dataset, out_dir: Path, cfg: CardConfig = CardConfig()) -> Path:
    """Write ``README.md`` (and ``plots/``) for ``ds`` into ``out_dir``; returns the card's path."""
    out_dir = Path(out_dir)
    ratio = ds.read_json(STATS_FILE).get("config", {}).get("bucket_ratio", BalanceConfig.bucket_ratio)
    summary = summarize(ds, ratio)
    plots = []
    if cfg.plots and summary["records"]:
        try:
            plots = dataset_plots(summary, out_dir / PLOTS_DIR)
        except ConfigError as e:  # the card is still useful without its pictures
            log.warning("card: no plots: %s", e)
    parquet = next(iter(sorted((out_dir / "data").glob("*.parquet"))), None)
    text = card_text(ds, summary, cfg, [relative_to(p, out_dir) for p in plots],
                     relative_to(parquet, out_dir) if parquet else None)
    path = out_dir / CARD_FILE
    with atomic_open(path) as f:
        f.write(text)
    return path


@EXPORTERS.register("card", config=CardConfig)
class CardExporter:
    """The card as an exporter, so ``--format card`` (re)writes it after other formats."""

    format_name = "card"
    reads_other_formats = True  # it points at the other formats' files, so it runs after them

    def __init__(self, cfg: CardConfig):
        self.cfg = cfg

    def export(self, ds: Dataset, out_dir: Path) -> dict:
        """Write the card and plots; returns {format, files, records}."""
        path = write_card(ds, out_dir, self.cfg)
        files = [path] + sorted((Path(out_dir) / PLOTS_DIR).glob("*.png"))
        return {"format": self.format_name, "files": [relative_to(f, out_dir) for f in files], "records": None}
