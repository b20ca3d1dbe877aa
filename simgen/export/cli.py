"""Command line: ``python -m simgen.export <dataset dir> [--format NAME ...] [--out DIR] [--set KEY=VALUE ...]``.

Each format's settings come from ``conf/export/<name>.yaml``; ``--set key=value`` changes a key in
every chosen format that has it, ``--set parquet.key=value`` in one format only. Without
``--format`` every format is written, the card last (so it can point at the Parquet file).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from simgen.export import EXPORTERS
from simgen.export.dataset import Dataset
from simgen.registry import ConfigError

ORDER = ("llava_video", "messages", "parquet", "vsibench", "card")


def preset(name: str) -> dict:
    """The shipped ``conf/export/<name>.yaml`` as a dict; ConfigError listing the formats otherwise."""
    from simgen.resources import conf_dir

    path = Path(conf_dir()) / "export" / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"export format {name!r}: no {path}; formats: {', '.join(EXPORTERS.names())}")
    return yaml.safe_load(path.read_text()) or {}


def apply_overrides(configs: dict[str, dict], overrides: list[str]) -> None:
    """Apply ``key=value`` / ``format.key=value`` (values parsed as YAML scalars) in place."""
    for text in overrides:
        key, sep, raw = text.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {text!r}: expected KEY=VALUE or FORMAT.KEY=VALUE")
        value = yaml.safe_load(raw)
        fmt, dot, field = key.partition(".")
        if dot:
            if fmt not in configs:
                raise ConfigError(f"--set {text!r}: format {fmt!r} is not being exported; chosen: {sorted(configs)}")
            configs[fmt][field] = value
            continue
        targets = [name for name, cfg in configs.items() if key in cfg]
        if not targets:
            raise ConfigError(f"--set {text!r}: no chosen format has a key {key!r}")
        for name in targets:
            configs[name][key] = value


def export(dataset: Path, formats: list[str], out: Path | None = None, overrides: list[str] = ()) -> list[dict]:
    """Run the named exporters (in the canonical order) on a dataset; returns their summaries."""
    unknown = sorted(set(formats) - set(EXPORTERS.names()))
    if unknown:
        raise ConfigError(f"unknown export format(s) {unknown}; formats: {', '.join(EXPORTERS.names())}")
    chosen = [f for f in ORDER if f in formats] + sorted(set(formats) - set(ORDER))
    configs = {name: preset(name) for name in chosen}
    apply_overrides(configs, list(overrides))
    exporters = []
    for name in chosen:  # validate every format before writing any
        try:
            exporters.append(EXPORTERS.build(configs[name]))
        except ConfigError as e:
            raise ConfigError(f"format {name} (conf/export/{name}.yaml): {e}") from None
    ds = Dataset(dataset)
    out = Path(out) if out is not None else ds.root
    return [e.export(ds, out) for e in exporters]


def main(argv: list[str] | None = None) -> None:
    """Export a dataset dir (a merge's output or a shard run dir) to training and evaluation formats."""
    ap = argparse.ArgumentParser(prog="simgen-export", description=main.__doc__)
    ap.add_argument("dataset", type=Path, help="dataset dir (python -m simgen.export.merge output) or shard run dir")
    ap.add_argument("--format", action="append", dest="formats", metavar="NAME",
                    help=f"one of {', '.join(ORDER)} (repeatable; default: all)")
    ap.add_argument("--out", type=Path, help="export dir (default: the dataset dir); media paths are relative to it")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a preset key")
    args = ap.parse_args(argv)
    try:
        results = export(args.dataset, args.formats or list(ORDER), args.out, args.set)
    except (ConfigError, FileNotFoundError, ValueError) as e:
        raise SystemExit(f"export: {e}")
    except KeyboardInterrupt:  # files are replaced atomically: nothing half-written is left
        print("interrupted; re-run the same command to finish", file=sys.stderr)
        sys.exit(130)
    for r in results:
        print(json.dumps(r, sort_keys=True))
