"""Motions are scheduled where the camera films them: before, while and after they happen.

Checked on the rendered instance masks (``arrays.npz``) of real pybullet episodes with the run's
visibility model, and on a hand-made camera whose field of view is known.
"""
import numpy as np
import pytest
from test_dynamics import episode
from test_traj_scenes import RECT, box, rect_scene, request, scene

from simgen.episodes.motion_filming import Filming, push_track, scripted_track
from simgen.geometry import look_at
from simgen.registry import DYNAMICS, SIMULATORS
from simgen.seeding import rng
from simgen.types import ObjectState, Pose
from simgen.visibility_model import VisibilityModel

MODEL = VisibilityModel()  # the default visibility node, as the test episodes use it


def mask_pixels(ep, out_dir, object_id) -> np.ndarray:
    """Per-frame pixels of ``object_id`` in the rendered instance masks."""
    with np.load(out_dir / "arrays.npz") as arrays:
        instance = arrays["instance"]
    return (instance == object_id).reshape(len(instance), -1).sum(axis=1)


def assert_filmed(ep, out_dir):
    """Every motion of ``ep``: seen clearly in each of the ``clear_frames`` frames right before it
    starts and right from its end on, seen as it sets off and in at least half of its frames (masks)."""
    w, h, held = ep.intrinsics.width, ep.intrinsics.height, MODEL.clear_frames
    for ev in ep.events:
        pixels = mask_pixels(ep, out_dir, ev.object_id)
        clear, seen = MODEL.clear(pixels, w, h), MODEL.seen(pixels, w, h)
        before, after = clear[ev.start_frame - held:ev.start_frame], clear[ev.end_frame:ev.end_frame + held]
        assert len(before) == held and before.all(), f"{ev.kind} of {ev.object_id}: not clear right before"
        assert len(after) == held and after.all(), f"{ev.kind} of {ev.object_id}: not clear right after"
        assert seen[ev.start_frame], f"{ev.kind} of {ev.object_id}: sets off unseen"
        assert seen[ev.start_frame:ev.end_frame + 1].mean() >= 0.5, f"{ev.kind} of {ev.object_id}: moved off screen"


def rendered(tmp_path, overrides, seed):
    ep = episode(tmp_path, overrides, seed=seed)
    (out_dir,) = [p for p in tmp_path.iterdir() if (p / "arrays.npz").exists()]
    return ep, out_dir


def test_a_scripted_move_is_filmed_before_during_and_after(tmp_path):
    ep, out_dir = rendered(tmp_path, ["dynamics=scripted", "dynamics.num_moving=1"], seed=1)
    assert [ev.kind for ev in ep.events] == ["scripted"]
    assert_filmed(ep, out_dir)


def test_a_push_is_filmed_and_plays_back_as_tried(tmp_path):
    ep, out_dir = rendered(tmp_path, ["dynamics=push", "dynamics.num_moving=1"], seed=2)
    assert [ev.kind for ev in ep.events] == ["push"]
    assert_filmed(ep, out_dir)
    (ev,) = ep.events
    assert ev.params["distance_m"] >= 0.25  # tried in physics: long enough to ask about (min_motion_m 0.2)
    # the same push tried again in a fresh simulator comes to rest where and when the video shows it
    track = [[s.pose.position for s in f.objects if s.object_id == ev.object_id][0] for f in ep.frames]
    with SIMULATORS.build({"name": "pybullet"}) as sim:
        tried, knocked = push_track(sim, ep.scene, ev.object_id, ev.params["velocity"], 1.0 / ep.fps, 30)
    assert len(tried.moving) == ev.end_frame - ev.start_frame + 1
    assert np.allclose([p.position for p in tried.moving], track[ev.start_frame:ev.end_frame + 1], atol=1e-9)
    assert knocked <= 0.02


def camera_facing_plant(n=30):
    """A still camera in the rect scene's far corner looking at the plant at (0.5, 0.5)."""
    return np.repeat(look_at((3.5, 2.5, 1.4), (0.5, 0.5, 0.4))[None], n, axis=0)


def test_filming_needs_the_end_in_view():
    """The plant slid towards the camera stays in view; slid behind the camera's back (x < 0 is
    outside the room, so: to the right edge, out of the 60° field of view) it is not filmed."""
    spec = rect_scene()
    states = tuple(ObjectState(o.object_id, o.pose) for o in spec.objects)
    req = request(spec, 30, states=states)
    filming = Filming(req, camera_facing_plant(), margin=1.5)
    plant = 4
    rest = states[plant].pose
    assert filming.shown_at_rest(plant)
    toward = scripted_track(5, rest, (1.0, 0.9, 0.5), 6)
    assert len(filming.starts(plant, toward, busy=[])) > 0
    aside = scripted_track(5, rest, (0.5, 3.5, 0.5), 6)  # 3 m along the wall: out of the camera's view
    assert len(filming.starts(plant, aside, busy=[])) == 0
    # a camera turned away sees nothing at rest: no motion can be filmed
    away = np.repeat(look_at((3.5, 2.5, 1.4), (4.9, 3.9, 1.0))[None], 30, axis=0)
    assert not Filming(req, away, margin=1.5).shown_at_rest(plant)


def test_filmed_starts_keep_clear_of_other_motions():
    spec = rect_scene()
    states = tuple(ObjectState(o.object_id, o.pose) for o in spec.objects)
    filming = Filming(request(spec, 30, states=states), camera_facing_plant(), margin=1.5)
    toward = scripted_track(5, states[4].pose, (1.0, 0.9, 0.5), 6)
    free = filming.starts(4, toward, busy=[])
    blocked = filming.starts(4, toward, busy=[(12, 14)])
    assert set(blocked) < set(free)
    w = filming.window
    assert all(s + 5 + w < 12 or s - w > 14 for s in blocked)


def test_objects_with_a_unique_category_are_moved_first():
    """Two chairs and a lamp that can all be moved: the lamp is drawn first at every seed (a
    question can say "the lamp", never "the chair")."""
    spec = scene(RECT, [box(1, "chair", (1.0, 1.0, 0.45), (0.25, 0.25, 0.45)),
                        box(2, "chair", (4.0, 1.0, 0.45), (0.25, 0.25, 0.45)),
                        box(3, "lamp", (2.5, 3.0, 0.8), (0.15, 0.15, 0.8))])
    dynamics = DYNAMICS.build({"name": "scripted", "num_moving": 1})
    for seed in range(5):
        order = [k for _, k in dynamics._draw_objects({"scripted": [0, 1, 2]}, spec, rng(seed, 0, 0, "dynamics"))]
        assert order[0] == 2 and sorted(order) == [0, 1, 2]


def test_pushes_need_the_simulator():
    spec = rect_scene()
    poses = camera_facing_plant()
    with pytest.raises(ValueError, match="simulator"):
        DYNAMICS.build({"name": "push"}).schedule(request(spec, 30), poses, rng(0, 0, 0, "dynamics"))


def test_scripted_track_eases_from_rest_to_the_destination():
    rest = Pose((0.0, 0.0, 0.3))
    track = scripted_track(1, rest, (1.0, 0.0, 0.3), 10)
    x = [p.position[0] for p in track.moving]
    assert x[-1] == pytest.approx(1.0) and 0 < x[0] < 0.05 and np.all(np.diff(x) > 0)
    assert track.distance_m == pytest.approx(1.0)
