"""The blind (text-only) audit: how well a reader of the question alone, without the image, answers.

Per family, records are split into folds **by episode** (no test episode's record is ever trained
on) and every predictor below is scored on the held-out folds. The number that counts is the best
of them, reported beside chance with the metric named:

- ``learned``: a linear text model fit on the training folds. For closed answer sets (options,
  yes/no) a conditional logit over the options, on the question's words, the categories and
  actions it names (and their set), crossed with each option's text, or for numeric options with
  its rank among the options, its log magnitude and whether it is the longest; plus the option's
  position. For open numbers, ridge regression of log(answer) on the same question features.
- prior rules: ``majority`` (the family's most common answer), ``majority_per_category`` (votes of
  each named category's answers), ``majority_per_named`` (the most common answer for the same
  named set — category pair, action sequence); for numeric options ``nearest_median`` (the option
  nearest the training answers' median), ``middle_low`` / ``middle_high`` and ``longest_option``;
  for open numbers ``family_median`` (which is also chance) and ``named_median``.

Metric: accuracy for closed sets (chance: the mean of 1 / number of options), VSI-Bench MRA for
open numbers (chance: MRA of the training median, a constant answer). A predictor that ties among
options (a category never seen in training, options of equal length) scores its expected accuracy
under a uniform tie-break, 1 / ties when the answer is among them: the same mean as picking one at
random, without the noise of the pick (which, over eight predictors, lifted the best above chance). ``blind_audit`` is called by
the ask stage per shard and, on a bounded deterministic sample per family, by ``simgen-merge``.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from simgen.metrics import mra as exact_mra  # the project's one MRA (exact thresholds)

_WORD = re.compile(r"[a-z]+")
mra = lru_cache(maxsize=65536)(exact_mra)  # constant predictors meet the same (prediction, truth) pairs often
_ITERATIONS, _LR, _L2 = 60, 0.2, 1e-3  # conditional logit: Adam steps, step size, L2 on mean log-loss
_RIDGE = 1.0  # ridge penalty of the open-number model (features are 0/1)
MIN_AUDIT_EPISODES = 2


@dataclass(frozen=True)
class AuditItem:
    """What a text-only reader sees of a record (question, options, what it names) and its answer."""

    id: str
    family: str
    episode_id: str
    question: str
    answer: object
    answer_text: str
    answer_type: str
    choices: tuple
    named: tuple  # features of the slot bindings: "cat:<c>", "set:<a|b>", "act:<seq>", "turn:<sign>"

    @classmethod
    def of(cls, rec) -> "AuditItem":
        """From a QAItem or a record's JSON dict."""
        get = rec.get if isinstance(rec, dict) else lambda k: getattr(rec, k)
        return cls(get("id"), get("family"), get("episode_id"), get("question"), get("answer"), str(get("answer_text")),
                   get("answer_type"), tuple(get("choices") or ()), named_features(get("bindings") or {}))


def named_features(bindings: dict) -> tuple[str, ...]:
    """What the question names, from its slot bindings: categories, their set, actions and net turn."""
    out = []
    for name in sorted(bindings):
        value = bindings[name]
        if isinstance(value, str):
            out.append(f"cat:{value}")
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
            out += [f"cat:{v}" for v in value] + [f"set:{'|'.join(sorted(value))}"]
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, (list, tuple)) for v in value):
            out.append("act:" + " ".join(f"{a}:{amount}" for a, amount in value))
            turn = sum(float(amount) * {"turn_left": 1, "turn_right": -1}.get(a, 0) for a, amount in value)
            out.append(f"turn:{int(np.sign(round(turn, 6)))}")
    return tuple(out)


def named_key(item: AuditItem) -> str:
    """The whole named set as one key (the cell a question's wording can carry an answer in)."""
    return "&".join(sorted(item.named))


def episode_fold(episode_id: str, folds: int) -> int:
    """The cross-validation fold of an episode (a stable hash, so every record of it shares one)."""
    return int.from_bytes(hashlib.blake2b(episode_id.encode(), digest_size=8).digest(), "little") % folds


def numeric_value(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def options_of(item: AuditItem, labels: tuple[str, ...]) -> tuple[str, ...]:
    """The answers a reader may pick: the choices, yes/no, or every answer the family has."""
    if item.choices:
        return item.choices
    return ("yes", "no") if item.answer_type == "yes_no" else labels


def _context(item: AuditItem) -> list[str]:
    """Question features: a bias, the named features, and the question's words."""
    return ["bias", *item.named, *(f"w:{w}" for w in sorted(set(_WORD.findall(item.question.lower()))))]


def _descriptors(options: tuple[str, ...]) -> list[list[str]]:
    """Per option: its text (labels) or its rank, log magnitude and being the longest (numbers)."""
    values = [numeric_value(o) for o in options]
    if any(v is None or v <= 0 for v in values):
        return [[f"o:{o}"] for o in options]
    ranks = np.argsort(np.argsort(values, kind="stable"), kind="stable")
    longest = max(len(o) for o in options)
    return [[f"rank:{r}/{len(options)}", f"mag:{math.floor(math.log(v) / math.log(1.25))}"]
            + (["longest"] if len(o) == longest else []) for o, v, r in zip(options, values, ranks)]


class _Design:
    """Sparse features of every (item, option) row, indexed through one vocabulary."""

    def __init__(self, items: list[AuditItem], labels: tuple[str, ...]):
        vocab: dict[str, int] = {}
        rows, cols, self.starts, self.truth = [], [], [], []
        for item in items:
            options = options_of(item, labels)
            self.starts.append(len(self.truth))
            context = _context(item)
            for j, desc in enumerate(_descriptors(options)):
                row = len(self.truth)
                self.truth.append(options[j] == item.answer_text)
                feats = [f"pos:{j}"] + [f"{c}&{d}" for c in context for d in desc]
                rows += [row] * len(feats)
                cols += [vocab.setdefault(f, len(vocab)) for f in feats]  # new features numbered as met
        self.rows, self.cols = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
        self.n_rows, self.dim = len(self.truth), len(vocab)
        self.starts = np.array(self.starts, dtype=np.int64)
        self.truth = np.array(self.truth, dtype=float)
        self.item_of_row = np.repeat(np.arange(len(items)), np.diff(np.append(self.starts, self.n_rows)))

    def scores(self, w: np.ndarray) -> np.ndarray:
        return np.bincount(self.rows, weights=w[self.cols], minlength=self.n_rows)

    def accuracy(self, w: np.ndarray) -> np.ndarray:
        """Per item, the expected accuracy of picking its highest-scoring option (ties: uniformly)."""
        s = self.scores(w)
        top = (s >= np.maximum.reduceat(s, self.starts)[self.item_of_row] - 1e-12).astype(float)
        return np.add.reduceat(top * self.truth, self.starts) / np.add.reduceat(top, self.starts)


def _fit(jobs: list[tuple[_Design, np.ndarray]]) -> list[np.ndarray]:
    """For each (design, training masks: folds × items) job, per mask the weights minimising the mean
    log-loss of its training items (Adam, L2), as rows of a (folds, dim) array.

    Every fold of every job is laid end to end in flat arrays and fit together, so an Adam step is the
    same few numpy calls for any number of folds and families; each sum runs over the same terms in
    the same order as a fit of one fold alone, and every other operation is elementwise (same bits).
    A fold's held-out items keep their rows but bring no feature entries: their gradient terms are
    exact zeros (masked), which leave every sum as it is, and their scores are never read."""
    blocks = [(d, t) for d, train in jobs for t in train]
    w_at, row_at, starts, item_of_row, mask, truth = [], [], [], [], [], []
    n_w = n_rows = n_items = 0
    for d, t in blocks:
        trained = t[d.item_of_row[d.rows]]  # feature entries of the training items
        w_at.append(n_w + d.cols[trained])  # feature entry of this fold -> its weight
        row_at.append(n_rows + d.rows[trained])  # ... -> its (item, option) row
        starts.append(n_rows + d.starts)
        item_of_row.append(n_items + d.item_of_row)
        mask.append(t[d.item_of_row].astype(float) / max(int(t.sum()), 1))
        truth.append(d.truth)
        n_w, n_rows, n_items = n_w + d.dim, n_rows + d.n_rows, n_items + len(d.starts)
    if blocks:
        w_at, row_at, starts, item_of_row, mask, truth = (
            np.concatenate(a) for a in (w_at, row_at, starts, item_of_row, mask, truth))
    w, m, v = np.zeros(n_w), np.zeros(n_w), np.zeros(n_w)
    for t in range(1, _ITERATIONS + 1) if blocks else ():
        s = np.bincount(row_at, weights=w[w_at], minlength=n_rows)
        s = s - np.maximum.reduceat(s, starts)[item_of_row]  # the softmax over each item's options
        e = np.exp(s)
        g_rows = (e / np.add.reduceat(e, starts)[item_of_row] - truth) * mask
        g = np.bincount(w_at, weights=g_rows[row_at], minlength=n_w) + _L2 * w
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= _LR * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    out, at = [], 0
    for d, train in jobs:
        size = len(train) * d.dim
        out.append(w[at:at + size].reshape(len(train), d.dim))
        at += size
    return out


def _argmax(options, score) -> list[str]:
    """The options with the highest score (all of them when tied)."""
    scored = [(score(o), o) for o in options]
    best = max(s for s, _ in scored)
    return [o for s, o in scored if s == best]


def _expected(picks: list[str], answer: str) -> float:
    """Accuracy of a uniform pick among ``picks``."""
    return picks.count(answer) / len(picks)


def _closed_rules(train: list[AuditItem], labels) -> dict:
    """Prior-rule predictors for closed sets, fit on ``train``: name -> function(item) -> its best options."""
    majority = Counter(it.answer_text for it in train)
    per_cat, per_named = Counter(), Counter()
    for it in train:
        per_cat.update((f, it.answer_text) for f in it.named if f.startswith(("cat:", "turn:")))
        per_named[(named_key(it), it.answer_text)] += 1
    rules = {
        "majority": lambda it: _argmax(options_of(it, labels), lambda o: majority[o]),
        "majority_per_category": lambda it: _argmax(options_of(it, labels), lambda o: (
            sum(per_cat[(f, o)] for f in it.named), majority[o])),
        "majority_per_named": lambda it: _argmax(options_of(it, labels), lambda o: (
            per_named[(named_key(it), o)], majority[o])),
    }
    numbers = [numeric_value(it.answer_text) for it in train]
    if train and train[0].choices and all(x is not None and x > 0 for x in numbers):
        median = float(np.median(numbers))

        def ranked(it, pick):
            order = sorted(it.choices, key=lambda o: numeric_value(o) or 0.0)
            return [order[pick(len(order))]]

        rules["nearest_median"] = lambda it: _argmax(it.choices, lambda o: -abs(math.log(max(numeric_value(o) or 1e-9, 1e-9) / median)))
        rules["middle_low"] = lambda it: ranked(it, lambda k: (k - 1) // 2)
        rules["middle_high"] = lambda it: ranked(it, lambda k: k // 2)
        rules["longest_option"] = lambda it: _argmax(it.choices, len)
    return rules


def _closed_design(items: list[AuditItem], folds: np.ndarray, k: int) -> tuple[tuple, _Design, list[np.ndarray]]:
    """A closed-set family's labels, design and held-out folds (test masks over ``items``)."""
    labels = tuple(sorted({it.answer_text for it in items}))
    tests = [t for t in (folds == fold for fold in range(k)) if t.any() and not t.all()]
    return labels, _Design(items, labels), tests


def _audit_closed(items: list[AuditItem], labels: tuple, design: _Design, tests: list, weights) -> tuple[dict, float]:
    """Every predictor's held-out accuracy, given the logit's weights per test fold (``_fit``)."""
    scores: dict[str, list[float]] = defaultdict(list)
    for test, w in zip(tests, weights):
        train = [it for it, t in zip(items, test) if not t]
        rules = _closed_rules(train, labels)
        learned = design.accuracy(w)
        for i in np.flatnonzero(test):
            it = items[i]
            scores["learned"].append(float(learned[i]))
            for name, rule in rules.items():
                scores[name].append(_expected(rule(it), it.answer_text))
    chance = float(np.mean([1.0 / len(options_of(it, labels)) for it in items]))
    return {n: float(np.mean(s)) for n, s in scores.items()}, chance


def _audit_open_number(items: list[AuditItem], folds: np.ndarray, k: int) -> tuple[dict, float]:
    truth = np.array([float(it.answer) for it in items])
    logs = np.log(np.maximum(truth, 1e-6))
    vocab: dict[str, int] = {}
    feats = [[vocab.setdefault(f, len(vocab)) for f in _context(it)] for it in items]
    X = np.zeros((len(items), len(vocab)))
    for i, cols in enumerate(feats):
        X[i, cols] = 1.0
    scores: dict[str, list[float]] = defaultdict(list)
    for fold in range(k):
        test = folds == fold
        if not test.any() or test.all():
            continue
        median = float(np.median(truth[~test]))
        by_named: dict[str, list[float]] = defaultdict(list)
        for it, t, x in zip(items, test, truth):
            if not t:
                by_named[named_key(it)].append(x)
        Xt, mean = X[~test], logs[~test].mean()
        w = np.linalg.solve(Xt.T @ Xt + _RIDGE * np.eye(X.shape[1]), Xt.T @ (logs[~test] - mean))
        learned = np.exp(X[test] @ w + mean)
        for i, pred in zip(np.flatnonzero(test), learned):
            same = by_named.get(named_key(items[i]))
            y = float(truth[i])
            scores["family_median"].append(mra(median, y))
            scores["named_median"].append(mra(float(np.median(same)) if same else median, y))
            scores["learned"].append(mra(float(pred), y))
    result = {n: float(np.mean(s)) for n, s in scores.items()}
    return result, result.get("family_median", float("nan"))


class _FamilyAudit:
    """One family's audit in two steps, so that :func:`blind_audit` fits every family's logit at once:
    the held-out folds and, for a closed set, its design (``job``: what ``_fit`` fits, or None),
    then :meth:`report` with the fitted weights."""

    def __init__(self, items: list[AuditItem], folds: int = 5):
        self.open_number = items[0].answer_type == "number" and not any(it.choices for it in items)
        if items[0].answer_type == "number" and not self.open_number:  # multiple choice: the few numbers no
            items = [it for it in items if it.choices]  # option prior could serve are open (qa.options)
        self.items = items
        episodes = sorted({it.episode_id for it in items})
        self.k = min(folds, len(episodes))
        self.entry = {"n": len(items), "metric": "mra" if self.open_number else "accuracy",
                      "chance_kind": "MRA of the training median" if self.open_number else "1/num_options",
                      "chance": None, "blind": None, "rule": None, "scores": {}}
        self.job, self.closed = None, None
        if self.k < MIN_AUDIT_EPISODES:
            return  # one episode: nothing to hold out
        self.fold_of = np.array([episode_fold(it.episode_id, self.k) for it in items])
        if not self.open_number:
            self.closed = _closed_design(items, self.fold_of, self.k)
            labels, design, tests = self.closed
            if tests:
                self.job = (design, ~np.array(tests))

    def report(self, weights=()) -> dict:
        """The family's entry (see the module docstring); ``weights``: ``_fit``'s answer to ``job``."""
        entry = self.entry
        if self.k < MIN_AUDIT_EPISODES:
            return entry
        if self.open_number:
            scores, chance = _audit_open_number(self.items, self.fold_of, self.k)
        else:
            scores, chance = _audit_closed(self.items, *self.closed, weights)
        if not scores:
            return entry
        best = max(sorted(scores), key=lambda n: scores[n])
        entry.update(chance=round(chance, 4), blind=round(scores[best], 4), rule=best,
                     scores={n: round(s, 4) for n, s in sorted(scores.items())})
        if not self.open_number:  # one standard error of an accuracy at chance: the best of several rules
            entry["noise"] = round(math.sqrt(chance * (1 - chance) / len(self.items)), 4)  # exceeds chance by ~1-2 of these
        return entry


def _reports(audits: list[_FamilyAudit]) -> list[dict]:
    """Each audit's report, every closed-set logit fit in one ``_fit``."""
    jobs = [a.job for a in audits if a.job is not None]
    weights = iter(_fit(jobs))
    return [a.report(next(weights) if a.job is not None else ()) for a in audits]


def audit_family(items: list[AuditItem], folds: int = 5) -> dict:
    """The blind audit of one family's records (see the module docstring)."""
    return _reports([_FamilyAudit(items, folds)])[0]


def blind_audit(records, cfg=None) -> dict:
    """Per-family blind audit of QAItems, record dicts or AuditItems; ``cfg.folds`` folds (default 5)."""
    by_family: dict[str, list[AuditItem]] = defaultdict(list)
    for rec in records:
        item = rec if isinstance(rec, AuditItem) else AuditItem.of(rec)
        by_family[item.family].append(item)
    folds = getattr(cfg, "folds", 5)
    families = sorted(by_family)
    audits = [_FamilyAudit(sorted(by_family[family], key=lambda it: it.id), folds) for family in families]
    return dict(zip(families, _reports(audits)))
