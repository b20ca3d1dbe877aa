"""A house's walls (``room_geometry.house_walls``): exterior and interior pieces with doorways and windows cut
out, checked against the plan's own numbers (not the grid the code builds): pieces never overlap, together they
fill exactly the wall volume less the openings, every doorway is a gap of exactly its width, a single room
keeps ``wall_boxes``, and the camera's free space passes between rooms only through doorways.

``house()`` is the hand-built three-room house the render tests use too (``test_house_render.py``).
"""
from __future__ import annotations

import numpy as np
import pytest
from sim_scenes import l_room, rect_room

from simgen.scene.freespace import interior_wall_rects, scene_free_space
from simgen.simulators.room_geometry import WALL_THICKNESS, house_walls, wall_boxes
from simgen.types import HouseRoom, Lighting, Opening, RoomSpec, SceneSpec

HEIGHT = 2.6
DOOR_TOP = 2.0
SILL, WINDOW_TOP = 0.9, 2.1


def rect(x0, y0, x1, y1):
    """A counter-clockwise axis-aligned rectangle."""
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


# An 8 × 5 m house: the living room fills x < 3.95; the kitchen (y < 2.45) and the bedroom (y > 2.55) share
# x > 4.05, so the interior walls meet in a T at (4, 2.5). Doors: living–kitchen in the wall x = 4,
# kitchen–bedroom in the wall y = 2.5. Windows: the kitchen's south wall, the living room's west wall.
ROOMS = (HouseRoom("living room", "living", rect(0.0, 0.0, 3.95, 5.0)),
         HouseRoom("kitchen", "kitchen", rect(4.05, 0.0, 8.0, 2.45)),
         HouseRoom("bedroom", "bedroom", rect(4.05, 2.55, 8.0, 5.0)))
OPENINGS = (Opening("door", (4.0, 0.8), (4.0, 1.7), 0.0, DOOR_TOP, (0, 1)),
            Opening("door", (5.5, 2.5), (6.4, 2.5), 0.0, DOOR_TOP, (1, 2)),
            Opening("window", (5.5, -0.05), (7.0, -0.05), SILL, WINDOW_TOP, (1,)),
            Opening("window", (-0.05, 1.5), (-0.05, 3.0), SILL, WINDOW_TOP, (0,)))
# The same openings as (x0, x1, y0, y1, z0, z1) volumes, written by hand from the plan above.
CUTS = ((3.95, 4.05, 0.8, 1.7, 0.0, DOOR_TOP), (5.5, 6.4, 2.45, 2.55, 0.0, DOOR_TOP),
        (5.5, 7.0, -0.1, 0.0, SILL, WINDOW_TOP), (-0.1, 0.0, 1.5, 3.0, SILL, WINDOW_TOP))


def house(objects=(), openings=OPENINGS) -> SceneSpec:
    """The three-room house with ``objects``."""
    return SceneSpec("house", 0, RoomSpec(rect(0.0, 0.0, 8.0, 5.0), HEIGHT), tuple(objects), Lighting(),
                     rooms=ROOMS, openings=tuple(openings))


def aabbs(walls) -> np.ndarray:
    """(N, 2, 3) lower and upper corners of wall pieces whose yaw is 0 or π/2 (any other fails)."""
    out = []
    for centre, half, yaw in walls:
        c, s = np.cos(yaw), np.sin(yaw)
        assert min(abs(c), abs(s)) < 1e-12, f"yaw {yaw} is not axis-aligned"
        h = np.array([half[0], half[1]]) if abs(c) > 0.5 else np.array([half[1], half[0]])
        h = np.r_[h, half[2]]
        out.append([np.asarray(centre) - h, np.asarray(centre) + h])
    return np.array(out)


def inside_count(points, boxes) -> np.ndarray:
    """How many boxes hold each point (strictly)."""
    count = np.zeros(len(points), dtype=int)
    for lo, hi in boxes:
        count += ((points > lo) & (points < hi)).all(axis=1)
    return count


def expected_wall(points) -> np.ndarray:
    """Points in the house's wall volume by the plan alone: in the exterior ring or between rooms, below the
    ceiling, and in no opening's volume."""
    x, y, z = points.T
    t = WALL_THICKNESS
    out = (x > -t) & (x < 8.0 + t) & (y > -t) & (y < 5.0 + t) & (z > 0.0) & (z < HEIGHT)
    for r in ROOMS:
        (x0, y0), (x1, y1) = r.footprint[0], r.footprint[2]
        out &= ~((x > x0) & (x < x1) & (y > y0) & (y < y1))
    for x0, x1, y0, y1, z0, z1 in CUTS:
        out &= ~((x > x0) & (x < x1) & (y > y0) & (y < y1) & (z > z0) & (z < z1))
    return out


def lattice(z_levels) -> np.ndarray:
    """Points 2.5 cm apart over the house and its walls, off every plan coordinate (odd offsets)."""
    xs = np.arange(-0.2, 8.2, 0.025) + 0.0031
    ys = np.arange(-0.2, 5.2, 0.025) + 0.0017
    X, Y, Z = np.meshgrid(xs, ys, z_levels, indexing="ij")
    return np.c_[X.ravel(), Y.ravel(), Z.ravel()]


def test_a_single_room_keeps_its_walls_exactly():
    for room in (rect_room(6.0, 4.0, 2.5), l_room()):
        spec = SceneSpec("one", 0, room, ())
        assert house_walls(spec) == wall_boxes(np.asarray(room.footprint, dtype=float), room.height)
    clockwise = RoomSpec(rect_room().footprint[::-1], 2.5)
    assert house_walls(SceneSpec("cw", 0, clockwise, ())) == wall_boxes(np.asarray(rect_room().footprint), 2.5)


def test_pieces_fill_the_wall_volume_less_the_openings_and_never_overlap():
    walls = house_walls(house())
    boxes = aabbs(walls)
    pts = lattice([0.3, 0.95, 1.5, 2.05, 2.4])  # below, inside and above the sills, doors and headers
    count = inside_count(pts, boxes)
    assert count.max() == 1  # no point lies in two pieces
    np.testing.assert_array_equal(count == 1, expected_wall(pts))
    # exact volume: the ring and the interior walls, less the openings (no lattice error)
    t = WALL_THICKNESS
    ring = (8.0 + 2 * t) * (5.0 + 2 * t) - 8.0 * 5.0
    interior = 0.1 * 5.0 + 0.1 * 3.95
    cut = sum((x1 - x0) * (y1 - y0) * (z1 - z0) for x0, x1, y0, y1, z0, z1 in CUTS)
    volume = np.prod(boxes[:, 1] - boxes[:, 0], axis=1).sum()
    assert volume == pytest.approx((ring + interior) * HEIGHT - cut, abs=1e-9)


def test_local_x_runs_along_the_longer_side():
    for centre, half, yaw in house_walls(house()):
        assert half[0] >= half[1] > 0 and half[2] > 0
        assert yaw in (0.0, pytest.approx(np.pi / 2))


def test_each_doorway_is_a_gap_of_exactly_its_width_with_a_header_above():
    boxes = aabbs(house_walls(house()))
    for door in (o for o in OPENINGS if o.kind == "door"):
        a, b = np.asarray(door.start), np.asarray(door.end)
        along = (b - a) / np.linalg.norm(b - a)
        s = np.linspace(-0.3, np.linalg.norm(b - a) + 0.3, 601)  # 1.5 mm steps along the centre line
        line = a + s[:, None] * along
        for z, solid_in_door in ((1.0, False), (0.05, False), (1.99, False), (2.01, True), (2.55, True)):
            hit = inside_count(np.c_[line, np.full(len(s), z)], boxes) == 1
            in_door = (s > 1e-9) & (s < np.linalg.norm(b - a) - 1e-9)
            assert (hit[in_door] == solid_in_door).all(), (door, z)
            assert hit[~in_door & ((s < -1e-3) | (s > np.linalg.norm(b - a) + 1e-3))].all(), (door, z)
        gap = s[~(inside_count(np.c_[line, np.full(len(s), 1.0)], boxes) == 1)]
        assert gap.max() - gap.min() == pytest.approx(np.linalg.norm(b - a), abs=2e-3)


def test_a_window_leaves_a_sill_and_a_header():
    boxes = aabbs(house_walls(house()))
    probe = np.array([[6.25, -0.05, z] for z in (0.5, 0.89, 0.91, 1.5, 2.09, 2.11, 2.5)])
    assert (inside_count(probe, boxes) == 1).tolist() == [True, True, False, False, False, True, True]


def test_an_unusable_plan_is_named():
    slanted = SceneSpec("slant", 0, RoomSpec(((0, 0), (4, 0), (4, 3), (0, 4)), HEIGHT), (),
                        rooms=(HouseRoom("hall", "hallway", ((0, 0), (4, 0), (4, 3), (0, 4))),))
    with pytest.raises(ValueError, match=r"room.footprint.*not axis-aligned"):
        house_walls(slanted)
    astray = Opening("door", (2.0, 1.0), (2.0, 2.0), 0.0, DOOR_TOP, (0, 1))  # in the living room's floor
    with pytest.raises(ValueError, match=r"openings\[4\] \(door.*no wall"):
        house_walls(house(openings=OPENINGS + (astray,)))


def test_free_space_joins_rooms_only_through_doorways():
    spec = house()
    rects = interior_wall_rects(spec)
    assert rects and all(0.0 < cx < 8.0 and 0.0 < cy < 5.0 for cx, cy, *_ in rects)  # interior pieces only
    fs = scene_free_space(spec, clearance=0.2, resolution=0.05)
    comp = fs.largest_component()
    centres = fs.centres()

    def cell(x, y):
        ix, iy = int((x - fs.origin[0]) / fs.resolution), int((y - fs.origin[1]) / fs.resolution)
        assert np.allclose(centres[iy, ix], (x, y), atol=fs.resolution)
        return iy, ix

    living, kitchen, bedroom = cell(2.0, 2.5), cell(6.0, 1.2), cell(6.0, 3.8)
    assert comp[living] and comp[kitchen] and comp[bedroom]
    assert not fs.free[cell(4.0, 3.5)] and not fs.free[cell(7.0, 2.5)]  # on the interior walls
    assert fs.free[cell(4.0, 1.25)] and fs.free[cell(5.95, 2.5)]  # in the doorways
    closed = scene_free_space(house(openings=OPENINGS[2:]), clearance=0.2, resolution=0.05)
    parts = closed.largest_component()
    assert parts[living] and not parts[kitchen] and not parts[bedroom]  # no door: the walls seal the rooms
    assert scene_free_space(SceneSpec("one", 0, rect_room(), ()), 0.2).free.sum() > 0  # a single room: no walls


def test_every_drawn_floor_plan_gets_exactly_its_walls():
    """H-floorplan's plans (as ``test_scene_house`` draws them; 2, 3, 5, 8 rooms): pieces never overlap and
    fill exactly the ring, the gaps between room footprints and nothing of the openings' volumes."""
    pytest.importorskip("simgen.scene.house")
    from test_scene_house import plans

    t = WALL_THICKNESS
    for n, seed, plan in plans():
        if seed or n not in (2, 3, 5, 8):
            continue
        w, d = plan.width, plan.depth
        spec = SceneSpec("plan", seed, RoomSpec(rect(0.0, 0.0, w, d), HEIGHT), (), rooms=plan.rooms,
                         openings=plan.openings)
        xs, ys = np.arange(-0.2, w + 0.2, 0.05) + 0.0031, np.arange(-0.2, d + 0.2, 0.05) + 0.0017
        X, Y, Z = np.meshgrid(xs, ys, [0.5, 1.6, 2.3], indexing="ij")  # below sills, in openings, above doors
        pts = np.c_[X.ravel(), Y.ravel(), Z.ravel()]
        x, y, z = pts.T
        expected = (x > -t) & (x < w + t) & (y > -t) & (y < d + t)
        for r in plan.rooms:
            lo, hi = np.min(r.footprint, axis=0), np.max(r.footprint, axis=0)
            expected &= ~((x > lo[0]) & (x < hi[0]) & (y > lo[1]) & (y < hi[1]))
        for o in plan.openings:  # the opening's volume: its segment widened by the wall's thickness
            lo, hi = np.minimum(o.start, o.end) - t / 2, np.maximum(o.start, o.end) + t / 2
            along = int(abs(o.end[1] - o.start[1]) > abs(o.end[0] - o.start[0]))
            lo[along], hi[along] = lo[along] + t / 2, hi[along] - t / 2
            expected &= ~((x > lo[0]) & (x < hi[0]) & (y > lo[1]) & (y < hi[1]) & (z > o.bottom) & (z < o.top))
        count = inside_count(pts, aabbs(house_walls(spec)))
        assert count.max() == 1, (n, seed)
        np.testing.assert_array_equal(count == 1, expected, err_msg=f"{n} rooms, seed {seed}")
