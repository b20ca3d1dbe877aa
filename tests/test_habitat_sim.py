"""The ``habitat`` simulator's glue, driven by a fake habitat-sim that serves the recorded fixture: the
live recorder reproduces the recording, the sensor pose sent is the recorded one, frames convert."""
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from simgen.registry import SIMULATORS, ConfigError
from simgen.scene.habitat import scene_from_recording
from simgen.simulators import habitat as hab
from simgen.simulators import habitat_frames as hf
from simgen.simulators.metadata_boxes import MissingSDK

REC = hf.load_recording(Path(__file__).parent / "fixtures" / "habitat_mini.json")


class Vec(list):
    """A magnum-like vector: a list with component access."""


class Range:
    """A magnum-like Range3D."""

    def __init__(self, lo, hi):
        self.min, self.max = Vec(lo), Vec(hi)

    def center(self):
        return Vec((np.add(self.min, self.max) / 2).tolist())

    def size(self):
        return Vec(np.subtract(self.max, self.min).tolist())


def semantic_object(o):
    obb = SimpleNamespace(center=o["obb"]["center"], sizes=o["obb"]["sizes"], rotation=o["obb"]["rotation_xyzw"]) \
        if o["obb"] else SimpleNamespace(center=[0, 0, 0], sizes=[0, 0, 0], rotation=[0, 0, 0, 1])  # an empty OBB
    c, s = np.array(o["aabb"]["center"]), np.array(o["aabb"]["sizes"])
    return SimpleNamespace(id=o["id"], semantic_id=o["semantic_id"], obb=obb, aabb=Range(c - s / 2, c + s / 2),
                           category=SimpleNamespace(name=lambda n=o["category"]: n))


class FakeAgent:
    def __init__(self):
        self.states = []

    def set_state(self, state, infer_sensor_states=True):
        self.states.append((state, infer_sensor_states))


class FakeSimulator:
    instances: list = []

    def __init__(self, config):
        self.configs, self.agent, self.closed = [config], FakeAgent(), False
        objects = [semantic_object(o) for o in REC["objects"]]
        self.semantic_scene = SimpleNamespace(objects=objects, categories=[])
        root = SimpleNamespace(cumulative_bb=Range(REC["bounds"]["min"], REC["bounds"]["max"]))
        self._graph = SimpleNamespace(get_root_node=lambda: root)
        self.pathfinder = SimpleNamespace(is_loaded=False)
        FakeSimulator.instances.append(self)

    def get_active_scene_graph(self):
        return self._graph

    def reconfigure(self, config):
        self.configs.append(config)

    def get_agent(self, index):
        return self.agent

    def get_sensor_observations(self):
        state, _ = self.agent.states[-1]
        pose = state.sensor_states["color"]
        for name, sensor in REC["sensors"].items():  # serve the recorded camera at this pose
            if np.allclose(pose.position, sensor["position"]):
                f = REC["frames"][name]
                sem = np.array(f["semantic"], dtype=np.uint32)
                return {"color": np.zeros(sem.shape + (4,), np.uint8), "depth": np.array(f["depth"], np.float32),
                        "semantic": sem}
        raise AssertionError(f"no recorded camera at {pose.position}")

    def close(self):
        self.closed = True


class Spec(SimpleNamespace):
    pass


def fake_sdk_namespace():
    hsim = SimpleNamespace(
        SimulatorConfiguration=Spec, CameraSensorSpec=Spec, Simulator=FakeSimulator,
        SensorType=SimpleNamespace(COLOR="color", DEPTH="depth", SEMANTIC="semantic"),
        agent=SimpleNamespace(AgentConfiguration=Spec),
        Configuration=lambda backend, agents: SimpleNamespace(sim_cfg=backend, agents=agents))
    return SimpleNamespace(hsim=hsim, AgentState=Spec, SixDOFPose=Spec,
                           quat_from_coeffs=lambda xyzw: np.array([xyzw[3], *xyzw[:3]]))


@pytest.fixture
def fake_sdk(monkeypatch):
    FakeSimulator.instances.clear()
    monkeypatch.setattr(hab, "import_sdk", fake_sdk_namespace)
    yield
    hab.SESSION.close()


def test_live_recorder_reproduces_the_recording(fake_sdk):
    data = hab.record_scene("mini_apartment", None)
    assert data["objects_from"] == "semantic_scene" and data["origin_y"] == 0.0
    assert scene_from_recording(data) == scene_from_recording(REC)


def test_render_sends_the_recorded_sensor_pose_and_converts_frames(fake_sdk):
    spec = scene_from_recording(REC)
    sim = SIMULATORS.build({"name": "habitat"})
    states = sim.load(spec)
    assert [s.pose for s in states] == [o.pose for o in spec.objects]  # semantic meshes are static
    T, intr = hf.recording_camera(REC, "camera_2")
    obs = sim.render(T, intr)
    fake = FakeSimulator.instances[-1]
    cfg = fake.configs[-1]
    sensors = {s.uuid: s for s in cfg.agents[0].sensor_specifications}
    assert set(sensors) == {"color", "depth", "semantic"}
    assert sensors["depth"].resolution == [24, 32] and sensors["depth"].hfov == pytest.approx(70.0)
    state, infer = fake.agent.states[-1]
    assert infer is False
    recorded = REC["sensors"]["camera_2"]
    pose = state.sensor_states["semantic"]
    assert np.allclose(pose.position, recorded["position"])
    q, r = np.asarray(pose.rotation), np.asarray(recorded["rotation_wxyz"])
    assert np.allclose(q, r) or np.allclose(q, -r)
    src = spec.complexity["source"]
    lut = {sid: int(i) for i, k in src["object_keys"].items() for kk, sid in src["semantic_ids"].items() if kk == k}
    assert np.array_equal(obs.instance, hf.instance_ids(REC["frames"]["camera_2"]["semantic"], lut))
    assert obs.rgb.shape == (24, 32, 3) and np.isinf(obs.depth).sum() == 0  # camera_2 sees only geometry
    sim.close()
    assert fake.closed


def test_load_refuses_other_builders(fake_sdk):
    from dataclasses import replace

    sim = SIMULATORS.build({"name": "habitat"})
    with pytest.raises(ValueError, match="scene=habitat"):
        sim.load(replace(scene_from_recording(REC), complexity={"source": {"builder": "ai2thor"}}))


def test_missing_sdk_names_conda(monkeypatch):
    monkeypatch.setitem(sys.modules, "habitat_sim", None)
    with pytest.raises(MissingSDK, match="conda install habitat-sim"):
        SIMULATORS.build({"name": "habitat"})


def test_config_errors_name_the_key():
    with pytest.raises(ConfigError, match="simulator.near/far"):
        SIMULATORS.config({"name": "habitat", "near": 2.0, "far": 1.0})


class FakeRigid:
    """A managed rigid object: local box, pose (translation + yaw about habitat +Y), settable semantic id."""

    def __init__(self, handle, semantic_id, translation, yaw_deg, sizes):
        self.handle, self.semantic_id, self.translation = handle, semantic_id, np.array(translation, float)
        self.yaw = np.radians(yaw_deg)
        s = np.array(sizes) / 2
        self.root_scene_node = SimpleNamespace(cumulative_bb=Range(-s, s))

    @property
    def rotation(self):
        return SimpleNamespace(vector=[0.0, float(np.sin(self.yaw / 2)), 0.0], scalar=float(np.cos(self.yaw / 2)))

    @property
    def transformation(self):
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        R = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
        return SimpleNamespace(transform_point=lambda p: R @ np.asarray(p, float) + self.translation)


def test_rigid_objects_get_instance_ids_and_live_states(fake_sdk):
    rigid = {h: FakeRigid(h, sid, t, yaw, size) for h, sid, t, yaw, size in (
        ("chair_01_:0000", 3, (1.0, 0.45, -2.0), 30.0, (0.5, 0.9, 0.5)),
        ("frl_apartment_lamp_02_:0001", 0, (-1.0, 0.8, -1.0), 0.0, (0.3, 1.6, 0.3)))}
    original = FakeSimulator.__init__

    def with_rigid(self, config):
        original(self, config)
        self.semantic_scene = SimpleNamespace(objects=[], categories=[SimpleNamespace(index=lambda: 3,
                                                                                      name=lambda: "armchair")])
        self.get_rigid_object_manager = lambda: SimpleNamespace(get_objects_by_handle_substring=lambda: rigid)

    FakeSimulator.__init__ = with_rigid
    try:
        data = hab.record_scene("apt_0", "replicaCAD.scene_dataset_config.json")
        assert data["objects_from"] == "rigid_objects"
        assert {o["category"] for o in data["objects"]} == {"armchair", "frl_apartment_lamp"}  # lexicon, handle
        spec = scene_from_recording(data)
        sim = SIMULATORS.build({"name": "habitat"})
        states = sim.load(spec)
        assert sorted(o.semantic_id for o in rigid.values()) == [1, 2]  # one id per instance, set on load
        assert [s.pose for s in states] == [o.pose for o in spec.objects]
        rigid["chair_01_:0000"].translation += [0.5, 0.0, 0.0]  # the chair moves along habitat +X
        moved = {s.object_id: s.pose.position for s in sim.states()}
        chair = next(o for o in spec.objects if o.category == "armchair")
        assert np.allclose(np.subtract(moved[chair.object_id], chair.pose.position), [0.5, 0, 0], atol=1e-6)
    finally:
        FakeSimulator.__init__ = original
