"""One way for every console script to read its settings: Hydra composes the script's primary config.

``simgen-export datasets/v1 parquet.compression=snappy`` composes ``conf/simgen_export.yaml`` with
the same ``key=value`` overrides as ``simgen``; ``--cfg job`` prints the composed config and
``--help`` lists every key. A script declares which positional arguments and flags it keeps from
its earlier command line, and each maps onto a config key (``--out DIR`` → ``out=DIR``,
``--format NAME`` → ``formats=[..., NAME]``, ``--no-card`` → ``card=false``). The compose API
(``initialize_config_dir`` + ``compose``) is used rather than ``@hydra.main``: these scripts write
where they are told, with no run dir, log file or sweep of their own.
"""
from __future__ import annotations

import dataclasses
import re
import sys
import typing
from dataclasses import dataclass, field

from omegaconf import DictConfig, OmegaConf

from simgen.registry import ConfigError

_KEYWORDS = ("null", "true", "false", "nan", "inf", "-inf", "+inf")  # Hydra reads these as values, not text


@dataclass(frozen=True)
class Script:
    """How a console script's command line maps onto its primary config."""

    prog: str  # e.g. "simgen-export"
    config_name: str  # conf/<config_name>.yaml
    description: str
    # keys filled by positional arguments, in order ("inputs[]" takes the rest; a dict picks the key by
    # the argument before it: {"compile": "questions"})
    positional: tuple = ()
    flags: dict[str, str] = field(default_factory=dict)  # "--out" -> "out"; a key ending in "[]" appends
    switches: dict[str, str] = field(default_factory=dict)  # "--no-card" -> "card=false" (an override, no value)

    def overrides(self, argv: list[str]) -> tuple[list[str], str | None]:
        """Hydra overrides for ``argv`` and the ``--cfg`` / ``--help`` request (None, "job" or "help")."""
        out, lists, positional, request = [], {}, [], None
        args = list(argv)
        while args:
            arg = args.pop(0)
            if arg in ("-h", "--help"):
                request = "help"
            elif arg in ("--cfg", "-c"):
                if not args or args.pop(0) != "job":
                    raise ConfigError(f"{self.prog}: --cfg takes 'job'")
                request = "job"
            elif arg.split("=", 1)[0] in self.flags:
                name, eq, value = arg.partition("=")
                if not eq:
                    if not args:
                        raise ConfigError(f"{name}: expects a value")
                    value = args.pop(0)
                key = self.flags[name]
                if key.endswith("[]"):
                    lists.setdefault(key[:-2], []).append(value)
                else:
                    out.append(f"{key}={_quoted(value)}")
            elif arg in self.switches:
                out.append(self.switches[arg])
            elif arg.startswith("-") and "=" not in arg:
                known = sorted([*self.flags, *self.switches, "--cfg job", "--help"])
                raise ConfigError(f"{arg}: unknown option; options: {', '.join(known)}; settings: key=value")
            elif "=" in arg.split("/", 1)[0] or arg.startswith(("+", "~")):
                out.append(arg)
            else:
                positional.append(arg)
        out += [f"{key}=[{','.join(_quoted(v) for v in values)}]" for key, values in lists.items()]
        previous = None
        for key in self.positional:  # in order; "inputs[]" takes every remaining argument
            if isinstance(key, dict):  # the key depends on the argument before it (a subcommand's argument)
                key = key.get(previous)
            if not positional or key is None:
                continue
            if key.endswith("[]"):
                out.append(f"{key[:-2]}=[{','.join(_quoted(v) for v in positional)}]")
                positional = []
            else:
                previous = positional.pop(0)
                out.append(f"{key}={_quoted(previous)}")
        if positional:
            raise ConfigError(f"{self.prog}: unexpected argument(s) {positional}; settings are key=value")
        return out, request

    def compose(self, argv: list[str] | None = None, extra: list[str] = ()) -> DictConfig | None:
        """The composed config (``extra`` overrides first), or None after printing ``--help`` / ``--cfg job``.
        ConfigError names the key on a bad override."""
        from hydra import compose, initialize_config_dir

        from simgen.resources import conf_folder

        overrides, request = self.overrides(list(sys.argv[1:] if argv is None else argv))
        # the script's module stored every schema its primary config extends when it was imported
        with initialize_config_dir(config_dir=str(conf_folder()), version_base="1.3"):
            try:
                cfg = compose(self.config_name, overrides=[*extra, *overrides])
            except Exception as e:
                if type(e).__module__.split(".")[0] not in ("hydra", "omegaconf"):
                    raise
                raise ConfigError(compose_error(e)) from None
        if request == "help":
            print(self.help_text(cfg))
        elif request == "job":
            print(OmegaConf.to_yaml(cfg), end="")
        return None if request else cfg

    def help_text(self, cfg: DictConfig) -> str:
        """The usage line, the description and every key with its value now."""
        names = [k.replace("[]", " ...").upper() if isinstance(k, str) else "[ARG]" for k in self.positional]
        usage = " ".join([self.prog, *names, "[key=value ...]",
                          *(f"[{f} {k.rstrip('[]').upper()}]" for f, k in self.flags.items()),
                          *(f"[{s}]" for s in self.switches), "[--cfg job]"])
        return (f"usage: {usage}\n\n{self.description.strip()}\n\nSettings (key=value overrides, Hydra syntax; "
                f"conf/{self.config_name}.yaml):\n\n{OmegaConf.to_yaml(cfg, resolve=False)}")


def compose_error(e: Exception) -> str:
    """One line naming the key and what it accepts, from a Hydra/OmegaConf composition error."""
    cause = e.__cause__ or e
    key, schema = getattr(cause, "full_key", None), getattr(cause, "object_type", None)
    if key and dataclasses.is_dataclass(schema):
        fields = typing.get_type_hints(schema)
        field_name = key.rsplit(".", 1)[-1]
        if field_name not in fields:
            return f"{key}: unknown key; allowed: {sorted(fields)}"
        kinds = {int: "an int", float: "a number", bool: "true or false", str: "a string"}
        hint = fields[field_name]
        hint = next((t for t in typing.get_args(hint) if t in kinds), hint)  # Optional[int] -> int
        if hint in kinds:
            return f"{key}: expected {kinds[hint]}{' or null' if typing.get_args(fields[field_name]) else ''}, " \
                   f"got {getattr(cause, 'value', None)!r}"
    missing, options = getattr(cause, "missing_cfg_file", None), getattr(cause, "options", None)
    if missing and options:  # an option of a group that has no such YAML
        group, _, option = missing.rpartition("/")
        return f"{group}={option}: no conf/{missing}.yaml; choose one of {', '.join(sorted(options))}"
    text = str(getattr(cause, "msg", None) or cause).split("\nConfig search path")[0]
    text = text.replace("\n\nAvailable", "; available")
    return re.sub(r"\s*\n\s*", " ", text.replace(":\n\t", ": ").replace("\n\t", ", ")).strip()


def _quoted(value: str) -> str:
    """A command-line value as a Hydra override value: plain words, numbers and paths as they are (so
    ``--seed 7`` is the int 7), anything Hydra's grammar would read otherwise (``=``, ``,``, spaces,
    brackets, ``null``/``true``) quoted so it stays the literal text."""
    text = str(value)
    if re.fullmatch(r"[A-Za-z0-9_./:+~-]+", text) and text.lower() not in _KEYWORDS:
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def run_script(script: Script, body, argv: list[str] | None = None, extra: list[str] = ()) -> int:
    """Compose ``script``'s config and call ``body(cfg)``; a ConfigError prints one line and returns 2."""
    try:
        cfg = script.compose(argv, extra)
        return 0 if cfg is None else int(body(cfg) or 0)
    except ConfigError as e:
        print(f"{script.prog}: configuration error: {e}", file=sys.stderr)
        return 2
