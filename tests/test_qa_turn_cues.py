"""Turns and moves between two images, as a viewer reads them (issue 13, judged by eye).

Found on a dynamic run: the camera turned 30° left while walking 1.6 m to its right, so the shelf
it filmed moved *left* in the image, as a right turn would move it: the question "did the camera
turn left or right?" answered "left" against what the two images show. A 154° turn cannot be told
from a 206° turn the other way, and a move "forward" across a 139° turn showed a sofa, then a
close-up of a shelf. ``simgen.qa.evidence.check_turn_cues`` rejects these; a plain turn passes.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from qa_fixtures import make_episode

from simgen.geometry import camera_from_yaw_pitch
from simgen.qa.episode_asker import EpisodeAsker
from simgen.qa.qa_config import QAConfig
from simgen.qa.families import load_families
from simgen.seeding import rng

ROOM = ((0.0, 0.0), (5.0, 0.0), (5.0, 4.0), (0.0, 4.0))
# the shelf of the dynamic run (id 1) and a few things around the room
ROWS = [("shelf", "grey", (0.15, 2.93, 0.88), (0.14, 0.29, 0.88), 0.0),
        ("chair", "red", (1.08, 1.60, 0.39), (0.18, 0.19, 0.39), 0.0),
        ("sofa", "beige", (2.89, 3.58, 0.45), (0.45, 1.10, 0.45), 0.0),
        ("stool", "brown", (2.97, 2.15, 0.44), (0.20, 0.20, 0.44), 0.0)]


def path(start, end, yaw0_deg, yaw1_deg, frames=21):
    """Cameras moving linearly from ``start`` to ``end`` (x, y at eye height 1.5 m) while the yaw
    goes linearly from ``yaw0_deg`` to ``yaw1_deg`` (pitch −25°, as the walkthrough films)."""
    ts = np.linspace(0.0, 1.0, frames)
    return [camera_from_yaw_pitch((*(np.add(start, t * np.subtract(end, start))), 1.5),
                                  np.radians(yaw0_deg + t * (yaw1_deg - yaw0_deg)), np.radians(-25.0)) for t in ts]


def ask(cameras, family, **verify):
    episode = make_episode(ROWS, room=ROOM, room_height=2.6, cameras=cameras)
    qa = QAConfig()
    qa = replace(qa, verify=replace(qa.verify, stability=False, **verify))
    return EpisodeAsker(episode, qa, 0, 0, "test").ask_one(load_families([family])[0], {"f0": 0, "f1": len(cameras) - 1},
                                                           rng(0, 0, 0, "test"))


def test_a_left_turn_while_walking_right_that_moves_the_shelf_left_in_the_image_is_not_asked():
    cams = path((2.23, 1.88), (1.35, 3.20), 164.5, 194.5)  # 30° left, 1.6 m to the camera's right
    assert ask(cams, "ego_turn") == "landmark_parallax"
    assert ask(cams, "ego_turn_angle") == "landmark_parallax"


def test_a_turn_in_place_is_asked_and_every_landmark_shifts_by_the_turn():
    item = ask(path((2.5, 1.0), (2.5, 1.0), 120.0, 150.0), "ego_turn")  # 30° left, standing still
    assert not isinstance(item, str), item
    assert item.answer == "left"
    cues = item.certificate["turn_cues"]
    assert cues["turn_deg"] == 30.0 and cues["landmarks"] >= 1 and cues["max_parallax_frac"] < 1e-6
    right = ask(path((2.5, 1.0), (2.5, 1.0), 150.0, 120.0), "ego_turn")  # the same turn backwards: right
    assert not isinstance(right, str) and right.answer == "right"
    angle = ask(path((2.5, 1.0), (2.5, 1.0), 120.0, 150.0), "ego_turn_angle")
    assert not isinstance(angle, str) and angle.answer == 30.0


def test_a_turn_near_180_degrees_is_not_asked():
    # walking round the stool, which both images show: 154° left cannot be told from 206° right
    cams = path((1.0, 2.0), (4.5, 1.2), 0.0, 154.0, frames=31)
    assert ask(cams, "ego_turn") == "too_large"


def test_a_move_across_a_turn_wider_than_the_field_of_view_is_not_asked():
    cams = path((1.0, 2.0), (4.5, 1.2), 0.0, 139.0, frames=31)  # round the stool: 3.6 m across a 139° turn
    assert ask(cams, "ego_movement_direction") == "too_large"
    assert ask(cams, "ego_movement_distance") == "too_large"
    # 1.04 m forward-left (17° off ahead) with a 50° turn: too wide to read a move's direction (≤ 30°)
    # or length (≤ 45°); straight ahead, the direction is rejected for the turn, not the margin
    wide = path((1.0, 2.0), (2.0, 2.3), 0.0, 50.0)
    assert ask(wide, "ego_movement_distance") == "too_large"
    assert ask(path((1.0, 2.0), (2.0, 2.0), 0.0, 50.0), "ego_movement_direction") == "too_large"
    forty = path((1.0, 2.0), (2.0, 2.3), 0.0, 40.0)  # a 40° turn: the length is still asked, the direction not
    assert ask(path((1.0, 2.0), (2.0, 2.0), 0.0, 40.0), "ego_movement_direction") == "too_large"
    assert ask(forty, "ego_movement_distance").answer == 1.04
    # judged by eye: a move 21° off "left" with a 23° turn read as backward; 17° off ahead is too close
    # to the forward/left boundary (margin_deg 30°)
    assert ask(path((1.0, 2.0), (2.0, 2.3), 0.0, 20.0), "ego_movement_direction") == "margin_deg"
    straight = ask(path((0.5, 1.9), (2.0, 1.9), 0.0, 0.0), "ego_movement_distance")  # 1.5 m ahead, no turn
    assert not isinstance(straight, str), straight
    assert abs(straight.answer - 1.5) < 0.01
