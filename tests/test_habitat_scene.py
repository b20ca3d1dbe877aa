"""habitat recording → SceneSpec, and the golden test: converted sensors and boxes explain the recorded
semantic and depth frames (made by the fixture script's own ray caster in habitat coordinates)."""
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from simgen.geometry import invert, project, quat_to_matrix
from simgen.registry import SCENE_BUILDERS, ConfigError
from simgen.scene.habitat import HabitatSceneConfig, scene_from_recording
from simgen.simulators import habitat_frames as hf
from simgen.scene.metadata_scene import box_consistency
from simgen.types import SceneSpec

FIXTURES = Path(__file__).parent / "fixtures"
RECORDING = FIXTURES / "habitat_mini.json"
CAMERAS = ("camera", "camera_2")


@pytest.fixture(scope="module")
def rec():
    return hf.load_recording(RECORDING)


@pytest.fixture(scope="module")
def spec(rec):
    return scene_from_recording(rec)


def by_category(spec, category):
    (obj,) = [o for o in spec.objects if o.category == category]
    return obj


def frames(rec, spec, camera):
    src = spec.complexity["source"]
    key_to_id = {k: int(i) for i, k in src["object_keys"].items()}
    lut = {sid: key_to_id[k] for k, sid in src["semantic_ids"].items()}
    f = rec["frames"][camera]
    return hf.instance_ids(f["semantic"], lut), hf.depth_metres(f["depth"])


def test_fixture_is_what_the_script_writes(monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURES))
    path = FIXTURES / "habitat_make_fixtures.py"
    module_spec = importlib.util.spec_from_file_location("habitat_make_fixtures", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    assert json.loads(json.dumps(module.build())) == json.loads(RECORDING.read_text())
    sys.modules.pop("ai2thor_make_fixtures", None)


def test_objects_kinds_exclusions_and_fallback(spec):
    cats = sorted(o.category for o in spec.objects)
    assert cats == ["chair", "potted plant", "sofa", "table"]  # wall and floor are structure
    assert by_category(spec, "potted plant").kind == "small" and by_category(spec, "sofa").kind == "furniture"
    assert spec.complexity["source"]["box_fallback"] == ["table_1"]
    assert [spec.complexity["source"]["semantic_ids"][spec.complexity["source"]["object_keys"][str(o.object_id)]]
            for o in spec.objects] == [3, 5, 7, 9]  # ids follow semantic-id order
    assert spec.scene_id == "habitat-mini_apartment"
    assert SceneSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_room_from_bounds(spec):
    xs, ys = zip(*spec.room.footprint)
    assert (min(xs), max(xs), min(ys), max(ys)) == (-3.0, 3.0, -1.0, 6.0)  # habitat z ∈ [−6, 1] → y ∈ [−1, 6]
    assert spec.room.height == pytest.approx(2.8)


@pytest.mark.parametrize("camera", CAMERAS)
def test_golden_every_labelled_pixel_lies_on_its_objects_box(rec, spec, camera):
    T, intr = hf.recording_camera(rec, camera)
    inst, depth = frames(rec, spec, camera)
    shares = box_consistency(inst, depth, T, intr, spec)
    assert len(shares) == 4 and all(v == 1.0 for v in shares.values()), shares
    semantic = np.asarray(rec["frames"][camera]["semantic"])
    j, i = np.nonzero(semantic == 2)  # floor pixels (semantic 2, excluded) lie on z = 0
    rays = np.linalg.inv(intr.K()) @ np.stack([i + 0.5, j + 0.5, np.ones(len(i))])
    assert np.abs((T[2, :3] @ (rays * depth[j, i])) + T[2, 3]).max() < 1e-3


def test_golden_known_point_and_handedness(rec, spec):
    """The sofa's front-face centre projects onto sofa pixels at its depth; sofa right, chair left."""
    T, intr = hf.recording_camera(rec, "camera")
    inst, depth = frames(rec, spec, "camera")
    sofa = by_category(spec, "sofa")
    R = quat_to_matrix(sofa.pose.quat_wxyz)
    front = np.array(sofa.pose.position) - R[:, 1] * sofa.half_extents[1]  # local −y = habitat front (−Z)
    uv, z = project(intr.K(), T, front)
    u, v = uv[0]
    assert inst[int(v), int(u)] == sofa.object_id and depth[int(v), int(u)] == pytest.approx(z[0], abs=0.05)
    for category, side in (("sofa", 1), ("chair", -1)):
        obj = by_category(spec, category)
        p_cam = invert(T)[:3, :3] @ obj.pose.position + invert(T)[:3, 3]
        assert np.sign(p_cam[0]) == side
        cols = np.nonzero(inst == obj.object_id)[1] + 0.5
        assert np.sign(cols.mean() - intr.cx) == side


def test_builder_serves_recordings_and_names_errors(tmp_path):
    builder = SCENE_BUILDERS.build({"name": "habitat", "recordings": str(RECORDING)})
    assert builder.build(5, 0, 3) == scene_from_recording(hf.load_recording(RECORDING), 5)
    with pytest.raises(ConfigError, match="scene.scenes"):
        SCENE_BUILDERS.build({"name": "habitat"})
    with pytest.raises(ConfigError, match="objects_from.*semantic_scene"):
        SCENE_BUILDERS.build({"name": "habitat", "recordings": str(RECORDING), "objects_from": "mesh"})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "simgen.habitat_recording", "version": 1}))
    with pytest.raises(ConfigError, match="bad.json.*missing scene, objects, bounds"):
        SCENE_BUILDERS.build({"name": "habitat", "recordings": str(bad)})


def test_category_map_and_small_size(rec):
    cfg = HabitatSceneConfig(recordings="x", category_map={"potted_plant": "plant"}, small_max_size=2.0)
    spec = scene_from_recording(rec, 0, cfg)
    assert by_category(spec, "plant").kind == "small" and by_category(spec, "sofa").kind == "small"
