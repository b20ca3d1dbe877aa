"""Numeric options a viewer would consider (issue 13): a question about one object's height or
longest side offers only values an instance of its category could have, whatever else the pool
holds. By eye: "How tall is the plant?" offered "2 cm" (a book's height) beside the plant's 113 cm."""
from __future__ import annotations

import numpy as np
import pytest

from simgen.qa.option_pools import catalogue_extent, plausible_range
from simgen.qa.options import OptionPriors, redraw_options, with_prior_options
from simgen.qa.records import QAItem
from simgen.scene.catalogue import CATALOGUE, instantiate

HEIGHT = "to_cm(height(the(a)))"


def height_item(i: int, category: str, cm: int, program: str = HEIGHT) -> QAItem:
    """An object_height record as the ask stage makes it (no options yet)."""
    return QAItem(f"{i:016x}", "object_height", 1, f"How tall is the {category}, in centimetres?", cm, str(cm), None,
                  (), "number", "cm", "video", f"ep{i}", (0,), program, {"a": category}, {}, i, "h")


@pytest.mark.parametrize("category", ["plant", "mug", "shelf", "book", "chair", "teddy bear", "vase"])
def test_a_categorys_range_holds_every_instance_the_default_generator_builds(category):
    gen, item = np.random.default_rng(11), CATALOGUE[category]
    shapes = ([None] if item.make is not None else []) + item.variant_names()  # every shape variant too
    half = np.array([instantiate(item, gen, size_variation=0.3, variant=shape).half_extents
                     for shape in shapes for _ in range(100)])
    for quantity, values in (("height", 2 * half[:, 2]), ("size", 2 * half.max(axis=1))):
        lo, hi = catalogue_extent(category, quantity)
        assert lo <= values.min() and values.max() <= hi, (quantity, lo, hi, values.min(), values.max())


def test_ranges_read_plainly_and_only_for_extent_questions():
    plant, mug = plausible_range(height_item(0, "plant", 113)), plausible_range(height_item(1, "mug", 11))
    assert 2 < plant[0] < 60 and 120 < plant[1] < 260  # in centimetres, the record's unit (a palm is a plant too)
    assert mug[1] < 30
    assert plausible_range(height_item(2, "red chair", 90)) == plausible_range(height_item(3, "chair", 90))
    assert plausible_range(height_item(4, "plant", 113, program="distance(the(a), the(b))")) is None
    assert plausible_range(height_item(5, "GarbageCan", 90)) is None  # a category the catalogue lacks (AI2-THOR)


def shard(program: str = HEIGHT) -> list[QAItem]:
    """One shard: a plant asked about once, among books, mugs, tables and shelves."""
    rows = [("book", 2), ("book", 3), ("book", 4), ("mug", 9), ("mug", 12), ("mug", 10), ("table", 45), ("table", 75),
            ("table", 74), ("shelf", 150), ("shelf", 190), ("shelf", 120), ("lamp", 160), ("lamp", 175), ("lamp", 150)]
    items = [height_item(100 + i, c, cm, program) for i, (c, cm) in enumerate(rows)]
    return items + [height_item(i, "plant", cm, program) for i, cm in enumerate((113, 80, 97, 130, 60))]


def test_a_plants_height_is_never_offered_as_a_books():
    span = plausible_range(height_item(0, "plant", 113))
    drawn = [it for it in with_prior_options(shard(), {"object_height": 4}) if it.bindings["a"] == "plant"]
    for it in drawn:  # the plants' own five answers are enough for a pool of their own...
        assert it.answer_text in it.choices and len(it.choices) >= 2
        assert all(span[0] <= float(c) <= span[1] for c in it.choices), it.choices
    alone = shard()[:-4]  # ...and one plant alone draws from the family's answers, inside the plant's range
    plant = [it for it in with_prior_options(alone, {"object_height": 4}) if it.bindings["a"] == "plant"][0]
    assert len(plant.choices) >= 2 and all(span[0] <= float(c) <= span[1] for c in plant.choices), plant.choices
    unbounded = [with_prior_options(shard("p")[:-5] + [height_item(k, "plant", 113, "p")], {"object_height": 4})[-1]
                 for k in range(8)]  # without the range (any other program), one plant in eight draws
    assert any(float(c) < span[0] for it in unbounded for c in it.choices)  # what it was: books' heights


def test_a_number_whose_range_leaves_no_second_option_is_not_servable():
    items = [height_item(i, c, cm) for i, (c, cm) in enumerate([("mug", 12), ("book", 2), ("book", 3), ("shelf", 150),
                                                                  ("shelf", 180), ("lamp", 160)])]
    priors = OptionPriors({"object_height": 4})
    for it in items:
        priors.add(it)
    servable = priors.servable(np.ones(len(items), dtype=bool))
    pools = priors.pools(np.ones(len(items), dtype=bool))
    assert not servable[0]  # the only value in a mug's range is its own
    assert redraw_options(items[0].to_dict(), pools, 4)["choices"] == []
    for i in range(1, len(items)):  # the others draw within their own ranges, as servable says
        assert bool(servable[i]) == bool(redraw_options(items[i].to_dict(), pools, 4)["choices"])


def test_ranked_options_put_the_answer_at_the_rank_asked_with_pool_values_told_apart():
    from simgen.qa.choices import option_chains, ranked_options
    pool = np.array([6, 7, 9, 9, 11, 12, 14, 15, 16], dtype=float)
    assert option_chains(pool, 9.0, 1.25) == (1, 2)  # 7 below (then nothing under 5.6); 12 and 15 above
    for rank in range(3):
        for seed in range(20):
            texts = ranked_options(9.0, "9", pool, 3, rank, 0, np.random.default_rng(seed), 1.25)
            if rank > 1:  # a second value below 7 would need one under 5.6
                assert texts is None
                continue
            values = sorted(map(float, texts))
            assert values.index(9.0) == rank and set(values) <= set(pool)
            assert all(b >= 1.25 * a for a, b in zip(values, values[1:])), values


def test_a_category_with_few_answers_takes_the_rank_its_family_lacks():
    """Toy ducks among mugs: the ducks' heights are the least of their range's answers, so a grid
    through the answer's quantile put every duck's answer first (blind 'pick the lower option':
    3 of 3). Their ranks are chosen so the family's stay level, never outside the duck's range."""
    mugs = [height_item(100 + i, "mug", cm) for i, cm in enumerate((8, 10, 12, 13, 14, 15, 16, 17))]
    ducks = [height_item(i, "toy duck", cm) for i, cm in enumerate((4, 5, 6))]
    span = plausible_range(ducks[0])  # 3-16 cm: the ducks' 4-6 cm are the least of its answers
    drawn = with_prior_options(mugs + ducks, {"object_height": 4})  # three ducks: the family's pool
    ranks = {it.id: sorted(map(float, it.choices)).index(float(it.answer_text)) for it in drawn if it.choices}
    assert len(ranks) == len(drawn)
    assert {len(it.choices) for it in drawn} == {2}
    counts = np.bincount(list(ranks.values()), minlength=2)
    assert abs(counts[0] - counts[1]) <= 1, counts
    duck_ranks = [ranks[it.id] for it in drawn[len(mugs):]]
    assert duck_ranks[0] == 0 and 1 in duck_ranks, duck_ranks  # 4 cm: nothing fits below; not every duck lower
    assert all(span[0] <= float(c) <= span[1] for it in drawn[len(mugs):] for c in it.choices)


def room_item(i: int, room: str, m2: float) -> QAItem:
    """A house_room_size record as the ask stage makes it (no options yet)."""
    return QAItem(f"{i:016x}", "house_room_size", 1, f"How big is the {room}, in square metres?", m2, f"{m2:.1f}",
                  None, (), "number", "m2", "video", f"ep{i}", (0,), "room_floor_area(room)", {"room": room}, {}, i, "h")


def test_a_living_rooms_area_is_never_offered_as_a_bathrooms():
    # by eye: "how big is the living room?" offered 6.8 and 9.0 m² (a bathroom, a bedroom) beside its 16.5:
    # the largest option, told by the room's name
    span = plausible_range(room_item(0, "living room", 16.5))
    assert span[0] > 6.8 and span[1] >= 45.0  # the generator's living rooms (14-45 m²) and more, no 6.8 m² bathroom
    assert plausible_range(room_item(0, "bathroom", 6.8))[1] < 20.0 and plausible_range(room_item(0, "attic", 9)) is None
    others = [room_item(10 + i, room, m2) for i, (room, m2) in enumerate(
        [("bathroom", 6.8), ("bathroom", 5.5), ("bedroom", 9.0), ("bedroom", 12.5), ("kitchen", 10.1), ("office", 9.7),
         ("dining room", 21.0), ("bedroom", 27.0), ("living room", 34.0)])]
    for k in range(8):  # too few living rooms for a pool of their own: the family's answers, inside the range
        living = with_prior_options(others + [room_item(k, "living room", 16.5)], {"house_room_size": 3})[-1]
        assert len(living.choices) >= 2 and all(span[0] <= float(c) <= span[1] for c in living.choices), living.choices
    dense = [room_item(10 + i, room, m2) for i, (room, m2) in enumerate(
        [("bathroom", 6.8), ("bedroom", 9.0), ("bedroom", 13.4), ("kitchen", 14.2), ("office", 15.9)])]
    living = with_prior_options(dense + [room_item(0, "living room", 16.5)], {"house_room_size": 3})[-1]
    assert living.choices == ()  # no two values in range a viewer could tell apart: an open number, no giveaway


def count_item(i: int, category: str, n: int, family: str = "house_object_counting") -> QAItem:
    """A counting record as the ask stage makes it (no options yet)."""
    program = "count_in_house(category)" if family == "house_object_counting" else "count(objects(category=category))"
    return QAItem(f"{i:016x}", family, 1, f"How many {category} objects are there?", n, str(n), None, (), "number",
                  "count", "video", f"ep{i % 3}", (0,), program, {"category": category}, {}, i, "h")


@pytest.mark.parametrize("family", ["house_object_counting", "object_counting"])
def test_a_counts_options_are_near_it(family):
    # by eye (scene=house seed 7): "how many books are in the house?" (25) offered 2 and 4, the family's other
    # answers on a grid through the whole pool: picked without counting
    rows = [("towel", 4), ("bowl", 26), ("book", 25), ("tissue box", 6), ("toy duck", 2), ("cutting board", 2),
            ("plate", 3), ("cup", 1), ("chair", 12), ("pillow", 9)]
    drawn = with_prior_options([count_item(i, c, n, family) for i, (c, n) in enumerate(rows)], {family: 4})
    books = next(it for it in drawn if it.bindings["category"] == "book")
    assert books.choices and set(books.choices) <= {"25", "26"}, books.choices
    for it in drawn:
        assert it.answer_text in it.choices or it.choices == ()
        lo, hi = (1, 3) if it.answer < 4 else (it.answer / 2, it.answer * 2)  # within a factor 2, or 1-3
        assert all(lo <= int(c) <= hi for c in it.choices), (it.answer, it.choices)
    cup = next(it for it in drawn if it.bindings["category"] == "cup")  # a count of 1, offered beside 2 or 3
    assert cup.choices and set(cup.choices) <= {"1", "2", "3"}, cup.choices


def test_a_counts_options_inside_its_band_put_it_at_each_rank_alike():
    gen = np.random.default_rng(5)
    items = [count_item(i, "book", int(n)) for i, n in enumerate(gen.integers(16, 32, size=240))]
    drawn = [it for it in with_prior_options(items, {"house_object_counting": 4}) if it.choices]
    assert len(drawn) == len(items) and {len(it.choices) for it in drawn} == {4}
    ranks = np.bincount([sorted(map(int, it.choices)).index(it.answer) for it in drawn], minlength=4)
    assert ranks.min() >= 0.7 * len(drawn) / 4, ranks  # no rank rule beats chance by much
    assert all(16 <= int(c) <= 31 for it in drawn for c in it.choices)
