"""A YAML in conf/ holds only what differs from its schema: no value restates a default.

Each YAML extends a schema from Hydra's ConfigStore (``/schema/...@_here_``) or another option of
its group (``qa/dynamic.yaml`` extends ``default``); every value it sets is compared with what it
extends. ``python tests/test_config_defaults.py`` prints the counts as JSON (the measure of issue 16):
values set in conf/, how many restate a default, and the hand-written ``validate()`` methods left.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from simgen.job_config import conf_dir

CONF = Path(conf_dir())
RECIPES = ("hydra", "experiment", "debug", "local")  # overrides of other groups' keys, not options of a schema
PACKAGE = Path(__file__).resolve().parents[1] / "simgen"


def config_files() -> list[Path]:
    """Every YAML that extends a schema: primary configs at the top, group options below."""
    return sorted(p for p in CONF.rglob("*.yaml") if p.relative_to(CONF).parts[0] not in RECIPES)


def extended(path: Path) -> dict:
    """What ``path`` extends (its defaults list's schemas and sibling options, merged), as plain data."""
    data = yaml.safe_load(path.read_text()) or {}
    base = OmegaConf.create({})
    for entry in data.get("defaults", []):
        if not isinstance(entry, str) or entry == "_self_":
            continue  # a group choice (simulator: pybullet) is that group's own file
        target = entry.split("@")[0]
        if target.startswith("/schema/"):
            node = ConfigStore.instance().load(target[1:] + ".yaml").node
        else:
            node = composed(path.parent / f"{target}.yaml")
        base = OmegaConf.merge(base, node)
    return OmegaConf.to_container(base)


def composed(path: Path) -> dict:
    """``path``'s own values over what it extends."""
    body = {k: v for k, v in (yaml.safe_load(path.read_text()) or {}).items() if k != "defaults"}
    return OmegaConf.to_container(OmegaConf.merge(extended(path), body))


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    return a == b


def _leaves(body: dict, base, prefix: str):
    for key, value in body.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(base, dict) and isinstance(base.get(key), dict) and value:
            yield from _leaves(value, base[key], f"{path}.")
        else:
            yield path, value, base.get(key, KeyError) if isinstance(base, dict) else KeyError


def restated_defaults() -> tuple[int, list[str]]:
    """(values set in conf/, the ``file: key = value`` lines whose value equals what the file extends)."""
    total, restated = 0, []
    for path in config_files():
        body = {k: v for k, v in (yaml.safe_load(path.read_text()) or {}).items() if k != "defaults"}
        body.pop("hydra", None)  # Hydra's own settings, not a schema's
        base = extended(path)
        for key, value, default in _leaves(body, base, ""):
            total += 1
            if _same(value, default):
                restated.append(f"{path.relative_to(CONF)}: {key} = {value!r}")
    return total, restated


def validate_methods() -> int:
    """Hand-written ``def validate(`` methods left in the package (cross-field checks types cannot express)."""
    return sum(len(re.findall(r"^\s+def validate\(", p.read_text(), re.M)) for p in PACKAGE.rglob("*.py"))


def test_no_value_in_conf_restates_its_schema_default():
    total, restated = restated_defaults()
    assert total > 0
    assert restated == [], "conf/ values equal to what they extend (delete them):\n" + "\n".join(restated)


def test_every_option_extends_a_schema():
    for path in config_files():
        data = yaml.safe_load(path.read_text()) or {}
        refs = [d for d in data.get("defaults", []) if isinstance(d, str) and d != "_self_"]
        assert refs, f"{path.relative_to(CONF)} extends no schema"


if __name__ == "__main__":
    total, restated = restated_defaults()
    print(json.dumps({"yaml_files": len(config_files()), "values": total, "restating_default": len(restated),
                      "validate_methods": validate_methods()}))
