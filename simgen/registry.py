"""One generic plugin registry: ``register(name, config=Schema)``, ``build(cfg)``, ``names()``.

The YAML file name in ``conf/<group>/``, its ``name:`` field and the registry key are one string;
``tests/test_registry.py`` checks this for every plugin. Plugins register themselves when their
module is imported; ``Registry.modules`` maps each name to that module so that building a plugin
imports only what it needs (heavy SDKs stay out of ``import simgen``).
"""
from __future__ import annotations

import dataclasses
import importlib
import typing
from typing import Any, Callable

from omegaconf import DictConfig, OmegaConf


class ConfigError(ValueError):
    """A bad configuration value; the message names the key and what was expected."""


class Registry:
    """Name → (factory, config dataclass) for one kind of plugin."""

    def __init__(self, kind: str, modules: dict[str, str], group: str | None = None):
        self.kind = kind
        self.group = group or kind  # the Hydra config group, so errors name the keys a user types
        self.modules = dict(modules)  # name -> module that registers it (imported lazily)
        self._entries: dict[str, tuple[Callable[..., Any], type | None]] = {}

    def register(self, name: str, config: type | None = None):
        """Class/function decorator registering a plugin under ``name`` with its config schema."""

        def deco(factory):
            self._entries[name] = (factory, config)
            return factory

        return deco

    def names(self) -> list[str]:
        """All plugin names of this kind, sorted."""
        return sorted(set(self.modules) | set(self._entries))

    def get(self, name: str) -> tuple[Callable[..., Any], type | None]:
        """The (factory, config schema) of ``name``, importing its module on first use."""
        if name not in self._entries and name in self.modules:
            importlib.import_module(self.modules[name])
        if name not in self._entries:
            raise ConfigError(f"unknown {self.kind} {name!r}; known: {', '.join(self.names())}")
        return self._entries[name]

    def config(self, cfg: DictConfig | dict) -> Any:
        """Validate ``cfg`` (with its ``name``) against the plugin's dataclass and return an instance."""
        data = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg)
        name = data.pop("name", None)
        if name is None:
            raise ConfigError(f"{self.kind} config needs a 'name'; known: {', '.join(self.names())}")
        _, schema = self.get(name)
        return parse_config(schema, data, self.group) if schema else data

    def build(self, cfg: DictConfig | dict, **kwargs) -> Any:
        """Instantiate the plugin named by ``cfg.name`` with its validated config."""
        name = cfg["name"]
        factory, _ = self.get(name)
        return factory(self.config(cfg), **kwargs)


def parse_config(schema: type, data: dict, where: str) -> Any:
    """Build dataclass ``schema`` from ``data``; unknown keys and wrong types name the key."""
    fields = {f.name: f for f in dataclasses.fields(schema)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(fields)}")
    hints = typing.get_type_hints(schema)  # real types, also under `from __future__ import annotations`
    kwargs = {}
    for key, value in data.items():
        expected = hints.get(key) if isinstance(hints.get(key), type) else None
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if expected in (int, float, str, bool) and not isinstance(value, expected):
            raise ConfigError(f"{where}.{key}: expected {expected.__name__}, got {value!r}")
        kwargs[key] = tuple(value) if isinstance(value, list) else value
    cfg = schema(**kwargs)
    check = getattr(cfg, "validate", None)
    if check is not None:
        check(where)
    return cfg


SIMULATORS = Registry("simulator", {"pybullet": "simgen.simulators.pybullet", "mujoco": "simgen.simulators.mujoco",
                                    "ai2thor": "simgen.simulators.ai2thor", "habitat": "simgen.simulators.habitat"})
SCENE_BUILDERS = Registry(
    "scene builder", {"procedural": "simgen.scene.procedural", "from_file": "simgen.scene.from_file",
                      "ai2thor": "simgen.scene.ai2thor", "habitat": "simgen.scene.habitat"}, "scene"
)
PLANNERS = Registry(
    "trajectory planner",
    {
        "orbit": "simgen.trajectories.orbit",
        "walkthrough": "simgen.trajectories.walkthrough",
        "lookat": "simgen.trajectories.lookat",
        "coverage": "simgen.trajectories.coverage",
        "ego": "simgen.trajectories.ego",
    },
    "trajectory",
)
DYNAMICS = Registry(
    "dynamics",
    {name: "simgen.episodes.dynamics" for name in ("none", "scripted", "push", "mixed")},
)
