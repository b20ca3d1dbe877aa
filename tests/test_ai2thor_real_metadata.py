"""The AI2-THOR adapter on metadata the real simulator wrote: an excerpt (every value as recorded) of
``ai2thor/tests/data/instance_segmentation_metadata.json`` from the allenai/ai2thor repository
(Apache-2.0; source, commit and what was kept are in the fixture's ``_source``), a kitchen
(``iTHOR_Kitchen_Val_09``) seen by an agent at yaw 90°, horizon 0°, fov 90°, 600×600 pixels.

Expected values are worked out here from AI2-THOR's own conventions (Unity: Y up, left-handed; a
viewer facing +Z has +X on the right; +yaw turns clockwise seen from above; +horizon looks down),
not from simgen's conversion code.
"""
import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest

from simgen.geometry import project, quat_to_matrix, wrap_angle, yaw_of
from simgen.scene.ai2thor import scene_from_metadata
from simgen.simulators import ai2thor_meta as meta

FIXTURE = Path(__file__).parent / "fixtures" / "ai2thor_kitchen_real.json"


@pytest.fixture(scope="module")
def metadata() -> dict:
    return json.loads(FIXTURE.read_text())["metadata"]


@pytest.fixture(scope="module")
def scene(metadata):
    return scene_from_metadata(metadata, "iTHOR_Kitchen_Val_09")


def by_key(scene) -> dict:
    keys = scene.complexity["source"]["object_keys"]
    return {keys[str(o.object_id)]: o for o in scene.objects}


def test_every_object_gets_a_scene_entry(metadata, scene):
    recorded = {o["objectId"] for o in metadata["objects"] if o["objectType"] != "Floor"}  # the floor is the room
    assert set(by_key(scene)) == recorded and len(scene.objects) == 7
    assert sorted(o.category for o in scene.objects) == \
        ["cabinet", "chair", "drawer", "faucet", "stove burner", "stove burner", "stove burner"]
    assert sorted(o.object_id for o in scene.objects) == list(range(1, 8))
    (x0, y0), _, (x1, y1), _ = scene.room.footprint  # sceneBounds: x −4.4…1.5, Unity z −2.8…3.2
    assert (x0, y0, x1, y1) == pytest.approx((-4.400001, -2.8, 1.5, 3.2), abs=1e-5)
    assert scene.room.height == pytest.approx(2.92, abs=1e-5)


def test_boxes_keep_their_recorded_extents(metadata, scene):
    objects = by_key(scene)
    for rec in metadata["objects"]:
        if rec["objectType"] == "Floor":
            continue
        obj = objects[rec["objectId"]]
        if rec["objectOrientedBoundingBox"] is None:  # axis-aligned box: Unity size (x, y, z) is (x, depth, height)
            size = rec["axisAlignedBoundingBox"]["size"]
            assert 2 * np.array(obj.half_extents) == pytest.approx([size["x"], size["z"], size["y"]], abs=1e-6)
            c = rec["axisAlignedBoundingBox"]["center"]
            assert obj.pose.position == pytest.approx([c["x"], c["z"], c["y"]], abs=1e-6)
    chair = objects["Chair|-01.85|+00.00|-00.96"]
    corners = np.array(next(o for o in metadata["objects"] if o["objectType"] == "Chair")
                       ["objectOrientedBoundingBox"]["cornerPoints"])
    # the recorded corners: 0→1 and 0→3 are the two floor edges, 0→4 the vertical one (lengths in metres)
    edges = sorted(np.linalg.norm(corners[i] - corners[0]) for i in (1, 3, 4))
    assert sorted(2 * np.array(chair.half_extents)) == pytest.approx(edges, abs=2e-3)
    centre = corners.mean(axis=0)
    assert chair.pose.position == pytest.approx([centre[0], centre[2], centre[1]], abs=1e-3)


def test_a_rotated_object_keeps_its_heading(scene):
    """Unity yaw +67.886° (clockwise seen from above) turns the chair's local +X from Unity +X towards
    Unity −Z, which is world −Y: its simgen heading is −67.886°."""
    chair = by_key(scene)["Chair|-01.85|+00.00|-00.96"]
    R = quat_to_matrix(chair.pose.quat_wxyz)
    assert yaw_of(R) == pytest.approx(wrap_angle(math.radians(-67.88609313964844)), abs=2e-3)
    assert R[:, 2] == pytest.approx([0, 0, 1], abs=1e-2)  # standing up (the recorded tilt is 0.14°)


def expected_pixel(metadata, unity_point, horizon_deg=0.0):
    """Pixel of a Unity point for the recorded agent (yaw 90°: forward = Unity +X, right = Unity −Z,
    up = Unity +Y), pitched down by ``horizon_deg``; vertical fov 90° over 600 px: f = 300 px."""
    cam = np.array([metadata["cameraPosition"][k] for k in "xyz"])
    d = np.asarray(unity_point) - cam
    fwd0, right, up0 = d[0], -d[2], d[1]
    h = math.radians(horizon_deg)
    fwd = fwd0 * math.cos(h) - up0 * math.sin(h)  # looking down: the forward axis tips towards −up
    up = up0 * math.cos(h) + fwd0 * math.sin(h)
    f = (metadata["screenHeight"] / 2) / math.tan(math.radians(metadata["fov"] / 2))
    return np.array([300 + f * right / fwd, 300 - f * up / fwd]), fwd


@pytest.mark.parametrize("horizon", [0.0, 30.0])
def test_camera_pose_matches_the_agents_yaw_and_horizon(metadata, horizon):
    md = copy.deepcopy(metadata)
    md["agent"]["cameraHorizon"] = horizon  # 0 as recorded; 30 (looking down) as AI2-THOR would report it
    T = meta.agent_camera(md)
    K = meta.camera_intrinsics(md).K()
    cam = md["cameraPosition"]
    assert T[:3, 3] == pytest.approx([cam["x"], cam["z"], cam["y"]])  # Unity (x, y, z) → world (x, z, y)
    h = math.radians(horizon)
    assert T[:3, 2] == pytest.approx([math.cos(h), 0, -math.sin(h)], abs=1e-9)  # optical axis: Unity +X, tipped down
    assert T[:3, 0] == pytest.approx([0, -1, 0], abs=1e-9)  # image right: Unity −Z = world −Y
    for rec in md["objects"]:
        if rec["objectType"] != "StoveBurner":
            continue
        p = rec["axisAlignedBoundingBox"]["center"]
        unity = [p["x"], p["y"], p["z"]]
        uv, depth = project(K, T, np.array([[unity[0], unity[2], unity[1]]]))
        want, fwd = expected_pixel(md, unity, horizon)
        assert depth[0] == pytest.approx(fwd) and uv[0] == pytest.approx(want, abs=1e-6)


def test_what_the_simulator_saw_lies_in_the_picture(metadata, scene):
    """AI2-THOR marked the three stove burners visible; the chair and the faucet stand behind the agent."""
    T, K = meta.agent_camera(metadata), meta.camera_intrinsics(metadata).K()
    objects = by_key(scene)
    for rec in metadata["objects"]:
        if rec["objectType"] == "Floor":
            continue
        uv, depth = project(K, T, np.array([objects[rec["objectId"]].pose.position]))
        if rec["visible"]:
            assert depth[0] > 0 and 0 <= uv[0, 0] < 600 and 0 <= uv[0, 1] < 600, rec["objectId"]
        if rec["objectType"] in ("Chair", "Faucet"):
            assert depth[0] < 0, rec["objectId"]
    near, far = (objects[k] for k in ("StoveBurner|+00.84|+00.92|-01.10", "StoveBurner|+01.08|+00.92|-01.50"))
    (u_near, _), (u_far, _) = project(K, T, np.array([near.pose.position, far.pose.position]))[0]
    assert u_near < 300 < u_far  # Unity z −1.10 is on the agent's left when it faces +X, z −1.50 on its right
