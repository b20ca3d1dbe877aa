"""Multiple-choice options over numbers and label sequences, drawn from a dataset's own answers.

An option list built around the answer tells the answer: the right number is the one nearest the
family's usual value, the right route the common one. So these options are drawn once the answers
are known, by one mechanism used twice: the ask stage draws them over its shard's answers
(:func:`with_prior_options`), and ``simgen-merge`` re-draws them over the kept answers of the
whole dataset (:class:`OptionPriors` in pass 1, :func:`redraw_options` in pass 2). Per record,
seeded by the record (same inputs, same bytes):

- numbers (``qa.choices.prior_options``) from questions naming the same things (the same category)
  when they are enough, so that knowing a mug's usual size does not pick the mug-sized option; else
  from the whole family; fewer options rather than none when the prior holds few values, and an
  open number when not even two can be offered. Measurements' options differ by at least
  ``MIN_OPTION_RATIO`` (25 %: VSI-Bench's middle MRA threshold, and the balance's answer bucket):
  "0.44 m or 0.39 m" (12 % apart) was judged unanswerable by eye; counts merely differ. A question
  about one object's height or longest side (program ``[to_cm(]height|size(the(x))[)]``) of a
  catalogue category draws only among values an instance of that category could have
  (``qa.option_pools.plausible_range``): the category's range over the asset catalogue at the largest size
  variation, whatever the pool. By eye, a plant's height was offered as "2 cm" beside its 113 cm
  (a book's height from the family's pool): right, but a distractor no one would consider teaches
  the text. The range is the category's, never the answer's. A category with too few answers for a
  pool of its own draws from the family's inside that range, a pool its answers were not drawn from
  (a toy duck's heights are the least there): a grid through the answer's quantile would put it at
  the same end every time, so its rank is chosen first (:class:`RankBalance`: the rank its family
  has had least, among those the range can hold) and the options drawn on either side of it
  (``qa.choices.ranked_options``);
- counts from the family's counts in the answer's band (``qa.option_pools.count_band``: 1–3,
  4–7, 8–15 …), so that every option is near the answer: by eye, 25 books offered with 2 and 4 were
  picked without counting. The grid inside the fixed band keeps the options exchangeable; a band
  with no second count asks the count open;
- label sequences such as a route's turns (``qa.choices.prior_labels``) by their frequency.
"""
from __future__ import annotations

from array import array
from collections import Counter, defaultdict

import numpy as np

from simgen.qa.blind_audit import named_features
from simgen.qa.choices import LETTERS, grid_size, option_chains, prior_labels, prior_options, ranked_options
from simgen.qa.option_pools import count_band, option_ratio, plausible_pool, plausible_range, pool_key
from simgen.qa.records import QAItem, record_field
from simgen.seeding import rng, stage_key


def is_numeric_choice(data, wanted: dict[str, int] | None = None) -> bool:
    """A multiple-choice record over numbers (a QAItem or a record dict): it has options, or its
    family is in ``wanted`` (family -> number of options, for records asked before their options)."""
    return record_field(data, "answer_type") == "number" and (
        bool(record_field(data, "choices")) or record_field(data, "family") in (wanted or {}))


def is_sequence_choice(data) -> bool:
    """A choice among label sequences (e.g. a route's turns): any other sequence is a wrong answer."""
    return (record_field(data, "answer_type") == "choice" and isinstance(record_field(data, "answer"), (list, tuple))
            and bool(record_field(data, "choices")))


def named_key(bindings: dict) -> str:
    """What a question names, as one key (categories, their set, actions)."""
    return "&".join(sorted(named_features(bindings)))


class OptionPriors:
    """Per candidate record: its family, numeric answer and named key, or its label-sequence answer;
    per family the number of options its numeric questions want (``wanted``: the merge passes what
    the shards' ask stats say, ``families.<f>.options``; grown by the most any record of the family
    has), so a number the ask stage left open for want of a shard-wide prior gets its options from
    the dataset's."""

    def __init__(self, wanted: dict[str, int] | None = None):
        self.family, self.value, self.named, self.label = array("i"), array("d"), array("i"), array("i")
        self.span = array("i")  # per record: its plausible range's index in ``spans`` (−1: none)
        self.spans: dict[tuple | None, int] = {}
        self.ids: dict[str, int] = {}  # interned families, named keys and label texts
        self.wanted = dict(wanted or {})
        self.ratio: dict[str, float] = {}  # family -> the least ratio between its options

    def _id(self, text: str) -> int:
        return self.ids.setdefault(text, len(self.ids))

    def add(self, item) -> None:
        """Note one candidate (a QAItem), in the order of the candidates."""
        number, sequence = item.answer_type == "number", is_sequence_choice(item)
        if number and item.choices:
            self.wanted[item.family] = max(self.wanted.get(item.family, 0), len(item.choices))
        if number:
            self.ratio[item.family] = option_ratio(item.unit)
        self.family.append(self._id(item.family))
        self.value.append(float(item.answer) if number else float("nan"))
        self.named.append(self._id(named_key(item.bindings)) if number else -1)
        self.label.append(self._id(item.answer_text) if sequence else -1)
        span = plausible_range(item) if number and item.family in self.wanted else None
        self.span.append(self.spans.setdefault(span, len(self.spans)) if span else -1)

    def pools(self, keep: np.ndarray) -> dict[tuple, object]:
        """The kept answers: numbers per (family, named key) and per (family, None) of the families
        that want options; label counts per (family, "labels")."""
        text_of = {i: t for t, i in self.ids.items()}
        family = np.frombuffer(self.family, dtype=np.int32)
        value = np.frombuffer(self.value, dtype=np.float64)
        named = np.frombuffer(self.named, dtype=np.int32)
        label = np.frombuffer(self.label, dtype=np.int32)
        numbers: dict[tuple, list] = defaultdict(list)
        for i in np.flatnonzero(keep & np.isfinite(value)):
            if text_of[family[i]] in self.wanted:
                numbers[(text_of[family[i]], None)].append(value[i])
                numbers[(text_of[family[i]], text_of[named[i]])].append(value[i])
        out: dict[tuple, object] = {k: np.array(sorted(v)) for k, v in numbers.items()}
        for i in np.flatnonzero(keep & (label >= 0)):
            out.setdefault((text_of[family[i]], "labels"), Counter())[text_of[label[i]]] += 1
        return out

    def servable(self, candidates: np.ndarray) -> np.ndarray:
        """Per record: False for a measurement of a family that wants options whose prior (the pool
        :func:`redraw_options` would draw from, over the ``candidates``' answers) cannot offer two
        options told apart — e.g. every mug 9–12 cm tall: no exchangeable option set separates two
        values there, and asked open the mug's usual size answers it (MRA 0.75 blind)."""
        pools, text_of = self.pools(candidates), {i: t for t, i in self.ids.items()}
        family, named = np.frombuffer(self.family, dtype=np.int32), np.frombuffer(self.named, dtype=np.int32)
        value, span_id = np.frombuffer(self.value, dtype=np.float64), np.frombuffer(self.span, dtype=np.int32)
        span_of = {i: s for s, i in self.spans.items()}
        out, sizes = np.ones(len(family), dtype=bool), {}
        for i in np.flatnonzero(candidates & np.isfinite(value)):
            fam = text_of[family[i]]
            if fam not in self.wanted or self.ratio[fam] <= 1.0:  # a count's options merely differ: a
                continue  # lumpy prior (half the answers 1) asks it open, balanced like any number
            key = pool_key(fam, text_of[named[i]], pools, self.wanted[fam])
            if key is not None:
                span = span_of.get(int(span_id[i]))
                span = span if span is not None and span[0] <= value[i] <= span[1] else None
                if (key, span) not in sizes:
                    pool = plausible_pool(pools[key], span, value[i])
                    sizes[(key, span)] = grid_size(pool[pool > 0], self.wanted[fam], self.ratio[fam])
                out[i] = sizes[(key, span)] >= 2
        return out


class RankBalance:
    """Per (family, number of options): how often the answer has been each rank (0: the least) among
    its numeric options, so that an answer whose rank is chosen (a category's few answers among the
    family's, :func:`redraw_options`) takes the one its family has had least: over a family the
    ranks stay level, exactly where the circular grid levels them only on average. Deterministic:
    ranks follow the order records are given in (ties: the record's generator)."""

    def __init__(self):
        self.counts: dict[tuple, Counter] = defaultdict(Counter)

    def pick(self, key: tuple, ranks: range, gen: np.random.Generator) -> int:
        least = min(self.counts[key][r] for r in ranks)
        fewest = [r for r in ranks if self.counts[key][r] == least]
        return fewest[int(gen.integers(len(fewest)))]

    def note(self, key: tuple, options: list[str], text: str) -> None:
        self.counts[key][sorted(options, key=float).index(text)] += 1


def _ranked(answer: float, text: str, pool: np.ndarray, n: int, decimals: int, gen: np.random.Generator,
            ratio: float, family: str, ranks: RankBalance) -> list[str] | None:
    """Options with the answer at the rank ``ranks`` picks among those ``pool`` can hold around it."""
    pool = np.sort(pool[pool > 0])
    if answer not in pool:
        pool = np.sort(np.append(pool, answer))
    below, above = option_chains(pool, answer, ratio)
    k = min(grid_size(pool, n, ratio), below + above + 1)
    if k < 2:
        return None
    rank = ranks.pick((family, k), range(max(0, k - 1 - above), min(k - 1, below) + 1), gen)
    return ranked_options(answer, text, pool, k, rank, decimals, gen, ratio)


def redraw_options(data: dict, pools: dict[tuple, object], n: int | None = None,
                   ranks: RankBalance | None = None) -> dict:
    """A record dict with ``n`` options (default: as many as it has) drawn from ``pools`` (see the
    module docstring) and its letter updated. A number that no pool can serve becomes an open number
    (no options: never a grid that would tell the answer); other records are returned unchanged.
    ``ranks``: the answers' ranks so far, over the records before this one (a fresh one: none)."""
    numeric, sequence = is_numeric_choice(data, {data["family"]: n} if n else None), is_sequence_choice(data)
    if not (numeric or sequence):
        return data
    n, text = n or len(data["choices"]), str(data["answer_text"])
    gen = rng(int(data.get("seed") or 0), 0, stage_key(data["id"]), "merge/options")
    options = None
    if sequence and (data["family"], "labels") in pools:
        options = prior_labels(text, pools[(data["family"], "labels")], n, gen)
    key = pool_key(data["family"], named_key(data.get("bindings") or {}), pools, n) if numeric else None
    if key is not None:  # a mug's heights too close to tell apart never fall back to every object's
        answer, band, decimals = float(data["answer"]), count_band(data), len(text.partition(".")[2])
        span = band or plausible_range(data)
        pool, ratio, ranks = plausible_pool(pools[key], span, answer), option_ratio(data.get("unit")), ranks or RankBalance()
        if band is None and key[1] is None and span is not None and span[0] <= answer <= span[1]:
            options = _ranked(answer, text, pool, n, decimals, gen, ratio, key[0], ranks)
        else:
            options = prior_options(answer, text, pool, n, decimals, gen, ratio)
        if options is not None:
            ranks.note((key[0], len(options)), options, text)
    if options is None:
        return {**data, "choices": [], "answer_letter": None} if numeric else data
    shuffled = [options[int(i)] for i in gen.permutation(len(options))]
    return {**data, "choices": shuffled, "answer_letter": LETTERS[shuffled.index(text)]}


class AnswerPositions:
    """Puts each multiple-choice answer at the next position of its family's cycle (per number of
    options): over a family the right letter is then as often A as B, C or D, exactly. An
    independent shuffle per record leaves chance imbalances (22 of 63 at B) that a text model
    learns from the letter alone and that a held-out fold shares. The other options keep their
    (shuffled) order. Deterministic: positions follow the order records are given in."""

    def __init__(self):
        self.next: Counter = Counter()

    def place(self, data: dict) -> dict:
        """A record dict with its answer moved to its family's next position (no options: unchanged)."""
        choices, text = list(data.get("choices") or ()), str(data["answer_text"])
        if len(choices) < 2 or text not in choices:
            return data
        key = (data["family"], len(choices))
        position = self.next[key] % len(choices)
        self.next[key] += 1
        others = [c for c in choices if c != text]
        placed = others[:position] + [text] + others[position:]
        return {**data, "choices": placed, "answer_letter": LETTERS[position]}


def with_prior_options(items: list, wanted: dict[str, int]) -> list:
    """The ask stage's options: every numeric record of a ``wanted`` family (family -> number of
    options) and every label-sequence record gets options drawn over the answers of ``items`` (one
    shard), by the merge's own :func:`redraw_options`. QAItems in, QAItems out, in order."""
    priors = OptionPriors(wanted)
    for item in items:
        priors.add(item)
    pools, ranks = priors.pools(np.ones(len(items), dtype=bool)), RankBalance()
    out = []
    for item in items:
        n = wanted.get(item.family) if item.answer_type == "number" else None
        if not (n or is_sequence_choice(item)):
            out.append(item)
            continue
        data = redraw_options(item.to_dict(), pools, n, ranks)
        out.append(QAItem.from_dict({**data, "choices": tuple(data["choices"])}))
    return out
