"""Worker side (Blender Python): the light of a room — the world HDRI, the lights (sun, the ceiling's
area lights, a portal over the window) — and the two surfaces that show it: a window in a wall (its
pane shows the HDRI to the camera and lets every other ray through) and the ceiling light's panel.

Self-contained (no simgen imports), like ``blender_materials`` whose ``make_material`` mixes the
window and the panel into a wall's or ceiling's shader (``n``: its node-tree helper). Every number
arrives from the client; nothing here is random.
"""
from __future__ import annotations

import os


def inside_rect(n, xyz, a: str, b: str, rect, margin: float = 0.0):
    """1 inside ``rect`` = (a0, a1, b0, b1) of object coordinates ``a``, ``b`` (shrunk by ``margin``), else 0
    (``n``: a material's node tree, ``blender_materials._Nodes``)."""
    a0, a1, b0, b1 = rect
    u = n.math("MULTIPLY", n.math("GREATER_THAN", xyz.outputs[a], a0 + margin),
               n.math("LESS_THAN", xyz.outputs[a], a1 - margin))
    v = n.math("MULTIPLY", n.math("GREATER_THAN", xyz.outputs[b], b0 + margin),
               n.math("LESS_THAN", xyz.outputs[b], b1 - margin))
    return n.math("MULTIPLY", u, v)


def fixture_panel(n, ceiling, fixture: dict):
    """The ceiling light's panel: glows to camera rays only (the area light under it lights the room)."""
    xyz = n.add("ShaderNodeSeparateXYZ", Vector=n.add("ShaderNodeTexCoord").outputs["Object"])
    glow = n.add("ShaderNodeEmission", Color=(*fixture["rgb"], 1.0), Strength=float(fixture["strength"]))
    camera = n.add("ShaderNodeLightPath").outputs["Is Camera Ray"]
    inside = None
    for rect in fixture["rects"]:  # one panel per room of a house
        here = inside_rect(n, xyz, "X", "Y", rect)
        inside = here if inside is None else n.math("MAXIMUM", inside, here)
    mix = n.add("ShaderNodeMixShader", Fac=n.math("MULTIPLY", inside, camera))
    n.link(ceiling, mix.inputs[1])
    n.link(glow.outputs[0], mix.inputs[2])
    return mix.outputs[0]


def window_pane(n, wall, rect, look: dict):
    """Mix a window into a wall shader: frame, then a pane that shows the sky to the camera only."""
    xyz = n.add("ShaderNodeSeparateXYZ", Vector=n.add("ShaderNodeTexCoord").outputs["Object"])

    def inside(margin):
        return inside_rect(n, xyz, "X", "Z", rect, margin)

    frame = n.add("ShaderNodeBsdfPrincipled", Roughness=0.4, **{"Base Color": (0.9, 0.9, 0.88, 1.0)})
    with_frame = n.add("ShaderNodeMixShader", Fac=inside(0.0))
    n.link(wall, with_frame.inputs[1])
    n.link(frame.outputs["BSDF"], with_frame.inputs[2])
    away = n.add("ShaderNodeVectorMath", Vector=n.add("ShaderNodeNewGeometry").outputs["Incoming"])
    away.operation = "SCALE"
    away.inputs["Scale"].default_value = -1.0  # Incoming points back to the viewer; the sky lies beyond
    turn = n.add("ShaderNodeVectorRotate", Vector=away.outputs["Vector"], Angle=float(look["hdri"]["rotation"]))
    turn.rotation_type = "Z_AXIS"  # the world's HDRI rotation, so the window shows the sky that lights the room
    sky = n.add("ShaderNodeTexEnvironment", Vector=turn.outputs["Vector"])
    sky.image = hdri_image(n.bpy, look["hdri"]["name"])
    emit = n.add("ShaderNodeEmission", Color=sky.outputs["Color"], Strength=float(look["window_glow"]))
    pane = inside(0.06)
    camera = n.add("ShaderNodeLightPath").outputs["Is Camera Ray"]
    seen = n.add("ShaderNodeMixShader", Fac=pane)
    n.link(with_frame.outputs[0], seen.inputs[1])
    n.link(emit.outputs[0], seen.inputs[2])
    through = n.add("ShaderNodeMixShader", Fac=n.math("MULTIPLY", pane, n.math("SUBTRACT", 1.0, camera)))
    n.link(seen.outputs[0], through.inputs[1])
    n.link(n.add("ShaderNodeBsdfTransparent").outputs[0], through.inputs[2])
    return through.outputs[0]


def hdri_image(bpy, name: str):
    """One of the studio HDRIs bundled with Blender (``datafiles/studiolights/world/<name>``), loaded once."""
    if name not in bpy.data.images:
        path = os.path.join(bpy.utils.system_resource("DATAFILES", path="studiolights/world"), name)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"HDRI {name!r} not found: {path}")
        bpy.data.images.load(path).name = name
    return bpy.data.images[name]


def setup_world(bpy, scene, look: dict) -> None:
    """Environment light from the HDRI, rotated about z and scaled by the look's strength."""
    world = bpy.data.worlds.new("world")
    scene.world = world
    world.use_nodes = True
    nodes, links = world.node_tree.nodes, world.node_tree.links
    nodes.clear()
    mapping = nodes.new("ShaderNodeMapping")
    mapping.inputs["Rotation"].default_value = (0.0, 0.0, float(look["hdri"]["rotation"]))
    links.new(nodes.new("ShaderNodeTexCoord").outputs["Generated"], mapping.inputs["Vector"])
    env = nodes.new("ShaderNodeTexEnvironment")
    env.image = hdri_image(bpy, look["hdri"]["name"])
    links.new(mapping.outputs["Vector"], env.inputs["Vector"])
    bg = nodes.new("ShaderNodeBackground")
    bg.inputs["Strength"].default_value = float(look["hdri"]["strength"])
    links.new(env.outputs["Color"], bg.inputs["Color"])
    links.new(bg.outputs["Background"], nodes.new("ShaderNodeOutputWorld").inputs["Surface"])


def setup_lights(bpy, scene, look: dict) -> None:
    """Sun (day only), the ceiling's area light (one per room of a house), and a portal over the window; none
    seen by the camera."""
    from mathutils import Matrix, Vector

    def add(name, kind, rgb, energy, matrix, **attrs):
        data = bpy.data.lights.new(name, kind)
        data.color, data.energy = tuple(rgb), float(energy)
        for key, value in attrs.items():
            setattr(data, key, value)
        ob = bpy.data.objects.new(name, data)
        ob.matrix_world = matrix
        ob.visible_camera = False
        scene.collection.objects.link(ob)
        return data

    sun = look.get("sun")
    if sun:
        rot = Vector(sun["direction"]).to_track_quat("-Z", "Y").to_matrix().to_4x4()
        add("sun", "SUN", sun["rgb"], sun["strength"], rot)
        bpy.data.lights["sun"].angle = float(sun["angle"])
    ceiling = look["ceiling"]
    for k, position in enumerate(ceiling["positions"]):  # one per room of a house
        down = Matrix.Translation(Vector(position))  # an area light emits along its local −z: down
        light = add(f"ceiling_{k}" if k else "ceiling", "AREA", ceiling["rgb"], ceiling["power"], down,
                    shape="RECTANGLE")
        light.size, light.size_y = (float(v) for v in ceiling["size"])
    portal = look.get("portal")
    if portal:
        light = add("portal", "AREA", (1.0, 1.0, 1.0), 0.0, Matrix(portal["matrix"]), shape="RECTANGLE")
        light.size, light.size_y = (float(v) for v in portal["size"])
        light.cycles.is_portal = True
