"""SceneView: arrays from an episode, observed set, visibility lookups, jittered copies."""
from pathlib import Path

import numpy as np
import pytest
from qa_fixtures import fixture_json, living_room, load_fixture, make_episode

from simgen.qa.scene_view import SceneView
from simgen.registry import ConfigError
from simgen.seeding import rng
from simgen.types import CameraIntrinsics
from simgen.visibility_model import VisibilityModel

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


def test_observed_set_is_every_object_seen_in_one_frame():
    # 320×240: seen ≥ 0.002 of the image (153.6 px), clear ≥ 0.005 (384 px), glimpse ≥ 0.0002 (15.4 px)
    assert VIEW.pixel_threshold == pytest.approx({"glimpse": 15.36, "seen": 153.6, "clear": 384.0})
    assert [VIEW.names[r] for r in VIEW.observed] == ["sofa_1", "table_1", "chair_1", "chair_2", "lamp_1", "mug_1", "box_1"]
    plant = VIEW.row_of_name("plant_1")  # 150 px once: glimpsed, not seen
    assert not VIEW.observed_mask[plant] and VIEW.glimpsed[:, plant].any()
    lenient = SceneView.from_episode(living_room(), VisibilityModel(seen_frac=0.001))
    assert "plant_1" in [lenient.names[r] for r in lenient.observed]
    # seen clearly (≥ 384 px): mug_1 (300 px) never is, box_1 in frames 10 and 20
    assert VIEW.clear_frame_count[VIEW.row_of_name("mug_1")] == 0
    assert VIEW.clear_frame_count[VIEW.row_of_name("box_1")] == 2


def test_a_close_up_object_is_seen_however_little_of_its_box_is_in_frame():
    # a bed filmed from close up: a tenth of its box inside the frame, but it fills most of the image
    ep = make_episode([("bed", "white", (1, 1, 0.3), (1.0, 0.8, 0.3), 0), ("lamp", "red", (3, 1, 0.4), (0.1,) * 3, 0)],
                      visibility={0: {1: (60000, 0.1), 2: (500, 0.9)}})
    view = SceneView.from_episode(ep)
    assert [view.names[r] for r in view.observed] == ["bed_1", "lamp_1"]
    assert view.visible[0].tolist() == [True, True] and view.clear[0].tolist() == [True, True]


def test_thresholds_are_fractions_of_the_image_so_a_smaller_render_needs_no_rescaling():
    # the same share of a 160×120 image is a quarter of the pixels
    small = CameraIntrinsics.from_vfov(160, 120, 60.0)
    ep = make_episode([("a", "red", (1, 1, 0.2), (0.1,) * 3, 0)], visibility={0: {1: 40}}, intrinsics=small)
    view = SceneView.from_episode(ep)
    assert view.pixel_threshold["seen"] == pytest.approx(38.4) and view.observed_mask.tolist() == [True]


def test_visibility_lookups():
    box = VIEW.row_of_name("box_1")
    assert VIEW.visible_frames(box) == [10, 20]
    assert VIEW.visibility_summary(box) == {"object_id": 7, "frames_seen": 2, "frames_clear": 2,
                                            "max_visible_pixels": 1200, "max_image_fraction": 0.015625,
                                            "max_in_frame_fraction": 1.0}
    assert VIEW.row_of_id(7) == box and VIEW.frame_row(20) == 2
    with pytest.raises(KeyError, match="no frame 5"):
        VIEW.frame_row(5)
    with pytest.raises(KeyError, match="no object named"):
        VIEW.row_of_name("sofa_9")


@pytest.mark.parametrize("kwargs, key", [({"seen_frac": -0.1}, "seen_frac"), ({"clear_frac": 1.5}, "clear_frac"),
                                         ({"clear_frames": 0}, "clear_frames"), ({"glimpse_frac": 0.01}, "glimpse_frac")])
def test_model_validate_names_the_key(kwargs, key):
    with pytest.raises(ConfigError, match=key):
        SceneView.from_episode(living_room(), VisibilityModel(**kwargs))


def test_with_glimpsed_widens_the_object_sets_only():
    wide = VIEW.with_glimpsed()
    assert "plant_1" in [wide.names[r] for r in wide.observed] and "plant_1" not in [VIEW.names[r] for r in VIEW.observed]
    assert wide.visible is VIEW.visible and wide.center is VIEW.center
    assert SceneView.from_episode(make_episode([("a", "red", (1, 1, 0.2), (0.1,) * 3, 0)], visibility="all")).with_glimpsed() is None


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
