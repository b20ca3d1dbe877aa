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
import math
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from simgen.qa.balance import BalanceConfig
from simgen.qa.blind_audit import blind_audit
from simgen.qa.choices import ChoiceError, make_answer
from simgen.qa.executor import ExecutionError, execute
from simgen.episodes.writer import read_episode
from simgen.qa.families import Family, load_families
from simgen.qa.families_house import house_family, room_labels
from simgen.qa.options import with_prior_options
from simgen.qa.provenance import llm_calls_per_accepted_qa
from simgen.qa.records import QAItem, qa_id, stable_hash, write_json_atomic, write_jsonl
from simgen.qa.sampling import (
    SamplingError, applicable, binding_key, observed_categories, render_question, sample_bindings,
)
from simgen.qa.evidence import episode_gate
from simgen.qa.scene_view import SceneView
from simgen.qa.verify import VerifyConfig, verify
from simgen.registry import ConfigError, parse_config, setting, store_schema
from simgen.seeding import rng, stage_key
from simgen.types import Episode
from simgen.visibility_model import VisibilityModel

log = logging.getLogger("simgen.qa")


@dataclass(frozen=True)
class QAConfig:
    """The ``qa`` config group: which families, how many questions, verifier and balance settings."""

    families: Any = "all"  # "all" or a list of family ids
    questions_per_episode: int = setting(3, ge=1)  # kept questions per family and episode (at most)
    per_family: dict = field(default_factory=dict)  # family id -> questions per episode, overriding
    attempts_factor: int = setting(6, ge=1)  # binding draws per wanted question before giving up
    compiled: bool = True  # also ask the LLM-compiled families in programs/compiled/
    verify: VerifyConfig = VerifyConfig()
    balance: BalanceConfig = BalanceConfig()

    def validate(self, where: str) -> None:
        """What types cannot say: the family list and the per-family counts."""
        if self.families != "all" and (not isinstance(self.families, (list, tuple)) or not self.families
                                       or not all(isinstance(f, str) for f in self.families)):
            raise ConfigError(f"{where}.families: expected 'all' or a non-empty list of family ids, got {self.families!r}")
        for fam, n in self.per_family.items():
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise ConfigError(f"{where}.per_family.{fam}: expected an int ≥ 0, got {n!r}")

    def wanted(self, family: str) -> int:
        """Questions to keep per episode for ``family``."""
        return int(self.per_family.get(family, self.questions_per_episode))


store_schema("qa", QAConfig)


def parse_qa_config(cfg: DictConfig | dict) -> QAConfig:
    """Validate the ``qa`` group (``name`` plus QAConfig's keys, ``verify``/``balance`` nested)."""
    data = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg)
    data.pop("name", None)
    where = "qa"
    nested = {}
    for key, schema in (("verify", VerifyConfig), ("balance", BalanceConfig)):
        value = data.pop(key, None) or {}
        if not isinstance(value, dict):
            raise ConfigError(f"{where}.{key}: expected a mapping, got {value!r}")
        nested[key] = parse_config(schema, value, f"{where}.{key}")
    families = data.pop("families", "all")
    per_family = data.pop("per_family", None) or {}
    if not isinstance(per_family, dict):
        raise ConfigError(f"{where}.per_family: expected a mapping of family id to count, got {per_family!r}")
    base = parse_config(QAConfig, data, where)
    qa = dataclasses.replace(base, families=families if families == "all" else list(families or []),
                             per_family=dict(per_family), **nested)
    qa.validate(where)
    known = {f.family for f in load_families("all", compiled=qa.compiled)}
    unknown = sorted((set(qa.per_family) | set(qa.families if qa.families != "all" else [])) - known)
    if unknown:
        raise ConfigError(f"{where}.families: unknown family {unknown}; known: {sorted(known)}")
    return qa


def config_hash(qa: QAConfig, families: list[Family], visibility: VisibilityModel = VisibilityModel()) -> str:
    """Hash of the QA config, the visibility model and every family file used (so edited templates
    change it)."""
    return stable_hash({"qa": asdict(qa), "visibility": asdict(visibility),
                        "families": {f.family: [f.version, f.source_hash] for f in families}})


class EpisodeAsker:
    """Asks every family about one episode: one SceneView, one set of jittered copies."""

    def __init__(self, episode: Episode, qa: QAConfig, seed: int, shard: int, digest: str,
                 visibility: VisibilityModel = VisibilityModel()):
        self.episode, self.qa, self.seed, self.shard, self.digest = episode, qa, seed, shard, digest
        self.scene_key = stage_key(episode.episode_id)
        self.view = SceneView.from_episode(episode, visibility)
        # an episode that shows too little is not asked about at all (counted in stats.json)
        self.dropped, self.shows = episode_gate(self.view, qa.verify.min_clear_objects, qa.verify.max_empty_frames)
        self.categories = observed_categories(self.view)
        v = qa.verify
        jitter_rng = rng(seed, shard, self.scene_key, "qa/jitter")
        k = v.stability_k if v.stability else 0
        sigma = v.position_sigma_m * self.view.scale  # a tabletop's things are jittered by a fifth as much
        self.jittered = [self.view.jittered(jitter_rng, sigma, v.size_sigma_frac) for _ in range(k)]

    def run(self, fam: Family, view, bindings: dict, ablate=None, shared=None):
        """Execute ``fam``'s program with ``bindings`` on ``view`` (the Execution)."""
        return execute(fam.parsed, view, bindings, ablate=ablate, shared=shared)

    def ask(self, fam: Family, counts: Counter) -> list[QAItem]:
        """Up to ``qa.wanted(family)`` verified items; every attempt's outcome counted in ``counts``.

        A family the episode cannot serve (no motion events, no recorded actions, …) is skipped
        without an attempt: that is not a rejection.

        A family answered by a fixed set of labels (left / right / back, yes / no) takes each label
        at most its share of ``wanted`` (rounded up) while the attempts last: a draw whose answer
        (the program's value, before any check) has its share is set aside, and only verified if
        the other labels leave room, in order (``label_share`` counts those never needed). The rare
        label a layout seldom gives ("back") is looked for, not crowded out by the first common
        ones, so the merge's answer caps cut less (by the share cap, 4 "back" answers of 108 kept
        16 object_rel_direction_medium questions in a 60-episode sweep). A room answer's labels are the
        rooms of the house a question can name (in 10 house episodes, 11 of 18 "which room" answers
        were "bedroom" without it)."""
        if not applicable(fam, self.view):
            return []
        gen = rng(self.seed, self.shard, self.scene_key, f"qa/{fam.family}")
        wanted = self.qa.wanted(fam.family)
        labels = fam.answer.labels if fam.answer.type == "choice" else ("yes", "no") if fam.answer.type == "yes_no" else ()
        if fam.answer.type == "choice" and not labels and not fam.answer.choice_slots:  # a room answer
            labels = room_labels(self.view)
        share = -(-wanted // len(labels)) if labels else wanted
        items, seen, set_aside, taken = [], set(), [], Counter()
        for _ in range(wanted * self.qa.attempts_factor):
            if len(items) >= wanted:
                break
            counts["attempts"] += 1
            try:
                bindings = sample_bindings(fam, self.view, gen, self.categories)
            except SamplingError as e:
                counts[e.reason] += 1
                if e.retry:  # an unlucky earlier pick (e.g. a frame): another draw may succeed
                    continue
                break  # the scene lacks what the slots need; more draws cannot help
            except Exception as e:  # a family whose sampling fails loses its questions, not the episode
                log.warning("ask: %s on episode %s: sampling failed: %s: %s", fam.family, self.episode.episode_id,
                            type(e).__name__, e)
                counts["family_error"] += 1
                break
            key = binding_key(fam, bindings)
            if key in seen:
                counts["duplicate"] += 1
                continue
            seen.add(key)
            execution = self._guarded(fam, lambda: execute(fam.parsed, self.view, bindings))
            label = _label(fam, execution) if labels else None  # (a route's turns: no one label)
            if label in labels and taken[label] >= share:
                set_aside.append((bindings, execution))
                continue
            outcome = self._guarded(fam, lambda: self.ask_one(fam, bindings, gen, execution))
            if isinstance(outcome, str):
                counts[outcome] += 1
                continue
            taken[label] += 1
            items.append(outcome)
            counts["kept"] += 1
        for k, (bindings, execution) in enumerate(set_aside):  # the other labels left room: in order
            if len(items) >= wanted:
                counts["label_share"] += len(set_aside) - k
                break
            outcome = self._guarded(fam, lambda: self.ask_one(fam, bindings, gen, execution))
            counts[outcome if isinstance(outcome, str) else "kept"] += 1
            items += [] if isinstance(outcome, str) else [outcome]
        return items

    def _guarded(self, fam: Family, step):
        """``step()``, or the reason it failed: an ExecutionError's, or ``family_error`` for anything
        else (a family's failure costs this one question, never the episode)."""
        try:
            return step()
        except ExecutionError as e:
            return e.reason
        except Exception as e:
            log.warning("ask: %s on episode %s failed: %s: %s", fam.family, self.episode.episode_id,
                        type(e).__name__, e)
            return "family_error"

    def ask_one(self, fam: Family, bindings: dict, gen, execution=None) -> QAItem | str:
        """Execute (unless given the ``execution`` or the reason it failed), verify and phrase one
        question; the item, or the reason it was rejected."""
        try:
            execution = execute(fam.parsed, self.view, bindings) if execution is None else execution
        except ExecutionError as e:
            return e.reason
        if isinstance(execution, str):
            return execution
        if not _finite(execution.value):
            return "non_finite_answer"
        verdict = verify(fam, self.view, bindings, execution, self.qa.verify,
                         lambda view, ablate=None, shared=None: self.run(fam, view, bindings, ablate, shared),
                         self.jittered)
        if not verdict.ok:
            return verdict.reason
        try:
            answer = make_answer(fam, execution, self.view, bindings, gen)
        except ChoiceError as e:
            return e.reason
        template, question = render_question(fam, bindings, gen, self.view.fps)
        shown = {int(bindings[s.name]) for s in fam.slots if s.type == "frame"}
        frames = {int(f) for f in execution.frames_used} | shown
        if fam.modality == "multi_image":  # exactly the images it shows
            frames = shown
        elif fam.modality == "video":  # evidence: also every frame that shows a referent
            for object_id in execution.referents:
                frames.update(self.view.visible_frames(self.view.row_of_id(object_id)))
        return QAItem(
            id=qa_id(self.episode.episode_id, fam.family, fam.version, bindings),
            family=fam.family, family_version=fam.version, question=question,
            answer=answer.value, answer_text=answer.text, answer_letter=answer.letter, choices=answer.choices,
            answer_type=fam.answer.type, unit=fam.answer.unit, modality=fam.modality,
            episode_id=self.episode.episode_id, frames=tuple(sorted(frames)), program=fam.program,
            bindings=bindings, certificate=verdict.certificate, seed=self.seed, config_hash=self.digest,
            template=template,
        )


def _label(fam: Family, execution) -> str | None:
    """The answer text a fixed-label family's execution gives ("yes" / "no", or its label); None for
    an execution that failed (its reason)."""
    if isinstance(execution, str):
        return None
    if fam.answer.type == "yes_no":
        return "yes" if bool(execution.value) else "no"
    return str(execution.value) if isinstance(execution.value, str) else None


def _finite(value) -> bool:
    """False when an answer holds a NaN or infinite number (no question can be asked about it)."""
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    return not isinstance(value, float) or math.isfinite(value)


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
    cfg = _qa_node(args.config)
    if args.families != "all":
        cfg.families = args.families.split(",")
    try:
        qa = parse_qa_config(cfg)
        node = _load_yaml(args.visibility, "--visibility") if args.visibility else {}
        visibility = VisibilityModel.from_config(node.get("visibility"))  # absent: the schema's default model
    except ConfigError as e:
        raise SystemExit(f"ask: configuration error: {e}") from None
    dirs = sorted(p.parent for p in args.episodes_root.rglob("episode.json"))
    if not dirs:
        raise SystemExit(f"ask: no episode.json under {args.episodes_root}")
    stats = run_ask(dirs, qa, args.seed, args.shard, args.out, visibility)
    print(json.dumps({"kept": stats["kept"], "rejected": stats["rejected"], "out": str(args.out)}, indent=1))


def _load_yaml(path: Path, option: str):
    """A YAML file as a DictConfig; a missing or unreadable file exits naming the option and the file."""
    try:
        return OmegaConf.load(path)
    except OSError as e:
        raise SystemExit(f"ask: {option} {path}: cannot read it: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise SystemExit(f"ask: {option} {path}: not valid YAML: {e}") from None


def _qa_node(path: Path | None):
    """The qa config: ``conf/qa/<name>.yaml`` composed over its schema (default: ``default``), or
    another YAML file as it is (keys it leaves out take the schema's defaults)."""
    from hydra import compose, initialize_config_dir

    from simgen.resources import conf_folder

    if path is None or path.resolve().parent == (conf_folder() / "qa").resolve():
        # the option alone as primary config (Hydra places it under its folder's package, ``qa``): it
        # extends schema/qa, stored above, and needs no other group
        with initialize_config_dir(config_dir=str(conf_folder()), version_base="1.3"):
            return OmegaConf.create(OmegaConf.to_container(compose(f"qa/{path.stem if path else 'default'}").qa))
    return _load_yaml(path, "--config")


if __name__ == "__main__":
    main()
