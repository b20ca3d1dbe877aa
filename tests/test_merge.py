"""Streaming merge of shards: dedup, global balance equal to qa.balance's, audit, idempotence, refusals."""
import hashlib
import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from export_fixtures import copy_shards, merged
from simgen.export.audit import AuditSample
from simgen.export.dataset import Dataset
from simgen.qa.records import iter_records
from simgen.export.merge import find_shards, main as merge_main, merge
from simgen.qa.balance import answer_key, balance, load_records
from simgen.qa.blind_audit import blind_audit
from simgen.qa.records import read_jsonl, write_jsonl
from simgen.registry import ConfigError


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` by relative path."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return merged(tmp_path_factory.mktemp("merge"))


def test_merge_dedups_balances_and_keeps_provenance(dataset):
    stats = json.loads((dataset / "stats.json").read_text())
    assert (stats["records_in"], stats["duplicates_dropped"], stats["records_out"]) == (34, 2, 28)
    items = read_jsonl(dataset / "qa.jsonl")
    assert len(items) == 28 and len({(it.episode_id, it.question) for it in items}) == 28
    for family, entry in stats["balance"].items():
        counts = sorted(entry["answers_after"].values(), reverse=True)
        assert counts[0] <= 1.1 * counts[1]  # CLEVR cap over the union of both shards
    assert stats["balance"]["depth_order"]["answers_before"] == {"no": 2, "yes": 6}
    assert stats["balance"]["depth_order"]["answers_after"] == {"no": 2, "yes": 2}
    assert stats["rejected"]["total"] == {"low_margin": 4, "not_unique": 7, "unstable": 2}
    provenance = json.loads((dataset / "merge.json").read_text())
    assert [(s["name"], s["shard"], s["overrides"]) for s in provenance["shards"]] == [
        ("scene.num_objects=3", 0, ["scene.num_objects=3"]), ("scene.num_objects=4", 1, ["scene.num_objects=4"])]
    assert all((dataset / s["config"]).is_file() for s in provenance["shards"])
    episodes = Dataset(dataset).episodes
    assert sorted({e.complexity["num_objects"] for e in episodes.values()}) == [3, 4]
    for eid in episodes:
        assert {p.name for p in (dataset / "episodes" / eid).iterdir()} == {"episode.json", "video.mp4"}


def test_records_are_written_in_canonical_order(dataset):
    text = (dataset / "qa.jsonl").read_text()
    check = dataset.parent / "rewritten.jsonl"
    write_jsonl(check, read_jsonl(dataset / "qa.jsonl"))
    assert check.read_text() == text


def test_merge_keeps_what_in_memory_balance_keeps(dataset):
    shards = find_shards([dataset.parent / "multirun"])
    items = sorted(load_records(shards), key=lambda it: (it.episode_id, it.family, it.id))
    seen, unique = set(), []
    for it in items:  # the merge's dedup: first of each (episode, question) in canonical order
        if (it.episode_id, it.question) not in seen:
            seen.add((it.episode_id, it.question))
            unique.append(it)
    kept, report = balance(unique)
    stats = json.loads((dataset / "stats.json").read_text())
    assert sorted(it.id for it in kept) == sorted(it.id for it in iter_records(dataset / "qa.jsonl"))
    assert stats["balance"] == json.loads(json.dumps(report))
    # the audit of the union is of the records as the shards wrote them; the kept set's audit is of
    # what was written (numeric options re-drawn), so it is recomputed from the written file
    assert stats["audit_before"] == json.loads(json.dumps(blind_audit(unique)))
    assert stats["audit"] == json.loads(json.dumps(blind_audit(list(iter_records(dataset / "qa.jsonl")))))


def test_audit_sample_keeps_the_lowest_ranks_per_family():
    items = read_jsonl(find_shards([Path(__file__).parent / "fixtures" / "export_shards"])[0] / "qa.jsonl")
    sample = AuditSample(limit=2)
    for it in items:
        sample.add(it)
    for family, heap in sample.heaps.items():
        ranks = sorted(int(it.id[:12], 16) for it in items if it.family == family)
        assert sorted(-e[0] for e in heap) == ranks[:2]


def test_merge_is_idempotent_and_order_independent(dataset, tmp_path):
    before = tree_digest(dataset)
    root = dataset.parent / "multirun"
    merge([root], dataset)
    assert tree_digest(dataset) == before
    shards = find_shards([root])
    merge(list(reversed(shards)), tmp_path / "again")
    assert tree_digest(tmp_path / "again") == before


def test_remerge_with_fewer_shards_drops_their_episodes(dataset, tmp_path):
    out = tmp_path / "ds"
    shutil.copytree(dataset, out)
    first = find_shards([dataset.parent / "multirun"])[0]
    merge([first], out)
    names = {p.name for p in (out / "episodes").iterdir()}
    assert names == {p.name for p in (first / "episodes").iterdir()}
    assert {it.episode_id for it in iter_records(out / "qa.jsonl")} <= names


def test_refuses_mixed_schema_versions(tmp_path):
    shards = copy_shards(tmp_path / "root")
    path = shards[1] / "qa.jsonl"
    path.write_text(path.read_text().replace('"schema_version":1', '"schema_version":2'))
    with pytest.raises(ConfigError, match=r"incompatible schema versions.*qa v2 / episode v1: \['scene.num_objects=4'\]"):
        merge([tmp_path / "root"], tmp_path / "out")
    assert not (tmp_path / "out" / "qa.jsonl").exists()


def test_refuses_old_episode_schema(tmp_path):
    shards = copy_shards(tmp_path / "root")
    ep = next((shards[0] / "episodes").glob("*/episode.json"))
    ep.write_text(ep.read_text().replace('"schema_version": 1', '"schema_version": 0'))
    with pytest.raises(ConfigError, match=r"episode v0: \['scene.num_objects=3'\]"):
        merge([tmp_path / "root"], tmp_path / "out")


def test_refuses_to_overwrite_a_foreign_folder(tmp_path):
    copy_shards(tmp_path / "root")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not a simgen dataset dir"):
        merge([tmp_path / "root"], tmp_path / "out")


def test_unsorted_shard_and_unknown_episode_are_named(tmp_path):
    shards = copy_shards(tmp_path / "root")
    path = shards[0] / "qa.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(reversed(lines)))
    with pytest.raises(ValueError, match=r"scene.num_objects=3/qa.jsonl:2: records are not in canonical order"):
        merge([shards[0]], tmp_path / "out")
    path.write_text("".join(lines))
    shutil.rmtree(next((shards[0] / "episodes").iterdir()))
    with pytest.raises(ValueError, match="not a finished episode"):
        merge([shards[0]], tmp_path / "out2")


def test_cli_merges_a_multirun_root(tmp_path, capsys):
    copy_shards(tmp_path / "root")
    merge_main([str(tmp_path / "root"), "--out", str(tmp_path / "ds"), "--no-card", "--max-ratio-second", "5"])
    # 30 pass the loosened answer caps (the yes/no share cap keeps 2 "yes" to 2 "no"); the named cells drop 2 more
    assert json.loads(capsys.readouterr().out) == {"records_in": 34, "duplicates_dropped": 2, "records_out": 28}
    assert not (tmp_path / "ds" / "README.md").exists()
    with pytest.raises(SystemExit, match="no shard under"):
        merge_main([str(tmp_path / "ds" / "episodes"), "--out", str(tmp_path / "x")])


def test_answer_keys_group_measurements_in_buckets(dataset):
    keys = Counter(answer_key(it) for it in iter_records(dataset / "qa.jsonl") if it.family == "object_abs_distance")
    assert all(k.startswith("b") for k in keys)


def test_refuses_shards_of_different_configs_and_names_the_key(tmp_path):
    shards = copy_shards(tmp_path / "root")
    config = shards[1] / ".hydra" / "config.yaml"
    config.write_text(config.read_text().replace("seed: 0", "seed: 5") + "trajectory:\n  look_deg: 33\n")
    with pytest.raises(ConfigError, match=r"different configs \(trajectory.look_deg\).*--allow-mixed"):
        merge([tmp_path / "root"], tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(SystemExit, match="trajectory.look_deg"):
        merge_main([str(tmp_path / "root"), "--out", str(tmp_path / "out")])
    stats = merge([tmp_path / "root"], tmp_path / "out", allow_mixed=True, card=False)
    assert stats["mixed_configs"] == ["trajectory.look_deg"]
    # the swept key itself (scene.num_objects, set by every shard's overrides) and the seed never count
    assert json.loads((tmp_path / "out" / "stats.json").read_text())["records_out"] == stats["records_out"] > 0


def test_numeric_options_are_redrawn_from_answers_naming_the_same_things():
    from simgen.qa.options import redraw_options

    record = {"id": "ab" * 8, "seed": 0, "family": "object_height", "answer_type": "number", "answer": 0.12,
              "answer_text": "0.12", "choices": ["0.12", "0.25", "0.55", "1.20"], "answer_letter": "A",
              "bindings": {"obj": "mug"}}
    mugs = np.round(np.linspace(0.06, 0.2, 40), 2)
    pools = {("object_height", "cat:mug"): mugs, ("object_height", None): np.round(np.linspace(0.05, 2.0, 200), 2)}
    out = redraw_options(record, pools)
    assert out["answer_text"] in out["choices"] and len(set(out["choices"])) == 3  # mugs span 0.06-0.2 m:
    values = sorted(map(float, out["choices"]))  # three options 25 % apart fit wherever the grid falls, four do not
    assert all(b >= 1.25 * a for a, b in zip(values, values[1:]))
    assert out["choices"][ord(out["answer_letter"]) - ord("A")] == "0.12"
    assert all(float(c) in set(mugs) or c == "0.12" for c in out["choices"])  # mug-sized, every one
    assert redraw_options(record, pools) == out  # seeded by the record: same input, same options
    assert redraw_options({**record, "choices": []}, pools)["choices"] == []  # open numbers are left alone


def test_answers_sit_at_every_option_position_equally_often(dataset):
    """Per family and number of options, the right letter cycles: A, B, C ... equally often (± 1),
    with the same options as before and the letter pointing at the answer."""
    from simgen.qa.options import AnswerPositions

    items = read_jsonl(dataset / "qa.jsonl")
    letters: dict = {}
    for it in items:
        if len(it.choices) >= 2:
            assert it.choices[ord(it.answer_letter) - ord("A")] == it.answer_text
            letters.setdefault((it.family, len(it.choices)), Counter())[it.answer_letter] += 1
    assert letters
    for (family, k), counts in letters.items():
        full = [counts.get(chr(ord("A") + j), 0) for j in range(k)]
        assert max(full) - min(full) <= 1, (family, counts)
    positions = AnswerPositions()
    records = [{"family": "f", "answer_text": "b", "choices": ["c", "b", "a"], "answer_letter": "B"} for _ in range(6)]
    placed = [positions.place(r) for r in records]
    assert [p["answer_letter"] for p in placed] == list("ABCABC")
    assert all(sorted(p["choices"]) == ["a", "b", "c"] and p["choices"][ord(p["answer_letter"]) - 65] == "b" for p in placed)
    assert positions.place({"family": "f", "answer_text": "7", "choices": []})["choices"] == []


def test_numbers_the_ask_stage_left_open_get_options_the_shard_asked_for(tmp_path):
    """A shard's run.json says which numeric families want options (ask stats "options"); the merge
    offers them over the dataset's answers even where every record of the shard is open (its own
    answers too few), as options told apart: 1.75 / 1.85 / 2.75 / 2.85 m allow two, 25 % apart."""
    from export_fixtures import copy_shards

    root = tmp_path / "multirun"
    copy_shards(root)
    plain = merge([root], tmp_path / "plain", card=False)
    for run in root.glob("*/run.json"):
        data = json.loads(run.read_text())
        data.setdefault("ask", {}).setdefault("families", {}).setdefault("object_abs_distance", {})["options"] = 4
        run.write_text(json.dumps(data))
    merge([root], tmp_path / "wanted", card=False)
    opened = [it for it in read_jsonl(tmp_path / "plain" / "qa.jsonl") if it.family == "object_abs_distance"]
    offered = [it for it in read_jsonl(tmp_path / "wanted" / "qa.jsonl") if it.family == "object_abs_distance"]
    assert opened and all(not it.choices for it in opened)
    assert offered and all(len(it.choices) == 2 and it.answer_text in it.choices for it in offered)
    for it in offered:
        low, high = sorted(map(float, it.choices))
        assert high >= 1.25 * low
    assert plain["balance"]["object_abs_distance"]["dropped_no_options"] == 0
