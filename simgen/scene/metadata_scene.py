"""SceneSpecs from adapted simulator objects, recordings on disk, and the golden box check.

Shared by the ``ai2thor`` and ``habitat`` scene builders and their tests:

* :func:`assemble_scene` turns :class:`AdaptedObject` records (a simulator key, category, kind and
  :class:`metadata_boxes.Box`) into a SceneSpec whose ``complexity["source"]`` lets the simulator find
  each object again, and flags the axis-aligned fallbacks.
* :func:`read_recordings` loads a recording file or folder with the project's path rules.
* :func:`box_consistency` is the golden check of a backend's conversions.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.geometry import matrix_to_quat, quat_to_matrix
from simgen.registry import ConfigError
from simgen.scene.from_file import resolve  # the project's one rule for relative paths
from simgen.simulators.metadata_boxes import ORIENTED, Box, object_names, rounded
from simgen.types import SCHEMA_VERSION, ObjectSpec, Part, Pose, RoomSpec, SceneSpec

BOX_RGBA = (0.7, 0.7, 0.7, 1.0)  # the stand-in part's colour (other simulators render the boxes)


@dataclass(frozen=True)
class AdaptedObject:
    """One simulator object ready for a SceneSpec: its own key, category, kind, box and support."""

    key: str  # the simulator's id (AI2-THOR objectId, habitat semantic id / handle)
    category: str
    kind: str  # furniture | small
    box: Box
    support_key: str | None = None


def assemble_scene(builder: str, scene: str, scene_id: str, seed: int, objects: list[AdaptedObject],
                   lo, hi, extra_source: dict | None = None) -> SceneSpec:
    """The SceneSpec of adapted objects (ids 1.. in the given order) in the room spanning ``lo``..``hi``.

    The room footprint is the XY rectangle of the bounds, its height the top of the bounds (≥ 2 m).
    ``complexity`` counts objects, categories and box fallbacks; ``complexity["source"]`` names the
    builder and scene, maps each object_id to the simulator's key (what the simulator needs to read
    states back) and lists the objects whose box is axis-aligned (``box_fallback``).
    """
    ids = {o.key: i for i, o in enumerate(objects, start=1)}
    names = object_names([o.category for o in objects])
    specs = []
    for (i, o), name in zip(enumerate(objects, start=1), names):
        half = rounded(o.box.half)
        specs.append(ObjectSpec(
            object_id=i, name=name, category=o.category, color="",  # simulator metadata names no colours
            half_extents=half, pose=Pose(rounded(o.box.center), rounded(matrix_to_quat(o.box.R))),
            parts=(Part("box", half, rgba=BOX_RGBA),), mass=0.0,  # the simulator settled its own scene
            kind=o.kind, support=ids.get(o.support_key) if o.support_key is not None else None,
        ))
    fallback = [name for name, o in zip(names, objects) if o.box.source != ORIENTED]
    (x0, y0), (x1, y1) = lo[:2], hi[:2]
    footprint = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))  # counter-clockwise
    room = RoomSpec(tuple(rounded(p) for p in footprint), round(max(float(hi[2]), 2.0), 6))
    complexity = {
        "num_objects": len(specs),
        "num_categories": len({o.category for o in objects}),
        "box_fallback_count": len(fallback),
        "source": {"builder": builder, "scene": scene, **(extra_source or {}),
                   "object_keys": {str(i): key for key, i in ids.items()}, "box_fallback": fallback},
    }
    return SceneSpec(scene_id, int(seed), room, tuple(specs), complexity=complexity, schema_version=SCHEMA_VERSION)


def read_recordings(path: str, loader) -> list[dict]:
    """Every recording of a file or a folder's ``*.json`` (sorted), read by ``loader``; errors as ConfigError."""
    try:
        root = resolve(path)
        files = sorted(root.glob("*.json")) if root.is_dir() else [root]
        recordings = [loader(f) for f in files]
    except ValueError as e:  # SceneFileError (a ConfigError) is a ValueError too
        raise ConfigError(f"scene.recordings: {e}") from None
    if not recordings:
        raise ConfigError(f"scene.recordings: no .json recordings in {root}")
    return recordings


def box_consistency(instance, depth, T_world_cam, intrinsics, spec, states=None, tol: float = 0.002) -> dict:
    """object_id → share of its labelled pixels whose depth puts them on or in its box (within ``tol`` m).

    The golden check of a backend: back-project every pixel through the OpenCV camera at
    ``T_world_cam`` with its depth; a correct conversion of cameras, boxes and masks puts each
    object's pixels on that object's oriented box. Objects without pixels are left out.
    """
    instance, depth = np.asarray(instance), np.asarray(depth)
    j, i = np.nonzero(np.isfinite(depth) & (instance > 0))
    rays = np.linalg.inv(intrinsics.K()) @ np.stack([i + 0.5, j + 0.5, np.ones(len(i))])
    T = np.asarray(T_world_cam, dtype=float)
    points = (T[:3, :3] @ (rays * depth[j, i]) + T[:3, 3:4]).T
    labels = instance[j, i]
    poses = {o.object_id: o.pose for o in spec.objects}
    poses.update({s.object_id: s.pose for s in states or ()})
    out = {}
    for obj in spec.objects:
        mine = points[labels == obj.object_id]
        if len(mine):
            pose = poses[obj.object_id]
            local = (mine - np.asarray(pose.position)) @ quat_to_matrix(pose.quat_wxyz)
            out[obj.object_id] = float(np.all(np.abs(local) <= np.asarray(obj.half_extents) + tol, axis=1).mean())
    return out
