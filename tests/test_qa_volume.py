"""Which takes up more space, read two ways: the box an object fits in and the volume its parts fill.

By eye (scene=house seed 7): "Between the toilet and the stove, which one takes up more room?" →
toilet, by box volume (0.55 against 0.27 m³: a toilet's bowl, tank and the air round them), where a
viewer sees the stove's solid body as the bulkier. volume_comparison (v4) asks only where both
readings agree by the volume margin."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from qa_fixtures import make_episode, run_program

from simgen.geometry import look_at
from simgen.qa.boxes import filled_fractions, part_volume
from simgen.qa.episode_asker import EpisodeAsker
from simgen.qa.families import load_families
from simgen.qa.qa_config import QAConfig
from simgen.qa.scene_view import SceneView
from simgen.seeding import rng
from simgen.types import Part, Pose
from simgen.visibility_model import VisibilityModel

ROOM = ((0.0, 0.0), (5.0, 0.0), (5.0, 4.0), (0.0, 4.0))
# a toilet's box (0.9 × 0.64 × 0.94 m = 0.541 m³) holds a bowl (cylinder r 0.23 m, 0.4 m tall: 0.0665 m³)
# and a tank (0.2 × 0.6 × 0.4 m: 0.048 m³), 0.1145 m³ in all; the stove's body fills its 0.271 m³ box
TOILET = [Part("cylinder", (0.23, 0.23, 0.2), Pose((0.2, 0.0, -0.27))), Part("box", (0.1, 0.3, 0.2), Pose((-0.35, 0.0, 0.1)))]
ROWS = [("toilet", "white", (1.0, 1.0, 0.47), (0.45, 0.32, 0.47), 0.0),
        ("stove", "grey", (3.5, 1.0, 0.45), (0.29, 0.26, 0.45), 0.0),
        ("wardrobe", "brown", (2.5, 3.5, 1.0), (0.6, 0.3, 1.0), 0.0)]


def room():
    cameras = [look_at((2.5 + 0.5 * np.cos(a), -1.5, 1.6), (2.5, 1.5, 0.5)) for a in np.linspace(-0.5, 0.5, 10)]
    episode = make_episode(ROWS, room=ROOM, cameras=cameras, visibility="all", episode_id="volumes")
    objects = tuple(replace(o, parts=tuple(TOILET)) if o.category == "toilet" else o for o in episode.scene.objects)
    return replace(episode, scene=replace(episode.scene, objects=objects))


def ask(pair):
    asker = EpisodeAsker(room(), QAConfig(), 0, 0, "test", VisibilityModel(clear_frames=1))
    return asker.ask_one(load_families(["volume_comparison"])[0], {"pair": pair}, rng(0, 0, 0, "test"))


def test_parts_fill_their_share_of_the_box():
    filled = filled_fractions(room().scene.objects)
    assert filled[0] == pytest.approx((np.pi * 0.23 ** 2 * 0.4 + 0.048) / (0.9 * 0.64 * 0.94), rel=1e-9)
    assert filled[1] == 1.0 and filled[2] == 1.0  # one box part: the box itself


def test_a_toilet_is_not_bulkier_than_a_stove_by_its_box_alone():
    assert ask(["toilet", "stove"]) == "margin_m3"  # the box says toilet (+0.27 m³), its parts stove (−0.16 m³)


def test_a_pair_both_readings_agree_on_is_asked_with_both_gaps():
    item = ask(["wardrobe", "stove"])
    assert item.answer == "wardrobe"
    gap = next(m for m in item.certificate["margins"] if m["kind"] == "gap")
    assert gap["detail"]["key_gap"] == pytest.approx(1.44 - 0.2714, abs=1e-3)
    assert gap["detail"]["rival_gap"] == pytest.approx(1.44 - 0.2714, abs=1e-3) and gap["margin"] == pytest.approx(1.1686, abs=1e-3)


def test_an_order_by_volume_records_the_rival_readings_smallest_gap():
    # by box: stove 0.271 < toilet 0.541 < wardrobe 1.44; by parts the toilet (0.1145) comes before the stove
    ex = run_program(SceneView.from_episode(room()), "sort(objects(), key=volume_of)")
    assert [n.split("_")[0] for n in ex.value] == ["stove", "toilet", "wardrobe"]
    gap = next(d for d in ex.trace if d.kind == "gap")
    assert gap.detail["key_gap"] == pytest.approx(0.541 - 0.2714, abs=1e-3)
    assert gap.detail["rival_gap"] == pytest.approx(np.pi * 0.23 ** 2 * 0.4 + 0.048 - 0.2714, abs=1e-3)  # < 0
    assert gap.margin == gap.detail["rival_gap"]


def test_a_mesh_part_fills_what_its_triangles_enclose():
    ball = Part("mesh", (0.2, 0.2, 0.2), mesh="soccerball.obj")  # the file's ball has radius 0.5: 0.1 m at this scale
    assert part_volume(ball) == pytest.approx(4 / 3 * np.pi * 0.1 ** 3, rel=0.02)
