"""Scene builder ``from_file``: SceneSpec JSON files in, the same scenes out; and :func:`save_scene`.

``path`` is one ``.json`` file, or a folder whose ``.json`` files (sorted by name) are served in
turn (scene index modulo their number). A relative path is looked up in the directory simgen was
started from (Hydra's original working directory; the project runs with ``hydra.job.chdir=False``),
then under the repository root. Files are read and checked when the builder is made, so a bad file
stops the run before any work, with an error naming the file and the field.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from simgen.io import InputError, read_json, write_text
from simgen.registry import SCENE_BUILDERS, ConfigError
from simgen.types import SceneSpec
from simgen.validation import scene_from_dict

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


def load_scene(path) -> SceneSpec:
    """Read and check one SceneSpec JSON file (:mod:`simgen.validation`: types, finite numbers,
    positive sizes, ids, supports, part shapes); errors name the file and the bad field."""
    path = Path(path)
    try:
        spec = scene_from_dict(read_json(path), str(path))
    except InputError as e:
        raise SceneFileError(f"scene file {e}") from None
    try:
        _check_parts(spec)
    except ValueError as e:
        raise SceneFileError(f"scene file {path}: {e}") from None
    return spec


def _check_parts(spec: SceneSpec) -> None:
    """Part shapes a simulator can build: a known shape, and a mesh path exactly for meshes."""
    for i, obj in enumerate(spec.objects):
        for j, part in enumerate(obj.parts):
            if part.shape not in SHAPES or (part.shape == "mesh") != bool(part.mesh):
                raise ValueError(f"objects[{i}].parts[{j}]: shape {part.shape!r} with mesh {part.mesh!r}; "
                                 f"expected one of {SHAPES}, and a mesh path exactly for 'mesh'")


def save_scene(spec: SceneSpec, path) -> Path:
    """Write ``spec`` as sorted, indented JSON atomically (:func:`simgen.io.write_text`)."""
    path = Path(path)
    write_text(path, json.dumps(spec.to_dict(), sort_keys=True, indent=2) + "\n")
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
