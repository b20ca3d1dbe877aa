"""Every config composes against its script's primary config, and plugins, files and schemas agree."""
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore

from simgen.export import EXPORTERS, export_order
from simgen.job_config import PLUGIN_GROUPS
from simgen.registry import ConfigError, Registry, parse_config, setting
from simgen.job_config import conf_dir

CONF = Path(conf_dir())
REGISTRIES = {**PLUGIN_GROUPS, "export": EXPORTERS}
GROUPS = sorted(p.name for p in CONF.iterdir() if p.is_dir() and p.name not in ("hydra", "local"))
# the primary config a group belongs to, and whether its options are added (+) or chosen
PRIMARY = {"export": ("simgen_export", "+export@{option}={option}"), "llm": ("simgen_compile", "llm={option}")}


def group_options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


@pytest.mark.parametrize("group", GROUPS)
def test_every_option_composes_and_names_itself(group):
    primary, pattern = PRIMARY.get(group, ("config", "{group}={option}"))
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        for option in group_options(group):
            cfg = compose(primary, overrides=[pattern.format(group=group, option=option)])
            if group in ("experiment", "debug"):
                continue  # global recipes have no node or name of their own
            node = cfg[option] if group == "export" else cfg[group]
            assert node.name == option, f"conf/{group}/{option}.yaml composes with name {node.name!r}"


@pytest.mark.parametrize("group, registry", sorted(REGISTRIES.items()))
def test_plugin_files_registry_and_config_store_agree(group, registry):
    assert group_options(group) == registry.names()
    store = ConfigStore.instance().repo["schema"][group]
    for name in registry.names():
        factory, schema = registry.get(name)
        assert callable(factory) and schema is not None, f"{group} {name} has no config schema"
        assert f"{name}.yaml" in store, f"{group} {name}: its schema is not in the ConfigStore"
        data = yaml.safe_load((CONF / group / f"{name}.yaml").read_text())
        assert f"/schema/{group}/{name}@_here_" in data["defaults"], f"conf/{group}/{name}.yaml does not extend its schema"


def test_plugins_are_found_by_convention_and_checked_against_their_base():
    reg = Registry("widget", "simulator", "simgen.simulators", "simgen.simulators.base:Simulator")
    with pytest.raises(ConfigError, match="unknown widget 'b'; known: ai2thor, habitat, mujoco, pybullet"):
        reg.get("b")

    class NotASimulator:
        pass

    with pytest.raises(TypeError, match="NotASimulator does not provide Simulator"):
        reg.register("fake")(NotASimulator)
    planners = PLUGIN_GROUPS["trajectory"]
    with pytest.raises(TypeError, match="does not provide Planner"):
        planners.register("fake")(NotASimulator)  # a protocol: it needs plan()


def test_unknown_key_is_named():
    with pytest.raises(ConfigError, match="radius_typo"):
        PLUGIN_GROUPS["trajectory"].config({"name": "orbit", "radius_typo": 1})


def test_declared_bounds_name_the_key_and_the_accepted_values():
    from dataclasses import dataclass

    @dataclass
    class Knobs:
        count: int = setting(3, ge=1)
        ratio: float = setting(0.5, gt=0.0, le=1.0)
        mode: str = setting("a", choices=("a", "b"))
        size: int | None = setting(None, ge=16)

    assert parse_config(Knobs, {"ratio": 1, "size": None}, "k") == Knobs(ratio=1.0)
    for data, message in (({"count": 0}, "k.count: expected an int ≥ 1, got 0"),
                          ({"ratio": 0.0}, "k.ratio: expected a number in (0.0, 1.0], got 0.0"),
                          ({"mode": "c"}, "k.mode: expected one of a, b, got 'c'"),
                          ({"size": 8}, "k.size: expected an int ≥ 16, got 8"),
                          ({"count": 2.5}, "k.count: expected an int, got 2.5"),
                          ({"count": True}, "k.count: expected an int, got True")):
        with pytest.raises(ConfigError) as e:
            parse_config(Knobs, data, "k")
        assert str(e.value) == message

    @dataclass
    class Tuned(Knobs):
        count: int = 5  # a subclass that only changes the default keeps the base's range

    with pytest.raises(ConfigError, match=r"^k\.count: expected an int ≥ 1, got 0$"):
        parse_config(Tuned, {"count": 0}, "k")


def test_exporters_run_in_an_order_derived_from_the_registry():
    assert export_order(EXPORTERS.names()) == ["llava_video", "messages", "parquet", "vsibench", "card"]
    assert export_order(["card", "parquet"]) == ["parquet", "card"]  # the card reads the others' files
