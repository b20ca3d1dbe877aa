"""The seeded look (no Blender needed): same scene + look → the same materials and lights, another
seed → another look; every material family of the issue is reachable; lights have plausible colour
temperatures; the look is recorded in ``complexity``. Blender-side: every family builds a material."""
from __future__ import annotations

import numpy as np
import pytest

from sim_scenes import box, cylinder, rect_room, scene, sphere, table
from simgen.renderers.appearance import (FAMILIES, ROUGHNESS, WOOD_FINISHES, WOOD_SPECIES, draw_appearance,
                                         with_look)
from simgen.renderers.camera_effects import kelvin_rgb, srgb_to_linear
from simgen.renderers.look import Look
from simgen.scene.procedural import ProceduralBuilder, ProceduralConfig
from simgen.types import ObjectSpec, Part, Pose

ISSUE_FAMILIES = {"wood", "fabric", "leather", "paint", "plaster", "wallpaper", "tiles", "carpet", "metal",
                  "ceramic", "glass", "plastic"}


def lamp(object_id: int) -> ObjectSpec:
    shade = Part("cylinder", (0.2, 0.2, 0.15), Pose((0.0, 0.0, 0.6)), (0.9, 0.2, 0.2, 1.0))
    pole = Part("cylinder", (0.02, 0.02, 0.6), Pose((0.0, 0.0, -0.1)), (0.2, 0.2, 0.2, 1.0))
    return ObjectSpec(object_id, f"lamp_{object_id}", "lamp", "red", (0.2, 0.2, 0.75),
                      Pose((1.0, 1.0, 0.75)), parts=(shade, pole))


def spec_with(*extra):
    return scene([table(1, (1.0, 0.5)), sphere(2, (2.0, -0.3, 0.15), 0.15), cylinder(3, (1.0, 0.5, 0.85), 0.04, 0.15),
                  box(4, (1.0, -1.2, 0.3), (0.3, 0.2, 0.3)), *extra], room=rect_room(6.0, 5.0, 2.8))


def test_same_seed_same_look_other_seed_other_look():
    spec = spec_with()
    a, b = draw_appearance(spec, Look(), []), draw_appearance(spec, Look(), [])
    assert repr(a) == repr(b)
    other = draw_appearance(spec, Look(seed=1), [])
    assert repr(a["objects"]) != repr(other["objects"])
    assert (a["hdri"], a["ceiling"], a["floor"]) != (other["hdri"], other["ceiling"], other["floor"])


def test_adding_an_object_keeps_the_others_materials():
    a = draw_appearance(spec_with(), Look(), [])
    b = draw_appearance(spec_with(box(9, (3.0, 2.0, 0.2), (0.2, 0.2, 0.2))), Look(), [])
    assert all(a["objects"][k] == b["objects"][k] for k in a["objects"])


def test_colour_and_roughness_vary_per_object_by_the_jitter_knobs():
    """Without jitter a part's colour is its display colour in linear light; with jitter two looks of the
    same part differ, within the knob's relative range of brightness."""
    spec = spec_with()
    still = draw_appearance(spec, Look(color_jitter=0.0, saturation=1.0), [])["objects"][4][0]
    assert np.allclose(still["color"], srgb_to_linear(spec.objects[3].parts[0].rgba[:3]), atol=1e-6)
    colours, roughs = [], []
    for seed in range(12):
        mat = draw_appearance(spec, Look(seed=seed, color_jitter=0.1), [])["objects"][4][0]
        colours.append(max(mat["color"]))
        roughs.append(mat["roughness"])
    assert len(set(colours)) == 12 and len(set(roughs)) == 12
    base = max(srgb_to_linear(spec.objects[3].parts[0].rgba[:3]))
    assert all(abs(c / base - 1) < 0.3 for c in colours)  # ±10% in display value ≈ ±25% linear


def test_every_issue_family_is_drawn_and_built_by_the_worker():
    from simgen.renderers import blender_materials

    assert set(ROUGHNESS) == ISSUE_FAMILIES == set(blender_materials.FAMILIES)
    seen, variants, rugs = set(), set(), 0
    builder = ProceduralBuilder(ProceduralConfig())
    for index in range(6):
        spec = builder.build(0, 0, index)
        for look_seed in range(3):
            look = draw_appearance(spec, Look(seed=look_seed), [])
            seen.add(look["floor"]["family"])
            rugs += "rug" in look["floor"]
            seen.add(look["drawn"]["walls"])
            for mats in look["objects"].values():
                seen.update(m["family"] for m in mats)
                variants.update(m["variant"] for m in mats if "variant" in m)
    assert seen == ISSUE_FAMILIES, ISSUE_FAMILIES - seen
    assert 0 < rugs < 18
    assert any("/" in v for v in variants)  # wood species/finish
    assert {"polished", "brushed"} & variants


def test_wood_species_and_finishes():
    g = np.random.default_rng(0)
    from simgen.renderers.appearance import _material

    mats = [_material(g, "wood", (0.5, 0.3, 0.15), Look(roughness_jitter=0.0)) for _ in range(60)]
    assert {m["variant"].split("/")[0] for m in mats} == set(WOOD_SPECIES)
    assert {m["variant"].split("/")[1] for m in mats} == set(WOOD_FINISHES)
    for m in mats:
        (lo, hi), coat = WOOD_FINISHES[m["variant"].split("/")[1]]
        assert lo <= m["roughness"] <= hi and m["coat"] == coat
    lacquered = [m["roughness"] for m in mats if m["variant"].endswith("lacquered")]
    oiled = [m["roughness"] for m in mats if m["variant"].endswith("oiled")]
    assert max(lacquered) < min(oiled)


def test_lamps_glow_warm_at_night_and_the_ceiling_light_has_a_plausible_temperature():
    spec = spec_with(lamp(7))
    night = draw_appearance(spec, Look(time_of_day="night"), [])
    shade, pole = night["objects"][7]
    assert shade["emission"] > 0 and "emission" not in pole
    r, g, b = shade["emission_rgb"]
    assert r > g > b  # a 2400–3200 K bulb through a red shade: warm
    day = draw_appearance(spec, Look(time_of_day="day", lamp_on_probability_day=0.0), [])
    assert "emission" not in day["objects"][7][0] and not day["night"]
    assert draw_appearance(spec, Look(time_of_day="day", lamp_on_probability_day=1.0), [])["drawn"]["lamps_on"]
    for look in (night, day):
        r, g, b = look["ceiling"]["rgb"]
        assert r == 1.0 and r >= g >= b  # 2300–5000 K: warm to neutral white, never blue
        assert np.allclose(look["ceiling_material"]["fixture"]["rgb"], look["ceiling"]["rgb"])
    assert kelvin_rgb(2700.0)[2] < kelvin_rgb(5000.0)[2] < 1.0 and np.allclose(kelvin_rgb(6600.0), 1.0, atol=0.02)
    assert night["hdri"]["name"] == "night.exr" and night["hdri"]["strength"] < 0.2 and "sun" not in night


def test_the_look_is_recorded_in_complexity():
    spec = spec_with()
    recorded = with_look(spec, Look(seed=3), camera={"exposure_ev": 0.5})
    look = recorded.complexity["look"]
    assert look["seed"] == 3 and look["preset"] == "default" and look["ceiling_kelvin"] == [2700.0, 5000.0]
    assert look["drawn"] == draw_appearance(spec, Look(seed=3), [])["drawn"]
    assert recorded.complexity["camera_effects"] == {"exposure_ev": 0.5}
    assert "threads" not in look and spec.complexity == {}  # the input spec is not changed


def test_window_draws_come_last_so_the_record_matches_the_render():
    from simgen.renderers.payload import scene_message
    from simgen.types import CameraIntrinsics

    spec = spec_with(lamp(7))
    for seed in range(4):
        msg = scene_message(spec, CameraIntrinsics(16, 12, 10.0, 10.0, 8.0, 6.0), Look(seed=seed))
        assert msg["look"]["drawn"] == with_look(spec, Look(seed=seed)).complexity["look"]["drawn"]


@pytest.mark.parametrize("bad, key", [({"rug_probability": 1.5}, "rug_probability"),
                                      ({"lamp_kelvin": (3000.0, 2000.0)}, "lamp_kelvin"),
                                      ({"lamp_emission": -1.0}, "lamp_emission"),
                                      ({"saturation": 0.2}, "saturation")])
def test_bad_look_knobs_are_named(bad, key):
    with pytest.raises(ValueError, match=rf"look\.{key}"):
        Look(**bad).validate()


def test_saturation_mutes_a_colour_but_keeps_its_hue():
    import colorsys

    from simgen.renderers.camera_effects import linear_to_srgb

    spec = spec_with()
    red = spec.objects[3].parts[0].rgba[:3]
    muted = draw_appearance(spec, Look(color_jitter=0.0, saturation=0.8), [])["objects"][4][0]["color"]
    h, s, v = colorsys.rgb_to_hsv(*(float(c) for c in linear_to_srgb(np.asarray(muted))))
    h0, s0, v0 = colorsys.rgb_to_hsv(*red)
    assert abs(h - h0) < 1e-3 and abs(s - 0.8 * s0) < 1e-3 and abs(v - v0) < 1e-3
