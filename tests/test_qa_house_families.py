"""The house question families (programs/house_*.yaml) through the ask stage's own path on the
hand-built house (tests/qa_house_fixtures.py): answers against hand recomputation, refusals where
the video does not show what the answer rests on, and nothing at all about a single room."""
from __future__ import annotations

from collections import Counter

import pytest
from qa_fixtures import living_room, write_episode
from qa_house_fixtures import OBJECTS, TOUR, house, single_room_twin

from simgen.qa.ask import run_ask
from simgen.qa.episode_asker import EpisodeAsker
from simgen.qa.qa_config import QAConfig, config_hash
from simgen.qa.families import load_families
from simgen.qa.families_house import house_family
from simgen.seeding import rng
from simgen.visibility_model import VisibilityModel

HOUSE_FAMILIES = ("house_object_counting", "house_object_room", "house_rel_direction", "house_room_size",
                  "house_route_planning")
MODEL = VisibilityModel(clear_frames=1)  # the fixture shows each object in one or two frames


def asker(episode):
    return EpisodeAsker(episode, QAConfig(), 0, 0, "test", MODEL)


def ask(family: str, bindings: dict, episode=None):
    """The item, or the reason it was refused."""
    return asker(episode or house()).ask_one(load_families([family])[0], bindings, rng(0, 0, 0, "test"))


def without(object_id: int) -> list:
    """The tour with ``object_id`` shown in no frame."""
    return [(xy, t, tuple(i for i in ids if i != object_id)) for xy, t, ids in TOUR]


def test_the_house_families_are_the_house_ones():
    assert {f.family for f in load_families("all") if house_family(f)} == set(HOUSE_FAMILIES)


def test_which_room_answers_the_plan_among_plausible_shown_rooms():
    item = ask("house_object_room", {"obj": "plant"})
    assert item.answer == "living room" and item.choices[ord(item.answer_letter) - 65] == "living room"
    assert sorted(item.choices) == ["bathroom", "bedroom", "kitchen", "living room"]  # plants stand in all four
    armchair = ask("house_object_room", {"obj": "armchair"})  # living rooms, bedrooms and offices hold armchairs
    assert armchair.answer == "living room" and sorted(armchair.choices) == ["bedroom", "living room"]
    assert ask("house_object_room", {"obj": "bed"}) == "few_distractors"  # only a bedroom holds a bed
    assert armchair.certificate["rooms"]["in_room"] == {"armchair_1": 2}


def test_which_room_refusals():
    # the plant shown only from the kitchen (through the doorway), never from inside the living room
    tour = without(2) + [((5.0, 2.5), (0.5, 3.5, 0.5), (2,))]
    assert ask("house_object_room", {"obj": "plant"}, house(tour)) == "room_not_shown"
    near_door = tuple((c, col, (3.85, 2.0, z[2]), h, y) if c == "plant" else (c, col, z, h, y)
                      for c, col, z, h, y in OBJECTS)  # 0.2 m from the kitchen doorway's centre line
    assert ask("house_object_room", {"obj": "plant"}, house(objects=near_door)) == "margin_m"
    assert ask("house_object_room", {"obj": "red book"}) != "room_not_shown"  # named by colour: one of three
    # a second plant in a room the video never shows: "the plant" is not one object of the house
    extra = OBJECTS + (("plant", "green", (7.8, 7.8, 0.5), (0.2, 0.2, 0.5), 0.0),)
    assert ask("house_object_room", {"obj": "plant"}, house(objects=extra)) == "not_unique"


def test_room_size_per_room_and_its_structure_rule():
    item = ask("house_room_size", {"room": "kitchen"})
    assert item.answer == pytest.approx(16.0) and item.certificate["rooms"]["rooms"]["kitchen"]["corners_seen"] == "3/4"
    # without the bedroom frame that looks at its corner (4, 8.1), two of its four corners are seen: too few
    tour = [row for f, row in enumerate(TOUR) if f != 10]
    assert ask("house_room_size", {"room": "bedroom"}, house(tour)) == "no_structure"
    # a room the camera never enters is not shown at all
    assert ask("house_room_size", {"room": "bathroom"}, house(TOUR[:12])) in ("room_not_shown", "no_structure")


def test_counting_over_the_house_needs_every_room_and_every_instance():
    item = ask("house_object_counting", {"category": "book"})
    assert item.answer == 3 and item.certificate["rooms"]["instances"] == "3/3"
    assert set(item.certificate["rooms"]["rooms"]) == {"living room", "kitchen", "bedroom", "bathroom"}
    assert ask("house_object_counting", {"category": "book"}, house(without(12))) == "instance_not_shown"
    # the tour skips the bathroom: its book is never seen, and the room is not shown either
    skipped = ask("house_object_counting", {"category": "book"}, house(TOUR[:12]))
    assert skipped in ("instance_not_shown", "room_not_shown")
    # a tour that revisits the living room and shows its book again still counts it once
    again = ask("house_object_counting", {"category": "book"}, house(TOUR + TOUR[:2]))
    assert again.answer == 3


def test_direction_across_rooms_and_its_refusals():
    item = ask("house_rel_direction", {"a": "sofa", "b": "armchair", "c": "refrigerator"})
    assert item.answer == "right" and set(item.certificate["rooms"]["rooms"]) == {"living room", "kitchen"}
    close = tuple((c, col, (2.2, 0.95, z[2]), h, y) if c == "armchair" else (c, col, z, h, y)
                  for c, col, z, h, y in OBJECTS)
    assert ask("house_rel_direction", {"a": "sofa", "b": "armchair", "c": "refrigerator"}, house(objects=close)) \
        == "too_close"  # 0.40 m between centres: told apart by eye needs 0.5 m
    tour = without(4) + [((2.0, 2.0), (7.6, 3.5, 0.9), (4,))]  # the refrigerator seen only from the living room
    assert ask("house_rel_direction", {"a": "sofa", "b": "armchair", "c": "refrigerator"}, house(tour)) \
        == "room_not_shown"


def test_route_through_doors_and_its_refusals():
    item = ask("house_route_planning", {"start": "refrigerator", "facing": "trash can", "target": "sofa"})
    assert item.answer == ["right", "straight"] and item.answer_text == "right, straight"
    assert all(len(c.split(", ")) == 2 for c in item.choices) and len(set(item.choices)) == len(item.choices) >= 2
    assert item.certificate["rooms"]["doors"] == {0: 2}  # frames 1 and 3 show its middle from the living room
    no_door_view = [row for f, row in enumerate(TOUR) if f not in (1, 3)]  # the kitchen doorway is out of every view
    assert ask("house_route_planning", {"start": "refrigerator", "facing": "trash can", "target": "sofa"},
               house(no_door_view)) == "door_not_shown"


def test_no_house_family_fires_on_a_single_room():
    for episode in (single_room_twin(), living_room()):
        a = asker(episode)
        for fam in load_families(list(HOUSE_FAMILIES)):
            counts = Counter()
            assert a.ask(fam, counts) == [] and counts["attempts"] == 0


def test_single_room_families_that_read_the_whole_room_skip_houses():
    a = asker(house())
    for fam in load_families(["room_size_estimation", "route_planning"]):
        counts = Counter()
        assert a.ask(fam, counts) == [] and counts["attempts"] == 0


def test_a_single_room_runs_digest_leaves_the_house_families_out(tmp_path):
    write_episode(living_room(), tmp_path / "eps" / "one")
    qa = QAConfig()
    stats = run_ask([tmp_path / "eps" / "one"], qa, 0, 0, tmp_path / "out", MODEL)
    families = load_families("all")
    assert stats["config_hash"] == config_hash(qa, [f for f in families if not house_family(f)], MODEL)
    write_episode(house(), tmp_path / "eps" / "house")
    mixed = run_ask([tmp_path / "eps" / "one", tmp_path / "eps" / "house"], qa, 0, 0, tmp_path / "mixed", MODEL)
    assert mixed["config_hash"] == config_hash(qa, families, MODEL)
    assert mixed["families"]["house_room_size"]["kept"] >= 1


def test_every_house_family_yields_a_question_on_the_fixture():
    a = asker(house())
    for fam in load_families(list(HOUSE_FAMILIES)):
        kept = a.ask(fam, Counter())
        assert kept, fam.family
        assert all(item.certificate["rooms"] for item in kept)


def test_route_options_drawn_from_the_dataset_have_as_many_turns_as_the_answer():
    from simgen.qa.choices import prior_labels

    counts = {"left, straight": 4, "right, left, back": 9, "back, right": 2, "straight": 7}
    for seed in range(5):
        options = prior_labels("right, straight", counts, 4, rng(seed, 0, 0, "test"))
        assert options[0] == "right, straight" and sorted(options[1:]) == ["back, right", "left, straight"]


def test_only_rooms_of_a_type_the_house_has_once_are_named():
    from simgen.qa.families_house import room_labels
    from simgen.qa.scene_view import SceneView
    from simgen.types import HouseRoom

    assert room_labels(SceneView(house())) == ("living room", "kitchen", "bedroom", "bathroom")
    two = house()
    bedroom_2 = HouseRoom("bedroom 2", "bedroom", two.scene.rooms[3].footprint)
    two = two.__class__(**{**two.__dict__, "scene": two.scene.__class__(
        **{**two.scene.__dict__, "rooms": two.scene.rooms[:3] + (bedroom_2,)})})
    assert room_labels(SceneView(two)) == ("living room", "kitchen")  # "bedroom" and "bedroom 2": neither
    assert ask("house_room_size", {"room": "bedroom"}, two) == "not_unique"  # "the bedroom" of a house with two
