"""One test per set function on the living-room fixture (answers derived by hand in tests/qa_fixtures.py)."""
import pytest
from qa_fixtures import living_room, run_program

from simgen.qa.executor import ExecutionError
from simgen.qa.scene_view import SceneView

VIEW = SceneView.from_episode(living_room())


def ask(text, **kw):
    return run_program(VIEW, text, **kw)


def margins(ex, kind):
    return [d.margin for d in ex.trace if d.kind == kind]


def test_objects_lists_observed_only_and_filters_by_keywords():
    # plant_1 has 150 px in one frame (< 200 px): never observed, so never listed.
    assert ask("objects()").value == ["sofa_1", "table_1", "chair_1", "chair_2", "lamp_1", "mug_1", "box_1"]
    assert ask("objects(category='chair')").value == ["chair_1", "chair_2"]
    assert ask("objects(color='red')").value == ["chair_1", "mug_1"]
    assert ask("objects('chair', 'red')").value == ["chair_1"]
    assert ask("objects(category='plant')").value == []


def test_filter_category():
    assert ask("filter_category(objects(color='red'), 'mug')").value == ["mug_1"]


def test_filter_color():
    assert ask("filter_color(objects(category='chair'), 'blue')").value == ["chair_2"]


def test_filter_size_and_its_margin():
    # sizes: sofa 2.0, table 1.0, chairs 0.9, lamp 1.6, mug 0.1, box 1.0 → large: sofa, lamp; small: mug.
    ex = ask("filter_size(objects(), 'large')")
    assert ex.value == ["sofa_1", "lamp_1"]
    assert margins(ex, "size_class") == [pytest.approx(0.1)]  # lamp 1.6 is 0.1 from the 1.5 boundary
    assert ask("filter_size(objects(), 'small')").value == ["mug_1"]


def test_size_class():
    ex = ask("size_class(the('mug'))")
    assert ex.value == "small"
    assert margins(ex, "size_class") == [pytest.approx(0.4)]  # 0.1 m is 0.4 below 0.5 m
    assert ask("size_class(the('table'))").value == "medium"


def test_filter_visible():
    # frame 20 shows lamp (700 px) and box (400 px); the plant's 150 px are below the threshold.
    ex = ask("filter_visible(objects(), 20)")
    assert ex.value == ["lamp_1", "box_1"]
    assert ex.frames_used == (20,)


def test_exclude():
    assert ask("exclude(objects(category='chair'), the('chair', color='red'))").value == ["chair_2"]


def test_the_demands_exactly_one_observed_instance():
    ex = ask("the('sofa')")
    assert ex.value == "sofa_1" and ex.referents == (1,)
    assert [(d.kind, d.margin) for d in ex.trace] == [("unique", 1.0)]
    assert ask("the('chair', color='blue')").value == "chair_2"
    with pytest.raises(ExecutionError) as e:
        ask("the('chair')")
    assert e.value.reason == "not_unique"
    with pytest.raises(ExecutionError) as e:
        ask("the('plant')")  # exists in the scene but is never observed
    assert e.value.reason == "empty_set"


def test_unique():
    assert ask("unique(objects(color='blue'))").value == "chair_2"
    with pytest.raises(ExecutionError) as e:
        ask("unique(objects(color='red'))")
    assert e.value.reason == "not_unique"


def test_the_each_keeps_the_given_order():
    ex = ask("the_each(cats)", slots={"cats": "categories"}, bindings={"cats": ["lamp", "sofa"]})
    assert ex.value == ["lamp_1", "sofa_1"]
    assert ex.referents == (1, 5)


def test_count():
    ex = ask("count(objects(category='chair'))")
    assert (ex.value, ex.unit) == (2.0, "count")


def test_exists():
    ex = ask("exists(objects(category='plant'))")
    assert ex.value is False and margins(ex, "count") == [0.0]
    assert ask("exists(objects(color='red'))").value is True


def test_category_of():
    ex = ask("category_of(the('chair', color='blue'))")
    assert ex.value == "chair" and ex.referents == (4,)


def test_color_of():
    assert ask("color_of(the('lamp'))").value == "white"
