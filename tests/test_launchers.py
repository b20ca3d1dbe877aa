"""Scale: real `simgen -m` sweeps on the joblib, Ray and submitit launchers give the same shards,
which merge into one balanced dataset; a killed shard resumes to the same bytes; the Slurm preset
composes. Each sweep is two tiny `debug=smoke` jobs of one episode."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from simgen.job_config import conf_dir
from simgen.qa.records import iter_records
from simgen.export.merge import find_shards, merge
from simgen.qa.balance import balance, load_records

REPO = Path(__file__).resolve().parents[1]
_SCRIPT = Path(sys.executable).parent / "simgen"
SIMGEN = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "simgen.cli"]
# a named sweep dir (default: a timestamped one per sweep), so the launchers' outputs compare by path
SWEEP = ["-m", "debug=smoke", "episodes=1", "scene.num_objects=8,10", "hydra.sweep.dir=outputs/sweep"]
RAY_PYTHON = Path(os.environ.get("SIMGEN_RAY_PYTHON", REPO / ".venv-ray" / "bin" / "python"))
RAY_HINT = ("needs hydra-ray-launcher and ray in their own venv (they pin cloudpickle<3, joblib>=1.6 needs >=3): "
            "python3.11 -m venv .venv-ray && .venv-ray/bin/pip install -e '.[ray]' (or set SIMGEN_RAY_PYTHON)")


def has_module(python: Path | str, module: str) -> bool:
    if not Path(python).exists():
        return False
    probe = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True)
    return probe.returncode == 0


def run(cmd: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def shard_files(root: Path) -> dict[str, bytes]:
    """What a sweep produced that must not depend on the launcher: QA, stats, episodes."""
    files = {}
    for shard in find_shards([root]):
        for path in [shard / "qa.jsonl", shard / "stats.json", *sorted((shard / "episodes").rglob("*"))]:
            if path.is_file():
                files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


@pytest.fixture(scope="module")
def joblib_sweep(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("joblib")
    run([*SIMGEN, *SWEEP, "hydra.launcher.n_jobs=2"], cwd)
    return cwd / "outputs" / "sweep"


@pytest.mark.slow
def test_joblib_sweep_gives_two_shards_that_merge_balanced(joblib_sweep, tmp_path):
    shards = find_shards([joblib_sweep])
    assert [s.name for s in shards] == ["debug=smoke,scene.num_objects=10",
                                        "debug=smoke,scene.num_objects=8"]
    runs = [json.loads((s / "run.json").read_text()) for s in shards]
    assert sorted(r["shard"] for r in runs) == [0, 1] and {r["seed"] for r in runs} == {0}
    stats = merge([joblib_sweep], tmp_path / "ds")
    union = load_records(shards)
    assert stats["records_in"] == len(union) > 0
    kept = {it.id for it in iter_records(tmp_path / "ds" / "qa.jsonl")}
    assert 0 < stats["records_out"] == len(kept)
    if stats["duplicates_dropped"] == 0:  # then the merge must keep exactly what in-memory balancing keeps
        assert kept == {it.id for it in balance(union)[0]}
    for family, entry in stats["balance"].items():
        counts = sorted(entry["answers_after"].values(), reverse=True)
        assert len(counts) < 2 or counts[0] <= 1.1 * counts[1] + 1e-9, family  # capped over the union
    provenance = json.loads((tmp_path / "ds" / "merge.json").read_text())
    assert [[o for o in s["overrides"] if o.startswith("scene.")] for s in provenance["shards"]] == [
        ["scene.num_objects=10"], ["scene.num_objects=8"]]
    kept_episodes = {json.loads(x)["episode_id"] for x in (tmp_path / "ds" / "qa.jsonl").read_text().splitlines()}
    assert kept_episodes == {p.name for p in (tmp_path / "ds" / "episodes").iterdir()}


@pytest.mark.slow
def test_killed_shard_resumes_to_the_same_bytes(tmp_path):
    args = ["debug=smoke", "episodes=4", "run_name=resume"]
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    whole.mkdir(), killed.mkdir()
    run([*SIMGEN, *args], whole)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([*SIMGEN, *args], cwd=killed, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    episodes = killed / "outputs" / "resume" / "debug=smoke" / "episodes"
    deadline = time.monotonic() + 120
    while not list(episodes.glob("*/.done")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole job, mid-shard
    proc.wait()
    done_at_kill = len(list(episodes.glob("*/.done")))
    assert 1 <= done_at_kill < 4 and not (episodes.parent / "qa.jsonl").exists()
    run([*SIMGEN, *args], killed)
    summary = json.loads((episodes.parent / "run.json").read_text())
    assert len(summary["render"]["skipped_done"]) == done_at_kill
    assert not list(episodes.glob(".tmp-*"))  # the half-written episode was redone, not kept
    assert shard_files(killed / "outputs" / "resume") == shard_files(whole / "outputs" / "resume")


@pytest.mark.slow
@pytest.mark.skipif(not has_module(RAY_PYTHON, "hydra_plugins.hydra_ray_launcher"), reason=RAY_HINT)
def test_ray_sweep_on_a_local_instance_matches_joblib(joblib_sweep, tmp_path):
    run([str(RAY_PYTHON), "-m", "simgen.cli", *SWEEP, "hydra/launcher=ray", "+hydra.launcher.ray.init.num_cpus=2"],
        tmp_path, timeout=400)
    assert shard_files(tmp_path / "outputs" / "sweep") == shard_files(joblib_sweep)


@pytest.mark.slow
@pytest.mark.skipif(not has_module(sys.executable, "hydra_plugins.hydra_submitit_launcher"),
                    reason='needs hydra-submitit-launcher: pip install -e ".[slurm]"')
def test_submitit_local_sweep_matches_joblib(joblib_sweep, tmp_path):
    run([*SIMGEN, *SWEEP, "hydra/launcher=submitit_local"], tmp_path)
    assert shard_files(tmp_path / "outputs" / "sweep") == shard_files(joblib_sweep)


@pytest.mark.skipif(not has_module(sys.executable, "hydra_plugins.hydra_submitit_launcher"),
                    reason='needs hydra-submitit-launcher: pip install -e ".[slurm]"')
def test_slurm_preset_composes_on_submitit():
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        cfg = compose("config", overrides=["hydra/launcher=slurm", "hydra.launcher.partition=gpu"],
                      return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("submitit_launcher.SlurmLauncher")
    assert (launcher.partition, launcher.cpus_per_task, launcher.gpus_per_node, launcher.timeout_min) == ("gpu", 2, 0, 240)
