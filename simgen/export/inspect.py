"""Contact sheets for judging questions by eye: each sampled QA beside the frames it rests on.

``simgen-inspect <run dir | dataset dir | multirun root> [--family F ...] [--seed S ...]
[--episode ID ...] [--id QA ...] [--sample N --random-seed S] [--out DIR]``

Writes one PNG per question and an ``index.html`` listing them (filterable by family) under
``<dir>/inspect/``, plus ``sheets.json`` saying where each frame and box was drawn. A sheet shows
the question, options, answer, family and certificate above the frames: an image question's
frame(s); for a video question an evenly spaced strip, the frames it names or its program read, and
the frames where each referent first shows and is seen best. Each referent is outlined with its ``bbox_2d`` from
``episode.json`` and named. The sample is a seeded reservoir sample over the filtered records in
file order, so the same arguments pick the same questions.
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
from omegaconf import OmegaConf

from simgen.export import contact_sheet as cs
from simgen.io import atomic_open
from simgen.export.dataset import EPISODES_DIR, QA_FILE, Dataset, decode_frames, read_episode_json
from simgen.export.inspect_frames import frames_to_show, referents
from simgen.export.inspect_page import write_index
from simgen.export.prompt import option_lines
from simgen.qa.records import QAItem
from simgen.registry import ConfigError, parse_config, setting, store_schema
from simgen.script_config import Script, run_script

PROG = "simgen-inspect"
OUT_DIR = "inspect"


@dataclass(frozen=True)
class Filters:
    """Which records to inspect; empty tuples mean "any"."""

    families: tuple[str, ...] = ()
    seeds: tuple[int, ...] = ()
    episodes: tuple[str, ...] = ()  # episode ids or id prefixes
    ids: tuple[str, ...] = ()  # QA ids or id prefixes

    def keep(self, item: QAItem) -> bool:
        """True when ``item`` passes every filter."""
        return ((not self.families or item.family in self.families)
                and (not self.seeds or item.seed in self.seeds)
                and (not self.episodes or any(item.episode_id.startswith(e) for e in self.episodes))
                and (not self.ids or any(item.id.startswith(i) for i in self.ids)))

    def describe(self) -> str:
        """The filters as the command-line flags that set them."""
        flags = [f"--{flag} {v}" for flag, values in (("family", self.families), ("seed", self.seeds),
                                                      ("episode", self.episodes), ("id", self.ids))
                 for v in values]
        return " ".join(flags) or "(none)"


def find_sources(root: Path) -> list[Dataset]:
    """The run or dataset dirs at or below ``root`` (a multirun root holds several); FileNotFoundError if none."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder (expected a run dir, a dataset dir or a multirun root)")
    if (root / QA_FILE).is_file():
        return [Dataset(root)]
    below = [q.parent for q in sorted(root.rglob(QA_FILE))
             if not any(p.startswith(".") or p in (EPISODES_DIR, OUT_DIR) for p in q.relative_to(root).parts[:-1])]
    if not below:
        raise FileNotFoundError(f"{root}: no {QA_FILE} in it or its sub-folders; expected a run dir, a dataset dir "
                                "(simgen-merge output) or a multirun root")
    return [Dataset(p) for p in below]


def select(sources: list[Dataset], filters: Filters, sample: int, random_seed: int) -> tuple[list, dict]:
    """(source, item) pairs in file order: all that pass ``filters`` (``sample`` 0), else a seeded
    reservoir sample of ``sample`` of them; and per-family counts of the records that passed."""
    rng = np.random.default_rng(random_seed)
    chosen: list[tuple[int, Dataset, QAItem]] = []
    passed: dict[str, int] = {}
    n = 0
    for src in sources:
        for item in src.items():
            if not filters.keep(item):
                continue
            passed[item.family] = passed.get(item.family, 0) + 1
            if not sample or len(chosen) < sample:
                chosen.append((n, src, item))
            elif (j := int(rng.integers(0, n + 1))) < sample:
                chosen[j] = (n, src, item)
            n += 1
    return [(src, item) for _, src, item in sorted(chosen, key=lambda c: c[0])], passed


def _answer(item: QAItem) -> str:
    text = item.answer_text + (f" ({item.answer_letter})" if item.answer_letter else "")
    return text + (f" {item.unit}" if item.unit and item.unit != "count" else "")


def _margin_text(m: dict) -> str:
    detail = ", ".join(f"{k}={v}" for k, v in m.get("detail", {}).items())
    return f"{m.get('kind')}: {m.get('margin')} {m.get('unit') or ''}" + (f" ({detail})" if detail else "")


def panel_lines(item: QAItem, src: Dataset, refs: list[tuple[str, int]], colors: dict) -> list[cs.TextLine]:
    """The text above a sheet's frames: header, question, options, answer, certificate, legend."""
    lines = [cs.TextLine(f"{item.family} v{item.family_version} | {item.modality} | episode {item.episode_id} | "
                         f"seed {item.seed} | qa {item.id} | {src.root.name}", cs.SMALL_SCALE),
             cs.TextLine(f"Q: {item.question}", bold=True)]
    lines += [cs.TextLine(o) for o in option_lines(item)]
    lines.append(cs.TextLine(f"Answer: {_answer(item)}", bold=True))
    cert = dict(item.certificate)
    visibility = cert.pop("visibility", {}) or {}
    for m in cert.pop("margins", ()):
        lines.append(cs.TextLine(f"margin {_margin_text(m)}", cs.SMALL_SCALE))
    for key, value in sorted(cert.items()):
        lines.append(cs.TextLine(f"{key}: {json.dumps(value, sort_keys=True)}", cs.SMALL_SCALE))
    for name, oid in refs:
        v = visibility.get(name)
        numbers = ", ".join(f"{k}={x}" for k, x in sorted(v.items()) if k != "object_id") if v else "(outlined because the question or answer names its category; no certificate entry)"
        lines.append(cs.TextLine(f"{name} (id {oid}): {numbers}", cs.SMALL_SCALE, swatch=colors[oid]))
    return lines


def draw_sheet(item: QAItem, src: Dataset, episode: dict, images: dict, strip: int, tile_width: int,
               columns: int) -> tuple[np.ndarray, dict]:
    """One question's contact sheet and its layout entry (frames, their rectangles and boxes)."""
    refs = referents(item, episode)
    colors = {oid: cs.PALETTE[n % len(cs.PALETTE)] for n, (_, oid) in enumerate(refs)}
    names = dict((oid, name) for name, oid in refs)
    fps = float(episode["fps"])
    plan = frames_to_show(item, episode, refs, strip)
    width = columns * (tile_width + cs.PAD) + cs.PAD
    if 0 < len(plan) < columns:  # one or two frames (image questions): drawn larger, up to twice the width
        tile_width = min(2 * tile_width, (width - cs.PAD) // len(plan) - cs.PAD)
    tiles, layout = [], []
    for frame, why in plan:
        boxes = [cs.Box(names[v["object_id"]], colors[v["object_id"]], tuple(v["bbox_2d"]))
                 for v in episode["frames"][frame]["visibility"] if v["object_id"] in names and v.get("bbox_2d")]
        drawn, top = cs.draw_tile(cs.Tile(frame, f"frame {frame}  t={frame / fps:.1f}s  {why}", images[frame], boxes),
                                  tile_width)
        tiles.append(drawn)
        layout.append({"frame": frame, "why": why, "top": top, "scale": tile_width / images[frame].shape[1],
                       "boxes": [{"name": b.name, "color": list(b.color), "bbox_2d": list(b.bbox)} for b in boxes]})
    sheet, origins = cs.compose_sheet(cs.text_panel(panel_lines(item, src, refs, colors), width), tiles, columns)
    for entry, (x, y) in zip(layout, origins):
        entry["x"], entry["y"] = x, y + entry.pop("top")  # top-left of the frame image itself
    return sheet, {"frames": layout}


def _load_episode(src: Dataset, episode_id: str) -> tuple[dict, Path]:
    folder = src.root / EPISODES_DIR / episode_id
    episode = read_episode_json(folder / "episode.json")
    return episode, folder / episode.get("files", {}).get("video", "video.mp4")


def inspect_dir(root: Path, out: Path | None = None, filters: Filters = Filters(), sample: int = 40,
                random_seed: int = 0, strip: int = 6, tile_width: int = 400, columns: int = 3,
                progress: bool = True) -> dict:
    """Write the contact sheets, ``sheets.json`` and ``index.html``; returns a summary.

    LookupError when no record passes the filters (the message lists the families present).
    """
    from tqdm import tqdm

    sources = find_sources(root)
    out = Path(out) if out is not None else Path(root) / OUT_DIR
    chosen, passed = select(sources, filters, sample, random_seed)
    if not chosen:
        present = sorted({it.family for src in sources for it in src.items()})
        if not present:
            raise LookupError(f"{root}: {QA_FILE} holds no questions")
        raise LookupError(f"{root}: no question passes the filters {filters.describe()}; families present: {', '.join(present)}")
    out.mkdir(parents=True, exist_ok=True)
    _remove_old_sheets(out)
    by_episode: dict[tuple, list[int]] = {}
    for n, (src, item) in enumerate(chosen):
        by_episode.setdefault((id(src), item.episode_id), []).append(n)
    bar = tqdm(total=len(chosen), desc="sheets", unit="qa", disable=not progress)
    entries = [None] * len(chosen)
    for indices in by_episode.values():
        src, episode_id = chosen[indices[0]][0], chosen[indices[0]][1].episode_id
        episode, video = _load_episode(src, episode_id)
        plans = {n: frames_to_show(chosen[n][1], episode, referents(chosen[n][1], episode), strip) for n in indices}
        images = decode_frames(video, sorted({f for plan in plans.values() for f, _ in plan}))
        for n in indices:
            item = chosen[n][1]
            sheet, entry = draw_sheet(item, src, episode, images, strip, tile_width, columns)
            name = f"{n:04d}_{item.family}_{item.id}.png"
            cs.write_png(out / name, sheet)
            entries[n] = {"file": name, "qa_id": item.id, "family": item.family, "episode_id": item.episode_id,
                          "seed": item.seed, "source": str(src.root), "question": item.question,
                          "options": option_lines(item), "answer": _answer(item), **entry}
            bar.update()
    bar.close()
    with atomic_open(out / "sheets.json") as f:
        json.dump({"root": str(root), "filters": asdict(filters), "sample": sample,
                   "random_seed": random_seed, "passed_filters": passed, "sheets": entries}, f, indent=1)
    write_index(out / "index.html", entries, passed)
    return {"sheets": len(entries), "passed_filters": sum(passed.values()), "out": str(out)}


def _remove_old_sheets(out: Path) -> None:
    """Drop the sheets an earlier run listed in ``sheets.json`` (a new sample must not mix with them)."""
    old = out / "sheets.json"
    if old.is_file():
        for entry in json.loads(old.read_text(encoding="utf-8")).get("sheets", ()):
            (out / Path(entry["file"]).name).unlink(missing_ok=True)


@dataclass(frozen=True)
class InspectJob:
    """simgen-inspect's keys (``conf/simgen_inspect.yaml``)."""

    dir: str = "???"  # a run dir, a dataset dir (simgen-merge output) or a multirun root
    out: Optional[str] = None  # output folder (default: <dir>/inspect)
    families: list = field(default_factory=list)  # only these families
    seeds: list = field(default_factory=list)  # only these config seeds
    episodes: list = field(default_factory=list)  # only these episode ids or id prefixes
    ids: list = field(default_factory=list)  # only these QA ids or id prefixes
    sample: int = setting(40, ge=0)  # seeded random sample of N questions; 0: all
    random_seed: int = 0  # seed of the sample
    strip: int = setting(6, ge=0)  # evenly spaced frames shown for a video question
    tile_width: int = setting(400, ge=64)  # width of each frame on a sheet, pixels
    columns: int = setting(3, ge=1)  # frames per row
    progress: bool = True  # a progress bar


store_schema("inspect_job", InspectJob, option=False)
SCRIPT = Script(PROG, "simgen_inspect", "Contact sheets (PNG) and an index.html for judging sampled questions by eye.",
                positional=("dir",),
                flags={"--out": "out", "--family": "families[]", "--seed": "seeds[]", "--episode": "episodes[]",
                       "--id": "ids[]", "--sample": "sample", "--random-seed": "random_seed", "--strip": "strip",
                       "--tile-width": "tile_width", "--columns": "columns"},
                switches={"--no-progress": "progress=false"})


def _run(cfg) -> int:
    job = parse_config(InspectJob, OmegaConf.to_container(cfg, resolve=True), "")
    if job.dir == "???":
        raise ConfigError(f"dir: missing; {PROG} DIR [--sample N] [--family F]")
    filters = Filters(tuple(job.families), tuple(int(s) for s in job.seeds), tuple(map(str, job.episodes)),
                      tuple(map(str, job.ids)))
    try:
        summary = inspect_dir(Path(job.dir), Path(job.out) if job.out else None, filters, job.sample, job.random_seed,
                              job.strip, job.tile_width, job.columns, progress=job.progress)
    except (FileNotFoundError, ValueError, KeyError, LookupError) as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    print(json.dumps(summary, sort_keys=True))
    return 0


def main(argv: list[str] | None = None) -> None:
    """Contact sheets (PNG) and an index.html for judging sampled questions by eye."""
    code = run_script(SCRIPT, _run, argv)
    if code:
        sys.exit(code)


if __name__ == "__main__":
    main()
