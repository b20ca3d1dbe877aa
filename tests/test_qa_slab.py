"""A large thing filmed only as a close-up slab is not recognisable (``SceneView.framed``,
``simgen.qa.outline``): by eye, a grey wardrobe whose front filled the frame, against grey walls,
was counted as one of two wardrobes. A close-up that shows where the thing ends still counts."""
from __future__ import annotations

import numpy as np
import pytest
from qa_fixtures import INTRINSICS, make_episode

from simgen.geometry import invert, look_at
from simgen.qa.episode_asker import EpisodeAsker
from simgen.qa.qa_config import QAConfig
from simgen.qa.families import load_families
from simgen.qa.outline import outline_in_frame
from simgen.qa.scene_view import SceneView
from simgen.seeding import rng
from simgen.visibility_model import VisibilityModel

ROOM = ((0.0, 0.0), (6.0, 0.0), (6.0, 4.0), (0.0, 4.0))
WARDROBES = [("wardrobe", "grey", (1.0, 3.6, 1.0), (0.8, 0.3, 1.0), 0.0),  # front faces -y
             ("wardrobe", "grey", (4.5, 0.4, 1.0), (0.8, 0.3, 1.0), 0.0),  # front faces +y
             ("chair", "red", (2.2, 3.0, 0.45), (0.25, 0.25, 0.45), 0.0)]  # beside the first
HEAD_ON = look_at((4.5, 1.5, 1.5), (4.5, 0.0, 1.35))  # 0.8 m from the second's front: it fills the frame
OBLIQUE = look_at((5.9, 1.6, 1.5), (4.5, 0.4, 1.0))  # its front and its right side, where it ends
SLAB_PIXELS = int(0.6 * 320 * 240)  # 60% of the image, 44% of its box in frame


def wardrobes(close_up) -> SceneView:
    """Frames 0-2 show the first wardrobe (and a chair) whole from across the room; frames 3-5 the second from ``close_up``."""
    far = look_at((1.0, 0.6, 1.5), (1.0, 3.6, 1.0))
    visibility = {f: {1: (20000, 1.0), 3: (3000, 1.0)} for f in range(3)} | {f: {2: (SLAB_PIXELS, 0.44)} for f in range(3, 6)}
    return make_episode(WARDROBES, room=ROOM, cameras=[far] * 3 + [close_up] * 3, visibility=visibility)


def count(episode):
    fam = load_families(["object_counting"])[0]
    asker = EpisodeAsker(episode, QAConfig(), 0, 0, "test", VisibilityModel())
    return asker.ask_one(fam, {"category": "wardrobe"}, rng(0, 0, 0, "test"))


def outline(T, row: int) -> float:
    _, _, c, h, _ = WARDROBES[row]
    return outline_in_frame(INTRINSICS.K(), INTRINSICS.width, INTRINSICS.height, invert(T), c, h, np.eye(3))


def test_head_on_slab_shows_no_outline_and_an_oblique_close_up_does():
    assert outline(HEAD_ON, 1) == 0.0  # the front overfills the image on every side
    assert outline(OBLIQUE, 1) >= 0.15
    assert outline(look_at((1.0, 0.6, 1.5), (1.0, 3.6, 1.0)), 0) == 1.0  # seen whole from across the room
    assert outline(look_at((1.0, 0.6, 1.5), (1.0, 3.6, 1.0)), 1) == 0.0  # behind the camera


def test_count_over_a_slab_is_refused_and_recorded():
    view = SceneView.from_episode(wardrobes(HEAD_ON))
    assert view.framed[:3, 0].all() and not view.framed[:, 1].any()
    assert view.clear[3:, 1].all()  # seen clearly, big: pixel area alone would have called it recognisable
    assert count(wardrobes(HEAD_ON)) == "ambiguous_count"


@pytest.mark.parametrize("close_up", [OBLIQUE], ids=["oblique"])
def test_count_over_a_close_up_that_shows_where_it_ends_is_kept(close_up):
    item = count(wardrobes(close_up))
    assert item.answer == 2
    assert item.certificate["count"]["wardrobe"]["frames_recognisable"] == [3, 3]
    assert item.certificate["count"]["wardrobe"]["max_in_frame_recognisable"] == [1.0, 0.44]


POTS = [("cooking pot", "grey", (1.0, 3.6, 0.15), (0.15, 0.15, 0.12), 0.0),
        ("cooking pot", "grey", (1.6, 3.6, 0.15), (0.15, 0.15, 0.12), 0.0),
        ("basket", "grey", (4.5, 0.4, 0.15), (0.16, 0.16, 0.13), 0.0),  # a look-alike (assets_rooms.LOOKALIKES)
        ("chair", "red", (2.2, 3.0, 0.45), (0.25, 0.25, 0.45), 0.0)]


def pots(basket_pixels: int):
    """Frames 0-2 show both pots and a chair whole; frames 3-5 the basket with ``basket_pixels`` (0: never)."""
    at_pots, at_basket = look_at((1.3, 2.2, 1.2), (1.3, 3.6, 0.15)), look_at((4.5, 1.6, 1.2), (4.5, 0.4, 0.15))
    visibility = {f: {1: (3000, 1.0), 2: (3000, 1.0), 4: (6000, 1.0)} for f in range(3)}
    visibility |= {f: ({3: (basket_pixels, 1.0)} if basket_pixels else {}) for f in range(3, 6)}
    return make_episode(POTS, room=ROOM, cameras=[at_pots] * 3 + [at_basket] * 3, visibility=visibility)


def test_a_count_is_refused_when_a_look_alike_shows():
    """By eye, a bathroom's basket was counted among a kitchen's cooking pots: a count of a category
    whose look-alike the video shows at all (here a glimpse) is ambiguous, and the certificate names it."""
    fam = load_families(["object_counting"])[0]

    def ask(episode):
        return EpisodeAsker(episode, QAConfig(), 0, 0, "test", VisibilityModel()).ask_one(
            fam, {"category": "cooking pot"}, rng(0, 0, 0, "test"))

    assert ask(pots(0)).answer == 2
    assert ask(pots(40)) == "ambiguous_count"  # 40 px: a glimpse, not even seen
