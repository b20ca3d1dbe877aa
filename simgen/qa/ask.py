"""The ``ask`` stage: stored episodes in, verified QA records (``qa.jsonl``) and ``stats.json`` out.

For every episode folder (``<dir>/episode.json``; no simulator) and every configured family:
draw slot bindings with ``seeding.rng(seed, shard, scene, "qa/<family>")`` — ``scene`` being a
stable key of the episode id, so an episode's questions do not depend on which other episodes
the shard holds — execute the family's program, verify it (uniqueness, visibility, margins,
degeneracy, stability on K jittered copies of the scene shared by the episode's questions),
build the answer and options, fill a template, and keep the item with its certificate. The same
generator drives sampling, option shuffling and template choice, so the same config and seed
give a byte-identical ``qa.jsonl``. What the video shows is decided by the run's one visibility
model (``simgen.visibility_model``, the top-level ``visibility`` config node). A failing episode (one
whose ``episode.json`` fails ``simgen.validation``'s checks, too) is logged, listed in ``stats.json``
and skipped; a family that fails or answers with a NaN loses that one question, counted under
``family_error`` or ``non_finite_answer``, never the episode; an episode that shows too little (too
few objects seen clearly, mostly empty frames: ``simgen.qa.evidence.episode_gate``) is not asked
about and is listed under ``episodes.dropped`` with its numbers. ``stats.json`` holds per-family attempts, kept
and rejected counts by reason, and the blind audit of the kept items.

``run_ask(episode_dirs, qa_cfg, seed, shard, out_dir, visibility)`` is what the Hydra CLI calls
(stage ``ask``); ``python -m simgen.qa.ask <episodes_root> --out <dir>`` does the same for a folder
of episodes by hand (the model from ``conf/config.yaml``, or ``--visibility FILE``). Balancing is
global, across shards: ``simgen-merge``.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from collections import Counter, defaultdict
from pathlib import Path

from tqdm import tqdm

from simgen.episodes.writer import read_episode
from simgen.qa.blind_audit import blind_audit
from simgen.qa.episode_asker import EpisodeAsker
from simgen.qa.families import load_families
from simgen.qa.families_house import house_family
from simgen.qa.options import with_prior_options
from simgen.qa.provenance import llm_calls_per_accepted_qa
from simgen.qa.qa_config import QAConfig, config_hash, load_yaml_node, parse_qa_config, qa_config_node
from simgen.qa.records import QAItem, write_json_atomic, write_jsonl
from simgen.registry import ConfigError
from simgen.types import Episode
from simgen.visibility_model import VisibilityModel

log = logging.getLogger("simgen.qa")


def load_episode(directory: Path) -> Episode:
    """``<directory>/episode.json`` as a checked Episode (see ``simgen.episodes.writer.read_episode``)."""
    return read_episode(directory)


def run_ask(episode_dirs: list[Path], qa_cfg: QAConfig, seed: int, shard: int, out_dir: Path,
            visibility: VisibilityModel = VisibilityModel()) -> dict:
    """Ask every family about every episode; write ``<out_dir>/qa.jsonl`` and ``stats.json``; return stats.

    ``visibility`` is the run's one visibility model (the top-level ``visibility`` config node)."""
    families = load_families(qa_cfg.families, compiled=qa_cfg.compiled)
    # the house families are asked only about houses: a run without one leaves them out of its digest
    digests = {False: config_hash(qa_cfg, [f for f in families if not house_family(f)], visibility),
               True: config_hash(qa_cfg, families, visibility)}
    houses = False
    counts: dict[str, Counter] = defaultdict(Counter)
    items: list[QAItem] = []
    episodes = {"ok": [], "failed": [], "dropped": []}
    start = time.perf_counter()
    for directory in tqdm(episode_dirs, desc="ask", unit="ep", disable=None):  # a bar on terminals only
        try:
            episode = load_episode(directory)
            houses |= bool(episode.scene.rooms)
            asker = EpisodeAsker(episode, qa_cfg, seed, shard, digests[bool(episode.scene.rooms)], visibility)
            if asker.dropped:
                log.info("ask: episode %s not asked about: %s %s", episode.episode_id, asker.dropped, asker.shows)
                episodes["dropped"].append({"episode": episode.episode_id, "reason": asker.dropped, **asker.shows})
                continue
            local: dict[str, Counter] = defaultdict(Counter)
            found = [item for fam in families for item in asker.ask(fam, local[fam.family])]
        except Exception as e:  # one bad episode must not take the shard down
            log.error("ask: episode %s skipped: %s: %s", directory, type(e).__name__, e)
            episodes["failed"].append({"episode": str(Path(directory).name), "error": f"{type(e).__name__}: {e}"})
            continue
        items.extend(found)
        for fam, c in local.items():
            counts[fam].update(c)
        episodes["ok"].append(episode.episode_id)
    digest = digests[houses]  # one per shard: a shard mixing houses and single rooms names the house families
    items = [it if it.config_hash == digest else dataclasses.replace(it, config_hash=digest) for it in items]
    # numeric options are drawn over the shard's answers (qa/options.py): a grid around one answer tells it
    items = with_prior_options(items, {f.family: f.answer.num_choices for f in families
                                       if f.answer.type == "number" and f.answer.num_choices})
    stats = _stats(items, counts, episodes, qa_cfg, families, digest, seed, shard)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(out_dir / "qa.jsonl", items)
    write_json_atomic(out_dir / "stats.json", stats)
    log.info("ask: %d QA kept from %d episodes (%d failed, %d showing too little) in %.1f s", len(items),
             len(episodes["ok"]), len(episodes["failed"]), len(episodes["dropped"]), time.perf_counter() - start)
    return stats


def _stats(items, counts, episodes, qa_cfg, families, digest, seed, shard) -> dict:
    """Kept / rejected by reason per family, the blind audit of the kept items, and provenance."""
    not_rejections = {"attempts", "kept"}
    per_family, totals = {}, Counter()
    for fam in families:
        c = counts.get(fam.family, Counter())
        rejected = {k: v for k, v in sorted(c.items()) if k not in not_rejections}
        per_family[fam.family] = {"version": fam.version, "attempts": c["attempts"], "kept": c["kept"], "rejected": rejected}
        if fam.answer.type == "number" and fam.answer.num_choices:  # the merge offers them over the dataset's answers
            per_family[fam.family]["options"] = fam.answer.num_choices
        totals.update(c)
    return {
        "schema_version": 1,
        "seed": seed,
        "shard": shard,
        "config_hash": digest,
        "episodes": episodes,
        "kept": len(items),
        "rejected": {k: v for k, v in sorted(totals.items()) if k not in not_rejections},
        "families": per_family,
        # one compile call serves every scene: the compiled families' LLM calls over the QA they kept
        "llm_calls_per_accepted_qa": llm_calls_per_accepted_qa({f: v["kept"] for f, v in per_family.items()}),
        "audit": blind_audit(items, qa_cfg.balance),
    }



def main(argv: list[str] | None = None) -> None:
    """Command line: ask verified questions about every episode under a folder."""
    ap = argparse.ArgumentParser(prog="python -m simgen.qa.ask", description=main.__doc__)
    ap.add_argument("episodes_root", type=Path, help="folder whose subfolders hold episode.json (searched recursively)")
    ap.add_argument("--out", type=Path, required=True, help="folder for qa.jsonl and stats.json")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shard", type=int, default=0)
    ap.add_argument("--config", type=Path, default=None, help="a conf/qa/*.yaml file (default: conf/qa/default.yaml)")
    ap.add_argument("--visibility", type=Path, default=None,
                    help="a YAML file whose top-level `visibility` node is the visibility model (default: the schema's)")
    ap.add_argument("--families", default="all", help="comma-separated family ids, or 'all'")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    cfg = qa_config_node(args.config)
    if args.families != "all":
        cfg.families = args.families.split(",")
    try:
        qa = parse_qa_config(cfg)
        node = load_yaml_node(args.visibility, "--visibility") if args.visibility else {}
        visibility = VisibilityModel.from_config(node.get("visibility"))  # absent: the schema's default model
    except ConfigError as e:
        raise SystemExit(f"ask: configuration error: {e}") from None
    dirs = sorted(p.parent for p in args.episodes_root.rglob("episode.json"))
    if not dirs:
        raise SystemExit(f"ask: no episode.json under {args.episodes_root}")
    stats = run_ask(dirs, qa, args.seed, args.shard, args.out, visibility)
    print(json.dumps({"kept": stats["kept"], "rejected": stats["rejected"], "out": str(args.out)}, indent=1))



if __name__ == "__main__":
    main()
