"""Seeded appearance draws: a material per part, the room's finishes, the window, lights and sky.

Each object draws from its own stream (``seeding.rng(spec.seed, stage="look/<scene>/<look seed>/<id>")``)
so adding an object never changes another's look; the room and lights draw from the scene's stream.
Colours stay close to the part's colour (its name is what questions use): only brightness and
saturation move by ``Look.color_jitter``. Part colours are display (sRGB) values, as pybullet shows
them; Blender's shaders take linear values, so they are converted here (else red renders pink).
"""
from __future__ import annotations

import colorsys
import math

import numpy as np

from simgen.renderers.look import HDRI_NIGHT, HDRIS_DAY, Look
from simgen.scene.assets import TRIM
from simgen.seeding import rng
from simgen.simulators.room_geometry import CEILING_RGBA
from simgen.types import ObjectSpec, SceneSpec

# Category → material families the object's main parts draw from (thin dark trim parts become metal).
FAMILIES: dict[str, tuple[str, ...]] = {
    "table": ("wood",), "shelf": ("wood",), "stool": ("wood", "metal", "plastic"),
    "chair": ("wood", "fabric", "plastic", "leather"), "sofa": ("fabric", "leather"), "bed": ("fabric",),
    "cabinet": ("wood", "paint", "plastic"), "lamp": ("fabric", "ceramic", "metal"), "plant": ("plastic",),
    "tv": ("plastic",), "partition": ("fabric", "paint"), "pillar": ("plaster", "paint"),
    "box": ("paint",), "ball": ("plastic", "leather"), "mug": ("ceramic",), "bottle": ("glass", "plastic"),
    "book": ("fabric", "plastic"), "vase": ("ceramic", "glass"), "laptop": ("metal", "plastic"),
    "toy duck": ("plastic",), "teddy bear": ("fabric",), "bunny figurine": ("ceramic",),
}
ROUGHNESS: dict[str, tuple[float, float]] = {
    "wood": (0.35, 0.7), "fabric": (0.8, 1.0), "leather": (0.35, 0.6), "paint": (0.5, 0.85),
    "plaster": (0.8, 1.0), "wallpaper": (0.6, 0.9), "tiles": (0.08, 0.35), "carpet": (0.9, 1.0),
    "metal": (0.2, 0.45), "ceramic": (0.05, 0.2), "glass": (0.0, 0.05), "plastic": (0.25, 0.55),
}
SECOND_SHADE = {"wood": 0.6, "paint": 0.93, "plaster": 0.9}  # the pattern's darker colour, relative
UNWOODLIKE = ("white", "black", "grey")
SCALE: dict[str, tuple[float, float]] = {  # texture cycles per metre
    "wood": (1.0, 2.0), "tiles": (1.7, 3.3), "wallpaper": (1.0, 2.5),
}


def draw_appearance(spec: SceneSpec, look: Look, walls: list[dict]) -> dict:
    """Materials and lights for ``spec``; ``walls`` (from the payload) get their finish and maybe the window."""
    look.validate()
    g = rng(spec.seed, stage=f"look/{spec.scene_id}/{look.seed}")
    night = look.time_of_day == "night" or (look.time_of_day == "random" and g.random() < look.night_probability)
    room = spec.room
    wall_family = str(g.choice(["paint", "paint", "plaster", "wallpaper"]))
    wall = _material(g, wall_family, room.wall_rgba[:3], look)
    if wall_family == "wallpaper":
        wall["color2"] = _shift(wall["color"], 0.85)
    floor = _material(g, str(g.choice(["wood", "tiles", "carpet"])), room.floor_rgba[:3], look)
    floor["planks"] = floor["family"] == "wood"
    ceiling = _material(g, "paint", CEILING_RGBA[:3], look)
    hdri = HDRI_NIGHT if night else (look.hdri if look.hdri != "random" else str(g.choice(HDRIS_DAY)))
    strength = look.hdri_strength_night if night else look.hdri_strength_day
    out = {
        "seed": int(g.integers(0, 2**31 - 1)), "night": bool(night), "exposure": look.exposure,
        "view_transform": look.view_transform, "window_glow": look.window_glow * (0.3 if night else 1.0),
        "hdri": {"name": hdri, "strength": float(g.uniform(*strength)), "rotation": float(g.uniform(0, 2 * math.pi))},
        "floor": floor, "ceiling_material": ceiling,
        "ceiling": {"position": _ceiling_spot(room), "size": (0.6, 0.6),
                    "power": float(g.uniform(*(look.ceiling_power_night if night else look.ceiling_power_day))),
                    "rgb": kelvin_rgb(float(g.uniform(*look.ceiling_kelvin)) * (0.85 if night else 1.0))},
    }
    for w in walls:
        w["material"] = dict(wall)
    if look.window and walls:
        _window(g, out, walls, room.height, night, look)
    out["objects"] = {o.object_id: _object_materials(spec, o, look, night) for o in spec.objects}
    return out


def _object_materials(spec: SceneSpec, obj: ObjectSpec, look: Look, night: bool) -> list[dict]:
    g = rng(spec.seed, stage=f"look/{spec.scene_id}/{look.seed}/{obj.object_id}")
    family = str(g.choice(FAMILIES.get(obj.category, ("plastic",))))
    if family == "wood" and obj.color in UNWOODLIKE:
        family = "paint"  # white, black and grey furniture is painted or lacquered, not bare wood
    shared = {}  # parts of one colour share one drawn material (a chair's legs match its seat)
    mats = []
    for k, part in enumerate(obj.parts):
        fam = "metal" if tuple(part.rgba) == TRIM else family
        key = (fam, tuple(part.rgba))
        if key not in shared:
            shared[key] = _material(g, fam, part.rgba[:3], look)
        mat = dict(shared[key])
        if night and obj.category == "lamp" and k == _largest_part(obj):
            mat["emission"] = look.lamp_emission_night
        mats.append(mat)
    return mats


def _material(g: np.random.Generator, family: str, rgb, look: Look) -> dict:
    lo, hi = ROUGHNESS[family]
    rough = float(np.clip(g.uniform(lo, hi) + g.uniform(-1, 1) * look.roughness_jitter * (hi - lo), 0.0, 1.0))
    h, s, v = colorsys.rgb_to_hsv(*(float(c) for c in rgb))
    s = float(np.clip(s * (1 + g.uniform(-1, 1) * look.color_jitter), 0, 1))
    v = float(np.clip(v * (1 + g.uniform(-1, 1) * look.color_jitter), 0, 1))
    color = tuple(srgb_to_linear(c) for c in colorsys.hsv_to_rgb(h, s, v))
    out = {"family": family, "color": color, "color2": _shift(color, SECOND_SHADE.get(family, 0.8)),
           "roughness": rough, "offset": tuple(float(x) for x in g.uniform(-50, 50, 3)),
           "scale": float(g.uniform(*SCALE.get(family, (1.0, 1.0))))}
    return out


def _shift(rgb, factor: float) -> tuple[float, float, float]:
    return tuple(float(np.clip(c * factor, 0.0, 1.0)) for c in rgb)


def _largest_part(obj: ObjectSpec) -> int:
    return int(np.argmax([np.prod(p.size) for p in obj.parts]))


def _ceiling_spot(room) -> tuple[float, float, float]:
    from simgen.geometry import points_in_polygon

    poly = np.asarray(room.footprint, dtype=float)
    c = poly.mean(axis=0)
    if not points_in_polygon(c[None], poly)[0]:  # an L-shaped room: use its first vertex's nearer half
        c = (poly[0] + c) / 2
    return (float(c[0]), float(c[1]), float(room.height - 0.02))


def _window(g, out: dict, walls: list[dict], height: float, night: bool, look: Look) -> None:
    """A window on the longest wall, a portal light over it, and (by day) a sun shining in through it."""
    k = int(np.argmax([w["half"][0] for w in walls]))
    wall = walls[k]
    length = 2.0 * wall["half"][0] - 0.2
    width = float(min(1.8, 0.45 * length))
    x = float(g.uniform(-1, 1) * (length - width) / 2 * 0.8)
    sill, top = 0.9 - height / 2, min(2.2, height - 0.3) - height / 2
    wall["material"]["window"] = (x - width / 2, x + width / 2, sill, top)
    T = np.asarray(wall["matrix"], dtype=float)
    along, outward = T[:3, 0], -T[:3, 1]  # walls (yaw of the CCW edge): local x along it, local y into the room
    centre = T[:3, 3] + along * x + np.array([0.0, 0.0, (sill + top) / 2]) - outward * wall["half"][1]
    portal = np.eye(4)
    portal[:3, 0], portal[:3, 1], portal[:3, 2], portal[:3, 3] = along, np.cross(outward, along), outward, centre
    out["portal"] = {"matrix": portal, "size": (width, top - sill)}
    if night:
        return
    a = g.uniform(-0.6, 0.6)
    e = math.radians(g.uniform(*look.sun_elevation_deg))
    inward = -outward
    c, s = math.cos(a), math.sin(a)
    horiz = np.array([c * inward[0] - s * inward[1], s * inward[0] + c * inward[1]])  # inward turned by a
    out["sun"] = {"direction": (float(math.cos(e) * horiz[0]), float(math.cos(e) * horiz[1]), float(-math.sin(e))),
                  "strength": float(g.uniform(*look.sun_strength)), "angle": math.radians(1.0),
                  "rgb": kelvin_rgb(5800.0)}


def srgb_to_linear(c: float) -> float:
    """One sRGB-encoded channel value (0..1) as linear light."""
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def kelvin_rgb(kelvin: float) -> tuple[float, float, float]:
    """Approximate RGB (max 1) of a black body at ``kelvin`` (Tanner Helland's fit, 1000–40000 K)."""
    t = min(max(kelvin, 1000.0), 40000.0) / 100.0
    r = 255.0 if t <= 66 else 329.698727446 * (t - 60) ** -0.1332047592
    gr = 99.4708025861 * math.log(t) - 161.1195681661 if t <= 66 else 288.1221695283 * (t - 60) ** -0.0755148492
    b = 255.0 if t >= 66 else (0.0 if t <= 19 else 138.5177312231 * math.log(t - 10) - 305.0447927307)
    rgb = np.clip([r, gr, b], 0.0, 255.0) / 255.0
    return tuple(float(c) for c in rgb / rgb.max())
