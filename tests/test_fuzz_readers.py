"""Bad input never costs data and never prints a traceback (issue 16.5).

Generated malformed inputs are thrown at every reader — scene files, ``episode.json``, ``qa.jsonl``,
``episodes.jsonl``, predictions and evaluation files, ``stats.json``/``run.json`` — and each must
either accept the input cleanly (and then hold only valid values) or raise the project's error
naming the file (and line); never another exception. Writers leave the old file or the new one,
never half of one. A few cases go through the real command lines, and the regressions the issue
lists (absurd resolution and fps, negative or NaN scene sizes, unknown schema versions, NaN poses,
a family answering NaN, JSON arrays and scalars as JSONL lines) each have a test.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from export_fixtures import SHARDS, copy_shards
from qa_fixtures import living_room, write_episode
from simgen.episodes.writer import ARRAYS, read_episode
from simgen.eval.scorer import score_file
from simgen.export.dataset import Dataset, read_episode_json
from simgen.io import InputError, iter_jsonl, read_json, write_jsonl
from simgen.qa.ask import run_ask
from simgen.qa.qa_config import QAConfig
from simgen.qa.records import iter_records
from simgen.resource_limits import MAX_SIDE, ResourceError, check_episode_size, episode_bytes
from simgen.scene.from_file import SceneFileError, load_scene, save_scene
from simgen.types import SceneSpec
from simgen.visibility_model import VisibilityModel

BIN = Path(sys.executable).parent
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# -- generated junk ---------------------------------------------------------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.text(max_size=8),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([-1.0, 0.0, 1e308, -0.0]))
JUNK = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                    max_leaves=8)


def paths_of(value, prefix=()):
    """Every key path into a decoded JSON value (the value itself included)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths_of(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths_of(item, prefix + (index,))


@st.composite
def mutated(draw, base: dict):
    """``base`` with one thing broken: a value replaced by junk, a key removed, or an unknown key added."""
    data = json.loads(json.dumps(base))
    paths = sorted(paths_of(data), key=repr)
    path = draw(st.sampled_from(paths))
    action = draw(st.sampled_from(["replace", "delete", "add"] if path else ["replace"]))
    if not path:
        return draw(JUNK)
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if action == "replace":
        parent[path[-1]] = draw(JUNK)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=6))] = draw(JUNK)
    else:
        parent.append(draw(JUNK))
    return data


def dump(value) -> str:
    return json.dumps(value, allow_nan=True)  # NaN / Infinity literals: what a careless writer produces


def no_temp_files(root: Path) -> bool:
    return not [p for p in Path(root).rglob("*") if ".tmp" in p.name or p.name.startswith(".tmp-")]


SCENE = load_scene(Path(__file__).resolve().parents[1] / "scenes" / "living_room.json")
EPISODE = living_room()


def assert_valid_scene(spec: SceneSpec) -> None:
    """What acceptance promises: finite positive sizes, finite poses, a room with a height."""
    assert spec.room.height > 0 and math.isfinite(spec.room.height)
    for obj in spec.objects:
        assert all(0 < h < math.inf for h in obj.half_extents)
        assert all(math.isfinite(v) for v in obj.pose.position + obj.pose.quat_wxyz)
        assert all(0 < s < math.inf for part in obj.parts for s in part.size)


# -- scene files ------------------------------------------------------------------------------------

@FUZZ
@given(data=st.data())
def test_scene_file_reader_accepts_cleanly_or_names_the_file(tmp_path, data):
    path = tmp_path / "scene.json"
    path.write_text(dump(data.draw(mutated(SCENE.to_dict()))))
    try:
        spec = load_scene(path)
    except SceneFileError as e:
        assert str(path) in str(e)
    else:
        assert_valid_scene(spec)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=64), st.text(max_size=64).map(str.encode)))
def test_scene_file_reader_on_arbitrary_bytes(tmp_path, raw):
    path = tmp_path / "scene.json"
    path.write_bytes(raw)
    with pytest.raises(SceneFileError, match=str(path)):
        load_scene(path)


@pytest.mark.parametrize("key, value, message", [
    (("objects", 0, "half_extents", 0), -0.5, r"objects\[0\]\.half_extents: expected values > 0"),
    (("objects", 1, "half_extents", 2), float("nan"), r"objects\[1\]\.half_extents\[2\]: expected a finite number"),
    (("objects", 0, "pose", "position", 1), float("inf"), r"objects\[0\]\.pose\.position\[1\]: expected a finite"),
    (("room", "height"), -2.6, r"room\.height: expected values > 0"),
    (("objects", 2, "parts", 0, "size", 0), 0.0, r"objects\[2\]\.parts\[0\]\.size: expected values > 0"),
    (("objects", 0, "pose", "quat_wxyz"), [2.0, 0.0, 0.0, 0.0], r"objects\[0\]\.pose\.quat_wxyz: expected a unit"),
    (("objects", 0, "name"), 7, r"objects\[0\]\.name: expected a string, got 7"),
])
def test_scene_file_with_negative_or_nan_sizes_is_rejected_naming_file_and_key(tmp_path, key, value, message):
    data = SCENE.to_dict()
    parent = data
    for k in key[:-1]:
        parent = parent[k]
    parent[key[-1]] = value
    path = tmp_path / "bad_scene.json"
    path.write_text(dump(data))
    with pytest.raises(SceneFileError, match=message) as info:
        load_scene(path)
    assert str(path) in str(info.value)


def test_saving_a_scene_that_cannot_be_written_leaves_the_old_file(tmp_path, monkeypatch):
    path = save_scene(SCENE, tmp_path / "scene.json")
    before = path.read_bytes()
    monkeypatch.setattr(SceneSpec, "to_dict", lambda self: {"x": object()})  # not JSON: fails mid-write
    with pytest.raises(TypeError):
        save_scene(SCENE, path)
    assert path.read_bytes() == before and no_temp_files(tmp_path)


# -- episode files ----------------------------------------------------------------------------------

@FUZZ
@given(data=st.data())
def test_episode_reader_accepts_cleanly_or_names_the_file(tmp_path, data):
    folder = tmp_path / "ep"
    folder.mkdir(exist_ok=True)
    (folder / "episode.json").write_text(dump(data.draw(mutated(EPISODE.to_dict()))))
    try:
        episode = read_episode(folder)
    except InputError as e:
        assert str(folder / "episode.json") in str(e)
    else:
        assert_valid_scene(episode.scene)
        assert all(math.isfinite(v) for f in episode.frames for row in f.T_world_cam for v in row)
        assert all(math.isfinite(v) for f in episode.frames for s in f.objects for v in s.pose.position)
        assert [f.index for f in episode.frames] == sorted({f.index for f in episode.frames})
    try:  # the summary reader of merge and export: clean acceptance or an error naming the file
        read_episode_json(folder / "episode.json")
    except InputError as e:
        assert str(folder / "episode.json") in str(e)


def _episode_with(mutate) -> dict:
    data = EPISODE.to_dict()
    mutate(data)
    return data


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(schema_version=2), "schema_version: 2, expected 1"),
    (lambda d: d["frames"][1]["objects"][0]["pose"]["position"].__setitem__(0, float("nan")),
     r"frames\[1\]\.objects\[0\]\.pose\.position\[0\]: expected a finite number, got nan"),
    (lambda d: d["frames"][0]["T_world_cam"][0].__setitem__(3, float("inf")), r"frames\[0\]\.T_world_cam\[0\]\[3\]"),
    (lambda d: d["frames"][2].update(index=0), r"frames\[2\]\.index: expected a frame index above"),
    (lambda d: d["frames"][1].update(objects=d["frames"][1]["objects"][:-1]),
     r"frames\[1\]\.objects: expected one state"),
    (lambda d: d.update(fps=0), r"fps: expected values > 0"),
    (lambda d: d["intrinsics"].update(width=-320), r"intrinsics .*expected values > 0"),
])
def test_invalid_episode_is_skipped_with_a_clear_error_and_counted(tmp_path, mutate, message):
    good, bad = tmp_path / "eps" / "living_room", tmp_path / "eps" / "broken"
    write_episode(EPISODE, good)
    bad.mkdir(parents=True)
    (bad / "episode.json").write_text(dump(_episode_with(mutate)))
    with pytest.raises(InputError, match=message):
        read_episode(bad)
    qa = QAConfig(families=["object_counting", "room_size_estimation"], questions_per_episode=1)
    stats = run_ask([bad, good], qa, 0, 0, tmp_path / "out", VisibilityModel(clear_frames=1))
    assert stats["episodes"]["ok"] == ["living_room"] and stats["kept"] >= 1
    [failed] = stats["episodes"]["failed"]
    assert failed["episode"] == "broken" and str(bad / "episode.json") in failed["error"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["qa.jsonl", "stats.json"]


def test_arrays_with_another_frame_count_than_the_episode_are_refused(tmp_path):
    write_episode(EPISODE, tmp_path)
    data = json.loads((tmp_path / "episode.json").read_text())
    data["files"]["arrays"] = ARRAYS
    (tmp_path / "episode.json").write_text(json.dumps(data))
    frames = len(EPISODE.frames)
    per_frame = np.zeros((frames, 4, 4), np.uint16)
    np.savez(tmp_path / ARRAYS, depth_mm=per_frame, instance=per_frame)
    assert len(read_episode(tmp_path).frames) == frames
    np.savez(tmp_path / ARRAYS, depth_mm=np.zeros((frames + 2, 4, 4), np.uint16))
    with pytest.raises(InputError, match=rf"arrays.npz: depth_mm holds {frames + 2} frames, .*json has {frames}"):
        read_episode(tmp_path)
    (tmp_path / ARRAYS).write_bytes(b"not a zip")
    with pytest.raises(InputError, match="arrays.npz: not a readable .npz"):
        read_episode(tmp_path)


# -- one family failing costs its question, never the episode ---------------------------------------

@pytest.mark.parametrize("fault, reason", [("raise", "family_error"), ("nan", "non_finite_answer")])
def test_a_family_that_fails_or_answers_nan_loses_only_its_questions(tmp_path, monkeypatch, fault, reason):
    import simgen.qa.episode_asker as asker

    write_episode(EPISODE, tmp_path / "eps" / "living_room")
    families = ["object_counting", "room_size_estimation", "object_size_estimation"]
    qa = QAConfig(families=families, questions_per_episode=2)
    model = VisibilityModel(clear_frames=1)
    clean = run_ask([tmp_path / "eps" / "living_room"], qa, 0, 0, tmp_path / "clean", model)
    real_execute, real_ask, asking = asker.execute, asker.EpisodeAsker.ask, {}

    def tracking(self, fam, counts):  # the family being asked, for every execution it makes
        asking["family"] = fam.family
        return real_ask(self, fam, counts)

    def faulty(program, view, bindings, **kwargs):
        execution = real_execute(program, view, bindings, **kwargs)
        if asking.get("family") == "room_size_estimation":
            if fault == "raise":
                raise ZeroDivisionError("injected fault")
            return dataclasses.replace(execution, value=float("nan"))
        return execution

    monkeypatch.setattr(asker.EpisodeAsker, "ask", tracking)
    monkeypatch.setattr(asker, "execute", faulty)
    stats = run_ask([tmp_path / "eps" / "living_room"], qa, 0, 0, tmp_path / "faulty", model)
    assert stats["episodes"]["ok"] == ["living_room"] and not stats["episodes"]["failed"]
    room = stats["families"]["room_size_estimation"]
    assert room["kept"] == 0 and room["rejected"].get(reason, 0) >= 1 and stats["rejected"][reason] >= 1
    for family in ("object_counting", "object_size_estimation"):  # the others keep exactly what they kept
        assert stats["families"][family] == clean["families"][family]
    kept = [json.loads(line) for line in (tmp_path / "faulty" / "qa.jsonl").read_text().splitlines()]
    assert kept == [json.loads(line) for line in (tmp_path / "clean" / "qa.jsonl").read_text().splitlines()
                    if json.loads(line)["family"] != "room_size_estimation"]


# -- JSON lines ---------------------------------------------------------------------------------------

LINES = st.one_of(JUNK.map(dump), st.text(max_size=40).filter(lambda t: "\n" not in t and "\r" not in t),
                  st.binary(max_size=20).filter(lambda b: b"\n" not in b))


def with_line(path: Path, line, position: int) -> int:
    """Insert ``line`` (str or bytes) into a JSONL file; returns its line number."""
    lines = path.read_bytes().splitlines()
    position = min(position, len(lines))
    lines.insert(position, line if isinstance(line, bytes) else line.encode())
    path.write_bytes(b"\n".join(lines) + b"\n")
    return position + 1


@pytest.fixture(scope="module")
def shard_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("shards")
    shutil.copytree(SHARDS, root, dirs_exist_ok=True)
    return sorted(p for p in root.iterdir() if (p / "qa.jsonl").is_file())[0]


@FUZZ
@given(line=LINES, position=st.integers(0, 20))
def test_qa_jsonl_reader_names_file_and_line(tmp_path, shard_dir, line, position):
    path = tmp_path / "qa.jsonl"
    shutil.copy(shard_dir / "qa.jsonl", path)
    lineno = with_line(path, line, position)
    try:
        items = list(iter_records(path))
    except ValueError as e:  # InputError, or parse_record's ValueError: both name file:line
        assert f"{path}:{lineno}:" in str(e)
    else:
        assert all(isinstance(item.episode_id, str) and isinstance(item.frames, tuple) for item in items)


@FUZZ
@given(line=LINES, position=st.integers(0, 20))
def test_predictions_reader_names_file_and_line(tmp_path, line, position):
    path = tmp_path / "predictions.jsonl"
    rows = [{"id": f"q{i}", "prediction": "A", "ground_truth": "A", "options": ["A. x", "B. y"], "question_type": "t"}
            for i in range(5)]
    write_jsonl(path, rows)
    lineno = with_line(path, line, position)
    try:
        scored = score_file(path)
    except InputError as e:
        assert f"{path}:{lineno}:" in str(e)
    else:
        assert all(0.0 <= r["score"] <= 1.0 for r in scored)
    try:
        ids = [row["id"] for _, row in iter_jsonl(path, keys=("id",))]
    except InputError as e:
        assert f"{path}:{lineno}:" in str(e)
    else:
        assert len(ids) >= 5


@FUZZ
@given(data=st.data())
def test_episode_index_reader_names_file_and_line(tmp_path, data):
    root = tmp_path / "ds"
    root.mkdir(exist_ok=True)
    (root / "qa.jsonl").write_text("")
    info = {"episode_id": "e1", "complexity": {"num_objects": 3}, "fps": 4.0, "num_frames": 8, "width": 32,
            "height": 24, "files": {"video": "video.mp4"}, "shard": "s"}
    (root / "episodes.jsonl").write_text(json.dumps(info) + "\n" + dump(data.draw(mutated(info))) + "\n")
    try:
        episodes = Dataset(root).episodes
    except InputError as e:
        assert f"{root / 'episodes.jsonl'}:2:" in str(e)
    else:
        assert all(isinstance(e.fps, (int, float)) and isinstance(e.complexity, dict) for e in episodes.values())


@FUZZ
@given(value=JUNK)
def test_stats_and_run_json_readers_name_the_file(tmp_path, value):
    path = tmp_path / "stats.json"
    path.write_text(dump(value))
    try:
        data = read_json(path, expect=dict)
    except InputError as e:
        assert str(path) in str(e)
    else:
        assert isinstance(data, dict)


@FUZZ
@given(rows=st.lists(st.dictionaries(st.text(max_size=4), st.integers()), max_size=6), fail_at=st.integers(0, 8))
def test_a_writer_that_fails_leaves_the_old_file_and_no_temp_file(tmp_path, rows, fail_at):
    path = tmp_path / "out.jsonl"
    write_jsonl(path, [{"old": 1}])

    def rows_then_failure():
        for i, row in enumerate(rows):
            if i == fail_at:
                raise RuntimeError("killed")
            yield row

    try:
        write_jsonl(path, rows_then_failure())
    except RuntimeError:
        assert path.read_text() == '{"old":1}\n'
    else:
        assert [json.loads(line) for line in path.read_text().split("\n")[:-1]] == rows  # not splitlines: \x85
    assert no_temp_files(tmp_path)


def test_a_video_the_encoder_refuses_is_an_error_not_an_empty_file(tmp_path):
    from simgen.episodes.writer import VideoWriter

    ok = VideoWriter(tmp_path / "ok.mp4", MAX_SIDE, 16, fps=4.0)
    ok.write(np.zeros((16, MAX_SIDE, 3), np.uint8))
    ok.close()
    assert (tmp_path / "ok.mp4").stat().st_size > 0
    refused = VideoWriter(tmp_path / "wide.mp4", MAX_SIDE + 2, 16, fps=4.0)  # libx264 takes ≤ 16384 a side
    refused.write(np.zeros((16, MAX_SIDE + 2, 3), np.uint8))
    with pytest.raises(RuntimeError, match="video encoder wrote nothing"):
        refused.close()


# -- resource limits ----------------------------------------------------------------------------------

def test_resource_limits_name_the_keys_before_any_work():
    with pytest.raises(ResourceError, match=rf"camera.width=100000.*at most {MAX_SIDE} pixels"):
        check_episode_size(100000, 100000, 10.0, 12.0, 10, True, available=1 << 40)
    with pytest.raises(ResourceError, match=r"render.fps=inf.*must be finite"):
        check_episode_size(320, 240, math.inf, 12.0, 10, True, available=1 << 40)
    with pytest.raises(ResourceError, match=r"render.fps=1000000000.0 .*needs about .* GiB of memory, more than 80%"):
        check_episode_size(320, 240, 1e9, 12.0, 10, False, available=16 << 30)
    check_episode_size(320, 240, 10.0, 12.0, 11, True, available=16 << 30)  # the default job fits easily
    check_episode_size(1920, 1080, 30.0, 60.0, 30, False, available=16 << 30)  # so does a long HD one without arrays
    # per-frame arrays are kept all episode: that HD minute with them would need ~30 GiB
    assert episode_bytes(1920, 1080, 1800, 30, True) > 28 << 30
    with pytest.raises(ResourceError, match="render.save_arrays=false keeps no per-frame arrays"):
        check_episode_size(1920, 1080, 30.0, 60.0, 30, True, available=16 << 30)


# -- command lines: exit code, one clear line, no traceback -----------------------------------------------

def run_cli(*argv, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / argv[0]), *argv[1:]], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env={**os.environ, "HYDRA_FULL_ERROR": "0"})


def test_cli_simgen_refuses_an_absurd_resolution_or_fps_and_leaves_nothing(tmp_path):
    for override in (["camera.width=100000", "camera.height=100000"], ["render.fps=1e9"]):
        run_dir = tmp_path / "runs" / "one"
        done = run_cli("simgen", "debug=smoke", "episodes=1", *override, f"hydra.run.dir={run_dir}", cwd=tmp_path)
        output = done.stdout + done.stderr
        assert done.returncode == 2, output
        assert "Traceback" not in output and override[0].split("=")[0] in output
        assert not (tmp_path / "runs").exists()  # no run dir, no episode folder, no log left behind


@pytest.mark.parametrize("line, expected", [("42", "got a number"), ('{"prediction": "A"}', "record without 'id'")])
def test_cli_score_names_file_and_line_of_a_bad_prediction(tmp_path, line, expected):
    path = tmp_path / "predictions.jsonl"
    write_jsonl(path, [{"id": "q1", "prediction": "A", "ground_truth": "A", "options": ["A. x"], "question_type": "t"}])
    with_line(path, line, 1)
    done = run_cli("simgen-score", str(path), "--out", str(tmp_path / "scores"), "--no-plots")
    assert done.returncode != 0 and "Traceback" not in done.stderr + done.stdout
    assert done.stderr.strip().splitlines() == [f"scorer: {path}:2: " + done.stderr.split(f"{path}:2: ", 1)[1].strip()]
    assert expected in done.stderr
    assert not (tmp_path / "scores").exists()


@pytest.mark.parametrize("line, expected, position", [("[1, 2]", "expected a JSON object {...}, got an array", 1),
                                                      ('{"schema_version": 1, "id": "x"}', "not a QAItem record", 1),
                                                      ("[1, 2]", "expected a JSON object {...}, got an array", 10**6)])
def test_cli_export_and_merge_name_file_and_line_of_a_bad_record(tmp_path, line, expected, position):
    # position 10**6: the bad line comes last, after export has linked media into its new --out
    shards = copy_shards(tmp_path / "multirun")
    qa = shards[0] / "qa.jsonl"
    number = with_line(qa, line, position)
    for argv in (("simgen-merge", str(tmp_path / "multirun"), "--out", str(tmp_path / "merged")),
                 ("simgen-export", str(shards[0]), "--format", "vsibench", "--out", str(tmp_path / "export"))):
        done = run_cli(*argv)
        output = done.stdout + done.stderr
        assert done.returncode != 0 and "Traceback" not in output, output
        assert f"{qa}:{number}: " in done.stderr and expected in done.stderr
    assert not (tmp_path / "merged").exists() and not (tmp_path / "export").exists() and no_temp_files(tmp_path)
