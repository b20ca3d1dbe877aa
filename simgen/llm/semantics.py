"""Semantic checks: a program is kept only if its answers behave the way its question says.

Parsing, type checking and agreement prove that a program runs and that candidates agree; they do
not prove it answers the question ("which object is farthest from the chair?" → "chair"). These
checks run every candidate — and every hand-written family (tests/test_llm_semantics.py) — on the
probe cases and reject, with a reason and (where a case shows it) the failing probe case:

- ``answers_referent``: the answer is an object (or category) the question already names, where
  the question asks for another one (a choice among a slot's own categories may name them);
- ``opposite_extreme``: the question's words ask for the larger, later, farther … one
  (``simgen.llm.cues.asked_extreme``) and the program picks with argmin, or the reverse ("which is
  seen for the first time later" kept as ``argmin(..., key=first_seen_of)``);
- ``reference_mismatch``: a hand-written family asking the same thing (``reference_family``, or
  one with the same template) answers otherwise on a probe case;
- ``slot_without_effect``: rebinding a slot to another value changes no answer (a frame slot that
  is where an actions slot starts follows that slot and is not rebound alone);
- ``scene_independent``: no metamorphic edit of the scenes (``simgen.llm.metamorphic``: move,
  lift, resize, add, remove, room, camera, motion) changes any answer;
- ``insensitive_<cue>``: the question's words say which edits must matter (a count follows added or
  removed objects, a distance a moved one, a size a resized one, a room's size its walls), and
  none of those changes an answer;
- ``height_changed_by_move``: a question only about heights (tall, high, top, height — no "above",
  "on top of", distance, count or room words) must keep its answer when a referent is moved
  sideways; a program that reads where objects stand answers another question ("is the top of the
  {a} higher …" compiled as ``above(...) and top(...) > top(...)`` turns "no" when the {a} is slid
  off the {b} it rests on: the probe cases name stacked pairs, ``Probe.cases``);
- ``constant_on_natural_probes``: a yes/no answer is the same on every case of the unedited probe
  scenes (the drawn cases and up to ``NATURAL_DRAWS`` more bindings per scene). An edit may be what
  makes it flip ("is the {a} standing on the floor?" compiled as ``bottom(the(a)) > m(1.2)`` is
  "no" unless an object is lifted), but a question asked of real rooms must be able to answer both
  ways there; the probe rooms hold stacked objects (``simgen.llm.probes``) so that "above" and
  "on top of" can.

Edited scenes and alternative bindings are drawn once per question (``Question.cache``), from
generators derived from the probe seed, so every candidate faces the same cases.
"""
from __future__ import annotations

import re

from simgen.llm.cues import asked_extreme, expected_edits, height_only
from simgen.llm.judge import Failed, Rejection, describe_case, normalize
from simgen.llm.metamorphic import edits
from simgen.llm.probes import named_categories
from simgen.qa.executor import execute
from simgen.qa.sampling import SamplingError, sample_bindings
from simgen.qa.scene_view import SceneView
from simgen.seeding import rng

__all__ = ["CHECKS", "check_semantics"]

CHECKS = ("answers_referent", "opposite_extreme", "reference_mismatch", "scene_independent", "insensitive_<cue>",
          "height_changed_by_move", "constant_on_natural_probes", "slot_without_effect")

ALTERNATIVES = 3  # alternative draws per slot and case
NATURAL_DRAWS = 40  # extra bindings per unedited probe scene a constant yes/no answer is tried on


def check_semantics(probe, question, family, outcomes: list, reference=None) -> None:
    """Raise Rejection if ``family``'s ``outcomes`` on ``question.cases`` contradict its question."""
    cases = question.cases
    _referents(probe, family, cases, outcomes)
    _extreme(family)
    if reference is not None:
        _reference(probe, family, reference, cases, outcomes)
    _scene(probe, question, family, cases, outcomes)
    _height_only(probe, question, family, cases, outcomes)
    _both_answers(probe, question, family, cases, outcomes)
    _slots(probe, question, family, cases, outcomes)


def _run(family, view: SceneView, bindings: dict):
    """A normalized outcome, or None where the program cannot answer (any failure)."""
    try:
        execution = execute(family.parsed, view, bindings)
    except Exception:  # an edited scene may break what a case relied on; that proves nothing either way
        return None
    return normalize(view, execution.value, execution.unit)


def _named(family, bindings: dict) -> dict[str, str]:
    """Category -> the slot that names it (category and categories slots)."""
    named = {}
    for slot in family.slots:
        value = bindings.get(slot.name)
        for category in ([value] if isinstance(value, str) else value or []) if slot.type in ("category", "categories") else []:
            named[category] = slot.name
    return named


def _referents(probe, family, cases, outcomes) -> None:
    allowed = set(family.answer.choice_slots or ())
    if family.answer.type not in ("object", "choice") or family.parsed.result_type.kind not in ("Obj", "Category"):
        return
    for case, outcome in zip(cases, outcomes):
        if isinstance(outcome, Failed):
            continue
        view = probe.views[case.scene]
        value = outcome[0]
        category = str(view.category[view.row_of_name(value)]) if value in view.names else value
        slot = _named(family, case.bindings).get(category)
        if slot is not None and slot not in allowed:
            raise Rejection("answers_referent", f"the answer is the {category} that slot {slot!r} names, which the question "
                                                f"already mentions; on {describe_case(view, case.bindings, value)}")


def _extreme(family) -> None:
    """A question asking for the larger / later / farther one is not answered by an argmin (nor the reverse)."""
    asked = asked_extreme(family.templates[0])
    picks = {n.fn.name for n in family.parsed.nodes if n.op == "call" and n.fn is not None and n.fn.name in ("argmax", "argmin")}
    if asked and len(picks) == 1 and picks != {asked[0]}:
        raise Rejection("opposite_extreme", f"the question asks for the {asked[1]!r} one, so it picks with {asked[0]}, "
                                            f"but the program uses {picks.pop()}")


def _reference(probe, family, reference, cases, outcomes) -> None:
    mapping = dict(zip(_slot_order(reference), _slot_order(family)))
    for case, outcome in zip(cases, outcomes):
        if isinstance(outcome, Failed):
            continue
        view = probe.views[case.scene]
        expected = _run(reference, view, {r: case.bindings[f] for r, f in mapping.items() if f in case.bindings})
        if expected is not None and _in_cm(expected) != _in_cm(outcome):
            raise Rejection("reference_mismatch", f"the hand-written family {reference.family} answers {expected[0]!r} "
                                                  f"{expected[1] or ''} ({reference.program.strip()}); on "
                                                  f"{describe_case(view, case.bindings, outcome[0])}")


def _in_cm(outcome: tuple) -> tuple:
    """A length outcome in centimetres (a family may ask in m or cm: the same length is the same answer)."""
    value, unit = outcome
    return (float(f"{value * 100:.6g}"), "cm") if unit == "m" and isinstance(value, float) else outcome


def _slot_order(family) -> list[str]:
    """Slot names in the order the first template mentions them, then the rest."""
    order = [m for m in re.findall(r"\{([a-z_0-9]+)\}", family.templates[0])]
    names = [s.name for s in family.slots]
    seen = [n for n in dict.fromkeys(re.sub(r"_\d+$", "", m) for m in order) if n in names]
    return seen + [n for n in names if n not in seen]


def _slots(probe, question, family, cases, outcomes) -> None:
    """Each slot must change some answer when rebound: on the probe scenes or, where those cannot
    show it (a frame slot on a still camera, "above" among objects all on the floor), on their edits."""
    for slot in family.slots:
        if getattr(slot, "start_of", None):  # its value follows another slot's (where that slot's actions start)
            continue
        key = ("alternatives", slot.name)
        if key not in question.cache:
            question.cache[key] = _alternatives(probe, family, cases, slot.name)
        alternatives = question.cache[key]
        if any(not isinstance(outcomes[i], Failed) and _run(family, probe.views[cases[i].scene], b) not in (None, outcomes[i])
               for i, b in alternatives):
            continue
        if any(_differ(_run(family, view, cases[i].bindings), _run(family, view, b))
               for i, b in alternatives for _, view in _edited(probe, question, family, i)):
            continue
        raise Rejection("slot_without_effect", f"rebinding slot {slot.name!r} to other values changes no answer "
                                               f"({len(alternatives)} tries): the answer must depend on each slot")


def _differ(a, b) -> bool:
    return a is not None and b is not None and a != b


def _alternatives(probe, family, cases, name: str) -> list[tuple[int, dict]]:
    """(case index, bindings with only ``name`` rebound) for a few other values of that slot."""
    out = []
    for i, case in enumerate(cases):
        gen = rng(probe.seed, 1, i, f"llm/alternatives/{family.family}/{name}")
        others = named_categories({k: v for k, v in case.bindings.items() if k != name})
        for _ in range(ALTERNATIVES):
            try:
                value = sample_bindings(family, probe.views[case.scene], gen).get(name)
            except SamplingError:
                break
            if value is None or value == case.bindings[name] or named_categories({name: value}) & others:
                continue
            out.append((i, {**case.bindings, name: value}))
    return out


def _scene(probe, question, family, cases, outcomes) -> None:
    cues = expected_edits(family.templates[0])
    changed: set[str] = set()
    for i, (case, outcome) in enumerate(zip(cases, outcomes)):
        if isinstance(outcome, Failed):
            continue
        for edit, view in _edited(probe, question, family, i):
            if edit.kind not in changed and _differ(outcome, _run(family, view, case.bindings)):
                changed.add(edit.kind)
        if changed and all(changed & set(kinds) for kinds in cues.values()):
            return  # every expectation met: the remaining cases need not be edited
    if not changed:
        raise Rejection("scene_independent", "no edit of the probe scenes (moving, lifting, resizing, adding or removing "
                                             "objects, moving walls or the camera) changes any answer: the answer must "
                                             f"depend on the scene; e.g. on {describe_case(probe.views[cases[0].scene], cases[0].bindings)}")
    for cue, kinds in cues.items():
        if not changed & set(kinds):
            raise Rejection(f"insensitive_{cue}", f"the question is about {cue}, but {' / '.join(kinds)} edits of the probe "
                                                  f"scenes change no answer (only {sorted(changed)} do)")


def _height_only(probe, question, family, cases, outcomes) -> None:
    """A question about heights alone keeps its answer when a referent is moved sideways."""
    if not height_only(family.templates[0]):
        return
    for i, (case, outcome) in enumerate(zip(cases, outcomes)):
        if isinstance(outcome, Failed):
            continue
        view = probe.views[case.scene]
        for edit, moved in _edited(probe, question, family, i):
            if edit.kind != "move" or edit.subject is None:
                continue
            after = _run(family, moved, case.bindings)
            if after is not None and _by_category(moved, after) != _by_category(view, outcome):
                raise Rejection("height_changed_by_move", f"the question is about heights alone, but after an edit that "
                                                          f"{edit.what} (its height unchanged) the answer is {_shown(after[0])} "
                                                          f"instead of {_shown(outcome[0])}: the program reads where objects stand; "
                                                          f"on {describe_case(view, case.bindings, outcome[0])}")


def _shown(value) -> str:
    return {True: "yes", False: "no"}.get(value, repr(value)) if isinstance(value, bool) else repr(value)


def _by_category(view: SceneView, outcome: tuple) -> tuple:
    """An outcome with every object name replaced by its category (moving one of two twins out of
    view may change how the other is named, never which category it is)."""
    def plain(v):
        if isinstance(v, str) and v in view.names:
            return str(view.category[view.row_of_name(v)])
        return tuple(plain(x) for x in v) if isinstance(v, (list, tuple)) else v
    return (plain(outcome[0]), outcome[1])


def _both_answers(probe, question, family, cases, outcomes) -> None:
    """A yes/no program must say yes on some unedited probe case and no on another."""
    if family.answer.type != "yes_no":
        return
    seen = {o[0] for o in outcomes if not isinstance(o, Failed)}
    if len(seen) > 1:
        return
    if "natural" not in question.cache:
        question.cache["natural"] = _natural_bindings(probe, family, cases)
    for scene, bindings in question.cache["natural"]:
        answer = _run(family, probe.views[scene], bindings)
        if answer is not None:
            seen.add(answer[0])
            if len(seen) > 1:
                return
    tried = len(cases) + len(question.cache["natural"])
    answer = "/".join(_shown(v) for v in sorted(seen, key=str)) or "nothing"
    raise Rejection("constant_on_natural_probes", f"the answer is {answer} on all {tried} cases of the unedited probe scenes: "
                                                  f"a yes/no question must be able to answer both ways in a real room (only "
                                                  f"an edit such as putting one object on another changed it); e.g. on "
                                                  f"{describe_case(probe.views[cases[0].scene], cases[0].bindings)}")


def _natural_bindings(probe, family, cases) -> list[tuple[int, dict]]:
    """(scene, bindings) drawn anew on every unedited probe scene, other than the cases."""
    known = {(c.scene, repr(sorted(c.bindings.items()))) for c in cases}
    out = []
    for scene, view in enumerate(probe.views):
        gen = rng(probe.seed, 3, scene, f"llm/natural/{family.family}")
        for _ in range(NATURAL_DRAWS):
            try:
                bindings = sample_bindings(family, view, gen)
            except SamplingError:
                break
            key = (scene, repr(sorted(bindings.items())))
            if key not in known:
                known.add(key)
                out.append((scene, bindings))
    return out


def _edited(probe, question, family, index: int):
    """(Edit, SceneView) pairs of case ``index``, built once per question."""
    key = ("edits", index)
    if key not in question.cache:
        case = question.cases[index]
        view = probe.views[case.scene]
        named = _named(family, case.bindings)
        observed = {slot.name: slot.observed for slot in family.slots}
        counted = sorted(c for c, s in named.items() if observed[s] == "any")
        referents = [int(view.ids[r]) for c in named if c not in counted for r in view.observed_rows(c)]
        gen = rng(probe.seed, 2, index, f"llm/edits/{family.family}")
        question.cache[key] = [(e, SceneView.from_episode(e.episode, view.model))
                               for e in edits(probe.episodes[case.scene], referents, counted, gen)]
    return question.cache[key]
