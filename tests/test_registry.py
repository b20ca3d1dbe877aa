"""Every config composes, and every plugin's YAML name, `name:` field and registry key agree."""
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir

from simgen.resources import conf_dir
from simgen.registry import PLANNERS, SCENE_BUILDERS, SIMULATORS, ConfigError, Registry

CONF = Path(conf_dir())
PLUGIN_GROUPS = {"simulator": SIMULATORS, "scene": SCENE_BUILDERS, "trajectory": PLANNERS}
GROUPS = sorted(p.name for p in CONF.iterdir() if p.is_dir() and p.name not in ("hydra", "local"))
DEFAULTS = {next(iter(d)) if isinstance(d, dict) else d for d in yaml.safe_load((CONF / "config.yaml").read_text())["defaults"]}


def group_options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


@pytest.mark.parametrize("group", GROUPS)
def test_every_option_composes(group):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        for option in group_options(group):
            prefix = "" if group in DEFAULTS else "+"  # groups outside the defaults list are added
            cfg = compose("config", overrides=[f"{prefix}{group}={option}"], return_hydra_config=False)
            assert cfg.seed == 0 or group in ("experiment", "debug")


@pytest.mark.parametrize("group", GROUPS)
def test_name_field_matches_file_name(group):
    for path in (CONF / group).glob("*.yaml"):
        data = yaml.safe_load(path.read_text()) or {}
        if group in ("experiment", "debug"):
            continue  # global recipes have no name of their own
        assert data.get("name") == path.stem, f"{path}: name {data.get('name')!r} != file name {path.stem!r}"


@pytest.mark.parametrize("group, registry", sorted(PLUGIN_GROUPS.items()))
def test_plugin_files_and_registry_agree(group, registry):
    assert group_options(group) == registry.names()
    for name in registry.names():
        factory, schema = registry.get(name)
        assert callable(factory) and schema is not None, f"{group} {name} has no config schema"
        data = yaml.safe_load((CONF / group / f"{name}.yaml").read_text())
        registry.config(data)  # the shipped defaults validate against the schema


def test_unknown_plugin_lists_known_ones():
    reg = Registry("widget", {"a": "simgen.types"})
    with pytest.raises(ConfigError, match="known: a"):
        reg.get("b")


def test_unknown_key_is_named():
    data = yaml.safe_load((CONF / "trajectory" / "orbit.yaml").read_text())
    with pytest.raises(ConfigError, match="radius_typo"):
        PLANNERS.config({**data, "radius_typo": 1})
