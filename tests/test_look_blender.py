"""The look in Blender itself (skipped, with the reason, where no Blender Python is installed): every
material family, the rug, the ceiling fixture and the window build as shader trees; a lamp drawn as
lit glows in the render; the same look renders the same picture."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from sim_scenes import box, rect_room, scene
from simgen.geometry import look_at
from simgen.renderers.appearance import ROUGHNESS
from simgen.renderers.blender import WORKER, BlenderRenderer, BlenderUnavailable, blender_python
from simgen.renderers.look import Look
from simgen.types import CameraIntrinsics, ObjectSpec, ObjectState, Part, Pose

try:
    PYTHON = blender_python()
    NO_BLENDER = None
except BlenderUnavailable as exc:
    PYTHON, NO_BLENDER = None, str(exc)
pytestmark = pytest.mark.skipif(NO_BLENDER is not None, reason=str(NO_BLENDER))

BUILD_EVERY_FAMILY = """
import sys
sys.path.insert(0, sys.argv[1])
import bpy
from blender_materials import make_material
look = {"hdri": {"name": "interior.exr", "rotation": 0.3}, "window_glow": 1.0}
base = {"color": (0.4, 0.2, 0.1), "color2": (0.2, 0.1, 0.05), "roughness": 0.5, "offset": (0, 0, 0), "scale": 1.5,
        "grain": {"stretch": 14.0, "grain_scale": 2.0, "distortion": 1.5, "shade": 0.55}, "coat": 0.3,
        "pattern_scale": 40.0, "sheen": 0.5, "mortar": (0.5, 0.5, 0.5), "variant": "brushed"}
extras = {"rug": {"rect": (-1, 1, -1, 1), "color": (0.3, 0.05, 0.05), "color2": (0.2, 0.03, 0.03),
                  "border": (0.5, 0.1, 0.1), "pattern_scale": 80.0, "roughness": 0.9},
          "fixture": {"rects": [(-0.3, 0.3, -0.3, 0.3)], "rgb": (1.0, 0.9, 0.8), "strength": 6.0},
          "window": (-0.5, 0.5, 0.0, 1.0), "emission": 4.0, "emission_rgb": (1.0, 0.7, 0.4), "planks": True}
built = 0
for family in sys.argv[2:]:
    for key, value in [(None, None)] + list(extras.items()):
        params = dict(base, family=family, **({key: value} if key else {}))
        mat = make_material(bpy, f"{family}-{key}", params, look)
        outputs = [n for n in mat.node_tree.nodes if n.bl_idname == "ShaderNodeOutputMaterial"]
        assert len(outputs) == 1 and outputs[0].inputs["Surface"].is_linked, (family, key)
        built += 1
print("built", built)
"""


def test_every_family_and_region_builds_in_blender():
    families = sorted(ROUGHNESS)
    done = subprocess.run([PYTHON, "-c", BUILD_EVERY_FAMILY, str(WORKER.parent), *families], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"built {len(families) * 7}" in done.stdout  # each family alone and with each of 6 extras


def lamp(object_id: int) -> ObjectSpec:
    """A floor lamp: a wide cylindrical shade over a thin pole (the shade is its largest part)."""
    shade = Part("cylinder", (0.25, 0.25, 0.2), Pose((0.0, 0.0, 0.55)), (0.95, 0.95, 0.9, 1.0))
    pole = Part("cylinder", (0.02, 0.02, 0.55), Pose((0.0, 0.0, -0.2)), (0.2, 0.2, 0.2, 1.0))
    return ObjectSpec(object_id, f"lamp_{object_id}", "lamp", "white", (0.25, 0.25, 0.75),
                      Pose((2.5, 0.0, 0.75)), parts=(shade, pole))


def test_a_lit_lamp_glows_and_the_same_look_renders_the_same():
    spec = scene([lamp(3), box(4, (2.6, -1.0, 0.3), (0.3, 0.3, 0.3))], room=rect_room(7.0, 6.0, 2.8))
    K = CameraIntrinsics(64, 48, 45.0, 45.0, 32.0, 24.0)
    T = look_at([0.0, 0.0, 1.4], [2.5, 0.0, 1.1])
    states = tuple(ObjectState(o.object_id, o.pose) for o in spec.objects)
    shade = {}
    for on in (0.0, 1.0, 1.0):
        with BlenderRenderer(Look(preset="preview", time_of_day="day", lamp_on_probability_day=on, threads=1)) as r:
            r.load(spec, K)
            obs = r.render(states, T)
        mask = obs.instance == 3
        assert mask.sum() > 30
        shade.setdefault(on, []).append(obs)
    off, (lit, again) = shade[0.0][0], shade[1.0]
    mask = lit.instance == 3
    assert lit.rgb[mask].mean() > off.rgb[mask].mean() + 20  # the shade glows
    assert np.array_equal(lit.instance, off.instance) and np.array_equal(lit.depth, off.depth)  # light changes RGB only
    assert np.array_equal(lit.instance, again.instance) and np.array_equal(lit.depth, again.depth)
    assert np.abs(lit.rgb.astype(int) - again.rgb.astype(int)).mean() < 2.0


def test_colour_names_hold_in_the_render():
    """Boxes of every colour a question may name, in daylight with the default look (auto exposure,
    view transform): each chromatic one keeps its hue (within 18°) and some saturation, and white,
    grey and black stay colourless, light to dark. (AgX, for one, washes pink and beige out to grey.)"""
    import colorsys

    from simgen.scene.assets import COLORS

    names = list(COLORS)
    boxes = [box(k + 1, (3.0, 1.25 - 0.5 * (k % 6), 1.55 - 0.5 * (k // 6)), (0.05, 0.2, 0.2), rgba=(*COLORS[n], 1.0))
             for k, n in enumerate(names)]  # two rows of six facing the camera, close enough to share the light
    spec = scene(boxes, room=rect_room(8.0, 8.0, 3.0))
    K = CameraIntrinsics(160, 80, 80.0, 80.0, 80.0, 40.0)
    T = look_at([0.0, 0.0, 1.3], [3.0, 0.0, 1.3])
    with BlenderRenderer(Look(preset="preview", time_of_day="day", hdri="interior.exr", threads=1)) as r:
        r.load(spec, K)
        obs = r.render(tuple(ObjectState(o.object_id, o.pose) for o in spec.objects), T)
    seen = {}
    for k, name in enumerate(names):
        rows, cols = np.nonzero(obs.instance == k + 1)
        assert rows.size > 40, name
        inner = (abs(rows - rows.mean()) < 3) & (abs(cols - cols.mean()) < 3)  # away from the bevelled edges
        seen[name] = obs.rgb[rows[inner], cols[inner]].mean(0) / 255.0
    for name, rgb in seen.items():
        h, s, v = colorsys.rgb_to_hsv(*rgb)
        h0, s0, v0 = colorsys.rgb_to_hsv(*COLORS[name])
        if s0 > 0.3:
            assert min(abs(h - h0), 1 - abs(h - h0)) < 0.05 and s > 0.25, (name, (h, s, v), (h0, s0, v0))
    chroma = {name: float(np.ptp(seen[name])) for name in ("white", "grey", "black")}
    light = {name: float(seen[name].max()) for name in chroma}
    assert max(chroma.values()) < 0.15, chroma
    assert light["white"] > 0.6 and light["white"] > light["grey"] + 0.1 > light["black"] + 0.3, light
