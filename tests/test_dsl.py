"""Parser and type checker: nodes, types and units, slots, literals, clear errors, generated docs."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simgen.qa.dsl import CONSTANTS, FUNCTIONS, parse_program
from simgen.qa.functions_reference import render_reference
from simgen.qa.program import DSLError, parse_type
from simgen.qa.signatures import EXECUTION_REASONS, Q

ROOT = Path(__file__).resolve().parents[1]


def reject(text, slots=None):
    with pytest.raises(DSLError) as e:
        parse_program(text, slots or {})
    return e.value


def test_program_nodes_have_ids_source_text_and_types():
    p = parse_program("argmin(the_each(cands), key=distance_to(the(ref)))", {"ref": "category", "cands": "categories"})
    assert str(p.result_type) == "Obj" and p.result_type.answer_kind == "object"
    assert [n.id for n in p.nodes] == list(range(len(p.nodes)))
    texts = {n.text: str(n.type) for n in p.nodes}
    assert texts["the(ref)"] == "Obj"
    assert texts["distance_to(the(ref))"] == "Key[m]"
    assert texts["the_each(cands)"] == "Objs"
    assert texts["cands"] == "Categories"
    assert p.root is p.nodes[-1] and p.text.startswith("argmin")


def test_assignments_are_typed_and_shared():
    p = parse_program("x = the(ref)\ny = distance_to(x)\nargmin(exclude(objects(), x), key=y)", {"ref": "category"})
    refs = [n for n in p.nodes if n.op == "ref"]
    assert len(refs) == 3 and refs[0].children[0] is refs[1].children[0]  # both `x` point at one node


def test_result_types_with_units_and_labels():
    assert str(parse_program("distance(a, b)", {"a": "object", "b": "object"}).result_type) == "Quantity[m]"
    assert str(parse_program("to_cm(size(a))", {"a": "object"}).result_type) == "Quantity[cm]"
    assert str(parse_program("size(a) * size(a)", {"a": "object"}).result_type) == "Quantity[m2]"
    assert str(parse_program("room_area() * height(a)", {"a": "object"}).result_type) == "Quantity[m3]"
    assert str(parse_program("room_area() / size(a)", {"a": "object"}).result_type) == "Quantity[m]"
    assert str(parse_program("size(a) / size(b)", {"a": "object", "b": "object"}).result_type) == "Number"
    assert str(parse_program("first_seen(a) - first_seen(b)", {"a": "object", "b": "object"}).result_type) == "Quantity[frames]"
    assert str(parse_program("count(objects()) + 1").result_type) == "Quantity[count]"
    d3 = parse_program("direction(a, b, c, levels=3)", {"a": "object", "b": "object", "c": "object"})
    assert str(d3.result_type) == "Label{left,right,back}"
    d4 = parse_program("direction(a, b, c, 4)", {"a": "object", "b": "object", "c": "object"})
    assert d4.result_type.labels == ("front-left", "front-right", "back-left", "back-right")
    assert str(parse_program("appearance_order(objects())").result_type) == "Order"


@pytest.mark.parametrize("text, fragment", [
    ("distance(a, b) > 3", "give the number a unit, e.g. m(1.5)"),
    ("size(a) + room_area()", "cannot compute Quantity[m] + Quantity[m2]"),
    ("size(a) > cm(30)", "convert with to_cm"),
    ("distance(a, b) == m(1)", "never =="),
    ("the(a)", "expects Category, got Obj"),
    ("argmin(cats, key=size_of)", "the_each"),
    ("count(a)", "expects Objs, got Obj"),
    ("direction(a, a, a) == 'up'", "not one of ['left', 'right']"),
    ("image_side(a, 2.5)", "a frame is an integer"),
    ("image_side(a, -1)", "expects Frame, got Number"),
    ("not size(a)", "expects Bool"),
    ("size_of", "is a key"),
    ("objects(category=a)", "expects Category, got Obj"),
    ("sort(objects(), key=size)", "size is a function"),
])
def test_type_errors_are_clear(text, fragment):
    err = reject(text, {"a": "object", "b": "object", "cats": "categories"})
    assert err.reason in ("type_error", "bad_literal", "bad_program")
    assert fragment in err.detail


@pytest.mark.parametrize("text, reason", [
    ("direction(a, a, a, levels=5)", "bad_argument"),
    ("direction(a, a, a, levels=n)", "bad_argument"),
    ("the('chair', colour='red')", "bad_argument"),
    ("the('chair', category='sofa')", "bad_argument"),
    ("the()", "bad_argument"),
    ("size(a, a)", "bad_argument"),
    ("frobnicate(a)", "unknown_function"),
    ("size(b)", "unknown_name"),
    ("x = the('sofa')\ncount(objects())", "bad_program"),
    ("x = the('sofa')\nx = the('bed')\nsize(x)", "bad_program"),
    ("a = the('sofa')\nsize(a)", "bad_program"),
    ("x = size(x)\nx", "self_reference"),
    ("x = the('sofa')", "bad_program"),
    ("", "bad_program"),
    ("1 < 2 < 3", "disallowed_syntax"),
    ("[]", "bad_literal"),
    ("[a, 'chair']", "type_error"),
])
def test_structural_errors(text, reason):
    assert reject(text, {"a": "object", "n": "number"}).reason == reason


def test_literals_coerce_to_the_expected_type():
    p = parse_program("count(objects(category='chair')) >= 2")
    assert str(p.result_type) == "Bool"
    p = parse_program("visible_in(the('mug'), 10) and image_side(the('mug'), 10) == 'left'")
    assert [str(n.type) for n in p.nodes if n.op == "const"] == ["Category", "Frame", "Category", "Frame", "Label{left,right}"]
    assert str(parse_program("['sofa', 'tv']").result_type) == "Categories"


def test_slot_types_and_parse_type():
    assert parse_type("object") == parse_type("Obj")
    assert parse_type("Quantity[cm]") == Q("cm")
    for bad in ("Quantity[furlong]", "thing"):
        with pytest.raises(DSLError) as e:
            parse_type(bad)
        assert e.value.reason == "bad_slot"
    assert reject("size(x)", {"size": "object"}).reason == "bad_slot"  # a slot may not shadow a function
    assert reject("x", {"X": "object"}).reason == "bad_slot"


def test_ablatable_nodes_are_filters_with_something_to_remove():
    p = parse_program("count(filter_color(objects(category=c), 'red'))", {"c": "category"})
    by_text = {p.node(i).text: i for i in p.ablatable_nodes()}
    assert set(by_text) == {"objects(category=c)", "filter_color(objects(category=c), 'red')"}
    assert parse_program("count(objects())").ablatable_nodes() == []


def test_every_name_is_documented_and_well_formed():
    for name, sig in FUNCTIONS.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name) and sig.doc
    assert set(CONSTANTS).isdisjoint(FUNCTIONS)


def test_committed_reference_is_current():
    assert (ROOT / "docs" / "DSL_REFERENCE.md").read_text() == render_reference(), \
        "run: python -m simgen.qa.dsl --write-docs"
    for name in list(FUNCTIONS) + list(CONSTANTS):
        assert f"`{name}" in render_reference()


def test_reference_cli_check(tmp_path):
    out = tmp_path / "ref.md"
    cmd = [sys.executable, "-m", "simgen.qa.dsl"]
    assert subprocess.run(cmd + ["--check", "--path", str(out)], capture_output=True).returncode == 1
    assert subprocess.run(cmd + ["--write-docs", "--path", str(out)], capture_output=True).returncode == 0
    assert subprocess.run(cmd + ["--check", "--path", str(out)], capture_output=True).returncode == 0


def test_every_execution_error_reason_is_documented():
    sources = "".join(p.read_text() for p in (ROOT / "simgen" / "qa").glob("*.py"))
    raised = set(re.findall(r'ExecutionError\(\s*"([a-z_]+)"', sources))
    assert raised and raised <= set(EXECUTION_REASONS), raised - set(EXECUTION_REASONS)


def test_every_function_and_constant_has_a_test():
    tests = "".join(p.read_text() for p in (ROOT / "tests").glob("test_qa_functions_*.py"))
    untested = [n for n in list(FUNCTIONS) + list(CONSTANTS) if not re.search(rf"\b{n}\b", tests)]
    assert not untested
