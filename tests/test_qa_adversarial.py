"""Adversarial programs are rejected by the parser with a clear reason and never reach execution."""
import builtins
import dataclasses

import pytest
from qa_fixtures import living_room

from simgen.qa import executor
from simgen.qa.dsl import FUNCTIONS, parse_program
from simgen.qa.program import DSLError
from simgen.qa.scene_view import SceneView

SLOTS = {"a": "object", "b": "object"}
DEEP_NOT = "not " * 30 + "True"
DEEP_NEG = "-(" * 30 + "m(1)" + ")" * 30
DEEP_CALLS = "exclude(" * 25 + "objects()" + ", a)" * 25  # well typed, but too deep

CORPUS = [
    # code execution and escapes
    ("import os", "disallowed_syntax"),
    ("from os import system", "disallowed_syntax"),
    ("__import__('os').system('ls')", "disallowed_syntax"),
    ("__import__('os')", "bad_name"),
    ("open('/etc/passwd')", "unknown_function"),
    ("eval('1+1')", "unknown_function"),
    ("exec('x = 1')", "unknown_function"),
    ("globals()", "unknown_function"),
    ("getattr(a, 'name')", "unknown_function"),
    ("print('hi')", "unknown_function"),
    ("breakpoint()", "unknown_function"),
    # attributes, subscripts, dunder names
    ("objects().__class__", "disallowed_syntax"),
    ("a.name", "disallowed_syntax"),
    ("objects()[0]", "disallowed_syntax"),
    ("__builtins__", "bad_name"),
    ("_private", "bad_name"),
    ("Size(a)", "bad_name"),
    ("a" * 50, "bad_name"),
    # other Python constructs
    ("[x for x in objects()]", "disallowed_syntax"),
    ("(lambda: 1)()", "disallowed_syntax"),
    ("f'{a}'", "disallowed_syntax"),
    ("size(*objects())", "disallowed_syntax"),
    ("size(**{'obj': a})", "disallowed_syntax"),
    ("size(a) if True else size(b)", "disallowed_syntax"),
    ("(x := 1)", "disallowed_syntax"),
    ("{1, 2}", "disallowed_syntax"),
    ("(1, 2)", "disallowed_syntax"),
    ("yield 1", "disallowed_syntax"),
    ("await a", "disallowed_syntax"),
    ("class A: pass", "disallowed_syntax"),
    ("while True: pass", "disallowed_syntax"),
    ("for i in objects(): pass", "disallowed_syntax"),
    ("del a", "disallowed_syntax"),
    ("assert False", "disallowed_syntax"),
    ("raise SystemExit", "disallowed_syntax"),
    ("global a", "disallowed_syntax"),
    ("try:\n    1\nexcept Exception:\n    1", "disallowed_syntax"),
    ("with a as b:\n    1", "disallowed_syntax"),
    ("1 @ 2", "disallowed_syntax"),
    ("1 << 2", "disallowed_syntax"),
    ("~1", "disallowed_syntax"),
    ("a in objects()", "disallowed_syntax"),
    ("a is b", "disallowed_syntax"),
    ("a == b == a", "disallowed_syntax"),
    # recursion: functions cannot be defined; names cannot refer to themselves or to later names
    ("def f():\n    return f()\nf()", "disallowed_syntax"),
    ("async def f():\n    pass", "disallowed_syntax"),
    ("x = count(x)\nx", "self_reference"),
    ("x = y\ny = x\nx", "unknown_name"),
    # huge literals and cost bombs
    ("10 ** 10 ** 10", "disallowed_syntax"),
    ("1e400", "bad_literal"),
    ("99999999999999999999", "bad_literal"),
    ("9" * 500, "bad_literal"),  # too big for a float: must not overflow in the range check
    ("'" + "a" * 100 + "'", "bad_literal"),
    ("[" + ", ".join(["'a'"] * 40) + "]", "bad_literal"),
    ("'a' * 100000", "type_error"),
    ("b'bytes'", "bad_literal"),
    ("None", "bad_literal"),
    ("...", "bad_literal"),
    ("1j", "bad_literal"),
    ("the('\\u0441hair')", "bad_literal"),
    ("the('sofa\\x00')", "bad_literal"),
    # deep nesting and size
    (DEEP_NOT, "too_deep"),
    (DEEP_NEG, "too_deep"),
    (DEEP_CALLS, "too_deep"),
    (" + ".join(["m(1)"] * 150), "too_deep"),  # a left-associated chain is a deep tree
    ("[" + ", ".join(["a"] * 200) + "]", "too_many_nodes"),
    ("1 + " * 1000 + "1", "too_long"),
    ("\n".join(f"x{i} = the('sofa')" for i in range(20)) + "\nsize(x0)", "too_many_nodes"),
    # confusable / non-ASCII identifiers
    ("\u0455ize(a)", "non_ascii"),  # Cyrillic dze looks like s
    ("\uff53\uff49\uff5a\uff45(a)", "non_ascii"),  # full-width "size"
    ("size(a)\u200b", "non_ascii"),  # zero-width space
    # bad arguments
    ("the('sofa', __class__=1)", "bad_argument"),
    ("size(a, obj=a)", "bad_argument"),
    ("size(a)\x00", "syntax"),
    ("size(a", "syntax"),
]


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 40


@pytest.fixture
def nothing_runs(monkeypatch):
    """Make any execution step, any DSL function body and eval/exec fail loudly if reached."""
    calls = []

    def trap(*args, **kwargs):
        calls.append(args)
        raise AssertionError("execution reached")

    monkeypatch.setattr(executor._Run, "eval", trap)
    monkeypatch.setattr(executor._Run, "__init__", trap)
    for name, sig in list(FUNCTIONS.items()):
        monkeypatch.setitem(FUNCTIONS, name, dataclasses.replace(sig, impl=trap))
    monkeypatch.setattr(builtins, "eval", trap)
    monkeypatch.setattr(builtins, "exec", trap)
    return calls


VIEW = SceneView.from_episode(living_room())


@pytest.mark.parametrize("text, reason", CORPUS, ids=[f"{i:02d}" for i in range(len(CORPUS))])
def test_adversarial_program_is_rejected_before_execution(text, reason, nothing_runs):
    with pytest.raises(DSLError) as e:
        program = parse_program(text, SLOTS)
        executor.execute(program, VIEW, {"a": "sofa_1", "b": "table_1"})  # only reached if parsing wrongly succeeds
    assert e.value.reason == reason, e.value
    assert e.value.detail  # a human-readable explanation
    assert nothing_runs == []
