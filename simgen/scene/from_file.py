"""Scene builder ``from_file``: SceneSpec JSON files in, the same scenes out; and :func:`save_scene`.

``path`` is one ``.json`` file, or a folder whose ``.json`` files (sorted by name) are served in
turn (scene index modulo their number). A relative path is looked up in the directory simgen was
started from (Hydra's original working directory; the project runs with ``hydra.job.chdir=False``),
then under the repository root. Files are read and checked when the builder is made, so a bad file
stops the run before any work, with an error naming the file and the field.
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path

from simgen.registry import SCENE_BUILDERS, ConfigError
from simgen.types import SCHEMA_VERSION, SceneSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
SHAPES = ("box", "cylinder", "sphere", "mesh")


class SceneFileError(ConfigError):
    """A scene file that is missing, unreadable or not a valid SceneSpec."""


@dataclass(frozen=True)
class FromFileConfig:
    """Where the scene JSON file(s) are."""

    path: str = "scenes/living_room.json"

    def validate(self, where: str = "scene") -> None:
        """The path must be a non-empty string."""
        if not isinstance(self.path, str) or not self.path.strip():
            raise ConfigError(f"{where}.path={self.path!r}: expected a path to a SceneSpec .json file or a folder")


def _start_dir() -> Path:
    """The directory simgen was started from (Hydra's original cwd when a Hydra job is running)."""
    try:
        from hydra.core.hydra_config import HydraConfig

        if HydraConfig.initialized():
            return Path(HydraConfig.get().runtime.cwd)
    except ImportError:  # pragma: no cover - hydra-core is a core dependency
        pass
    return Path.cwd()


def resolve(path: str) -> Path:
    """The existing file or folder ``path`` names (absolute, or relative to the start dir, then the repo)."""
    p = Path(path).expanduser()
    tried = [p] if p.is_absolute() else [_start_dir() / p, REPO_ROOT / p]
    for candidate in tried:
        if candidate.exists():
            return candidate
    raise SceneFileError(f"scene file {path}: not found (looked at {', '.join(str(t) for t in tried)})")


def _check_record(cls, data, where: str) -> None:
    """Missing or unknown fields of a record (recursing into nested records), named by their path."""
    if not isinstance(data, dict):
        raise ValueError(f"{where or 'top level'}: expected an object, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    required = {n for n, f in fields.items()
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    prefix = f"{where}." if where else ""
    missing, unknown = sorted(required - set(data)), sorted(set(data) - set(fields))
    if missing:
        raise ValueError(f"{prefix}{missing[0]}: missing field")
    if unknown:
        raise ValueError(f"{prefix}{unknown[0]}: unknown field (expected one of {', '.join(sorted(fields))})")
    for name, sub in cls._nested.items():
        value = data.get(name)
        if isinstance(value, list):
            for i, item in enumerate(value):
                _check_record(sub, item, f"{prefix}{name}[{i}]")
        elif value is not None:
            _check_record(sub, value, f"{prefix}{name}")


def _check_scene(spec: SceneSpec) -> None:
    """Content checks a simulator relies on: ids, supports, part shapes, footprint."""
    if len(spec.room.footprint) < 3:
        raise ValueError("room.footprint: needs at least 3 vertices")
    ids = [o.object_id for o in spec.objects]
    if len(set(ids)) != len(ids) or min(ids, default=1) < 1:
        raise ValueError(f"objects: object_id values must be unique and ≥ 1, got {ids}")
    for i, obj in enumerate(spec.objects):
        if obj.support is not None and obj.support not in ids:
            raise ValueError(f"objects[{i}].support: no object with id {obj.support}")
        for j, part in enumerate(obj.parts):
            if part.shape not in SHAPES or (part.shape == "mesh") != bool(part.mesh):
                raise ValueError(f"objects[{i}].parts[{j}]: shape {part.shape!r} with mesh {part.mesh!r}; expected "
                                 f"one of {SHAPES}, and a mesh path exactly for 'mesh'")


def load_scene(path) -> SceneSpec:
    """Read and check one SceneSpec JSON file; errors name the file and the bad field."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SceneFileError(f"scene file {path}: not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SceneFileError(f"scene file {path}: unreadable ({e})") from None
    except json.JSONDecodeError as e:
        raise SceneFileError(f"scene file {path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") \
            from None
    try:
        if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
            version = data.get("schema_version", "missing") if isinstance(data, dict) else "missing"
            raise ValueError(f"schema_version: {version}, expected {SCHEMA_VERSION}")
        _check_record(SceneSpec, data, "")
        spec = SceneSpec.from_dict(data)
        _check_scene(spec)
    except (ValueError, TypeError) as e:
        raise SceneFileError(f"scene file {path}: {e}") from None
    return spec


def save_scene(spec: SceneSpec, path) -> Path:
    """Write ``spec`` as sorted, indented JSON atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # same folder, so os.replace is atomic
    try:
        with open(tmp, "w") as f:
            json.dump(spec.to_dict(), f, sort_keys=True, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


@SCENE_BUILDERS.register("from_file", config=FromFileConfig)
class FromFileBuilder:
    """Serves the scenes of one file or folder; ``build`` ignores the seed (the scene is fixed)."""

    def __init__(self, config: FromFileConfig):
        root = resolve(config.path)
        files = sorted(root.glob("*.json")) if root.is_dir() else [root]
        if not files:
            raise SceneFileError(f"scene folder {root}: no .json files")
        self.files = files
        self.specs = [load_scene(f) for f in files]

    def build(self, seed: int, shard: int, scene_index: int) -> SceneSpec:
        """The scene for ``scene_index`` (cycling through the files)."""
        return self.specs[scene_index % len(self.specs)]
