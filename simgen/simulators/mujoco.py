"""The MuJoCo simulator: the same SceneSpec compiled to MJCF, rendered headless with EGL or OSMesa.

Conventions converted here and nowhere else (the camera and depth conversions, and the quality
presets, are in ``mujoco_render``):

* Pixels: OpenGL samples pixel centres, so pixel (i, j) shows the ray through (i + ½, j + ½) and
  ``cx = W/2`` is a centred principal point; MuJoCo reads rows bottom-up, flipped here. Pixels
  where nothing was hit have depth ``inf``.
* Instance ids: a segmentation pass paints each drawn geom with colour ``segid + 1`` (0 = nothing);
  segid → geom → body → object id, room geoms → 0. The same pass gives the depth, with no
  lighting, shadows or reflections to disturb either.
* Poses: MuJoCo quaternions are already ``wxyz``; body poses are the object frames (see
  ``mujoco_mjcf``), normalised with w ≥ 0 (``geometry.canonical_quat``) like every backend's.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from simgen.geometry import canonical_quat
from simgen.registry import SIMULATORS, ConfigError, check_config, setting
from simgen.simulators import mujoco_gl
from simgen.simulators.base import PASSES, Observation, Simulator, check_passes
from simgen.simulators.mujoco_mjcf import CEILING, MjcfOptions, body_name, scene_mjcf
from simgen.simulators.mujoco_render import QUALITY, gl_camera, linear_depth, shadow_map_size
from simgen.types import CameraIntrinsics, ObjectState, Pose, SceneSpec

log = logging.getLogger("simgen.simulators.mujoco")

REST_CHECK_STEPS = 8  # physics steps between two at-rest checks while settling


@dataclass
class MujocoConfig:
    """Schema of ``conf/simulator/mujoco.yaml``; each of ``shadows``, ``shadow_size``, ``offsamples`` and
    ``reflectance`` left at None comes from the ``quality`` preset, a value overrides it."""

    # auto: a MUJOCO_GL you exported, else EGL, else OSMesa, each probed in a child process
    gl: str = setting("auto", choices=mujoco_gl.BACKENDS)
    time_step: float = setting(0.002, gt=0.0, le=0.1)  # s per physics step
    max_settle_seconds: float = setting(2.0, ge=0.0)  # give up settling after this much simulated time
    rest_velocity: float = setting(0.01, gt=0.0)  # m/s (linear) and rad/s (angular) below which a body is at rest
    rolling_friction: float = setting(0.01, ge=0.0)  # m; rolling and torsional friction of dynamic objects
    near: float = 0.05  # m, clipping planes of the render
    far: float = 50.0
    # fast (no shadows) | balanced (shadows) | high (2048 px shadow map, 4x anti-aliasing, floor reflections)
    quality: str = setting("balanced", choices=tuple(QUALITY))
    shadows: bool | None = None  # None: from the quality preset
    offsamples: int | None = setting(None, ge=0, le=16)  # multisample anti-aliasing (0 = off); None: from the preset
    # floor reflectance (0 = no reflection pass; rectangular rooms); None: from the preset
    reflectance: float | None = setting(None, ge=0.0, le=1.0)
    shadow_size: int | str | None = None  # px, side of the shadow map, or "auto"; None: from the preset

    def validate(self, where: str) -> None:
        """What types and ranges cannot say: clipping planes in order, a shadow map of pixels or "auto"."""
        if not 0.0 < self.near < self.far:
            raise ConfigError(f"{where}.near/far: expected 0 < near < far, got near={self.near}, far={self.far}")
        size = self.shadow_size
        wrong_int = isinstance(size, bool) or not isinstance(size, int) or not 64 <= size <= 16384
        if size not in (None, "auto") and wrong_int:
            raise ConfigError(f"{where}.shadow_size: expected an int 64..16384 px, 'auto' or null (from quality), "
                              f"got {size!r}")

    def settings(self) -> dict:
        """The effective render quality: the preset with every explicitly set key applied over it."""
        out = dict(QUALITY[self.quality])
        out.update({k: getattr(self, k) for k in out if getattr(self, k) is not None})
        return out


@SIMULATORS.register("mujoco", config=MujocoConfig)
class MujocoSimulator(Simulator):
    """MuJoCo physics and offscreen rendering; each instance has its own model, data and GL context."""

    name = "mujoco"

    def __init__(self, cfg: MujocoConfig | None = None):
        self.cfg = cfg or MujocoConfig()
        check_config(self.cfg, "simulator")
        self.near = self.cfg.near
        self.quality = self.cfg.settings()
        self._mj, self.renderer, why = mujoco_gl.import_mujoco(self.cfg.gl)
        self._context = self._mj.GLContext(64, 64)  # EGL/OSMesa context; the model's framebuffer is sized per render
        self._context.make_current()
        self.gl_renderer = mujoco_gl.current_gl_renderer()  # e.g. a GPU's name, or llvmpipe (software)
        log.info("MuJoCo %s renders with %s on %s (%s); quality %s", self._mj.__version__, self.renderer,
                 self.gl_renderer, why, self.quality)
        self._option = self._mj.MjvOption()  # default visibility: geom groups 0–2 (the collision plane is 3)
        self.spec: SceneSpec | None = None
        self.model = self.data = None
        self._mjr = self._scene = None
        self._bodies: list[int] = []
        self._dofs = np.zeros((0, 6), int)  # qvel indices of each dynamic object's free joint
        self._geom_object = np.zeros(0, np.uint16)  # geom id -> object id (0 = room)
        self._shadowless = np.zeros(0, bool)  # geom id -> casts no shadow (the ceiling would shade the whole room)
        self.settle_seconds = 0.0

    def load(self, spec: SceneSpec) -> tuple[ObjectState, ...]:
        """Compile ``spec`` to a model, settle the dynamic objects, return exact states (spec order)."""
        mj = self._mj
        self._require_open()
        q = self.quality
        opts = MjcfOptions(self.cfg.time_step, self.cfg.rolling_friction, q["offsamples"], q["reflectance"],
                           self.cfg.near, self.cfg.far)
        model = mj.MjModel.from_xml_string(*scene_mjcf(spec, opts))
        data = mj.MjData(model)
        mj.mj_forward(model, data)
        self._bodies = [mj.mj_name2id(model, mj.mjtObj.mjOBJ_BODY, body_name(obj)) for obj in spec.objects]
        body_object = np.zeros(model.nbody, np.uint16)
        body_object[self._bodies] = [obj.object_id for obj in spec.objects]
        self._geom_object = body_object[model.geom_bodyid]
        names = [model.geom(i).name for i in range(model.ngeom)]
        self._shadowless = np.array([name.startswith(CEILING) for name in names], bool)
        self._dofs = np.array([model.jnt_dofadr[model.body_jntadr[b]] + np.arange(6)
                               for b, obj in zip(self._bodies, spec.objects) if obj.mass > 0], int).reshape(-1, 6)
        self._free_render()  # the render context is made for the model by the first render
        self.model, self.data, self.spec = model, data, spec
        self._scene = mj.MjvScene(model, maxgeom=model.ngeom + 16)
        self._settle()
        return self.states()

    def _settle(self) -> None:
        """Step until every dynamic body has been at rest at two checks in a row, or the time is up."""
        steps, calm = 0, 0
        max_steps = int(np.ceil(self.cfg.max_settle_seconds / self.cfg.time_step)) if len(self._dofs) else 0
        while steps < max_steps and calm < 2:
            self._mj.mj_step(self.model, self.data, REST_CHECK_STEPS)
            steps += REST_CHECK_STEPS
            calm = calm + 1 if not self._moving().any() else 0
        self._mj.mj_forward(self.model, self.data)  # mj_step leaves poses one step behind qpos
        self.settle_seconds = steps * self.cfg.time_step
        if len(self._dofs) and calm < 2:
            dynamic = [obj.name for obj in self.spec.objects if obj.mass > 0]
            names = [name for name, moving in zip(dynamic, self._moving()) if moving]
            log.warning("scene %s: still moving after %.2f s of settling: %s", self.spec.scene_id,
                        self.settle_seconds, ", ".join(names))

    def _moving(self) -> np.ndarray:
        """Per dynamic object: linear or angular speed at least ``rest_velocity``."""
        v = self.data.qvel[self._dofs]
        speed = np.maximum(np.linalg.norm(v[:, :3], axis=1), np.linalg.norm(v[:, 3:], axis=1))
        return speed >= self.cfg.rest_velocity

    def step(self, seconds: float) -> tuple[ObjectState, ...]:
        """Advance physics by ``seconds`` (rounded to whole time steps) and return the new states."""
        if seconds < 0:
            raise ValueError(f"step: seconds must be ≥ 0, got {seconds}")
        self._require_scene()
        n = round(seconds / self.cfg.time_step)
        if n:
            self._mj.mj_step(self.model, self.data, n)
            self._mj.mj_forward(self.model, self.data)  # mj_step leaves body poses one step behind qpos
        return self.states()

    def set_pose(self, object_id: int, pose: Pose) -> None:
        """Teleport one object to ``pose`` (object frame = box centre) with zero velocity.

        A dynamic object's free joint takes the pose (its qpos is position + wxyz quaternion); a
        static object is welded to the world, so its body offset in the model moves instead.
        """
        b, obj = self._body(object_id)
        quat = canonical_quat(pose.quat_wxyz)
        if obj.mass > 0:
            joint = self.model.body_jntadr[b]
            adr, dof = self.model.jnt_qposadr[joint], self.model.jnt_dofadr[joint]
            self.data.qpos[adr:adr + 7] = [*pose.position, *quat]
            self.data.qvel[dof:dof + 6] = 0.0
        else:
            self.model.body_pos[b], self.model.body_quat[b] = pose.position, quat
        self._mj.mj_forward(self.model, self.data)

    def set_velocity(self, object_id: int, linear, angular=(0.0, 0.0, 0.0)) -> None:
        """Set one dynamic object's velocity (m/s, rad/s, both in the world frame): a push."""
        b, obj = self._body(object_id)
        if obj.mass <= 0:
            raise ValueError(f"set_velocity: object {object_id} is static (mass 0) and cannot be pushed")
        dof = self.model.jnt_dofadr[self.model.body_jntadr[b]]
        # A free joint's angular velocity lives in the body frame: rotate the world vector into it.
        R = self.data.xmat[b].reshape(3, 3)
        self.data.qvel[dof:dof + 6] = [*map(float, linear), *(R.T @ np.asarray(angular, dtype=float))]

    def _body(self, object_id: int) -> tuple[int, object]:
        """(MuJoCo body id, ObjectSpec) of ``object_id``; KeyError naming the scene otherwise."""
        self._require_scene()
        for b, obj in zip(self._bodies, self.spec.objects):
            if obj.object_id == object_id:
                return b, obj
        raise KeyError(f"scene {self.spec.scene_id} has no object_id {object_id}")

    def states(self) -> tuple[ObjectState, ...]:
        """Every object's pose (body frame = oriented-box centre), in ``spec.objects`` order."""
        self._require_scene()
        xpos, xquat = self.data.xpos, self.data.xquat
        return tuple(ObjectState(obj.object_id, Pose(tuple(float(v) for v in xpos[b]), canonical_quat(xquat[b])))
                     for b, obj in zip(self._bodies, self.spec.objects))

    def render(self, T_world_cam, intrinsics: CameraIntrinsics, passes=PASSES) -> Observation:
        """RGB (H, W, 3) uint8, depth (H, W) float32 metres, instance (H, W) uint16 object ids."""
        check_passes(passes)
        self._require_scene()
        mj, scene, w, h = self._mj, self._scene, intrinsics.width, intrinsics.height
        camera = gl_camera(T_world_cam, intrinsics, self.cfg.near, self.cfg.far)
        self._context.make_current()
        self._ensure_render_context(w, h)
        mj.mjv_updateScene(self.model, self.data, self._option, None, mj.MjvCamera(), mj.mjtCatBit.mjCAT_ALL, scene)
        for glcam in scene.camera:  # mono rendering averages the two eyes: set both
            for key, value in camera.items():
                setattr(glcam, key, value)
        lut = self._prepare_geoms()
        rect = mj.MjrRect(0, 0, w, h)
        flags, F = scene.flags, mj.mjtRndFlag
        rgb = depth = instance = None
        if "rgb" in passes:
            flags[F.mjRND_SHADOW] = self.quality["shadows"]
            flags[F.mjRND_REFLECTION] = self.quality["reflectance"] > 0
            buf = np.empty((h, w, 3), np.uint8)
            mj.mjr_render(rect, scene, self._mjr)
            mj.mjr_readPixels(buf, None, rect, self._mjr)
            rgb = np.ascontiguousarray(buf[::-1])
        if "depth" in passes or "instance" in passes:
            for flag in (F.mjRND_SHADOW, F.mjRND_REFLECTION, F.mjRND_SKYBOX, F.mjRND_FOG, F.mjRND_HAZE):
                flags[flag] = False
            flags[F.mjRND_SEGMENT] = flags[F.mjRND_IDCOLOR] = True
            seg, buf = np.empty((h, w, 3), np.uint8), np.empty((h, w), np.float32)
            mj.mjr_render(rect, scene, self._mjr)
            mj.mjr_readPixels(seg, buf, rect, self._mjr)
            flags[F.mjRND_SEGMENT] = flags[F.mjRND_IDCOLOR] = False
            code = seg[::-1].astype(np.int32)
            code = code[..., 0] | (code[..., 1] << 8) | (code[..., 2] << 16)  # segid + 1; 0 = nothing drawn
            if "instance" in passes:
                instance = lut[code]
            if "depth" in passes:
                depth = linear_depth(buf[::-1], self.cfg.near, self.cfg.far)
                depth[code == 0] = np.inf
        return Observation(rgb, depth, instance)

    def _ensure_render_context(self, width: int, height: int) -> None:
        """A render context for the model with a framebuffer of at least ``width × height`` and the shadow
        map that size calls for; (re)made only when the current one does not fit."""
        mj, vis = self._mj, self.model.vis
        shadow = shadow_map_size(self.quality["shadow_size"], width, height)
        if self._mjr is not None and width <= self._mjr.offWidth and height <= self._mjr.offHeight \
                and shadow == self._mjr.shadowSize:
            return
        self._free_render_context()
        vis.global_.offwidth = max(width, vis.global_.offwidth)
        vis.global_.offheight = max(height, vis.global_.offheight)
        vis.quality.shadowsize = shadow  # read once, when the context is made
        self._mjr = mj.MjrContext(self.model, mj.mjtFontScale.mjFONTSCALE_100)
        mj.mjr_setBuffer(mj.mjtFramebuffer.mjFB_OFFSCREEN, self._mjr)
        self._mjr.readDepthMap = mj.mjtDepthMap.mjDEPTH_ZEROFAR  # raw reversed-z: full float precision

    def _prepare_geoms(self) -> np.ndarray:
        """One pass over the geoms ``mjv_updateScene`` just made: the segid + 1 → object id table, and
        shadowless geoms turned into decoration (MuJoCo's shadow pass skips that category only)."""
        scene, mj = self._scene, self._mj
        geom_type, decor = mj.mjtObj.mjOBJ_GEOM, mj.mjtCatBit.mjCAT_DECOR
        lut = np.zeros(scene.ngeom + 1, np.uint16)
        for g in scene.geoms[:scene.ngeom]:
            if g.objtype == geom_type and g.segid >= 0:
                lut[g.segid + 1] = self._geom_object[g.objid]
                if self._shadowless[g.objid]:
                    g.category = decor
        return lut

    def _require_open(self) -> None:
        if self._context is None:
            raise RuntimeError("mujoco simulator: already closed")

    def _require_scene(self) -> None:
        self._require_open()
        if self.spec is None:
            raise RuntimeError("mujoco simulator: call load(spec) first")

    def _free_render_context(self) -> None:
        """Free the model's GL resources (an MjrContext must be freed with its GL context current)."""
        if self._mjr is not None:
            self._context.make_current()
            self._mjr.free()
        self._mjr = None

    def _free_render(self) -> None:
        """Free everything rendering holds for the current model."""
        self._free_render_context()
        self._scene = None

    def close(self) -> None:
        """Free the render context and the GL context; the simulator cannot be used afterwards."""
        if self._context is None:
            return
        self._free_render()
        self._context.free()
        self._context = None
        self.model = self.data = self.spec = None
