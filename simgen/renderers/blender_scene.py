"""Worker side (Blender Python, numpy<2): build the scene message into bpy data, render frames.

Self-contained like ``blender_worker.py``: no simgen imports. Geometry arrives already in each
object's box-centred frame (the client resolved parts, room polygons and walls), so the only
conventions converted here are Blender's camera (``CV_TO_BLENDER_CAM``) and its intrinsics:

* horizontal sensor fit: ``lens = fx · sensor_width / W``; ``fy ≠ fx`` through the pixel aspect
  (``fy / fx = aspect_x / aspect_y``, Cycles' ``blender_camera_viewplane``);
* lens shift in units of the image width: ``shift_x = (W/2 − cx) / W``,
  ``shift_y = (cy − H/2) / (W · fy/fx)`` (rows grow downwards, Blender's y upwards).
"""
from __future__ import annotations

import os

import numpy as np

from blender_lighting import setup_lights, setup_world
from blender_materials import make_material
from blender_worker import CV_TO_BLENDER_CAM, NOTHING_HIT

SENSOR_WIDTH = 36.0  # mm; arbitrary: only lens / sensor matters
CYLINDER_SEGMENTS = 48
SPHERE_SEGMENTS = (32, 16)
SOFT = ("fabric", "leather", "carpet")  # upholstery: its edges are rounded more
SOFT_BEVEL = 4.0


def build_scene(bpy, msg: dict, workdir: str) -> dict:
    """Empty Blender, then room, objects, camera, lights, render settings and output nodes."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    look, quality, cam, room = msg["look"], msg["quality"], msg["camera"], msg["scene"]["room"]
    materials = {}

    def material(params):
        key = repr(sorted(params.items()))
        if key not in materials:
            materials[key] = make_material(bpy, f"m{len(materials)}", params, look)
        return materials[key]

    for name, slab in (("floor", room["floor"]), ("ceiling", room["ceiling"])):
        _new_object(bpy, name, slab["verts"], slab["faces"], [material(slab["material"])], 0)
    for k, wall in enumerate(room["walls"]):
        verts, faces = _box(wall.get("box", np.eye(4)), wall["half"])  # a house's piece sits in its wall line's frame
        ob = _new_object(bpy, f"wall_{k}", verts, faces, [material(wall["material"])], 0)
        ob.matrix_world = _matrix(wall["matrix"])
    objects = {}
    for spec in msg["scene"]["objects"]:
        objects[int(spec["id"])] = _build_object(bpy, spec, material)
    scene.camera = _camera(bpy, scene, cam)
    setup_world(bpy, scene, look)
    setup_lights(bpy, scene, look)
    _settings(scene, quality, look)
    _outputs(bpy, scene, workdir)
    return {"objects": objects, "workdir": workdir, "size": (int(cam["width"]), int(cam["height"])),
            "meter": float(look["exposure_key"])}  # the first frame's auto exposure (0: none)


def render_frame(bpy, state: dict, msg: dict) -> dict:
    """Pose objects and camera, render, and read RGB, depth (m, planar z) and instance ids back."""
    last = state.setdefault("poses", {})
    for oid, T in msg["poses"].items():
        if oid not in last or not np.array_equal(last[oid], T):  # a moved object costs Cycles a BVH update
            state["objects"][int(oid)].matrix_world = _matrix(T)
            last[oid] = T
    scene = bpy.context.scene
    scene.camera.matrix_world = _matrix(np.asarray(msg["T_world_cam"], float) @ CV_TO_BLENDER_CAM)
    work = state["workdir"]
    scene.render.filepath = os.path.join(work, "rgb.png")
    w, h = state["size"]
    bpy.ops.render.render(write_still=True)
    rgb = _read(bpy, os.path.join(work, "rgb.png"), w, h)[..., :3]
    key = state.pop("meter", 0.0)
    if key > 0.0:  # the episode's first frame: meter it, lock the exposure for the episode, render again
        scene.view_settings.exposure = metered_exposure(rgb, key)
        bpy.ops.render.render(write_still=True)
        rgb = _read(bpy, os.path.join(work, "rgb.png"), w, h)[..., :3]
    depth = _read(bpy, os.path.join(work, f"depth{scene.frame_current:04d}.exr"), w, h)[..., 0]
    index = _read(bpy, os.path.join(work, f"index{scene.frame_current:04d}.exr"), w, h)[..., 0]
    depth = np.where(depth > NOTHING_HIT, np.inf, depth).astype(np.float32)
    return {"rgb": np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8),
            "depth": depth, "instance": np.round(index).astype(np.uint16)}


def metered_exposure(rgb: np.ndarray, key: float, limit: float = 4.0) -> float:
    """Stops that bring the frame's log-average luminance to ``key`` (a camera's auto exposure, as in
    Reinhard's key value), from a frame rendered at exposure 0 (display values 0..1); clipped pixels
    and pure black are left out of the average; at most ``limit`` stops either way."""
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    lum = lin @ np.array([0.2126, 0.7152, 0.0722])
    used = lum[(rgb.max(axis=-1) < 0.98) & (lum > 1e-4)]
    if used.size < 0.05 * lum.size:  # nearly all clipped or black: leave the exposure alone
        return 0.0
    return float(np.clip(np.log2(key / np.exp(np.mean(np.log(used)))), -limit, limit))


def _read(bpy, path: str, w: int, h: int) -> np.ndarray:
    """(h, w, 4) float32 pixels of an image file, top row first (byte images come back as value / 255)."""
    img = bpy.data.images.load(path, check_existing=False)
    try:
        if tuple(img.size) != (w, h):
            raise RuntimeError(f"{path}: expected {w}×{h}, Blender wrote {tuple(img.size)}")
        px = np.empty(w * h * 4, dtype=np.float32)
        img.pixels.foreach_get(px)
    finally:
        bpy.data.images.remove(img)
    return px.reshape(h, w, 4)[::-1]


def _matrix(T):
    from mathutils import Matrix

    return Matrix(np.asarray(T, dtype=float).tolist())


def _box(M, half) -> tuple[np.ndarray, list]:
    """Vertices and quad faces (outward) of a box with half extents ``half`` placed by ``M``."""
    s = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float) * np.asarray(half, float)
    verts = s @ np.asarray(M)[:3, :3].T + np.asarray(M)[:3, 3]
    faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    return verts, faces


def _build_object(bpy, spec: dict, material):
    """One Blender object per simgen object (all parts in one mesh, pass_index = object id), its box and
    cylinder parts bevelled: ``bevel`` m (upholstered parts ``SOFT_BEVEL`` times that), at most 0.3 of a
    part's thinnest half size. A bevel only rounds a part off, so the object stays inside its box."""
    import bmesh
    from mathutils import Matrix

    bm = bmesh.new()
    weight = bm.edges.layers.float.new("bevel_weight_edge")  # the bevel modifier scales its width by it
    mats, widths = [], []
    for part in spec["parts"]:
        M = _matrix(part["offset"])
        sx, sy, sz = (float(v) for v in part["size"])
        before = set(bm.faces)
        soft = SOFT_BEVEL if part["material"]["family"] in SOFT else 1.0
        if part["shape"] == "box":
            bmesh.ops.create_cube(bm, size=2.0, matrix=M @ Matrix.Diagonal((sx, sy, sz, 1.0)))
            widths.append(min(float(spec.get("bevel", 0.0)) * soft, 0.3 * min(sx, sy, sz)))
        elif part["shape"] == "cylinder":
            bmesh.ops.create_cone(bm, cap_ends=True, cap_tris=False, segments=CYLINDER_SEGMENTS, radius1=sx,
                                  radius2=sx, depth=2.0 * sz, matrix=M)
            widths.append(min(float(spec.get("bevel", 0.0)) * soft, 0.3 * min(sx, sz)))
        elif part["shape"] == "sphere":
            bmesh.ops.create_uvsphere(bm, u_segments=SPHERE_SEGMENTS[0], v_segments=SPHERE_SEGMENTS[1], radius=sx,
                                      matrix=M)
        else:  # mesh: vertices already scaled by the client, faces triangles
            verts = [bm.verts.new(M @ _vec(v)) for v in part["verts"]]
            for tri in part["faces"]:
                try:
                    bm.faces.new([verts[i] for i in tri])
                except ValueError:  # a duplicate face in the file: Blender keeps one
                    pass
        new = set(bm.faces) - before
        mats.append(material(part["material"]))
        axis = np.asarray(part["offset"], float)[:3, 2]
        for f in new:
            f.material_index = len(mats) - 1
            cap = part["shape"] == "cylinder" and abs(float(np.dot(np.asarray(f.normal), axis))) > 0.99
            f.smooth = part["shape"] in ("sphere", "mesh") or (part["shape"] == "cylinder" and not cap)
        if part["shape"] in ("box", "cylinder"):  # bevel box edges and cylinder rims, never mesh files
            for f in new:
                for e in f.edges:
                    if part["shape"] == "box" or len({g.smooth for g in e.link_faces}) == 2:
                        e[weight] = widths[-1]  # this part's width for now; relative to the widest below
    width = max(widths, default=0.0)
    if width > 1e-4:
        for e in bm.edges:
            e[weight] = e[weight] / width
    me = bpy.data.meshes.new(f"object_{spec['id']}")
    bm.to_mesh(me)
    bm.free()
    ob = _link(bpy, me, f"object_{spec['id']}", mats, int(spec["id"]))
    if width > 1e-4:
        mod = ob.modifiers.new("bevel", "BEVEL")
        mod.limit_method, mod.width, mod.segments, mod.use_clamp_overlap = "WEIGHT", width, 3, True
    return ob


def _vec(v):
    from mathutils import Vector

    return Vector([float(x) for x in v])


def _new_object(bpy, name: str, verts, faces, mats, pass_index: int):
    me = bpy.data.meshes.new(name)
    me.from_pydata([tuple(map(float, v)) for v in verts], [], [tuple(map(int, f)) for f in faces])
    me.update()
    return _link(bpy, me, name, mats, pass_index)


def _link(bpy, me, name: str, mats, pass_index: int):
    for m in mats:
        me.materials.append(m)
    ob = bpy.data.objects.new(name, me)
    ob.pass_index = pass_index
    bpy.context.scene.collection.objects.link(ob)
    return ob


def _camera(bpy, scene, cam: dict):
    """A pinhole camera with the OpenCV intrinsics ``cam`` (see the module docstring)."""
    w, h = int(cam["width"]), int(cam["height"])
    fx, fy, cx, cy = (float(cam[k]) for k in ("fx", "fy", "cx", "cy"))
    data = bpy.data.cameras.new("camera")
    data.sensor_fit, data.sensor_width = "HORIZONTAL", SENSOR_WIDTH
    data.lens = fx * SENSOR_WIDTH / w
    data.clip_start, data.clip_end = float(cam.get("near", 0.05)), float(cam.get("far", 100.0))
    scene.render.resolution_x, scene.render.resolution_y, scene.render.resolution_percentage = w, h, 100
    ratio = fy / fx
    scene.render.pixel_aspect_x, scene.render.pixel_aspect_y = (ratio, 1.0) if ratio >= 1.0 else (1.0, 1.0 / ratio)
    data.shift_x = (w / 2.0 - cx) / w
    data.shift_y = (cy - h / 2.0) / (w * ratio)
    ob = bpy.data.objects.new("camera", data)
    scene.collection.objects.link(ob)
    return ob


def _settings(scene, q: dict, look: dict) -> None:
    """Cycles quality (the preset), threads, colour management."""
    c = scene.cycles
    c.samples, c.use_adaptive_sampling, c.seed, c.use_animated_seed = int(q["samples"]), False, int(look["seed"]), False
    # the preset limits diffuse and glossy light; glass needs a few transmission bounces to look clear,
    # and rays through the window pass two transparent wall faces
    c.diffuse_bounces = c.glossy_bounces = int(q["max_bounces"])
    c.transmission_bounces = c.max_bounces = max(int(q["max_bounces"]), 4)
    c.transparent_max_bounces = 8
    c.volume_bounces = 0
    c.use_light_tree = bool(q["light_tree"])
    c.use_fast_gi = bool(q["fast_gi"])
    c.use_denoising = bool(q["denoise"])
    if q["denoise"]:
        c.denoiser, c.denoising_input_passes, c.denoising_prefilter = "OPENIMAGEDENOISE", "RGB_ALBEDO_NORMAL", "FAST"
    c.filter_width = float(q["filter_width"])
    c.use_auto_tile = False
    c.caustics_reflective = c.caustics_refractive = False
    c.blur_glossy = 1.0
    if q.get("threads"):
        scene.render.threads_mode, scene.render.threads = "FIXED", int(q["threads"])
    scene.view_settings.view_transform = look["view_transform"]
    scene.render.image_settings.file_format, scene.render.image_settings.color_mode = "PNG", "RGB"
    scene.render.image_settings.color_depth = "8"
    scene.render.use_persistent_data = True  # keep the synced scene between frames: only poses change


def _outputs(bpy, scene, workdir: str) -> None:
    """Depth and object-index passes, written as float EXRs by a compositor File Output node."""
    layer = scene.view_layers[0]
    layer.use_pass_z, layer.use_pass_object_index = True, True
    scene.use_nodes = True
    tree = scene.node_tree
    tree.nodes.clear()
    rl = tree.nodes.new("CompositorNodeRLayers")
    comp = tree.nodes.new("CompositorNodeComposite")
    tree.links.new(rl.outputs["Image"], comp.inputs["Image"])
    out = tree.nodes.new("CompositorNodeOutputFile")
    out.base_path = workdir
    out.format.file_format, out.format.color_depth, out.format.exr_codec = "OPEN_EXR", "32", "NONE"
    out.format.color_mode = "RGB"
    out.file_slots.clear()
    for slot, socket in (("depth", "Depth"), ("index", "IndexOB")):
        out.file_slots.new(slot)
        tree.links.new(rl.outputs[socket], out.inputs[slot])
