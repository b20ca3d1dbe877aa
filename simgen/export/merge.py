"""Merge the shards of a sweep into one dataset dir: dedup, global balancing, blind audit — streamed.

``python -m simgen.export.merge <shard dirs | multirun root>... --out <dataset dir>``

Each shard's ``qa.jsonl`` is already sorted by ``qa.records.sort_key`` (episode, family, id), so the
shards are read as one k-way merged stream in that canonical order, never all at once:

1. pass 1 parses and validates every record, drops repeats of (episode, question) — repeats can
   only sit in one episode's block of the stream, so only that block's questions are remembered —
   notes each record's balance group and rank in compact arrays, and feeds the blind audit;
2. the caps of ``qa.balance`` (CLEVR-style, per family, over the union) pick the records to keep;
3. pass 2 writes the kept records; a slim spill file written in pass 1 feeds the audits' second
   pass (``export.audit.StreamingAudit``), for the union and for the kept set.

Memory grows by ~60 bytes per record (compact arrays of the merge and both audits) plus one
episode's questions: ``benchmarks/export_throughput.py`` measured a 214 MiB peak at 1M records.
Same inputs give byte-identical outputs, so re-running is idempotent; shards made with other
schema versions are refused before anything is written. Episodes are hard-linked (copied across
file systems). Exports and the report in the dataset dir are not touched: re-run them after a
re-merge.
"""
from __future__ import annotations

import argparse
import heapq
import json
import os
import shutil
from array import array
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from simgen.export.audit import AuditRecord, StreamingAudit
from simgen.export.base import atomic_open, json_line
from simgen.export.dataset import (EPISODES_DIR, EPISODES_INDEX, MERGE_FILE, QA_FILE, STATS_FILE, EpisodeInfo,
                                   iter_lines, parse_record, read_episode_json)
from simgen.qa.balance import (BalanceConfig, _rank, add_balance_arguments, answer_caps, answer_key,
                                balance_config_from_args)
from simgen.qa.records import QA_SCHEMA_VERSION, sort_key, write_json_atomic
from simgen.registry import ConfigError
from simgen.types import SCHEMA_VERSION as EPISODE_SCHEMA_VERSION

DATASET_SCHEMA_VERSION = 1
TMP_DIR = ".merge-tmp"


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
    run = json.loads((path / "run.json").read_text()) if (path / "run.json").is_file() else {}
    episodes, versions = {}, set()
    for done in sorted((path / EPISODES_DIR).glob("*/.done")):
        data = read_episode_json(done.parent / "episode.json")
        versions.add(data.get("schema_version"))
        episodes[data["episode_id"]] = EpisodeInfo.from_episode_json(data, name)
    qa_schema = None
    for _, data in iter_lines(path / QA_FILE):
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
    for lineno, data in iter_lines(path):
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


def _sum_rejections(shards: list[Shard]) -> dict:
    """Rejected candidates by reason, in total and per family, summed over the shards' ``stats.json``."""
    total: Counter = Counter()
    by_family: dict[str, Counter] = {}
    for s in shards:
        stats = json.loads((s.path / STATS_FILE).read_text()) if (s.path / STATS_FILE).is_file() else {}
        total.update(stats.get("rejected") or {})
        for family, entry in sorted((stats.get("families") or {}).items()):
            by_family.setdefault(family, Counter()).update(entry.get("rejected") or {})
    return {"total": dict(sorted(total.items())),
            "by_family": {f: dict(sorted(c.items())) for f, c in sorted(by_family.items()) if c}}


def _prepare_out(out: Path, shard_paths: list[Path]) -> None:
    """Refuse to write over a folder that is not an earlier merge's output (or is one of the shards)."""
    if any(out.resolve() == p.resolve() for p in shard_paths):
        raise ConfigError(f"merge: --out {out} is one of the input shards")
    if out.exists() and any(out.iterdir()) and not (out / MERGE_FILE).is_file():
        raise ConfigError(f"merge: {out} exists and is not a simgen dataset dir (no {MERGE_FILE}); choose an empty folder")
    shutil.rmtree(out / TMP_DIR, ignore_errors=True)
    (out / TMP_DIR).mkdir(parents=True)


@dataclass
class _Scan:
    """What pass 1 keeps per record: 1 byte of status, plus an answer-group id and a rank per candidate."""

    status: array  # per record in stream order: 1 candidate, 0 repeat of (episode, question)
    group: array  # per candidate: id of its (family, answer key)
    rank: array  # per candidate: balance's id-derived rank
    groups: dict  # (family, answer key) -> id
    records_in: int = 0


def _scan(shards: list[Shard], cfg: BalanceConfig, spill_path: Path, audit: StreamingAudit) -> _Scan:
    """Pass 1: validate every record, drop repeats, note balance groups and ranks, feed the audit."""
    scan = _Scan(array("b"), array("q"), array("Q"), {})
    current_episode, questions = None, set()
    with open(spill_path, "w", encoding="utf-8") as spill:
        for shard, item in merged_stream(shards):
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
            scan.rank.append(_rank(item))
            rec = AuditRecord.of(item)
            audit.add(rec)
            spill.write(json.dumps(list(rec), ensure_ascii=False) + "\n")
    return scan


def select_balanced(group: np.ndarray, rank: np.ndarray, names: list[tuple[str, str]],
                    cfg: BalanceConfig) -> tuple[np.ndarray, dict]:
    """``qa.balance.balance`` over compact arrays: which records to keep, and the per-family report.

    ``group[i]`` indexes ``names`` ((family, answer key) pairs); each family's answers are capped by
    ``balance.answer_caps`` and each answer keeps its lowest-ranked records (ties: stream order).
    """
    counts = np.bincount(group, minlength=len(names))
    caps = np.zeros(len(names), dtype=np.int64)
    report = {}
    for family in sorted({f for f, _ in names}):
        ids = [i for i, (f, _) in enumerate(names) if f == family]
        fam_counts = Counter({names[i][1]: int(counts[i]) for i in ids})
        fam_caps = answer_caps(fam_counts, cfg)
        for i in ids:
            caps[i] = fam_caps[names[i][1]]
        report[family] = {
            "before": sum(fam_counts.values()),
            "after": sum(fam_caps.values()),
            "dropped": sum(fam_counts.values()) - sum(fam_caps.values()),
            "answers_before": dict(sorted(fam_counts.items())),
            "answers_after": {a: fam_caps[a] for a in sorted(fam_caps)},
        }
    order = np.lexsort((np.arange(len(group)), rank, group))  # by group, then rank, then stream position
    first = np.searchsorted(group[order], np.arange(len(names)))
    position = np.arange(len(order)) - first[group[order]]
    keep = np.zeros(len(group), dtype=bool)
    keep[order] = position < caps[group[order]]
    return keep, report


def _write_kept(shards: list[Shard], status: array, keep: np.ndarray, path: Path) -> set[str]:
    """Pass 2: write the kept records (raw lines as canonical JSON); returns their episode ids."""
    episodes, candidate = set(), 0
    with atomic_open(path) as f:
        for seq, (_, data) in enumerate(merged_stream(shards, parse=False)):
            if not status[seq]:
                continue
            if keep[candidate]:
                f.write(json_line(data) + "\n")
                episodes.add(data["episode_id"])
            candidate += 1
    return episodes


def _audit_kept(spill_path: Path, keep: np.ndarray, before: StreamingAudit, cfg: BalanceConfig) -> StreamingAudit:
    """Finish the audit of the union and run the audit of the kept records, from the spill file."""
    after = StreamingAudit(cfg)
    for i, rec in enumerate(_read_spill(spill_path)):
        if keep[i]:
            after.add(rec)
    for i, rec in enumerate(_read_spill(spill_path)):
        before.check(rec)
        if keep[i]:
            after.check(rec)
    return after


def merge(inputs: list[Path], out: Path, cfg: BalanceConfig = BalanceConfig(), with_arrays: bool = False,
          card: bool = True) -> dict:
    """Merge shards into ``out``; returns the stats written to ``out/stats.json``."""
    cfg.validate("merge")
    out = Path(out)
    paths = find_shards(inputs, out)
    shards = [load_shard(p, n) for p, n in zip(paths, _names(paths))]
    check_schemas(shards)
    _prepare_out(out, paths)
    episodes: dict[str, EpisodeInfo] = {}
    for s in shards:
        for eid, info in s.episodes.items():
            if eid in episodes and episodes[eid].shard != s.name:
                raise ConfigError(f"merge: episode {eid} is in shards {episodes[eid].shard} and {s.name}; "
                                  "shards of one dataset need distinct (seed, shard, config)")
            episodes.setdefault(eid, info)
    before = StreamingAudit(cfg)
    spill_path = out / TMP_DIR / "audit.jsonl"
    scan = _scan(shards, cfg, spill_path, before)
    names = sorted(scan.groups, key=scan.groups.get)
    keep, report = select_balanced(np.array(scan.group, dtype=np.int64), np.array(scan.rank, dtype=np.uint64),
                                   names, cfg)
    kept_episodes = _write_kept(shards, scan.status, keep, out / QA_FILE)
    after = _audit_kept(spill_path, keep, before, cfg)
    _write_episodes(out, shards, {e: episodes[e] for e in sorted(kept_episodes)}, with_arrays)
    stats = {
        "records_in": scan.records_in,
        "duplicates_dropped": scan.records_in - len(scan.group),
        "records_out": int(keep.sum()),
        "balance": report,
        "audit_before": before.report(),
        "audit": after.report(),
        "config": asdict(cfg),
        "rejected": _sum_rejections(shards),
    }
    write_json_atomic(out / STATS_FILE, stats)
    write_json_atomic(out / MERGE_FILE, _provenance(shards, out, cfg, stats, len(kept_episodes)))
    shutil.rmtree(out / TMP_DIR, ignore_errors=True)
    if card:
        from simgen.export.card import write_card
        from simgen.export.dataset import Dataset

        write_card(Dataset(out), out)
    return stats


def _read_spill(path: Path) -> Iterator[AuditRecord]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = json.loads(line)
            fields[-1] = tuple(fields[-1])
            yield AuditRecord(*fields)


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


def main(argv: list[str] | None = None) -> None:
    """Command line: merge shards (or a multirun root) into one balanced, audited dataset dir."""
    ap = argparse.ArgumentParser(prog="python -m simgen.export.merge", description=main.__doc__)
    ap.add_argument("inputs", nargs="+", type=Path, help="shard run dirs, or a multirun root holding them")
    ap.add_argument("--out", type=Path, required=True, help="the dataset dir to write (empty, or an earlier merge)")
    add_balance_arguments(ap)
    ap.add_argument("--with-arrays", action="store_true", help="also link each episode's arrays.npz")
    ap.add_argument("--no-card", action="store_true", help="do not write README.md (the dataset card)")
    args = ap.parse_args(argv)
    try:
        cfg = balance_config_from_args(args)
        stats = merge(args.inputs, args.out, cfg, args.with_arrays, card=not args.no_card)
    except (ConfigError, FileNotFoundError, ValueError) as e:
        raise SystemExit(f"merge: {e}")
    print(json.dumps({k: stats[k] for k in ("records_in", "duplicates_dropped", "records_out")}))


if __name__ == "__main__":
    main()
