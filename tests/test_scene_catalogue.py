"""The asset catalogue: true extents, object-frame conventions, colours, masses, support surfaces."""
from pathlib import Path

import numpy as np
import pybullet_data
import pytest

from simgen.geometry import quat_to_matrix
from simgen.scene.assets import COLORS, KINDS, PLACEMENTS
from simgen.scene.catalogue import CATALOGUE, asset, categories, instantiate
from simgen.seeding import rng

SEEDS = range(30)
EVERYDAY = {"table", "chair", "sofa", "bed", "shelf", "cabinet", "lamp", "plant", "tv", "box", "ball", "mug",
            "bottle", "book", "vase", "toy duck", "teddy bear", "bunny figurine"}


def obj_vertices(name: str) -> np.ndarray:
    """Vertices read straight from the OBJ file (independent of simgen's mesh loader)."""
    lines = (Path(pybullet_data.getDataPath()) / name).read_text().splitlines()
    return np.array([line.split()[1:4] for line in lines if line.startswith("v ")], dtype=float)


def part_points(part) -> np.ndarray:
    """Points on a part's surface whose bounds are the part's bounds (cylinder rims sampled every 0.5°)."""
    R, t, size = quat_to_matrix(part.offset.quat_wxyz), np.array(part.offset.position), np.array(part.size)
    if part.shape == "box":
        local = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]) * size
    elif part.shape == "cylinder":
        a = np.radians(np.arange(0.0, 360.0, 0.5))
        rim = np.column_stack([np.cos(a) * size[0], np.sin(a) * size[0], np.ones_like(a) * size[2]])
        local = np.vstack([rim, rim * [1, 1, -1]])
    elif part.shape == "sphere":
        return t + np.vstack([np.eye(3), -np.eye(3)]) * size[0]  # a sphere's bounds ignore rotation
    else:
        local = obj_vertices(part.mesh) * size
    return t + local @ R.T


def instances(category, seeds=SEEDS, variation=1.0):
    return [instantiate(asset(category), rng(s, 0, 0, f"test/{category}"), variation) for s in seeds]


def test_catalogue_covers_everyday_categories_and_kinds():
    assert EVERYDAY <= set(CATALOGUE) and len(categories("furniture") + categories("small")) >= 18
    assert categories("occluder") and all(a.kind in KINDS and a.placement in PLACEMENTS for a in CATALOGUE.values())
    assert all(a.placement == "support" for a in CATALOGUE.values() if a.kind == "small")
    with pytest.raises(KeyError, match="unknown category 'unicorn'"):
        asset("unicorn")


@pytest.mark.parametrize("category", list(CATALOGUE))
def test_half_extents_are_exactly_the_union_of_the_parts(category):
    for inst in instances(category):
        pts = np.vstack([part_points(p) for p in inst.parts])
        lo, hi = pts.min(0), pts.max(0)
        np.testing.assert_allclose((lo + hi) / 2, 0.0, atol=1e-4, err_msg=f"{category}: box not centred")
        np.testing.assert_allclose((hi - lo) / 2, inst.half_extents, atol=1e-4, err_msg=f"{category}: extents")
        assert min(inst.half_extents) > 0.004


def surface_corners(surf) -> np.ndarray:
    (x, y, _), (hx, hy) = surf.center, surf.half_size
    return np.array([[x + sx * hx, y + sy * hy] for sx in (-1, 1) for sy in (-1, 1)])


def on_top_face(surf, part) -> bool:
    """The surface rectangle lies within the top face of an unrotated box or an upright cylinder."""
    (px, py, pz), size = part.offset.position, part.size
    if part.offset.quat_wxyz != (1.0, 0.0, 0.0, 0.0) or abs(pz + size[2] - surf.center[2]) > 1e-9:
        return False
    corners = surface_corners(surf)
    if part.shape == "box":
        return bool(np.all(np.abs(corners - [px, py]) <= np.array(size[:2]) + 1e-9))
    return part.shape == "cylinder" and bool(np.all(np.hypot(*(corners - [px, py]).T) <= size[0] + 1e-9))


def blocks(surf, part) -> bool:
    """A part whose box rises above the surface's height over the surface rectangle (more than 1 mm in)."""
    lo, hi = part_points(part).min(0), part_points(part).max(0)
    corners = surface_corners(surf)
    inside = (lo[:2] < corners.max(0) - 1e-3).all() and (hi[:2] > corners.min(0) + 1e-3).all()
    return bool(inside and hi[2] > surf.center[2] + 1e-6 and lo[2] < surf.center[2] + surf.clearance - 1e-6)


@pytest.mark.parametrize("category", list(CATALOGUE))
def test_mass_colour_and_surfaces(category):
    item = asset(category)
    for inst in instances(category, range(10)):
        assert inst.color in item.colors and inst.color in COLORS
        assert (inst.mass > 0) == (item.kind == "small"), "small objects are dynamic, the rest static"
        assert bool(inst.surfaces) == item.supports
        for surf in inst.surfaces:  # each surface lies on the top face of a box or upright cylinder part
            tops = [p for p in inst.parts if on_top_face(surf, p)]
            assert tops, f"{category}: surface at z={surf.center[2]:.3f} is not on a part's top face"
            assert not [p for p in inst.parts if blocks(surf, p)], f"{category}: a part pokes up through a surface"
            assert surf.center[2] <= inst.half_extents[2] + 1e-9
            if np.isfinite(surf.clearance):  # a shelf board: the free height ends under the next board
                assert surf.center[2] + surf.clearance < inst.half_extents[2]


@pytest.mark.parametrize("category", ["table", "mug", "shelf", "toy duck"])
def test_size_variation_scales_parts_surfaces_and_extents_together(category):
    item = asset(category)
    factors = set()
    for seed in SEEDS:
        inst = instantiate(item, rng(seed, 0, 0, "scale"), 0.0, 2.6, 0.4)
        ref = instantiate(item, rng(seed, 0, 0, "scale"), 0.0, 2.6, 0.0)  # same draws up to the scale factor
        f = inst.half_extents[2] / ref.half_extents[2]
        factors.add(round(f, 3))
        assert 0.6 - 1e-9 <= f <= 1.4 + 1e-9
        assert np.allclose(inst.half_extents, np.array(ref.half_extents) * f)  # uniform: the shape is kept
        for s, r in zip(inst.surfaces, ref.surfaces):
            assert np.allclose(s.center, np.array(r.center) * f) and np.allclose(s.half_size, np.array(r.half_size) * f)
        assert 2 * inst.half_extents[2] <= max(2.6 - 0.2, 2 * ref.half_extents[2]) + 1e-9
    assert len(factors) > 10


def test_colour_variation_zero_gives_the_default_colour_exactly():
    for category in ("chair", "mug", "book"):
        for inst in instances(category, range(5), variation=0.0):
            assert inst.color == asset(category).colors[0]
            body = max(inst.parts, key=lambda p: np.prod(p.size))
            np.testing.assert_allclose(body.rgba[:3], COLORS[inst.color], atol=0.0 + 1e-12)


def test_mesh_assets_use_files_pybullet_data_ships():
    meshes = {p.mesh for c in CATALOGUE for inst in instances(c, range(12)) for p in inst.parts if p.shape == "mesh"}
    assert {"duck.obj", "teddy2_VHACD_CHs.obj", "bunny.obj", "soccerball.obj", "objects/mug.obj"} <= meshes
    for name in meshes:
        assert (Path(pybullet_data.getDataPath()) / name).is_file()


def test_white_ball_is_the_soccer_ball_and_other_balls_are_spheres():
    for inst in instances("ball", range(40)):
        shape = inst.parts[0].shape
        assert shape == ("mesh" if inst.color == "white" else "sphere"), inst.color


def _centre_x(part) -> float:
    return part.offset.position[0]


def test_front_is_plus_x():
    """Backrests, headboards and shelf backs sit at −x; a TV's screen and a cabinet's doors at +x."""
    for inst in instances("chair", range(5)):
        seat, back = inst.parts[0], inst.parts[1]
        assert _centre_x(back) < _centre_x(seat) and back.size[2] > seat.size[2]
    for inst in instances("sofa", range(5)):
        cushion, back = inst.parts[1], inst.parts[2]
        assert _centre_x(back) < _centre_x(cushion)
    for inst in instances("bed", range(5)):
        head = inst.parts[1]
        assert _centre_x(head) - head.size[0] == pytest.approx(-inst.half_extents[0])
    for inst in instances("tv", range(5)):
        post, bezel, screen = inst.parts[1:]
        assert _centre_x(post) < _centre_x(bezel) < _centre_x(screen)  # the display is the bezel's +x face
    for inst in instances("shelf", range(5)):
        back = inst.parts[2]
        assert _centre_x(back) - back.size[0] == pytest.approx(-inst.half_extents[0])
    for inst in instances("laptop", range(5)):
        base, lid = inst.parts
        assert _centre_x(lid) < _centre_x(base)  # the screen stands at the back, the keyboard faces +x


def test_mesh_animals_stand_upright_and_face_plus_x():
    """Duck and bunny: longest along x (the way they face), head (top-most vertex) in the +x half."""
    for category in ("toy duck", "bunny figurine"):
        for inst in instances(category, range(3)):
            (part,) = inst.parts
            pts = part_points(part)
            hx, hy, hz = inst.half_extents
            assert hx > hy and hz > hy, f"{category} is not upright and lengthwise along x"
            assert pts[np.argmax(pts[:, 2]), 0] > 0.1 * hx, f"{category} faces −x"


def test_same_generator_same_instance():
    a = instantiate(asset("shelf"), rng(4, 0, 0, "x"), 0.5)
    b = instantiate(asset("shelf"), rng(4, 0, 0, "x"), 0.5)
    assert a == b


VARIANTS = [(c, v) for c, a in CATALOGUE.items() for v in a.variant_names()]


def test_catalogue_has_sixty_categories_with_three_shape_variants_each_across_room_types():
    varied = [c for c, a in CATALOGUE.items() if len(a.variants) >= 3]
    assert len(varied) >= 60
    assert all(CATALOGUE[c].dims is not None for c in varied), "every varied category states its real size range"
    names = {"armchair", "floor lamp", "nightstand", "dining table", "coffee table", "tv stand", "refrigerator",
             "kitchen counter", "toilet", "bathtub", "sink cabinet", "wardrobe", "dresser", "desk", "office chair",
             "bookshelf", "rug", "wall art", "picture frame", "curtain", "plant", "vase", "bowl", "cutting board",
             "kettle", "toaster", "microwave", "monitor", "keyboard", "pillow", "towel", "toothbrush cup", "alarm clock"}
    assert names <= set(varied)


@pytest.mark.parametrize("category,variant", VARIANTS)
def test_every_variant_builds_a_tight_box_within_its_real_size_range(category, variant):
    """Box = exact union of the parts (checked on points of each part), and full extents within ``dims``."""
    item = asset(category)
    for seed in range(6):
        inst = instantiate(item, rng(seed, 0, 0, f"variant/{category}"), 1.0, 2.6, 0.0, variant)
        assert inst.variant == variant and np.all(np.isfinite(inst.half_extents))
        pts = np.vstack([part_points(p) for p in inst.parts])
        np.testing.assert_allclose((pts.max(0) + pts.min(0)) / 2, 0.0, atol=1e-4)
        np.testing.assert_allclose((pts.max(0) - pts.min(0)) / 2, inst.half_extents, atol=1e-4)
        full = 2 * np.array(inst.half_extents)
        lo, hi = np.array(item.dims).T
        assert np.all(full >= lo - 1e-9) and np.all(full <= hi + 1e-9), f"{category}/{variant}: {full} not in {item.dims}"
        for surf in inst.surfaces:
            assert [p for p in inst.parts if on_top_face(surf, p)] and not [p for p in inst.parts if blocks(surf, p)]


def shape_distance(a, b) -> float:
    """How differently two instances are built, regardless of size: 1 if their parts differ in kind or
    number, else the largest difference of a part's size or place relative to the instance's largest side."""
    if [p.shape for p in a.parts] != [p.shape for p in b.parts]:
        return 1.0
    def rel(inst):
        scale = max(inst.half_extents)
        return np.array([[*p.size, *p.offset.position] for p in inst.parts]) / scale
    return float(np.abs(rel(a) - rel(b)).max())


@pytest.mark.parametrize("category", [c for c, a in CATALOGUE.items() if a.variants])
def test_variants_differ_in_shape(category):
    """Two variants never build the same parts in the same places (up to size): built from one generator
    state, their parts differ in kind or number, or some part's size or place differs by > 5% of the object."""
    item = asset(category)
    built = {v: instantiate(item, rng(0, 0, 0, "shape"), 0.0, 2.6, 0.0, v) for v in item.variant_names()}
    for a in built:
        for b in built:
            if a < b:
                assert shape_distance(built[a], built[b]) > 0.05, f"{category}: {a} and {b} look the same"


@pytest.mark.parametrize("category", ["armchair", "kitchen counter", "sofa", "picture frame"])
def test_variant_draws_are_seeded(category):
    item = asset(category)
    draws = [instantiate(item, rng(s, 0, 0, "seeded"), 0.7, 2.6, 0.3) for s in range(12)]
    again = [instantiate(item, rng(s, 0, 0, "seeded"), 0.7, 2.6, 0.3) for s in range(12)]
    assert draws == again or category == "sofa"  # sofa: the original shape is its default (no draw)
    if item.make is None:  # a category without an original shape draws its variant from the generator
        assert len({d.variant for d in draws}) == len(item.variants)
    with pytest.raises(KeyError, match="unknown variant 'hexagonal'"):
        instantiate(item, rng(0, 0, 0, "x"), variant="hexagonal")


def test_original_categories_keep_their_one_shape_by_default():
    """An original category asked for no variant builds exactly what it built before variants existed."""
    for category in ("sofa", "bed", "plant", "vase", "book", "bottle", "box"):
        item = asset(category)
        assert item.make is not None and item.variants[0][1] is item.make
        a = instantiate(item, rng(3, 0, 0, "orig"), 0.5)
        b = instantiate(item, rng(3, 0, 0, "orig"), 0.5, variant=item.variants[0][0])
        assert a.parts == b.parts and a.variant == "" and b.variant == item.variants[0][0]
