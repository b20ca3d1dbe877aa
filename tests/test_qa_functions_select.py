"""argmin / argmax / sort with their gap margins, ties and empty inputs."""
import pytest
from qa_fixtures import living_room, run_program

from simgen.qa.executor import ExecutionError
from simgen.qa.scene_view import SceneView

VIEW = SceneView.from_episode(living_room())


def test_argmin():
    # distances to the table: chair_1 0.85, chair_2 1.25 → chair_1, gap 0.4
    ex = run_program(VIEW, "argmin(objects(category='chair'), key=distance_to(the('table')))")
    assert ex.value == "chair_1"
    (gap,) = [d for d in ex.trace if d.kind == "gap"]
    assert (gap.margin, gap.unit, gap.detail["second"]) == (pytest.approx(0.4), "m", "chair_2")


def test_argmax():
    ex = run_program(VIEW, "argmax(objects(category='chair'), key=distance_to(the('table')))")
    assert ex.value == "chair_2" and ex.trace[-1].margin == pytest.approx(0.4)


def test_argmin_of_one_candidate_has_infinite_gap_and_of_none_fails():
    assert run_program(VIEW, "argmin(objects(category='sofa'), key=size_of)").trace[-1].margin == float("inf")
    with pytest.raises(ExecutionError) as e:
        run_program(VIEW, "argmin(objects(category='plant'), key=size_of)")
    assert e.value.reason == "empty_set"


def test_sort():
    ex = run_program(VIEW, "sort(the_each(['lamp', 'sofa', 'mug']), key=size_of)")
    assert ex.value == ["mug_1", "lamp_1", "sofa_1"]  # 0.1, 1.6, 2.0
    assert ex.trace[-1].margin == pytest.approx(0.4)
    assert run_program(VIEW, "sort(the_each(['lamp', 'sofa', 'mug']), key=size_of, descending=True)").value == [
        "sofa_1", "lamp_1", "mug_1"]


def test_ties_resolve_by_object_id_with_zero_margin():
    ex = run_program(VIEW, "sort(objects(category='chair'), key=size_of)")
    assert ex.value == ["chair_1", "chair_2"] and ex.trace[-1].margin == 0.0
