"""Retakes (``episodes/takes.py``): a static take whose rendered video falls short of the targets is
filmed again along the planner's path from the next trajectory stream, and the best take is kept —
its frames, its arrays and its video. Rendered with pybullet at 96×72, three frames a take."""
import dataclasses

import imageio_ffmpeg
import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from simgen.episodes.runner import build_plugins, render_one
from simgen.episodes.takes import shortfall
from simgen.geometry import camera_from_yaw_pitch
from simgen.job_config import conf_dir
from simgen.registry import SIMULATORS
from simgen.seeding import rng
from test_traj_scenes import RECT, box, scene

SMALL = ["camera.width=96", "camera.height=72", "render.fps=10", "render.duration_s=0.3", "render.take_min_floor_seen=0"]
SPEC = scene(RECT, [box(1, "cabinet", (4.0, 2.0, 0.5), (0.3, 0.4, 0.5))])
EYE = (1.0, 2.0, 1.3)  # the cabinet stands 3 m ahead along +x (yaw 0); yaw π faces the bare wall behind


class Glance:
    """A planner of poses that draws one coin from its stream: look at the cabinet (yaw 0) or away
    (yaw π). ``fixed`` looks away whatever the stream; ``calls`` counts the plans made."""

    def __init__(self, fixed: bool = False):
        self.fixed, self.calls = fixed, 0

    def yaw(self, g: np.random.Generator) -> float:
        return np.pi if self.fixed or g.random() < 0.5 else 0.0

    def plan(self, request, g):
        self.calls += 1
        return np.stack([camera_from_yaw_pitch(EYE, self.yaw(g), -0.15)] * request.n_frames)


def film(tmp_path, planner, overrides=(), seed=3, spec=SPEC):
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        cfg = compose("config", overrides=SMALL + list(overrides))
    plugins = dataclasses.replace(build_plugins(cfg), planner=planner)
    out = tmp_path / f"ep{len(list(tmp_path.iterdir()))}"
    out.mkdir()
    with SIMULATORS.get("pybullet")[0](plugins.simulator_cfg) as sim:
        episode = render_one(sim, spec, plugins, "takes", out, lambda stage: rng(seed, 0, 0, stage))
    return episode, out


def first_yaws(seed=3, takes=5):
    """The yaw each trajectory stream draws: the first take's, then each retake's."""
    stages = ["trajectory"] + [f"trajectory/{k}" for k in range(1, takes)]
    return [Glance().yaw(rng(seed, 0, 0, stage)) for stage in stages]


def test_the_seed_films_a_blank_take_first_and_a_retake_shows_the_cabinet():
    yaws = first_yaws()
    assert yaws[0] == np.pi and 0.0 in yaws[1:]  # else this seed tests nothing


def test_a_blank_take_is_filmed_again_and_the_kept_video_arrays_and_frames_are_the_retakes(tmp_path):
    episode, out = film(tmp_path, Glance())
    kept = first_yaws().index(0.0)
    assert np.allclose(episode.frames[0].T_world_cam, camera_from_yaw_pitch(EYE, 0.0, -0.15))
    assert episode.coverage["empty_frames"] == 0 and episode.coverage["objects_clear_fraction"] == 1.0
    assert sorted(p.name for p in out.iterdir()) == ["arrays.npz", "episode.json", "video.mp4"]  # no take files left
    with np.load(out / "arrays.npz") as arrays:
        assert (arrays["instance"] == 1).any(axis=(1, 2)).all()  # the cabinet's id in every saved frame
    # the video is the kept take's: it differs from the blank take's (the camera facing the bare wall)
    _, blank_out = film(tmp_path, Glance(), ["render.retakes=0"])
    kept_video, blank_video = video_frames(out / "video.mp4"), video_frames(blank_out / "video.mp4")
    assert len(kept_video) == len(blank_video) == 3 and kept >= 1
    assert np.abs(kept_video.astype(int) - blank_video.astype(int)).mean() > 5.0


def video_frames(path) -> np.ndarray:
    reader = imageio_ffmpeg.read_frames(str(path))
    width, height = next(reader)["size"]
    return np.stack([np.frombuffer(f, np.uint8).reshape(height, width, 3) for f in reader])


def test_without_retakes_the_blank_take_is_kept(tmp_path):
    episode, _ = film(tmp_path, Glance(), ["render.retakes=0"])
    assert episode.coverage["empty_frames"] == 3
    assert np.allclose(episode.frames[0].T_world_cam, camera_from_yaw_pitch(EYE, np.pi, -0.15))


def test_a_path_already_filmed_is_not_filmed_again(tmp_path):
    planner = Glance(fixed=True)  # the same path from every stream
    frames = type("Bar", (), {"total": 0, "n": 0, "update": lambda self, k: setattr(self, "n", self.n + k),
                              "refresh": lambda self: None})()
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        cfg = compose("config", overrides=SMALL)
    plugins = dataclasses.replace(build_plugins(cfg), planner=planner)
    with SIMULATORS.get("pybullet")[0](plugins.simulator_cfg) as sim:
        episode = render_one(sim, SPEC, plugins, "takes", tmp_path, lambda stage: rng(3, 0, 0, stage), frames)
    assert planner.calls == 1 + plugins.render.retakes and episode.coverage["empty_frames"] == 3
    assert frames.n == 3  # rendered once


class Ahead(Glance):
    """Always looks at the cabinet and the ball (its stream still drawn from)."""

    def yaw(self, g: np.random.Generator) -> float:
        g.random()
        return 0.0


@pytest.mark.parametrize("dynamics, plans", [("none", 5), ("scripted", 1)])
def test_a_dynamic_episode_is_filmed_once(tmp_path, dynamics, plans):
    """A floor target no take can reach: a static take is planned again for every retake (the same
    path, not filmed again), a dynamic one — its move scheduled along the first path — never."""
    planner = Ahead()
    ball = box(2, "ball", (3.2, 1.7, 0.1), (0.1, 0.1, 0.1), kind="small")
    spec = scene(RECT, [SPEC.objects[0], ball])
    episode, _ = film(tmp_path, planner, [f"dynamics={dynamics}", "render.duration_s=2", "render.take_min_floor_seen=1"],
                      spec=spec)
    assert planner.calls == plans and bool(episode.events) == (dynamics == "scripted")


class Tour(Glance):
    """A planner that sizes its episode by the scene, as the house tour does."""

    def frames_for(self, scene, fps) -> int:
        return 3


def test_a_house_tour_is_filmed_once(tmp_path):
    planner = Tour(fixed=True)
    episode, _ = film(tmp_path, planner)
    assert planner.calls == 1 and episode.coverage["empty_frames"] == 3


@pytest.mark.parametrize("coverage, expected", [
    ({"empty_frames": 0, "objects_total": 11, "objects_clear": 10, "floor_seen_fraction": 0.8}, (0, 0, 0.0)),
    ({"empty_frames": 0, "objects_total": 11, "objects_clear": 9, "floor_seen_fraction": 0.8}, (0, 1, 0.0)),
    ({"empty_frames": 2, "objects_total": 10, "objects_clear": 10, "floor_seen_fraction": 0.65}, (2, 0, 0.05)),
])
def test_shortfall_counts_blank_frames_missing_objects_and_floor(coverage, expected):
    render = type("R", (), {"take_min_objects_clear": 0.9, "take_min_floor_seen": 0.7})
    assert shortfall(coverage, render) == expected
