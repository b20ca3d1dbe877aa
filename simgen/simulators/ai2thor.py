"""Simulator ``ai2thor``: AI2-THOR (iTHOR FloorPlans, ProcTHOR houses) through its Unity build.

Needs ``pip install -e ".[ai2thor]"`` and AI2-THOR's Unity build (downloaded by the SDK on first
use, or pre-staged for offline machines: see docs/backends.md). The SDK is imported only when a
controller starts, so the conversion code (:mod:`ai2thor_meta`, :mod:`ai2thor_frames`) and its
tests run anywhere.

Scenes come from the ``ai2thor`` scene builder, which turns AI2-THOR's own metadata into the
SceneSpec (``complexity["source"]`` names the scene and maps each object_id to its objectId).
``load`` resets the controller to that scene and reads the objects' states back; ``render`` moves a
third-party camera (``camera: third_party``, any pose) or teleports the agent (``camera: agent``,
no roll) and converts the frames: RGB as is, depth in metres (Unity's planar eye depth; no hit →
inf) and the instance-segmentation colours to object ids. Physics runs in Unity: ``step`` pauses
Unity's auto-simulation and advances it in fixed steps.

One controller per process (:data:`SESSION`) serves the scene builder and the simulator alike, so
a Unity process starts once per shard.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simgen.geometry import matrix_to_quat
from simgen.registry import SIMULATORS, check_config, setting
from simgen.simulators import ai2thor_meta as meta
from simgen.simulators import ai2thor_frames as uf
from simgen.simulators.metadata_boxes import MissingSDK, rounded
from simgen.simulators.base import PASSES, Observation, Simulator, check_passes
from simgen.types import CameraIntrinsics, ObjectState, Pose, SceneSpec

log = logging.getLogger("simgen.simulators.ai2thor")

PLATFORMS = ("CloudRendering", "Linux64", "OSXIntel64")
CAMERAS = ("third_party", "agent")
INSTALL = 'pip install -e ".[ai2thor]" (and AI2-THOR\'s Unity build: see docs/backends.md)'


@dataclass
class Ai2thorConfig:
    """Schema of ``conf/simulator/ai2thor.yaml``."""

    # CloudRendering: headless Vulkan rendering; Linux64 needs an X display
    platform: str = setting("CloudRendering", choices=PLATFORMS)
    local_executable_path: str | None = None  # a pre-staged Unity executable (skips the download)
    commit_id: str | None = None  # AI2-THOR build commit; None = the one the SDK pins
    # third_party (any pose) | agent (TeleportFull: yaw + horizon, no roll)
    camera: str = setting("third_party", choices=CAMERAS)
    width: int = setting(320, ge=16)  # initial screen size; render() switches to the intrinsics' size
    height: int = setting(240, ge=16)
    quality: str = "Ultra"
    gpu_device: int | None = None
    server_timeout: float = setting(100.0, gt=0.0)  # s a single step may take before the SDK gives up
    physics_step: float = setting(0.02, gt=0.0, le=0.05)  # s per AdvancePhysicsStep in step()
    near: float = setting(0.1, gt=0.0)  # m: Unity camera near plane; also the visibility test's near limit


def import_sdk():
    """``(Controller, platform module)`` of the ai2thor SDK, or MissingSDK naming the install extra."""
    try:
        from ai2thor import platform as thor_platform
        from ai2thor.controller import Controller
    except ImportError as e:
        raise MissingSDK(f"simulator ai2thor: the ai2thor SDK is not installed ({e}); {INSTALL}") from None
    return Controller, thor_platform


def scene_argument(scene: str):
    """What ``Controller.reset`` takes: an iTHOR scene name as is, a ProcTHOR house JSON file as a dict."""
    if scene.endswith(".json"):
        path = Path(scene).expanduser()
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise ValueError(f"ProcTHOR house {path}: unreadable ({e})") from None
    return scene


class Session:
    """The process's one AI2-THOR controller, started on first use with the registered config."""

    def __init__(self):
        self.cfg = Ai2thorConfig()
        self.controller = None

    def configure(self, cfg: Ai2thorConfig) -> None:
        """Use ``cfg`` for the controller (restarting a running one started with another config)."""
        if self.controller is not None and cfg != self.cfg:
            self.stop()
        self.cfg = cfg

    def get(self):
        """The running controller (started now if needed)."""
        if self.controller is None:
            Controller, thor_platform = import_sdk()
            c = self.cfg
            kwargs = dict(platform=getattr(thor_platform, c.platform), width=c.width, height=c.height,
                          quality=c.quality, renderDepthImage=True, renderInstanceSegmentation=True,
                          server_timeout=c.server_timeout)
            if c.local_executable_path:
                kwargs["local_executable_path"] = c.local_executable_path
            if c.commit_id:
                kwargs["commit_id"] = c.commit_id
            if c.gpu_device is not None:
                kwargs["gpu_device"] = c.gpu_device
            log.info("starting AI2-THOR (%s)", c.platform)
            self.controller = Controller(**kwargs)
        return self.controller

    def reset(self, scene: str) -> dict:
        """Load ``scene`` (iTHOR name or ProcTHOR house JSON path) and return its metadata."""
        return dict(self.get().reset(scene=scene_argument(scene)).metadata)

    def stop(self) -> None:
        """Stop the Unity process."""
        if self.controller is not None:
            self.controller.stop()
        self.controller = None


SESSION = Session()


def scene_metadata(scene: str) -> dict:
    """Metadata of ``scene`` as loaded by the process's controller (for the scene builder)."""
    return SESSION.reset(scene)


@SIMULATORS.register("ai2thor", config=Ai2thorConfig)
class Ai2thorSimulator(Simulator):
    """AI2-THOR behind the simulator interface; SceneSpecs must come from the ``ai2thor`` builder."""

    name = "ai2thor"
    renderer = "unity"
    combined = True  # its scene exists only inside its own renderer (renderer=ai2thor)

    def __init__(self, cfg: Ai2thorConfig | None = None):
        self.cfg = cfg or Ai2thorConfig()
        check_config(self.cfg, "simulator")
        import_sdk()  # fail now, with the install hint, rather than mid-shard
        SESSION.configure(self.cfg)
        self.spec: SceneSpec | None = None
        self._keys: list[str] = []  # objectId of each spec object, in spec order
        self._metadata: dict = {}
        self._camera_id: int | None = None

    def load(self, spec: SceneSpec) -> tuple[ObjectState, ...]:
        """Reset Unity to the spec's scene, check every object is there, return their states."""
        source = spec.complexity.get("source", {})
        if source.get("builder") != "ai2thor":
            raise ValueError(f"scene {spec.scene_id}: the ai2thor simulator renders scenes of the 'ai2thor' scene "
                             f"builder (scene=ai2thor), got builder {source.get('builder')!r}")
        keys = source["object_keys"]
        self._keys = [keys[str(obj.object_id)] for obj in spec.objects]
        self._metadata = SESSION.reset(source["scene"])
        present = {o["objectId"] for o in self._metadata["objects"]}
        missing = [k for k in self._keys if k not in present]
        if missing:
            raise ValueError(f"scene {spec.scene_id}: AI2-THOR has no object(s) {missing[:5]} (the scene changed "
                             "since the SceneSpec was built?)")
        self.spec = spec
        self._camera_id = None
        return self.states()

    def step(self, seconds: float) -> tuple[ObjectState, ...]:
        """Advance Unity's physics by ``seconds`` (whole ``physics_step`` steps, auto-simulation paused)."""
        if seconds < 0:
            raise ValueError(f"step: seconds must be ≥ 0, got {seconds}")
        self._require_scene()
        c = SESSION.get()
        c.step(action="PausePhysicsAutoSim")
        for _ in range(int(round(seconds / self.cfg.physics_step))):
            c.step(action="AdvancePhysicsStep", timeStep=self.cfg.physics_step)
        self._metadata = dict(c.last_event.metadata)
        return self.states()

    def states(self) -> tuple[ObjectState, ...]:
        """Every object's box pose from the latest metadata, in ``spec.objects`` order."""
        self._require_scene()
        by_key = {o["objectId"]: o for o in self._metadata["objects"]}
        out = []
        for key, obj in zip(self._keys, self.spec.objects):
            box = meta.object_box(by_key[key])
            out.append(ObjectState(obj.object_id, Pose(rounded(box.center), rounded(matrix_to_quat(box.R)))))
        return tuple(out)

    def render(self, T_world_cam, intrinsics: CameraIntrinsics, passes=PASSES) -> Observation:
        """RGB, depth (m) and instance ids seen from the OpenCV camera at ``T_world_cam``."""
        check_passes(passes)
        self._require_scene()
        c = SESSION.get()
        fov = uf.vertical_fov_deg(intrinsics)
        if (c.last_event.screen_width, c.last_event.screen_height) != (intrinsics.width, intrinsics.height):
            c.step(action="ChangeResolution", x=intrinsics.width, y=intrinsics.height, raise_for_failure=True)
        if self.cfg.camera == "third_party":
            rgb, depth, seg, event = self._third_party(c, T_world_cam, fov)
        else:
            rgb, depth, seg, event = self._agent(c, T_world_cam, fov)
        if np.shape(seg)[:2] != (intrinsics.height, intrinsics.width):
            raise RuntimeError(f"ai2thor returned {np.shape(seg)[1]}×{np.shape(seg)[0]} frames for a "
                               f"{intrinsics.width}×{intrinsics.height} camera (ChangeResolution failed?)")
        colors = event.metadata.get("colors") or event.object_id_to_color
        key_to_id = {k: obj.object_id for k, obj in zip(self._keys, self.spec.objects)}
        return Observation(
            np.ascontiguousarray(rgb[:, :, :3], dtype=np.uint8) if "rgb" in passes else None,
            meta.depth_metres(depth) if "depth" in passes else None,
            meta.instance_ids(seg, colors, key_to_id) if "instance" in passes else None,
        )

    def _third_party(self, c, T_world_cam, fov: float):
        """Frames of the simulator's third-party camera, added on first use and moved each frame."""
        position, rotation = uf.unity_camera(T_world_cam)
        if self._camera_id is None:
            event = c.step(action="AddThirdPartyCamera", position=position, rotation=rotation, fieldOfView=fov,
                           raise_for_failure=True)
            self._camera_id = len(event.metadata["thirdPartyCameras"]) - 1
        else:
            event = c.step(action="UpdateThirdPartyCamera", thirdPartyCameraId=self._camera_id, position=position,
                           rotation=rotation, fieldOfView=fov, raise_for_failure=True)
        i = self._camera_id
        return (event.third_party_camera_frames[i], event.third_party_depth_frames[i],
                event.third_party_instance_segmentation_frames[i], event)

    def _agent(self, c, T_world_cam, fov: float):
        """Frames of the agent camera after ``TeleportFull`` (its height offset read from the metadata)."""
        md = c.last_event.metadata
        if abs(float(md["fov"]) - fov) > 1e-3:
            c.step(action="ChangeFOV", fieldOfView=fov, raise_for_failure=True)
        offset = float(md["cameraPosition"]["y"]) - float(md["agent"]["position"]["y"])
        event = c.step(action="TeleportFull", **uf.teleport_pose(T_world_cam, offset), forceAction=True)
        if not event.metadata["lastActionSuccess"]:
            raise RuntimeError(f"ai2thor TeleportFull failed: {event.metadata.get('errorMessage')}")
        return event.frame, event.depth_frame, event.instance_segmentation_frame, event

    def _require_scene(self) -> None:
        if self.spec is None:
            raise RuntimeError("ai2thor simulator: call load(spec) first")

    def close(self) -> None:
        """Stop the process's AI2-THOR controller."""
        SESSION.stop()
        self.spec = None
