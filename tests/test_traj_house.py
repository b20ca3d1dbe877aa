"""The house tour on a hand-built four-room house: it scans every room, walks through doorways only
(checked against the rooms' footprints and the door gaps, not the planner's wall segments), keeps
its clearance, sees the objects, revisits, and is reproducible."""
import numpy as np
import pytest

from simgen.geometry import points_in_polygon
from simgen.registry import PLANNERS
from simgen.trajectories.box_visibility import predicted_coverage
from simgen.trajectories.house_rooms import house_geometry, room_of, scan_order
from simgen.trajectories.raycast import first_wall_hit, segments_clear
from simgen.types import HouseRoom, Opening, RoomSpec, SceneSpec
from tests.test_traj_scenes import box, request

WALL = 0.1
ROOMS = (  # living | kitchen below, bedroom | office above; interior walls 0.1 m thick between
    HouseRoom("living room", "living", ((0.0, 0.0), (5.0, 0.0), (5.0, 4.0), (0.0, 4.0))),
    HouseRoom("kitchen", "kitchen", ((5.1, 0.0), (9.0, 0.0), (9.0, 4.0), (5.1, 4.0))),
    HouseRoom("bedroom", "bedroom", ((0.0, 4.1), (4.0, 4.1), (4.0, 8.0), (0.0, 8.0))),
    HouseRoom("office", "office", ((4.1, 4.1), (9.0, 4.1), (9.0, 8.0), (4.1, 8.0))),
)
DOORS = (  # living–kitchen, living–bedroom, bedroom–office: the kitchen and office are dead ends
    Opening("door", (5.05, 1.5), (5.05, 2.4), 0.0, 2.0, (0, 1)),
    Opening("door", (1.0, 4.05), (1.9, 4.05), 0.0, 2.0, (0, 2)),
    Opening("door", (4.05, 6.0), (4.05, 6.9), 0.0, 2.0, (2, 3)),
    Opening("window", (2.0, 8.0), (3.0, 8.0), 0.9, 2.0, (2,)),
)
OBJECTS = (
    box(1, "sofa", (2.5, 0.5, 0.4), (0.9, 0.4, 0.4)),
    box(2, "table", (2.5, 2.2, 0.375), (0.5, 0.35, 0.375)),
    box(3, "lamp", (4.6, 3.6, 0.8), (0.15, 0.15, 0.8)),
    box(4, "counter", (8.6, 2.0, 0.45), (0.3, 1.5, 0.45)),
    box(5, "mug", (8.6, 1.2, 0.95), (0.05, 0.05, 0.05), kind="small"),
    box(6, "fridge", (6.0, 3.6, 0.9), (0.4, 0.35, 0.9)),
    box(7, "bed", (1.2, 6.5, 0.3), (1.0, 1.2, 0.3)),
    box(8, "nightstand", (2.6, 7.7, 0.3), (0.25, 0.2, 0.3)),
    box(9, "desk", (7.5, 7.6, 0.38), (0.7, 0.35, 0.38)),
    box(10, "chair", (7.5, 6.9, 0.45), (0.25, 0.25, 0.45)),
    box(11, "shelf", (8.75, 5.2, 0.9), (0.2, 0.5, 0.9)),
)


def house(objects=OBJECTS) -> SceneSpec:
    return SceneSpec("house", 0, RoomSpec(((0.0, 0.0), (9.0, 0.0), (9.0, 8.0), (0.0, 8.0)), 2.6), tuple(objects),
                     rooms=ROOMS, openings=DOORS)


def door_gaps() -> list[np.ndarray]:
    """Each door's gap as a rectangle through the wall's thickness (CCW)."""
    out = []
    for d in (d for d in DOORS if d.kind == "door"):
        a, b = np.array(d.start), np.array(d.end)
        n = np.array([-(b - a)[1], (b - a)[0]]) / np.linalg.norm(b - a) * WALL / 2
        out.append(np.array([a - n, b - n, b + n, a + n]))
    return out


def walkable(points) -> np.ndarray:
    """True where an XY point lies on some room's floor or in a doorway's gap."""
    polys = [np.array(r.footprint) for r in ROOMS] + door_gaps()
    return np.any([points_in_polygon(points, p) for p in polys], axis=0)


@pytest.fixture(scope="module")
def tour():
    planner = PLANNERS.build({"name": "house_tour"})
    spec = house()
    n = planner.frames_for(spec, 10.0)
    req = request(spec, n_frames=n)
    return planner, req, planner.plan(req, np.random.default_rng(5))


def test_the_tour_scans_every_room_and_walks_through_doorways_only(tour):
    planner, req, poses = tour
    assert len(poses) == req.n_frames
    xy = poses[:, :2, 3]
    polys = [np.array(r.footprint) for r in ROOMS]
    frames_in = np.bincount(room_of(xy, polys), minlength=4)
    assert (frames_in >= 20).all(), frames_in  # every room is filmed from inside, two seconds at least
    # every step, sampled every centimetre, stays on a floor or in a door gap: never through a wall
    steps = np.linspace(0.0, 1.0, 30)[None, :, None]
    path = (xy[:-1, None] + steps * (xy[1:, None] - xy[:-1, None])).reshape(-1, 2)
    assert walkable(path).all()
    # clearance: the camera keeps (nearly) its 0.3 m from every wall face and every standing box
    walls = house_geometry(req.scene)
    a, b = walls.walls
    assert np.linalg.norm(a - b, axis=1).min() > 0  # jambs and pieces, no degenerate segment
    # natural motion between rooms too: eased walking, turning within the limit, no jump at a scan's ends
    from simgen.geometry import wrap_angle

    cfg = planner.cfg
    assert np.linalg.norm(np.diff(xy, axis=0), axis=1).max() * req.fps <= 1.5 * cfg.max_speed_mps + 1e-6
    yaw = np.arctan2(poses[:, 1, 2], poses[:, 0, 2])
    assert np.degrees(np.abs(wrap_angle(np.diff(yaw)))).max() <= cfg.max_turn_dps / req.fps + 0.6  # one 0.5° bin
    assert np.abs(np.diff(poses[:, 2, 3])).max() * req.fps <= 0.6 + 1e-6


def test_the_tour_keeps_clear_of_walls_and_furniture(tour):
    planner, req, poses = tour
    eyes = poses[:, :3, 3]
    gaps = door_gaps()
    in_door = np.any([points_in_polygon(eyes[:, :2], g) for g in gaps], axis=0)
    # distance to the nearest wall face, from the hand-built footprints (door gaps excepted)
    polys = [np.array(r.footprint) for r in ROOMS]
    inside = room_of(eyes[:, :2], polys)
    for k, poly in enumerate(polys):
        mine = (inside == k) & ~in_door
        lo, hi = poly.min(axis=0), poly.max(axis=0)
        d = np.minimum(eyes[mine, :2] - lo, hi - eyes[mine, :2]).min(axis=1)
        near_door = np.any([np.linalg.norm(eyes[mine, None, :2] - g[None], axis=-1).min(axis=1) < 0.5 for g in gaps], axis=0)
        assert (d[~near_door] >= planner.cfg.clearance_m - 0.11).all()  # a close look reaches out 0.1 m from a box at most
    # the optical axis never meets a wall closer than min_view_distance_m (interior walls included)
    fwd = poses[:, :3, 2]
    hit = first_wall_hit(eyes, fwd, house_geometry(req.scene))
    assert hit.min() >= planner.cfg.min_view_distance_m - 1e-6


def test_the_tour_sees_the_objects_and_walls_occlude(tour):
    planner, req, poses = tour
    counts = predicted_coverage(req, poses, "clear")
    clear = np.mean([c >= req.visibility.clear_frames for c in counts.values()])
    assert clear >= 0.9, counts
    # the interior wall between the living room and the bedroom hides the bed from the sofa
    walls = house_geometry(req.scene)
    assert not segments_clear(np.array([[3.5, 1.5, 1.5]]), np.array([[1.2, 6.5, 0.5]]), walls, _no_boxes())[0]
    assert segments_clear(np.array([[1.45, 3.0, 1.0]]), np.array([[1.45, 5.0, 1.0]]), walls, _no_boxes())[0]  # the door


def _no_boxes():
    from simgen.trajectories.planning_geometry import Boxes

    return Boxes(np.zeros(0, int), (), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3, 3)))


def test_revisit_returns_to_a_room_scanned_before_and_same_seed_same_poses():
    spec = house()
    order = scan_order(spec, 2, np.random.default_rng(3))
    assert sorted(set(order)) == [0, 1, 2, 3] and len(order) == 6
    assert set(order[4:]) <= set(order[:3]) and order[4] != order[3]
    planner = PLANNERS.build({"name": "house_tour", "revisit": 1})
    n = planner.frames_for(spec, 10.0)
    req = request(spec, n_frames=n)
    first = planner.plan(req, np.random.default_rng(8))
    again = planner.plan(req, np.random.default_rng(8))
    assert np.array_equal(first, again)
    rooms = room_of(first[:, :2, 3], [np.array(r.footprint) for r in ROOMS])
    runs = rooms[np.concatenate([[True], np.diff(rooms) != 0])]
    last = runs[-1]
    assert last in runs[:-1]  # the tour ends in a room it was in before


def test_walking_through_a_doorway_looks_through_it(tour):
    """In a door gap the camera looks where it goes: its optical axis (camera z, OpenCV) crosses the
    wall within 60° of the wall's normal, and from the side it is on towards the other."""
    _, _, poses = tour
    xy, forward = poses[:, :2, 3], poses[:, :2, 2]
    crossed = 0
    for gap in door_gaps():
        inside = np.flatnonzero(points_in_polygon(xy, gap))
        if not len(inside):
            continue
        crossed += 1
        normal = np.cross([0.0, 0.0, 1.0], np.append(gap[1] - gap[0], 0.0))[:2]
        normal /= np.linalg.norm(normal)
        for k in inside:
            step = xy[min(k + 1, len(xy) - 1)] - xy[max(k - 1, 0)]  # the way the walker goes
            heading = forward[k] / np.linalg.norm(forward[k])
            assert np.dot(heading, step) > 0  # forward, not backwards
            assert abs(np.dot(heading, normal)) >= np.cos(np.radians(60))
    assert crossed >= 2  # four rooms on a tree of three doors: the tour crosses at least two


def test_a_single_room_and_an_empty_room():
    """A scene without rooms is one scan (the walkthrough's own length rule aside, room_seconds plus
    object_seconds per object); a room with nothing in it is still scanned, and the budget hook
    the runner uses asks the planner for its length."""
    from simgen.trajectories.base import frame_budget
    from tests.test_traj_scenes import rect_scene

    planner = PLANNERS.build({"name": "house_tour"})
    cfg = planner.cfg
    single = rect_scene()
    n = planner.frames_for(single, 10.0)
    assert n == round(10.0 * (cfg.room_seconds + cfg.object_seconds * len(single.objects)))
    assert frame_budget(planner, single, 120, 10.0) == n
    assert frame_budget(PLANNERS.build({"name": "walkthrough"}), single, 120, 10.0) == 120
    poses = planner.plan(request(single, n_frames=n), np.random.default_rng(0))
    assert len(poses) == n and points_in_polygon(poses[:, :2, 3], np.array(single.room.footprint)).all()
    bare = house([o for o in OBJECTS if o.pose.position[0] < 5.0])  # kitchen and office empty
    poses = planner.plan(request(bare, n_frames=planner.frames_for(bare, 10.0)), np.random.default_rng(1))
    rooms = room_of(poses[:, :2, 3], [np.array(r.footprint) for r in ROOMS])
    assert (np.bincount(rooms, minlength=4) >= 20).all()


def test_scene_house_defaults_to_the_house_tour():
    from hydra import compose, initialize_config_dir

    from simgen.job_config import conf_dir

    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        assert compose("config", overrides=["scene=house"]).trajectory.name == "house_tour"
        assert compose("config", overrides=["scene=house", "trajectory=walkthrough"]).trajectory.name == "walkthrough"
        assert compose("config").trajectory.name == "walkthrough"
