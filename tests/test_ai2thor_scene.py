"""AI2-THOR metadata → SceneSpec, and the golden test: the converted cameras and boxes explain the
recorded instance masks and depth (made by the fixture script's own ray caster in Unity coordinates)."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from simgen.episodes.mask_visibility import compute_visibility
from simgen.geometry import invert, polygon_area, project, quat_to_matrix, yaw_of
from simgen.registry import SCENE_BUILDERS, ConfigError
from simgen.scene.ai2thor import Ai2thorSceneConfig, scene_from_metadata
from simgen.simulators import ai2thor_meta as meta
from simgen.simulators import ai2thor_frames as uf
from simgen.scene.metadata_scene import box_consistency
from simgen.simulators.base import Observation
from simgen.types import ObjectState, SceneSpec

FIXTURES = Path(__file__).parent / "fixtures"
RECORDING = FIXTURES / "ai2thor_floorplan_mini.json"
CAMERAS = ("agent", "third_party_0")


@pytest.fixture(scope="module")
def rec():
    return meta.load_recording(RECORDING)


@pytest.fixture(scope="module")
def spec(rec):
    return scene_from_metadata(rec["metadata"], rec["scene"])


def by_category(spec, category):
    (obj,) = [o for o in spec.objects if o.category == category]
    return obj


def key_to_id(spec):
    return {key: int(i) for i, key in spec.complexity["source"]["object_keys"].items()}


def observation(rec, spec, camera):
    frames, md = rec["frames"][camera], rec["metadata"]
    inst = meta.instance_ids(np.array(frames["instance_segmentation_frame"], np.uint8), md["colors"], key_to_id(spec))
    return Observation(None, meta.depth_metres(frames["depth_frame"]), inst)


def test_fixture_is_what_the_script_writes(rec):
    path = FIXTURES / "ai2thor_make_fixtures.py"
    module_spec = importlib.util.spec_from_file_location("ai2thor_make_fixtures", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    assert json.loads(json.dumps(module.build())) == json.loads(RECORDING.read_text())


def test_objects_ids_categories_and_kinds(spec):
    cats = [o.category for o in spec.objects]
    assert "floor" not in cats  # excluded structure
    assert sorted(cats) == sorted(["sofa", "arm chair", "dining table", "box", "laptop", "tv stand"])
    assert [o.object_id for o in spec.objects] == list(range(1, 7))
    keys = [spec.complexity["source"]["object_keys"][str(o.object_id)] for o in spec.objects]
    assert keys == sorted(keys)  # ids follow objectId order: the same scene always gets the same ids
    assert by_category(spec, "box").kind == "small" and by_category(spec, "sofa").kind == "furniture"
    table = by_category(spec, "dining table")
    assert by_category(spec, "box").support == by_category(spec, "laptop").support == table.object_id
    assert by_category(spec, "tv stand").name == "tv_stand_1"


def test_null_oriented_box_falls_back_to_the_aabb_and_is_flagged(spec):
    table = by_category(spec, "dining table")
    assert spec.complexity["source"]["box_fallback"] == [table.name]
    assert spec.complexity["box_fallback_count"] == 1
    assert np.allclose(table.half_extents, [0.6, 0.4, 0.38])  # Unity size (x 1.2, y 0.76, z 0.8) swapped
    assert np.allclose(table.pose.position, [0.0, 3.3, 0.38])
    assert np.allclose(quat_to_matrix(table.pose.quat_wxyz), np.eye(3))


def test_oriented_box_follows_the_objects_own_frame(spec):
    chair = by_category(spec, "arm chair")  # Unity yaw +30 (clockwise from above) = simgen yaw −30°
    R = quat_to_matrix(chair.pose.quat_wxyz)
    assert np.degrees(yaw_of(R)) == pytest.approx(-30.0)
    assert np.allclose(chair.half_extents, [0.4, 0.35, 0.45])  # right, forward, up halves
    assert np.allclose(chair.pose.position, [-1.5, 2.8, 0.45])
    laptop = by_category(spec, "laptop")  # pitched and yawed: local axes = converted Unity frame
    assert np.allclose(quat_to_matrix(laptop.pose.quat_wxyz), uf.object_frame((35.0, -40.0, 0.0)), atol=1e-6)
    assert np.allclose(laptop.half_extents, [0.2, 0.175, 0.03])


def test_room_and_spec_round_trip(spec):
    assert polygon_area(spec.room.footprint) == pytest.approx(6.0 * 8.0)  # counter-clockwise
    assert spec.room.height == pytest.approx(2.8)
    assert SceneSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert spec.scene_id == "ai2thor-FloorPlanMini" and spec.complexity["source"]["builder"] == "ai2thor"


@pytest.mark.parametrize("camera", CAMERAS)
def test_golden_every_masked_pixel_lies_on_its_objects_box(rec, spec, camera):
    """Back-project each labelled pixel with its depth through the converted camera: it must land on
    the surface of the converted box of the object the mask names (the floor's pixels on z = 0)."""
    md = rec["metadata"]
    T, intr = meta.camera_pose(md, camera), meta.camera_intrinsics(md, camera)
    obs = observation(rec, spec, camera)
    shares = box_consistency(obs.instance, obs.depth, T, intr, spec)
    assert len(shares) >= 5 and all(v == 1.0 for v in shares.values()), shares
    floor = (obs.instance == 0) & np.isfinite(obs.depth)  # the excluded floor: on z = 0
    j, i = np.nonzero(floor)
    rays = np.linalg.inv(intr.K()) @ np.stack([i + 0.5, j + 0.5, np.ones(len(i))])
    assert np.abs((T[2, :3] @ (rays * obs.depth[j, i])) + T[2, 3]).max() < 1e-3


def test_golden_check_catches_a_mirrored_camera(rec, spec):
    """The same check fails when the camera is mirrored (the classic handedness mistake)."""
    md = rec["metadata"]
    T, intr = meta.camera_pose(md, "agent"), meta.camera_intrinsics(md, "agent")
    obs = observation(rec, spec, "agent")
    mirrored = T @ np.diag([-1.0, 1.0, 1.0, 1.0])
    assert min(box_consistency(obs.instance, obs.depth, mirrored, intr, spec).values()) < 0.5


@pytest.mark.parametrize("camera", CAMERAS)
def test_golden_known_point_projects_onto_its_mask(rec, spec, camera):
    """The centre of the sofa's front face (Unity −Z side) projects to a pixel showing the sofa at that depth."""
    md = rec["metadata"]
    T, K = meta.camera_pose(md, camera), meta.camera_intrinsics(md, camera).K()
    sofa = by_category(spec, "sofa")
    R = quat_to_matrix(sofa.pose.quat_wxyz)
    front = np.array(sofa.pose.position) - R[:, 1] * sofa.half_extents[1]  # local −y = Unity −Z face
    (u, v), z = project(K, T, front)[0][0], project(K, T, front)[1][0]
    obs = observation(rec, spec, camera)
    assert obs.instance[int(v), int(u)] == sofa.object_id
    assert obs.depth[int(v), int(u)] == pytest.approx(z, abs=0.05)


def test_handedness_trap_left_and_right_survive_conversion(rec, spec):
    """Seen by the agent (facing Unity +Z) the sofa is on the right and the armchair on the left,
    in the converted camera, in the converted world and in the recorded mask."""
    md = rec["metadata"]
    T = meta.camera_pose(md, "agent")
    obs = observation(rec, spec, "agent")
    cx = md["screenWidth"] / 2
    for category, side in (("sofa", 1), ("arm chair", -1)):
        obj = by_category(spec, category)
        p_cam = invert(T)[:3, :3] @ obj.pose.position + invert(T)[:3, 3]
        assert np.sign(p_cam[0]) == side
        forward = T[:3, 2] * [1, 1, 0]
        right_side = np.cross(forward, [0, 0, 1])
        assert np.sign(np.dot(right_side, np.array(obj.pose.position) - T[:3, 3])) == side
        cols = np.nonzero(obs.instance == obj.object_id)[1] + 0.5
        assert np.sign(cols.mean() - cx) == side


def test_visibility_runs_on_the_converted_frames(rec, spec):
    md = rec["metadata"]
    obs = observation(rec, spec, "agent")
    states = tuple(ObjectState(o.object_id, o.pose) for o in spec.objects)
    vis = compute_visibility(obs, spec, states, meta.camera_intrinsics(md, "agent"), meta.camera_pose(md, "agent"),
                             near=0.1)
    pixels = {v.object_id: v.visible_pixels for v in vis}
    sofa = by_category(spec, "sofa").object_id
    assert pixels[sofa] == int((obs.instance == sofa).sum())
    assert all(v.in_frame_fraction > 0.5 for v in vis if v.object_id in
               (by_category(spec, "sofa").object_id, by_category(spec, "dining table").object_id))


def test_builder_serves_recordings(spec, tmp_path):
    builder = SCENE_BUILDERS.build({"name": "ai2thor", "recordings": str(RECORDING)})
    assert builder.build(3, 0, 7) == scene_from_metadata(meta.load_recording(RECORDING)["metadata"], "FloorPlanMini", 3)
    (tmp_path / "a.json").write_text(RECORDING.read_text())
    folder_builder = SCENE_BUILDERS.build({"name": "ai2thor", "recordings": str(tmp_path), "exclude_types": []})
    assert len(folder_builder.build(0, 0, 0).objects) == len(spec.objects) + 1  # the floor is kept now


def test_category_map_overrides(rec):
    cfg = Ai2thorSceneConfig(category_map={"ArmChair": "armchair", "tv stand": "tv"})  # raw or split names
    categories = {o.category for o in scene_from_metadata(rec["metadata"], "x", 0, cfg).objects}
    assert {"armchair", "tv"} <= categories and "arm chair" not in categories


def test_builder_errors_name_the_problem(tmp_path):
    with pytest.raises(ConfigError, match="recordings"):
        SCENE_BUILDERS.build({"name": "ai2thor", "recordings": str(tmp_path / "missing.json")})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ConfigError, match="bad.json.*format"):
        SCENE_BUILDERS.build({"name": "ai2thor", "recordings": str(bad)})
    with pytest.raises(ConfigError, match="scene.scenes"):
        SCENE_BUILDERS.build({"name": "ai2thor", "scenes": []})
    with pytest.raises(ConfigError, match="category_map"):
        SCENE_BUILDERS.build({"name": "ai2thor", "category_map": {"Sofa": ""}})


def test_object_without_any_box_is_named():
    with pytest.raises(ValueError, match="Thing"):
        meta.object_box({"objectId": "Thing|1", "rotation": None, "objectOrientedBoundingBox": None,
                         "axisAlignedBoundingBox": None})
