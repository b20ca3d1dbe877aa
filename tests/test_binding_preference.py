"""Binding preference: a comparison's pair may be two instances of one category named by colour
("the red chair or the blue chair"), resolved, answered and validated correctly."""
from __future__ import annotations

from collections import Counter

import pytest
from qa_fixtures import make_episode

from simgen.qa.episode_asker import EpisodeAsker
from simgen.qa.qa_config import QAConfig
from simgen.qa.families import load_families, parse_family
from simgen.qa.sampling import sample_bindings
from simgen.registry import ConfigError
from simgen.seeding import rng
from simgen.visibility_model import VisibilityModel

# the red chair is the bigger and taller one (0.6 m wide, 1.0 m tall vs 0.4 m, 0.7 m); a grey chair
# would make "the chair" three: only colours no other chair has may name one
TWINS = (
    ("sofa", "grey", (1.0, 0.5, 0.4), (1.0, 0.45, 0.4), 0.0),
    ("table", "brown", (3.5, 0.6, 0.4), (0.5, 0.4, 0.4), 0.0),
    ("chair", "red", (3.0, 2.5, 0.5), (0.3, 0.3, 0.5), 0.0),
    ("chair", "blue", (5.0, 2.5, 0.35), (0.2, 0.2, 0.35), 0.0),
    ("lamp", "white", (5.5, 0.6, 0.8), (0.2, 0.2, 0.8), 0.0),
)


def asker(objects=TWINS):
    episode = make_episode(objects, visibility="all")
    return EpisodeAsker(episode, QAConfig(), seed=0, shard=0, digest="test", visibility=VisibilityModel(clear_frames=1))


def test_a_pair_named_by_colour_is_resolved_and_answered_by_colour():
    a = asker()
    for family, key in (("size_comparison", "size"), ("taller", "height"), ("volume_comparison", "volume")):
        fam = load_families([family])[0]
        for pair in (["red chair", "blue chair"], ["blue chair", "red chair"]):
            item = a.ask_one(fam, {"pair": pair}, rng(0, 0, 0, "test"))
            assert not isinstance(item, str), (family, item)
            assert item.answer == item.answer_text == "red chair", (family, key)
            assert sorted(item.choices) == ["blue chair", "red chair"]
            assert "the red chair" in item.question and "the blue chair" in item.question


def test_by_color_pairs_are_drawn_only_where_colours_tell_instances_apart():
    fam = load_families(["size_comparison"])[0]
    a = asker()
    drawn = Counter()
    for i in range(200):
        pair = sample_bindings(fam, a.view, rng(0, 0, i, "test"), a.categories)["pair"]
        drawn["twins" if pair[0].endswith("chair") else "categories"] += 1
        if pair[0].endswith("chair"):
            assert sorted(pair) == ["blue chair", "red chair"]
    assert 60 < drawn["twins"] < 140  # TWINS = 0.5 of the draws
    third = TWINS + (("chair", "red", (1.0, 2.5, 0.35), (0.2, 0.2, 0.35), 0.0),)  # two red chairs: only blue is own
    b = asker(third)
    for i in range(100):
        pair = sample_bindings(fam, b.view, rng(0, 0, i, "test"), b.categories)["pair"]
        assert not any(p.endswith("chair") for p in pair)  # the chairs are not unique: never a plain "chair" either


def test_by_color_is_only_for_pairs():
    base = {"family": "x", "version": 1, "modality": "video", "description": "d",
            "answer": {"type": "choice", "choices": ["slot:objs"]}, "program": "argmax(the_each(objs), key=size_of)",
            "templates": ["Which of the {objs_0}, {objs_1}, {objs_2}?"]}
    with pytest.raises(ConfigError, match="by_color"):
        parse_family({**base, "slots": {"objs": {"type": "categories", "observed": "unique", "count": 3, "by_color": True}}},
                     "x.yaml")


def test_a_colour_named_answer_balances_as_its_category():
    """"the red chair" winning is a chair winning: the answer caps count it with the chairs, not as a
    new answer of its own (hundreds of one-off answers would pull the median cap down to 1)."""
    from simgen.qa.balance import answer_key
    from simgen.qa.binding_preference import twin_category

    item = asker().ask_one(load_families(["taller"])[0], {"pair": ["blue chair", "red chair"]}, rng(0, 0, 0, "test"))
    assert answer_key(item) == "chair" and twin_category("red chair", item.bindings) == "chair"
    assert twin_category("teddy bear", {"pair": ["teddy bear", "toy duck"]}) is None
    assert twin_category("red chair", {"pair": ["red chair", "red table"]}) is None
