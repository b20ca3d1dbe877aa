"""Simulator ``habitat``: habitat-sim scenes (HSSD, ReplicaCAD, HM3D with semantics, Replica, MP3D).

habitat-sim comes from conda (``conda install habitat-sim headless -c conda-forge -c aihabitat``),
not from PyPI; it is imported only when a simulator starts, so the conversion code
(:mod:`habitat_frames`) and its tests run anywhere.

Scenes come from the ``habitat`` scene builder (``complexity["source"]`` names the scene, its
dataset config, where objects come from, the floor height ``origin_y`` and each object's semantic
id). One agent carries three co-located pinhole sensors — ``color``, ``depth``, ``semantic`` —
built for the requested intrinsics (square pixels, centred principal point). ``render`` places the
sensors at the OpenCV pose directly (``infer_sensor_states=False``); depth is planar metres (0 →
inf) and the semantic ids become object ids. Rigid objects (HSSD, ReplicaCAD) get one semantic id
per instance so the semantic sensor tells instances apart. One simulator per process
(:data:`SESSION`) serves the scene builder and the simulator alike.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from simgen.geometry import matrix_to_quat
from simgen.registry import SIMULATORS, ConfigError, check_config, setting
from simgen.simulators import habitat_frames as hf
from simgen.simulators.metadata_boxes import MissingSDK, rounded
from simgen.simulators.base import PASSES, Observation, Simulator, check_passes
from simgen.types import CameraIntrinsics, ObjectState, Pose, SceneSpec

log = logging.getLogger("simgen.simulators.habitat")

INSTALL = "conda install habitat-sim headless -c conda-forge -c aihabitat (see docs/backends.md)"
SENSORS = ("color", "depth", "semantic")
PROBE = (64, 64, 90.0)  # sensor (width, height, hfov) while only metadata is read


@dataclass
class HabitatConfig:
    """Schema of ``conf/simulator/habitat.yaml``."""

    gpu_device_id: int = setting(0, ge=0)
    enable_physics: bool = False  # step() advances Bullet physics only when enabled (needs habitat-sim with Bullet)
    physics_step: float = setting(1.0 / 60.0, gt=0.0, le=0.1)  # s per physics step
    near: float = 0.01  # m, sensor clipping planes; near is also the visibility test's near limit
    far: float = 1000.0

    def validate(self, where: str) -> None:
        """What ranges cannot say: the clipping planes in order."""
        if not 0.0 < self.near < self.far:
            raise ConfigError(f"{where}.near/far: expected 0 < near < far, got near={self.near}, far={self.far}")


def import_sdk() -> SimpleNamespace:
    """What simgen uses of habitat-sim (``hsim``: the module, ``AgentState``, ``SixDOFPose``,
    ``quat_from_coeffs``), or MissingSDK naming how to install it."""
    try:
        import habitat_sim
        from habitat_sim.agent import AgentState, SixDOFPose
        from habitat_sim.utils.common import quat_from_coeffs
    except ImportError as e:
        raise MissingSDK(f"simulator habitat: habitat-sim is not installed ({e}); {INSTALL}") from None
    return SimpleNamespace(hsim=habitat_sim, AgentState=AgentState, SixDOFPose=SixDOFPose,
                           quat_from_coeffs=quat_from_coeffs)


class Session:
    """The process's one habitat-sim Simulator, (re)configured for a scene and a sensor size."""

    def __init__(self):
        self.cfg = HabitatConfig()
        self.sim = None
        self.key: tuple | None = None

    def configure(self, cfg: HabitatConfig) -> None:
        """Use ``cfg`` from the next (re)configuration on."""
        if self.sim is not None and cfg != self.cfg:
            self.close()
        self.cfg = cfg

    def open(self, scene: str, dataset: str | None, width: int, height: int, hfov: float):
        """The simulator showing ``scene`` with sensors of that size; True as second value if it was (re)built."""
        key = (scene, dataset, width, height, round(hfov, 6))
        if self.sim is not None and key == self.key:
            return self.sim, False
        habitat_sim = import_sdk().hsim
        backend = habitat_sim.SimulatorConfiguration()
        backend.scene_id = scene
        if dataset:
            backend.scene_dataset_config_file = dataset
        backend.gpu_device_id = self.cfg.gpu_device_id
        backend.enable_physics = self.cfg.enable_physics
        specs = []
        for uuid, kind in zip(SENSORS, (habitat_sim.SensorType.COLOR, habitat_sim.SensorType.DEPTH,
                                        habitat_sim.SensorType.SEMANTIC)):
            spec = habitat_sim.CameraSensorSpec()
            spec.uuid, spec.sensor_type, spec.resolution, spec.hfov = uuid, kind, [height, width], hfov
            spec.near, spec.far = self.cfg.near, self.cfg.far
            specs.append(spec)
        agent = habitat_sim.agent.AgentConfiguration()
        agent.sensor_specifications = specs
        config = habitat_sim.Configuration(backend, [agent])
        if self.sim is None:
            self.sim = habitat_sim.Simulator(config)
        else:
            self.sim.reconfigure(config)
        self.key = key
        return self.sim, True

    def close(self) -> None:
        """Close the simulator."""
        if self.sim is not None:
            self.sim.close()
        self.sim, self.key = None, None


SESSION = Session()


def _rigid_objects(sim) -> dict:
    """handle → managed rigid object, for every rigid object of the scene instance."""
    return dict(sim.get_rigid_object_manager().get_objects_by_handle_substring())


def _rigid_record(obj, semantic_id: int, category: str) -> dict:
    """A recording entry for a rigid object: its local bounding box carried into the world (habitat frame)."""
    bb = obj.root_scene_node.cumulative_bb
    _, sizes = _center_sizes(bb)
    center = obj.transformation.transform_point(bb.center() if callable(bb.center) else bb.center)
    q = obj.rotation
    return {"id": obj.handle, "semantic_id": semantic_id, "category": category,
            "obb": {"center": [float(v) for v in center], "sizes": sizes, "rotation_xyzw": [*q.vector, q.scalar]},
            "aabb": None}


def _center_sizes(box) -> tuple[list, list]:
    """(centre, sizes) of a habitat box, whether it is a magnum Range3D (methods) or an older box3f (fields)."""
    center = box.center() if callable(box.center) else box.center
    sizes = box.size() if hasattr(box, "size") else box.sizes
    return [float(v) for v in center], [float(v) for v in sizes]


def _handle_category(handle: str) -> str:
    """A category guess from an object handle: its base name without digits and instance suffix."""
    base = handle.split(":")[0].rsplit("/", 1)[-1]
    return re.sub(r"[_\d]+$", "", re.sub(r"_\d+(?=_|$)", "", base)) or base


def record_scene(scene: str, dataset: str | None, objects_from: str = "auto", origin_y: float | None = None) -> dict:
    """A habitat recording (objects, bounds, ``origin_y``; no frames) of ``scene`` read live."""
    sim, _ = SESSION.open(scene, dataset, *PROBE)
    semantic = sim.semantic_scene
    sem_objects = [o for o in (semantic.objects if semantic is not None else []) if o is not None]
    source = objects_from if objects_from != "auto" else ("semantic_scene" if sem_objects else "rigid_objects")
    objects = []
    if source == "semantic_scene":
        for o in sem_objects:
            obb, sizes = o.obb, [float(v) for v in o.obb.sizes]
            usable = all(np.isfinite(sizes)) and max(sizes) > 0  # some datasets leave the OBB empty
            objects.append({"id": str(o.id), "semantic_id": int(o.semantic_id),
                            "category": o.category.name() if o.category is not None else "unknown",
                            "obb": {"center": list(obb.center), "sizes": sizes, "rotation_xyzw": list(obb.rotation)}
                            if usable else None,
                            "aabb": dict(zip(("center", "sizes"), _center_sizes(o.aabb)))})
    else:
        names = {c.index(): c.name() for c in (semantic.categories if semantic is not None else []) if c is not None}
        for sid, (handle, obj) in enumerate(sorted(_rigid_objects(sim).items()), start=1):
            category = names.get(int(obj.semantic_id)) or _handle_category(handle)
            objects.append(_rigid_record(obj, sid, category))
    bb = sim.get_active_scene_graph().get_root_node().cumulative_bb
    lo, hi = list(bb.min), list(bb.max)
    if origin_y is None:
        origin_y = float(sim.pathfinder.get_bounds()[0][1]) if sim.pathfinder.is_loaded else float(lo[1])
    return {"format": hf.RECORDING_FORMAT, "version": hf.RECORDING_VERSION, "scene": scene,
            "scene_dataset_config": dataset, "objects_from": source, "origin_y": origin_y,
            "objects": objects, "bounds": {"min": lo, "max": hi}}


@SIMULATORS.register("habitat", config=HabitatConfig)
class HabitatSimulator(Simulator):
    """habitat-sim behind the simulator interface; SceneSpecs must come from the ``habitat`` builder."""

    name = "habitat"
    renderer = "habitat-sim"
    combined = True  # its scene exists only inside its own renderer (renderer=habitat)

    def __init__(self, cfg: HabitatConfig | None = None):
        self.cfg = cfg or HabitatConfig()
        check_config(self.cfg, "simulator")
        self._sdk = import_sdk()  # fail now, with the install hint, rather than mid-shard
        SESSION.configure(self.cfg)
        self.spec: SceneSpec | None = None
        self._source: dict = {}
        self._size = PROBE
        self._labelled = False  # whether this scene's rigid instances carry their semantic ids

    def load(self, spec: SceneSpec) -> tuple[ObjectState, ...]:
        """Open the spec's scene, label rigid instances, return every object's state."""
        source = spec.complexity.get("source", {})
        if source.get("builder") != "habitat":
            raise ValueError(f"scene {spec.scene_id}: the habitat simulator renders scenes of the 'habitat' scene "
                             f"builder (scene=habitat), got builder {source.get('builder')!r}")
        self.spec, self._source, self._labelled = spec, source, False
        self._open(*self._size)
        return self.states()

    def _open(self, width: int, height: int, hfov: float):
        """Open the scene with sensors of this size; rigid instances get their semantic ids (again after a rebuild)."""
        src = self._source
        sim, rebuilt = SESSION.open(src["scene"], src.get("scene_dataset_config"), width, height, hfov)
        self._size = (width, height, hfov)
        if (rebuilt or not self._labelled) and src.get("objects_from") == "rigid_objects":
            rigid = _rigid_objects(sim)
            missing = [k for k in self._source["semantic_ids"] if k not in rigid]
            if missing:
                raise ValueError(f"scene {self.spec.scene_id}: habitat has no rigid object(s) {missing[:5]}")
            for handle, sid in self._source["semantic_ids"].items():
                rigid[handle].semantic_id = int(sid)
            self._labelled = True
        return sim

    def step(self, seconds: float) -> tuple[ObjectState, ...]:
        """Advance Bullet physics by ``seconds`` when enabled (whole steps); otherwise the scene stays still."""
        if seconds < 0:
            raise ValueError(f"step: seconds must be ≥ 0, got {seconds}")
        self._require_scene()
        if self.cfg.enable_physics:
            sim = self._open(*self._size)
            for _ in range(int(round(seconds / self.cfg.physics_step))):
                sim.step_physics(self.cfg.physics_step)
        return self.states()

    def states(self) -> tuple[ObjectState, ...]:
        """Rigid objects: their current boxes; semantic-scene objects (static meshes): their spec poses."""
        self._require_scene()
        if self._source.get("objects_from") != "rigid_objects":
            return tuple(ObjectState(o.object_id, o.pose) for o in self.spec.objects)
        rigid = _rigid_objects(SESSION.sim)
        keys = self._source["object_keys"]
        out = []
        for obj in self.spec.objects:
            box = hf.object_box(_rigid_record(rigid[keys[str(obj.object_id)]], 0, ""), self._source["origin_y"])
            out.append(ObjectState(obj.object_id, Pose(rounded(box.center), rounded(matrix_to_quat(box.R)))))
        return tuple(out)

    def render(self, T_world_cam, intrinsics: CameraIntrinsics, passes=PASSES) -> Observation:
        """RGB, depth (m) and instance ids seen from the OpenCV camera at ``T_world_cam``."""
        check_passes(passes)
        self._require_scene()
        sim = self._open(intrinsics.width, intrinsics.height, hf.hfov_deg(intrinsics))
        position, R = hf.sensor_pose(T_world_cam, self._source["origin_y"])
        w, x, y, z = matrix_to_quat(R)
        rotation = self._sdk.quat_from_coeffs([x, y, z, w])
        pose = self._sdk.SixDOFPose(position=position, rotation=rotation)
        state = self._sdk.AgentState(position=position, rotation=rotation, sensor_states={u: pose for u in SENSORS})
        sim.get_agent(0).set_state(state, infer_sensor_states=False)
        obs = sim.get_sensor_observations()
        key_to_id = {k: int(i) for i, k in self._source["object_keys"].items()}
        lut = {int(sid): key_to_id[k] for k, sid in self._source["semantic_ids"].items() if k in key_to_id}
        return Observation(
            np.ascontiguousarray(obs["color"][:, :, :3], dtype=np.uint8) if "rgb" in passes else None,
            hf.depth_metres(obs["depth"]) if "depth" in passes else None,
            hf.instance_ids(obs["semantic"], lut) if "instance" in passes else None,
        )

    def _require_scene(self) -> None:
        if self.spec is None:
            raise RuntimeError("habitat simulator: call load(spec) first")

    def close(self) -> None:
        """Close the process's habitat-sim simulator."""
        SESSION.close()
        self.spec = None
