"""Room types of the procedural scene (issue 18): ``scene.room_type`` picks the category mix.

``classic`` (the default) must build byte-identical SceneSpecs to the builder before room types
existed; every other type builds seeded scenes of its own categories whose parts do not
interpenetrate (checked by pybullet's own collision query on the unsettled scene) and whose small
objects settle by less than 1 cm in pybullet.
"""
import dataclasses
import hashlib
import itertools
import json

import numpy as np
import pytest

from simgen.registry import ConfigError, parse_config
from simgen.scene.assets_rooms import LOOKALIKES, ROOM_TYPE_NAMES, ROOM_TYPES
from simgen.scene.catalogue import CATALOGUE, CLASSIC, instantiate
from simgen.scene.dressing import ABOVE_GAP
from simgen.scene.layout import CEILING_GAP, WALL_MOUNT_CENTRE
from simgen.scene.procedural import ProceduralBuilder, ProceduralConfig, rebuild
from simgen.simulators import mujoco_gl
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator
from simgen.simulators.pybullet_build import build_object
from simgen.seeding import rng
from simgen.types import ObjectSpec, Pose, RoomSpec, SceneSpec

TYPES = [t for t in ROOM_TYPE_NAMES if t != "classic"]
# sha256 of the sorted, indented SceneSpec JSON (scene.from_file.save_scene's format) built by the code
# before room types existed: commit 282bec6 with the scene/layout.py of 2026-12-06 13:31 UTC (a placement change
# then in progress: no small objects on surfaces above 1.3 m, none under 12 cm on the floor; it moves seeds 7 and
# 5 (L) of these), then the placement rule that keeps a small thing under 20 cm within reach of the walkable floor
# (issue 13, layout.REACH_SIZE_M; moves seeds 0, 7, 3, 5 and 2 of these). Regenerate only when a change to placement
# is meant to move classic scenes.
CLASSIC_SCENES = [
    ({}, 0, "2c3bb596ef0d65521c20c650fbf6a9f85568252b9cfb987be311d60905f393b1"),
    ({}, 1, "96e5c1120e7333554ffe80c0e9c77343d1e3d26a03fb29d9aaae1ac97e58a421"),
    ({}, 7, "52a7ba3f1346e0d588b33901e5f156abdb6b68522cd6c8668b1cbef3db90a2a7"),
    ({"num_objects": 24, "room_width": 7.0, "room_depth": 6.0}, 3,
     "b3b9e5aadb01c0995b02345202df57cf7fae451185fc772257f002a8f8cf447b"),
    ({"room_shape": "L", "num_occluders": 1}, 5, "8f39e6e32aaa61077d43f68c828aface598f88bf1cdbee9ae93f1dc4437d74d3"),
    ({"categories": ["table", "chair", "mug", "book"]}, 2,
     "43b7ea5ffa7b942a3720e19febfe78cf1cb7a4fae19b3c592816ae9ac00df214"),
]


def build(seed=0, **knobs):
    return ProceduralBuilder(parse_config(ProceduralConfig, knobs, "scene")).build(seed, 0, 0)


def scene_hash(spec) -> str:
    return hashlib.sha256((json.dumps(spec.to_dict(), sort_keys=True, indent=2) + "\n").encode()).hexdigest()


@pytest.mark.parametrize("knobs,seed,digest", CLASSIC_SCENES)
def test_classic_is_byte_identical_to_the_scenes_before_room_types(knobs, seed, digest):
    spec = build(seed, **knobs)
    assert "room_type" not in spec.complexity
    assert scene_hash(spec) == digest
    assert scene_hash(build(seed, room_type="classic", **knobs)) == digest


def test_classic_draws_from_the_original_categories_only():
    assert CLASSIC[:2] == ("table", "chair") and len(CLASSIC) == 22
    cats = {o.category for s in range(4) for o in build(s, num_objects=20).objects}
    assert cats <= set(CLASSIC)


def test_no_room_type_holds_two_lookalikes():
    for name, room in ROOM_TYPES.items():
        assert room.categories() <= set(CATALOGUE), name
        for group in LOOKALIKES:
            assert len(group & room.categories()) <= 1, f"{name} holds lookalikes {group & room.categories()}"


@pytest.mark.parametrize("room_type", TYPES)
def test_room_type_scene_holds_its_core_and_only_its_categories(room_type):
    room = ROOM_TYPES[room_type]
    for seed in range(3):
        spec = build(seed, room_type=room_type)
        cats = [o.category for o in spec.objects]
        assert set(cats) <= room.categories()
        cats = ["kitchen counter" if c == "kitchen island" else c for c in cats]  # an island: a counter standing free
        for category, low, high in room.core:
            assert low <= cats.count(category) <= max(high, spec.complexity["num_furniture"]), category
        assert spec.complexity["room_type"] == room_type
    assert build(4, room_type=room_type) == build(4, room_type=room_type)  # seeded
    assert rebuild(build(4, room_type=room_type)) == build(4, room_type=room_type)


def test_mounted_pieces_hang_on_the_wall_and_from_the_ceiling():
    seen = set()
    for room_type, seed in itertools.product(("living", "bedroom", "dining", "bathroom"), range(6)):
        spec = build(seed, room_type=room_type, num_furniture=7, room_width=6.0, room_depth=5.0)
        for obj in spec.objects:
            mount = CATALOGUE[obj.category].mount
            z, hz = obj.pose.position[2], obj.half_extents[2]
            if mount == "wall":  # at eye level, under the ceiling, or just clear of the piece it hangs above
                above = [o for o in spec.objects if o is not obj and CATALOGUE[o.category].mount == "floor" and
                         z - hz == pytest.approx(o.pose.position[2] + o.half_extents[2] + ABOVE_GAP)]
                assert WALL_MOUNT_CENTRE[0] - 1e-9 <= z <= WALL_MOUNT_CENTRE[1] + 1e-9 or above or \
                    z + hz == pytest.approx(spec.room.height - CEILING_GAP), obj.name
            elif mount == "ceiling":  # out of a walker's way, unless it hangs over a table (dressing.LAMP_OVER)
                over = [o for o in spec.objects if o.category in ("dining table", "coffee table", "table") and
                        np.allclose(o.pose.position[:2], obj.pose.position[:2])]
                assert z + hz == pytest.approx(spec.room.height) and (z - hz > 1.5 or over), obj.name
            else:
                continue
            seen.add(mount)
    assert seen == {"wall", "ceiling"}


def test_categories_knob_is_for_the_classic_mix_only():
    with pytest.raises(ConfigError, match="scene.categories.*room_type=classic only"):
        parse_config(ProceduralConfig, {"room_type": "kitchen", "categories": ["mug"]}, "scene").validate()
    with pytest.raises(ConfigError, match="scene.room_type"):
        parse_config(ProceduralConfig, {"room_type": "garage"}, "scene")


def penetrations(spec, tolerance=1e-3):
    """Pairs of objects whose parts overlap by more than ``tolerance`` at their built poses (pybullet query)."""
    import pybullet as p

    client = p.connect(p.DIRECT)
    try:
        uids = [build_object(p, client, obj) for obj in spec.objects]
        bad = []
        for (a, oa), (b, ob) in itertools.combinations(zip(uids, spec.objects), 2):
            pts = p.getClosestPoints(a, b, distance=0.0, physicsClientId=client)
            depth = min((pt[8] for pt in pts), default=0.0)
            if depth < -tolerance:
                bad.append((oa.name, ob.name, round(depth, 4)))
        return bad
    finally:
        p.disconnect(client)


def test_the_penetration_check_finds_an_overlap():
    """The check itself: a small object moved 2 cm down into its support is reported."""
    spec = build(0, room_type="kitchen")
    i = next(k for k, o in enumerate(spec.objects) if o.support is not None)
    obj = spec.objects[i]
    sunk = dataclasses.replace(obj, pose=Pose(tuple(np.subtract(obj.pose.position, (0.0, 0.0, 0.02))),
                                              obj.pose.quat_wxyz))
    bad = penetrations(dataclasses.replace(spec, objects=spec.objects[:i] + (sunk,) + spec.objects[i + 1:]))
    assert [b[:2] for b in bad] == [tuple(sorted((obj.name, spec.objects[obj.support - 1].name),
                                                  key=[o.name for o in spec.objects].index))]


@pytest.mark.parametrize("room_type", TYPES)
def test_room_type_scene_has_no_interpenetration_and_settles(room_type):
    sim = PybulletSimulator(PybulletConfig(renderer="tiny"))
    try:
        for seed in range(2):
            spec = build(seed, room_type=room_type)
            assert not penetrations(spec), f"{room_type} seed {seed}"
            states = sim.load(spec)
            for obj, state in zip(spec.objects, states):
                if obj.mass > 0:
                    moved = np.linalg.norm(np.subtract(state.pose.position, obj.pose.position))
                    assert moved < 0.01, f"{room_type} seed {seed}: {obj.name} moved {moved:.3f} m while settling"
    finally:
        sim.close()


@pytest.mark.skipif(mujoco_gl.unavailable_reason() is not None, reason=str(mujoco_gl.unavailable_reason()))
def test_room_type_scenes_settle_in_mujoco_too():
    """The other physics backend agrees: small objects of every room type settle by less than 1 cm."""
    from simgen.simulators.mujoco import MujocoConfig, MujocoSimulator

    sim = MujocoSimulator(MujocoConfig(quality="fast"))
    try:
        for room_type in TYPES:
            spec = build(1, room_type=room_type)
            for obj, state in zip(spec.objects, sim.load(spec)):
                if obj.mass > 0:
                    moved = np.linalg.norm(np.subtract(state.pose.position, obj.pose.position))
                    assert moved < 0.01, f"{room_type}: {obj.name} moved {moved:.3f} m while settling in MuJoCo"
    finally:
        sim.close()


STANDING = [c for c, a in CATALOGUE.items() if a.kind == "small" and c != "teddy bear"]  # the bear leans 2 cm


def test_every_small_variant_stands_still_alone_on_the_floor():
    """Each small category's every shape variant (two seeds, full size variation), dropped 1.5 mm onto the
    floor alone, settles by less than 1 cm in pybullet: no overhang tips it over, no round bottom rolls."""
    room = RoomSpec(((-3.0, -3.0), (3.0, -3.0), (3.0, 3.0), (-3.0, 3.0)), 2.6)
    sim = PybulletSimulator(PybulletConfig(renderer="tiny"))
    moved = {}
    try:
        for category in STANDING:
            item = CATALOGUE[category]
            for variant, seed in itertools.product(item.variant_names() or [None], range(2)):
                inst = instantiate(item, rng(seed, 0, 0, "stand"), 1.0, 2.6, 0.3, variant)
                obj = ObjectSpec(1, "x", category, inst.color, inst.half_extents,
                                 Pose((0.0, 0.0, inst.half_extents[2] + 0.0015)), inst.parts, inst.mass, "small")
                (state,) = sim.load(SceneSpec("stand", 0, room, (obj,)))
                moved[(category, variant, seed)] = float(np.linalg.norm(np.subtract(state.pose.position,
                                                                                    obj.pose.position)))
    finally:
        sim.close()
    assert len(moved) >= 180
    assert not {k: round(v, 3) for k, v in moved.items() if v >= 0.01}
