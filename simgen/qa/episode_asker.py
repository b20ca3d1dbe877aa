"""Asking one episode: :class:`EpisodeAsker` draws slot bindings for each family, executes the
family's program, verifies it and phrases the question, counting every attempt's outcome.

One :class:`~simgen.qa.scene_view.SceneView` and one set of jittered copies serve all of the
episode's questions; ``simgen.qa.ask.run_ask`` runs one asker per episode.
"""
from __future__ import annotations

import logging
import math
from collections import Counter

from simgen.qa.choices import ChoiceError, make_answer
from simgen.qa.evidence import episode_gate
from simgen.qa.executor import ExecutionError, execute
from simgen.qa.families import Family
from simgen.qa.families_house import room_labels
from simgen.qa.qa_config import QAConfig
from simgen.qa.records import QAItem, qa_id
from simgen.qa.sampling import (
    SamplingError, applicable, binding_key, observed_categories, render_question, sample_bindings,
)
from simgen.qa.scene_view import SceneView
from simgen.qa.verify import verify
from simgen.seeding import rng, stage_key
from simgen.types import Episode
from simgen.visibility_model import VisibilityModel

log = logging.getLogger("simgen.qa")


class EpisodeAsker:
    """Asks every family about one episode: one SceneView, one set of jittered copies."""

    def __init__(self, episode: Episode, qa: QAConfig, seed: int, shard: int, digest: str,
                 visibility: VisibilityModel = VisibilityModel()):
        self.episode, self.qa, self.seed, self.shard, self.digest = episode, qa, seed, shard, digest
        self.scene_key = stage_key(episode.episode_id)
        self.view = SceneView.from_episode(episode, visibility)
        # an episode that shows too little is not asked about at all (counted in stats.json)
        self.dropped, self.shows = episode_gate(self.view, qa.verify.min_clear_objects, qa.verify.max_empty_frames)
        self.categories = observed_categories(self.view)
        v = qa.verify
        jitter_rng = rng(seed, shard, self.scene_key, "qa/jitter")
        k = v.stability_k if v.stability else 0
        sigma = v.position_sigma_m * self.view.scale  # a tabletop's things are jittered by a fifth as much
        self.jittered = [self.view.jittered(jitter_rng, sigma, v.size_sigma_frac) for _ in range(k)]

    def run(self, fam: Family, view, bindings: dict, ablate=None, shared=None):
        """Execute ``fam``'s program with ``bindings`` on ``view`` (the Execution)."""
        return execute(fam.parsed, view, bindings, ablate=ablate, shared=shared)

    def ask(self, fam: Family, counts: Counter) -> list[QAItem]:
        """Up to ``qa.wanted(family)`` verified items; every attempt's outcome counted in ``counts``.

        A family the episode cannot serve (no motion events, no recorded actions, …) is skipped
        without an attempt: that is not a rejection.

        A family answered by a fixed set of labels (left / right / back, yes / no) takes each label
        at most its share of ``wanted`` (rounded up) while the attempts last: a draw whose answer
        (the program's value, before any check) has its share is set aside, and only verified if
        the other labels leave room, in order (``label_share`` counts those never needed). The rare
        label a layout seldom gives ("back") is looked for, not crowded out by the first common
        ones, so the merge's answer caps cut less (by the share cap, 4 "back" answers of 108 kept
        16 object_rel_direction_medium questions in a 60-episode sweep). A room answer's labels are the
        rooms of the house a question can name (in 10 house episodes, 11 of 18 "which room" answers
        were "bedroom" without it)."""
        if not applicable(fam, self.view):
            return []
        gen = rng(self.seed, self.shard, self.scene_key, f"qa/{fam.family}")
        wanted = self.qa.wanted(fam.family)
        labels = fam.answer.labels if fam.answer.type == "choice" else ("yes", "no") if fam.answer.type == "yes_no" else ()
        if fam.answer.type == "choice" and not labels and not fam.answer.choice_slots:  # a room answer
            labels = room_labels(self.view)
        share = -(-wanted // len(labels)) if labels else wanted
        items, seen, set_aside, taken = [], set(), [], Counter()
        for _ in range(wanted * self.qa.attempts_factor):
            if len(items) >= wanted:
                break
            counts["attempts"] += 1
            try:
                bindings = sample_bindings(fam, self.view, gen, self.categories)
            except SamplingError as e:
                counts[e.reason] += 1
                if e.retry:  # an unlucky earlier pick (e.g. a frame): another draw may succeed
                    continue
                break  # the scene lacks what the slots need; more draws cannot help
            except Exception as e:  # a family whose sampling fails loses its questions, not the episode
                log.warning("ask: %s on episode %s: sampling failed: %s: %s", fam.family, self.episode.episode_id,
                            type(e).__name__, e)
                counts["family_error"] += 1
                break
            key = binding_key(fam, bindings)
            if key in seen:
                counts["duplicate"] += 1
                continue
            seen.add(key)
            execution = self._guarded(fam, lambda: execute(fam.parsed, self.view, bindings))
            label = _label(fam, execution) if labels else None  # (a route's turns: no one label)
            if label in labels and taken[label] >= share:
                set_aside.append((bindings, execution))
                continue
            outcome = self._guarded(fam, lambda: self.ask_one(fam, bindings, gen, execution))
            if isinstance(outcome, str):
                counts[outcome] += 1
                continue
            taken[label] += 1
            items.append(outcome)
            counts["kept"] += 1
        for k, (bindings, execution) in enumerate(set_aside):  # the other labels left room: in order
            if len(items) >= wanted:
                counts["label_share"] += len(set_aside) - k
                break
            outcome = self._guarded(fam, lambda: self.ask_one(fam, bindings, gen, execution))
            counts[outcome if isinstance(outcome, str) else "kept"] += 1
            items += [] if isinstance(outcome, str) else [outcome]
        return items

    def _guarded(self, fam: Family, step):
        """``step()``, or the reason it failed: an ExecutionError's, or ``family_error`` for anything
        else (a family's failure costs this one question, never the episode)."""
        try:
            return step()
        except ExecutionError as e:
            return e.reason
        except Exception as e:
            log.warning("ask: %s on episode %s failed: %s: %s", fam.family, self.episode.episode_id,
                        type(e).__name__, e)
            return "family_error"

    def ask_one(self, fam: Family, bindings: dict, gen, execution=None) -> QAItem | str:
        """Execute (unless given the ``execution`` or the reason it failed), verify and phrase one
        question; the item, or the reason it was rejected."""
        try:
            execution = execute(fam.parsed, self.view, bindings) if execution is None else execution
        except ExecutionError as e:
            return e.reason
        if isinstance(execution, str):
            return execution
        if not _finite(execution.value):
            return "non_finite_answer"
        verdict = verify(fam, self.view, bindings, execution, self.qa.verify,
                         lambda view, ablate=None, shared=None: self.run(fam, view, bindings, ablate, shared),
                         self.jittered)
        if not verdict.ok:
            return verdict.reason
        try:
            answer = make_answer(fam, execution, self.view, bindings, gen)
        except ChoiceError as e:
            return e.reason
        template, question = render_question(fam, bindings, gen, self.view.fps)
        shown = {int(bindings[s.name]) for s in fam.slots if s.type == "frame"}
        frames = {int(f) for f in execution.frames_used} | shown
        if fam.modality == "multi_image":  # exactly the images it shows
            frames = shown
        elif fam.modality == "video":  # evidence: also every frame that shows a referent
            for object_id in execution.referents:
                frames.update(self.view.visible_frames(self.view.row_of_id(object_id)))
        return QAItem(
            id=qa_id(self.episode.episode_id, fam.family, fam.version, bindings),
            family=fam.family, family_version=fam.version, question=question,
            answer=answer.value, answer_text=answer.text, answer_letter=answer.letter, choices=answer.choices,
            answer_type=fam.answer.type, unit=fam.answer.unit, modality=fam.modality,
            episode_id=self.episode.episode_id, frames=tuple(sorted(frames)), program=fam.program,
            bindings=bindings, certificate=verdict.certificate, seed=self.seed, config_hash=self.digest,
            template=template,
        )


def _label(fam: Family, execution) -> str | None:
    """The answer text a fixed-label family's execution gives ("yes" / "no", or its label); None for
    an execution that failed (its reason)."""
    if isinstance(execution, str):
        return None
    if fam.answer.type == "yes_no":
        return "yes" if bool(execution.value) else "no"
    return str(execution.value) if isinstance(execution.value, str) else None


def _finite(value) -> bool:
    """False when an answer holds a NaN or infinite number (no question can be asked about it)."""
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    return not isinstance(value, float) or math.isfinite(value)
