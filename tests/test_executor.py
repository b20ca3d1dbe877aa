"""Executor: traces and margins, bindings, ablation, limits, determinism."""
import json

import pytest
from qa_fixtures import living_room, run_program

from simgen.qa.dsl import parse_program
from simgen.qa.executor import Decision, ExecutionError, Limits, execute, set_nodes
from simgen.qa.scene_view import SceneView
from simgen.seeding import rng

VIEW = SceneView.from_episode(living_room())
REL = "category_of(argmin(the_each(cands), key=distance_to(the(ref))))"
REL_SLOTS = {"ref": "category", "cands": "categories"}


def test_decisions_point_at_their_nodes():
    p = parse_program(REL, REL_SLOTS)
    ex = execute(p, VIEW, {"ref": "table", "cands": ["sofa", "lamp", "mug"]})
    # distances to the table: mug 0 (on it), sofa 1.0, lamp: x gap 1.3, y gap 2.4 → 2.7295
    assert ex.value == "mug" and ex.type.kind == "Category"
    kinds = [(d.kind, p.node(d.node_id).text) for d in ex.trace]
    assert kinds == [("unique", "the_each(cands)")] * 3 + [("unique", "the(ref)"),
                                                           ("gap", "argmin(the_each(cands), key=distance_to(the(ref)))")]
    assert ex.trace[-1].margin == pytest.approx(1.0) and ex.trace[-1].unit == "m"
    assert ex.referents == (1, 2, 5, 6) and ex.frames_used == ()


def test_comparisons_record_their_difference_in_the_operands_unit():
    ex = run_program(VIEW, "distance(the('sofa'), the('table')) < m(1.5)")
    assert ex.value is True and (ex.trace[-1].kind, ex.trace[-1].margin, ex.trace[-1].unit) == ("compare", 0.5, "m")
    ex = run_program(VIEW, "first_seen(the('sofa')) > first_seen(the('table'))")
    assert ex.value is True and (ex.trace[-1].margin, ex.trace[-1].unit) == (10.0, "frames")
    ex = run_program(VIEW, "count(objects(category='chair')) == 2")
    assert ex.value is True and (ex.trace[-1].margin, ex.trace[-1].unit) == (0.0, "count")
    ex = run_program(VIEW, "color_of(the('lamp')) == 'white'")
    assert ex.value is True and [d.kind for d in ex.trace] == ["unique"]  # equality of names has no margin


def test_answer_values_are_plain():
    ex = run_program(VIEW, "first_seen(the('lamp'))")
    assert (ex.value, ex.unit) == (20, "frames") and isinstance(ex.value, int)
    ex = run_program(VIEW, "route_turns(the('sofa'), the('table'), [the('lamp')])")
    assert ex.value == ["left"] and isinstance(ex.value, list)
    assert isinstance(run_program(VIEW, "exists(objects())").value, bool)
    assert run_program(VIEW, "m(1) / m(4)").value == 0.25 and run_program(VIEW, "m(1) / m(4)").unit is None


def test_assignments_run_once_and_boolean_operators_short_circuit():
    ex = run_program(VIEW, "x = the('sofa')\ndistance(x, the('table')) > m(0.5) and size(x) > m(1)")
    assert [d.kind for d in ex.trace].count("unique") == 2  # `x` once, the('table') once
    ex = run_program(VIEW, "exists(objects(category='plant')) and the('chair') == the('sofa')")
    assert ex.value is False  # the right side would raise not_unique, but is never needed


def test_bindings_are_checked():
    p = parse_program("size(a) > m(q)", {"a": "object", "q": "number"})
    assert execute(p, VIEW, {"a": "sofa_1", "q": 1.5}).value is True
    for bindings in ({"a": "sofa_1"}, {"a": "sofa_9", "q": 1}, {"a": 3, "q": 1}, {"a": "sofa_1", "q": "big"}):
        with pytest.raises(ExecutionError) as e:
            execute(p, VIEW, bindings)
        assert e.value.reason == "bad_binding"
    with pytest.raises(ExecutionError) as e:
        run_program(VIEW, "visible_in(the('mug'), f)", {"f": "frame"}, {"f": 3})
    assert e.value.reason == "bad_binding"
    ex = run_program(VIEW, "size(o)", {"o": "object"}, {"o": "lamp_1"})
    assert ex.referents == (5,)


def test_ablation_replaces_a_filter_by_its_trivial_version():
    p = parse_program("count(filter_color(objects(category='chair'), 'red'))")
    filt, objs = sorted(p.ablatable_nodes(), reverse=True)
    assert execute(p, VIEW).value == 1.0
    assert execute(p, VIEW, ablate=filt).value == 2.0  # both chairs
    assert execute(p, VIEW, ablate=objs).value == 2.0  # red among all observed: chair_1, mug_1
    with pytest.raises(ValueError, match="not ablatable"):
        execute(p, VIEW, ablate=p.root.id)


def test_step_limit_and_division_by_zero():
    with pytest.raises(ExecutionError) as e:
        run_program(VIEW, "sort(objects(), key=size_of)", limits=Limits(max_steps=5))
    assert e.value.reason == "step_limit"
    with pytest.raises(ExecutionError) as e:
        run_program(VIEW, "m(1) / (count(objects()) - 7)")
    assert e.value.reason == "division_by_zero"


def test_same_program_same_view_same_execution_and_jitter_moves_numbers():
    a = run_program(VIEW, "distance(the('sofa'), the('table'))")
    b = run_program(VIEW, "distance(the('sofa'), the('table'))")
    assert a == b
    moved = run_program(VIEW.jittered(rng(0, stage="perturb"), 0.02, 0.02), "distance(the('sofa'), the('table'))")
    assert moved.value != a.value and abs(moved.value - a.value) < 0.2


def test_decision_to_dict_is_json_ready():
    d = Decision("gap", float("inf"), "m", 3, {"key": "size_of"})
    assert json.loads(json.dumps(d.to_dict())) == {"kind": "gap", "margin": None, "unit": "m", "node_id": 3,
                                                   "detail": {"key": "size_of"}}


def test_set_nodes_are_evaluated_once_across_jittered_copies():
    p = parse_program(REL, REL_SLOTS)
    # the_each(cands) and the(ref) read only the object sets; argmin/distance_to/category_of read geometry
    assert sorted(p.node(i).text for i in set_nodes(p)) == ["the(ref)", "the_each(cands)"]
    bindings = {"ref": "table", "cands": ["sofa", "lamp", "mug"]}
    copies = [VIEW.jittered(rng(0, stage=f"perturb{i}"), 0.3, 0.2) for i in range(4)]
    shared: dict = {}
    first = execute(p, copies[0], bindings, shared=shared)
    assert sorted(shared) == sorted(set_nodes(p)) and len(first.trace) == 5  # filled by the first run
    for view in copies:  # the same answers as runs of their own; the set nodes' decisions are not recorded again
        alone, reused = execute(p, view, bindings), execute(p, view, bindings, shared=shared)
        assert reused.value == alone.value and [d.kind for d in reused.trace] == ["gap"]
        assert reused.trace[0].margin == alone.trace[-1].margin
