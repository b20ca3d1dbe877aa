"""Seeded appearance draws: a material per part, the room's finishes, the window, lights and sky.

Each object draws from its own stream (``seeding.rng(spec.seed, stage="look/<scene>/<look seed>/<id>")``)
so adding an object never changes another's look; the room and lights draw from the scene's stream.
Colours stay close to the part's colour (its name is what questions use): saturation is scaled by
``Look.saturation``, then brightness and saturation move by ``Look.color_jitter``. Part colours are
display (sRGB) values, as pybullet shows them; Blender's shaders take linear values, so they are
converted here (else red renders pink).
"""
from __future__ import annotations

import colorsys
import dataclasses
import math

import numpy as np

from simgen.renderers.camera_effects import kelvin_rgb, srgb_to_linear
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
    "toy duck": ("plastic",), "teddy bear": ("fabric",), "bunny figurine": ("ceramic",), "curtain": ("fabric",),
}
ROUGHNESS: dict[str, tuple[float, float]] = {
    "wood": (0.35, 0.7), "fabric": (0.8, 1.0), "leather": (0.35, 0.6), "paint": (0.5, 0.85),
    "plaster": (0.8, 1.0), "wallpaper": (0.6, 0.9), "tiles": (0.2, 0.45), "carpet": (0.9, 1.0),
    "metal": (0.2, 0.45), "ceramic": (0.05, 0.2), "glass": (0.0, 0.05), "plastic": (0.25, 0.55),
}
SECOND_SHADE = {"paint": 0.93, "plaster": 0.9}  # the pattern's darker colour, relative
UNWOODLIKE = ("white", "black", "grey")
SCALE: dict[str, tuple[float, float]] = {  # texture cycles per metre
    "wood": (1.0, 2.0), "tiles": (1.7, 3.3), "wallpaper": (1.0, 2.5),
}
# A species is a grain (the part's colour stays: "brown table" must hold): stretch across the grain,
# noise scale, ring wobble, and the late-wood shade relative to the colour.
WOOD_SPECIES: dict[str, dict[str, float]] = {
    "oak": {"stretch": 14.0, "grain_scale": 2.0, "distortion": 1.5, "shade": 0.55},
    "walnut": {"stretch": 10.0, "grain_scale": 1.5, "distortion": 2.5, "shade": 0.5},
    "pine": {"stretch": 6.0, "grain_scale": 1.2, "distortion": 3.0, "shade": 0.5},
    "maple": {"stretch": 20.0, "grain_scale": 3.0, "distortion": 0.8, "shade": 0.8},
    "ash": {"stretch": 16.0, "grain_scale": 2.5, "distortion": 1.2, "shade": 0.6},
    "cherry": {"stretch": 18.0, "grain_scale": 2.2, "distortion": 1.0, "shade": 0.7},
}
# finish → (roughness range, clear-coat weight; a coat is a second glossy lobe to shade, so only lacquer has one)
WOOD_FINISHES: dict[str, tuple[tuple[float, float], float]] = {
    "oiled": ((0.55, 0.75), 0.0), "satin": ((0.35, 0.5), 0.0), "lacquered": ((0.12, 0.3), 0.5),
}
# weave → (pattern scale, sheen)
WEAVES: dict[str, tuple[float, float]] = {"linen": (60.0, 0.3), "wool": (25.0, 0.5), "velvet": (90.0, 0.9)}
RUG_COLOURS = ((0.45, 0.08, 0.07), (0.1, 0.14, 0.32), (0.72, 0.62, 0.48), (0.35, 0.35, 0.35), (0.15, 0.3, 0.2),
               (0.55, 0.3, 0.12))  # display values: deep red, navy, beige, grey, green, rust
GROUT = ((0.55, 0.55, 0.52), (0.85, 0.84, 0.8), (0.2, 0.2, 0.2))


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
    # a ceiling light in the middle of each room (of the house's rooms: its middle may lie in a wall)
    spots = [_ceiling_spot(r.footprint, room.height) for r in spec.rooms] or [_ceiling_spot(room.footprint, room.height)]
    spot = spots[0]
    light_rgb = kelvin_rgb(float(g.uniform(*look.ceiling_kelvin)) * (0.85 if night else 1.0))
    # the ceiling light's fixture: a panel in the ceiling's material that glows to the camera only (the
    # area light under it does the lighting), so the room's geometry and ground truth stay the same
    ceiling["fixture"] = {"rects": [(x - 0.3, x + 0.3, y - 0.3, y + 0.3) for x, y, _ in spots], "rgb": light_rgb,
                          "strength": 6.0}
    out = {
        "seed": int(g.integers(0, 2**31 - 1)), "night": bool(night),
        "view_transform": look.view_transform, "exposure_key": look.exposure_key,
        "window_glow": look.window_glow * (0.3 if night else 1.0),
        "hdri": {"name": hdri, "strength": float(g.uniform(*strength)), "rotation": float(g.uniform(0, 2 * math.pi))},
        "floor": floor, "ceiling_material": ceiling,
        "ceiling": {"positions": spots, "size": (0.6, 0.6),
                    "power": float(g.uniform(*(look.ceiling_power_night if night else look.ceiling_power_day))),
                    "rgb": light_rgb},
    }
    # a skirting board along the walls' foot: a painted band of the walls' material (no geometry)
    wall["skirting"] = {"top": -room.height / 2 + float(g.uniform(0.06, 0.12)),
                        "color": tuple(srgb_to_linear(float(g.uniform(0.8, 0.92))).item() for _ in range(3))}
    lamps_on = night or g.random() < look.lamp_on_probability_day
    if g.random() < look.rug_probability:
        floor["rug"] = _rug(g, spot, look)
    for w in walls:  # last: the window's draws depend on the walls (``with_look`` passes none)
        w["material"] = dict(wall)
    windows = [o for o in spec.openings if o.kind == "window"]
    if look.window and spec.rooms and windows:  # a house: its windows are holes; light comes in the widest
        _house_window(g, out, max(windows, key=lambda o: math.dist(o.start, o.end)), room, night, look)
    elif look.window and walls and not spec.rooms:
        _window(g, out, walls, room.height, night, look)
    out["objects"] = {o.object_id: _object_materials(spec, o, look, lamps_on) for o in spec.objects}
    out["drawn"] = {"night": bool(night), "hdri": hdri, "walls": wall_family,
                    "floor": floor.get("variant", floor["family"]), "rug": "rug" in floor, "lamps_on": bool(lamps_on)}
    return out


def with_look(spec: SceneSpec, look: Look | None = None, camera: dict | None = None) -> SceneSpec:
    """``spec`` with its look recorded in ``complexity``: ``look`` holds the knobs (ranges as drawn
    from) and ``look.drawn`` what they drew for this scene (day or night, environment map, wall and
    floor finish, rug, lamps); ``camera_effects`` the values a :class:`~simgen.renderers.camera_effects.
    CameraPipeline` drew for the episode. Sweeps and the dataset card group episodes by these."""
    complexity = dict(spec.complexity)
    if look is not None:
        knobs = {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(look).items()
                 if k != "threads"}  # threads change the speed, never the picture
        complexity["look"] = {**knobs, "drawn": draw_appearance(spec, look, [])["drawn"]}
    if camera is not None:
        complexity["camera_effects"] = dict(camera)
    return dataclasses.replace(spec, complexity=complexity)


def _object_materials(spec: SceneSpec, obj: ObjectSpec, look: Look, lamps_on: bool) -> list[dict]:
    g = rng(spec.seed, stage=f"look/{spec.scene_id}/{look.seed}/{obj.object_id}")
    family = str(g.choice(FAMILIES.get(obj.category, ("plastic",))))
    if family == "wood" and obj.color in UNWOODLIKE:
        family = "paint"  # white, black and grey furniture is painted or lacquered, not bare wood
    shared = {}  # parts of one colour share one drawn material (a chair's legs match its seat)
    mats = []
    bulb = kelvin_rgb(float(g.uniform(*look.lamp_kelvin)))
    for k, part in enumerate(obj.parts):
        fam = "metal" if tuple(part.rgba) == TRIM else family
        key = (fam, tuple(part.rgba))
        if key not in shared:
            shared[key] = _material(g, fam, part.rgba[:3], look)
        mat = dict(shared[key])
        if lamps_on and obj.category == "lamp" and k == _largest_part(obj):
            # a lit shade: the bulb's colour through the shade's (a red shade glows warm red, not white)
            mat["emission"] = look.lamp_emission
            mat["emission_rgb"] = tuple(float(b * (0.35 + 0.65 * c)) for b, c in zip(bulb, mat["color"]))
        mats.append(mat)
    return mats


def _material(g: np.random.Generator, family: str, rgb, look: Look) -> dict:
    """One material of ``family`` near display colour ``rgb``: its variant (wood species and finish,
    weave, grout...), roughness and colour jittered by the look's amounts, texture offset and scale."""
    lo, hi = ROUGHNESS[family]
    out: dict = {"family": family}
    shade = SECOND_SHADE.get(family, 0.8)
    if family == "wood":
        species, finish = str(g.choice(list(WOOD_SPECIES))), str(g.choice(list(WOOD_FINISHES)))
        (lo, hi), out["coat"] = WOOD_FINISHES[finish]
        out["variant"], out["grain"] = f"{species}/{finish}", dict(WOOD_SPECIES[species])
        shade = WOOD_SPECIES[species]["shade"]
    elif family == "fabric":
        weave = str(g.choice(list(WEAVES)))
        out["variant"], (out["pattern_scale"], out["sheen"]) = weave, WEAVES[weave]
    elif family == "carpet":
        out["pattern_scale"], out["sheen"] = float(g.uniform(60.0, 120.0)), 0.4
    elif family == "leather":
        out["pattern_scale"] = float(g.uniform(40.0, 90.0))
    elif family == "metal":
        out["variant"] = str(g.choice(["polished", "brushed"]))
    elif family == "tiles":
        out["mortar"] = tuple(srgb_to_linear(c).item() for c in GROUT[int(g.integers(len(GROUT)))])
    rough = float(np.clip(g.uniform(lo, hi) + g.uniform(-1, 1) * look.roughness_jitter * (hi - lo), 0.0, 1.0))
    h, s, v = colorsys.rgb_to_hsv(*(float(c) for c in rgb))
    s = float(np.clip(s * look.saturation * (1 + g.uniform(-1, 1) * look.color_jitter), 0, 1))
    v = float(np.clip(v * (1 + g.uniform(-1, 1) * look.color_jitter), 0, 1))
    color = tuple(srgb_to_linear(c).item() for c in colorsys.hsv_to_rgb(h, s, v))
    out.update({"color": color, "color2": _shift(color, shade), "roughness": rough,
                "offset": tuple(float(x) for x in g.uniform(-50, 50, 3)),
                "scale": float(g.uniform(*SCALE.get(family, (1.0, 1.0))))})
    return out


def _rug(g: np.random.Generator, centre, look: Look) -> dict:
    """A rug under the middle of the room: a rectangle of the floor's material (flat, so depth and ids
    stay exact) with a border, in a colour of its own."""
    half = (float(g.uniform(0.6, 1.3)), float(g.uniform(0.45, 0.9)))
    if g.random() < 0.5:
        half = half[::-1]
    cx, cy = centre[0] + g.uniform(-0.3, 0.3), centre[1] + g.uniform(-0.3, 0.3)
    base = RUG_COLOURS[int(g.integers(len(RUG_COLOURS)))]
    rug = _material(g, "carpet", base, look)
    return {"rect": (cx - half[0], cx + half[0], cy - half[1], cy + half[1]), "color": rug["color"],
            "color2": _shift(rug["color"], 0.6), "border": _shift(rug["color"], 1.6),
            "pattern_scale": rug["pattern_scale"], "roughness": rug["roughness"]}


def _shift(rgb, factor: float) -> tuple[float, float, float]:
    return tuple(float(np.clip(c * factor, 0.0, 1.0)) for c in rgb)


def _largest_part(obj: ObjectSpec) -> int:
    return int(np.argmax([np.prod(p.size) for p in obj.parts]))


def _ceiling_spot(footprint, height: float) -> tuple[float, float, float]:
    from simgen.geometry import points_in_polygon

    poly = np.asarray(footprint, dtype=float)
    c = poly.mean(axis=0)
    if not points_in_polygon(c[None], poly)[0]:  # an L-shaped room: use its first vertex's nearer half
        c = (poly[0] + c) / 2
    return (float(c[0]), float(c[1]), float(height - 0.02))


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
    _portal_and_sun(g, out, along, outward, centre, (width, top - sill), night, look)


def _house_window(g, out: dict, window, room, night: bool, look: Look) -> None:
    """A portal light over a house's window opening (on its inner face) and, by day, a sun shining in through it."""
    from simgen.geometry import points_in_polygon
    from simgen.simulators.room_geometry import WALL_THICKNESS

    start, end = np.asarray(window.start, dtype=float), np.asarray(window.end, dtype=float)
    along2 = (end - start) / np.linalg.norm(end - start)
    outward2 = np.array([along2[1], -along2[0]])
    mid = (start + end) / 2
    if points_in_polygon((mid + outward2 * WALL_THICKNESS)[None], room.footprint)[0]:
        outward2 = -outward2  # the window's wall has the house on the other side
    along, outward = np.r_[along2, 0.0], np.r_[outward2, 0.0]
    centre = np.r_[mid - outward2 * WALL_THICKNESS / 2, (window.bottom + window.top) / 2]
    _portal_and_sun(g, out, along, outward, centre, (float(np.linalg.norm(end - start)), window.top - window.bottom),
                    night, look)


def _portal_and_sun(g, out: dict, along, outward, centre, size, night: bool, look: Look) -> None:
    """The portal area light facing into the room (its local z points outward) and, by day, the sun's draw."""
    portal = np.eye(4)
    portal[:3, 0], portal[:3, 1], portal[:3, 2], portal[:3, 3] = along, np.cross(outward, along), outward, centre
    out["portal"] = {"matrix": portal, "size": (float(size[0]), float(size[1]))}
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
