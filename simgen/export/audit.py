"""What ``simgen-merge`` checks about its inputs and outputs besides balancing.

- :class:`AuditSample` keeps, per family, the ``limit`` records with the lowest ranks (a uniform
  pseudo-random sample, since ranks are hashes of ids) in a bounded heap, so the blind audit
  (``qa.blind_audit``) of a million-record merge runs in bounded memory and time.
- :func:`check_configs` refuses to merge shards made with different configs, naming the keys,
  unless told to: a sweep's shards may differ only in the keys their overrides set, and all of them
  must override the same keys (seeds, shard numbers, episode counts and output paths never count).
"""
from __future__ import annotations

import heapq
from pathlib import Path

import yaml

from simgen.qa.balance import rank_of_id
from simgen.qa.blind_audit import AuditItem, blind_audit
from simgen.registry import ConfigError

IGNORED = ("seed", "shard", "episodes", "stages", "run_name", "paths.", "hydra.")  # never make shards "mixed"


class AuditSample:
    """Per family, the ``limit`` lowest-ranked records as AuditItems; ``report`` audits them."""

    def __init__(self, limit: int):
        self.limit = limit
        self.heaps: dict[str, list] = {}

    def add(self, record) -> None:
        """Offer a QAItem or a record dict."""
        family, rid = (record["family"], record["id"]) if isinstance(record, dict) else (record.family, record.id)
        heap = self.heaps.setdefault(family, [])
        key = (-rank_of_id(rid), rid)  # a max-heap on rank: the root is the first to give way
        if len(heap) < self.limit:
            heapq.heappush(heap, (*key, AuditItem.of(record)))
        elif key > heap[0][:2]:  # only records that enter the sample are read (most are not)
            heapq.heapreplace(heap, (*key, AuditItem.of(record)))

    def report(self, cfg) -> dict:
        """The blind audit of the sample, per family (``n`` counts the audited records; ``cfg.folds`` folds)."""
        return blind_audit([e[2] for family in sorted(self.heaps) for e in self.heaps[family]], cfg)


def _flatten(data, prefix: str = "") -> dict:
    out = {}
    for key, value in (data or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _counts(key: str) -> bool:
    return not any(key == i or (i.endswith(".") and key.startswith(i)) for i in IGNORED)


def shard_config(path: Path) -> tuple[dict, set[str]] | None:
    """A shard's flattened config and the keys its overrides set (None without ``.hydra/config.yaml``)."""
    hydra = Path(path) / ".hydra"
    if not (hydra / "config.yaml").is_file():
        return None
    config = {k: v for k, v in _flatten(yaml.safe_load((hydra / "config.yaml").read_text())).items() if _counts(k)}
    overrides = yaml.safe_load((hydra / "overrides.yaml").read_text()) if (hydra / "overrides.yaml").is_file() else []
    keys = {str(o).split("=", 1)[0].lstrip("+~") for o in overrides or []}
    return config, {k for k in keys if _counts(k)}


def check_configs(paths: list[Path], names: list[str], allow_mixed: bool = False) -> list[str]:
    """The config keys in which the shards differ beyond their sweep's overrides; ConfigError naming
    them (and two shards that differ) unless ``allow_mixed``. Shards without a saved config are skipped."""
    configs = [(n, c) for n, c in zip(names, map(shard_config, paths)) if c is not None]
    if len(configs) < 2:
        return []
    swept = set.intersection(*(keys for _, (_, keys) in configs))
    all_keys = set().union(*(cfg.keys() for _, (cfg, _) in configs))
    differing = sorted(k for k in all_keys if len({repr(cfg.get(k, "<unset>")) for _, (cfg, _) in configs}) > 1
                       and not any(k == s or k.startswith(f"{s}.") for s in swept))
    if differing and not allow_mixed:
        first, key = configs[0], differing[0]
        other = next(c for c in configs if repr(c[1][0].get(key, "<unset>")) != repr(first[1][0].get(key, "<unset>")))
        shown = ", ".join(differing[:12]) + (f" and {len(differing) - 12} more" if len(differing) > 12 else "")
        raise ConfigError(f"the shards were made with different configs ({shown}); e.g. {key} is "
                          f"{first[1][0].get(key, '<unset>')!r} in {first[0]} but {other[1][0].get(key, '<unset>')!r} "
                          f"in {other[0]}. Merge one sweep at a time, or pass --allow-mixed to mix them on purpose")
    return differing
