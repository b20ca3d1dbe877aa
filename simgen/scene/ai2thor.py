"""Scene builder ``ai2thor``: AI2-THOR's own object metadata → a SceneSpec that QA uses unchanged.

Two sources, one conversion (:func:`scene_from_metadata`):

* ``recordings``: a recording JSON (``simulators.ai2thor_meta.record_event``) or a folder of them,
  served in turn — offline, no SDK; this is what the tests and CPU-only machines use.
* ``scenes``: iTHOR scene names (``FloorPlan1`` …) or ProcTHOR house JSON files, loaded live by
  the process's AI2-THOR controller (needs the SDK and the Unity build).

Each object becomes an ObjectSpec: objectType → category (``CoffeeTable`` → ``coffee table``, or
``category_map``), pickupable → kind ``small`` else ``furniture``, first parent receptacle →
``support``, and its oriented box (:func:`ai2thor_meta.object_box`) as pose + half extents + one
box part. Ids count from 1 in objectId order, so the same scene always gets the same ids. Objects
whose box had to come from the axis-aligned box are named in ``complexity["source"]
["box_fallback"]`` and counted in ``complexity["box_fallback_count"]``. The room footprint is the
``sceneBounds`` rectangle; the floor is taken as z = 0 (iTHOR and ProcTHOR floors are at Unity y ≈ 0).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simgen.registry import SCENE_BUILDERS, ConfigError
from simgen.scene.from_file import resolve
from simgen.scene.metadata_scene import AdaptedObject, assemble_scene, read_recordings
from simgen.simulators import ai2thor_meta as meta
from simgen.simulators.metadata_boxes import map_category
from simgen.types import SceneSpec

log = logging.getLogger("simgen.scene.ai2thor")

MIN_HALF_EXTENT = 1e-4  # m: objects with a degenerate box (all extents below this) are skipped


@dataclass(frozen=True)
class Ai2thorSceneConfig:
    """Where AI2-THOR scenes come from and how their objects are named."""

    recordings: str | None = None  # recording JSON file or folder (offline); when set, `scenes` is unused
    scenes: tuple = ("FloorPlan1",)  # iTHOR scene names or ProcTHOR house .json files (live)
    exclude_types: tuple = ("Floor",)  # objectTypes that are room structure, not objects to ask about
    category_map: dict | None = None  # objectType (or its split name) → category, overriding the CamelCase split

    def validate(self, where: str = "scene") -> None:
        """Exactly one usable source; lists of strings."""
        if self.recordings is not None and (not isinstance(self.recordings, str) or not self.recordings.strip()):
            raise ConfigError(f"{where}.recordings={self.recordings!r}: expected a recording .json file or folder")
        if self.recordings is None and (not self.scenes or not all(isinstance(s, str) and s for s in self.scenes)):
            raise ConfigError(f"{where}.scenes={self.scenes!r}: expected a non-empty list of iTHOR scene names "
                              "or ProcTHOR house .json paths (or set recordings)")
        if not all(isinstance(t, str) for t in self.exclude_types):
            raise ConfigError(f"{where}.exclude_types={self.exclude_types!r}: expected a list of objectType names")
        if self.category_map is not None and not all(
                isinstance(k, str) and isinstance(v, str) and v for k, v in self.category_map.items()):
            raise ConfigError(f"{where}.category_map: expected objectType → non-empty category name strings")


def scene_label(scene: str) -> str:
    """Short scene name: an iTHOR name as is, a ProcTHOR house file by its stem."""
    return Path(scene).stem if scene.endswith(".json") else scene


def scene_from_metadata(metadata: dict, scene: str, seed: int = 0,
                        cfg: Ai2thorSceneConfig = Ai2thorSceneConfig()) -> SceneSpec:
    """The SceneSpec of one AI2-THOR scene's metadata (``scene`` names it for the simulator)."""
    exclude = set(cfg.exclude_types)
    objects = []
    for obj in sorted(metadata["objects"], key=lambda o: o["objectId"]):
        if obj["objectType"] in exclude:
            continue
        box = meta.object_box(obj)
        if float(np.max(box.half)) < MIN_HALF_EXTENT:
            log.debug("skipping %s: degenerate box", obj["objectId"])
            continue
        parents = obj.get("parentReceptacles") or []
        objects.append(AdaptedObject(
            obj["objectId"], map_category(obj["objectType"], cfg.category_map),
            "small" if obj.get("pickupable") else "furniture", box, parents[0] if parents else None))
    lo, hi = meta.scene_bounds(metadata)
    return assemble_scene("ai2thor", scene, f"ai2thor-{scene_label(scene)}", seed, objects, lo, hi)


@SCENE_BUILDERS.register("ai2thor", config=Ai2thorSceneConfig)
class Ai2thorSceneBuilder:
    """Serves AI2-THOR scenes in turn (scene index modulo their number); the seed does not change a scene."""

    def __init__(self, config: Ai2thorSceneConfig):
        self.cfg = config
        self.recordings = read_recordings(config.recordings, meta.load_recording) if config.recordings else None

    def build(self, seed: int, shard: int, scene_index: int) -> SceneSpec:
        """The SceneSpec of scene ``scene_index`` (recorded, or read live from AI2-THOR)."""
        if self.recordings is not None:
            rec = self.recordings[scene_index % len(self.recordings)]
            return scene_from_metadata(rec["metadata"], rec["scene"], seed, self.cfg)
        from simgen.simulators.ai2thor import scene_metadata  # the live path: the process's controller

        scene = self.cfg.scenes[scene_index % len(self.cfg.scenes)]
        if scene.endswith(".json"):  # a ProcTHOR house: the simulator gets an absolute path
            scene = str(resolve(scene).resolve())
        return scene_from_metadata(scene_metadata(scene), scene, seed, self.cfg)
