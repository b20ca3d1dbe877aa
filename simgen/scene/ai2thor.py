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

from simgen.geometry import matrix_to_quat
from simgen.registry import SCENE_BUILDERS, ConfigError
from simgen.scene.from_file import resolve
from simgen.simulators import ai2thor_meta as meta
from simgen.simulators.adapters import category_from_type, object_names
from simgen.types import SCHEMA_VERSION, ObjectSpec, Part, Pose, RoomSpec, SceneSpec

log = logging.getLogger("simgen.scene.ai2thor")

BOX_RGBA = (0.7, 0.7, 0.7, 1.0)  # the stand-in part's colour (other simulators render boxes)
MIN_HALF_EXTENT = 1e-4  # m: objects with a degenerate box (all extents below this) are skipped


@dataclass(frozen=True)
class Ai2thorSceneConfig:
    """Where AI2-THOR scenes come from and how their objects are named."""

    recordings: str | None = None  # recording JSON file or folder (offline); when set, `scenes` is unused
    scenes: tuple = ("FloorPlan1",)  # iTHOR scene names or ProcTHOR house .json files (live)
    exclude_types: tuple = ("Floor",)  # objectTypes that are room structure, not objects to ask about
    category_map: dict | None = None  # objectType → category, overriding the CamelCase split

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


def rounded(values) -> tuple:
    """Floats rounded to the µm / 1e-6 that SceneSpec JSON keeps, so a spec survives save → load unchanged."""
    return tuple(round(float(v), 6) for v in values)


def scene_label(scene: str) -> str:
    """Short scene name: an iTHOR name as is, a ProcTHOR house file by its stem."""
    return Path(scene).stem if scene.endswith(".json") else scene


def scene_from_metadata(metadata: dict, scene: str, seed: int = 0,
                        cfg: Ai2thorSceneConfig = Ai2thorSceneConfig()) -> SceneSpec:
    """The SceneSpec of one AI2-THOR scene's metadata (``scene`` names it for the simulator)."""
    category_map = cfg.category_map or {}
    exclude = set(cfg.exclude_types)
    records, boxes = [], []
    for obj in sorted(metadata["objects"], key=lambda o: o["objectId"]):
        if obj["objectType"] in exclude:
            continue
        box = meta.object_box(obj)
        if float(np.max(box.half)) < MIN_HALF_EXTENT:
            log.debug("skipping %s: degenerate box", obj["objectId"])
            continue
        records.append(obj)
        boxes.append(box)
    ids = {obj["objectId"]: i for i, obj in enumerate(records, start=1)}
    categories = [category_map.get(o["objectType"], category_from_type(o["objectType"])) for o in records]
    names = object_names(categories)
    objects = []
    for i, (obj, box, cat, name) in enumerate(zip(records, boxes, categories, names), start=1):
        parents = [p for p in (obj.get("parentReceptacles") or []) if p in ids]
        half = rounded(box.half)
        objects.append(ObjectSpec(
            object_id=i, name=name, category=cat, color="",  # AI2-THOR metadata names no colours
            half_extents=half, pose=Pose(rounded(box.center), rounded(matrix_to_quat(box.R))),
            parts=(Part("box", half, rgba=BOX_RGBA),), mass=0.0,  # Unity settles the scene itself
            kind="small" if obj.get("pickupable") else "furniture", support=ids[parents[0]] if parents else None,
        ))
    fallback = [name for name, box in zip(names, boxes) if box.source != meta.ORIENTED]
    lo, hi = meta.scene_bounds(metadata)
    footprint = ((lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1]))  # counter-clockwise
    room = RoomSpec(tuple(rounded(p) for p in footprint), float(round(max(hi[2], 2.0), 6)))
    complexity = {
        "num_objects": len(objects),
        "num_categories": len(set(categories)),
        "box_fallback_count": len(fallback),
        "source": {"builder": "ai2thor", "scene": scene,
                   "object_keys": {str(i): key for key, i in ids.items()}, "box_fallback": fallback},
    }
    return SceneSpec(f"ai2thor-{scene_label(scene)}", int(seed), room, tuple(objects), complexity=complexity,
                     schema_version=SCHEMA_VERSION)


@SCENE_BUILDERS.register("ai2thor", config=Ai2thorSceneConfig)
class Ai2thorSceneBuilder:
    """Serves AI2-THOR scenes in turn (scene index modulo their number); the seed does not change a scene."""

    def __init__(self, config: Ai2thorSceneConfig):
        self.cfg = config
        self.recordings = None
        if config.recordings is not None:
            try:
                root = resolve(config.recordings)
                files = sorted(root.glob("*.json")) if root.is_dir() else [root]
                self.recordings = [meta.load_recording(f) for f in files]
            except ValueError as e:  # SceneFileError (a ConfigError) is a ValueError too
                raise ConfigError(f"scene.recordings: {e}") from None
            if not self.recordings:
                raise ConfigError(f"scene.recordings: no .json recordings in {root}")

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
