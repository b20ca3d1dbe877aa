"""The tabletop scene: small things resting on one table, spaced apart, seeded, in a room with context
furniture; its knobs checked with errors that name the key; scene=tabletop films with trajectory=tabletop."""
import itertools

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from simgen.geometry import quat_to_matrix
from simgen.job_config import check_overrides, conf_dir
from simgen.registry import ConfigError, parse_config
from simgen.scene.assets import COLORS
from simgen.scene.catalogue import CATALOGUE
from simgen.scene.assets_rooms import LOOKALIKES
from simgen.scene.tabletop import MIN_CONTRAST, TABLE_LOOKALIKES, TABLES, TabletopBuilder, TabletopConfig
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator


def build(seed=0, **knobs):
    return TabletopBuilder(parse_config(TabletopConfig, knobs, "scene")).build(seed, 0, 0)


def footprint(obj) -> np.ndarray:
    """(4, 2) corners of an object's box seen from above (world XY)."""
    R = quat_to_matrix(obj.pose.quat_wxyz)
    hx, hy, _ = obj.half_extents
    local = np.array([[hx, hy, 0], [-hx, hy, 0], [-hx, -hy, 0], [hx, -hy, 0]])
    return (np.asarray(obj.pose.position) + local @ R.T)[:, :2]


def polygon_gap(a, b) -> float:
    """Closest distance between two disjoint convex polygons: the least vertex-to-edge distance either
    way (0 if a vertex of one lies inside the other)."""
    def inside(p, poly):
        edges = np.roll(poly, -1, axis=0) - poly
        cross = edges[:, 0] * (p[1] - poly[:, 1]) - edges[:, 1] * (p[0] - poly[:, 0])
        return (cross >= 0).all() or (cross <= 0).all()

    def to_edges(points, poly):
        out = []
        for p in points:
            if inside(p, poly):
                return 0.0
            for s, e in zip(poly, np.roll(poly, -1, axis=0)):
                t = np.clip(np.dot(p - s, e - s) / np.dot(e - s, e - s), 0.0, 1.0)
                out.append(np.linalg.norm(p - (s + t * (e - s))))
        return min(out)

    return min(to_edges(a, b), to_edges(b, a))


def top_below(table, obj) -> float:
    """Height of the highest top among the table's parts under ``obj``'s centre (parts as their XY extent)."""
    R = quat_to_matrix(table.pose.quat_wxyz)
    local = R.T @ (np.asarray(obj.pose.position) - table.pose.position)
    tops = [p.offset.position[2] + p.size[2] for p in table.parts
            if all(abs(local[i] - p.offset.position[i]) <= p.size[0 if p.shape == "cylinder" else i] for i in (0, 1))]
    return table.pose.position[2] + max(tops)


def test_the_gap_measure_itself():
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    assert polygon_gap(square, square + [1.5, 0]) == pytest.approx(0.5)
    assert polygon_gap(square, square + [1.3, 1.4]) == pytest.approx(np.hypot(0.3, 0.4))
    assert polygon_gap(square, square + [0.5, 0.5]) == 0.0


@pytest.mark.parametrize("seed", [0, 1])
def test_small_things_rest_on_the_table_top_and_stay_there(seed):
    """Every small object rests on the table (its support; its bottom on the top's height) and a
    pybullet settle moves none of them by 1 cm; the table holds what the knob asks."""
    spec = build(seed)
    table = spec.objects[0]
    assert table.category in TABLES and table.support is None
    small = [o for o in spec.objects if o.kind == "small"]
    assert len(small) == spec.complexity["num_objects"] == 8
    assert all(o.support == table.object_id for o in small)
    for o in small:
        assert o.pose.position[2] - o.half_extents[2] == pytest.approx(top_below(table, o), abs=0.003), o.name
    with PybulletSimulator(PybulletConfig(renderer="tiny")) as sim:
        states = sim.load(spec)
    for obj, state in zip(spec.objects, states):
        moved = np.linalg.norm(np.subtract(state.pose.position, obj.pose.position))
        assert moved < 0.01, f"seed {seed}: {obj.name} moved {moved:.4f} m while settling"


def test_small_things_stand_out_from_the_table_in_colour():
    """No black bowl on a black desk: every small thing's colour name is MIN_CONTRAST or more from the table's."""
    def rgb(obj):
        return CATALOGUE[obj.category].tints.get(obj.color, COLORS[obj.color])

    for seed in range(12):
        spec = build(seed, color_variation=1.0)
        table = spec.objects[0]
        for o in spec.objects:
            if o.kind == "small":
                assert np.linalg.norm(np.subtract(rgb(o), rgb(table))) >= MIN_CONTRAST, (seed, o.name, o.color, table.color)


def test_no_table_holds_two_lookalikes():
    for seed in range(10):
        held = {o.category for o in build(seed, num_objects=14, num_categories=12).objects if o.kind == "small"}
        assert all(not pair <= held for pair in TABLE_LOOKALIKES), (seed, held)
        assert all(not pair <= held for pair in LOOKALIKES), (seed, held)


@pytest.mark.parametrize("spacing", [0.05, 0.09])
def test_neighbours_keep_the_spacing_knob_apart(spacing):
    for seed in range(3):
        spec = build(seed, spacing_m=spacing, num_objects=10)
        small = [o for o in spec.objects if o.kind == "small"]
        gaps = [polygon_gap(footprint(a), footprint(b)) for a, b in itertools.combinations(small, 2)]
        assert min(gaps) >= spacing - 1e-6, f"seed {seed}: {min(gaps):.4f} m < {spacing} m"


def test_context_furniture_stands_beyond_the_walkway():
    spec = build(2, num_furniture=4, walkway_m=1.0)
    table = footprint(spec.objects[0])
    furniture = [o for o in spec.objects[1:] if o.kind == "furniture"]
    assert len(furniture) == 4
    for o in furniture:
        assert polygon_gap(table, footprint(o)) >= 1.0 - 1e-6, o.name


@pytest.mark.parametrize("kind", TABLES)
def test_each_table_kind_and_where_it_stands(kind):
    """The kind asked for holds the objects; a desk or kitchen counter backs onto a wall (y = 0), the
    others stand free, the walkway clear of every wall."""
    spec = build(3, table=kind)
    table = spec.objects[0]
    assert table.category == kind == spec.complexity["table_drawn"]
    low_y = footprint(table)[:, 1].min()
    if kind in ("desk", "kitchen counter"):
        assert low_y == pytest.approx(0.01, abs=1e-6)
    else:
        (x0, y0), (x1, y1) = np.min(spec.room.footprint, axis=0), np.max(spec.room.footprint, axis=0)
        corners = footprint(table)
        assert min(corners[:, 0].min() - x0, x1 - corners[:, 0].max(), corners[:, 1].min() - y0,
                   y1 - corners[:, 1].max()) >= 1.0


def test_same_seed_same_scene_and_another_seed_another():
    assert build(4) == build(4)
    assert build(4) != build(5)
    assert build(4).scene_id == "tabletop-s4-sh0-0000"


@pytest.mark.parametrize("knobs, key", [
    ({"table": "sofa"}, "scene.table"),
    ({"num_objects": 21}, "scene.num_objects"),
    ({"num_objects": 14, "table": "coffee table"}, r"scene.num_objects=14: a coffee table holds at most"),
    ({"spacing_m": 0.5}, "scene.spacing_m"),
    ({"walkway_m": 0.2}, "scene.walkway_m"),
    ({"size_variation": 0.9}, "scene.size_variation"),
    ({"num_furniture": "many"}, "scene.num_furniture"),
])
def test_a_bad_knob_is_a_config_error_naming_it(knobs, key):
    with pytest.raises(ConfigError, match=key):
        parse_config(TabletopConfig, knobs, "scene")


def test_the_command_line_names_the_bad_knob():
    assert "scene.num_objects" in check_overrides(["scene=tabletop", "scene.num_objects=30"])
    assert check_overrides(["scene=tabletop"]) is None


def test_scene_tabletop_films_with_the_tabletop_trajectory_unless_told_otherwise():
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        assert compose("config", overrides=["scene=tabletop"]).trajectory.name == "tabletop"
        assert compose("config", overrides=["scene=tabletop", "trajectory=orbit"]).trajectory.name == "orbit"
        assert compose("config").trajectory.name == "walkthrough"
