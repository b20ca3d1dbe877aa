"""What only the MuJoCo plugin has: room tiles, quality presets, shadows, reflections, GL choice, config.

What every simulator promises is checked on MuJoCo by ``test_sim_contract.py``."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf
from sim_scenes import BLUE, FRONTAL, RED, box, golden_scene, intrinsics, l_room, scene, sphere, tabletop_scene

from simgen.geometry import look_at, polygon_area, quat_from_yaw, quat_to_matrix, yaw_of
from simgen.job_config import group_config
from simgen.registry import SIMULATORS, ConfigError
from simgen.scene.assets import assemble, mesh, rot_zx
from simgen.scene.assets_small import TEDDY, UPRIGHT
from simgen.simulators import mujoco_gl
from simgen.simulators.mujoco import MujocoConfig
from simgen.simulators.mujoco_render import shadow_map_size
from simgen.simulators.mujoco_mjcf import footprint_tiles
from simgen.types import Lighting, ObjectSpec, Pose, RoomSpec

SKIP = mujoco_gl.unavailable_reason()
needs_mujoco = pytest.mark.skipif(SKIP is not None, reason=str(SKIP))
CAMERA = look_at([2.0, -2.0, 1.6], [0.0, 0.0, 0.6])
HEXAGON = RoomSpec(tuple((2.5 * np.cos(a), 2.5 * np.sin(a)) for a in np.arange(6) * np.pi / 3), 2.5, shape="hex")


def make(**kwargs):
    """A MuJoCo simulator (fast quality unless asked otherwise)."""
    from simgen.simulators.mujoco import MujocoSimulator

    return MujocoSimulator(MujocoConfig(**{"quality": "fast", **kwargs}))


def tile_area(tiles) -> float:
    """Total area of footprint tiles (box cells and triangles)."""
    return sum(4 * d[2] * d[3] if kind == "box" else abs(polygon_area(d)) for kind, d in tiles)


@pytest.mark.parametrize("room, kinds", [(scene([]).room, {"box": 1}), (l_room(), {"box": 3}),
                                         (HEXAGON, {"triangle": 4})])
def test_footprint_tiles_cover_the_polygon_exactly(room, kinds):
    """Rectangles and L-rooms become box cells (reflectable), other polygons triangles; the areas add up."""
    tiles = footprint_tiles(room.footprint)
    assert {k: sum(t == k for t, _ in tiles) for k, _ in tiles} == kinds
    assert tile_area(tiles) == pytest.approx(polygon_area(room.footprint))
    assert tile_area(footprint_tiles(room.footprint[::-1])) == pytest.approx(polygon_area(room.footprint))


def test_quality_presets_and_explicit_overrides():
    assert MujocoConfig().settings() == {"shadows": True, "shadow_size": "auto", "offsamples": 0, "reflectance": 0.0}
    assert MujocoConfig(quality="fast").settings()["shadows"] is False
    high = MujocoConfig(quality="high", offsamples=8, shadows=False).settings()
    assert high == {"shadows": False, "shadow_size": 2048, "offsamples": 8, "reflectance": 0.15}


def test_registry_validates_yaml_and_names_bad_keys():
    cfg = group_config("simulator", "mujoco")  # the YAML composed over its schema
    assert isinstance(SIMULATORS.config(cfg), MujocoConfig)
    for key, value, match in [("gl", "vulkan", r"gl.*auto, egl, osmesa"), ("quality", "ultra", r"quality.*fast"),
                              ("offsamples", 3.5, "offsamples"), ("reflectance", 2.0, "reflectance"),
                              ("near", 60.0, "near"), ("time_step", 0.0, "time_step"), ("shadows", "yes", "shadows"),
                              ("shadow_size", 10, "shadow_size"), ("shadow_size", "big", "shadow_size")]:
        with pytest.raises(ConfigError, match=match):
            SIMULATORS.config(OmegaConf.merge(cfg, {key: value}))


def test_auto_shadow_map_follows_the_image_size():
    """About 1.5 texels per pixel of the longer side, a power of two, within 512..4096; numbers pass through."""
    assert [shadow_map_size("auto", w, h) for w, h in ((160, 120), (320, 240), (640, 480), (1280, 720), (4000, 3000))] \
        == [512, 512, 1024, 2048, 4096]
    assert shadow_map_size(3000, 320, 240) == 3000


class TestGlChoice:
    """``mujoco_gl.choose`` with the import state and the probes faked (no child process, no GL)."""

    @pytest.fixture(autouse=True)
    def fresh(self, monkeypatch):
        monkeypatch.setattr(mujoco_gl, "loaded_backend", lambda: None)
        monkeypatch.delenv("MUJOCO_GL", raising=False)
        self.monkeypatch = monkeypatch

    def fake_probes(self, **ok):
        results = {b: mujoco_gl.GlProbe(b, ok.get(b, False), "llvmpipe", "" if ok.get(b) else "no lib")
                   for b in mujoco_gl.HEADLESS}
        self.monkeypatch.setattr(mujoco_gl, "probe", results.__getitem__)

    def test_auto_prefers_egl_then_osmesa_then_explains(self):
        self.fake_probes(egl=True, osmesa=True)
        assert mujoco_gl.choose("auto")[0] == "egl"
        self.fake_probes(osmesa=True)
        assert mujoco_gl.choose("auto")[0] == "osmesa"
        self.fake_probes()
        with pytest.raises(RuntimeError, match="libegl1 libgl1-mesa-dri.*libosmesa6"):
            mujoco_gl.choose("auto")

    def test_a_users_mujoco_gl_is_kept_and_a_conflict_is_named(self):
        self.monkeypatch.setenv("MUJOCO_GL", "osmesa")
        assert mujoco_gl.choose("auto") == ("osmesa", "MUJOCO_GL set in the environment")
        with pytest.raises(RuntimeError, match="'egl' requested.*MUJOCO_GL=osmesa"):
            mujoco_gl.choose("egl")

    def test_too_late_to_switch_after_import(self):
        self.monkeypatch.setattr(mujoco_gl, "loaded_backend", lambda: "egl")
        assert mujoco_gl.choose("auto")[0] == "egl"
        with pytest.raises(RuntimeError, match="already imported.*'egl'"):
            mujoco_gl.choose("osmesa")
        self.monkeypatch.setattr(mujoco_gl, "loaded_backend", lambda: "glfw")
        self.monkeypatch.delenv("DISPLAY", raising=False)
        with pytest.raises(RuntimeError, match="'glfw', which needs a display; export MUJOCO_GL=egl"):
            mujoco_gl.choose("auto")


def test_missing_mujoco_is_a_clear_error_naming_the_extra(monkeypatch):
    from simgen.simulators.mujoco import MujocoSimulator

    monkeypatch.setattr(mujoco_gl.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[mujoco\]"'):
        MujocoSimulator(MujocoConfig())
    assert "not installed" in mujoco_gl.unavailable_reason()


def test_probe_names_the_missing_library_and_its_debian_package(monkeypatch):
    monkeypatch.setattr(mujoco_gl.ctypes.util, "find_library", lambda name: None)
    result = mujoco_gl._run_probe("osmesa")
    assert not result.ok and "libOSMesa not found" in result.reason and "apt-get install libosmesa6" in result.reason


@needs_mujoco
@pytest.mark.parametrize("backend", mujoco_gl.HEADLESS)
def test_each_installed_gl_backend_renders_and_gives_the_same_masks(backend, tmp_path):
    """Where a backend's library is installed, its probe passes and a fresh process rendering with it
    (``gl`` chosen before mujoco is imported) gives the golden scene's instance mask pixel for pixel."""
    if mujoco_gl.ctypes.util.find_library(mujoco_gl.LIBRARY[backend]) is None:
        pytest.skip(f"lib{mujoco_gl.LIBRARY[backend]} is not installed")
    assert mujoco_gl.probe(backend).ok, mujoco_gl.probe(backend).reason
    script = (f"import numpy as np, sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
              "from sim_scenes import FRONTAL, golden_scene, intrinsics\n"
              "from simgen.simulators.mujoco import MujocoConfig, MujocoSimulator\n"
              f"with MujocoSimulator(MujocoConfig(gl={backend!r}, quality='fast')) as sim:\n"
              "    sim.load(golden_scene())\n"
              f"    np.save({str(tmp_path / 'mask.npy')!r}, sim.render(FRONTAL, intrinsics()).instance)\n"
              "    print(sim.renderer)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("MUJOCO_GL", "PYOPENGL_PLATFORM")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parents[1]), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert done.returncode == 0 and done.stdout.split()[-1] == backend, done.stderr[-2000:]
    with make() as sim:
        sim.load(golden_scene())
        here = sim.render(FRONTAL, intrinsics()).instance
    assert np.array_equal(np.load(tmp_path / "mask.npy"), here)


@needs_mujoco
def test_shadows_fall_away_from_the_light_and_the_ceiling_casts_none():
    """With shadows the floor behind a pillar (seen from the light) darkens; in front of it, it stays lit."""
    pillar = box(1, (0.0, 0.0, 0.8), (0.15, 0.15, 0.8), rgba=BLUE)
    # light from +x, 73° up: the pillar's shadow reaches x = −0.63, the +x wall's only x = 2.25
    spec = dataclasses.replace(scene([pillar]), lighting=Lighting(direction=(0.3, 0.0, 1.0)))
    view = look_at([0.0, -2.0, 2.0], [0.0, 0.0, 0.0])
    K = intrinsics()
    floor = {}
    for shadows in (False, True):
        with make(shadows=shadows) as sim:
            sim.load(spec)
            obs = sim.render(view, K)
        (lit, shaded), _ = sim_project(K, view, [[0.4, 0.0, 0.0], [-0.4, 0.0, 0.0]])
        floor[shadows] = [obs.rgb[int(v), int(u)].astype(float).mean() for u, v in (lit, shaded)]
    assert floor[True][0] == pytest.approx(floor[False][0], abs=3)  # the ceiling does not shade the room
    assert floor[True][1] < floor[False][1] - 20  # the pillar's shadow lies on the side away from the light


def sim_project(K, T, points):
    """Pixel coordinates of world points (geometry.project with the intrinsics' matrix)."""
    from simgen.geometry import project

    return project(K.K(), T, np.asarray(points, float))


@needs_mujoco
def test_anti_aliasing_smooths_rgb_but_keeps_masks_and_depth_exact():
    """offsamples blends colours at edges only; the segmentation pass renders without multisampling."""
    K = intrinsics()
    with make() as plain, make(offsamples=4) as smooth:
        spec = tabletop_scene()
        plain.load(spec)
        smooth.load(spec)
        a, b = plain.render(CAMERA, K), smooth.render(CAMERA, K)
    assert np.array_equal(a.instance, b.instance)
    assert np.array_equal(a.depth, b.depth)
    changed = np.abs(a.rgb.astype(int) - b.rgb.astype(int)).max(-1) > 10
    near_edge = near_id_change(a.instance)
    assert 0 < changed.mean() < 0.1  # a thin set of pixels: edges, not whole surfaces
    assert (changed & near_edge).sum() > 0.5 * changed.sum()  # most of them where objects meet


def near_id_change(instance: np.ndarray) -> np.ndarray:
    """Pixels with a different instance id among their 8 neighbours."""
    h, w = instance.shape
    pad = np.pad(instance, 1, mode="edge")
    return np.any([pad[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] != instance for dy in (-1, 0, 1) for dx in (-1, 0, 1)], 0)


@needs_mujoco
def test_floor_reflections_show_the_objects_above():
    """With reflectance the floor in front of a red box picks up red; without, it does not."""
    red = box(1, (0.0, 0.5, 0.4), (0.5, 0.1, 0.4), rgba=RED)
    view = look_at([0.0, -1.5, 0.5], [0.0, 0.5, 0.0])
    K = intrinsics()
    redness = {}
    for reflectance in (0.0, 0.5):
        with make(reflectance=reflectance) as sim:
            sim.load(scene([red]))
            obs = sim.render(view, K)
        (uv,), _ = sim_project(K, view, [[0.0, 0.25, 0.0]])  # floor just in front of the box
        r, g, b = obs.rgb[int(uv[1]), int(uv[0])].astype(float)
        redness[reflectance] = r - (g + b) / 2
    assert redness[0.5] > redness[0.0] + 15


@needs_mujoco
def test_set_pose_teleports_dynamic_and_static_objects():
    """Scripted relocation: the new pose reads back exactly (free joint or welded body) and renders there."""
    ball, block = sphere(1, (1.0, 1.0, 0.2), 0.2, mass=1.0), box(2, (-1.0, -1.0, 0.2), (0.2, 0.2, 0.2))
    with make() as sim:
        sim.load(scene([ball, block]))
        sim.set_pose(1, Pose((0.5, -0.5, 0.2)))
        sim.set_pose(2, Pose((1.5, 1.5, 0.2), quat_from_yaw(0.7)))
        ball_state, block_state = sim.states()
        assert ball_state.pose.position == pytest.approx((0.5, -0.5, 0.2), abs=1e-12)
        assert block_state.pose == Pose((1.5, 1.5, 0.2), pytest.approx(quat_from_yaw(0.7), abs=1e-12))
        K = intrinsics()
        obs = sim.render(CAMERA, K, passes=("instance",))
        (uv,), _ = sim_project(K, CAMERA, [[1.5, 1.5, 0.2]])
        assert obs.instance[int(uv[1]), int(uv[0])] == 2
        assert sim.step(0.5)[0].pose.position == pytest.approx((0.5, -0.5, 0.2), abs=3e-3)  # at rest, stays


@needs_mujoco
def test_set_velocity_takes_world_frame_linear_and_angular_velocity():
    """A push in the air: x moves by v·t, and a spin about world z (the body's own y) turns the yaw by ω·t."""
    lying = dataclasses.replace(box(1, (0.0, 0.0, 1.5), (0.3, 0.1, 0.05), mass=1.0),
                                pose=Pose((0.0, 0.0, 1.5), (np.cos(np.pi / 4), np.sin(np.pi / 4), 0.0, 0.0)))
    with make(max_settle_seconds=0.0) as sim:
        sim.load(scene([lying]))
        sim.set_velocity(1, (1.0, 0.0, 0.0), (0.0, 0.0, 2.0))
        (state,) = sim.step(0.1)
        with pytest.raises(ValueError, match="static"):
            sim.load(scene([box(2, (0, 0, 0.2), (0.2,) * 3)]))
            sim.set_velocity(2, (1.0, 0.0, 0.0))
    assert state.pose.position[0] == pytest.approx(0.1, abs=1e-3)
    assert yaw_of(quat_to_matrix(state.pose.quat_wxyz)) == pytest.approx(0.2, abs=1e-2)


MESHES = {  # every pybullet_data mesh the asset catalogue uses, posed as the catalogue poses it
    "soccerball": ("soccerball.obj", 0.5, (1.0, 1.0, 1.0, 1.0), np.eye(3)),
    "mug": ("objects/mug.obj", 3.0, (0.8, 0.3, 0.3, 1.0), np.eye(3)),
    "duck": ("duck.obj", 0.15, (1.0, 1.0, 0.25, 1.0), rot_zx(np.pi, UPRIGHT)),
    "teddy": ("teddy2_VHACD_CHs.obj", 0.6, (0.6, 0.4, 0.2, 1.0), TEDDY),
    "bunny": ("bunny.obj", 0.3, (0.8, 0.8, 0.8, 1.0), rot_zx(np.pi / 2, UPRIGHT)),
}


@needs_mujoco
@pytest.mark.parametrize("name", sorted(MESHES))
def test_meshes_render_like_pybullet_with_their_textures(name):
    """Each catalogue mesh covers the same pixels as in pybullet (all shapes of a multi-shape OBJ: the
    teddy's 15 hulls) in the same mean colour (OBJ texture times part colour); two copies share the assets."""
    from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator

    path, scale, rgba, R = MESHES[name]
    parts, half, _ = assemble([mesh(path, scale, rgba, R)], [])
    objects = [ObjectSpec(i, f"{name}_{i}", name, "x", half, Pose((x, 0.0, half[2])), parts)
               for i, x in ((1, 0.0), (2, 1.5))]
    K, T = intrinsics(240, 180, 25.0), look_at([0.8, -0.8, 0.6], [0.0, 0.0, half[2]])
    shots = []
    for sim in (PybulletSimulator(PybulletConfig(renderer="tiny")), make()):
        with sim:
            sim.load(scene(objects))
            shots.append(sim.render(T, K))
    masks = [shot.instance == 1 for shot in shots]
    assert (masks[0] & masks[1]).sum() >= 0.97 * (masks[0] | masks[1]).sum()
    colours = [shot.rgb[mask].astype(float).mean(0) for shot, mask in zip(shots, masks)]
    np.testing.assert_allclose(colours[1], colours[0], atol=12)
    if name == "soccerball":  # black patches from the texture: many dark pixels on a white ball
        assert (shots[1].rgb[masks[1]].max(-1) < 60).mean() > 0.15
