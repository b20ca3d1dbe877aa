"""Scripted (kinematic) moves never pass through another object nor end inside one.

A scripted relocation is played by teleporting the object along a straight line, so nothing in
the simulator stops it: a shelf slid towards a table would go into it. Judged by eye at seed 404
(``dynamics=mixed``, e0000): a shelf (rotated a quarter turn) slides along +y towards a table
turned 97°. Checked here against pybullet's own closest points between the real bodies, not the
scheduler's boxes.
"""
import numpy as np
import pytest
from test_traj_scenes import RECT, box, request, scene

from simgen.episodes import dynamics as dyn
from simgen.geometry import look_at
from simgen.registry import DYNAMICS, SIMULATORS
from simgen.seeding import rng
from simgen.types import ObjectState, Pose

SHELF_HALF = (0.157, 0.404, 0.713)  # the seed-404 shelf, turned 90°: 0.81 m wide along x, 0.31 m deep


def shelf_and_table(table_y: float = 1.64):
    """The seed-404 pair: a shelf at the wall and a table (turned 97°) in front of it, plus a lamp."""
    return scene(RECT, [box(1, "table", (2.6, table_y, 0.265), (0.329, 0.64, 0.265), yaw=np.radians(97.2)),
                        box(3, "shelf", (2.7, 0.167, 0.713), SHELF_HALF, yaw=np.pi / 2),
                        box(4, "lamp", (4.5, 3.5, 0.8), (0.15, 0.15, 0.8))])


def path_gap(sim, spec, object_id: int, start, end, samples: int = 21) -> float:
    """The least pybullet distance between ``object_id`` and every other body along the straight path
    (negative: they interpenetrate that deep)."""
    p, uid = sim._p, sim._uid(object_id)
    quat = next(o.pose.quat_wxyz for o in spec.objects if o.object_id == object_id)
    others = [sim._uid(o.object_id) for o in spec.objects if o.object_id != object_id]
    least = np.inf
    for t in np.linspace(0.0, 1.0, samples):
        sim.set_pose(object_id, Pose(tuple(np.add(start, t * np.subtract(end, start))), quat))
        for other in others:
            points = p.getClosestPoints(uid, other, 0.5, physicsClientId=sim.client)
            least = min([least] + [c[8] for c in points])
    return float(least)


@pytest.fixture(scope="module")
def sim():
    with SIMULATORS.build({"name": "pybullet"}) as s:
        yield s


def test_path_check_agrees_with_pybullet_on_the_seed_404_kind_of_move(sim):
    """Into the table (ends 19 cm deep), through it (ends clear beyond it) and short of it (the seed-404
    move as scheduled, 8 cm clear): the path check refuses exactly the two pybullet sees collide."""
    spec = shelf_and_table()
    sim.load(spec)
    shelf, start = spec.objects[1], spec.objects[1].pose
    boxes = [dyn._box(o, o.pose) for o in spec.objects if o.object_id != 3]
    verdicts = {}
    for name, y in (("into", 1.23), ("through", 2.45), ("short", 1.027)):
        end = Pose((2.7, y, 0.713), start.quat_wxyz)
        gap = path_gap(sim, spec, 3, start.position, end.position)
        verdicts[name] = (dyn._path_clear(shelf, start, end, boxes, []), gap)
    assert not verdicts["into"][0] and verdicts["into"][1] < 0, verdicts
    assert not verdicts["through"][0] and verdicts["through"][1] < 0, verdicts
    assert verdicts["short"][0] and verdicts["short"][1] > dyn._PATH_GAP_M, verdicts


def test_a_box_above_the_path_does_not_block_it_one_in_it_does():
    stool = box(2, "stool", (1.0, 1.0, 0.25), (0.2, 0.2, 0.25))
    high = box(5, "tv", (1.6, 1.0, 1.6), (0.3, 0.05, 0.2))  # on the wall above, clear of a 0.5 m stool
    low = box(6, "box", (1.6, 1.0, 0.15), (0.1, 0.1, 0.15))
    end = Pose((2.2, 1.0, 0.25), stool.pose.quat_wxyz)
    assert dyn._path_clear(stool, stool.pose, end, [dyn._box(high, high.pose)], [])
    assert not dyn._path_clear(stool, stool.pose, end, [dyn._box(low, low.pose)], [])
    # a footprint an earlier motion swept is off limits too, whatever its height
    assert not dyn._path_clear(stool, stool.pose, end, [], [dyn._swept(low, low.pose, low.pose)])


def test_scheduled_scripted_moves_keep_clear_of_the_table_in_pybullet(sim, monkeypatch):
    """A corridor 1.3 m wide: the shelf at its end can only slide along it, and a table spans it
    0.6 m ahead. Every move scheduled keeps clear of every body along its whole path (pybullet),
    over 8 seeds; without the path check, some of the same schedules slide it through the table."""
    corridor = ((0.0, 0.0), (1.3, 0.0), (1.3, 4.0), (0.0, 4.0))
    spec = scene(corridor, [box(1, "table", (0.65, 1.2, 0.265), (0.25, 0.6, 0.265), yaw=np.pi / 2),
                            box(3, "shelf", (0.65, 0.167, 0.713), SHELF_HALF, yaw=np.pi / 2)])
    states = tuple(ObjectState(o.object_id, o.pose) for o in spec.objects)
    req = request(spec, 40, states=states)
    poses = np.repeat(look_at((0.65, 3.8, 1.6), (0.65, 1.0, 0.5))[None], 40, axis=0)
    dynamics = DYNAMICS.build({"name": "scripted", "num_moving": 1, "move_m": [0.4, 2.0]})
    sim.load(spec)

    def gaps():
        out = []
        for seed in range(8):
            for ev in dynamics.schedule(req, poses, rng(seed, 0, 0, "dynamics")):
                out.append(path_gap(sim, spec, ev.object_id, ev.params["from"], ev.params["to"]))
                sim.load(spec)
        return out

    checked = gaps()
    assert checked and min(checked) > 0, checked
    monkeypatch.setattr(dyn, "_path_clear", lambda *args: True)
    assert min(gaps()) < 0  # the case is real: unchecked, a move goes through the table


def test_in_a_house_a_scripted_move_stays_in_its_own_room(monkeypatch):
    """Two rooms side by side (a wall at x = 2): a stool in the left room is moved only within it,
    over 12 seeds; measured against the whole house's floor, some moves would cross the wall."""
    from dataclasses import replace

    from simgen.geometry import points_in_polygon
    from simgen.types import HouseRoom

    left = ((0.0, 0.0), (1.95, 0.0), (1.95, 4.0), (0.0, 4.0))
    right = ((2.05, 0.0), (4.0, 0.0), (4.0, 4.0), (2.05, 4.0))
    spec = scene(((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)), [box(2, "stool", (1.5, 2.0, 0.25), (0.2, 0.2, 0.25))])
    spec = replace(spec, rooms=(HouseRoom("living room", "living", left), HouseRoom("office", "office", right)))
    states = tuple(ObjectState(o.object_id, o.pose) for o in spec.objects)
    req = request(spec, 40, states=states)
    poses = np.repeat(look_at((0.3, 0.3, 1.6), (1.5, 2.0, 0.3))[None], 40, axis=0)
    dynamics = DYNAMICS.build({"name": "scripted", "num_moving": 1, "move_m": [1.0, 2.5]})

    def ends():
        return np.array([ev.params["to"][:2] for seed in range(12)
                         for ev in dynamics.schedule(req, poses, rng(seed, 0, 0, "dynamics"))])

    inside = ends()
    assert len(inside) >= 6 and points_in_polygon(inside, left).all(), inside
    monkeypatch.setattr(dyn, "own_floor", lambda spec, xy: spec.room.footprint)
    assert points_in_polygon(ends(), right).any()  # the case is real: on the house's floor, moves cross the wall
