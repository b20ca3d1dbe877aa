"""Object motion measured from its true start, on real pybullet episodes (a scripted move, a push).

At a motion event's ``start_frame`` the simulator has already moved the object (the first step of
a scripted slide; a push's first physics step), so the QA functions measure from the frame
before. Checked against the recorded trajectory itself: an object moved once rests before and
after, so the distance it travelled is its first-to-last displacement over the whole video.
"""
import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from qa_fixtures import run_program

from simgen.job_config import conf_dir
from simgen.episodes.runner import build_plugins, render_one
from simgen.qa.scene_view import SceneView
from simgen.registry import SIMULATORS
from simgen.seeding import rng

SMALL = ["camera.width=96", "camera.height=72", "render.fps=10", "render.duration_s=4", "trajectory=coverage",
         "render.save_arrays=false"]


def render(tmp_path, dynamics: str, seed: int):
    with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
        cfg = compose("config", overrides=SMALL + [f"dynamics={dynamics}", "dynamics.num_moving=1"])
    plugins = build_plugins(cfg)
    with SIMULATORS.get("pybullet")[0](plugins.simulator_cfg) as sim:
        spec = plugins.builder.build(seed, 0, 0)
        out = tmp_path / dynamics
        out.mkdir()
        return render_one(sim, spec, plugins, "test", out, lambda stage: rng(seed, 0, 0, stage))


@pytest.mark.parametrize("dynamics, seed", [("scripted", 1), ("push", 2)])
def test_travelled_distance_is_the_recorded_first_to_last_displacement(tmp_path, dynamics, seed):
    episode = render(tmp_path, dynamics, seed)
    assert episode.events, f"seed {seed} schedules a {dynamics} motion"
    view = SceneView.from_episode(episode)
    for event in episode.events:
        row = view.row_of_id(event.object_id)
        track = view.frame_center[:, row]
        first_to_last = float(np.linalg.norm(track[-1] - track[0]))
        # the simulator moved it at start_frame already: measuring from there would come out short
        start = view.frame_row(event.start_frame)
        assert np.linalg.norm(track[start] - track[start - 1]) > 1e-4
        ex = run_program(view, "displacement(p, move_start(p), move_end(p))", slots={"p": "object"},
                         bindings={"p": view.names[row]})
        # a pushed object is "at rest" once it moves < 1 mm a frame: it may creep a little after end_frame
        assert ex.value == pytest.approx(first_to_last, abs=2e-3)
        assert ex.value == pytest.approx(event.params["distance_m"], abs=1e-9)  # what the episode recorded
        assert ex.value > 0.2  # a move worth asking about (min_motion_m)
        assert run_program(view, "move_start(p)", slots={"p": "object"},
                           bindings={"p": view.names[row]}).value == event.start_frame - 1
