"""The blind audit finds planted text shortcuts and no others; each prior rule; numeric options
carry no position or magnitude cue (answer rank uniform, nearest-to-median at chance)."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from simgen.qa.blind_audit import AuditItem, audit_family, blind_audit, named_features
from simgen.qa.choices import prior_options
from simgen.qa.options import with_prior_options
from simgen.qa.records import QAItem

CATS = ("chair", "table", "mug", "lamp", "sofa", "book", "vase", "box")


def rec(i, question, answer, choices=(), answer_type="choice", named=(), family="f", episodes=40):
    """An AuditItem of episode ``i % episodes`` (the audit splits folds by episode)."""
    return AuditItem(f"{i:012x}", family, f"ep{i % episodes}", question, answer, str(answer), answer_type,
                     tuple(choices), tuple(named))


def pair_records(n, rng, planted: bool):
    """"Which is taller, the A or the B?": planted, the earlier category in CATS always wins."""
    out = []
    for i in range(n):
        a, b = (str(x) for x in rng.choice(CATS, 2, replace=False))
        winner = min(a, b, key=CATS.index) if planted else (a, b)[int(rng.integers(2))]
        choices = (a, b) if rng.random() < 0.5 else (b, a)
        out.append(rec(i, f"Which is taller, the {a} or the {b}?", winner, choices,
                       named=(f"cat:{a}", f"cat:{b}", f"set:{'|'.join(sorted((a, b)))}")))
    return out


def test_learned_audit_finds_a_planted_shortcut():
    report = audit_family(pair_records(600, np.random.default_rng(0), planted=True))
    assert report["chance"] == 0.5 and report["metric"] == "accuracy"
    assert report["scores"]["learned"] > 0.9 and report["blind"] > 0.9


def test_learned_audit_finds_nothing_where_there_is_nothing():
    report = audit_family(pair_records(1500, np.random.default_rng(1), planted=False))
    for name, score in report["scores"].items():
        assert abs(score - 0.5) < 0.05, (name, score)


def test_learned_audit_reads_words_not_only_named_categories():
    rng = np.random.default_rng(2)
    items = []
    for i in range(600):  # the wording leaks: "on the left" only when the answer is left
        side = ("left", "right")[int(rng.integers(2))]
        q = "Is the lamp on the left or right?" if side == "left" else "Is the lamp to the left or the right?"
        items.append(rec(i, q, side, ("left", "right")))
    assert audit_family(items)["scores"]["learned"] > 0.95


def test_majority_rule():
    items = [rec(i, "Is it there?", "yes" if i % 10 < 8 else "no", answer_type="yes_no") for i in range(200)]
    report = audit_family(items)
    assert report["scores"]["majority"] == pytest.approx(0.8, abs=0.03) and report["chance"] == 0.5


def test_majority_per_category_rule():
    items = []
    for i in range(400):  # each category has its own usual answer; the family as a whole is balanced
        cat = CATS[i % 4]
        usual = "yes" if cat in ("chair", "table") else "no"
        answer = usual if i % 10 else ("no" if usual == "yes" else "yes")
        items.append(rec(i, f"Is the {cat} there?", answer, answer_type="yes_no", named=(f"cat:{cat}",)))
    scores = audit_family(items)["scores"]
    assert scores["majority"] < 0.6 and scores["majority_per_category"] > 0.85


def test_majority_per_named_rule_catches_pairs_and_turns():
    items = []
    for i in range(400):  # "the opposite of the net turn": only the pair (sign) tells
        turn = ("turn_left", "turn_right")[i % 2]
        named = named_features({"acts": [[turn, 90], ["move_ahead", 1.0]]})
        items.append(rec(i, f"After you {turn.replace('_', ' ')} and move, which side is the box on?",
                         "right" if turn == "turn_left" else "left", ("left", "right"), named=named))
    scores = audit_family(items)["scores"]
    assert scores["majority"] < 0.6 and scores["majority_per_named"] > 0.95 and scores["majority_per_category"] > 0.95


def numeric_items(n, rng, build, sigma=0.3):
    """Numeric multiple choice: answers log-normal around 2 m, options from ``build(answer, rng)``."""
    out = []
    for i in range(n):
        answer = round(float(rng.lognormal(np.log(2.0), sigma)), 2)
        texts = build(answer, rng)
        order = rng.permutation(len(texts))
        out.append(rec(i, "How far is the chair from the table (m)?", f"{answer:.2f}",
                       tuple(texts[int(j)] for j in order), answer_type="number"))
    return out


def test_numeric_rules_catch_options_centred_on_the_answer():
    def centred(answer, rng):  # the old way: the answer in the middle of a ladder
        return [f"{answer * f:.2f}" for f in (1.0, 0.45, 1.6, 2.4)]

    scores = audit_family(numeric_items(400, np.random.default_rng(3), centred))["scores"]
    assert scores["middle_low"] > 0.95 or scores["middle_high"] > 0.95


def test_numeric_rules_nearest_median_and_longest():
    def far(answer, rng):  # distractors all far above: the answer is nearest the median and shortest
        return [f"{answer:.2f}"] + [f"{answer * f:.2f}" for f in (12.0, 60.0, 300.0)]

    scores = audit_family(numeric_items(300, np.random.default_rng(4), far))["scores"]
    assert scores["nearest_median"] > 0.95 and scores["longest_option"] < 0.1


def qa_item(i, family, answer, text, cat, episodes=40):
    """A numeric QAItem as the ask stage makes it: the answer, no options yet."""
    return QAItem(f"{i:016x}", family, 1, f"How big is the {cat} (cm)?", answer, text, None, (), "number",
                  "cm" if family == "size" else "count", "video", f"ep{i % episodes}", (0,), "p", {"obj": cat},
                  {}, i, "h")


def test_ask_stage_numeric_options_sit_at_every_rank_and_defeat_every_rule():
    """The ask stage's one mechanism (qa.options.with_prior_options over the shard's answers): the
    answer lands in each rank about equally often, the nearest-to-median rule (and every other rule
    on the options) scores at chance, and every option is an answer of the set (nothing far-off)."""
    rng = np.random.default_rng(5)
    items = []
    for i in range(3000):
        cat = CATS[i % len(CATS)]  # the category tells the size: the options must be drawn per category
        size = int(round(float(rng.lognormal(np.log(10.0 * (1 + CATS.index(cat))), 0.6))))
        items.append(qa_item(i, "size", size, str(size), cat))
    counts = [int(rng.integers(1, 7)) for _ in range(1500)]
    items += [qa_item(5000 + i, "count", c, str(c), CATS[i % 3]) for i, c in enumerate(counts)]
    drawn = with_prior_options(items, {"size": 4, "count": 4})
    assert [it.id for it in drawn] == [it.id for it in items]
    sizes = [it for it in drawn if it.family == "size"]
    assert all(len(it.choices) == 4 and it.choices[ord(it.answer_letter) - 65] == it.answer_text for it in sizes)
    for it in sizes:  # told apart by eye: neighbours 25 % apart or more (counts merely differ)
        values = sorted(map(float, it.choices))
        assert all(b >= 1.25 * a for a, b in zip(values, values[1:])), it.choices
    answers = {it.answer_text for it in items}
    assert all(set(it.choices) <= answers for it in drawn)  # plausible: values the set itself answers
    ranks = Counter(sorted(map(float, it.choices)).index(float(it.answer)) for it in sizes)
    assert set(ranks) == {0, 1, 2, 3} and all(abs(c / len(sizes) - 0.25) < 0.03 for c in ranks.values()), ranks
    for family in ("size", "count"):
        report = audit_family([AuditItem.of(it) for it in drawn if it.family == family])
        for name in ("nearest_median", "middle_low", "middle_high", "longest_option", "majority_per_category", "learned"):
            assert report["scores"][name] < report["chance"] + 0.05, (family, name, report["scores"])
    assert with_prior_options(items, {}) == items  # open numbers stay open where no options are wanted


def test_a_number_no_prior_can_serve_becomes_an_open_number():
    items = [qa_item(i, "size", 7, "7", "mug") for i in range(5)]  # one value: no distractor exists
    drawn = with_prior_options(items, {"size": 4})
    assert all(it.choices == () and it.answer_letter is None for it in drawn)
    served = with_prior_options(items + [qa_item(9 + i, "size", 9 + i, str(9 + i), "mug") for i in range(40)], {"size": 4})
    mixed = [AuditItem.of(it) for it in served[:-3]] + [AuditItem.of(it.__class__(**{**it.__dict__, "choices": (),
                                                       "answer_letter": None})) for it in served[-3:]]
    report = audit_family(mixed)  # the open few leave the audit of the options
    assert report["metric"] == "accuracy" and report["n"] == len(served) - 3


def test_prior_options_leave_every_numeric_rule_at_chance():
    rng = np.random.default_rng(6)
    pool = np.round(rng.lognormal(np.log(2.0), 0.8, size=5000), 2)  # distances and sizes spread this wide

    def from_prior(answer, rng):
        return prior_options(answer, f"{answer:.2f}", pool, 4, 2, rng)

    items = numeric_items(2000, np.random.default_rng(7), from_prior, sigma=0.8)
    report = audit_family(items)
    assert report["chance"] == 0.25
    for name in ("nearest_median", "middle_low", "middle_high", "longest_option", "learned"):
        assert abs(report["scores"][name] - 0.25) < 0.05, (name, report["scores"][name])
    ranks = Counter(sorted(map(float, it.choices)).index(float(it.answer_text)) for it in items)
    assert all(abs(c / len(items) - 0.25) < 0.04 for c in ranks.values())


def test_prior_options_over_the_sets_own_lumpy_answers_are_exchangeable():
    """The merge draws options from the kept answers themselves: a small, lumpy pool (rounded to
    0.1, a few values common) that holds every answer. Rejection draws around the answer left it
    nearer the median than its distractors (a dense region repels them); the circular quantile
    grid puts it at each rank equally often and every rule on the options at chance."""
    rng = np.random.default_rng(12)
    answers = np.round(rng.lognormal(np.log(1.0), 0.35, size=150), 1)
    pool = np.sort(answers)
    items = []
    for rep in range(8):
        for i, answer in enumerate(answers):
            texts = prior_options(float(answer), f"{answer:.1f}", pool, 4, 1, rng)
            assert texts[0] == f"{answer:.1f}" and len(set(texts)) == len(texts) >= 2
            assert all(float(t) in pool for t in texts)  # pool values as they are, never jittered
            order = rng.permutation(len(texts))
            items.append(rec(rep * 1000 + i, "How far is the chair from the table (m)?", f"{answer:.1f}",
                             tuple(texts[int(j)] for j in order), answer_type="number"))
    four = [it for it in items if len(it.choices) == 4]
    assert len(four) > 0.9 * len(items)
    ranks = Counter(sorted(map(float, it.choices)).index(float(it.answer_text)) for it in four)
    assert all(abs(c / len(four) - 0.25) < 0.03 for c in ranks.values()), ranks
    report = audit_family(items)
    for name in ("nearest_median", "middle_low", "middle_high", "longest_option"):
        assert report["scores"][name] < report["chance"] + 0.03, (name, report["scores"])


def test_open_numbers_use_mra_with_the_family_median_as_chance():
    rng = np.random.default_rng(8)
    items = []
    for i in range(400):  # the category tells the size: a text reader beats the median
        cat = ("mug", "sofa")[i % 2]
        size = float(rng.uniform(0.9, 1.1) * (0.1 if cat == "mug" else 2.0))
        items.append(rec(i, f"How long is the {cat} (m)?", round(size, 3), answer_type="number", named=(f"cat:{cat}",)))
    report = audit_family(items)
    assert report["metric"] == "mra" and report["chance"] == report["scores"]["family_median"] < 0.3
    assert report["scores"]["named_median"] > 0.7 and report["scores"]["learned"] > 0.7


def test_one_episode_cannot_be_audited_and_families_are_reported_apart():
    items = [rec(i, "q?", "yes", answer_type="yes_no", episodes=1) for i in range(20)]
    assert audit_family(items)["blind"] is None
    more = [rec(i, "q?", "no", answer_type="yes_no", family="g") for i in range(20)]
    assert set(blind_audit(items + more)) == {"f", "g"}


def test_pairs_prefer_comparable_categories_but_keep_every_pair_possible():
    from types import SimpleNamespace

    from simgen.qa.binding_preference import PREFER, comparable, pick_categories

    # rows: table, sofa (furniture, similar size), mug, book (small, similar), lamp (furniture, tall and thin)
    half = np.array([[0.6, 0.4, 0.38], [0.9, 0.45, 0.4], [0.05, 0.05, 0.06], [0.1, 0.07, 0.04], [0.2, 0.2, 0.8]])
    view = SimpleNamespace(kind=np.array(["furniture", "furniture", "small", "small", "furniture"]), half=half,
                           _cached=lambda key, compute: compute())  # a view that keeps nothing (SceneView keeps it)
    cats = {"table": [0], "sofa": [1], "mug": [2], "book": [3], "lamp": [4]}
    assert comparable("table", "sofa", cats, view) and comparable("mug", "book", cats, view)
    assert not comparable("table", "mug", cats, view) and not comparable("table", "lamp", cats, view)
    rng = np.random.default_rng(9)
    pairs = [tuple(pick_categories(list(cats), 2, cats, view, rng)) for _ in range(4000)]
    close = np.mean([comparable(a, b, cats, view) for a, b in pairs])
    uniform = np.mean([comparable(a, b, cats, view) for a, b in
                       (rng.choice(list(cats), 2, replace=False) for _ in range(4000))])
    assert close > uniform + 0.3 and close > PREFER * 0.8
    assert len({frozenset(p) for p in pairs}) == 10  # all C(5, 2) pairs still drawn
    assert all(a != b for a, b in pairs)


def test_prior_options_take_as_many_options_as_the_pool_allows_for_every_answer():
    """A lumpy prior (counts): no value may hold more than 1/k of the pool, or the common value would
    be right more often than 1 in k; k is the pool's, the same for every answer (fewer options for
    some answers would tell them)."""
    rng = np.random.default_rng(10)
    pool = np.array([1.0, 1.0, 2.0, 2.0, 3.0, 4.0])  # 1 and 2 each hold a third: three options
    sets = [prior_options(a, str(int(a)), pool, 4, 0, rng) for a in pool for _ in range(400)]
    assert {len(t) for t in sets} == {3}
    truth = [str(int(a)) for a in pool for _ in range(400)]
    for value in ("1", "2", "3", "4"):  # offered ↔ right 1 time in 3, whatever the value
        offered = [t == value for t, options in zip(truth, sets) if value in options]
        assert abs(np.mean(offered) - 1 / 3) < 0.05, (value, np.mean(offered))
    assert prior_options(1, "1", np.array([1.0, 1.0, 1.0, 2.0]), 4, 0, rng) is None  # 1 holds ¾: no fair pair
    assert prior_options(1, "1", np.array([1.0, 1.0]), 4, 0, rng) is None


def test_prior_labels_draw_other_answers_by_frequency():
    from simgen.qa.choices import prior_labels

    counts = {"left, right": 60, "right, left": 30, "back, back": 10, "left, left": 0}
    rng = np.random.default_rng(11)
    firsts = Counter()
    for _ in range(3000):
        options = prior_labels("left, right", counts, 4, rng)
        assert options[0] == "left, right" and len(set(options)) == len(options) == 3  # "left, left" never drawn
        firsts[options[1]] += 1
    assert abs(firsts["right, left"] / 3000 - 0.75) < 0.03  # 30 of the 40 other answers
    assert prior_labels("x", {"x": 5}, 4, rng) is None


def test_object_options_are_of_the_answers_kind():
    """A mug's nearest object is the table it stands on: options of mixed kinds would tell the
    answer by its kind, so every option shares the answer's kind (fewer options when few exist)."""
    from types import SimpleNamespace

    from simgen.qa.choices import make_answer
    from simgen.qa.families import load_families

    fam = load_families(["nearest_object"])[0]
    view = SimpleNamespace(observed=np.arange(7), category=np.array(["mug", "table", "shelf", "sofa", "book", "vase", "ball"]),
                           kind=np.array(["small", "furniture", "furniture", "furniture", "small", "small", "small"]))

    def options(answer, ref, seed):
        execution = SimpleNamespace(value=answer, unit=None, type=SimpleNamespace(kind="Category"))
        a = make_answer(fam, execution, view, {"ref": ref}, np.random.default_rng(seed))
        assert a.choices[ord(a.letter) - 65] == answer
        return set(a.choices)

    assert all(options("table", "mug", s) == {"table", "shelf", "sofa"} for s in range(20))
    small = [options("book", "table", s) for s in range(40)]
    assert all(len(o) == 4 and o <= {"mug", "book", "vase", "ball"} for o in small)


def test_ties_score_their_expected_accuracy():
    """Options of equal length tie: a rule that cannot tell its options apart scores 1 / k on every
    question, not the luck of picking the first (which put longest_option 5 points over chance)."""
    rng = np.random.default_rng(8)

    def equal_length(answer, rng):
        return [f"{answer:.2f}"] + [f"{v:.2f}" for v in rng.uniform(1.0, 9.0, 3)]

    report = audit_family(numeric_items(97, rng, equal_length, sigma=0.1))
    assert report["scores"]["longest_option"] == 0.25


def test_measurement_options_are_told_apart_and_stay_exchangeable():
    """Options 25 % apart or more (a viewer could not tell 0.44 m from 0.39 m), still with the answer
    at each rank equally often; a prior too narrow for two such options offers none (open number)."""
    from simgen.qa.choices import grid_size

    rng = np.random.default_rng(9)
    pool = np.round(rng.lognormal(np.log(2.0), 0.8, size=4000), 2)
    ranks = Counter()
    for answer in pool[:2000]:
        texts = prior_options(float(answer), f"{answer:.2f}", pool, 4, 2, rng, min_ratio=1.25)
        values = sorted(map(float, texts))
        assert len(texts) == 4 and all(b >= 1.25 * a for a, b in zip(values, values[1:])), texts
        ranks[values.index(float(answer))] += 1
    assert all(abs(c / 2000 - 0.25) < 0.03 for c in ranks.values()), ranks
    narrow = np.round(rng.lognormal(np.log(0.1), 0.05, size=400), 3)  # every mug 9-11 cm tall
    assert prior_options(0.1, "0.100", narrow, 4, 3, rng, min_ratio=1.25) is None
    assert prior_options(0.1, "0.100", narrow, 4, 3, rng) is not None  # merely distinct: possible
    assert grid_size(np.array([1.0, 1.1, 2.0, 2.2]), 4, 1.25) == 2  # 2.0 ≥ 1.25 × 1.0, 2.2 ≥ 1.25 × 1.1
    assert grid_size(np.array([1.0, 1.1, 1.2, 1.3]), 4, 1.25) == 1  # 1.2 < 1.25 × 1.0: no two always apart
    assert grid_size(np.array([1, 1, 1, 2]), 4) == 1 and grid_size(np.array([1, 1, 2, 3]), 4) == 2  # counts: distinct
