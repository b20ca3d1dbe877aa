"""first/last appearance, visibility and appearance order on the living room (frames 0, 10, 20)."""
import numpy as np
import pytest
from qa_fixtures import living_room, make_episode, run_program

from simgen.qa.executor import ExecutionError
from simgen.qa.scene_view import SceneView

VIEW = SceneView.from_episode(living_room())


def test_first_seen():
    ex = run_program(VIEW, "first_seen(the('sofa'))")
    assert (ex.value, ex.unit, ex.frames_used) == (10, "frames", (10,))
    assert run_program(VIEW, "first_seen(the('table'))").value == 0


def test_last_seen():
    assert run_program(VIEW, "last_seen(the('box'))").value == 20
    assert run_program(VIEW, "last_seen(the('table'))").value == 10


def test_never_visible_object_has_no_appearance():
    # plant_1 shows 150 px once, below the 'seen' 153.6 px; a family could still bind it by name.
    with pytest.raises(ExecutionError) as e:
        run_program(VIEW, "first_seen(p)", slots={"p": "object"}, bindings={"p": "plant_1"})
    assert e.value.reason == "never_visible"


def test_visible_in():
    ex = run_program(VIEW, "visible_in(the('mug'), 0)")
    # 300 px of a 320×240 image, the "seen" threshold 0.002 of it (153.6 px): margin 146.4 / 76800
    assert ex.value is True and ex.trace[-1].margin == pytest.approx(146.4 / 76800) and ex.trace[-1].unit == "frac"
    assert run_program(VIEW, "visible_in(the('mug'), 10)").value is False
    with pytest.raises(ExecutionError) as e:
        run_program(VIEW, "visible_in(the('mug'), 5)")  # the episode has frames 0, 10, 20 only
    assert e.value.reason == "bad_frame"


def test_appearance_order():
    ex = run_program(VIEW, "appearance_order(the_each(['lamp', 'sofa', 'table']))")
    assert ex.value == ["table_1", "sofa_1", "lamp_1"]
    (gap,) = [d for d in ex.trace if d.kind == "frame_gap"]
    assert (gap.margin, gap.unit) == (10.0, "frames")
    assert ex.frames_used == (0, 10, 20)


def test_appearance_order_tie_has_zero_gap():
    ex = run_program(VIEW, "appearance_order(objects(category='chair'))")
    assert ex.value == ["chair_1", "chair_2"] and ex.trace[-1].margin == 0.0


def test_first_and_last_frame():
    ex = run_program(VIEW, "first_frame()")
    assert (ex.value, ex.frames_used) == (0, (0,))
    assert run_program(VIEW, "last_frame()").value == 20  # frames 0, 10, 20


def test_which_appeared_first_with_the_first_seen_key():
    ex = run_program(VIEW, "argmin(the_each(['lamp', 'sofa']), key=first_seen_of)")
    (gap,) = [d for d in ex.trace if d.kind == "gap"]
    assert ex.value == "sofa_1" and (gap.margin, gap.unit) == (10.0, "frames")  # sofa 10, lamp 20
    with pytest.raises(ExecutionError) as e:
        run_program(VIEW, "argmin(objs, key=first_seen_of)", slots={"objs": "objects"},
                    bindings={"objs": ["plant_1", "sofa_1"]})
    assert e.value.reason == "never_visible"


def _two_objects(lamp: dict, sofa: dict, frames: int = 20):
    """A lamp and a sofa whose pixels per frame are given as {from_frame: pixels} steps."""
    def at(steps, f):
        return max((px for f0, px in steps.items() if f >= f0), default=0)

    vis = {f: {1: at(lamp, f), 2: at(sofa, f)} for f in range(frames)}
    rows = [("lamp", "white", (1.0, 1.0, 0.5), (0.2,) * 3, 0.0), ("sofa", "grey", (3.0, 1.0, 0.4), (0.8, 0.4, 0.4), 0.0)]
    return SceneView.from_episode(make_episode(rows, cameras=[np.eye(4)] * frames, visibility=vis))


def test_appears_first_gap_runs_to_the_other_objects_first_glimpse():
    # the lamp is seen from frame 2; the sofa is not on screen at all until frame 12
    ex = run_program(_two_objects({2: 1000}, {12: 1000}), "appears_first(the_each(['sofa', 'lamp']))")
    assert ex.value == "lamp_1" and ex.trace[-1].kind == "frame_gap" and ex.trace[-1].margin == 10.0
    assert ex.trace[-1].detail == {"first_seen": [2, 12], "first_glimpsed": [2, 12]}


def test_appears_first_when_both_show_from_frame_0_has_no_gap():
    ex = run_program(_two_objects({0: 1000}, {0: 1000}), "appears_first(the_each(['sofa', 'lamp']))")
    assert ex.trace[-1].margin == 0.0


def test_appears_first_when_the_later_one_is_already_on_screen_has_a_negative_gap():
    # the sofa is glimpsed (50 px) from frame 3, before the lamp is seen at 5, and seen itself from 15:
    # by the first sight of each the lamp "came first", but a viewer saw part of the sofa earlier
    ex = run_program(_two_objects({5: 1000}, {3: 50, 15: 1000}), "appears_first(the_each(['sofa', 'lamp']))")
    assert ex.value == "lamp_1" and ex.trace[-1].margin == -2.0


def test_first_seen_records_how_long_it_was_glimpsed_before():
    view = _two_objects({2: 1000}, {3: 50, 12: 1000})  # the sofa peeks in at 3, is seen from 12
    ex = run_program(view, "first_seen(the('sofa'))")
    assert ex.value == 12 and ex.trace[-1].kind == "appearance" and ex.trace[-1].margin == 9.0
    assert run_program(view, "first_seen(the('lamp'))").trace[-1].margin == 0.0
