"""SceneView: arrays from an episode, observed set, visibility lookups, jittered copies."""
from pathlib import Path

import numpy as np
import pytest
from qa_fixtures import fixture_json, living_room, load_fixture, make_episode

from simgen.qa.scene_view import ObservedThresholds, SceneView
from simgen.registry import ConfigError
from simgen.seeding import rng

VIEW = SceneView.from_episode(living_room())


def test_saved_fixture_is_current_and_loads():
    path_text = (Path(__file__).parent / "fixtures" / "qa_living_room.json").read_text()
    assert path_text == fixture_json("living_room"), "run: python tests/qa_fixtures.py"
    assert SceneView.from_episode(load_fixture("living_room")).names == VIEW.names


def test_arrays_follow_object_id_order():
    assert list(VIEW.ids) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert VIEW.names[6] == "box_1" and VIEW.category[2] == "chair" and VIEW.color[3] == "blue"
    assert VIEW.center.shape == (8, 3) and VIEW.rotation.shape == (8, 3, 3)
    assert list(VIEW.frames) == [0, 10, 20]


def test_observed_set_uses_pixel_fraction_and_frame_thresholds():
    assert [VIEW.names[r] for r in VIEW.observed] == ["sofa_1", "table_1", "chair_1", "chair_2", "lamp_1", "mug_1", "box_1"]
    lenient = SceneView.from_episode(living_room(), ObservedThresholds(min_visible_pixels=100))
    assert "plant_1" in [lenient.names[r] for r in lenient.observed]
    strict = SceneView.from_episode(living_room(), ObservedThresholds(min_frames=2))
    # seen in 2 frames: table (0, 10), chair_1 (0, 10), box (10, 20)
    assert [strict.names[r] for r in strict.observed] == ["table_1", "chair_1", "box_1"]


def test_in_frame_fraction_threshold():
    ep = make_episode([("a", "red", (1, 1, 0.2), (0.1,) * 3, 0), ("b", "red", (2, 1, 0.2), (0.1,) * 3, 0)],
                      visibility={0: {1: (500, 0.4), 2: (500, 0.9)}})
    view = SceneView.from_episode(ep)  # default: at least half the box in the image
    assert [view.names[r] for r in view.observed] == ["b_1"]


def test_visibility_lookups():
    box = VIEW.row_of_name("box_1")
    assert VIEW.visible_frames(box) == [10, 20]
    assert VIEW.visibility_summary(box) == {"object_id": 7, "frames_visible": 2, "max_visible_pixels": 1200,
                                            "max_in_frame_fraction": 1.0}
    assert VIEW.row_of_id(7) == box and VIEW.frame_row(20) == 2
    with pytest.raises(KeyError, match="no frame 5"):
        VIEW.frame_row(5)
    with pytest.raises(KeyError, match="no object named"):
        VIEW.row_of_name("sofa_9")


@pytest.mark.parametrize("kwargs, key", [({"min_visible_pixels": -1}, "min_visible_pixels"),
                                         ({"min_in_frame_fraction": 1.5}, "min_in_frame_fraction"),
                                         ({"min_frames": 0}, "min_frames")])
def test_thresholds_validate_names_the_key(kwargs, key):
    with pytest.raises(ConfigError, match=key):
        ObservedThresholds(**kwargs).validate()


def test_jittered_is_seeded_cheap_and_leaves_the_original_alone():
    before = VIEW.center.copy()
    D = VIEW.distance_matrix()
    a = VIEW.jittered(rng(1, stage="perturb"), 0.03, 0.05)
    b = VIEW.jittered(rng(1, stage="perturb"), 0.03, 0.05)
    assert np.array_equal(a.center, b.center) and np.array_equal(a.half, b.half)
    assert np.array_equal(VIEW.center, before) and VIEW.distance_matrix() is D
    assert 0 < np.abs(a.center - before).max() < 0.2
    assert not np.allclose(a.distance_matrix(), D)  # fresh caches, recomputed on the moved boxes
    assert np.array_equal(a.observed, VIEW.observed) and a.visible is VIEW.visible


def test_room_area_and_vertical_extent_of_tilted_box():
    assert VIEW.room_area() == pytest.approx(24.0)
    assert VIEW.vertical_half()[VIEW.row_of_name("box_1")] == pytest.approx(0.25)  # yaw does not change height


def test_empty_scene_and_frameless_episode_build_views():
    empty = SceneView.from_episode(make_episode([], visibility="all"))
    assert len(empty) == 0 and empty.distance_matrix().shape == (0, 0) and len(empty.observed_rows("chair")) == 0
    ep = make_episode([("a", "red", (1, 1, 0.2), (0.1,) * 3, 0)], visibility="all")
    frameless = SceneView.from_episode(type(ep)(**{**ep.__dict__, "frames": ()}))
    assert len(frameless.observed) == 0 and list(frameless.first_seen_row) == [-1]
