"""first/last appearance, visibility and appearance order on the living room (frames 0, 10, 20)."""
import pytest
from qa_fixtures import living_room, run_program

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
    # plant_1 shows 150 px once, below the 200 px threshold; a family could still bind it by name.
    with pytest.raises(ExecutionError) as e:
        run_program(VIEW, "first_seen(p)", slots={"p": "object"}, bindings={"p": "plant_1"})
    assert e.value.reason == "never_visible"


def test_visible_in():
    ex = run_program(VIEW, "visible_in(the('mug'), 0)")
    assert ex.value is True and ex.trace[-1].margin == 100.0 and ex.trace[-1].unit == "px"  # 300 − 200
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
