"""The ask stage end to end on fixture episodes: files, determinism, failures, config, CLI."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from qa_fixtures import ego_walk, living_room, moving_room, turn_in_place, write_episode
from simgen.job_config import group_config
from simgen.qa.ask import main, run_ask
from simgen.qa.qa_config import parse_qa_config
from simgen.qa.blind_audit import blind_audit
from simgen.io import json_line
from simgen.qa.records import QAItem, qa_id, read_jsonl, write_jsonl
from simgen.registry import ConfigError
from simgen.visibility_model import VisibilityModel
from test_families import gallery, room_pan, tour

CONF = Path(__file__).resolve().parents[1] / "conf" / "qa" / "default.yaml"
# The fixtures have 3–31 frames: one clear view of a referent is enough here (the default model
# wants 3, and drops the living room, whose objects are each seen clearly in at most 2 frames).
MODEL = VisibilityModel(clear_frames=1)


@pytest.fixture(scope="module")
def episodes(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("episodes")
    dirs = []
    for ep in (living_room(), gallery(), tour(), moving_room(), moving_room(1, episode_id="moving_room_behind"), ego_walk(),
               turn_in_place(), room_pan()):  # a turn that shows as one; three corners of a room
        write_episode(ep, root / ep.episode_id)
        dirs.append(root / ep.episode_id)
    return dirs


def qa_config(**over):
    cfg = group_config("qa", "default")  # conf/qa/default.yaml composed over its schema
    for key, value in over.items():
        OmegaConf.update(cfg, key, value)
    return parse_qa_config(cfg)


def test_run_ask_writes_verified_records_and_stats(episodes, tmp_path):
    stats = run_ask(episodes, qa_config(), seed=0, shard=0, out_dir=tmp_path, visibility=MODEL)
    items = read_jsonl(tmp_path / "qa.jsonl")
    assert len(items) == stats["kept"] > 50
    assert stats == json.loads((tmp_path / "stats.json").read_text())
    assert stats["episodes"] == {"ok": ["living_room", "gallery", "tour", "moving_room", "moving_room_behind", "ego_walk",
                                        "turn_in_place", "room_pan"], "failed": [], "dropped": []}
    # every family, static and dynamic, kept something (the house families, asked only about houses: test_qa_house_families)
    assert {i.family for i in items} == {f for f in stats["families"] if not f.startswith("house_")}
    for fam, s in stats["families"].items():
        assert s["attempts"] == s["kept"] + sum(s["rejected"].values())
        # every family's kept records are audited (its numbers: tests/test_blind_audit.py)
        assert fam.startswith("house_") and s["attempts"] == 0 or stats["audit"][fam]["n"] == s["kept"] \
            and {"metric", "chance", "blind"} <= set(stats["audit"][fam])
    item = items[0]
    assert item.config_hash == stats["config_hash"] and item.seed == 0 and item.episode_id in stats["episodes"]["ok"]
    assert item.program and item.bindings and "margins" in item.certificate


def test_same_config_and_seed_give_byte_identical_files(episodes, tmp_path):
    run_ask(episodes, qa_config(), 0, 0, tmp_path / "a", visibility=MODEL)
    run_ask(list(reversed(episodes)), qa_config(), 0, 0, tmp_path / "b", visibility=MODEL)  # input order does not matter
    run_ask(episodes, qa_config(), 1, 0, tmp_path / "c", visibility=MODEL)
    a, b, c = ((tmp_path / d / "qa.jsonl").read_bytes() for d in "abc")
    assert a == b
    assert a != c  # another seed asks other questions


def test_a_failing_episode_is_logged_and_skipped(episodes, tmp_path):
    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / "episode.json").write_text("{not json")
    stats = run_ask([bad] + episodes[:1], qa_config(), 0, 0, tmp_path / "out", visibility=MODEL)
    assert stats["episodes"]["ok"] == ["living_room"]
    assert stats["episodes"]["failed"][0]["episode"] == "broken"
    assert "cannot load episode" in stats["episodes"]["failed"][0]["error"]
    assert not list((tmp_path / "out").glob("*.tmp"))  # nothing half-written


def test_family_selection_and_per_family_counts(episodes, tmp_path):
    qa = qa_config(families=["object_counting", "room_size_estimation"], questions_per_episode=1,
                   per_family={"object_counting": 2})
    stats = run_ask(episodes[-1:], qa, 0, 0, tmp_path, visibility=MODEL)  # room_pan: three corners in view
    assert set(stats["families"]) == {"object_counting", "room_size_estimation"}
    assert stats["families"]["object_counting"]["kept"] == 2
    assert stats["families"]["room_size_estimation"]["kept"] == 1


@pytest.mark.parametrize("key, value, match", [
    ("families", ["nope"], r"qa.families: unknown family \['nope'\]"),
    ("questions_per_episode", 0, r"qa.questions_per_episode: expected an int ≥ 1"),
    ("verify.margin_deg", 120.0, r"qa.verify.margin_deg"),
    ("verify.bogus", 1, r"qa.verify: unknown key\(s\) \['bogus'\]"),
    ("balance.folds", 1, r"qa.balance.folds"),
    ("per_family", {"taller": -1}, r"qa.per_family.taller"),
])
def test_bad_qa_config_names_the_key(key, value, match):
    with pytest.raises(ConfigError, match=match):
        qa_config(**{key: value})


def test_shard_stats_carry_the_blind_audit(episodes, tmp_path):
    # balancing is the merge's (tests/test_merge.py); each shard's stats.json audits its own records
    stats = run_ask(episodes, qa_config(), 0, 0, tmp_path / "s0", visibility=MODEL)
    items = read_jsonl(tmp_path / "s0" / "qa.jsonl")
    assert stats["audit"] == blind_audit(items) and set(stats["audit"]) == {it.family for it in items}
    for entry in stats["audit"].values():
        assert entry["metric"] in ("accuracy", "mra") and {"chance", "blind", "rule", "scores"} <= set(entry)


def test_command_line(episodes, tmp_path, capsys):
    (tmp_path / "vis.yaml").write_text("visibility: {clear_frames: 1}\n")
    main([str(episodes[0].parent), "--out", str(tmp_path), "--families", "object_counting,taller",
          "--visibility", str(tmp_path / "vis.yaml")])
    printed = json.loads(capsys.readouterr().out)
    assert printed["kept"] == len(read_jsonl(tmp_path / "qa.jsonl")) > 0
    assert {i.family for i in read_jsonl(tmp_path / "qa.jsonl")} == {"object_counting", "taller"}


def test_command_line_names_a_bad_visibility_key(episodes, tmp_path):
    (tmp_path / "vis.yaml").write_text("visibility: {seen_frac: 2.0}\n")
    with pytest.raises(SystemExit, match="visibility.seen_frac"):
        main([str(episodes[0].parent), "--out", str(tmp_path), "--visibility", str(tmp_path / "vis.yaml")])


def test_command_line_names_a_missing_or_broken_file(episodes, tmp_path):
    with pytest.raises(SystemExit, match="--visibility .*nope.yaml: cannot read it"):
        main([str(episodes[0].parent), "--out", str(tmp_path), "--visibility", str(tmp_path / "nope.yaml")])
    (tmp_path / "bad.yaml").write_text("families: [a, b\n")
    with pytest.raises(SystemExit, match="--config .*bad.yaml: not valid YAML"):
        main([str(episodes[0].parent), "--out", str(tmp_path), "--config", str(tmp_path / "bad.yaml")])


def test_an_episode_that_shows_too_little_is_dropped_and_counted(episodes, tmp_path):
    # with the default model (clear in 3 frames) the living room shows no object clearly enough
    stats = run_ask(episodes[:2], qa_config(), 0, 0, tmp_path)
    (dropped,) = stats["episodes"]["dropped"]
    assert dropped["episode"] == "living_room" and dropped["reason"] == "too_few_objects"
    assert dropped["objects_clear"] == 0 and dropped["objects_seen"] == 7
    assert stats["episodes"]["ok"] == ["gallery"]
    assert all(i.episode_id == "gallery" for i in read_jsonl(tmp_path / "qa.jsonl"))


def test_records_round_trip_and_bad_lines_name_file_and_line(episodes, tmp_path):
    run_ask(episodes[:1], qa_config(families=["object_rel_distance", "route_planning"]), 0, 0, tmp_path, visibility=MODEL)
    path = tmp_path / "qa.jsonl"
    items = read_jsonl(path)
    again = tmp_path / "again.jsonl"
    write_jsonl(again, reversed(items))
    assert again.read_bytes() == path.read_bytes()  # sorted, canonical, whatever the input order
    for item in items:
        assert QAItem.from_dict(json.loads(json_line(item.to_dict()))) == item
    path.write_text(path.read_text() + '{"id": "x"}\n')
    with pytest.raises(ValueError, match=rf"qa.jsonl:{len(items) + 1}: not a QAItem record"):
        read_jsonl(path)


def test_record_ids_are_stable_hashes_of_episode_family_and_bindings():
    a = qa_id("ep", "taller", 1, {"pair": ["lamp", "box"]})
    assert a == qa_id("ep", "taller", 1, {"pair": ["lamp", "box"]})
    assert len({a, qa_id("ep", "taller", 2, {"pair": ["lamp", "box"]}), qa_id("ep2", "taller", 1, {"pair": ["lamp", "box"]}),
                qa_id("ep", "taller", 1, {"pair": ["box", "lamp"]})}) == 4


@pytest.mark.parametrize("option", sorted(p.stem for p in CONF.parent.glob("*.yaml")))
def test_every_qa_option_composes_and_validates(option):
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONF.parents[1]), version_base="1.3"):
        cfg = compose("config", overrides=[f"qa={option}"])
    assert cfg.qa.name == option
    qa = parse_qa_config(cfg.qa)
    assert qa.verify.stability_k == 8 and (qa.families == "all" or len(qa.families) >= 5)


def test_a_label_family_looks_for_its_rare_label_before_repeating_a_common_one():
    """A family answered by fixed labels takes each at most its share of the wanted questions while
    its attempts last (the rare "back" of object_rel_direction_medium was crowded out by the first
    lefts and rights). Replayed by the ask loop's own steps, the first verified items here are
    left, left, left, right: the ask keeps the first left and a right, and never verifies the lefts
    it set aside."""
    from dataclasses import replace

    from qa_fixtures import direction_ring
    from simgen.qa.episode_asker import EpisodeAsker
    from simgen.qa.qa_config import QAConfig
    from simgen.qa.families import load_families
    from simgen.qa.sampling import SamplingError, binding_key, sample_bindings
    from simgen.seeding import rng

    fam = load_families(["object_rel_direction_easy"])[0]
    qa = QAConfig(questions_per_episode=2)
    qa = replace(qa, verify=replace(qa.verify, stability=False))
    asker = EpisodeAsker(direction_ring([60, 100, 150, -100]), qa, 0, 0, "t", MODEL)
    gen, seen, verified = rng(0, 0, asker.scene_key, f"qa/{fam.family}"), set(), []
    for _ in range(2 * qa.attempts_factor):
        try:
            bindings = sample_bindings(fam, asker.view, gen, asker.categories)
        except SamplingError:
            continue
        if binding_key(fam, bindings) not in seen:
            seen.add(binding_key(fam, bindings))
            outcome = asker.ask_one(fam, bindings, gen)
            verified += [] if isinstance(outcome, str) else [outcome]
    assert [v.answer_text for v in verified[:4]] == ["left", "left", "left", "right"]  # the first two alone: left twice
    counts = Counter()
    kept = asker.ask(fam, counts)
    assert kept[0].id == verified[0].id and [k.answer_text for k in kept] == ["left", "right"]
    assert counts["kept"] == 2 and counts["label_share"] >= 2  # the lefts set aside, never verified
    assert counts["attempts"] == counts["kept"] + sum(n for reason, n in counts.items() if reason not in ("attempts", "kept"))
    # left / right / back, three places: among these lefts and rights it finds the one "back"...
    medium, ask3 = load_families(["object_rel_direction_medium"])[0], replace(qa, questions_per_episode=3)
    kept3 = EpisodeAsker(direction_ring([60, 100, 150, -100]), ask3, 0, 0, "t", MODEL).ask(medium, Counter())
    assert sorted(k.answer_text for k in kept3) == ["back", "left", "right"]
    # ...and where no draw can give "back" (three objects, a triangle without an obtuse angle), a
    # left or right it set aside fills the third place
    counts3 = Counter()
    kept3 = EpisodeAsker(direction_ring([60]), ask3, 0, 0, "t", MODEL).ask(medium, counts3)
    assert sorted(k.answer_text for k in kept3) in (["left", "left", "right"], ["left", "right", "right"])
    assert counts3["kept"] == 3 and counts3["attempts"] == 3 * qa.attempts_factor
