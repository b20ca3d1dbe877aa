"""Merge the shards of a sweep into one dataset dir: dedup, balancing, blind audit — streamed.

``simgen-merge <shard dirs | multirun root>... --out <dataset dir> [--allow-mixed]``

This is the one path that balances a dataset. Each shard's ``qa.jsonl`` is already sorted by
``qa.records.sort_key`` (episode, family, id), so the shards are read as one k-way merged stream in
that canonical order, never all at once:

0. shards whose configs differ in keys other than their sweep's overrides are refused (the message
   names the keys) unless ``allow_mixed`` (``export.audit.check_configs``);
1. pass 1 parses and validates every record, drops repeats of (episode, question) — repeats can
   only sit in one episode's block of the stream, so only that block's questions are remembered —
   and notes each record's answer group, rank, conditional cells and numeric answer in compact
   arrays; a bounded per-family sample (lowest ranks) feeds the blind audit of the union;
2. ``qa.balance.select_balanced`` picks the records to keep (answer caps, then caps conditioned on
   what each question names), never a measurement whose prior cannot offer options told apart
   (``qa.options.OptionPriors.servable``);
3. pass 2 writes the kept records, their options over numbers or label sequences re-drawn from the
   kept answers of the same family (``qa.options``), so no magnitude or frequency rule beats
   chance, and every answer put at its family's next option position (``AnswerPositions``), so
   the letter tells nothing either; a bounded sample of the kept records feeds the blind audit
   (``qa.blind_audit``) that ``stats.json`` and the card report.

Memory grows by a few dozen bytes per record (compact arrays) plus one episode's questions and
the audit samples; ``benchmarks/export_throughput.py`` measures the peak at 1M records (target
< 1 GB). Same inputs give byte-identical outputs, so re-running is idempotent; shards made with
other schema versions are refused before anything is written. Episodes are hard-linked (copied
across file systems). Exports and the report in the dataset dir are not touched: re-run them
after a re-merge.
"""
from __future__ import annotations

import heapq
import json
import os
import shutil
import sys
from array import array
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Iterator

import numpy as np
from omegaconf import OmegaConf
from tqdm import tqdm

from simgen.export.audit import AuditSample, check_configs
from simgen.qa.options import AnswerPositions, OptionPriors, RankBalance, redraw_options
from simgen.export.dataset import (EPISODES_DIR, EPISODES_INDEX, MERGE_FILE, QA_FILE, STATS_FILE, EpisodeInfo,
                                   read_episode_json)
from simgen.qa.balance import BalanceConfig, CellTable, LabelSets, answer_key, cells, rank, select_balanced
from simgen.qa.records import QA_SCHEMA_VERSION, parse_record, sort_key, write_json_atomic
from simgen.io import InputError, atomic_open, iter_jsonl, json_line, read_json
from simgen.registry import ConfigError, check_config, parse_config, store_schema
from simgen.script_config import Script, run_script
from simgen.types import SCHEMA_VERSION as EPISODE_SCHEMA_VERSION

DATASET_SCHEMA_VERSION = 1


@dataclass
class Shard:
    """One shard run dir and what merge learns about it."""

    path: Path
    name: str
    run: dict
    episodes: dict  # episode_id -> EpisodeInfo
    episode_schema: set
    qa_schema: int | None
    records: int = 0


def find_shards(inputs: list[Path], out_dir: Path | None = None) -> list[Path]:
    """Shard dirs: inputs holding a ``qa.jsonl``, or every such folder below a multirun root."""
    found = []
    for p in map(Path, inputs):
        if (p / QA_FILE).is_file():
            found.append(p)
        elif p.is_dir():
            below = [q.parent for q in sorted(p.rglob(QA_FILE))
                     if not any(part.startswith(".") or part == EPISODES_DIR for part in q.relative_to(p).parts[:-1])]
            if not below:
                raise FileNotFoundError(f"merge: no shard under {p} (no {QA_FILE} in it or in its sub-folders)")
            found.extend(below)
        else:
            raise FileNotFoundError(f"merge: {p} is not a folder (expected a shard dir or a multirun root)")
    out = Path(out_dir).resolve() if out_dir is not None else None
    unique = sorted({q.resolve(): q for q in found if q.resolve() != out}.items())
    return [q for _, q in unique]


def _names(paths: list[Path]) -> list[str]:
    """Short unique shard names: paths relative to their common folder (the sweep's override dirs)."""
    resolved = [p.resolve() for p in paths]
    if len(resolved) == 1:
        return [resolved[0].name]
    common = Path(os.path.commonpath(resolved))
    return [p.relative_to(common).as_posix() for p in resolved]


def load_shard(path: Path, name: str) -> Shard:
    """Read a shard's run.json, its finished episodes' summaries and schema versions."""
    run = read_json(path / "run.json", expect=dict) if (path / "run.json").is_file() else {}
    episodes, versions = {}, set()
    for done in sorted((path / EPISODES_DIR).glob("*/.done")):
        data = read_episode_json(done.parent / "episode.json")
        versions.add(data.get("schema_version"))
        episodes[data["episode_id"]] = EpisodeInfo.from_episode_json(data, name)
    qa_schema = None
    for _, data in iter_jsonl(path / QA_FILE):
        qa_schema = data.get("schema_version")
        break
    return Shard(path, name, run, episodes, versions, qa_schema)


def check_schemas(shards: list[Shard]) -> None:
    """Refuse shards whose QA or episode schema version differs from this code's (hence from each other)."""
    by_version: dict[tuple, list[str]] = {}
    for s in shards:
        for ev in sorted(s.episode_schema, key=str) or [EPISODE_SCHEMA_VERSION]:
            by_version.setdefault((s.qa_schema if s.qa_schema is not None else QA_SCHEMA_VERSION, ev), []).append(s.name)
    expected = (QA_SCHEMA_VERSION, EPISODE_SCHEMA_VERSION)
    if set(by_version) != {expected}:
        detail = "; ".join(f"qa v{q} / episode v{e}: {sorted(set(n))}" for (q, e), n in sorted(by_version.items(), key=str))
        raise ConfigError(f"merge: shards made with incompatible schema versions ({detail}); this simgen reads "
                          f"qa v{expected[0]} / episode v{expected[1]} — re-run the older shards' stages instead of mixing")


def _sorted_stream(shard: Shard, parse: bool) -> Iterator:
    """A shard's records (QAItems, or raw dicts when ``parse`` is False), checking canonical order."""
    last = None
    path = shard.path / QA_FILE
    for lineno, data in iter_jsonl(path):
        item = parse_record(data, f"{path}:{lineno}") if parse else data
        key = sort_key(item) if parse else (data["episode_id"], data["family"], data["id"])
        if last is not None and key < last:
            raise ValueError(f"{path}:{lineno}: records are not in canonical order (episode, family, id); "
                             f"re-write the file with simgen.qa.records.write_jsonl")
        last = key
        yield shard, item


def merged_stream(shards: list[Shard], parse: bool = True) -> Iterator:
    """All shards' records as one stream in canonical order: (shard, record) pairs."""
    key = (lambda p: sort_key(p[1])) if parse else (lambda p: (p[1]["episode_id"], p[1]["family"], p[1]["id"]))
    return heapq.merge(*(_sorted_stream(s, parse) for s in shards), key=key)


def _link(src: Path, dst: Path) -> None:
    """Hard-link ``src`` at ``dst`` (copy across file systems), replacing what is there atomically."""
    if dst.exists() and os.path.samefile(src, dst):
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.tmp")
    if tmp.exists():
        tmp.unlink()
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copy2(src, tmp)
    os.replace(tmp, dst)


def _counts(value) -> dict:
    """A ``{reason: count}`` object of stats.json (None: none); ValueError for anything else."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(type(n) is int for n in value.values()):
        raise ValueError(f"got {json.dumps(value)[:40]}")
    return value


def _sum_rejections(shards: list[Shard]) -> dict:
    """Rejected candidates by reason, in total and per family, summed over the shards' ``stats.json``."""
    total: Counter = Counter()
    by_family: dict[str, Counter] = {}
    for s in shards:
        stats = read_json(s.path / STATS_FILE, expect=dict) if (s.path / STATS_FILE).is_file() else {}
        try:
            total.update(_counts(stats.get("rejected")))
            for family, entry in sorted((stats.get("families") or {}).items()):
                by_family.setdefault(family, Counter()).update(_counts(entry.get("rejected")))
        except (AttributeError, TypeError, ValueError) as e:
            raise InputError(f"{s.path / STATS_FILE}: rejected counts: expected {{reason: count}} objects "
                             f"({type(e).__name__}: {e})") from None
    return {"total": dict(sorted(total.items())),
            "by_family": {f: dict(sorted(c.items())) for f, c in sorted(by_family.items()) if c}}


def _prepare_out(out: Path, shard_paths: list[Path]) -> None:
    """Refuse to write over a folder that is not an earlier merge's output (or is one of the shards).
    The folder itself is made by the first write, after every shard has been read."""
    if any(out.resolve() == p.resolve() for p in shard_paths):
        raise ConfigError(f"merge: --out {out} is one of the input shards")
    if out.exists() and any(out.iterdir()) and not (out / MERGE_FILE).is_file():
        raise ConfigError(f"merge: {out} exists and is not a simgen dataset dir (no {MERGE_FILE}); choose an empty folder")


@dataclass
class _Scan:
    """What pass 1 keeps per record: 1 byte of status, plus per candidate its answer group, rank,
    cells and what its options will be drawn from."""

    status: array  # per record in stream order: 1 candidate, 0 repeat of (episode, question)
    group: array  # per candidate: id of its (family, answer key)
    rank: array  # per candidate: balance's id-derived rank
    groups: dict  # (family, answer key) -> id
    cells: CellTable
    options: OptionPriors
    labels: LabelSets
    records_in: int = 0


def _scan(shards: list[Shard], cfg: BalanceConfig, audit: AuditSample) -> _Scan:
    """Pass 1: validate every record, drop repeats, note groups, ranks, cells and values, sample the audit."""
    wanted = {fam: entry["options"] for s in shards for fam, entry in _ask_families(s.run).items()
              if isinstance(entry, dict) and isinstance(entry.get("options"), int)}  # numbers asked with options
    scan = _Scan(array("b"), array("q"), array("Q"), {}, CellTable(), OptionPriors(wanted), LabelSets())
    current_episode, questions = None, set()
    for shard, item in tqdm(merged_stream(shards), desc="merge: read", unit="qa", disable=None):
        scan.records_in += 1
        shard.records += 1
        if item.episode_id not in shard.episodes:
            raise ValueError(f"merge: {shard.path / QA_FILE} has a question about episode {item.episode_id}, "
                             f"which is not a finished episode (episodes/<id>/.done) of that shard")
        if item.episode_id != current_episode:  # repeats can only sit in one episode's block
            current_episode, questions = item.episode_id, set()
        if item.question in questions:
            scan.status.append(0)
            continue
        questions.add(item.question)
        scan.status.append(1)
        key = (item.family, answer_key(item, cfg.bucket_ratio))
        scan.group.append(scan.groups.setdefault(key, len(scan.groups)))
        scan.rank.append(rank(item))
        scan.cells.add(cells(item, cfg.bucket_ratio))
        scan.options.add(item)
        scan.labels.add(item)
        audit.add(item)
    return scan


def _ask_families(run: dict) -> dict:
    """The per-family entries of a shard's ask stats (empty when absent or not a mapping)."""
    ask = run.get("ask")
    families = ask.get("families") if isinstance(ask, dict) else None
    return families if isinstance(families, dict) else {}


def _write_kept(shards: list[Shard], status: array, keep: np.ndarray, path: Path, priors: OptionPriors,
                audit: AuditSample) -> set[str]:
    """Pass 2: write the kept records (raw lines as canonical JSON, numeric options re-drawn, every
    answer at its family's next option position) and sample them for the audit; returns their episode ids."""
    episodes, candidate, positions, ranks = set(), 0, AnswerPositions(), RankBalance()
    pools = priors.pools(keep)
    with atomic_open(path) as f:
        stream = tqdm(merged_stream(shards, parse=False), desc="merge: write", unit="qa", total=len(status), disable=None)
        for seq, (_, data) in enumerate(stream):
            if not status[seq]:
                continue
            if keep[candidate]:
                n = priors.wanted.get(data["family"]) if data["answer_type"] == "number" else None
                data = positions.place(redraw_options(data, pools, n, ranks))
                f.write(json_line(data) + "\n")
                audit.add(data)
                episodes.add(data["episode_id"])
            candidate += 1
    return episodes


def merge(inputs: list[Path], out: Path, cfg: BalanceConfig = BalanceConfig(), with_arrays: bool = False,
          card: bool = True, allow_mixed: bool = False) -> dict:
    """Merge shards into ``out``; returns the stats written to ``out/stats.json``."""
    check_config(cfg, "merge")
    out = Path(out)
    paths = find_shards(inputs, out)
    shards = [load_shard(p, n) for p, n in zip(paths, _names(paths))]
    check_schemas(shards)
    mixed = check_configs([s.path for s in shards], [s.name for s in shards], allow_mixed)
    rejected = _sum_rejections(shards)  # every shard file is read before anything is written
    _prepare_out(out, paths)
    episodes: dict[str, EpisodeInfo] = {}
    for s in shards:
        for eid, info in s.episodes.items():
            if eid in episodes and episodes[eid].shard != s.name:
                raise ConfigError(f"merge: episode {eid} is in shards {episodes[eid].shard} and {s.name}; "
                                  "shards of one dataset need distinct (seed, shard, config)")
            episodes.setdefault(eid, info)
    before = AuditSample(cfg.audit_max_per_family)
    scan = _scan(shards, cfg, before)
    names = sorted(scan.groups, key=scan.groups.get)
    keep, report = select_balanced(np.frombuffer(scan.group, dtype=np.int64), np.frombuffer(scan.rank, dtype=np.uint64),
                                   names, scan.cells, cfg, scan.labels.sizes(),
                                   scan.options.servable(np.ones(len(scan.group), dtype=bool)))
    after = AuditSample(cfg.audit_max_per_family)
    kept_episodes = _write_kept(shards, scan.status, keep, out / QA_FILE, scan.options, after)
    _write_episodes(out, shards, {e: episodes[e] for e in sorted(kept_episodes)}, with_arrays)
    stats = {
        "records_in": scan.records_in,
        "duplicates_dropped": scan.records_in - len(scan.group),
        "records_out": int(keep.sum()),
        "episodes_out": len(kept_episodes),
        "balance": report,
        "audit_before": before.report(cfg),
        "audit": after.report(cfg),
        "config": asdict(cfg),
        "mixed_configs": mixed,
        "rejected": rejected,
    }
    write_json_atomic(out / STATS_FILE, stats)
    write_json_atomic(out / MERGE_FILE, _provenance(shards, out, cfg, stats, len(kept_episodes)))
    if card:
        from simgen.export.card import write_card
        from simgen.export.dataset import Dataset

        write_card(Dataset(out), out)
    return stats


def _write_episodes(out: Path, shards: list[Shard], keep: dict[str, EpisodeInfo], with_arrays: bool) -> None:
    """Link each kept episode's files, write ``episodes.jsonl`` and drop episodes of an earlier merge."""
    by_name = {s.name: s for s in shards}
    for eid, info in keep.items():
        src = by_name[info.shard].path / EPISODES_DIR / eid
        video = info.files.get("video", "video.mp4")
        if not (src / video).is_file():
            raise FileNotFoundError(f"merge: episode {eid} of shard {info.shard} has no {video}")
        names = ["episode.json", video]
        if with_arrays and (src / info.files.get("arrays", "arrays.npz")).is_file():
            names.append(info.files.get("arrays", "arrays.npz"))
        for name in names:
            _link(src / name, out / EPISODES_DIR / eid / name)
    root = out / EPISODES_DIR
    for old in sorted(root.iterdir()) if root.is_dir() else []:
        if old.name not in keep:
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    with atomic_open(out / EPISODES_INDEX) as f:
        for info in keep.values():
            f.write(json_line(info.to_dict()) + "\n")


def _provenance(shards: list[Shard], out: Path, cfg: BalanceConfig, stats: dict, n_episodes: int) -> dict:
    """``merge.json``: dataset schema, per-shard seed/config/overrides and copies of each shard's config."""
    entries = []
    shutil.rmtree(out / "configs", ignore_errors=True)  # copies from an earlier merge
    for s in shards:
        hydra_dir = s.path / ".hydra"
        config_copy = None
        if (hydra_dir / "config.yaml").is_file():
            config_copy = f"configs/{s.name.replace('/', '__')}.yaml"
            target = out / config_copy
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(hydra_dir / "config.yaml", target)
        overrides = []
        if (hydra_dir / "overrides.yaml").is_file():
            import yaml

            overrides = yaml.safe_load((hydra_dir / "overrides.yaml").read_text()) or []
        entries.append({"name": s.name, "seed": s.run.get("seed"), "shard": s.run.get("shard"),
                        "config_hash": s.run.get("config_hash"), "overrides": overrides, "config": config_copy,
                        "records": s.records, "episodes": len(s.episodes)})
    return {"dataset_schema_version": DATASET_SCHEMA_VERSION, "qa_schema_version": QA_SCHEMA_VERSION,
            "episode_schema_version": EPISODE_SCHEMA_VERSION, "shards": entries, "balance": asdict(cfg),
            "records": stats["records_out"], "episodes": n_episodes}


@dataclass
class MergeJob:
    """simgen-merge's keys (``conf/simgen_merge.yaml``); ``balance`` is the qa group's BalanceConfig."""

    inputs: list = field(default_factory=list)  # shard run dirs, or a multirun root holding them
    out: str = "???"  # the dataset dir to write (empty, or an earlier merge)
    with_arrays: bool = False  # also link each episode's arrays.npz
    card: bool = True  # write README.md (the dataset card)
    allow_mixed: bool = False  # merge shards whose configs differ beyond their sweep's overrides (keys recorded)
    balance: BalanceConfig = BalanceConfig()


store_schema("merge_job", MergeJob, option=False)
_BALANCE_OPTIONS = {f"--{f.name.replace('_', '-')}": f"balance.{f.name}" for f in fields(BalanceConfig)}  # --folds N
SCRIPT = Script("simgen-merge", "simgen_merge", __doc__, positional=("inputs[]",),
                flags={"--out": "out", **_BALANCE_OPTIONS},
                switches={"--with-arrays": "with_arrays=true", "--no-card": "card=false",
                          "--allow-mixed": "allow_mixed=true"})


def _run(cfg) -> int:
    data = OmegaConf.to_container(cfg, resolve=True)
    balance = parse_config(BalanceConfig, data.pop("balance"), "balance")
    job = parse_config(MergeJob, data, "")
    if not job.inputs or job.out == "???":
        missing = "inputs" if not job.inputs else "out"
        raise ConfigError(f"{missing}: missing; simgen-merge SHARD_DIRS... --out DATASET_DIR")
    try:
        stats = merge([Path(p) for p in job.inputs], Path(job.out), balance, job.with_arrays, card=job.card,
                      allow_mixed=job.allow_mixed)
    except (ConfigError, FileNotFoundError, ValueError) as e:  # what the shards hold, not the command line
        raise SystemExit(f"merge: {e}")
    print(json.dumps({k: stats[k] for k in ("records_in", "duplicates_dropped", "records_out")}))
    return 0


def main(argv: list[str] | None = None) -> None:
    """Command line: merge shards (or a multirun root) into one balanced, audited dataset dir."""
    code = run_script(SCRIPT, _run, argv)
    if code:
        sys.exit(code)


if __name__ == "__main__":
    main()
