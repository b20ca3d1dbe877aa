"""Categories a viewer could confuse look different (issue 13, judged by eye: a white capped bottle
beside a white jar-like vase was misnamed): bottles and vases share no colour and no body shape;
teddy bears and bunny figurines share no colour."""
from dataclasses import replace

import numpy as np
import pytest

from simgen.geometry import look_at, quat_from_yaw
from simgen.registry import SIMULATORS
from simgen.scene.catalogue import asset, instantiate
from simgen.seeding import rng
from simgen.types import CameraIntrinsics, ObjectSpec, Pose, RoomSpec, SceneSpec


def bodies(category, n=200):
    """(colour, body height / body width) of ``n`` instances of every shape variant at full colour and size
    variation."""
    out = []
    for variant in asset(category).variant_names() or [None]:
        for s in range(n):
            inst = instantiate(asset(category), rng(s, 0, 0, f"lookalike/{category}"), 1.0, size_variation=1.0,
                               variant=variant)
            body = inst.parts[0]  # the first part is the body (cylinder, box or ball): size = (r, r, half height)
            out.append((inst.color, body.size[2] / body.size[0]))  # (2·half height) / (2·r)
    return out


def test_bottles_and_vases_share_no_colour_and_no_body_proportions():
    bottles, vases = bodies("bottle"), bodies("vase")
    assert {c for c, _ in bottles}.isdisjoint({c for c, _ in vases})
    assert min(a for _, a in bottles) >= 2.25 > 1.43 >= max(a for _, a in vases)


@pytest.mark.parametrize("category", ["bottle", "vase"])
def test_both_still_vary(category):
    shapes = bodies(category, 50)
    assert len({c for c, _ in shapes}) >= 3 and max(a for _, a in shapes) - min(a for _, a in shapes) > 0.3


def test_teddy_bears_and_bunny_figurines_share_no_colour():
    """Judged by eye: a white teddy bear and a white bunny figurine, both ~15 cm, are the same pale
    blob at 320×240; their shapes cannot tell them apart there, so their colours must."""
    bears = {inst_color for inst_color, _ in colours("teddy bear")}
    bunnies = {inst_color for inst_color, _ in colours("bunny figurine")}
    assert len(bears) >= 3 and len(bunnies) >= 3
    assert bears.isdisjoint(bunnies), bears & bunnies


def colours(category, n=200):
    """(colour name, mean RGB) of ``n`` instances at full colour variation."""
    out = []
    for s in range(n):
        inst = instantiate(asset(category), rng(s, 0, 0, f"lookalike/{category}"), 1.0)
        out.append((inst.color, np.mean([p.rgba[:3] for p in inst.parts], axis=0)))
    return out


def test_every_teddy_bear_looks_unlike_every_bunny_figurine_in_a_render():
    """One bear and one bunny per colour of their palettes on a floor, rendered at 320×240 from 1.5 m
    (pybullet): the mean colour of each one's pixels (its instance mask) differs from every object
    of the other category by more than two objects of one colour differ (their shading alone)."""
    pairs = [("teddy bear", c) for c in asset("teddy bear").colors] + [("bunny figurine", c)
                                                                        for c in asset("bunny figurine").colors]
    pairs.append(("teddy bear", "white"))  # the judged case, for scale: a white bear beside the white bunny
    objects = []
    for j, (category, colour) in enumerate(pairs):
        inst = instantiate(replace(asset(category), colors=(colour,)), np.random.default_rng(j), 0.0)
        x, y = 0.8 + 0.45 * (j % 5), 1.8 + 0.5 * (j // 5)
        objects.append(ObjectSpec(j + 1, f"o{j}", category, colour, inst.half_extents,
                                  Pose((x, y, inst.half_extents[2] + 0.002), quat_from_yaw(-np.pi / 2)), inst.parts))
    spec = SceneSpec("lineup", 0, RoomSpec(((0, 0), (4, 0), (4, 4), (0, 4)), 2.8), tuple(objects))
    with SIMULATORS.build({"name": "pybullet"}) as sim:
        sim.load(spec)
        obs = sim.render(look_at((1.7, 0.6, 1.0), (1.7, 2.0, 0.1)), CameraIntrinsics.from_vfov(320, 240, 60.0))
    mean = {}
    for j, key in enumerate(pairs):
        mask = obs.instance == j + 1
        assert mask.sum() >= 20, f"{key} hardly in view"
        mean[key] = obs.rgb[..., :3][mask].mean(axis=0)
    twins = np.linalg.norm(mean[("teddy bear", "white")] - mean[("bunny figurine", "white")])
    closest = min(np.linalg.norm(mean[("teddy bear", b)] - mean[("bunny figurine", c)])
                  for b in asset("teddy bear").colors for c in asset("bunny figurine").colors)
    assert closest > 3 * max(twins, 10.0), (closest, twins)
