"""A rendered house tour with ``revisit``: the room scanned first is filmed again after the other room's
frames, and counting over the house counts each object once however often the video shows it.

Checked on what was rendered, not on the plan: the camera's room comes from the frames' poses and the
rooms' footprints, and "seen clearly" from the instance masks in ``arrays.npz`` (pixels per id counted
here, judged by the visibility model's ``clear`` level). A two-room house at 96×72, 2 fps: seconds of CPU.
"""
from __future__ import annotations

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from simgen.episodes.runner import build_plugins, render_episodes
from simgen.episodes.writer import read_episode
from simgen.geometry import points_in_polygon
from simgen.job_config import conf_dir
from simgen.qa.dsl import parse_program
from simgen.qa.executor import execute
from simgen.qa.scene_view import SceneView
from simgen.visibility_model import VisibilityModel

TINY = ["scene=house", "scene.num_rooms=2", "scene.house_area=16", "scene.furniture_per_m2=0.2",
        "scene.small_per_m2=0.5", "camera.width=96", "camera.height=72", "render.fps=2", "render.save_arrays=true",
        "trajectory.revisit=1"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """(episode, instance masks, visibility model) of one two-room house toured with one revisit."""
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        cfg = compose("config", overrides=TINY)
    run = tmp_path_factory.mktemp("revisit")
    summary = render_episodes(build_plugins(cfg), run, 1, seed=0, shard=0, id_prefix="revisit")
    assert summary["rendered"] and not summary["failed"], summary
    directory = run / "episodes" / summary["rendered"][0]
    with np.load(directory / "arrays.npz") as arrays:
        instance = arrays["instance"]
    return read_episode(directory), instance, VisibilityModel.from_config(cfg.visibility)


def camera_rooms(episode) -> np.ndarray:
    """Index of the room whose floor holds each frame's camera (-1: in a doorway's gap)."""
    xy = np.array([np.array(f.T_world_cam)[:2, 3] for f in episode.frames])
    inside = np.array([points_in_polygon(xy, np.array(r.footprint)) for r in episode.scene.rooms])
    return np.where(inside.any(axis=0), inside.argmax(axis=0), -1)


def pixels_at_level(episode, instance, level) -> np.ndarray:
    """(frames, objects) True where an object's own pixels in the instance masks reach ``level`` (the
    visibility model's ``seen`` or ``clear``), objects in ``scene.objects`` order."""
    ids = np.array([o.object_id for o in episode.scene.objects])
    counts = np.stack([np.bincount(m.ravel(), minlength=int(ids.max()) + 1)[ids] for m in instance])
    return level(counts, episode.intrinsics.width, episode.intrinsics.height)


def visits(rooms: np.ndarray) -> list[tuple[int, int, int]]:
    """(room, first frame, end frame) of each stay in a room, doorway frames joined to the stay around them."""
    out = []
    for k, room in enumerate(rooms):
        if room < 0:
            continue
        if out and out[-1][0] == room:
            out[-1] = (room, out[-1][1], k + 1)
        else:
            out.append((int(room), k, k + 1))
    return out


def returned(episode, instance, model) -> tuple[np.ndarray, np.ndarray]:
    """(objects,) masks: the objects standing in the room filmed first, and of them those of the room filmed first that are seen clearly on the first visit,
    out of sight while the camera is in the other room (some of its frames do not show them at all),
    and seen clearly again on the revisit. Asserts the stays: A, then B, then A again."""
    stays = visits(camera_rooms(episode))
    assert [room for room, _, _ in stays] == [stays[0][0], 1 - stays[0][0], stays[0][0]], stays  # A, B, A again
    (first, a0, a1), (_, b0, b1), (_, c0, c1) = stays
    assert b1 - b0 >= 6 and c1 - c0 >= 6  # the other room is filmed (3 s at 2 fps), then the revisit
    clear, seen = pixels_at_level(episode, instance, model.clear), pixels_at_level(episode, instance, model.seen)
    polygon = np.array(episode.scene.rooms[first].footprint)
    in_first = points_in_polygon(np.array([o.pose.position[:2] for o in episode.scene.objects]), polygon)
    return in_first, clear[a0:a1].any(axis=0) & ~seen[b0:b1].all(axis=0) & clear[c0:c1].any(axis=0) & in_first


def test_the_room_seen_first_is_filmed_again_after_the_other_room(rendered):
    episode, instance, model = rendered
    assert len(episode.scene.rooms) == 2 and len(instance) == len(episode.frames)
    in_first, again = returned(episode, instance, model)
    assert again.sum() >= 2 and again.sum() >= in_first.sum() // 2  # most of the room, not a stray object


def test_counting_over_the_house_counts_identities_not_sightings(rendered):
    """``count_in_house`` (the house counting family's program) over the categories of the objects the
    revisit films again: each object once, while their sightings (runs of frames their masks are seen
    in) are at least two each."""
    episode, instance, model = rendered
    _, again = returned(episode, instance, model)
    seen = pixels_at_level(episode, instance, model.seen)
    sightings = (np.diff(seen.astype(int), axis=0, prepend=0) == 1).sum(axis=0)  # rising edges per object
    assert (sightings[again] >= 2).all()
    objects = episode.scene.objects
    view = SceneView.from_episode(episode, model)
    for category in sorted({o.category for o, back in zip(objects, again) if back}):
        mine = np.array([o.category == category for o in objects])
        out = execute(parse_program("count_in_house(c)", {"c": "category"}), view, {"c": category})
        assert out.value == (seen.any(axis=0) & mine).sum() == len(set(out.referents)), category
        assert sightings[mine].sum() > out.value  # counting sightings would say more
