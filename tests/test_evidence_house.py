"""What the single-room evidence rules mean in a house (issue 18): walls hide the other rooms' corners,
and "the room" of room-size questions does not exist. A hand-made two-room house at 320×240."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from qa_fixtures import make_episode

from simgen.geometry import look_at
from simgen.qa.episode_asker import EpisodeAsker
from simgen.qa.qa_config import QAConfig
from simgen.qa.evidence import corner_points, corners_in_view
from simgen.qa.families import load_families
from simgen.qa.scene_view import SceneView
from simgen.seeding import rng
from simgen.types import HouseRoom, Opening

HOUSE = ((0.0, 0.0), (8.1, 0.0), (8.1, 4.0), (0.0, 4.0))
ROOMS = (HouseRoom("living room", "living", ((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0))),
         HouseRoom("kitchen", "kitchen", ((4.1, 0.0), (8.1, 0.0), (8.1, 4.0), (4.1, 4.0))))
DOOR = Opening("door", (4.05, 1.6), (4.05, 2.5), 0.0, 2.1, (0, 1))


def _episodes(cameras=(look_at((0.5, 2.0, 1.5), (8.0, 2.0, 1.2)),) * 4):
    """The same frames as one room and as a two-room house (by default the camera stands in the living
    room looking along +x, through the wall into the kitchen)."""
    rows = [("sofa", "grey", (2.0, 3.4, 0.4), (0.9, 0.4, 0.4), 0.0), ("lamp", "white", (3.5, 0.5, 0.8), (0.2, 0.2, 0.8), 0.0),
            ("table", "brown", (6.0, 2.0, 0.4), (0.6, 0.4, 0.4), 0.0)]
    one_room = make_episode(rows, room=HOUSE, cameras=cameras, visibility={f: {1: 1000, 2: 1000} for f in range(4)})
    house = replace(one_room, scene=replace(one_room.scene, rooms=ROOMS, openings=(DOOR,)))
    return one_room, house


def test_in_a_house_only_the_corners_of_the_cameras_room_count():
    one_room, house = _episodes()
    single, multi = SceneView(one_room), SceneView(house)
    far = [i for i, (x, _) in enumerate(corner_points(single)) if x > 8.0]
    assert corners_in_view(single)[:, far].all()  # one room: its far corners are plainly in view
    points, seen = corner_points(multi), corners_in_view(multi)
    assert len(points) == 8
    kitchen = points[:, 0] > 4.05
    assert not seen[:, kitchen].any()  # behind the wall: the kitchen's corners are not evidence
    assert not seen[:, ~kitchen].all()  # the living room's own corners behind the camera are out of view too
    assert seen[:, ~kitchen].any()  # but its far corners are in view


def test_room_size_is_not_asked_of_a_whole_house():
    one_room, house = _episodes([look_at((4.0, 2.0, 1.5), (x, y, 1.0)) for x, y in HOUSE])  # a look at each corner
    fam = load_families(["room_size_estimation"])[0]
    qa = replace(QAConfig(), verify=replace(QAConfig().verify, stability=False))
    kept = EpisodeAsker(one_room, qa, 0, 0, "test").ask_one(fam, {}, rng(0, 0, 0, "test"))
    assert not isinstance(kept, str) and np.isclose(kept.answer, 32.4, atol=0.05)
    assert EpisodeAsker(house, qa, 0, 0, "test").ask_one(fam, {}, rng(0, 0, 0, "test")) == "house"
