"""SceneSpec → the plain message the Blender worker builds: room slabs and walls, object parts, look.

Geometry comes from the same sources the physics backends use (``room_geometry.triangulate`` and
``house_walls``, each part's shape, size and offset, mesh files under ``pybullet_data``), so every
object's render geometry is exactly the union of the parts that define its oriented box, and a
house's doorways and windows are holes in its walls in every backend.
"""
from __future__ import annotations

import numpy as np

from simgen.geometry import polygon_area
from simgen.renderers.appearance import draw_appearance
from simgen.renderers.look import Look
from simgen.resources import obj_mesh
from simgen.simulators.room_geometry import house_walls, triangulate
from simgen.types import CameraIntrinsics, ObjectSpec, SceneSpec

MAX_ID = 32767  # Blender's pass_index (which carries the object id into the index pass) is a signed short


def scene_message(spec: SceneSpec, intrinsics: CameraIntrinsics, look: Look, near: float = 0.05,
                  far: float = 100.0) -> dict:
    """The worker's ``load`` request for ``spec`` seen through ``intrinsics`` with ``look``."""
    too_big = [o.object_id for o in spec.objects if not 1 <= o.object_id <= MAX_ID]
    if too_big:
        raise ValueError(f"renderer=blender: object_id {too_big[0]} of scene {spec.scene_id} is outside 1..{MAX_ID} "
                         "(Blender's object index pass)")
    poly = np.asarray(spec.room.footprint, dtype=float)
    if polygon_area(poly) < 0:
        poly = poly[::-1]
    tris = triangulate(poly)
    walls = [_wall(centre, half, yaw, spec.room.height if spec.rooms else None)
             for centre, half, yaw in house_walls(spec)]
    appearance = draw_appearance(spec, look, walls)
    room = {
        "floor": {"verts": np.c_[poly, np.zeros(len(poly))], "faces": tris, "material": appearance.pop("floor")},
        # the ceiling faces down: reversed triangles
        "ceiling": {"verts": np.c_[poly, np.full(len(poly), spec.room.height)], "faces": tris[:, ::-1].copy(),
                    "material": appearance.pop("ceiling_material")},
        "walls": walls,
    }
    materials = appearance.pop("objects")
    objects = [{"id": o.object_id, "bevel": look.bevel, "parts": _parts(o, materials[o.object_id])}
               for o in spec.objects]
    q = look.quality()
    return {
        "cmd": "load",
        "scene": {"room": room, "objects": objects},
        "camera": {**intrinsics.to_dict(), "near": near, "far": far},
        "quality": {"samples": q.samples, "max_bounces": q.max_bounces, "denoise": q.denoise, "fast_gi": q.fast_gi,
                    "light_tree": q.light_tree, "filter_width": q.filter_width, "threads": look.threads},
        "look": appearance,
    }


def _wall(centre, half, yaw: float, height: float | None) -> dict:
    """A wall piece: its object frame ``matrix`` (local x along the wall) and ``half`` extents.

    A house's pieces (``height`` given) share one texture space per wall line: the frame sits where the
    line's along-coordinate is 0, at half the ceiling height, and ``box`` places the piece in it, so
    patterns run on across doorways and windows and the skirting (local z below −height/2 + board)
    stays at the floor of every piece.
    """
    T = np.eye(4)
    c, s = np.cos(yaw), np.sin(yaw)
    T[:3, :3] = [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]
    T[:3, 3] = centre
    out = {"matrix": T, "half": tuple(float(v) for v in half)}
    if height is not None:
        along = float(np.dot(centre[:2], T[:2, 0]))
        box = np.eye(4)
        box[:3, 3] = (along, 0.0, centre[2] - height / 2)
        T[:3, 3] -= T[:3, :3] @ box[:3, 3]
        out["box"] = box
    return out


def _parts(obj: ObjectSpec, materials: list[dict]) -> list[dict]:
    out = []
    for part, mat in zip(obj.parts, materials):
        entry = {"shape": part.shape, "size": tuple(float(v) for v in part.size), "offset": part.offset.matrix(),
                 "material": mat}
        if part.shape == "mesh":
            verts, faces = obj_mesh(part.mesh)
            entry["verts"], entry["faces"] = verts * np.asarray(part.size, dtype=float), faces
        elif part.shape not in ("box", "cylinder", "sphere"):
            raise ValueError(f"object {obj.name!r}: part shape {part.shape!r}; expected box, cylinder, sphere or mesh")
        out.append(entry)
    return out
