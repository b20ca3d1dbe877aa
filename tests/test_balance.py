"""Balancing caps and the blind audit on synthetic records (no episodes needed)."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from simgen.qa.balance import (
    BalanceConfig,
    answer_caps,
    answer_key,
    balance,
    blind_audit,
    merge_and_balance,
    mra,
    normalise_question,
)
from simgen.qa.records import QAItem, qa_id, read_jsonl, write_jsonl
from simgen.registry import ConfigError


def item(family: str, question: str, answer, *, n: int, answer_type="choice", choices=("left", "right"), unit=None):
    """A minimal record; ``n`` makes the id unique."""
    text = str(answer)
    letter = None
    if answer_type in ("choice", "object", "ordering"):
        letter = "AB"[list(choices).index(text)] if text in choices else None
    return QAItem(
        id=qa_id(f"ep{n}", family, 1, {"n": n}),
        family=family,
        family_version=1,
        question=question,
        answer=answer,
        answer_text=text,
        answer_letter=letter,
        choices=tuple(choices) if letter else (),
        answer_type=answer_type,
        unit=unit,
        modality="video",
        episode_id=f"ep{n}",
        frames=(0,),
        program="x",
        bindings={"n": n},
        certificate={},
        seed=0,
        config_hash="c",
    )


def test_mra_matches_vsibench_definition():
    assert mra(10.0, 10.0) == 1.0
    assert mra(10.4, 10.0) == 1.0  # rel 0.04 ≤ 1 − 0.95
    assert mra(10.6, 10.0) == pytest.approx(0.9)  # rel 0.06 fails only θ = 0.95
    assert mra(15.0, 10.0) == pytest.approx(0.1)  # rel 0.5 passes only θ = 0.50
    assert mra(15.01, 10.0) == 0.0
    assert mra(float("nan"), 1.0) == 0.0


def test_caps_follow_clevr_rules():
    caps = answer_caps(Counter({"yes": 100, "no": 50}), BalanceConfig())
    assert caps == {"yes": 55, "no": 50}  # 1.1 × second
    # median rule: counts 200, 190, 3, 2, 1 → median 3 floored to 5 → cap 25
    caps = answer_caps(Counter({"a": 200, "b": 190, "c": 3, "d": 2, "e": 1}), BalanceConfig())
    assert caps == {"a": 25, "b": 25, "c": 3, "d": 2, "e": 1}
    # both configurable
    counts = Counter({"a": 200, "b": 190, "c": 3, "d": 2, "e": 1})
    caps = answer_caps(counts, BalanceConfig(max_ratio_second=2.0, median_floor=20))
    assert caps == {"a": 100, "b": 100, "c": 3, "d": 2, "e": 1}
    caps = answer_caps(Counter({"a": 300, "b": 190, "c": 3}), BalanceConfig(max_ratio_median=100.0))
    assert caps == {"a": 209, "b": 190, "c": 3}


def test_balance_is_global_across_shards_and_deterministic(tmp_path):
    recs = [item("lr", f"q{i}", "left", n=i) for i in range(40)] + [item("lr", f"q{i}", "right", n=100 + i) for i in range(10)]
    # split into two "shards" whose union is what must be balanced
    write_jsonl(tmp_path / "s0" / "qa.jsonl", recs[::2])
    write_jsonl(tmp_path / "s1" / "qa.jsonl", recs[1::2])
    stats = merge_and_balance([tmp_path / "s0", tmp_path / "s1"], tmp_path / "out")
    kept = read_jsonl(tmp_path / "out" / "qa.jsonl")
    c = Counter(k.answer_text for k in kept)
    assert c == {"left": 11, "right": 10}
    assert stats["balance"]["lr"]["dropped"] == 29
    again, _ = balance(list(reversed(recs)))
    assert sorted(k.id for k in again) == sorted(k.id for k in kept)


def test_numbers_balance_by_log_bucket_and_counts_by_value():
    a = item("d", "q", 1.00, n=1, answer_type="number", unit="m")
    b = item("d", "q", 1.05, n=2, answer_type="number", unit="m")
    c = item("d", "q", 2.00, n=3, answer_type="number", unit="m")
    assert answer_key(a) == answer_key(b) != answer_key(c)
    assert answer_key(item("c", "q", 3, n=4, answer_type="number", unit="count")) == "3"


def test_normalised_question_ignores_case_and_punctuation():
    assert normalise_question("Is the  Chair LEFT, or right?") == "is the chair left or right"


def test_blind_audit_flags_text_that_leaks_the_answer():
    rng = np.random.default_rng(0)
    leak, fair = [], []
    for i in range(400):
        side = ["left", "right"][int(rng.integers(2))]
        # leaky wording: the phrasing depends on the answer
        q = "Is the lamp on the left or right?" if side == "left" else "Is the lamp to the left or the right?"
        leak.append(item("leaky", q, side, n=i))
        cat = ["lamp", "chair", "sofa"][int(rng.integers(3))]
        fair.append(item("fair", f"Is the {cat} left or right?", ["left", "right"][int(rng.integers(2))], n=1000 + i))
    report = blind_audit(leak + fair)
    assert report["leaky"]["blind"] > 0.95 and report["leaky"]["chance"] == 0.5
    assert abs(report["fair"]["blind"] - 0.5) < 0.1


def test_blind_audit_numbers_use_mra():
    rng = np.random.default_rng(1)
    recs = [item("size", f"How big is the {c}?", float(v), n=i, answer_type="number", unit="cm")
            for i, (c, v) in enumerate(zip(rng.choice(["mug", "sofa"], 200), rng.uniform(10, 300, 200)))]
    report = blind_audit(recs)
    assert report["size"]["metric"] == "mra" and 0.0 <= report["size"]["blind"] < 0.5


def test_bad_config_names_the_key():
    with pytest.raises(ConfigError, match="max_ratio_second"):
        BalanceConfig(max_ratio_second=0.5).validate("qa.balance")


def test_command_line_merges_and_balances(tmp_path, capsys):
    from simgen.qa.balance import main

    recs = [item("yn", f"q{i}", "yes", n=i, answer_type="yes_no") for i in range(30)]
    recs += [item("yn", f"q{i}", "no", n=100 + i, answer_type="yes_no") for i in range(10)]
    write_jsonl(tmp_path / "a.jsonl", recs)
    main([str(tmp_path / "a.jsonl"), "--out", str(tmp_path / "out")])
    assert "40 records in, 21 kept" in capsys.readouterr().out
    assert len(read_jsonl(tmp_path / "out" / "qa.jsonl")) == 21
