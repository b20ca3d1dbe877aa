"""SceneSpec → MJCF (MuJoCo's XML model format); plain Python, no mujoco import.

* Room: an infinite collision plane at z = 0 (hidden in geom group 3, which the renderer does not
  draw); visible floor and ceiling slabs covering exactly the footprint polygon — boxes when every
  edge is axis-aligned (MuJoCo reflects only off planes and boxes), otherwise one thin triangular
  prism per triangle of the footprint (convex meshes); one box per wall piece. Walls (a house's with
  its doorways and windows cut out) and ceiling colour come from ``room_geometry`` (``house_walls``,
  ``CEILING_RGBA``), so both backends build the same room. Room geoms do not collide with each other (MuJoCo never checks geoms of static bodies
  against each other) and segment to object id 0.
* Objects: one body per object named ``object_<id>``, placed at the object frame (the oriented-box
  centre), so the body pose MuJoCo reports IS the object frame. Each part is a geom at its offset;
  cylinders keep their axis on local z (MuJoCo's too), meshes load the ``pybullet_data`` OBJ file
  (MuJoCo moves a mesh to its own inertial frame and compensates in the geom frame, so the mesh
  appears exactly where the file puts it). Dynamic objects (mass > 0) get a free joint and share
  their mass among parts by volume; static ones are welded to the world.
"""
from __future__ import annotations

import hashlib
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from simgen.geometry import points_in_polygon, polygon_area
from simgen.resources import mesh_data_dir
from simgen.simulators.room_geometry import CEILING_RGBA, house_walls, part_volume, triangulate
from simgen.types import ObjectSpec, Part, RoomSpec, SceneSpec

FLOOR_THICKNESS = 0.1  # m; floor tiles reach from z = 0 down to −FLOOR_THICKNESS, the ceiling as far up
CEILING = "ceiling"  # name prefix of the ceiling geoms (the simulator keeps them from casting shadows)
HIDDEN_GROUP = 3  # geom group the renderer skips by default (MjvOption shows groups 0–2)
AXIS_EPS = 1e-9


@dataclass(frozen=True)
class MjcfOptions:
    """Model-level settings the simulator chooses (physics, render quality, clipping)."""

    time_step: float = 0.002  # s
    rolling_friction: float = 0.01  # m; rolling and torsional friction of dynamic objects' geoms
    offsamples: int = 0  # multisample anti-aliasing samples of the offscreen buffer (0 = off)
    floor_reflectance: float = 0.0  # 0..1; used only by a one-tile (rectangular) floor: MuJoCo reflects one geom
    near: float = 0.05  # m, clipping planes
    far: float = 50.0


def body_name(obj: ObjectSpec) -> str:
    """The MJCF body name of an object (the simulator looks bodies up by it)."""
    return f"object_{obj.object_id}"


def _f(values) -> str:
    """Space-separated floats with full precision (repr), as MJCF attributes want them."""
    return " ".join(repr(float(v)) for v in np.ravel(values))


def room_extent(room: RoomSpec) -> tuple[np.ndarray, float]:
    """(centre, radius) of a sphere around the room: MuJoCo scales clipping and shadow ranges by it."""
    poly = np.asarray(room.footprint, dtype=float)
    lo, hi = np.r_[poly.min(0), 0.0], np.r_[poly.max(0), room.height]
    return (lo + hi) / 2, float(np.linalg.norm(hi - lo) / 2)


def footprint_tiles(footprint) -> list[tuple[str, np.ndarray]]:
    """Convex pieces covering the footprint polygon exactly, as 2D data for :func:`_slab`.

    ("box", [cx, cy, hx, hy]) cells when every edge is axis-aligned (a grid of the vertex
    coordinates tiles it; a rectangle is one cell), else ("triangle", 3×2 vertices) per triangle.
    """
    poly = np.asarray(footprint, dtype=float)
    if polygon_area(poly) < 0:
        poly = poly[::-1]
    edges = np.roll(poly, -1, axis=0) - poly
    if np.all(np.min(np.abs(edges), axis=1) <= AXIS_EPS):
        xs, ys = np.unique(poly[:, 0]), np.unique(poly[:, 1])
        cells = [(x0, x1, y0, y1) for x0, x1 in pairwise(xs) for y0, y1 in pairwise(ys)]
        inside = points_in_polygon([((x0 + x1) / 2, (y0 + y1) / 2) for x0, x1, y0, y1 in cells], poly)
        return [("box", np.array([(x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2]))
                for (x0, x1, y0, y1), keep in zip(cells, inside) if keep]
    return [("triangle", poly[tri]) for tri in triangulate(poly)]


def _slab(world: ET.Element, asset: ET.Element, name: str, tiles, z0: float, z1: float, **attrs) -> None:
    """Visual-only geoms filling the footprint tiles between heights z0 < z1 (boxes or prism meshes)."""
    for k, (kind, data) in enumerate(tiles):
        common = {"name": f"{name}_{k}", "contype": "0", "conaffinity": "0", **attrs}
        if kind == "box":
            cx, cy, hx, hy = data
            ET.SubElement(world, "geom", type="box", pos=_f([cx, cy, (z0 + z1) / 2]), size=_f([hx, hy, (z1 - z0) / 2]),
                          **common)
        else:  # a convex prism: MuJoCo takes the convex hull of the six vertices, normals outward
            ET.SubElement(asset, "mesh", name=f"{name}_{k}", vertex=_f(np.r_[np.c_[data, np.full(3, z0)],
                                                                             np.c_[data, np.full(3, z1)]]))
            ET.SubElement(world, "geom", type="mesh", mesh=f"{name}_{k}", **common)


def _room(world: ET.Element, asset: ET.Element, spec: SceneSpec, reflectance: float) -> None:
    """Collision plane, visible floor and ceiling tiles, and walls: static geoms on the world body."""
    room = spec.room
    ET.SubElement(world, "geom", name="floor_plane", type="plane", size="0 0 1", group=str(HIDDEN_GROUP),
                  rgba="0 0 0 0")
    tiles = footprint_tiles(room.footprint)
    # MuJoCo reflects off one geom only: a floor of several tiles stays matte rather than patchy.
    ET.SubElement(asset, "material", name="floor", rgba=_f(room.floor_rgba),
                  reflectance=repr(float(reflectance) if len(tiles) == 1 else 0.0))
    _slab(world, asset, "floor", tiles, -FLOOR_THICKNESS, 0.0, material="floor")
    _slab(world, asset, CEILING, tiles, room.height, room.height + FLOOR_THICKNESS, rgba=_f(CEILING_RGBA))
    for k, (centre, half, yaw) in enumerate(house_walls(spec)):
        ET.SubElement(world, "geom", name=f"wall_{k}", type="box", pos=_f(centre), size=_f(half),
                      quat=_f([np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)]), rgba=_f(room.wall_rgba))


def obj_text_and_texture(path: str) -> tuple[str, str | None]:
    """An OBJ file's text as one shape, and the path of its first material's diffuse texture (or None).

    MuJoCo's OBJ reader keeps the faces of the first shape only (measured: 168 of the teddy's 2432),
    so the ``o``/``g`` lines that start new shapes are dropped. pybullet draws the ``map_Kd``
    texture times the part colour; the texture path lets MuJoCo do the same.
    """
    with open(path) as f:
        lines = f.read().splitlines()
    text = "\n".join(ln for ln in lines if not ln.startswith(("o ", "g "))) + "\n"
    mtl = next((ln.split(None, 1)[1].strip() for ln in lines if ln.startswith("mtllib ")), None)
    mtl_path = os.path.join(os.path.dirname(path), mtl) if mtl else ""
    if not os.path.isfile(mtl_path):
        return text, None
    with open(mtl_path) as f:
        maps = [ln.split(None, 1)[1].strip() for ln in f if ln.startswith("map_Kd ")]
    texture = os.path.join(os.path.dirname(path), maps[0]) if maps else ""
    return text, texture if texture.lower().endswith(".png") and os.path.isfile(texture) else None


def _mesh_asset(asset: ET.Element, files: dict, part: Part, where: str) -> tuple[str, str | None]:
    """(mesh asset name, texture asset name or None) for ``part``, adding them and their file bytes on first use."""
    path = os.path.join(str(mesh_data_dir()), part.mesh or "")
    if not part.mesh or not os.path.isfile(path):
        raise ValueError(f"{where}: mesh {part.mesh!r} not found under pybullet_data ({path})")
    scale = tuple(float(v) for v in part.size)
    name = f"mesh_{hashlib.sha1(repr((part.mesh, scale)).encode()).hexdigest()[:12]}"
    texture = f"texture_{hashlib.sha1(part.mesh.encode()).hexdigest()[:12]}"
    if f"{name}.obj" not in files:
        text, png = obj_text_and_texture(path)
        files[f"{name}.obj"] = text.encode()
        # inertia="convex": pybullet_data meshes need not be watertight; the hull always has a volume.
        ET.SubElement(asset, "mesh", name=name, file=f"{name}.obj", scale=_f(scale), inertia="convex")
        if png and f"{texture}.png" not in files:
            with open(png, "rb") as f:
                files[f"{texture}.png"] = f.read()
            # raw texel values, as pybullet uses them: MuJoCo would linearise an sRGB-tagged PNG
            # (measured: the yellow duck turned orange, green 145 instead of pybullet's 190)
            ET.SubElement(asset, "texture", name=texture, type="2d", file=f"{texture}.png", colorspace="linear")
    return name, texture if f"{texture}.png" in files else None


def _part_geom(body: ET.Element, asset: ET.Element, files: dict, obj: ObjectSpec, k: int, part: Part) -> ET.Element:
    """One geom for one part, placed at the part's offset in the object frame."""
    where = f"object {obj.name!r} part {k} shape {part.shape!r}"
    sx, sy, sz = (float(v) for v in part.size)
    attrs = {"name": f"{body_name(obj)}_part_{k}", "pos": _f(part.offset.position),
             "quat": _f(part.offset.quat_wxyz), "rgba": _f(part.rgba)}
    if part.shape in ("cylinder", "sphere") and not np.isclose(sx, sy):
        raise ValueError(f"{where}: size[0] and size[1] (radii) must be equal, got {part.size}")
    if part.shape == "box":
        attrs.update(type="box", size=_f([sx, sy, sz]))
    elif part.shape == "cylinder":
        attrs.update(type="cylinder", size=_f([sx, sz]))  # radius, half height: as the Part says
    elif part.shape == "sphere":
        attrs.update(type="sphere", size=_f([sx]))
    elif part.shape == "mesh":
        mesh, texture = _mesh_asset(asset, files, part, where)
        attrs.update(type="mesh", mesh=mesh)
        if texture:  # the texture modulated by the part colour, as pybullet draws it
            material = f"{attrs['name']}_material"
            ET.SubElement(asset, "material", name=material, texture=texture, rgba=attrs.pop("rgba"))
            attrs["material"] = material
    else:
        raise ValueError(f"{where}: unknown shape; allowed: box, cylinder, sphere, mesh")
    return ET.SubElement(body, "geom", **attrs)


def _object(world: ET.Element, asset: ET.Element, files: dict, obj: ObjectSpec, opts: MjcfOptions) -> None:
    """One body per object: free joint and per-part masses when dynamic, welded to the world otherwise."""
    if not obj.parts:
        raise ValueError(f"object {obj.name!r} has no parts")
    body = ET.SubElement(world, "body", name=body_name(obj), pos=_f(obj.pose.position), quat=_f(obj.pose.quat_wxyz))
    geoms = [_part_geom(body, asset, files, obj, k, part) for k, part in enumerate(obj.parts)]
    if obj.mass <= 0:
        return
    ET.SubElement(body, "freejoint", name=f"{body_name(obj)}_free")
    volumes = np.array([part_volume(part, obj) for part in obj.parts])
    for geom, mass in zip(geoms, obj.mass * volumes / volumes.sum()):
        # condim 6 adds torsional and rolling friction, so balls and ducks come to rest (as in pybullet).
        geom.set("mass", repr(float(mass)))
        geom.set("condim", "6")
        geom.set("friction", _f([1.0, opts.rolling_friction, opts.rolling_friction]))


def scene_mjcf(spec: SceneSpec, opts: MjcfOptions) -> tuple[str, dict[str, bytes]]:
    """The MJCF document of ``spec`` (room, objects, one directional light, render quality settings)
    and the files it names (meshes, textures) as bytes: MuJoCo's ``from_xml_string(xml, assets)``."""
    ids = [obj.object_id for obj in spec.objects]
    if len(set(ids)) != len(ids) or any(not 1 <= i <= np.iinfo(np.uint16).max for i in ids):
        raise ValueError(f"scene {spec.scene_id}: object_id values must be unique and in 1..65535, got {ids}")
    centre, extent = room_extent(spec.room)
    root = ET.Element("mujoco", model=str(spec.scene_id))
    ET.SubElement(root, "compiler", angle="radian", autolimits="true")
    ET.SubElement(root, "option", timestep=repr(float(opts.time_step)), integrator="implicitfast")
    # The extent scales MuJoCo's clipping planes and shadow range: fix it to the room, not the geoms.
    ET.SubElement(root, "statistic", center=_f(centre), extent=repr(extent))
    visual = ET.SubElement(root, "visual")
    ET.SubElement(visual, "map", znear=repr(opts.near / extent), zfar=repr(opts.far / extent))
    ET.SubElement(visual, "quality", offsamples=str(int(opts.offsamples)))  # the shadow map is sized per render
    asset = ET.SubElement(root, "asset")
    world = ET.SubElement(root, "worldbody")
    light = spec.lighting
    to_light = np.asarray(light.direction, dtype=float) / np.linalg.norm(light.direction)
    color = np.asarray(light.color, dtype=float)
    # MuJoCo drops ALL of a shadow-casting light (ambient too) where it is shadowed, so the ambient
    # term comes from the headlight, which never casts shadows, and the sun brings diffuse + specular.
    ET.SubElement(visual, "headlight", active="1", ambient=_f(light.ambient * color), diffuse="0 0 0",
                  specular="0 0 0")
    # A directional light's shadow map is an orthographic box (half side = extent) along its axis,
    # starting at the camera's near plane from the light's position: put it outside the room, aimed at the centre.
    ET.SubElement(world, "light", name="sun", directional="true", castshadow="true", pos=_f(centre + extent * to_light),
                  dir=_f(-to_light), ambient="0 0 0", diffuse=_f(light.diffuse * color),
                  specular=_f(light.specular * color))
    _room(world, asset, spec, opts.floor_reflectance)
    files: dict[str, bytes] = {}
    for obj in spec.objects:
        _object(world, asset, files, obj, opts)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode"), files
