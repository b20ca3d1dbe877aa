"""A house tour sets each episode's length by its scene (``frames_for``), so the episode-size check and the
frames progress bar use that count, not ``render.duration_s`` × fps."""
import pytest
from hydra import compose, initialize_config_dir

from simgen.episodes import runner
from simgen.episodes.runner import build_plugins, render_episodes
from simgen.job_config import conf_dir
from simgen.resource_limits import ResourceError, check_episode_size
from simgen.trajectories.base import frame_budget

TINY = ["camera.width=64", "camera.height=48", "render.fps=2", "scene.num_rooms=1", "scene.house_area=9.0",
        "scene.small_per_m2=0.5", "render.save_arrays=false"]


def config(*overrides: str):
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        return compose("config", overrides=list(overrides))


def test_the_size_check_counts_the_tours_frames_not_the_duration():
    check_episode_size(320, 240, 10.0, 1e12, 10, True, available=16 << 30, n_frames=120)  # the duration is not used
    with pytest.raises(ResourceError, match=r"render.fps=10.0 on the planner's tour \(10000000 frames\)"):
        check_episode_size(320, 240, 10.0, 1.0, 10, True, available=16 << 30, n_frames=10_000_000)


def test_a_house_run_is_not_refused_for_a_duration_its_tour_ignores():
    build_plugins(config("scene=house", "render.duration_s=1e9"))  # the house tour sets the length
    with pytest.raises(ResourceError, match="render.duration_s=1000000000.0"):
        build_plugins(config("scene=house", "trajectory=walkthrough", "render.duration_s=1e9"))


class Bar:
    """Records what the runner's progress bars are told (stands in for tqdm)."""

    made: list = []

    def __init__(self, total, **_):
        self.total, self.n = total, 0
        Bar.made.append(self)

    def update(self, k):
        self.n += k

    def refresh(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_the_frames_bar_totals_the_tours_real_frames(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "tqdm", Bar)
    Bar.made = []
    plugins = build_plugins(config("scene=house", *TINY))
    summary = render_episodes(plugins, tmp_path, 1, seed=0, shard=0, id_prefix="bar")
    assert summary["rendered"] and not summary["failed"]
    frames = frame_budget(plugins.planner, plugins.builder.build(0, 0, 0), plugins.render.n_frames, plugins.render.fps)
    assert frames != plugins.render.n_frames, "the tour's own length"
    _, bar = Bar.made
    assert bar.total == bar.n == frames
