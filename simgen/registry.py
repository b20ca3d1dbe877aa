"""Plugin registries and config schemas: ``register(name, config=Schema)``, ``build(cfg)``, ``names()``.

A plugin module registers itself with ``@SIMULATORS.register("pybullet", config=PybulletConfig)``.
Plugins are found by convention, with no table of names: plugin ``name`` of a group is the file
``conf/<group>/<name>.yaml`` and lives in the module ``<package>.<name>`` (or in ``<package>``
itself when that module does not exist, as the four dynamics do). ``register`` checks the plugin
against the registry's base class or protocol and stores its config dataclass in Hydra's
ConfigStore as ``schema/<group>/<name>``; ``conf/<group>/<name>.yaml`` extends that node and holds
only what differs from it (``tests/test_config_defaults.py`` keeps that so). Groups that are not
plugins store theirs with :func:`store_schema` beside their dataclass.

Types are checked when Hydra composes (an ``int`` field refuses ``12.5``); ranges and choices are
declared once on the field with :func:`setting` and checked by :func:`parse_config`, which also
runs a dataclass's ``validate(where)`` for what types and ranges cannot say (one field against
another). Every error is a :class:`ConfigError` whose message names the full key and what it accepts.
"""
from __future__ import annotations

import dataclasses
import enum
import functools
import importlib
import types
import typing
from typing import Any, Callable, Optional

from omegaconf import DictConfig, OmegaConf

_SCALARS = (int, float, str, bool)


class ConfigError(ValueError):
    """A bad configuration value; the message names the key and what was expected."""


def require(module: str, extra: str = "export"):
    """Import an optional dependency, or raise ConfigError naming the install extra that brings it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(f'{module} is not installed; it comes with pip install -e ".[{extra}]"') from None


@dataclasses.dataclass(frozen=True)
class Bounds:
    """What a field accepts beyond its type: an interval and/or a set of choices."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple = ()

    def accepts(self, value) -> bool:
        """True if ``value`` is within the bounds (None always passes: Optional fields say so by type)."""
        if value is None:
            return True
        if self.choices and isinstance(value, (list, tuple)):
            return all(v in self.choices for v in value)
        if self.choices:
            return value in self.choices
        return not ((self.ge is not None and value < self.ge) or (self.gt is not None and value <= self.gt)
                    or (self.le is not None and value > self.le) or (self.lt is not None and value >= self.lt))

    def describe(self, kind: str) -> str:
        """``one of a, b`` or ``an int in [1, 16]`` / ``a number > 0``."""
        if self.choices:
            return "one of " + ", ".join(str(c) for c in self.choices)
        low = f"[{self.ge}" if self.ge is not None else f"({self.gt}" if self.gt is not None else None
        high = f"{self.le}]" if self.le is not None else f"{self.lt})" if self.lt is not None else None
        if low and high:
            return f"{kind} in {low}, {high}"
        if low:
            return f"{kind} {'≥' if self.ge is not None else '>'} {low[1:]}"
        return f"{kind} {'≤' if self.le is not None else '<'} {high[:-1]}"


def setting(default: Any = dataclasses.MISSING, *, ge=None, gt=None, le=None, lt=None, choices=()) -> Any:
    """A dataclass field with declared bounds: ``width: int = setting(320, ge=16)``,
    ``renderer: str = setting("auto", choices=("auto", "egl", "tiny"))``."""
    bounds = Bounds(ge, gt, le, lt, tuple(choices))
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata={"bounds": bounds})
    return dataclasses.field(default=default, metadata={"bounds": bounds})


def _kind(hint) -> str:
    base = next((t for t in typing.get_args(hint) if t is not type(None)), hint) if _is_optional(hint) else hint
    return {int: "an int", float: "a number", str: "a string", bool: "true or false"}.get(base, "a value")


def _is_optional(hint) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)


def _check_type(hint, value, key: str) -> Any:
    """``value`` as the field's scalar type (an int for a float field becomes a float); ConfigError otherwise."""
    if _is_optional(hint):
        if value is None:
            return None
        args = [t for t in typing.get_args(hint) if t is not type(None)]
        hint = args[0] if len(args) == 1 else Any
    if hint not in _SCALARS:
        return tuple(value) if isinstance(value, list) else value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ConfigError(f"{key}: expected {_kind(hint)}, got {value!r}")
    return value


def parse_config(schema: type, data: dict, where: str) -> Any:
    """Build dataclass ``schema`` from ``data``; unknown keys, wrong types and out-of-bounds values
    raise ConfigError naming ``where.key`` and what it accepts, then ``validate(where)`` runs if defined."""
    fields = {f.name: f for f in dataclasses.fields(schema)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where or 'config'}: unknown key(s) {unknown}; allowed: {sorted(fields)}")
    hints = typing.get_type_hints(schema)  # real types, also under `from __future__ import annotations`
    kwargs = {key: _check_type(hints.get(key, Any), value, f"{where}.{key}" if where else key)
              for key, value in data.items()}
    return check_config(schema(**kwargs), where)


def check_config(cfg: Any, where: str) -> Any:
    """Check a built config dataclass: every declared bound, then its own ``validate(where)`` if it has
    one (the cross-field checks); ConfigError names ``where.key``. Returns ``cfg``."""
    hints = typing.get_type_hints(type(cfg))
    for f in dataclasses.fields(cfg):
        bounds = _bounds(type(cfg), f.name)
        value = getattr(cfg, f.name)
        if bounds is not None and not bounds.accepts(value):
            key = f"{where}.{f.name}" if where else f.name
            raise ConfigError(f"{key}: expected {bounds.describe(_kind(hints.get(f.name)))}, got {value!r}")
    check = getattr(cfg, "validate", None)
    if check is not None:
        check(where)
    return cfg


def _bounds(schema: type, name: str) -> Bounds | None:
    """The bounds declared for field ``name``: on ``schema``, or on the nearest base class that declares
    them (a subclass that only changes a default keeps its base's range)."""
    for klass in schema.__mro__:
        f = vars(klass).get("__dataclass_fields__", {}).get(name)
        if f is not None and "bounds" in f.metadata:
            return f.metadata["bounds"]
    return None


def _node_type(hint):
    """The annotation OmegaConf checks for a field: scalars, Optional scalars, enums and nested
    schemas as they are; anything else (unions of scalars, bare tuples, callables) as Any."""
    if hint in _SCALARS or (isinstance(hint, type) and issubclass(hint, enum.Enum)):
        return hint
    if dataclasses.is_dataclass(hint):
        return schema_node(hint)
    if _is_optional(hint):
        args = [t for t in typing.get_args(hint) if t is not type(None)]
        return Optional[args[0]] if len(args) == 1 and args[0] in _SCALARS else Any
    return Any


@functools.lru_cache(maxsize=None)  # one node class per schema, so a nested default is an instance of its field's type
def schema_node(schema: type, name: str | None = None, slots: tuple[str, ...] = (),
                nested: tuple[tuple[str, type], ...] = ()) -> type:
    """A plain dataclass OmegaConf can type-check with ``schema``'s fields and defaults (plus
    ``name: str = name`` when given, an untyped ``slot: Any = None`` per slot, where a config group
    is merged in, and ``(field, schema)`` pairs typing a mapping field by the schema it is parsed
    with later): the node stored in the ConfigStore."""
    hints = typing.get_type_hints(schema)
    fields = []
    for f in dataclasses.fields(schema):
        if f.name == "name" and name is not None:
            continue
        if f.name in dict(nested):
            node_type = schema_node(dict(nested)[f.name])
            fields.append((f.name, node_type, dataclasses.field(default_factory=node_type)))
            continue
        if f.default is not dataclasses.MISSING:
            default = f.default
            if dataclasses.is_dataclass(default):
                field = dataclasses.field(default_factory=_node_factory(default))
            elif isinstance(default, tuple):
                field = dataclasses.field(default_factory=lambda d=default: list(d))
            else:
                field = dataclasses.field(default=default)
        else:
            field = dataclasses.field(default_factory=f.default_factory)
        fields.append((f.name, _node_type(hints[f.name]), field))
    if name is not None:
        fields.insert(0, ("name", str, dataclasses.field(default=name)))
    fields += [(slot, Any, dataclasses.field(default=None)) for slot in slots]
    return dataclasses.make_dataclass(schema.__name__, fields)


def _node_factory(instance):
    node_type = schema_node(type(instance))
    return lambda: node_type(**{f.name: getattr(instance, f.name) for f in dataclasses.fields(instance)})


def store_schema(group: str, schema: type, name: str | None = None, option: bool = True,
                 slots: tuple[str, ...] = (), nested: tuple[tuple[str, type], ...] = ()) -> None:
    """Store ``schema`` in Hydra's ConfigStore as ``schema/<group>/<name>`` (a plugin's, with
    ``name`` as its default name) or ``schema/<group>`` (a group's one schema; each of the group's
    options has a ``name``, "default" unless the schema says otherwise; ``option=False`` for a
    primary config's schema, with ``slots`` for the groups merged into it; ``nested`` as in
    :func:`schema_node`); YAMLs extend it."""
    from hydra.core.config_store import ConfigStore

    if name is None:
        named = not option or any(f.name == "name" for f in dataclasses.fields(schema))
        node = schema_node(schema, None if named else "default", tuple(slots), tuple(nested))
        ConfigStore.instance().store(group="schema", name=group, node=node)
    else:
        ConfigStore.instance().store(group=f"schema/{group}", name=name, node=schema_node(schema, name))


class Registry:
    """Name → (factory, config dataclass) for one kind of plugin, found by convention (module docstring)."""

    def __init__(self, kind: str, group: str, package: str, base: str | None = None):
        self.kind = kind  # words for messages: "trajectory planner"
        self.group = group  # the Hydra config group, so errors name the keys a user types
        self.package = package  # plugin `name` lives in `<package>.<name>`, else in `<package>` itself
        self._base = base  # "module:Class" of the class or protocol every plugin provides (imported on use)
        self._entries: dict[str, tuple[Callable[..., Any], type | None]] = {}

    @property
    def base(self) -> type | None:
        """The class or protocol every plugin of this registry provides."""
        if self._base is None:
            return None
        module, _, attr = self._base.partition(":")
        return getattr(importlib.import_module(module), attr)

    def register(self, name: str, config: type | None = None):
        """Decorator registering a plugin under ``name`` with its config schema (stored in the ConfigStore)."""

        def deco(factory):
            if isinstance(factory, type) and self.base is not None and not _provides(factory, self.base):
                raise TypeError(f"{self.kind} {name!r}: {factory.__name__} does not provide {self.base.__name__}")
            self._entries[name] = (factory, config)
            if config is not None:
                store_schema(self.group, config, name)
            return factory

        return deco

    def names(self) -> list[str]:
        """All plugin names of this kind, sorted: the YAML files of the group and whatever registered."""
        from simgen.resources import conf_folder

        return sorted({p.stem for p in (conf_folder() / self.group).glob("*.yaml")} | set(self._entries))

    def get(self, name: str) -> tuple[Callable[..., Any], type | None]:
        """The (factory, config schema) of ``name``, importing its module on first use."""
        if name not in self._entries and str(name).isidentifier():
            try:
                importlib.import_module(f"{self.package}.{name}")
            except ModuleNotFoundError as e:
                if e.name != f"{self.package}.{name}" and not f"{self.package}.{name}".startswith(f"{e.name}."):
                    raise
                importlib.import_module(self.package)
        if name not in self._entries:
            raise ConfigError(f"unknown {self.kind} {name!r}; known: {', '.join(self.names())}")
        return self._entries[name]

    def load_all(self) -> None:
        """Import every plugin of the group, so the ConfigStore holds every schema before Hydra composes."""
        for name in self.names():
            self.get(name)

    def config(self, cfg: DictConfig | dict, where: str | None = None) -> Any:
        """Validate ``cfg`` (with its ``name``) against the plugin's dataclass and return an instance;
        errors name keys under ``where`` (default: the group)."""
        where = where or self.group
        data = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg)
        name = data.pop("name", None)
        if name is None:
            raise ConfigError(f"{where}: needs a 'name'; known: {', '.join(self.names())}")
        _, schema = self.get(name)
        return parse_config(schema, data, where) if schema else data

    def build(self, cfg: DictConfig | dict, where: str | None = None, **kwargs) -> Any:
        """Instantiate the plugin named by ``cfg.name`` with its validated config."""
        factory, _ = self.get(cfg["name"])
        plugin = factory(self.config(cfg, where), **kwargs)
        if self.base is not None and not _provides(type(plugin), self.base):
            raise TypeError(f"{self.kind} {cfg['name']!r}: {type(plugin).__name__} "
                            f"does not provide {self.base.__name__}")
        return plugin


def _provides(cls: type, base: type) -> bool:
    """``cls`` subclasses ``base``, or (for a Protocol) defines each of its public methods."""
    if getattr(base, "_is_protocol", False):
        return all(callable(getattr(cls, m, None)) for m in vars(base) if not m.startswith("_"))
    return issubclass(cls, base)


SIMULATORS = Registry("simulator", "simulator", "simgen.simulators", "simgen.simulators.base:Simulator")
SCENE_BUILDERS = Registry("scene builder", "scene", "simgen.scene")
PLANNERS = Registry("trajectory planner", "trajectory", "simgen.trajectories", "simgen.trajectories.base:Planner")
DYNAMICS = Registry("dynamics", "dynamics", "simgen.episodes.dynamics", "simgen.episodes.dynamics:Dynamics")
RENDERERS = Registry("renderer", "renderer", "simgen.renderers", "simgen.renderers.base:Renderer")
