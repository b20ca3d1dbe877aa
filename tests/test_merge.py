"""Streaming merge of shards: dedup, global balance, audit equal to qa.balance's, idempotence, refusals."""
import hashlib
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from export_fixtures import copy_shards, merged
from simgen.export.audit import StreamingAudit
from simgen.export.dataset import Dataset, iter_records
from simgen.export.merge import find_shards, main as merge_main, merge
from simgen.qa.balance import BalanceConfig, answer_key, balance, blind_audit, load_records
from simgen.qa.records import QAItem, qa_id, read_jsonl, write_jsonl
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
    assert stats["audit"] == blind_audit(kept) and stats["audit_before"] == blind_audit(unique)


def _record(i: int, family: str, numeric: bool, text: int, answer) -> QAItem:
    question = f"question {text} of {family}?"
    if numeric:
        return QAItem(qa_id("ep", family, 1, {"i": i}), family, 1, question, answer, str(answer), None, (), "number",
                      "m" if isinstance(answer, float) else "count", "video", "ep", (0,), "p", {"i": i}, {}, 0, "c")
    choices = ("left", "right", "back")
    return QAItem(qa_id("ep", family, 1, {"i": i}), family, 1, question, answer, answer, "ABC"[choices.index(answer)],
                  choices, "choice", None, "video", "ep", (0,), "p", {"i": i}, {}, 0, "c")


@st.composite
def record_sets(draw):
    items = []
    for f in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["count", "measure", "label"]))
        texts = draw(st.integers(1, 6))
        for i in range(draw(st.integers(0, 60))):
            text = draw(st.integers(0, texts - 1))
            if kind == "count":
                answer = draw(st.integers(0, 4))
            elif kind == "measure":
                answer = draw(st.sampled_from([0.5, 0.6, 1.0, 1.3, 2.0, 4.5]))
            else:
                answer = draw(st.sampled_from(["left", "right", "back"]))
            items.append(_record(len(items), f"fam{f}_{kind}", kind != "label", text, answer))
    return items


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record_sets(), st.integers(2, 5))
def test_streaming_audit_equals_blind_audit(items, folds):
    cfg = BalanceConfig(folds=folds)
    audit = StreamingAudit(cfg)
    for it in items:
        audit.add(it)
    for it in items:
        audit.check(it)
    assert audit.report() == blind_audit(items, cfg)


def test_large_same_text_groups_are_cached_not_rescanned():
    # 200 records of one question text: the streaming audit still matches the in-memory one
    items = [_record(i, "room_size", True, 0, float(10 + i % 7)) for i in range(200)]
    audit = StreamingAudit()
    for it in items:
        audit.add(it)
    for it in items:
        audit.check(it)
    assert audit.report() == blind_audit(items)
    assert len(audit.families["room_size"]._cache) == 5  # one entry per fold for the one text


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
    assert json.loads(capsys.readouterr().out) == {"records_in": 34, "duplicates_dropped": 2, "records_out": 32}
    assert not (tmp_path / "ds" / "README.md").exists()
    with pytest.raises(SystemExit, match="no shard under"):
        merge_main([str(tmp_path / "ds" / "episodes"), "--out", str(tmp_path / "x")])


def test_answer_keys_group_measurements_in_buckets(dataset):
    keys = Counter(answer_key(it) for it in iter_records(dataset / "qa.jsonl") if it.family == "object_abs_distance")
    assert all(k.startswith("b") for k in keys)
