"""Build a SceneSpec's room and objects as pybullet bodies (helpers of ``pybullet.py``).

Each object becomes ONE multibody: part 0 is the base (its shapes carry the part's offset), every
further part is a link on a fixed joint placed at its offset. The base inertial frame is the
identity, so pybullet's base pose (which is the inertial frame's pose) IS the object frame, i.e.
the centre of the generator's oriented box.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from simgen.geometry import canonical_quat, polygon_area
from simgen.io import write_text
from simgen.simulators.room_geometry import CEILING_RGBA, house_walls, part_volume, triangulate
from simgen.types import ObjectSpec, Part, SceneSpec



def to_xyzw(quat_wxyz) -> list[float]:
    """pybullet's quaternion order (x, y, z, w) from the project's (w, x, y, z)."""
    w, x, y, z = (float(v) for v in quat_wxyz)
    return [x, y, z, w]


def to_wxyz(quat_xyzw) -> tuple[float, float, float, float]:
    """The project's normalised (w, x, y, z) with w ≥ 0 from pybullet's (x, y, z, w)."""
    return canonical_quat((quat_xyzw[3], quat_xyzw[0], quat_xyzw[1], quat_xyzw[2]))


def build_room(p, client: int, spec: SceneSpec, mesh_dir: str) -> list[int]:
    """Static floor (the footprint polygon, a triangle mesh at z = 0) and one static box per wall piece
    (``house_walls``: a single room's walls, or a house's walls with its doorways and windows cut out).

    The floor's visual mesh is written as an OBJ file into ``mesh_dir``: the EGL renderer segfaults
    on visual meshes given as vertex lists (TinyRenderer accepts both).
    """
    room = spec.room
    poly = np.asarray(room.footprint, dtype=float)
    if polygon_area(poly) < 0:
        poly = poly[::-1]
    tris = triangulate(poly)
    verts = [[float(x), float(y), 0.0] for x, y in poly]
    vis = p.createVisualShape(p.GEOM_MESH, fileName=floor_obj(poly, tris, mesh_dir),
                              rgbaColor=list(room.floor_rgba), physicsClientId=client)
    col = p.createCollisionShape(p.GEOM_MESH, vertices=verts, indices=[int(i) for i in tris.ravel()],
                                 flags=p.GEOM_FORCE_CONCAVE_TRIMESH, physicsClientId=client)
    bodies = [p.createMultiBody(0, col, vis, physicsClientId=client)]
    # a visual-only ceiling, so a camera looking up sees a room rather than the renderer's void
    ceiling = p.createVisualShape(p.GEOM_MESH, fileName=floor_obj(poly, tris, mesh_dir, z=room.height),
                                  rgbaColor=list(CEILING_RGBA), physicsClientId=client)
    bodies.append(p.createMultiBody(0, -1, ceiling, physicsClientId=client))
    for centre, half, yaw in house_walls(spec):
        quat = to_xyzw((np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)))
        vis = p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=list(room.wall_rgba), physicsClientId=client)
        col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=client)
        bodies.append(p.createMultiBody(0, col, vis, basePosition=centre, baseOrientation=quat, physicsClientId=client))
    return bodies


def floor_obj(poly, tris, mesh_dir: str, z: float = 0.0) -> str:
    """Write the footprint polygon at height ``z`` as an OBJ named by its content; return the path.

    At z = 0 it is the floor (normals up); above it, a ceiling (normals down, triangles reversed).
    """
    up = z <= 0.0
    lines = [f"v {float(x)!r} {float(y)!r} {float(z)!r}" for x, y in poly] + [f"vn 0.0 0.0 {1.0 if up else -1.0}"]
    lines += [f"f {a + 1}//1 {b + 1}//1 {c + 1}//1" if up else f"f {a + 1}//1 {c + 1}//1 {b + 1}//1" for a, b, c in tris]
    text = "\n".join(lines) + "\n"
    # Same name <=> same content, so a renderer that caches meshes by file name stays correct.
    path = os.path.join(mesh_dir, f"floor_{hashlib.sha1(text.encode()).hexdigest()[:16]}.obj")
    if not os.path.exists(path):  # atomic: an interrupted write never leaves a half mesh under the cached name
        write_text(Path(path), text)
    return path


def _shape_kwargs(p, part: Part, obj: ObjectSpec, visual: bool) -> dict:
    """createCollisionShape / createVisualShape arguments for one part (without its frame)."""
    where = f"object {obj.name!r} part shape {part.shape!r}"
    sx, sy, sz = (float(v) for v in part.size)
    if part.shape == "box":
        return {"shapeType": p.GEOM_BOX, "halfExtents": [sx, sy, sz]}
    if part.shape in ("cylinder", "sphere") and not np.isclose(sx, sy):
        raise ValueError(f"{where}: size[0] and size[1] (radii) must be equal, got {part.size}")
    if part.shape == "cylinder":
        # the two calls spell the cylinder's full height differently
        return {"shapeType": p.GEOM_CYLINDER, "radius": sx, ("length" if visual else "height"): 2.0 * sz}
    if part.shape == "sphere":
        return {"shapeType": p.GEOM_SPHERE, "radius": sx}
    if part.shape == "mesh":
        import pybullet_data

        path = os.path.join(pybullet_data.getDataPath(), part.mesh or "")
        if not part.mesh or not os.path.isfile(path):
            raise ValueError(f"{where}: mesh {part.mesh!r} not found under pybullet_data ({path})")
        return {"shapeType": p.GEOM_MESH, "fileName": path, "meshScale": [sx, sy, sz]}
    raise ValueError(f"{where}: unknown shape; allowed: box, cylinder, sphere, mesh")


def build_object(p, client: int, obj: ObjectSpec) -> int:
    """One multibody for ``obj``: base = part 0, links = further parts on fixed joints; returns its uid."""
    if not obj.parts:
        raise ValueError(f"object {obj.name!r} has no parts")
    volumes = np.array([part_volume(part, obj) for part in obj.parts])
    masses = obj.mass * volumes / volumes.sum() if obj.mass > 0 else np.zeros(len(volumes))

    def shapes(part: Part, frame: dict) -> tuple[int, int]:
        col = p.createCollisionShape(**_shape_kwargs(p, part, obj, False), physicsClientId=client,
                                     **{f"collisionFrame{k}": v for k, v in frame.items()})
        vis = p.createVisualShape(**_shape_kwargs(p, part, obj, True), rgbaColor=list(part.rgba), physicsClientId=client,
                                  **{f"visualFrame{k}": v for k, v in frame.items()})
        return col, vis

    base = obj.parts[0]
    base_col, base_vis = shapes(base, {"Position": list(base.offset.position),
                                       "Orientation": to_xyzw(base.offset.quat_wxyz)})
    links = [shapes(part, {}) for part in obj.parts[1:]]
    n = len(links)
    return p.createMultiBody(
        baseMass=float(masses[0]),
        baseCollisionShapeIndex=base_col,
        baseVisualShapeIndex=base_vis,
        basePosition=list(obj.pose.position),
        baseOrientation=to_xyzw(obj.pose.quat_wxyz),
        baseInertialFramePosition=[0.0, 0.0, 0.0],
        baseInertialFrameOrientation=[0.0, 0.0, 0.0, 1.0],
        linkMasses=[float(m) for m in masses[1:]],
        linkCollisionShapeIndices=[c for c, _ in links],
        linkVisualShapeIndices=[v for _, v in links],
        linkPositions=[list(part.offset.position) for part in obj.parts[1:]],
        linkOrientations=[to_xyzw(part.offset.quat_wxyz) for part in obj.parts[1:]],
        linkInertialFramePositions=[[0.0, 0.0, 0.0]] * n,
        linkInertialFrameOrientations=[[0.0, 0.0, 0.0, 1.0]] * n,
        linkParentIndices=[0] * n,
        linkJointTypes=[p.JOINT_FIXED] * n,
        linkJointAxis=[[0.0, 0.0, 1.0]] * n,
        physicsClientId=client,
    )
