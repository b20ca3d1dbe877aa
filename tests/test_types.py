"""Records round-trip through dicts/JSON exactly and reject unknown fields by name."""
import json

import pytest

from simgen.seeding import rng
from simgen.types import (SCHEMA_VERSION, CameraIntrinsics, Episode, Frame, ObjectSpec, ObjectState, Part, Pose,
                          RoomSpec, SceneSpec, Visibility)


def tiny_episode() -> Episode:
    obj = ObjectSpec(1, "box_1", "box", "red", (0.1, 0.2, 0.3), Pose((1.0, 2.0, 0.3), (1.0, 0.0, 0.0, 0.0)),
                     (Part("box", (0.1, 0.2, 0.3), rgba=(1.0, 0.0, 0.0, 1.0)),), mass=1.0, kind="small")
    scene = SceneSpec("s", 3, RoomSpec(((0, 0), (4, 0), (4, 3), (0, 3)), 2.5), (obj,), complexity={"n": 1})
    frame = Frame(0, 0.0, ((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)), (ObjectState(1, obj.pose),),
                  (Visibility(1, 10, 1.0, 0.0, (1, 2, 3, 4)),))
    return Episode("e", scene, CameraIntrinsics.from_vfov(64, 48, 60), 10.0, (frame,), "pybullet", "orbit")


def test_episode_roundtrip_through_json():
    ep = tiny_episode()
    data = json.loads(json.dumps(ep.to_dict()))
    assert data["schema_version"] == SCHEMA_VERSION
    back = Episode.from_dict(data)
    assert back.to_dict() == ep.to_dict()
    assert back.frames[0].visibility[0].bbox_2d == (1, 2, 3, 4)
    assert back.scene.objects[0].parts[0].offset == Pose()


def test_unknown_field_is_named():
    data = tiny_episode().scene.objects[0].to_dict()
    data["colour"] = "red"
    with pytest.raises(ValueError, match="colour"):
        ObjectSpec.from_dict(data)


def test_intrinsics_from_vfov():
    cam = CameraIntrinsics.from_vfov(320, 240, 90.0)
    assert cam.fy == pytest.approx(120.0) and cam.cx == 160.0 and cam.cy == 120.0
    with pytest.raises(ValueError, match="vfov"):
        CameraIntrinsics.from_vfov(320, 240, 0.5)


def test_seeding_streams_are_reproducible_and_independent():
    a = rng(1, 0, 2, "scene").random(4)
    assert (a == rng(1, 0, 2, "scene").random(4)).all()
    for other in (rng(2, 0, 2, "scene"), rng(1, 1, 2, "scene"), rng(1, 0, 3, "scene"), rng(1, 0, 2, "trajectory")):
        assert not (a == other.random(4)).any()
    with pytest.raises(ValueError, match="seed"):
        rng(-1)
