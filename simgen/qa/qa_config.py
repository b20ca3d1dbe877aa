"""The ``qa`` config group: its schema (:class:`QAConfig`, stored for Hydra as ``qa``), its parsing and
validation, reading it from a YAML file, and the hash every QA record carries of it.

``parse_qa_config`` is what ``simgen`` and ``python -m simgen.qa.ask`` validate the group with;
``config_hash`` covers the config, the visibility model and every family file used, so an edited
template changes it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, OmegaConf

from simgen.qa.balance import BalanceConfig
from simgen.qa.families import Family, load_families
from simgen.qa.records import stable_hash
from simgen.qa.verify_rules import VerifyConfig
from simgen.registry import ConfigError, parse_config, setting, store_schema
from simgen.visibility_model import VisibilityModel


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


def load_yaml_node(path: Path, option: str):
    """A YAML file as a DictConfig; a missing or unreadable file exits naming the option and the file."""
    try:
        return OmegaConf.load(path)
    except OSError as e:
        raise SystemExit(f"ask: {option} {path}: cannot read it: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise SystemExit(f"ask: {option} {path}: not valid YAML: {e}") from None


def qa_config_node(path: Path | None):
    """The qa config: ``conf/qa/<name>.yaml`` composed over its schema (default: ``default``), or
    another YAML file as it is (keys it leaves out take the schema's defaults)."""
    from hydra import compose, initialize_config_dir

    from simgen.resources import conf_folder

    if path is None or path.resolve().parent == (conf_folder() / "qa").resolve():
        # the option alone as primary config (Hydra places it under its folder's package, ``qa``): it
        # extends schema/qa, stored above, and needs no other group
        with initialize_config_dir(config_dir=str(conf_folder()), version_base="1.3"):
            return OmegaConf.create(OmegaConf.to_container(compose(f"qa/{path.stem if path else 'default'}").qa))
    return load_yaml_node(path, "--config")
