"""Worker side (Blender Python): procedural PBR materials per family (world HDRI and lights: ``blender_lighting``).

Self-contained (no simgen imports). Every number (colours, roughness, texture scale and offset,
light strengths, colour temperatures already turned into RGB) arrives from the client, which draws
them from the scene's seeded generator; nothing here is random.

A window is a region of one wall's material, not a hole: camera rays see it as opaque (so depth and
instance ids equal the closed room's ground truth) and show the environment map looked up along
the viewing ray, while every other ray (shadow, diffuse, glossy) passes through it and brings the
sun and sky into the room; an area light marked as a portal there helps Cycles sample that light.
"""
from __future__ import annotations

FAMILIES = ("wood", "fabric", "leather", "paint", "plaster", "wallpaper", "tiles", "carpet", "metal", "ceramic",
            "glass", "plastic")


class _Nodes:
    """A material's node tree with short helpers (node by type, link by sockets)."""

    def __init__(self, bpy, name: str):
        self.bpy = bpy
        self.mat = bpy.data.materials.new(name)
        self.mat.use_nodes = True
        self.tree = self.mat.node_tree
        self.tree.nodes.clear()

    def add(self, kind: str, **inputs):
        node = self.tree.nodes.new(kind)
        for key, value in inputs.items():
            if hasattr(value, "links"):  # a socket: link it
                self.tree.links.new(value, node.inputs[key])
            else:
                node.inputs[key].default_value = value
        return node

    def link(self, a, b):
        self.tree.links.new(a, b)

    def math(self, op: str, a, b):
        node = self.tree.nodes.new("ShaderNodeMath")
        node.operation = op
        for sock, v in zip(node.inputs, (a, b)):
            self.link(v, sock) if hasattr(v, "links") else setattr(sock, "default_value", float(v))
        return node.outputs[0]

    def mix_color(self, fac, a, b):
        node = self.tree.nodes.new("ShaderNodeMix")
        node.data_type = "RGBA"
        self.link(fac, node.inputs["Factor"])
        node.inputs["A"].default_value, node.inputs["B"].default_value = (*a, 1.0), (*b, 1.0)
        return node.outputs["Result"]


def make_material(bpy, name: str, p: dict, look: dict):
    """A Principled BSDF material of family ``p["family"]`` with the client's colours and roughness."""
    # the sibling module on the worker's sys.path, imported here: outside Blender this module imports
    # as simgen.renderers.blender_materials (its FAMILIES) without it
    from blender_lighting import fixture_panel, window_pane

    n = _Nodes(bpy, name)
    coords = n.add("ShaderNodeTexCoord").outputs["Object"]
    mapping = n.add("ShaderNodeMapping", Vector=coords, Location=tuple(p.get("offset", (0.0, 0.0, 0.0))),
                    Scale=(p.get("scale", 1.0),) * 3)
    vec = mapping.outputs["Vector"]
    bsdf = n.add("ShaderNodeBsdfPrincipled", Roughness=float(p["roughness"]))
    color, color2, family = tuple(p["color"]), tuple(p.get("color2", p["color"])), p["family"]
    pattern, bump = None, 0.0
    if family == "wood":
        pattern, bump = _wood(n, vec, color, color2, bsdf, p.get("planks", False), p["grain"]), 0.02
    elif family in ("fabric", "carpet", "plaster", "paint", "leather"):
        # low octave counts and few bumps: procedural shading is most of a frame's cost at 1-2 samples
        scale = p.get("pattern_scale", {"plaster": 8.0, "paint": 3.0}.get(family, 40.0))
        if family == "leather":
            pattern = n.add("ShaderNodeTexVoronoi", Vector=vec, Scale=scale).outputs["Distance"]
        else:
            pattern = n.add("ShaderNodeTexNoise", Vector=vec, Scale=scale, Detail=1.0).outputs["Fac"]
        bump = {"plaster": 0.05, "leather": 0.05}.get(family, 0.0)
        if p.get("sheen"):
            bsdf.inputs["Sheen Weight"].default_value = float(p["sheen"])
    elif family == "wallpaper":
        wave = n.add("ShaderNodeTexWave", Vector=vec, Scale=2.0, Distortion=0.0)  # 10–25 cm stripes: finer ones alias
        wave.wave_type, wave.bands_direction, wave.wave_profile = "BANDS", "X", "SAW"
        pattern = n.math("GREATER_THAN", wave.outputs["Fac"], 0.5)
    elif family == "tiles":
        brick = n.add("ShaderNodeTexBrick", Vector=vec, Scale=1.0, **{"Mortar Size": 0.01, "Bias": 0.0})
        brick.offset, brick.squash = 0.0, 1.0
        brick.inputs["Brick Width"].default_value, brick.inputs["Row Height"].default_value = 1.0, 1.0
        pattern, bump = brick.outputs["Fac"], 0.2
        tint = n.add("ShaderNodeTexNoise", Vector=vec, Scale=3.0, Detail=0.0).outputs["Fac"]
        n.link(n.mix_color(tint, color, color2), brick.inputs["Color1"])
        brick.inputs["Color2"].default_value = (*color2, 1.0)
        brick.inputs["Mortar"].default_value = (*p.get("mortar", (0.55, 0.55, 0.52)), 1.0)
        n.link(brick.outputs["Color"], bsdf.inputs["Base Color"])
    elif family == "metal":
        bsdf.inputs["Metallic"].default_value = 1.0
        if p.get("variant") == "brushed":  # fine streaks along local x vary the roughness
            streaks = n.add("ShaderNodeMapping", Vector=vec, Scale=(2.0, 300.0, 300.0))
            noise = n.add("ShaderNodeTexNoise", Vector=streaks.outputs["Vector"], Scale=4.0, Detail=0.0)
            rough = n.add("ShaderNodeMapRange", Value=noise.outputs["Fac"],
                          **{"To Min": max(0.0, p["roughness"] - 0.15), "To Max": min(1.0, p["roughness"] + 0.15)})
            n.link(rough.outputs["Result"], bsdf.inputs["Roughness"])
    elif family == "ceramic":
        bsdf.inputs["Coat Weight"].default_value = 0.6
    elif family == "glass":
        bsdf.inputs["Transmission Weight"].default_value = 1.0
        bsdf.inputs["IOR"].default_value = 1.45
    if p.get("coat"):
        bsdf.inputs["Coat Weight"].default_value = float(p["coat"])
    if family not in ("tiles", "wood"):
        bsdf.inputs["Base Color"].default_value = (*color, 1.0)
        if pattern is not None:
            n.link(n.mix_color(pattern, color2, color), bsdf.inputs["Base Color"])
    if bump > 0.0 and pattern is not None:
        b = n.add("ShaderNodeBump", Strength=bump, Height=pattern)
        n.link(b.outputs["Normal"], bsdf.inputs["Normal"])
    if p.get("emission", 0.0) > 0.0:
        bsdf.inputs["Emission Color"].default_value = (*p.get("emission_rgb", color), 1.0)
        bsdf.inputs["Emission Strength"].default_value = float(p["emission"])
    shader = bsdf.outputs["BSDF"]
    if p.get("skirting"):
        shader = _skirting(n, shader, p["skirting"])
    if p.get("rug"):
        shader = _rug(n, shader, p["rug"])
    if p.get("fixture"):
        shader = fixture_panel(n, shader, p["fixture"])
    if p.get("window"):
        shader = window_pane(n, shader, p["window"], look)
    n.link(shader, n.add("ShaderNodeOutputMaterial").inputs["Surface"])
    return n.mat


def _wood(n: _Nodes, vec, color, color2, bsdf, planks: bool, grain: dict):
    """Grain along local x (noise stretched across it, as the species says); as a floor, planks with
    seams and per-plank tint."""
    across = float(grain["stretch"])
    stretched = n.add("ShaderNodeMapping", Vector=vec, Scale=(0.6, across, across))
    noise = n.add("ShaderNodeTexNoise", Vector=stretched.outputs["Vector"], Scale=float(grain["grain_scale"]),
                  Detail=2.0, Distortion=float(grain["distortion"]))
    grain = n.add("ShaderNodeMapRange", Value=noise.outputs["Fac"], **{"From Min": 0.3, "From Max": 0.7})
    wood = n.mix_color(grain.outputs["Result"], color2, color)
    if planks:
        brick = n.add("ShaderNodeTexBrick", Vector=n.add("ShaderNodeTexCoord").outputs["Object"], Scale=1.0,
                      **{"Mortar Size": 0.003, "Brick Width": 1.2, "Row Height": 0.14, "Bias": 0.0})
        brick.offset, brick.squash = 0.37, 1.0
        brick.inputs["Color1"].default_value, brick.inputs["Color2"].default_value = (1, 1, 1, 1), (0.75, 0.72, 0.7, 1)
        brick.inputs["Mortar"].default_value = (0.25, 0.22, 0.2, 1.0)
        tinted = n.tree.nodes.new("ShaderNodeMix")
        tinted.data_type, tinted.blend_type = "RGBA", "MULTIPLY"
        tinted.inputs["Factor"].default_value = 1.0
        n.link(wood, tinted.inputs["A"])
        n.link(brick.outputs["Color"], tinted.inputs["B"])
        wood = tinted.outputs["Result"]
        bump = n.add("ShaderNodeBump", Strength=0.3, Height=brick.outputs["Fac"])
        n.link(bump.outputs["Normal"], bsdf.inputs["Normal"])
    n.link(wood, bsdf.inputs["Base Color"])
    return None if planks else grain.outputs["Result"]


def _rug(n: _Nodes, floor, rug: dict):
    """A rug on the floor (object coordinates are the world's): a woven field inside a lighter border."""
    from blender_lighting import inside_rect  # (see make_material)

    xyz = n.add("ShaderNodeSeparateXYZ", Vector=n.add("ShaderNodeTexCoord").outputs["Object"])
    field = n.add("ShaderNodeTexNoise", Vector=n.add("ShaderNodeTexCoord").outputs["Object"],
                  Scale=float(rug["pattern_scale"]), Detail=1.0).outputs["Fac"]
    woven = n.mix_color(field, tuple(rug["color2"]), tuple(rug["color"]))
    colour = n.tree.nodes.new("ShaderNodeMix")
    colour.data_type = "RGBA"
    n.link(n.math("SUBTRACT", 1.0, inside_rect(n, xyz, "X", "Y", rug["rect"], 0.08)), colour.inputs["Factor"])
    n.link(woven, colour.inputs["A"])
    colour.inputs["B"].default_value = (*rug["border"], 1.0)
    cloth = n.add("ShaderNodeBsdfPrincipled", Roughness=float(rug["roughness"]), **{"Sheen Weight": 0.4})
    n.link(colour.outputs["Result"], cloth.inputs["Base Color"])
    mix = n.add("ShaderNodeMixShader", Fac=inside_rect(n, xyz, "X", "Y", rug["rect"]))
    n.link(floor, mix.inputs[1])
    n.link(cloth.outputs["BSDF"], mix.inputs[2])
    return mix.outputs[0]


def _skirting(n: _Nodes, wall, skirting: dict):
    """A painted skirting board at the wall's foot (local z below ``top``), with a shaded groove along its
    top (a colour, not a bump: a bump evaluates its height three times at every wall hit)."""
    z = n.add("ShaderNodeSeparateXYZ", Vector=n.add("ShaderNodeTexCoord").outputs["Object"]).outputs["Z"]
    top = float(skirting["top"])
    groove = n.math("MULTIPLY", n.math("GREATER_THAN", z, top - 0.012), n.math("LESS_THAN", z, top - 0.006))
    colour = tuple(skirting["color"])
    board = n.add("ShaderNodeBsdfPrincipled", Roughness=0.35)
    n.link(n.mix_color(groove, colour, tuple(0.55 * c for c in colour)), board.inputs["Base Color"])
    mix = n.add("ShaderNodeMixShader", Fac=n.math("LESS_THAN", z, top))
    n.link(wall, mix.inputs[1])
    n.link(board.outputs["BSDF"], mix.inputs[2])
    return mix.outputs[0]
