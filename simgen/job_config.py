"""The schema of ``simgen``'s primary config and the check that runs before Hydra starts a job.

``conf/config.yaml`` extends :class:`JobConfig` (stored as ``schema/job``): its own keys (seed,
shard, episodes, stages, run_name), the one ``visibility`` node every group refers to, and a slot
per config group. The camera and paths groups have their schemas here too; every other group's
schema is registered beside its plugin (``simgen.registry``).

:func:`check_overrides` composes the config for each job a command line would run (each job of a
``-m`` sweep) and validates every group, so a bad value is one line naming the key and what it
accepts, exit code 2, before any run dir exists.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Optional

from simgen.registry import DYNAMICS, PLANNERS, RENDERERS, SCENE_BUILDERS, SIMULATORS, ConfigError, parse_config, \
    setting, store_schema
from simgen.renderers.camera_effects import CameraEffects
from simgen.resources import conf_folder
from simgen.script_config import compose_error
from simgen.visibility_model import VisibilityModel

STAGES = ("render", "ask")
PLUGIN_GROUPS = {"simulator": SIMULATORS, "renderer": RENDERERS, "scene": SCENE_BUILDERS, "trajectory": PLANNERS,
                 "dynamics": DYNAMICS}


@dataclass
class CameraConfig:
    """The ``camera`` group: image size in px and vertical field of view in degrees (square pixels)."""

    name: str = "default"
    width: int = setting(320, ge=1)
    height: int = setting(240, ge=1)
    vfov_deg: float = setting(60.0, gt=1.0, lt=179.0)
    effects: CameraEffects = CameraEffects()  # exposure, white balance, noise, JPEG, blur: RGB only


@dataclass
class PathsConfig:
    """The ``paths`` group: where outputs go."""

    name: str = "default"
    output_root: str = "outputs"  # relative to the directory simgen is started from


@dataclass
class JobConfig:
    """``simgen``'s own keys; the group slots are filled by ``conf/config.yaml``'s defaults list."""

    seed: int = setting(0, ge=0)  # every random choice derives from (seed, shard, scene, stage)
    shard: Optional[int] = setting(None, ge=0)  # null: the Hydra job number in a multirun (-m), 0 in a single run
    episodes: int = setting(2, ge=1)  # episodes rendered per shard
    stages: list = setting(list(STAGES), choices=STAGES)  # render, ask, or both
    run_name: str = "simgen"  # outputs/<run_name>/<overrides>/ (multirun: outputs/<run_name>-multirun/...)
    # When a viewer sees an object, in fractions of the frame: planners, dynamics, coverage and the verifier read it.
    visibility: VisibilityModel = VisibilityModel()
    simulator: Any = None
    renderer: Any = None
    scene: Any = None
    camera: Any = None
    trajectory: Any = None
    render: Any = None
    dynamics: Any = None
    qa: Any = None
    paths: Any = None


store_schema("camera", CameraConfig)
store_schema("paths", PathsConfig)
store_schema("job", JobConfig, option=False)


@functools.cache
def load_schemas() -> None:
    """Fill the ConfigStore with every schema ``conf/`` extends (plugin modules are imported, nothing is built)."""
    import simgen.episodes.runner  # noqa: F401  (render)
    import simgen.eval.runner  # noqa: F401  (simgen-eval's and simgen-score's primary configs)
    import simgen.export.cli  # noqa: F401  (simgen-export's primary config and every export format)
    import simgen.export.inspect  # noqa: F401  (simgen-inspect's primary config)
    import simgen.export.merge  # noqa: F401  (simgen-merge's primary config)
    import simgen.export.report  # noqa: F401  (simgen-report's primary config)
    import simgen.llm.cli  # noqa: F401  (simgen-compile's primary config and the llm group)
    import simgen.llm.serve  # noqa: F401  (simgen-llm-serve's primary config)
    import simgen.qa.qa_config  # noqa: F401  (qa)

    for registry in PLUGIN_GROUPS.values():
        registry.load_all()


def conf_dir() -> str:
    """The config folder, ready for composing ``simgen``'s primary config: its YAMLs extend schemas in
    Hydra's ConfigStore, which the first call fills (:func:`load_schemas`), so that
    ``initialize_config_dir(conf_dir())`` and ``compose("config")`` work from any caller. (A console
    script's own primary config needs only the schemas its module stores: ``resources.conf_folder``.)"""
    load_schemas()
    return str(conf_folder())


def group_config(group: str, option: str):
    """``conf/<group>/<option>.yaml`` composed over its schema, as plain (untyped) data: the values
    ``simgen`` sees under ``group``, for code that validates them with the registry itself."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        return OmegaConf.create(OmegaConf.to_container(compose("config", overrides=[f"{group}={option}"])[group]))


def check_job(cfg) -> None:
    """Validate every group of a composed ``simgen`` config; ConfigError names the first bad key."""
    from omegaconf import OmegaConf

    from simgen.episodes.runner import RenderConfig
    from simgen.qa.qa_config import parse_qa_config

    top = {k: OmegaConf.to_container(cfg, resolve=True)[k] for k in ("seed", "shard", "episodes", "stages")}
    if not parse_config(JobConfig, top, "").stages:
        raise ConfigError(f"stages: expected a non-empty list of {', '.join(STAGES)}, got []")
    for group, registry in PLUGIN_GROUPS.items():
        registry.config(cfg[group])
    for group, schema in (("camera", CameraConfig), ("render", RenderConfig), ("paths", PathsConfig)):
        parse_config(schema, OmegaConf.to_container(cfg[group], resolve=True), group)
    VisibilityModel.from_config(cfg.visibility)
    if "ask" in cfg.stages:
        parse_qa_config(cfg.qa)


def check_overrides(argv: list[str], config_name: str = "config", check=check_job) -> str | None:
    """Compose the config of every job ``argv`` would run and ``check`` it; the error line, or None.
    A sweep's jobs are only composed (types, keys, options): a value out of range fails that job
    alone, and its siblings run. Help, shell completion and another config folder or name are left to Hydra."""
    from hydra import compose, initialize_config_dir
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra._internal.utils import get_args_parser
    from hydra.core.override_parser.overrides_parser import OverridesParser

    args, _ = get_args_parser().parse_known_args(argv)
    if sum(map(bool, (args.run, args.multirun, args.cfg, args.info, args.shell_completion))) > 1:
        return "only one of --run, -m/--multirun, --cfg, --info and --shell-completion at a time"
    if (args.help or args.hydra_help or args.info or args.shell_completion or args.config_path
            or args.config_name or args.config_dir):
        return None
    try:
        if args.multirun:
            parsed = OverridesParser.create().parse_overrides(args.overrides)
            jobs = [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]
        else:
            jobs = [list(args.overrides)]
    except Exception as e:  # a malformed override: Hydra's parser says where
        return compose_error(e)
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        for overrides in jobs:
            try:
                cfg = compose(config_name, overrides=overrides)
                if not args.multirun:
                    check(cfg)
            except ConfigError as e:
                return str(e)
            except Exception as e:
                if type(e).__module__.split(".")[0] not in ("hydra", "omegaconf"):
                    raise
                return compose_error(e)
    return None
