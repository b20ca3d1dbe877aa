"""``simgen-export DATASET [key=value ...] [--format NAME ...] [--out DIR] [--cfg job]``.

Writes a dataset dir (a ``simgen-merge`` output or a shard run dir) in training and evaluation
formats. Hydra composes ``conf/simgen_export.yaml``: ``dataset``, ``out`` (default: the dataset
dir; media paths are relative to it), ``formats`` (default: every format) and one node per format
registered in ``conf/export/``, named after it: ``parquet.compression=snappy``,
``llava_video.answer_mode=open_ended``. The formats run by name, the card after the others (so it
can point at the Parquet file). ``DATASET``, ``--out DIR`` and ``--format NAME`` are shorthands
for ``dataset=``, ``out=`` and ``formats=[...]``. Exit status: 0 done, 2 bad configuration, 1 a
dataset that cannot be read.
"""
from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from omegaconf import DictConfig, OmegaConf

from simgen.export import EXPORTERS, export_order
from simgen.export.dataset import Dataset
from simgen.registry import ConfigError, parse_config, store_schema
from simgen.script_config import Script, run_script


@dataclass
class ExportJob:
    """simgen-export's own keys; each registered format's node sits beside them under its name."""

    dataset: str = "???"  # a merge's output (simgen-merge --out) or a shard run dir
    out: Optional[str] = None  # export dir (default: the dataset dir); media paths are relative to it
    formats: list = field(default_factory=list)  # which formats run (empty: all)


EXPORTERS.load_all()
store_schema("export_job", ExportJob, option=False, slots=tuple(EXPORTERS.names()))
SCRIPT = Script("simgen-export", "simgen_export", __doc__, positional=("dataset",),
                flags={"--out": "out", "--format": "formats[]"})  # stored just above


def format_nodes() -> list[str]:
    """Overrides adding every registered format's config under its own name (``+export@parquet=parquet``)."""
    return [f"+export@{name}={name}" for name in EXPORTERS.names()]


def run_export(cfg: DictConfig) -> list[dict]:
    """Validate every chosen format, then run them on the dataset; returns their summaries."""
    data = OmegaConf.to_container(cfg, resolve=True)
    job = parse_config(ExportJob, {key: data[key] for key in ("dataset", "out", "formats")}, "")
    if job.dataset == "???":
        raise ConfigError("dataset: missing; name the dataset dir (simgen-export DATASET or dataset=DIR)")
    unknown = sorted(set(job.formats) - set(EXPORTERS.names()))
    if unknown:
        raise ConfigError(f"formats: unknown export format(s) {unknown}; formats: {', '.join(EXPORTERS.names())}")
    exporters = [EXPORTERS.build(cfg[name], where=name) for name in export_order(job.formats or EXPORTERS.names())]
    ds = Dataset(Path(job.dataset))
    out = Path(job.out) if job.out is not None else ds.root
    fresh = not out.exists()
    try:
        return [e.export(ds, out) for e in exporters]
    except BaseException:
        # a bad record can surface after media were linked into a new --out: a failed export leaves
        # no folder behind (an existing one keeps its files, each written whole)
        if fresh:
            shutil.rmtree(out, ignore_errors=True)
        raise


def export(dataset: Path, formats: list[str], out: Path | None = None, overrides: list[str] = ()) -> list[dict]:
    """Run the named exporters on a dataset with ``key=value`` overrides (``parquet.compression=snappy``)."""
    keys = [f"dataset='{dataset}'", f"formats=[{','.join(formats)}]"] + ([f"out='{out}'"] if out is not None else [])
    return run_export(SCRIPT.compose(list(overrides), extra=[*format_nodes(), *keys]))


def _print_results(cfg: DictConfig) -> int:
    try:
        results = run_export(cfg)
    except (FileNotFoundError, ValueError) as e:
        if isinstance(e, ConfigError):
            raise
        raise SystemExit(f"export: {e}")
    except KeyboardInterrupt:  # files are replaced atomically: nothing half-written is left
        print("interrupted; re-run the same command to finish", file=sys.stderr)
        return 130
    for r in results:
        print(json.dumps(r, sort_keys=True))
    return 0


def main(argv: list[str] | None = None) -> None:
    """Export a dataset dir (a merge's output or a shard run dir) to training and evaluation formats."""
    code = run_script(SCRIPT, _print_results, argv, extra=format_nodes())
    if code:
        sys.exit(code)
