"""validation.build_checked: the record Record.from_dict builds, checked in the same walk; the fast
path for lists of plain numbers accepts exactly what the item-by-item check accepts."""
import gc
import json

import pytest
from qa_fixtures import living_room

from simgen.types import Episode, SceneSpec
from simgen.io import cyclic_gc_paused
from simgen.validation import build_checked

DATA = json.loads(json.dumps(living_room().to_dict()))


def test_builds_what_from_dict_builds():
    built, reference = build_checked(Episode, DATA), Episode.from_dict(DATA)
    assert built == reference
    frame, ref = built.frames[2], reference.frames[2]
    assert type(frame.T_world_cam) is tuple and type(frame.T_world_cam[0]) is tuple
    assert frame.objects[0].pose == ref.objects[0].pose and type(frame.objects[0].pose.position) is tuple
    assert build_checked(SceneSpec, DATA["scene"]) == SceneSpec.from_dict(DATA["scene"])


@pytest.mark.parametrize("value, message", [
    (float("nan"), "expected a finite number, got nan"),
    (float("inf"), "expected a finite number, got inf"),
    (True, "expected a number, got True"),
    ("1.0", "expected a number, got '1.0'"),
    (None, "expected a number, got None"),
    ([1.0], "expected a number, got [1.0]"),
])
def test_a_bad_number_in_a_pose_is_named_by_its_key_path(value, message):
    data = json.loads(json.dumps(DATA))
    data["frames"][2]["objects"][1]["pose"]["position"][2] = value
    with pytest.raises(ValueError) as e:
        build_checked(Episode, data)
    assert str(e.value) == f"frames[2].objects[1].pose.position[2]: {message}"


def test_numbers_the_fast_path_cannot_sum_are_checked_one_by_one():
    data = json.loads(json.dumps(DATA))
    pose = data["frames"][0]["objects"][0]["pose"]
    pose["position"] = [1e308, 1e308, 0]  # finite, but their sum is not
    assert build_checked(Episode, data).frames[0].objects[0].pose.position == (1e308, 1e308, 0)
    pose["position"] = [10 ** 400, 0.0, 0.0]  # an integer no float holds: as the item-by-item check says
    assert build_checked(Episode, data).frames[0].objects[0].pose.position[0] == 10 ** 400
    pose["position"] = [0.0, 0.0]
    with pytest.raises(ValueError, match=r"frames\[0\].objects\[0\].pose.position: expected 3 values, got 2"):
        build_checked(Episode, data)


@pytest.mark.parametrize("enabled", [True, False])
def test_without_cyclic_gc_restores_the_collector(enabled):
    (gc.enable if enabled else gc.disable)()
    try:
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(KeyError), cyclic_gc_paused():
            raise KeyError("x")
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_what_the_pause_made_moves_to_the_oldest_generation_unless_someone_froze_objects():
    with cyclic_gc_paused():
        kept = [[i] for i in range(2000)]  # an episode's records: long-lived, never to be scanned young
    assert gc.get_count()[0] < 100 and any(x is kept[-1] for x in gc.get_objects(2))
    gc.freeze()  # a process that froze its objects (copy-on-write after fork) keeps them frozen
    try:
        frozen = gc.get_freeze_count()
        with cyclic_gc_paused():
            more = [[i] for i in range(10)]
        assert gc.get_freeze_count() == frozen and more
    finally:
        gc.unfreeze()


def test_the_first_bad_field_in_the_files_order_is_named_and_records_are_as_their_init_builds_them():
    from simgen.types import Pose, Visibility

    with pytest.raises(ValueError, match=r"^quat_wxyz: expected a list"):  # the file's order, not the fields'
        build_checked(Pose, {"quat_wxyz": "x", "position": "y"})
    with pytest.raises(ValueError, match=r"^position\[1\]: expected a number"):
        build_checked(Pose, {"position": [0.0, "1", 2.0], "quat_wxyz": [1.0, 0.0, 0.0, 0.0]})
    data = {"bbox_2d": [1, 2, 3, 4], "in_frame_fraction": 0.5, "object_id": 3, "occlusion": 0.0, "visible_pixels": 9}
    built, made = build_checked(Visibility, data), Visibility(3, 9, 0.5, 0.0, (1, 2, 3, 4))
    assert built == made and list(vars(built).items()) == list(vars(made).items())
    assert build_checked(Pose, {"position": [1, 2, 3]}) == Pose((1, 2, 3))  # a default left out: __init__ fills it
