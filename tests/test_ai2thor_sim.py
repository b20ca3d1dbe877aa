"""The ``ai2thor`` simulator's glue, driven by a fake controller that replays the recorded fixture:
the camera it asks Unity for is the recorded one, and the frames come back as simgen's Observation."""
import sys
from pathlib import Path

import numpy as np
import pytest

from simgen.registry import SIMULATORS, ConfigError
from simgen.scene.ai2thor import scene_from_metadata
from simgen.simulators import ai2thor as thor
from simgen.simulators import ai2thor_meta as meta
from simgen.simulators.metadata_boxes import MissingSDK

RECORDING = Path(__file__).parent / "fixtures" / "ai2thor_floorplan_mini.json"
REC = meta.load_recording(RECORDING)
MD = REC["metadata"]


class FakeEvent:
    """Just the Event attributes the simulator reads."""

    def __init__(self, metadata, camera_frames: dict):
        self.metadata = metadata
        self.screen_width, self.screen_height = metadata["screenWidth"], metadata["screenHeight"]
        agent = camera_frames.get("agent")
        self.frame = np.zeros((self.screen_height, self.screen_width, 3), np.uint8)
        self.depth_frame = np.array(agent["depth_frame"]) if agent else None
        self.instance_segmentation_frame = np.array(agent["instance_segmentation_frame"], np.uint8) if agent else None
        tp = camera_frames.get("third_party_0")
        self.third_party_camera_frames = [self.frame] if tp else []
        self.third_party_depth_frames = [np.array(tp["depth_frame"])] if tp else []
        seg = [np.array(tp["instance_segmentation_frame"], np.uint8)] if tp else []
        self.third_party_instance_segmentation_frames = seg
        self.object_id_to_color = {}


class FakeController:
    """Replays the recording; remembers every call."""

    instances: list = []

    def __init__(self, **kwargs):
        self.kwargs, self.calls, self.stopped = kwargs, [], False
        FakeController.instances.append(self)
        self.last_event = FakeEvent(dict(MD, thirdPartyCameras=[]), {})

    def reset(self, scene):
        self.calls.append(("reset", scene))
        self.last_event = FakeEvent(dict(MD, thirdPartyCameras=[], lastActionSuccess=True), {})
        return self.last_event

    def step(self, action, **args):
        self.calls.append((action, args))
        if action in ("AddThirdPartyCamera", "UpdateThirdPartyCamera"):
            cams = [dict(position=args["position"], rotation=args["rotation"], fieldOfView=args["fieldOfView"])]
            self.last_event = FakeEvent(dict(MD, thirdPartyCameras=cams), REC["frames"])
        elif action == "TeleportFull":
            self.last_event = FakeEvent(dict(MD, lastActionSuccess=True), REC["frames"])
        return self.last_event

    def stop(self):
        self.stopped = True


@pytest.fixture
def fake_sdk(monkeypatch):
    FakeController.instances.clear()
    platforms = type("platforms", (), {"CloudRendering": "CR", "Linux64": "L64", "OSXIntel64": "OSX"})
    monkeypatch.setattr(thor, "import_sdk", lambda: (FakeController, platforms))
    yield
    thor.SESSION.stop()


@pytest.fixture
def spec():
    return scene_from_metadata(MD, REC["scene"])


def make_sim(**overrides):
    return SIMULATORS.build({"name": "ai2thor", **overrides})


def test_third_party_camera_gets_the_recorded_pose_and_frames_convert(fake_sdk, spec):
    sim = make_sim()
    states = sim.load(spec)
    assert [s.object_id for s in states] == [o.object_id for o in spec.objects]
    assert [s.pose for s in states] == [o.pose for o in spec.objects]  # the same boxes as the SceneSpec
    T, K = meta.camera_pose(MD, "third_party_0"), meta.camera_intrinsics(MD, "third_party_0")
    obs = sim.render(T, K)
    controller = FakeController.instances[-1]
    assert controller.kwargs["platform"] == "CR" and controller.kwargs["renderInstanceSegmentation"] is True
    action, args = controller.calls[-1]
    recorded = MD["thirdPartyCameras"][0]
    assert action == "AddThirdPartyCamera" and args["fieldOfView"] == pytest.approx(recorded["fieldOfView"])
    assert np.allclose([args["position"][k] for k in "xyz"], [recorded["position"][k] for k in "xyz"])
    rot = np.mod([args["rotation"][k] for k in "xyz"], 360.0)
    assert np.allclose(rot, [recorded["rotation"][k] for k in "xyz"])
    frames = REC["frames"]["third_party_0"]
    keys = {k: int(i) for i, k in spec.complexity["source"]["object_keys"].items()}
    expected = meta.instance_ids(np.array(frames["instance_segmentation_frame"], np.uint8), MD["colors"], keys)
    assert np.array_equal(obs.instance, expected) and obs.instance.dtype == np.uint16
    assert obs.depth.dtype == np.float32 and np.isinf(obs.depth).any() and obs.rgb.shape == (24, 32, 3)
    sim.render(T, K)
    assert controller.calls[-1][0] == "UpdateThirdPartyCamera" and controller.calls[-1][1]["thirdPartyCameraId"] == 0
    sim.close()
    assert controller.stopped


def test_agent_camera_teleports_to_the_recorded_pose(fake_sdk, spec):
    sim = make_sim(camera="agent")
    sim.load(spec)
    obs = sim.render(meta.camera_pose(MD, "agent"), meta.camera_intrinsics(MD, "agent"), passes=("instance",))
    action, args = FakeController.instances[-1].calls[-1]
    assert action == "TeleportFull"
    agent = MD["agent"]
    assert args["x"] == pytest.approx(agent["position"]["x"]) and args["y"] == pytest.approx(agent["position"]["y"])
    assert args["z"] == pytest.approx(agent["position"]["z"])
    assert args["horizon"] == pytest.approx(agent["cameraHorizon"])
    assert args["rotation"]["y"] == pytest.approx(agent["rotation"]["y"])
    assert obs.rgb is None and obs.depth is None and obs.instance.max() > 0


def test_resolution_change_is_asked_for(fake_sdk, spec):
    sim = make_sim()
    sim.load(spec)
    from simgen.types import CameraIntrinsics

    with pytest.raises(RuntimeError, match="32×24 frames for a 64×48 camera"):  # the fake replays 32×24 only
        sim.render(meta.camera_pose(MD, "agent"), CameraIntrinsics.from_vfov(64, 48, 60.0))
    assert ("ChangeResolution", {"x": 64, "y": 48, "raise_for_failure": True}) in FakeController.instances[-1].calls


def test_load_refuses_other_builders_and_missing_objects(fake_sdk, spec):
    sim = make_sim()
    from dataclasses import replace

    with pytest.raises(ValueError, match="scene=ai2thor"):
        sim.load(replace(spec, complexity={"source": {"builder": "procedural"}}))
    keys = dict(spec.complexity["source"]["object_keys"], **{"1": "Gone|1"})
    source = dict(spec.complexity["source"], object_keys=keys)
    with pytest.raises(ValueError, match="Gone"):
        sim.load(replace(spec, complexity=dict(spec.complexity, source=source)))
    with pytest.raises(RuntimeError, match="load"):
        make_sim().states()


def test_missing_sdk_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ai2thor", None)  # makes `import ai2thor…` fail like a missing package
    with pytest.raises(MissingSDK, match=r'pip install -e "\.\[ai2thor\]"'):
        make_sim()


@pytest.mark.parametrize("key, value, allowed", [("platform", "Windows", "CloudRendering"), ("camera", "fpv", "agent"),
                                                 ("physics_step", 0.5, r"in \(0\.0, 0\.05\]")])
def test_config_errors_name_key_and_allowed_values(key, value, allowed):
    with pytest.raises(ConfigError, match=f"simulator.{key}.*{allowed}"):
        SIMULATORS.config({"name": "ai2thor", key: value})
