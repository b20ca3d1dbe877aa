"""What a run leaves behind when it fails, and the sweep's summary.

In a sweep (``simgen -m ...``) a failing job must not take its siblings down: ``simgen.cli`` catches
the job's error, records it in the job's own run dir as ``failed.json`` and returns, so the launcher
runs every other job. When the sweep ends, Hydra calls :class:`SweepSummary` (registered in
``conf/hydra/default.yaml``), which writes ``<sweep dir>/sweep.json`` — every job dir with its
status and error — and tells ``simgen.cli.main`` how many failed, so the command exits non-zero.
A single run that stops on a configuration error leaves no empty run dir behind.
"""
from __future__ import annotations

import json
import logging
import shutil
import traceback
from pathlib import Path
from typing import Any, ClassVar

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from simgen.io import write_json

log = logging.getLogger("simgen")
FAILED_FILE = "failed.json"
RUN_FILE = "run.json"
SUMMARY_FILE = "sweep.json"
HYDRA_FILES = (".hydra",)  # what Hydra writes into a run dir before simgen runs (plus its *.log)


def record_failure(run_dir: Path, error: BaseException) -> None:
    """Write ``failed.json`` (the error and its traceback) into a job's run dir."""
    write_json(Path(run_dir) / FAILED_FILE, {
        "error": f"{type(error).__name__}: {error}",
        "traceback": "".join(traceback.format_exception(error)),
    })


def clear_failure(run_dir: Path) -> None:
    """Forget an earlier failure of this run dir (it has now finished)."""
    (Path(run_dir) / FAILED_FILE).unlink(missing_ok=True)


def remove_if_unused(run_dir: Path) -> bool:
    """Delete a run dir that holds only what Hydra wrote before simgen failed (config copies, the
    log), and its parent when that leaves it empty; returns whether it was removed."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return False
    if any(p.name not in HYDRA_FILES and p.suffix != ".log" for p in run_dir.iterdir()):
        return False
    shutil.rmtree(run_dir)
    if not any(run_dir.parent.iterdir()):
        run_dir.parent.rmdir()
    return True


def summarize_sweep(sweep_dir: Path) -> dict[str, Any]:
    """Status of every job dir under ``sweep_dir`` (``ok`` with run.json, ``failed`` with failed.json)."""
    jobs = []
    for path in sorted(Path(sweep_dir).iterdir()) if Path(sweep_dir).is_dir() else []:
        if (path / FAILED_FILE).is_file():
            error = json.loads((path / FAILED_FILE).read_text(encoding="utf-8")).get("error", "")
            jobs.append({"dir": path.name, "status": "failed", "error": error})
        elif (path / RUN_FILE).is_file():
            jobs.append({"dir": path.name, "status": "ok"})
    failed = [j for j in jobs if j["status"] == "failed"]
    return {"jobs": len(jobs), "ok": len(jobs) - len(failed), "failed": len(failed), "by_job": jobs}


class SweepSummary(Callback):
    """Hydra callback: after a multirun, write ``sweep.json`` and log the failed jobs."""

    failed: ClassVar[int] = 0  # read by simgen.cli.main for the exit status (same process as the launcher)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Summarise the sweep's job dirs into ``<sweep dir>/sweep.json``."""
        sweep_dir = Path(config.hydra.sweep.dir)
        summary = summarize_sweep(sweep_dir)
        write_json(sweep_dir / SUMMARY_FILE, summary)
        SweepSummary.failed = summary["failed"]
        for job in summary["by_job"]:
            if job["status"] == "failed":
                log.error("sweep: job %s failed: %s", job["dir"], job["error"])
        log.info("sweep: %d of %d jobs finished; summary in %s", summary["ok"], summary["jobs"],
                 sweep_dir / SUMMARY_FILE)
