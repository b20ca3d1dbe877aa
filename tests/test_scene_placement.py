"""Placement building blocks: rectangle clearance test, room shells, wall/table candidates, free space."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simgen.geometry import convex_polygons_overlap, obb_footprint, points_in_polygon, polygon_area, quat_from_yaw, \
    quat_to_matrix
from simgen.scene.freespace import free_space, largest_component
from simgen.scene.placement import WALL_GAP, Floor, along_wall, at_table, rects_clear
from simgen.scene.room import footprint, walls
from simgen.seeding import rng


def polygon(rect) -> np.ndarray:
    cx, cy, hx, hy, yaw = rect
    return obb_footprint((cx, cy, 0.0), (hx, hy, 1.0), quat_to_matrix(quat_from_yaw(yaw)))


rects = st.tuples(st.floats(-2, 2), st.floats(-2, 2), st.floats(0.05, 1.5), st.floats(0.05, 1.5),
                  st.floats(-np.pi, np.pi))


def separation(pa, pb) -> float:
    """Largest gap between the two polygons' projections over their edge normals."""
    best = -np.inf
    for poly in (pa, pb):
        for edge in np.roll(poly, -1, axis=0) - poly:
            axis = np.array([-edge[1], edge[0]]) / np.linalg.norm(edge)
            best = max(best, (pb @ axis).min() - (pa @ axis).max(), (pa @ axis).min() - (pb @ axis).max())
    return best


@settings(max_examples=200, deadline=None)
@given(a=rects, b=rects, gap=st.sampled_from([0.0, 0.05, 0.5]))
def test_rects_clear_agrees_with_the_polygon_separating_axis_test(a, b, gap):
    pa, pb = polygon(a), polygon(b)
    if abs(separation(pa, pb) - gap) < 1e-9:
        return  # exactly at the gap: either answer is within rounding
    expected = not convex_polygons_overlap(pa, pb, margin=gap)
    assert bool(rects_clear(np.array([a]), np.array([b]), gap)[0, 0]) == expected


def test_rects_clear_is_vectorised_and_handles_segments():
    a = np.array([[0, 0, 1, 0.5, 0], [5, 5, 1, 0.5, 0.3]])
    wall = np.array([[0, 1.0, 3.0, 0.0, 0.0]])  # a segment along y = 1 from x = −3 to 3
    out = rects_clear(a, wall, 0.4)
    assert out.shape == (2, 1) and out.all()
    # the first rectangle's top edge is at y = 0.5, half a metre below the segment
    assert rects_clear(a[:1], wall, 0.49)[0, 0] and not rects_clear(a[:1], wall, 0.51)[0, 0]
    crossing = np.array([[0, 1.0, 0.2, 0.2, 0.7]])
    assert not rects_clear(crossing, wall, 0.0)[0, 0]


@pytest.mark.parametrize("shape", ["rect", "L"])
def test_footprint_is_counter_clockwise_with_inward_normals(shape):
    poly = np.array(footprint(shape, 6.0, 5.0, (0.4, 0.5)))
    assert polygon_area(poly) > 0 and poly.min() == 0.0
    assert polygon_area(poly) == pytest.approx(30.0 if shape == "rect" else 30.0 - 2.4 * 2.5)
    for wall in walls(poly):
        mid = (wall.start + wall.end) / 2
        assert points_in_polygon(mid + 0.01 * wall.normal, poly)[0]
        assert not points_in_polygon(mid - 0.01 * wall.normal, poly)[0]


def test_l_room_cuts_the_plus_x_plus_y_corner():
    poly = footprint("L", 4.0, 4.0, (0.5, 0.5))
    inside = points_in_polygon([(3.5, 3.5), (0.5, 3.5), (3.5, 0.5), (1.0, 1.0)], poly)
    assert list(inside) == [False, True, True, True]


def test_wall_candidates_stand_with_their_back_to_the_wall_facing_in():
    floor = Floor(footprint("L", 6.0, 5.0, (0.4, 0.4)))
    cands = along_wall(rng(1), floor, 0.3, 0.6)
    for cx, cy, hx, hy, yaw in cands:
        front = np.array([np.cos(yaw), np.sin(yaw)])
        back_mid = np.array([cx, cy]) - front * hx
        # the back's midpoint is WALL_GAP in front of some wall whose inward normal is the facing direction
        hits = [w for w in floor.walls if np.allclose(w.normal, front)
                and abs(np.dot(back_mid - w.start, w.normal) - WALL_GAP) < 1e-9]
        assert hits, f"candidate {cx:.2f}, {cy:.2f} yaw {yaw:.2f} is not backed onto a wall"


def test_chairs_at_a_table_face_it():
    table = np.array([2.0, 2.0, 0.5, 0.8, 0.4])
    for cx, cy, hx, hy, yaw in at_table(rng(2), table, 0.22, 0.22):
        to_table = table[:2] - (cx, cy)
        facing = np.array([np.cos(yaw), np.sin(yaw)])
        assert np.dot(facing, to_table) > 0.5 * np.linalg.norm(to_table)
        assert rects_clear(np.array([[cx, cy, hx, hy, yaw]]), table[None], 0.049)[0, 0]


def test_floor_rejects_overlaps_and_outside_candidates_and_groups_allow_closeness():
    floor = Floor(footprint("rect", 4.0, 4.0))
    first = floor.add((2.0, 2.0, 0.5, 0.5, 0.0), margin=0.5)
    cands = np.array([
        [2.0, 2.0, 0.3, 0.3, 0.0],  # on top of the first
        [3.2, 2.0, 0.2, 0.2, 0.0],  # 0.5 m away: ok with margin 0.5
        [3.0, 2.0, 0.2, 0.2, 0.0],  # 0.3 m away: too close unless in the same group
        [3.9, 2.0, 0.2, 0.2, 0.0],  # pokes through the wall
        [5.0, 2.0, 0.2, 0.2, 0.0],  # outside
    ])
    assert list(floor.feasible(cands, 0.05, group=-1, wall_gap=0.005)) == [False, True, False, False, False]
    assert floor.feasible(cands[2:3], 0.05, group=first, wall_gap=0.005)[0]


def test_largest_component_is_four_connected():
    mask = np.zeros((6, 8), dtype=bool)
    mask[1, 1:7] = mask[1:5, 6] = mask[4, 1:7] = True  # a C shape: 14 cells
    mask[2, 0] = True  # touches the C only diagonally: a separate component
    main = largest_component(mask)
    assert main.sum() == 14 and not main[2, 0]
    assert not largest_component(np.zeros((3, 3), dtype=bool)).any()


def test_free_space_keeps_clearance_from_walls_and_obstacles():
    room = footprint("rect", 4.0, 3.0)
    empty = free_space(room, [], clearance=0.5, resolution=0.05)
    assert empty.area() == pytest.approx(3.0 * 2.0, abs=0.2)
    wall = free_space(room, [(2.0, 1.5, 0.1, 1.5, 0.0)], clearance=0.3, resolution=0.05)  # splits the room
    main = wall.largest_component()
    assert wall.area(main) < 0.6 * wall.area()
    pts = wall.centres()[wall.free]
    assert (np.abs(pts[:, 0] - 2.0) > 0.1 + 0.3).all()


def test_small_things_go_where_a_walking_viewer_can_see_them():
    """Default scenes of seeds 20–39: no small object rests on a surface higher than
    ``MAX_SUPPORT_TOP_M`` (seed 27 put a mug on a 1.64 m shelf top, seed 38 one on a 1.92 m one: the
    walkthrough's eye at 1.5 m never saw them clearly), and none smaller than ``MIN_FLOOR_SIZE_M`` lies
    on the floor (seed 27's 8 cm toy duck in a corner). Small things still go on the floor."""
    from simgen.scene.layout import MAX_SUPPORT_TOP_M, MIN_FLOOR_SIZE_M
    from simgen.scene.procedural import ProceduralBuilder, ProceduralConfig

    builder = ProceduralBuilder(ProceduralConfig())
    small = [o for seed in range(20, 40) for o in builder.build(seed, 0, 0).objects if o.kind == "small"]
    bottoms = np.array([o.pose.position[2] - o.half_extents[2] for o in small])
    on_floor = np.array([o.support is None for o in small])
    sizes = np.array([2.0 * max(o.half_extents) for o in small])
    assert (bottoms[~on_floor] <= MAX_SUPPORT_TOP_M + 0.01).all()
    assert (sizes[on_floor] >= MIN_FLOOR_SIZE_M).all()
    assert on_floor.sum() >= 5 and (bottoms[on_floor] < 0.01).all()


def test_a_tiny_thing_on_a_wide_bed_lies_within_reach_of_the_walkable_floor():
    """A double bed against the wall of a 4 × 3 m room and a toy duck on it: with the room's floor
    given, ``place_small`` puts the duck within ``REACH_M`` of the camera's walkable floor (seeds 43
    and 45 put ducks in the middle of a bed, out of the walkthrough's 0.4 m reach); without it, some
    draws land beyond (the rule is what keeps them in) and the draws are the same either way."""
    from simgen.scene.catalogue import CATALOGUE, instantiate
    from simgen.scene.layout import FREE_RESOLUTION, REACH_M, REACH_SIZE_M, Placed, place_small

    bed = instantiate(CATALOGUE["bed"], rng(0, 0, 0, "bed"))
    hx, hy, hz = bed.half_extents
    assert 2.0 * hy > 1.2  # wide: its middle is more than half a metre from either long side
    floor = Floor(footprint("rect", 4.0, 3.0, (0.0, 0.0)))
    floor.add((hx + 0.01, 1.5, hx, hy, 0.0), 0.0)  # head against the x = 0 wall, 1.5 m from the others
    placed = {0: Placed((hx + 0.01, 1.5, hz), 0.0)}
    space = free_space(floor.poly, floor.rects, 0.3 + FREE_RESOLUTION / 2, FREE_RESOLUTION)
    walkable = space.centres()[space.largest_component()]
    out_of_reach = 0
    for seed in range(12):
        duck = instantiate(CATALOGUE["toy duck"], rng(seed, 0, 0, "duck"))
        assert 2.0 * max(duck.half_extents) < REACH_SIZE_M
        spots = []
        for rule in (floor, None):
            out, to_floor = place_small(rng(seed, 0, 0, "small"), [bed, duck], [1], placed, 0.5, 0.0, rule, 0.3)
            assert not to_floor and out[1].support == 0
            spots.append(np.array(out[1].position[:2]))
        near, free = (np.linalg.norm(walkable - xy, axis=1).min() for xy in spots)
        assert near <= REACH_M
        out_of_reach += free > REACH_M
    assert out_of_reach >= 2
