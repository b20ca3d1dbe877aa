"""The embedded default simulator: pybullet in DIRECT mode (TinyRenderer, or EGL where it is fast).

Conventions converted here and nowhere else (golden tests in ``tests/test_pybullet_camera.py``):

* pybullet wants OpenGL matrices as column-major flat lists. The view matrix is
  ``diag(1, -1, -1, 1) @ inv(T_world_cam)`` (OpenCV camera → OpenGL camera: flip y and z).
* Pixels: column ``i`` / row ``j`` covers ``[i, i+1) × [j, j+1)`` in continuous image coordinates,
  so its centre is ``(i + 0.5, j + 0.5)`` and ``cx = width / 2`` is a centred principal point (as
  ``CameraIntrinsics.from_vfov`` builds it). EGL samples coverage and depth at pixel centres;
  TinyRenderer samples both at (i, j + 1) (measured), so its principal point is moved by
  (−½, +½) px (``TINY_PIXEL_SHIFT``) to bring its samples to the centres too.
* Depth: pybullet returns the non-linear OpenGL buffer ``d`` in [0, 1]; metres along the camera z
  axis are ``near·far / (far − (far − near)·d)``; pixels where nothing was hit become ``inf``.
* Quaternions: pybullet's ``xyzw`` ↔ the project's ``wxyz`` (``pybullet_build.to_wxyz``).
"""
from __future__ import annotations

import logging
import shutil
import tempfile
import weakref
from dataclasses import dataclass

import numpy as np

from simgen.registry import SIMULATORS, ConfigError, check_config, setting
from simgen.simulators import pybullet_egl
from simgen.simulators.base import PASSES, Observation, Simulator, check_passes
from simgen.simulators.pybullet_build import build_object, build_room, to_wxyz
from simgen.simulators.pybullet_render import TINY_PIXEL_SHIFT, FrameDecoder, gl_projection_matrix, gl_view_matrix
from simgen.types import CameraIntrinsics, ObjectState, Pose, SceneSpec

log = logging.getLogger("simgen.simulators.pybullet")

RENDERERS = ("auto", "egl", "tiny")
GRAVITY = -9.81  # m/s², along world z
REST_CHECK_STEPS = 8  # physics steps between two at-rest checks while settling


@dataclass
class PybulletConfig:
    """Schema of ``conf/simulator/pybullet.yaml``."""

    time_step: float = setting(1.0 / 240.0, gt=0.0, le=0.1)  # s per physics step
    max_settle_seconds: float = setting(2.0, ge=0.0)  # give up settling after this much simulated time
    rest_velocity: float = setting(0.01, gt=0.0)  # m/s (linear) and rad/s (angular) below which a body is at rest
    solver_iterations: int = setting(50, ge=1)
    rolling_friction: float = setting(0.01, ge=0.0)  # m; rolling and spinning friction, so balls come to rest
    # auto: EGL when it runs on hardware, else TinyRenderer
    renderer: str = setting("auto", choices=RENDERERS)
    near: float = 0.05  # m, clipping planes of the render
    far: float = 50.0
    shadows: bool = False  # TinyRenderer shadows cost ~3× render time

    def validate(self, where: str) -> None:
        """What ranges cannot say: the clipping planes in order."""
        if not 0.0 < self.near < self.far:
            raise ConfigError(f"{where}.near/far: expected 0 < near < far, got near={self.near}, far={self.far}")


@SIMULATORS.register("pybullet", config=PybulletConfig)
class PybulletSimulator(Simulator):
    """pybullet in DIRECT mode with its own physics client: several instances never share state."""

    name = "pybullet"

    def __init__(self, cfg: PybulletConfig | None = None):
        import pybullet

        self._p = pybullet
        self.cfg = cfg or PybulletConfig()
        check_config(self.cfg, "simulator")
        self.near = self.cfg.near
        self.client, self.renderer, why = self._connect()
        egl = self.renderer == "egl"
        self._gl = pybullet.ER_BULLET_HARDWARE_OPENGL if egl else pybullet.ER_TINY_RENDERER
        self._pixel_shift = (0.0, 0.0) if egl else TINY_PIXEL_SHIFT
        log.info("pybullet client %d renders with %s (%s)", self.client, self.renderer, why)
        self.spec: SceneSpec | None = None
        self._uids: list[int] = []
        self._lut = np.zeros(1, np.uint16)  # segmentation value + 1 -> object id (0 = room/background)
        self.settle_seconds = 0.0  # simulated time the last load needed to come to rest
        self._mesh_dir = tempfile.mkdtemp(prefix="simgen_pybullet_")  # generated meshes (room floor)
        self._remove_mesh_dir = weakref.finalize(self, shutil.rmtree, self._mesh_dir, ignore_errors=True)

    def _connect(self) -> tuple[int, str, str]:
        """(client, renderer, reason): EGL if asked for (or, for auto, if it is hardware), else TinyRenderer."""
        p, mode = self._p, self.cfg.renderer
        if mode == "tiny":
            return p.connect(p.DIRECT), "tiny", "configured"
        probe = pybullet_egl.probe()
        if mode == "egl" and not probe.ok:
            raise RuntimeError(f"simulator.renderer: 'egl' requested but EGL does not work here "
                               f"({probe.reason}); use renderer 'tiny' or 'auto'")
        if mode == "egl" or probe.hardware:
            client = pybullet_egl.LEASE.acquire()
            if client is not None:
                return client, "egl", f"EGL on {probe.gl_renderer or 'unknown GL'}"
            busy = pybullet_egl.LEASE.client is not None
            why = "another simulator in this process holds EGL" if busy else "the EGL plugin failed in-process"
            if mode == "egl":
                raise RuntimeError(f"simulator.renderer: 'egl' requested but {why}; use 'tiny' or 'auto'")
        else:
            why = probe.reason if not probe.ok else f"EGL is software rendering ({probe.gl_renderer})"
        return p.connect(p.DIRECT), "tiny", f"auto: {why}"

    def load(self, spec: SceneSpec) -> tuple[ObjectState, ...]:
        """Build the room and every object, settle the dynamic ones, return exact states (spec order)."""
        p, c = self._p, self.client
        ids = [obj.object_id for obj in spec.objects]
        if len(set(ids)) != len(ids) or any(not 1 <= i <= np.iinfo(np.uint16).max for i in ids):
            raise ValueError(f"scene {spec.scene_id}: object_id values must be unique and in 1..65535, got {ids}")
        p.resetSimulation(physicsClientId=c)
        p.setGravity(0.0, 0.0, GRAVITY, physicsClientId=c)
        p.setTimeStep(self.cfg.time_step, physicsClientId=c)
        p.setPhysicsEngineParameter(deterministicOverlappingPairs=1, numSolverIterations=self.cfg.solver_iterations,
                                    numSubSteps=0, physicsClientId=c)
        room = build_room(p, c, spec, self._mesh_dir)
        self._uids = [build_object(p, c, obj) for obj in spec.objects]
        for uid, obj in zip(self._uids, spec.objects):
            # Without rolling/spinning friction a ball or a duck on a hull vertex never stops (measured).
            for link in range(-1, len(obj.parts) - 1) if obj.mass > 0 else ():
                p.changeDynamics(uid, link, rollingFriction=self.cfg.rolling_friction,
                                 spinningFriction=self.cfg.rolling_friction, physicsClientId=c)
        self._lut = np.zeros(max(room + self._uids) + 2, np.uint16)
        self._lut[np.asarray(self._uids, dtype=np.intp) + 1] = ids
        self.spec = spec
        self._settle()
        return self.states()

    def _settle(self) -> None:
        """Step until no dynamic body has moved at two checks in a row, or the time is up.

        "Moved" compares poses between checks (displacement over the check window at most
        ``rest_velocity`` × window), not instantaneous velocities: contact jitter on a mesh's convex
        hull keeps velocities above any small threshold while the pose stays put.
        """
        dynamic = [uid for uid, obj in zip(self._uids, self.spec.objects) if obj.mass > 0]
        steps, calm = 0, 0
        max_steps = int(np.ceil(self.cfg.max_settle_seconds / self.cfg.time_step)) if dynamic else 0
        before, moving = self._poses(dynamic), np.zeros(len(dynamic), bool)
        while steps < max_steps and calm < 2:
            for _ in range(REST_CHECK_STEPS):
                self._p.stepSimulation(physicsClientId=self.client)
            steps += REST_CHECK_STEPS
            after = self._poses(dynamic)
            moving = self._moved(before, after, REST_CHECK_STEPS * self.cfg.time_step)
            calm = 0 if moving.any() else calm + 1
            before = after
        self.settle_seconds = steps * self.cfg.time_step
        if max_steps and calm < 2:
            names = [self.spec.objects[self._uids.index(uid)].name for uid, m in zip(dynamic, moving) if m]
            log.warning("scene %s: still moving after %.2f s of settling: %s", self.spec.scene_id,
                        self.settle_seconds, ", ".join(names))

    def _poses(self, uids: list[int]) -> np.ndarray:
        """(N, 7) position and xyzw quaternion of each body."""
        get = self._p.getBasePositionAndOrientation
        return np.array([[*pos, *quat] for pos, quat in (get(u, physicsClientId=self.client) for u in uids)]).reshape(-1, 7)

    def _moved(self, before: np.ndarray, after: np.ndarray, seconds: float) -> np.ndarray:
        """Which bodies moved (m) or turned (rad) more than ``rest_velocity`` × ``seconds``."""
        limit = self.cfg.rest_velocity * seconds
        shift = np.linalg.norm(after[:, :3] - before[:, :3], axis=1)
        turn = 2.0 * np.arccos(np.clip(np.abs(np.sum(after[:, 3:] * before[:, 3:], axis=1)), 0.0, 1.0))
        return (shift > limit) | (turn > limit)

    def step(self, seconds: float) -> tuple[ObjectState, ...]:
        """Advance physics by ``seconds`` (rounded to whole time steps) and return the new states."""
        if seconds < 0:
            raise ValueError(f"step: seconds must be ≥ 0, got {seconds}")
        self._require_scene()
        for _ in range(int(round(seconds / self.cfg.time_step))):
            self._p.stepSimulation(physicsClientId=self.client)
        return self.states()

    def set_pose(self, object_id: int, pose: Pose) -> None:
        """Teleport one object to ``pose`` (object frame = box centre) with zero velocity."""
        uid = self._uid(object_id)
        w, x, y, z = pose.quat_wxyz
        self._p.resetBasePositionAndOrientation(uid, list(pose.position), [x, y, z, w], physicsClientId=self.client)
        self._p.resetBaseVelocity(uid, [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], physicsClientId=self.client)

    def set_velocity(self, object_id: int, linear, angular=(0.0, 0.0, 0.0)) -> None:
        """Set one dynamic object's base velocity (m/s, rad/s): a push."""
        if self.spec.object(object_id).mass <= 0:
            raise ValueError(f"set_velocity: object {object_id} is static (mass 0) and cannot be pushed")
        self._p.resetBaseVelocity(self._uid(object_id), list(map(float, linear)), list(map(float, angular)),
                                  physicsClientId=self.client)

    def _uid(self, object_id: int) -> int:
        self._require_scene()
        for uid, obj in zip(self._uids, self.spec.objects):
            if obj.object_id == object_id:
                return uid
        raise KeyError(f"scene {self.spec.scene_id} has no object_id {object_id}")

    def states(self) -> tuple[ObjectState, ...]:
        """Every object's pose (object frame = oriented-box centre), in ``spec.objects`` order."""
        self._require_scene()
        out = []
        for uid, obj in zip(self._uids, self.spec.objects):
            pos, quat = self._p.getBasePositionAndOrientation(uid, physicsClientId=self.client)
            out.append(ObjectState(obj.object_id, _pose(pos, quat)))
        return tuple(out)

    def render(self, T_world_cam, intrinsics: CameraIntrinsics, passes=PASSES) -> Observation:
        """RGB (H, W, 3) uint8, depth (H, W) float32 metres, instance (H, W) uint16 object ids."""
        check_passes(passes)
        return self.decoder()(self.capture(T_world_cam, intrinsics), passes)

    def capture(self, T_world_cam, intrinsics: CameraIntrinsics) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One frame as pybullet returns it, ``FrameDecoder.layout``: all a renderer worker does a frame."""
        self._require_scene()
        p, light = self._p, self.spec.lighting
        w, h = intrinsics.width, intrinsics.height
        _, _, rgba, buf, seg = p.getCameraImage(
            w, h, gl_view_matrix(T_world_cam),
            gl_projection_matrix(intrinsics, self.cfg.near, self.cfg.far, self._pixel_shift),
            lightDirection=list(light.direction), lightColor=list(light.color),
            lightAmbientCoeff=light.ambient, lightDiffuseCoeff=light.diffuse, lightSpecularCoeff=light.specular,
            shadow=int(self.cfg.shadows), renderer=self._gl, physicsClientId=self.client,
        )  # always with the segmentation mask: depth needs it too (measured: no cost in TinyRenderer)
        return np.reshape(rgba, (h, w, 4)), np.reshape(buf, (h, w)), np.reshape(seg, (h, w))

    def decoder(self) -> FrameDecoder:
        """What turns this scene's captures into observations (picklable: it travels from a worker)."""
        return FrameDecoder(self._lut, self.cfg.near, self.cfg.far)

    def _require_scene(self) -> None:
        if self.client is None:
            raise RuntimeError("pybullet simulator: already closed")
        if self.spec is None:
            raise RuntimeError("pybullet simulator: call load(spec) first")

    def close(self) -> None:
        """Disconnect the physics client (and hand back the process's EGL lease if it held it)."""
        if self.client is None:
            return
        if self.renderer == "egl":
            pybullet_egl.LEASE.release(self.client)
        else:
            self._p.disconnect(physicsClientId=self.client)
        self.client = None
        self._remove_mesh_dir()


def _pose(position, quat_xyzw) -> Pose:
    """A ``Pose`` from pybullet's position and xyzw quaternion."""
    return Pose(tuple(float(v) for v in position), to_wxyz(quat_xyzw))
