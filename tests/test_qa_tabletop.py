"""Tabletop scenes ask centimetre-scale questions about the things on the table
(``simgen.qa.scene_scale``): length thresholds at a fifth of a room's, the table and the furniture by
the walls left out of the object sets, and no question about the room as a whole or the nearest
of every object shown."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from qa_fixtures import make_episode, write_episode

from simgen.geometry import look_at
from simgen.qa.ask import run_ask
from simgen.qa.episode_asker import EpisodeAsker
from simgen.qa.qa_config import QAConfig
from simgen.qa.families import load_families
from simgen.qa.records import read_jsonl
from simgen.qa.sampling import applicable
from simgen.qa.scene_scale import TABLETOP_SCALE, scaled
from simgen.seeding import rng
from simgen.visibility_model import VisibilityModel

ROOM = ((0.0, 0.0), (4.0, 0.0), (4.0, 3.0), (0.0, 3.0))
TOP = 0.75  # the table's top
ROWS = [("table", "brown", (2.0, 1.5, TOP / 2), (0.6, 0.4, TOP / 2), 0.0),
        ("bookshelf", "white", (0.3, 2.6, 0.9), (0.3, 0.2, 0.9), 0.0),  # by the wall, 1.6 m from the table
        ("mug", "red", (1.7, 1.3, TOP + 0.05), (0.04, 0.04, 0.05), 0.0),
        ("book", "blue", (1.95, 1.3, TOP + 0.015), (0.06, 0.09, 0.015), 0.0),  # 15 cm from the mug
        ("bowl", "green", (2.3, 1.7, TOP + 0.04), (0.08, 0.08, 0.04), 0.0),
        ("vase", "white", (2.05, 1.15, TOP + 0.1), (0.05, 0.05, 0.1), 0.0),
        ("alarm clock", "black", (2.4, 1.25, TOP + 0.05), (0.05, 0.03, 0.05), 0.0)]
MUG_BOOK_M = 0.15  # closest points: 1.7 + 0.04 to 1.95 - 0.06 (closer pairs move > 10% under the jitter)


def tabletop(marked: bool = True):
    """The table and its things filmed from half a metre round one side (every object in view);
    ``marked``: built by the tabletop builder (else the same objects as a room)."""
    cameras = [look_at((2.0 + 0.9 * np.cos(a), 1.5 + 0.9 * np.sin(a), 1.3), (2.0, 1.5, TOP)) for a in
               np.linspace(-2.2, -0.9, 12)]
    episode = make_episode(ROWS, room=ROOM, cameras=cameras, visibility="all", episode_id="tabletop")
    if not marked:
        return episode
    objects = tuple(replace(o, support=1) if o.object_id > 2 else o for o in episode.scene.objects)
    return replace(episode, scene=replace(episode.scene, objects=objects,
                                          complexity={"source": {"builder": "tabletop"}}))


def asker(episode):
    return EpisodeAsker(episode, QAConfig(), 0, 0, "test", VisibilityModel(clear_frames=1))


def ask(family: str, bindings: dict, marked: bool = True):
    return asker(tabletop(marked)).ask_one(load_families([family])[0], bindings, rng(0, 0, 0, "test"))


def test_thresholds_scale_by_the_power_of_their_length():
    s = TABLETOP_SCALE
    assert scaled("margin_m", 0.15, s) == pytest.approx(0.15 * s) and scaled("margin_m2", 0.5, s) == pytest.approx(0.5 * s * s)
    assert scaled("margin_m3", 0.02, s) == pytest.approx(0.02 * s ** 3) and scaled("min_pair_m", 0.5, s) == pytest.approx(0.1)
    assert scaled("margin_deg", 10.0, s) == 10.0 and scaled("min_motion_m", 0.2, s) == 0.2  # angles, the camera's walk
    assert scaled("min_value", 0.15, s, "m") == pytest.approx(0.03) and scaled("min_value", 15.0, s, "deg") == 15.0
    assert scaled("margin_m", 0.15, 1.0) == 0.15


def test_a_distance_of_centimetres_between_table_things_is_asked_on_a_tabletop_only():
    item = ask("object_abs_distance", {"a": "mug", "b": "book"})
    assert item.answer == pytest.approx(MUG_BOOK_M, abs=0.005)
    assert ask("object_abs_distance", {"a": "mug", "b": "book"}, marked=False) == "too_small"  # at a room's 0.15 m floor
    assert item.certificate["stability"]["flips"] == 0  # jittered by a fifth of 2 cm, not by 2 cm


def test_direction_and_size_between_table_things():
    # standing at the mug facing the bowl, the vase (in front of the table's near side) is on the right
    item = ask("object_rel_direction_easy", {"a": "mug", "b": "bowl", "c": "vase"})
    assert item.answer == "right" and item.certificate["pairs"]["closest_m"] < 0.5  # told apart at 10 cm
    assert ask("object_rel_direction_easy", {"a": "mug", "b": "bowl", "c": "vase"}, marked=False) == "too_close"
    assert ask("size_comparison", {"pair": ["bowl", "mug"]}).answer == "bowl"  # 16 vs 10 cm: 6 cm > 2 cm margin


def test_the_table_and_the_furniture_are_backdrop():
    view = asker(tabletop()).view
    assert sorted(view.category[view.observed]) == ["alarm clock", "book", "bowl", "mug", "vase"]
    assert ask("object_abs_distance", {"a": "mug", "b": "bookshelf"}) == "empty_set"


@pytest.mark.parametrize("family", ["room_size_estimation", "route_planning", "nearest_object"])
def test_room_wide_and_everything_ranking_families_do_not_fit_a_tabletop(family):
    fam = load_families([family])[0]
    assert not applicable(fam, asker(tabletop()).view) and applicable(fam, asker(tabletop(False)).view)


def test_a_tabletop_run_names_only_table_things_and_measures_in_centimetres(tmp_path):
    write_episode(tabletop(), tmp_path / "eps" / "tabletop")
    run_ask([tmp_path / "eps" / "tabletop"], QAConfig(), 0, 0, tmp_path / "out", VisibilityModel(clear_frames=1))
    items = read_jsonl(tmp_path / "out" / "qa.jsonl")
    assert not any(w in it.question for it in items for w in ("bookshelf", "table"))
    distances = [it.answer for it in items if it.family == "object_abs_distance"]
    assert len(distances) >= 2 and max(distances) < 0.8  # the table's things, not the bookshelf 1.6 m away
    assert not {it.family for it in items} & {"room_size_estimation", "route_planning", "nearest_object"}


@pytest.mark.parametrize("family", ["object_height", "llm_height_cm"])
def test_a_height_too_small_to_read_is_asked_on_a_tabletop_only(family):
    # by eye (scene=house seed 7): llm_height_cm asked a cutting board's height to the centimetre (2 cm,
    # options 1 and 2); a compiled family sets no min_value, so the verifier's length floor is every family's
    assert ask(family, {"a": "book"}, marked=False) == "too_small"  # 3 cm, under a room's 5 cm floor
    assert ask(family, {"a": "book"}).answer == 3  # filmed from half a metre: over a tabletop's 1 cm
    assert ask(family, {"a": "vase"}, marked=False).answer == 20  # 20 cm: read in a room too
