"""Scene builder ``habitat``: habitat-sim's semantic objects → a SceneSpec that QA uses unchanged.

Two sources, one conversion (:func:`scene_from_recording`):

* ``recordings``: a habitat recording JSON (``simulators.habitat.record_scene`` writes them) or a
  folder of them — offline, no SDK.
* ``scenes`` with ``scene_dataset_config``: read live by the process's habitat-sim. Objects come
  from the semantic scene (HM3D with semantics, Replica, MP3D: ``objects_from: semantic_scene``)
  or from the scene instance's rigid objects (HSSD, ReplicaCAD: ``rigid_objects``); ``auto``
  takes the semantic scene when it has objects.

Each object becomes an ObjectSpec: its category name normalised (``kitchen_cabinet`` → ``kitchen
cabinet``, or ``category_map``), kind ``small`` when its longest side is under ``small_max_size``,
and its box (:func:`habitat_frames.object_box`: the OBB, else the flagged axis-aligned box). Ids
count from 1 in semantic-id order. The room is the bounds rectangle; the floor is habitat height
``origin_y`` (kept in ``complexity["source"]`` so the simulator converts the same way).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.registry import SCENE_BUILDERS, ConfigError, setting
from simgen.scene.metadata_scene import AdaptedObject, assemble_scene, read_recordings
from simgen.simulators import habitat_frames as hf
from simgen.simulators.metadata_boxes import category_from_type, map_category
from simgen.types import SceneSpec

OBJECT_SOURCES = ("auto", "semantic_scene", "rigid_objects")


@dataclass(frozen=True)
class HabitatSceneConfig:
    """Where habitat scenes come from and which semantic objects become scene objects."""

    recordings: str | None = None  # recording JSON file or folder (offline); when set, `scenes` is unused
    scenes: tuple = ()  # scene ids of the dataset (e.g. HSSD "102344193", ReplicaCAD "apt_0") or .glb paths
    scene_dataset_config: str | None = None  # the dataset's *.scene_dataset_config.json (live)
    objects_from: str = setting("auto", choices=OBJECT_SOURCES)  # where objects come from (live)
    exclude_categories: tuple = ("wall", "floor", "ceiling", "unknown")  # structure, not objects
    category_map: dict | None = None  # raw (or normalised) category name → category
    small_max_size: float = setting(0.5, gt=0.0)  # m: objects whose longest side is shorter are kind "small"
    origin_y: float | None = None  # habitat height of the floor; None: lowest navmesh point (live), recorded value

    def validate(self, where: str = "scene") -> None:
        """One usable source; sane values; the keys named on error."""
        if self.recordings is None and not self.scenes:
            raise ConfigError(f"{where}.scenes: expected a non-empty list of scene ids (with "
                              f"{where}.scene_dataset_config), or set {where}.recordings")
        if self.recordings is not None and (not isinstance(self.recordings, str) or not self.recordings.strip()):
            raise ConfigError(f"{where}.recordings={self.recordings!r}: expected a recording .json file or folder")
        if self.category_map is not None and not all(
                isinstance(k, str) and isinstance(v, str) and v for k, v in self.category_map.items()):
            raise ConfigError(f"{where}.category_map: expected category → non-empty category name strings")


def scene_from_recording(data: dict, seed: int = 0, cfg: HabitatSceneConfig = HabitatSceneConfig()) -> SceneSpec:
    """The SceneSpec of one habitat recording (objects, bounds, ``origin_y``)."""
    origin_y = float(data.get("origin_y", 0.0))
    exclude = {category_from_type(c) for c in cfg.exclude_categories}
    objects, semantic_ids = [], {}
    for obj in sorted(data["objects"], key=lambda o: (int(o["semantic_id"]), str(o["id"]))):
        raw = str(obj.get("category") or "unknown")
        category = map_category(raw, cfg.category_map)
        if category in exclude or int(obj["semantic_id"]) <= 0:  # semantic id 0 is the unlabelled stage
            continue
        box = hf.object_box(obj, origin_y)
        kind = "small" if 2.0 * float(np.max(box.half)) < cfg.small_max_size else "furniture"
        objects.append(AdaptedObject(str(obj["id"]), category, kind, box))
        semantic_ids[str(obj["id"])] = int(obj["semantic_id"])
    corners = hf.to_world(np.array([data["bounds"]["min"], data["bounds"]["max"]], dtype=float), origin_y)
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    extra = {"scene_dataset_config": data.get("scene_dataset_config"), "objects_from": data.get("objects_from"),
             "origin_y": origin_y, "semantic_ids": semantic_ids}
    label = str(data["scene"]).rsplit("/", 1)[-1].split(".")[0]
    return assemble_scene("habitat", data["scene"], f"habitat-{label}", seed, objects, lo, hi, extra)


@SCENE_BUILDERS.register("habitat", config=HabitatSceneConfig)
class HabitatSceneBuilder:
    """Serves habitat scenes in turn (scene index modulo their number); the seed does not change a scene."""

    def __init__(self, config: HabitatSceneConfig):
        self.cfg = config
        self.recordings = read_recordings(config.recordings, hf.load_recording) if config.recordings else None

    def build(self, seed: int, shard: int, scene_index: int) -> SceneSpec:
        """The SceneSpec of scene ``scene_index`` (recorded, or read live from habitat-sim)."""
        if self.recordings is not None:
            return scene_from_recording(self.recordings[scene_index % len(self.recordings)], seed, self.cfg)
        from simgen.simulators.habitat import record_scene  # the live path: the process's simulator

        scene = self.cfg.scenes[scene_index % len(self.cfg.scenes)]
        data = record_scene(scene, self.cfg.scene_dataset_config, self.cfg.objects_from, self.cfg.origin_y)
        return scene_from_recording(data, seed, self.cfg)
