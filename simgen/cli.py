"""Hydra entry point: ``simgen`` renders a shard of episodes and asks verified questions about them.

``simgen`` runs the default job; ``simgen stages=[ask]`` re-asks from the episodes already in the
run dir without a simulator; ``simgen -m scene.num_objects=4,8,16 seed=0,1`` sweeps on the joblib
launcher, one shard per job. Output lands in ``outputs/`` under the current directory.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from simgen.io import write_text
from simgen.job_config import check_job, check_overrides
from simgen.registry import ConfigError
from simgen.renderers.camera_effects import CameraEffects
from simgen.job_config import conf_dir

log = logging.getLogger("simgen")
# keys that say where, how many or which stages run, not what each episode is
_NOT_HASHED = ("stages", "paths", "shard", "episodes", "run_name")
# renderer keys that say in which process frames are drawn, not what they show
_NOT_HASHED_RENDERER = ("process", "frames_in_flight")
# keys added after configs were first written, with the value that means what those configs meant:
# at that value a key is left out of the hash, so older configs keep their run ids and episode ids
_AS_BEFORE = (
    (None, "renderer", lambda value, data: value == {"name": data.get("simulator", {}).get("name")}),  # draws itself
    ("camera", "effects", lambda value, data: value == json.loads(json.dumps(dataclasses.asdict(CameraEffects())))),
    ("scene", "room_type", lambda value, data: value == "classic"),  # the original mix
    ("scene", "clutter", lambda value, data: value is None),  # the small-object count from its own knobs
)


def path_safe(text: str) -> str:
    """A run-dir name from override text: path separators become ``_`` (a path override stays one folder)."""
    return str(text).replace("/", "_").replace("\\", "_")


OmegaConf.register_new_resolver("path_safe", path_safe, replace=True)  # used by conf/hydra/default.yaml


def config_hash(cfg: DictConfig) -> str:
    """sha256 of the resolved job config, without keys that only say where, which stages or in which
    process they run, nor later keys at the value that means what configs meant before them (``_AS_BEFORE``)."""
    data = OmegaConf.to_container(cfg, resolve=True)
    for key in _NOT_HASHED:
        data.pop(key, None)
    for key in _NOT_HASHED_RENDERER:
        data.get("renderer", {}).pop(key, None)
    for parent, key, as_before in _AS_BEFORE:
        node = data if parent is None else data.get(parent)
        if isinstance(node, dict) and key in node and as_before(node[key], data):
            node.pop(key)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def shard_index(cfg: DictConfig) -> int:
    """The shard: ``cfg.shard`` if set, else the Hydra job number in a multirun, else 0."""
    if cfg.shard is not None:
        return int(cfg.shard)
    hc = HydraConfig.get()
    return int(hc.job.num) if hc.mode == RunMode.MULTIRUN else 0


def check_run_dir(run_dir: Path, digest: str) -> None:
    """Refuse to resume into a run dir made with a different config (its episodes would not match)."""
    marker = run_dir / "config_hash.txt"
    if marker.is_file() and marker.read_text().strip() != digest:
        raise ConfigError(
            f"{run_dir} holds episodes made with a different config (hash {marker.read_text().strip()[:12]}, "
            f"now {digest[:12]}); choose another run dir with hydra.run.dir=... or delete it"
        )
    run_dir.mkdir(parents=True, exist_ok=True)
    write_text(marker, digest + "\n")


def run(cfg: DictConfig) -> dict:
    """Run the configured stages for one shard; returns the run summary (also written to run.json)."""
    from simgen.episodes.runner import build_plugins, render_episodes
    from simgen.episodes.writer import dump_json

    check_job(cfg)  # every group's schema, ranges and cross-field checks, before any work
    stages = list(cfg.stages)
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    seed, shard, digest = int(cfg.seed), shard_index(cfg), config_hash(cfg)
    summary = {"seed": seed, "shard": shard, "config_hash": digest, "stages": stages}
    qa_cfg = _qa_config(cfg) if "ask" in stages else None  # validate before rendering anything
    if "render" in stages:
        plugins = build_plugins(cfg)  # every config error surfaces here, before any work
        check_run_dir(run_dir, digest)
        summary["render"] = render_episodes(plugins, run_dir, int(cfg.episodes), seed, shard, digest[:8])
    if qa_cfg is not None:
        from simgen.qa.ask import run_ask

        episode_dirs = sorted(p.parent for p in (run_dir / "episodes").glob("*/.done"))
        if not episode_dirs:
            raise ConfigError(f"stage 'ask': no finished episodes under {run_dir / 'episodes'}; run stage 'render' first")
        from simgen.visibility_model import VisibilityModel

        summary["ask"] = run_ask(episode_dirs, qa_cfg, seed, shard, run_dir, VisibilityModel.from_config(cfg.visibility))
    dump_json(summary, run_dir / "run.json")
    return summary


def _qa_config(cfg: DictConfig):
    from simgen.qa.qa_config import parse_qa_config

    return parse_qa_config(cfg.qa)


@hydra.main(config_path=conf_dir(), config_name="config", version_base="1.3")
def _hydra_main(cfg: DictConfig) -> None:
    from tqdm.contrib.logging import logging_redirect_tqdm

    from simgen.sweep import clear_failure, record_failure, remove_if_unused

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        with logging_redirect_tqdm():  # log lines go above the progress bars, not into them
            summary = run(cfg)
    except Exception as e:
        if HydraConfig.get().mode == RunMode.MULTIRUN:  # siblings go on; the sweep's summary lists this job
            log.error("job %s failed: %s: %s", run_dir.name, type(e).__name__, e)
            record_failure(run_dir, e)
            return
        if isinstance(e, ConfigError):
            log.error("configuration error: %s", e)
            remove_if_unused(run_dir)
            sys.exit(2)
        raise
    clear_failure(run_dir)
    rendered = summary.get("render", {})
    log.info("done: %d rendered, %d already done, %d failed; outputs in %s", len(rendered.get("rendered", [])),
             len(rendered.get("skipped_done", [])), len(rendered.get("failed", [])),
             HydraConfig.get().runtime.output_dir)
    failed = len(rendered.get("failed", [])) + len(summary.get("ask", {}).get("episodes", {}).get("failed", []))
    if failed:  # the outputs stand, but the exit status says not every episode made it
        problem = RuntimeError(f"{failed} episode(s) failed to render or to be read back; see {run_dir / 'run.json'}")
        log.error("%s", problem)
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            record_failure(run_dir, problem)
        else:
            sys.exit(1)


def main() -> None:
    """Console-script entry point (``simgen``): exit 130 on Ctrl-C, 1 when an episode or a sweep's job failed."""
    from simgen.sweep import SweepSummary

    problem = check_overrides(sys.argv[1:])  # each job's config, before Hydra makes a run dir
    if problem:
        print(f"configuration error: {problem}", file=sys.stderr)
        sys.exit(2)
    try:
        _hydra_main()
    except KeyboardInterrupt:
        print("interrupted; re-run the same command to resume", file=sys.stderr)
        sys.exit(130)
    if SweepSummary.failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
