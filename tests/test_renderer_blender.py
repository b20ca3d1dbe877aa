"""The renderer contract for Blender Cycles at tiny sizes (64×48, 1 sample): projection with an
off-centre principal point and fx ≠ fy, planar depth, exact instance ids, sign traps, determinism,
and agreement with a recorded pybullet episode. Those tests are skipped when no Blender Python
(``.venv-blender`` or ``$SIMGEN_BLENDER_PYTHON``) is installed; the scene message (geometry and
seeded appearance) and the error messages are checked everywhere.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from sim_scenes import BLUE, GREEN, RED, box, cylinder, duck, rect_room, scene, sphere, table
from simgen.geometry import look_at, project
from simgen.renderers import Renderer
from simgen.renderers.blender import BlenderRenderer, BlenderUnavailable, check_bpy
from simgen.renderers.look import Look
from simgen.renderers.payload import MAX_ID
from simgen.types import CameraIntrinsics, ObjectState

try:
    check_bpy()  # a Blender Python that finds bpy (a module lookup, no import)
    NO_BLENDER = None
except BlenderUnavailable as exc:
    NO_BLENDER = str(exc)
needs_blender = pytest.mark.skipif(NO_BLENDER is not None, reason=str(NO_BLENDER))

CONTRACT = Look(preset="contract", threads=1, time_of_day="day")
# camera at 1.3 m looking along +x: image right is world −y, image up is world +z
EYE = np.array([0.0, 0.0, 1.3])
T_CAM = look_at(EYE, EYE + [1.0, 0.0, 0.0])
PLATE_X = 2.5  # m: front face of the plates (fronto-parallel, so planar depth is constant on them)


@pytest.fixture(scope="module")
def renderer():
    if NO_BLENDER:
        pytest.skip(NO_BLENDER)
    """One worker for the module (its start costs seconds); every test loads its own scene."""
    try:
        r = BlenderRenderer(CONTRACT)
        r.load(scene([box(1, (1.0, 0.0, 0.5), (0.1, 0.1, 0.1))]), CameraIntrinsics(16, 12, 10.0, 10.0, 8.0, 6.0))
    except BlenderUnavailable as e:
        pytest.skip(str(e))
    yield r
    r.close()


def plate(object_id, y, z, half_y=0.3, half_z=0.2, rgba=RED):
    """A thin box whose front face lies in the plane x = PLATE_X, facing the camera."""
    return box(object_id, (PLATE_X + 0.01, y, z), (0.01, half_y, half_z), rgba=rgba)


def shoot(renderer, objects, K, T=T_CAM):
    spec = scene(objects, room=rect_room(8.0, 8.0, 3.0))
    renderer.load(spec, K)
    return renderer.render(tuple(ObjectState(o.object_id, o.pose) for o in spec.objects), T)


def test_is_a_renderer(renderer):
    assert isinstance(renderer, Renderer)
    assert renderer.device.startswith(("CPU", "GPU"))


@pytest.mark.parametrize("fx, fy", [(50.0, 50.0), (45.0, 60.0)])
def test_projection_with_off_centre_principal_point(renderer, fx, fy):
    K = CameraIntrinsics(64, 48, fx, fy, 36.5, 21.0)
    p = plate(4, -0.25, 1.45)
    obs = shoot(renderer, [p], K)
    assert obs.rgb.shape == (48, 64, 3) and obs.rgb.dtype == np.uint8
    assert obs.depth.dtype == np.float32 and obs.instance.dtype == np.uint16
    rows, cols = np.nonzero(obs.instance == 4)
    face_centre = np.array(p.pose.position) - [0.01, 0.0, 0.0]
    uv, _ = project(K.K(), T_CAM, [face_centre])
    assert abs(cols.mean() + 0.5 - uv[0, 0]) < 0.5 and abs(rows.mean() + 0.5 - uv[0, 1]) < 0.5
    # the plate's projected size checks fx and fy separately (pixel counts of a 0.6 × 0.4 m plate at 2.5 m)
    distance = PLATE_X - EYE[0]
    assert abs((cols.max() - cols.min() + 1) - 0.6 * fx / distance) <= 1.0
    assert abs((rows.max() - rows.min() + 1) - 0.4 * fy / distance) <= 1.0


def test_depth_is_planar_camera_z(renderer):
    K = CameraIntrinsics(64, 48, 40.0, 40.0, 32.0, 24.0)
    obs = shoot(renderer, [plate(4, 0.0, 1.3, half_y=0.8, half_z=0.5)], K)
    on_plate = obs.instance == 4
    assert on_plate.sum() > 200
    assert np.abs(obs.depth[on_plate] - (PLATE_X - EYE[0])).max() < 1e-3
    # the far wall (x = 4 m) is fronto-parallel too: planar z is 4 m even at the image's left edge,
    # where the distance along the ray is ~5 m (a radial-depth bug would show there)
    wall = (obs.instance == 0) & (obs.depth > 3.9) & (obs.depth < 4.1)
    edge = np.zeros_like(wall)
    edge[20:28, :6] = True
    assert (wall & edge).sum() == edge.sum()
    assert np.abs(obs.depth[wall] - 4.0).max() < 1e-3


def test_instance_ids_are_exact(renderer):
    K = CameraIntrinsics(64, 48, 40.0, 40.0, 32.0, 24.0)
    obs = shoot(renderer, [plate(7, 0.5, 1.3, half_y=0.2), plate(300, -0.5, 1.3, half_y=0.2, rgba=BLUE),
                           plate(MAX_ID, 0.0, 0.6, half_y=0.15, half_z=0.1, rgba=GREEN)], K)
    assert set(np.unique(obs.instance)) == {0, 7, 300, MAX_ID}


def test_ids_beyond_blenders_pass_index_are_refused(renderer):
    with pytest.raises(ValueError, match="object_id 32768"):
        renderer.load(scene([plate(MAX_ID + 1, 0.0, 1.3)]), CameraIntrinsics(16, 12, 10.0, 10.0, 8.0, 6.0))


def test_sign_traps(renderer):
    """World −y is the camera's right and +z its up: a flipped axis moves an object to the wrong half."""
    K = CameraIntrinsics(64, 48, 40.0, 40.0, 32.0, 24.0)
    obs = shoot(renderer, [plate(5, -0.6, 0.8, half_y=0.15, half_z=0.15),
                           plate(6, 0.6, 1.8, half_y=0.15, half_z=0.15, rgba=BLUE)], K)
    right_low = np.argwhere(obs.instance == 5)
    left_high = np.argwhere(obs.instance == 6)
    assert len(right_low) and len(left_high)
    assert right_low[:, 1].min() >= 32 and right_low[:, 0].min() >= 24
    assert left_high[:, 1].max() < 32 and left_high[:, 0].max() < 24


@needs_blender
def test_same_config_same_passes():
    """A fresh worker with the same look renders the same depth and ids, and RGB within denoiser noise."""
    objects = [table(1, (2.5, 0.3)), sphere(2, (2.2, -0.5, 0.2), 0.2), cylinder(3, (2.0, 0.2, 0.9), 0.05, 0.15)]
    K = CameraIntrinsics(64, 48, 40.0, 40.0, 32.0, 24.0)
    T = look_at([0.0, 0.0, 1.5], [2.4, 0.0, 0.6])
    look = Look(preset="preview", threads=1, time_of_day="day")
    frames = []
    for _ in range(2):
        with BlenderRenderer(look) as r:
            frames.append(shoot(r, objects, K, T))
    a, b = frames
    assert np.array_equal(a.instance, b.instance) and np.array_equal(a.depth, b.depth)
    assert np.abs(a.rgb.astype(int) - b.rgb.astype(int)).mean() < 2.0
    assert set(np.unique(a.instance)) == {0, 1, 2, 3}


@pytest.fixture(scope="module")
def pybullet_episode(tmp_path_factory):
    """A three-frame episode folder recorded with pybullet's TinyRenderer (boxes, table, ball, bottle, duck)."""
    pytest.importorskip("pybullet")
    from simgen.episodes.writer import ARRAYS, EPISODE_JSON, depth_to_mm, dump_json, save_arrays
    from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator
    from simgen.types import Episode, Frame

    spec = scene([table(1, (1.0, 0.5)), box(2, (1.0, -1.2, 0.3), (0.3, 0.2, 0.3), yaw=0.5),
                  sphere(3, (2.0, -0.3, 0.15), 0.15), cylinder(4, (1.0, 0.5, 0.85), 0.04, 0.15),
                  duck(5, (1.7, 0.9, 0.1), yaw=1.0)])
    K = CameraIntrinsics.from_vfov(80, 60, 60.0)
    poses = [look_at([-1.5, -1.0, 1.4], [1.2, 0.0, 0.4]), look_at([-1.0, 1.5, 1.6], [1.3, 0.0, 0.3]),
             look_at([2.5, 2.0, 1.2], [1.0, -0.3, 0.4])]
    folder = tmp_path_factory.mktemp("episode")
    depths, masks, frames = [], [], []
    with PybulletSimulator(PybulletConfig(renderer="tiny")) as sim:
        states = sim.load(spec)
        for i, T in enumerate(poses):
            obs = sim.render(T, K)
            depths.append(depth_to_mm(obs.depth))
            masks.append(obs.instance)
            frames.append(Frame(i, i / 10.0, tuple(map(tuple, T)), states, ()))
    episode = Episode("blender-test", spec, K, 10.0, tuple(frames), "pybullet", "fixed", renderer="tiny",
                      files={"arrays": ARRAYS})
    dump_json(episode.to_dict(), folder / EPISODE_JSON)
    save_arrays(folder / ARRAYS, {"depth_mm": depths, "instance": masks})
    return folder


@needs_blender
def test_rerendered_episode_agrees_with_the_recorded_masks(pybullet_episode, tmp_path):
    from simgen.episodes.rerender import main

    assert main([str(pybullet_episode), "--preset", "contract", "--out", str(tmp_path), "--threads", "1",
                 "--no-video", "--time-of-day", "day"]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["frames"] == 3 and len(list(tmp_path.glob("frame_*.png"))) == 3
    for row in report["per_frame"]:
        assert row["instance_agreement"] >= 0.95, row
        assert row["median_depth_diff_mm"] < 5.0, row


def test_missing_blender_python_names_the_install(monkeypatch, tmp_path):
    monkeypatch.setenv("SIMGEN_BLENDER_PYTHON", str(tmp_path / "nope" / "python"))
    with pytest.raises(BlenderUnavailable, match=r"pip install 'bpy==4\.5\.\*'"):
        BlenderRenderer().load(scene([]), CameraIntrinsics(16, 12, 10.0, 10.0, 8.0, 6.0))


def test_python_without_bpy_names_the_install(monkeypatch):
    import sys

    monkeypatch.setenv("SIMGEN_BLENDER_PYTHON", sys.executable)  # simgen's own Python has no bpy
    with pytest.raises(BlenderUnavailable, match="cannot import bpy"):
        BlenderRenderer().load(scene([]), CameraIntrinsics(16, 12, 10.0, 10.0, 8.0, 6.0))


def test_bad_look_knob_is_named():
    with pytest.raises(ValueError, match=r"look\.preset: expected one of preview"):
        Look(preset="ultra").validate()


def test_scene_message_is_the_specs_geometry_with_a_seeded_look():
    """Same spec + look → the same message; another look seed changes colours, never geometry."""
    from simgen.renderers.appearance import srgb_to_linear
    from simgen.renderers.payload import scene_message
    from simgen.resources import obj_mesh

    spec = scene([table(1, (1.0, 0.5)), duck(5, (1.7, 0.9, 0.1), yaw=1.0), box(2, (1.0, -1.2, 0.3), (0.3, 0.2, 0.3))])
    K = CameraIntrinsics(64, 48, 40.0, 40.0, 32.0, 24.0)
    a, b = scene_message(spec, K, Look()), scene_message(spec, K, Look())
    assert repr(a) == repr(b)
    other = scene_message(spec, K, Look(seed=1))
    objs, objs_other = a["scene"]["objects"], other["scene"]["objects"]
    for o, p, spec_obj in zip(objs, objs_other, spec.objects):
        assert o["id"] == spec_obj.object_id
        for part, part_other, spec_part in zip(o["parts"], p["parts"], spec_obj.parts):
            assert part["size"] == spec_part.size and np.array_equal(part["offset"], spec_part.offset.matrix())
            assert np.array_equal(part["offset"], part_other["offset"])
            # display colour → linear, moved at most by the jitter (so "red" stays red)
            want = np.array([srgb_to_linear(c) for c in spec_part.rgba[:3]])
            assert np.abs(np.array(part["material"]["color"]) - want).max() < 0.1
    assert any(o["parts"][0]["material"] != p["parts"][0]["material"] for o, p in zip(objs, objs_other))
    duck_part = objs[1]["parts"][0]
    verts, faces = obj_mesh("duck.obj")
    assert np.allclose(duck_part["verts"], verts * spec.objects[1].parts[0].size[0])
    assert len(duck_part["faces"]) == len(faces)
    walls = a["scene"]["room"]["walls"]
    assert len(walls) == 4 and sum("window" in w["material"] for w in walls) == 1
    assert a["scene"]["room"]["floor"]["verts"][:, 2].max() == 0.0
    assert a["scene"]["room"]["ceiling"]["verts"][:, 2].min() == spec.room.height
