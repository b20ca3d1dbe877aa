"""The house DSL functions on the hand-built four-room house (tests/qa_house_fixtures.py), each
answer checked against a recomputation written here (plain vector maths, hand tables)."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from qa_house_fixtures import DOORS, OBJECTS, ROOM_OF, ROOMS, TOUR, house, single_room_twin

from simgen.qa.dsl import parse_program
from simgen.qa.executor import ExecutionError, execute
from simgen.qa.scene_view import SceneView
from simgen.types import HouseRoom, Opening

OBJ_SLOTS = {"a": "category", "b": "category", "c": "category"}


def run(text: str, bindings: dict, episode=None):
    """Execute a program on the house (or ``episode``)."""
    program = parse_program(text, {k: OBJ_SLOTS.get(k, "room") for k in bindings})
    return execute(program, SceneView(episode or house()), bindings)


def moved(category: str, xy) -> tuple:
    """The fixture's objects with the one of ``category`` moved to floor point ``xy``."""
    return tuple((c, col, (*xy, z[2]), h, yaw) if c == category else (c, col, z, h, yaw)
                 for c, col, z, h, yaw in OBJECTS)


def turn_label(here, ahead, stop) -> str:
    """The walk's turn, by headings (atan2) rather than the cross product the code uses."""
    heading = math.atan2(ahead[1] - here[1], ahead[0] - here[0])
    bearing = math.atan2(stop[1] - here[1], stop[0] - here[0])
    d = math.degrees((bearing - heading + math.pi) % (2 * math.pi) - math.pi)  # > 0: to the left (z up)
    return "straight" if abs(d) < 30 else "back" if abs(d) >= 135 else "left" if d > 0 else "right"


def walk(points) -> list[str]:
    """Turns along a walk: standing at points[0] facing points[1], then each stop of points[2:]."""
    here, ahead, out = points[0], points[1], []
    for stop in points[2:]:
        out.append(turn_label(here, ahead, stop))
        ahead, here = (2 * stop[0] - here[0], 2 * stop[1] - here[1]), stop
    return out


@pytest.mark.parametrize("object_id", sorted(ROOM_OF))
def test_room_of_every_object_matches_the_plan(object_id):
    category, colour = OBJECTS[object_id - 1][:2]
    if category == "book":  # three books: name this one by its colour
        category = f"{colour} book"
    out = run("room_of(the(a))", {"a": category})
    assert out.value == ROOMS[ROOM_OF[object_id]].name


def test_room_of_records_the_distance_to_the_nearest_doorway():
    # armchair (3.3, 3.2): kitchen door's end (4.05, 2.5) is 1.0259 m away, the bedroom door's (2.4, 4.05) 1.2379 m
    decision = [d for d in run("room_of(the(a))", {"a": "armchair"}).trace if d.kind == "room"][0]
    assert decision.unit == "m" and math.isclose(decision.margin, math.hypot(0.75, 0.7), abs_tol=1e-9)
    assert decision.detail == {"room": "living room", "reads": "membership", "object_id": 3}


def test_an_object_in_a_doorway_or_a_single_room_has_no_room():
    with pytest.raises(ExecutionError) as e:  # the sofa moved into the kitchen door's gap (x 4.0..4.1)
        run("room_of(the(a))", {"a": "sofa"}, house(objects=moved("sofa", (4.05, 2.0))))
    assert e.value.reason == "no_room"
    with pytest.raises(ExecutionError) as e:
        run("room_of(the(a))", {"a": "sofa"}, single_room_twin())
    assert e.value.reason == "no_room"


def test_room_floor_area_is_the_rooms_own_floor():
    assert run("room_floor_area(r)", {"r": "kitchen"}).value == pytest.approx(16.0)
    wide = replace(house(), scene=replace(house().scene, rooms=(ROOMS[0], HouseRoom(
        "kitchen", "kitchen", ((4.1, 0.0), (9.1, 0.0), (9.1, 3.0), (4.1, 3.0))), *ROOMS[2:])))
    assert run("room_floor_area(r)", {"r": "kitchen"}, wide).value == pytest.approx(5.0 * 3.0)
    with pytest.raises(ExecutionError) as e:
        run("room_floor_area(r)", {"r": "attic"})
    assert e.value.reason == "bad_binding"


def test_count_in_house_counts_instances_by_identity_and_names_them():
    out = run("count_in_house('book')", {})
    assert out.value == 3 and sorted(out.referents) == [9, 10, 12]
    counted = [d.detail for d in out.trace if d.kind == "house"]
    assert counted == [{"reads": "count", "category": "book", "instances": 3}]
    tour = [(xy, target, tuple(i for i in ids if i != 12)) for xy, target, ids in TOUR]
    hidden = run("count_in_house('book')", {}, house(tour))  # the bathroom's book never shown: 2 seen of 3
    assert hidden.value == 2 and [d.detail["instances"] for d in hidden.trace if d.kind == "house"] == [3]


def test_direction_across_rooms_by_hand():
    # standing at the sofa (2, 0.6) facing the armchair (3.3, 3.2): the refrigerator (7.6, 3.5) is 36.06° right
    out = run("direction_across(the(a), the(b), the(c), levels=3)", {"a": "sofa", "b": "armchair", "c": "refrigerator"})
    assert out.value == "right" == walk([(2.0, 0.6), (3.3, 3.2), (7.6, 3.5)])[0]
    angle = [d for d in out.trace if d.kind == "direction"][0].detail["theta_deg"]
    f, q = np.array([1.3, 2.6]), np.array([5.6, 2.9])
    assert angle == pytest.approx(math.degrees(math.acos(f @ q / np.linalg.norm(f) / np.linalg.norm(q))))
    mirrored = run("direction_across(the(a), the(b), the(c), levels=3)", {"a": "sofa", "b": "armchair", "c": "plant"},
                   house(objects=moved("plant", (0.6, 7.0))))  # the plant moved into the bedroom, to the left
    assert mirrored.value == "left"


def test_direction_across_needs_the_standpoint_in_one_room_and_the_target_in_another():
    for names in ({"a": "sofa", "b": "armchair", "c": "plant"}, {"a": "sofa", "b": "bed", "c": "toilet"}):
        with pytest.raises(ExecutionError) as e:
            run("direction_across(the(a), the(b), the(c))", names)
        assert e.value.reason == "same_room"


def test_house_route_through_one_and_two_doorways_by_hand():
    mid = {d.rooms: ((d.start[0] + d.end[0]) / 2, (d.start[1] + d.end[1]) / 2) for d in DOORS}
    # refrigerator facing the trash can, to the sofa: through the kitchen-living door
    out = run("house_route(the(a), the(b), the(c))", {"a": "refrigerator", "b": "trash can", "c": "sofa"})
    assert list(out.value) == walk([(7.6, 3.5), (7.5, 0.5), mid[(0, 1)], (2.0, 0.6)]) == ["right", "straight"]
    # bed facing the nightstand, to the toilet: bedroom → living → kitchen → bathroom (no bedroom-bathroom door)
    out = run("house_route(the(a), the(b), the(c))", {"a": "bed", "b": "nightstand", "c": "toilet"})
    assert list(out.value) == walk([(2.0, 7.0), (0.5, 7.6), mid[(0, 2)], mid[(0, 1)], mid[(1, 3)], (7.6, 7.6)])
    gap = [d for d in out.trace if d.kind == "gap"][0]
    assert gap.margin == math.inf and gap.detail["route"] == ["bedroom", "living room", "kitchen", "bathroom"]
    assert sorted(d.detail["door"] for d in out.trace if d.kind == "door") == [0, 1, 2]


def test_house_route_takes_the_shorter_way_round_a_loop_and_records_the_gap():
    loop = Opening("door", (4.05, 6.0), (4.05, 6.9), 0.0, 2.1, (2, 3))  # a bedroom-bathroom door closes a loop
    episode = replace(house(), scene=replace(house().scene, openings=house().scene.openings + (loop,)))
    out = run("house_route(the(a), the(b), the(c))", {"a": "bed", "b": "nightstand", "c": "toilet"}, episode)
    bed, toilet, door = np.array([2.0, 7.0]), np.array([7.6, 7.6]), np.array([4.05, 6.45])
    assert list(out.value) == walk([(2.0, 7.0), (0.5, 7.6), tuple(door), (7.6, 7.6)])
    direct = np.linalg.norm(door - bed) + np.linalg.norm(toilet - door)
    around = sum(np.linalg.norm(np.subtract(b, a)) for a, b in zip(
        [(2.0, 7.0), (1.95, 4.05), (4.05, 2.05), (5.95, 4.05)], [(1.95, 4.05), (4.05, 2.05), (5.95, 4.05), (7.6, 7.6)]))
    gap = [d for d in out.trace if d.kind == "gap"][0]
    assert gap.margin == pytest.approx(around - direct) and gap.detail["route"] == ["bedroom", "bathroom"]


def test_a_leg_that_would_cut_through_a_wall_is_no_route():
    # the sofa near the living room's east wall: the straight leg to the kitchen door's middle (4.05, 2.05)
    # meets the wall line x = 4.0 at y ≈ 1.2, below the doorway (y 1.6..2.5)
    episode = house(objects=moved("sofa", (3.95, 0.3)))
    t = (4.0 - 3.95) / (4.05 - 3.95)
    assert 0.3 + t * (2.05 - 0.3) < 1.6
    with pytest.raises(ExecutionError) as e:
        run("house_route(the(a), the(b), the(c))", {"a": "sofa", "b": "plant", "c": "refrigerator"}, episode)
    assert e.value.reason == "no_route"
    ok = run("house_route(the(a), the(b), the(c))", {"a": "sofa", "b": "plant", "c": "refrigerator"})
    assert len(ok.value) == 2
