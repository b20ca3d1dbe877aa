"""Slot sampling and template rendering for question families.

Slot values are drawn from the objects the video shows (``view.observed``: seen in ≥ 1 frame) with the family's
seeded generator, in the order the slots are declared:

- ``category``: ``observed: unique`` (exactly one observed instance) or ``any``; ``min_count`` /
  ``max_count`` bound the number of observed instances; ``exclude: [slot, ...]`` keeps it
  different from earlier slots' categories.
- ``categories``: ``count`` distinct categories, with ``observed`` and ``exclude`` as above.
- ``frame``: an episode frame index; ``visible: [slot, ...]`` demands that the (unique) object of
  each category named by those slots is recognisable in that frame (``SceneView.framed``); ``after``
  makes it later than another frame slot's; ``keyframes`` draws it from action boundaries when
  the camera followed actions; ``start_of`` is the frame where an actions slot's run starts.
- ``moving`` (category: true / false; categories: false / one) keeps only objects that moved on
  purpose (a motion event and more than ``MOVED_M``) or that never moved; ``one`` draws one moving
  and ``count − 1`` still categories, in random order. ``visible_in`` demands that a frame slot
  shows the object recognisably.
- ``actions``: ``source: episode`` draws a run of consecutive recorded actions (at most
  ``max_count``; with ``with_move``, one that moves the camera), ``source: options`` one of the
  family's sequences. The value is
  ``[[name, amount], ...]`` with turns in degrees and moves in metres, as the question reads it.

- ``same_room`` / ``other_room`` (a house): the category's object is in an earlier slot's object's
  room / in none of the earlier slots' objects' rooms (``families_house.room_pool``).
- ``room``: a room of a house a viewer can name (``simgen.qa.families_house.sample_room``).

A family whose slots need what an episode lacks (motion events, recorded actions, two frames, a
house or a single room: ``families_house.fits_scene``) is not ``applicable`` to it and is skipped quietly. Bound values are plain (category strings, lists
of them, frame ints, action lists), as the executor expects.
"""
from __future__ import annotations

import string
from typing import Any

import numpy as np

from simgen.qa.binding_preference import color_twins, pick_categories
from simgen.qa.families import Family
from simgen.qa.families_house import fits_scene, room_pool, sample_room
from simgen.qa.slots import SlotSpec
from simgen.qa.functions_motion import CAMERA_MOTION, MOVED_M
from simgen.qa.functions_pose import describe_actions, display_amount


class SamplingError(ValueError):
    """The scene has no valid value for a slot (e.g. no uniquely observed category left).

    ``retry`` is true when another draw may succeed (the failure depends on earlier random picks)."""

    def __init__(self, slot: str, why: str, retry: bool = False):
        super().__init__(f"slot {slot!r}: {why}")
        self.reason = "no_binding"
        self.retry = retry


def moving_rows(view) -> set[int]:
    """Rows of observed objects that moved on purpose: a motion event and more than ``MOVED_M``."""
    furthest = view.max_displacement()
    return {int(r) for r in view.event_rows() if furthest[r] > MOVED_M and view.observed_mask[r]}


def applicable(fam: Family, view) -> bool:
    """Whether the episode has what the family needs: motion events, recorded actions, two frames, a
    camera that travels / turns (for programs about the camera's own motion), a house or a single room."""
    if not fits_scene(fam, view):
        return False
    needs = {CAMERA_MOTION[n.fn.name] for n in fam.parsed.nodes if n.op == "call" and n.fn.name in CAMERA_MOTION}
    if ("travels" in needs and not view.camera_travels()) or ("turns" in needs and not view.camera_turns()):
        return False
    for spec in fam.slots:
        if spec.type == "actions" and spec.source == "episode" and not _runs(spec, view):
            return False
        if spec.moving in (True, "one") and not moving_rows(view):
            return False
        if spec.type == "frame" and spec.after and len(view.frames) < 2:
            return False
    return True


def observed_categories(view) -> dict[str, list[int]]:
    """Observed category → rows of its observed instances (sorted by category)."""
    out: dict[str, list[int]] = {}
    for row in view.observed:
        out.setdefault(str(view.category[row]), []).append(int(row))
    return dict(sorted(out.items()))


def _moved_rows(view) -> frozenset[int]:
    """Rows of objects that moved more than ``MOVED_M`` (any reason), once per view."""
    return view._cached("moved_rows", lambda: frozenset(np.flatnonzero(view.max_displacement() > MOVED_M).tolist()))


def _holding(cats: dict[str, list[int]], rows: frozenset[int], view) -> frozenset[str]:
    """Categories with an observed instance among ``rows``, once per object sets and set of rows."""
    if not rows:
        return frozenset()
    return view._cached_for_sets(("holding", rows), lambda: frozenset(c for c in cats if rows & set(cats[c])))


def _category_pool(spec: SlotSpec, cats: dict[str, list[int]], taken: set[str], avoid: frozenset[int], view) -> tuple[str, ...]:
    """Categories a category(-ies) slot may take: instance counts in bounds, not taken by ``exclude``,
    no instance among the rows to ``avoid`` (once per object sets, counts, taken and avoided: every draw asks).
    ``cats`` is the view's ``observed_categories``."""
    key = ("pool", spec.observed, spec.min_count, spec.max_count, frozenset(taken), avoid)
    return view._cached_for_sets(key, lambda: tuple(_count_pool(spec, cats, taken, avoid)))


def _count_pool(spec: SlotSpec, cats: dict[str, list[int]], taken: set[str], avoid: frozenset[int]) -> list[str]:
    """The categories of :func:`_category_pool`, counted."""
    pool = []
    for cat, rows in cats.items():
        n = len(rows)
        if cat in taken or n < spec.min_count or (spec.max_count is not None and n > spec.max_count):
            continue
        if avoid and not avoid.isdisjoint(rows):
            continue
        if spec.observed == "unique" and n != 1:
            continue
        pool.append(cat)
    return pool


def sample_bindings(fam: Family, view, rng: np.random.Generator, cats: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """Draw one value per slot, in file order, honouring each slot's constraints.

    ``cats`` is ``observed_categories(view)``, passed in when the caller samples many times."""
    cats = observed_categories(view) if cats is None else cats
    bound: dict[str, Any] = {}
    starts: dict[str, int] = {}  # actions slot -> frame where its run starts
    followed = {s.after for s in fam.slots if s.after}  # frame slots another frame must come after
    # a static question about an object that moves is ambiguous (the verifier would reject it)
    static_question = view.dynamic and not fam.parsed.reads_time
    avoid = _moved_rows(view) if static_question else frozenset()
    for spec in fam.slots:
        if spec.type == "frame":
            bound[spec.name] = _frame(spec, view, cats, bound, starts, rng, spec.name in followed)
            continue
        if spec.type == "actions":
            bound[spec.name], starts[spec.name] = _actions(spec, view, rng)
            continue
        if spec.type == "room":
            bound[spec.name] = sample_room(view, rng)
            if bound[spec.name] is None:
                raise SamplingError(spec.name, "the house has no room a viewer can name by its type")
            continue
        taken: set[str] = set()
        for other in spec.exclude:
            taken.update(_as_list(bound[other]))
        pool = _category_pool(spec, cats, taken, avoid, view)
        twins = color_twins(cats, view, taken | _holding(cats, avoid, view), rng) if spec.by_color else None
        if twins:  # two instances of one category, by colour: no category prior can tell them apart
            bound[spec.name] = twins
            continue
        if spec.visible_in is not None:
            row = view.frame_row(bound[spec.visible_in])
            pool = [c for c in pool if view.framed[row, cats[c][0]]]
        if spec.same_room is not None or spec.other_room:
            pool = room_pool(pool, cats, view, cats[bound[spec.same_room]][0] if spec.same_room else None,
                             [cats[bound[o]][0] for o in spec.other_room])
        bound[spec.name] = _pick_categories(spec, pool, cats, view, rng)
    return bound


def _pick_categories(spec: SlotSpec, pool: list[str], cats: dict[str, list[int]], view, rng) -> str | list[str]:
    """One category, or ``count`` distinct ones, from ``pool`` honouring ``moving``."""
    need = spec.count if spec.type == "categories" else 1
    retry = spec.visible_in is not None or spec.same_room is not None or bool(spec.other_room)  # on earlier picks
    if spec.moving is not None:
        moving = moving_rows(view)
        still = {int(r) for r in np.flatnonzero(view.max_displacement() <= MOVED_M)}
        wanted = moving if spec.moving is True else still
        if spec.moving == "one":
            movers = [c for c in pool if cats[c][0] in moving]
            rest = [c for c in pool if cats[c][0] in still]
            if not movers or len(rest) < need - 1:
                raise SamplingError(spec.name, f"needs one moving and {need - 1} still categories", retry)
            picks = [movers[int(rng.integers(len(movers)))]]
            picks += [rest[int(i)] for i in rng.choice(len(rest), need - 1, replace=False)]
            return [picks[int(i)] for i in rng.permutation(need)]  # the mover's place says nothing
        pool = [c for c in pool if cats[c][0] in wanted]
    if len(pool) < need:
        raise SamplingError(spec.name, f"needs {need} observed {spec.observed} categor{'ies' if need > 1 else 'y'}, "
                            f"found {len(pool)}", retry)
    picks = pick_categories(pool, need, cats, view, rng)  # a pair prefers comparable categories (qa/binding_preference.py)
    return picks if spec.type == "categories" else picks[0]


def _frame(spec: SlotSpec, view, cats, bound: dict, starts: dict, rng, followed: bool = False) -> int:
    """A frame for a frame slot: visible objects, after another frame, keyframes or an action run's
    start; a frame that another must follow is never the last one."""
    if spec.start_of is not None:
        frames = [starts[spec.start_of]]
        view.frame_row(frames[0])  # a frame of the episode (KeyError/TypeError otherwise: the family's fault)
    else:
        frames = view.keyframes() if spec.keyframes else view.frames.tolist()
        frames = frames[:-1] if followed else frames
    if spec.after is not None:
        frames = [f for f in frames if f > bound[spec.after]]
    pool = frames
    if spec.visible:
        rows = np.searchsorted(view.frames, frames)  # every candidate is one of the view's (increasing) frames
        mask = np.ones(len(rows), dtype=bool)
        for other in spec.visible:
            for cat in _as_list(bound[other]):
                mask &= view.framed[rows, cats[cat][0]]
        pool = np.asarray(frames, dtype=np.int64)[mask].tolist()
    if not pool:
        # the pool depends on earlier random picks: of frames (after/start_of) or of the categories it
        # must show (another draw of them may be seen clearly together)
        raise SamplingError(spec.name, f"no frame shows {[bound[o] for o in spec.visible]}",
                            retry=spec.after is not None or spec.start_of is not None or bool(spec.visible))
    return pool[int(rng.integers(len(pool)))]


def _actions(spec: SlotSpec, view, rng) -> tuple[list[list], int | None]:
    """An actions value ``[[name, amount], ...]`` and the frame where it starts (None for options)."""
    if spec.source == "options":
        choice = spec.options[int(rng.integers(len(spec.options)))]
        return [[name, amount] for name, amount in choice], None
    runs = _runs(spec, view)
    if not runs:
        raise SamplingError(spec.name, "the episode has no run of recorded actions that fits")
    run = runs[int(rng.integers(len(runs)))]
    return [[a.action, display_amount(a.action, a.amount)] for a in run], int(run[0].start_frame)


def _runs(spec: SlotSpec, view) -> list[tuple]:
    """Runs of 1..``max_count`` consecutive recorded actions that start at a frame the episode has
    (and include a move, with ``with_move``)."""
    actions, frames = view.actions, set(view.frames.tolist())
    runs = [actions[i:i + n] for i in range(len(actions)) for n in range(1, min(spec.max_count, len(actions) - i) + 1)]
    return [r for r in runs if int(r[0].start_frame) in frames
            and (not spec.with_move or any(a.action in ("move_ahead", "move_back") for a in r))]


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _is_actions(value: Any) -> bool:
    """An actions value is a list of [name, amount] pairs (categories are lists of strings)."""
    return isinstance(value, list) and bool(value) and isinstance(value[0], (list, tuple))


def template_fields(bindings: dict[str, Any]) -> dict[str, str]:
    """Text of every template field: each slot (categories joined by ", ", frames as numbers, actions
    in words) and, for a categories slot ``x``, each element as ``x_0``, ``x_1``, ..."""
    out = {}
    for name, value in bindings.items():
        if _is_actions(value):
            out[name] = describe_actions(value)
        elif isinstance(value, list):
            out[name] = ", ".join(str(v) for v in value)
            out.update({f"{name}_{i}": str(v) for i, v in enumerate(value)})
        else:
            out[name] = str(value)
    return out


def render_question(fam: Family, bindings: dict[str, Any], rng: np.random.Generator,
                    fps: float | None = None) -> tuple[int, str]:
    """Pick a paraphrase with ``rng`` and fill it; returns (template index, question text).

    With the video's ``fps``, a frame slot ``f`` also fills ``{f_s}``: its time in seconds, which a
    viewer of the video can find (a frame number cannot be pinned to a picture)."""
    index = int(rng.integers(len(fam.templates)))
    text = fam.templates[index]
    fields = template_fields(bindings)
    if fps:
        fields.update({f"{s.name}_s": f"{int(bindings[s.name]) / fps:.1f}" for s in fam.slots if s.type == "frame"})
    out = []
    for literal, name, _, _ in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(fields[name])
    return index, "".join(out)


def binding_key(fam: Family, bindings: dict[str, Any]) -> tuple:
    """What makes two bindings the same question: unordered categories slots compare as sets, so
    "the box or the table" and "the table or the box" are one question asked twice."""
    key = []
    for spec in fam.slots:
        value = bindings[spec.name]
        if spec.type == "actions":
            value = tuple(tuple(a) for a in value)
        elif isinstance(value, list):
            value = tuple(value) if spec.ordered else tuple(sorted(value))
        key.append((spec.name, value))
    return tuple(key)
