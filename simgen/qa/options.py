"""Multiple-choice options drawn from the dataset's own answers, in ``simgen-merge``'s second pass.

An option list built around the answer tells the answer: the right number is the one nearest the
family's usual value, the right route the common one. Once the merge knows which records it keeps,
it re-draws the options of every record over numbers or label sequences from the kept answers of
the same family, seeded by the record (same inputs, same bytes):

- numbers (``qa.choices.prior_options``) from questions naming the same things (the same category)
  when they are enough, so that knowing a mug's usual size does not pick the mug-sized option; else
  from the whole family; fewer options rather than none when the prior holds few values;
- label sequences such as a route's turns (``qa.choices.prior_labels``) by their frequency.

:class:`OptionPriors` notes, per candidate record in pass 1, the few numbers needed in compact
arrays; :meth:`OptionPriors.pools` turns them into the pools of the kept records.
"""
from __future__ import annotations

from array import array
from collections import Counter, defaultdict

import numpy as np

from simgen.qa.blind_audit import named_features
from simgen.qa.choices import LETTERS, prior_labels, prior_options
from simgen.seeding import rng, stage_key

MIN_POOL = 1  # options are drawn from a pool of at least this many answers per option


def _get(data, key):
    return data.get(key) if isinstance(data, dict) else getattr(data, key)


def is_numeric_choice(data) -> bool:
    """A multiple-choice record over numbers (a QAItem or a record dict)."""
    return _get(data, "answer_type") == "number" and bool(_get(data, "choices"))


def is_sequence_choice(data) -> bool:
    """A choice among label sequences (e.g. a route's turns): any other sequence is a wrong answer."""
    return (_get(data, "answer_type") == "choice" and isinstance(_get(data, "answer"), (list, tuple))
            and bool(_get(data, "choices")))


def named_key(bindings: dict) -> str:
    """What a question names, as one key (categories, their set, actions)."""
    return "&".join(sorted(named_features(bindings)))


class OptionPriors:
    """Per candidate record: its family, numeric answer and named key, or its label-sequence answer."""

    def __init__(self):
        self.family, self.value, self.named, self.label = array("i"), array("d"), array("i"), array("i")
        self.ids: dict[str, int] = {}  # interned families, named keys and label texts

    def _id(self, text: str) -> int:
        return self.ids.setdefault(text, len(self.ids))

    def add(self, item) -> None:
        """Note one candidate (a QAItem), in the order of the merge's candidates."""
        numeric, sequence = is_numeric_choice(item), is_sequence_choice(item)
        self.family.append(self._id(item.family))
        self.value.append(float(item.answer) if numeric else float("nan"))
        self.named.append(self._id(named_key(item.bindings)) if numeric else -1)
        self.label.append(self._id(item.answer_text) if sequence else -1)

    def pools(self, keep: np.ndarray) -> dict[tuple, object]:
        """The kept answers: numbers per (family, named key) and per (family, None); label counts per
        (family, "labels")."""
        text_of = {i: t for t, i in self.ids.items()}
        family = np.frombuffer(self.family, dtype=np.int32)
        value = np.frombuffer(self.value, dtype=np.float64)
        named = np.frombuffer(self.named, dtype=np.int32)
        label = np.frombuffer(self.label, dtype=np.int32)
        numbers: dict[tuple, list] = defaultdict(list)
        for i in np.flatnonzero(keep & np.isfinite(value)):
            numbers[(text_of[family[i]], None)].append(value[i])
            numbers[(text_of[family[i]], text_of[named[i]])].append(value[i])
        out: dict[tuple, object] = {k: np.array(sorted(v)) for k, v in numbers.items()}
        for i in np.flatnonzero(keep & (label >= 0)):
            out.setdefault((text_of[family[i]], "labels"), Counter())[text_of[label[i]]] += 1
        return out


def redraw_options(data: dict, pools: dict[tuple, object]) -> dict:
    """A record dict with its options drawn from ``pools`` (see the module docstring) and its letter
    updated; other records, and ones no pool can serve, are returned unchanged."""
    numeric, sequence = is_numeric_choice(data), is_sequence_choice(data)
    if not (numeric or sequence):
        return data
    n, text = len(data["choices"]), str(data["answer_text"])
    gen = rng(int(data.get("seed") or 0), 0, stage_key(data["id"]), "merge/options")
    options = None
    if sequence and (data["family"], "labels") in pools:
        options = prior_labels(text, pools[(data["family"], "labels")], n, gen)
    for key in ((data["family"], named_key(data.get("bindings") or {})), (data["family"], None)) if numeric else ():
        if options is None and len(pools.get(key, ())) >= MIN_POOL * n:
            options = prior_options(float(data["answer"]), text, pools[key], n, len(text.partition(".")[2]), gen)
    if options is None:
        return data
    shuffled = [options[int(i)] for i in gen.permutation(len(options))]
    return {**data, "choices": shuffled, "answer_letter": LETTERS[shuffled.index(text)]}
