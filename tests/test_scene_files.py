"""SceneSpec JSON files: save/load round trip, clear errors, the from_file builder, and scenes/ vs the code."""
import json
import os
from pathlib import Path

import pytest

from simgen.registry import SCENE_BUILDERS, ConfigError
from simgen.scene.from_file import SceneFileError, load_scene, save_scene
from simgen.scene.procedural import ProceduralBuilder, ProceduralConfig, rebuild

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "scenes").glob("*.json"))


@pytest.fixture(scope="module")
def spec():
    return ProceduralBuilder(ProceduralConfig(num_furniture=3, num_small_objects=3)).build(2, 0, 1)


def write(tmp_path, data, name="scene.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_save_then_load_round_trips_as_sorted_indented_json(tmp_path, spec):
    path = save_scene(spec, tmp_path / "sub" / "scene.json")
    text = path.read_text()
    assert text.startswith('{\n  "complexity"') and text.endswith("}\n")
    assert json.loads(text) == json.loads(json.dumps(spec.to_dict(), sort_keys=True))
    assert load_scene(path).to_dict() == spec.to_dict()
    assert [p.name for p in path.parent.iterdir()] == ["scene.json"]  # no temp file left behind


def test_save_replaces_atomically(tmp_path, spec, monkeypatch):
    path = save_scene(spec, tmp_path / "scene.json")
    before = path.read_text()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        save_scene(spec, path)
    assert path.read_text() == before and [p.name for p in tmp_path.iterdir()] == ["scene.json"]


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("room"), "room: missing field"),
    (lambda d: d.update(extra=1), "extra: unknown field"),
    (lambda d: d.update(schema_version=7), "schema_version: 7, expected 1"),
    (lambda d: d.pop("schema_version"), "schema_version: missing"),
    (lambda d: d["objects"][1]["parts"][0].pop("shape"), r"objects\[1\].parts\[0\].shape: missing field"),
    (lambda d: d["objects"][0]["pose"].update(quat=[1, 0, 0, 0]), r"objects\[0\].pose.quat: unknown field"),
    (lambda d: d["objects"][0]["parts"][0].update(shape="cone"), r"objects\[0\].parts\[0\]: shape 'cone'"),
    (lambda d: d["objects"][1].update(object_id=d["objects"][0]["object_id"]), "must be unique"),
    (lambda d: d["objects"][-1].update(support=999), "no object with id 999"),
])
def test_bad_files_are_named_with_the_field(tmp_path, spec, mutate, message):
    data = spec.to_dict()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(SceneFileError, match=message) as info:
        load_scene(path)
    assert str(path) in str(info.value)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(SceneFileError, match="nowhere.json: not found"):
        load_scene(tmp_path / "nowhere.json")
    bad = tmp_path / "broken.json"
    bad.write_text('{"scene_id": "x"')
    with pytest.raises(SceneFileError, match=r"broken.json: not valid JSON \(line 1"):
        load_scene(bad)
    assert issubclass(SceneFileError, ConfigError)  # a bad scene file stops the run before any work


def test_from_file_builder_serves_a_file_or_a_folder(tmp_path, spec):
    save_scene(spec, tmp_path / "b.json")
    other = ProceduralBuilder(ProceduralConfig(num_furniture=2, num_small_objects=1)).build(5, 0, 0)
    save_scene(other, tmp_path / "a.json")
    one = SCENE_BUILDERS.build({"name": "from_file", "path": str(tmp_path / "b.json")})
    assert one.build(0, 0, 0).to_dict() == one.build(9, 1, 7).to_dict() == spec.to_dict()
    folder = SCENE_BUILDERS.build({"name": "from_file", "path": str(tmp_path)})
    assert [folder.build(0, 0, i).scene_id for i in range(3)] == [other.scene_id, spec.scene_id, other.scene_id]


def test_relative_paths_resolve_from_the_start_dir_then_the_repo(tmp_path, spec, monkeypatch):
    monkeypatch.chdir(tmp_path)
    save_scene(spec, tmp_path / "here.json")
    assert SCENE_BUILDERS.build({"name": "from_file", "path": "here.json"}).build(0, 0, 0).scene_id == spec.scene_id
    repo_file = SCENE_BUILDERS.build({"name": "from_file", "path": "scenes/living_room.json"})
    assert repo_file.build(0, 0, 0).scene_id.startswith("procedural-")
    with pytest.raises(SceneFileError, match="missing.json: not found"):
        SCENE_BUILDERS.build({"name": "from_file", "path": "missing.json"})
    with pytest.raises(ConfigError, match="path"):
        SCENE_BUILDERS.build({"name": "from_file", "path": ""})


def test_example_scenes_exist():
    assert len(EXAMPLES) >= 3
    assert {load_scene(p).room.shape for p in EXAMPLES} == {"rect", "L"}
    assert any(o.kind == "occluder" for p in EXAMPLES for o in load_scene(p).objects)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_scene_equals_a_rebuild_from_its_record(path):
    spec = load_scene(path)
    assert rebuild(spec).to_dict() == spec.to_dict(), f"{path.name} drifted from the generator: see scenes/README.md"
