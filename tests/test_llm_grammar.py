"""The typed GBNF grammar of the DSL: hand-written programs are inside it, hostile and mistyped text is not."""
import pytest
from llm_gbnf import GBNF

from simgen.llm.grammar import dsl_grammar, root_kinds, symbol_of
from simgen.llm.paraphrase import text_grammar
from simgen.qa.dsl import FUNCTIONS, parse_program
from simgen.qa.families import load_families
from simgen.qa.signatures import LABEL, Q, Type

FAMILIES = load_families("all")


@pytest.mark.parametrize("fam", FAMILIES, ids=[f.family for f in FAMILIES])
def test_every_hand_written_program_is_in_its_grammar(fam):
    grammar = GBNF(dsl_grammar({s.name: s.type for s in fam.slots}, fam.answer.type))
    assert grammar.accepts(fam.program), fam.program


SLOTS = {"a": "category", "b": "category", "pair": "categories", "frame": "frame"}
ANY = GBNF(dsl_grammar(SLOTS, None))


@pytest.mark.parametrize("text", [
    "distance(the(a), the(b)) > m(1.5) and not above(the(a), the(b))",
    "count(objects(category=\"chair\")) == 2",
    "argmax(the_each(pair), key=size_of)",
    "to_cm(size(the(a))) - cm(10)",
    "sort(the_each([\"sofa\", \"table\"]), key=distance_to(the(a)), descending=True)",
    "direction(the(a), the(b), the(\"lamp\"), levels=3)",
    "x = the(a)\nsize(x)",
])
def test_well_typed_programs_are_accepted(text):
    assert ANY.accepts(text)
    parse_program(text, SLOTS)  # and the type checker agrees


@pytest.mark.parametrize("text", [
    "import os",
    "__import__('os')",
    "the(a).__class__",
    "objects()[0]",
    "[x for x in objects()]",
    "lambda: 1",
    "eval('1')",
    "open(a)",
    "distance(the(a), the(b)) > 3",  # a length compared with a bare number
    "distance(the(a), the(b)) > cm(3)",  # metres compared with centimetres
    "size(the(a)) + room_area()",  # m + m2
    "the(b, a, a)",
    "size(the(unknown_slot))",
    "room_area()\nroom_area()",
    "the('sofa')",  # single quotes: the grammar writes double-quoted names only
    "the(\"s\u043efa\")",  # a Cyrillic o
    "size(the(a))  ",
    "'" + "a" * 50 + "'",
])
def test_hostile_or_mistyped_text_is_outside_the_grammar(text):
    assert not ANY.accepts(text)


def test_the_root_follows_the_answer_type():
    number = GBNF(dsl_grammar(SLOTS, "number"))
    yes_no = GBNF(dsl_grammar(SLOTS, "yes_no"))
    assert number.accepts("distance(the(a), the(b))") and not number.accepts("the(a)")
    assert yes_no.accepts("above(the(a), the(b))") and not yes_no.accepts("distance(the(a), the(b))")
    choice = GBNF(dsl_grammar(SLOTS, "choice"))
    assert choice.accepts("direction(the(a), the(b), the(\"lamp\"))") and choice.accepts("argmin(the_each(pair), key=size_of)")
    assert "Label" in root_kinds("choice") and root_kinds("yes_no") == ("Bool",)


def test_slot_names_are_typed():
    g = GBNF(dsl_grammar({"a": "category", "frame": "frame"}, None))
    assert g.accepts("visible_in(the(a), frame)")
    assert not g.accepts("visible_in(frame, a)")
    assert not g.accepts("size(the(b))")  # b is not a slot here


def test_every_function_appears_in_the_grammar():
    text = dsl_grammar(SLOTS, None)
    missing = [name for name in FUNCTIONS if f'"{name}(' not in text]
    assert missing == []


def test_symbols_of_types_keep_units_and_label_sets_apart():
    assert symbol_of(Q("m")) != symbol_of(Q("cm"))
    assert symbol_of(LABEL("left", "right")) != symbol_of(LABEL("left", "right", "back"))
    assert symbol_of(Type("Obj")) == "obj" and symbol_of(Type("Objs")) == "objs"


def test_the_grammar_is_one_line_per_rule_with_root_first():
    text = dsl_grammar(SLOTS, "number")
    lines = text.strip().splitlines()
    assert lines[0].startswith("root ::= ") and all(" ::= " in line for line in lines)


def test_text_grammar_allows_only_the_given_fields():
    g = GBNF(text_grammar(["a", "b"]))
    assert g.accepts("How far apart are the {a} and the {b}?")
    assert not g.accepts("How far apart are the {a} and the {c}?")
    assert not g.accepts("What is {a.__class__}?")
    assert not g.accepts("how far?")  # starts with a capital, at least 9 characters
    assert not g.accepts("Two\nlines are not allowed here")



def test_a_number_question_in_metres_cannot_be_answered_in_centimetres():
    from simgen.llm.grammar import dsl_grammar

    root = next(line for line in dsl_grammar({"a": "category"}, "number", "m").splitlines() if line.startswith("answer ::="))
    assert root == "answer ::= q-m"
    free = next(line for line in dsl_grammar({"a": "category"}, "number").splitlines() if line.startswith("answer ::="))
    assert "q-cm" in free and "q-m" in free
