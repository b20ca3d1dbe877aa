"""The verifier: rejects what a careful annotator would reject, and keeps the evidence.

Rules, each switchable in ``VerifyConfig`` (conf/qa, key ``verify``) with thresholds a family's
``checks`` may override; a rejection is counted under its reason:

What the video shows is decided by one model, ``simgen.visibility_model.VisibilityModel`` (the
top-level ``visibility`` config node, thresholds as fractions of the image): *glimpsed*, *seen*,
*seen clearly*. Object sets (candidates) hold every object seen in at least one frame. Thresholds
of lengths (``margin_m``/``m2``/``m3``, referent pairs, a length answer's ``min_value``) are at the
scene's scale (``simgen.qa.scene_scale``: 1 for rooms and houses, a fifth on a tabletop).

- ``not_unique``      a ``the(...)`` decision saw more than one candidate, or a category the
                      question names as unique has a second instance the video glimpses;
- ``ambiguous_count`` (families with ``unambiguous_count``) a counted category has a glimpsed
                      instance that is never seen, or one never recognisable (``SceneView.framed``;
                      a close-up must show part of its outline): a viewer could count it either way;
                      the certificate's ``count`` lists each instance's recognisable frames;
- ``not_visible``     a referent is seen clearly in fewer than ``clear_frames`` frames (video), or
                      (image families, ``in_used_frames``) not clearly in a frame the item shows;
- ``not_shown_whole`` the answer reads a referent's extent (size, height, volume, top) but no frame
                      it may use shows that referent whole (``SceneView.whole``);
- ``margin_<unit>``   a decision in the execution trace was closer to flipping than the threshold
                      of its unit: distance / depth / height gaps (m), angle to a direction-sector
                      boundary (deg), gap between appearances (frames), area (m2), volume (m3),
                      share of the image from the "seen" threshold (frac) — and an object called
                      not visible in a frame that still glimpses it, an in-frame answer that
                      changes within half a second of the frame named, or a "first appearance"
                      glimpsed more than ``margin_frames`` before it is seen (frames);
- ``too_small``       a numeric answer at or below the family's ``min_value`` (distances ≤ 0.15 m);
- ``too_large``       a numeric answer above the family's ``max_value`` (a turn two views cannot measure);
- ``too_far`` / ``too_close`` / ``stacked``  two referents' centres (on the floor) further apart
                      than the family's ``max_pair_m``, or (with ``min_pair_m``: told apart by
                      eye) closer than that or one on or over the other (overlapping footprints);
- ``no_structure``    (family check ``structure``) the frames the question rests on show no
                      object clearly nor a room corner often enough, or two images share no
                      landmark (with ``object_landmark``: no object) (``simgen.qa.evidence``);
- ``landmark_parallax`` (``max_parallax_frac``) a landmark in both images shifts against (or far
                      from) the camera's turn because the camera also walked: a viewer would
                      read the turn wrong; ``max_turn_deg``: a turn near 180° is ``too_large``;
- ``hidden_distractor`` (``hidden_objects``) re-asked with every glimpsed object in the object
                      sets, the answer changes or cannot be given: an object a viewer noticed
                      but the question ignores would change it;
- ``room_not_shown`` / ``door_not_shown`` / ``instance_not_shown`` / ``no_structure``  (a house)
                      the rooms, doorways and instances an answer about a house's rooms rests on are
                      not shown as ``simgen.qa.families_house.check_rooms`` asks (a room from inside,
                      an object from inside its room, every instance counted over the house);
- ``degenerate``      replacing some node by its trivial version (a filter by its input,
                      ``objects(...)`` by all objects) leaves the answer unchanged (CLEVR);
- ``unstable``        on one of K jittered copies of the scene (positions ± a few cm, sizes ± a few
                      %; a moving object's start and end positions each get their own offset) a
                      categorical answer flips, a numeric one moves beyond ``numeric_rel_tol``, or
                      the program can no longer be answered.

Rules for time (``time``), from the ``motion`` and ``interval`` decisions of the motion functions:

- ``small_motion``     a move (object or camera) shorter than ``min_motion_m`` (SAT: 0.2 m);
- ``ambiguous_motion`` an object the answer calls still moved more than ``still_max_m``;
- ``short_interval``   two frames a question compares are fewer than ``min_frame_gap`` apart;
- ``motion_not_seen``  (``event_visibility``) a moved object is not seen clearly both before its
                       motion starts and after it ends, or not seen in half the frames while it
                       moves (a still one: clearly before and after the episode's motions);
- ``moving_referent``  (``static_referents``) a program that reads no frame and no motion names an
                       object that moves during the video: its static answer would be ambiguous;
                       one that reads time names an object that moved without an event, or
                       (``motion_not_seen``) one the video does not show before and after its moves;
- ``start_not_shown``  (family check ``shown_before_move``) a question about where a moved object was
                       before its move, whose start pose the video does not show recognisably
                       (framed, not at the image edge) together with each object it is compared to
                       in ``clear_frames`` frames before the move (``evidence.check_shown_before_move``).

Turn angles keep away from "straight" and from ±180° through the ``direction`` margins of
``turn_side`` (``margin_deg``); ``in_used_frames`` (a family check) demands that every referent is
seen clearly in every frame the program reads, as an image family's referents are in its frame.
Episodes that show too little (``min_clear_objects``, ``max_empty_frames``) are not asked about at
all; ``simgen.qa.ask`` counts them in ``stats.json``.

A kept item gets a certificate: every decision with its margin, the visibility numbers of its
referents, the number of ablated nodes and the stability result.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simgen.qa.evidence import (
    check_count, check_pairs, check_shown_before_move, check_structure, check_turn_cues, check_visibility,
    glimpsed_counts, slot_categories,
)
from simgen.qa.families_house import check_rooms
from simgen.qa.scene_scale import scaled
from simgen.qa.signatures import ExecutionError
from simgen.registry import ConfigError, setting

# Decision units with a margin threshold; the threshold is the config field ``margin_<unit>``.
MARGIN_UNITS = ("m", "deg", "frames", "m2", "m3", "frac")
# Decision kinds the rules for time check (with their own thresholds), not the margin rule.
TIME_KINDS = ("motion", "interval")


@dataclass(frozen=True)
class VerifyConfig:
    """Verifier thresholds and switches (conf/qa/<name>.yaml, key ``verify``)."""

    uniqueness: bool = True
    visibility: bool = True  # referents seen clearly (``visibility.clear_frac``) in ``clear_frames`` frames
    margins: bool = True
    margin_m: float = setting(0.15, ge=0.0)  # distance / depth / height gaps (SIMS-V's 0.15 m)
    margin_deg: float = setting(10.0, ge=0.0, lt=90.0)  # angle to the nearest direction-sector boundary
    margin_frames: float = setting(5.0, ge=0.0)  # first appearance to the next object's first glimpse (episode frames)
    margin_m2: float = setting(0.5, ge=0.0)
    margin_m3: float = setting(0.02, ge=0.0)
    # visible share of the image away from the "seen" threshold (in-frame questions)
    margin_frac: float = setting(0.0007, ge=0.0)
    degeneracy: bool = True
    stability: bool = True
    stability_k: int = setting(8, ge=1)  # K jittered copies
    position_sigma_m: float = setting(0.02, ge=0.0)
    size_sigma_frac: float = setting(0.02, ge=0.0)
    numeric_rel_tol: float = setting(0.10, ge=0.0)  # a numeric answer may move this much (relative) under jitter
    time: bool = True  # the rules for dynamic questions below
    min_motion_m: float = setting(0.2, ge=0.0)  # a move asked about is at least this long (SAT)
    still_max_m: float = setting(0.05, ge=0.0)  # an object called still moves at most this much
    min_frame_gap: float = setting(5.0, ge=0.0)  # episode frames between two moments a question compares
    event_visibility: bool = True  # a moved object is seen before and after its motion
    static_referents: bool = True  # static questions do not name objects that move
    hidden_objects: bool = True  # an object the video only glimpses must not change the answer
    min_clear_objects: int = setting(3, ge=1)  # an episode showing fewer objects clearly is not asked about
    max_empty_frames: float = setting(0.5, ge=0.0, le=1.0)  # nor one whose frames show no object more often than this

    def validate(self, where: str) -> None:
        """What ranges cannot say: a still object moves less than a move asked about."""
        if self.still_max_m >= self.min_motion_m:
            raise ConfigError(f"{where}.still_max_m: expected less than min_motion_m ({self.min_motion_m}), "
                              f"got {self.still_max_m}")

    def threshold(self, key: str, checks: dict[str, Any], scale: float = 1.0):
        """A family's check value if it sets one, else this config's; a length at the scene's ``scale``
        (``simgen.qa.scene_scale``: a tabletop's margins are a fifth of a room's)."""
        value = checks.get(key, getattr(self, key, None))
        return value if value is None else scaled(key, value, scale)


@dataclass(frozen=True)
class Verdict:
    """The verifier's decision: kept or the first reason it was rejected, and the evidence so far."""

    ok: bool
    reason: str | None
    certificate: dict

    @classmethod
    def reject(cls, reason: str, certificate: dict | None = None) -> "Verdict":
        """A rejection for ``reason``."""
        return cls(False, reason, certificate or {})


def _decision_dict(d) -> dict:
    out = d.to_dict()  # infinite margins (a single candidate) become None
    out["margin"] = _num(out["margin"])
    return out


def _num(x):
    return None if x is None else round(float(x), 4)


def check_uniqueness(trace, view, fam, bindings: dict, cfg: VerifyConfig) -> str | None:
    """Every ``the`` saw exactly one candidate, and no category the question names as unique has a
    second instance that the video merely glimpses: a viewer who noticed it could not tell which
    object is meant."""
    for d in trace:
        if d.kind == "unique" and d.margin != 1:
            return "not_unique"
    glimpsed = glimpsed_counts(view)
    if any(glimpsed.get(c, 0) > 1 for c in slot_categories(fam, bindings, "unique")):
        return "not_unique"
    return None


def check_hidden(rerun, view, original) -> str | None:
    """Re-ask with the object sets widened to every object the video glimpses: an object a viewer
    noticed but the question ignores must not change the answer (nor make a referent ambiguous)."""
    wider = view.with_glimpsed()
    if wider is None:
        return None
    try:
        value = rerun(wider)
    except ExecutionError:
        return "hidden_distractor"
    return None if same_answer(original, value, 0.0) else "hidden_distractor"


def check_margins(trace, cfg: VerifyConfig, checks: dict, scale: float = 1.0) -> str | None:
    """Reject the first decision whose margin is below the threshold of its unit (lengths at the
    scene's ``scale``).

    A visibility decision that says "not visible" about an object the frame still glimpses is
    rejected too: a viewer would see it there, whatever the threshold."""
    for d in trace:
        if d.kind == "visibility" and not d.detail.get("seen", True) and d.detail.get("glimpsed", False):
            return "margin_frac"
        if d.kind == "visibility" and d.detail.get("steady") is False:
            return "margin_frames"  # the answer changes within half a second of the frame named
        if d.kind == "appearance":  # glimpsed long before it is "seen": when did it first appear?
            if d.margin > float(cfg.threshold("margin_frames", checks)):
                return "margin_frames"
            continue
        if d.kind == "unique" or d.kind in TIME_KINDS or d.unit not in MARGIN_UNITS:
            continue
        if float(d.margin) < float(cfg.threshold(f"margin_{d.unit}", checks, scale)):
            return f"margin_{d.unit}"
    return None


def check_time(trace, view, cfg: VerifyConfig, checks: dict) -> str | None:
    """The rules for time: motion magnitudes, still objects, frame gaps, motions seen before and after."""
    min_motion = float(cfg.threshold("min_motion_m", checks))
    still_max = float(cfg.threshold("still_max_m", checks))
    min_gap = float(cfg.threshold("min_frame_gap", checks))
    for d in trace:
        if d.kind == "interval" and d.margin < min_gap:
            return "short_interval"
        if d.kind != "motion":
            continue
        moved = d.detail.get("moved", True)
        if moved and d.margin < min_motion:
            return "small_motion"
        if not moved and d.margin > still_max:
            return "ambiguous_motion"
        if cfg.event_visibility and "object_id" in d.detail and "start_frame" in d.detail:
            row = view.row_of_id(d.detail["object_id"])
            start, end = d.detail["start_frame"], d.detail["end_frame"]
            clear = view.clear[:, row]  # recognisable where it was and where it ended, not a sliver
            if not ((clear & (view.frames <= start)).any() and (clear & (view.frames >= end)).any()):
                return "motion_not_seen"
            during = (view.frames > start) & (view.frames < end)
            if moved and during.any() and view.visible[during, row].mean() < 0.5:
                return "motion_not_seen"  # the move itself happened (mostly) off screen
    return None


def check_static_referents(program, view, referents, cfg: VerifyConfig, checks: dict) -> str | None:
    """A static program (no frame, no motion) must not name an object that moves during the video.

    A program that reads time may, when the video shows the object clearly before its first motion
    event starts and after its last one ends: a viewer must know where it was and where it ended up
    (by eye: "at the end of the video, how far should I turn to face the bottle?" was asked about a
    bottle pushed over off screen, 10° from where the video last showed it). An object that moved
    without an event of its own (knocked by another) cannot be placed in time at all."""
    if not view.dynamic:
        return None
    still_max = float(cfg.threshold("still_max_m", checks))
    furthest = view.max_displacement()
    moving = [row for row in (view.row_of_id(r) for r in referents) if furthest[row] > still_max]
    if moving and not program.reads_time:
        return "moving_referent"
    for row in moving:
        events = view.events_of(row)
        if not events:
            return "moving_referent"
        clear = view.clear[:, row]
        if not ((clear & (view.frames <= events[0].start_frame)).any() and (clear & (view.frames >= events[-1].end_frame)).any()):
            return "motion_not_seen"
    return None


def check_value(value, checks: dict, scale: float = 1.0, unit: str | None = None) -> str | None:
    """Reject a numeric answer at or below the family's ``min_value``, or above its ``max_value``
    (in the program's unit; a length's at the scene's ``scale``, ``unit`` being the answer's)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    floor, ceiling = (None if checks.get(k) is None else scaled(k, checks[k], scale, unit) for k in ("min_value", "max_value"))
    if floor is not None and value <= floor:
        return "too_small"
    if ceiling is not None and value > ceiling:
        return "too_large"
    return None


def same_answer(a, b, rel_tol: float) -> bool:
    """Categorical equality, or numeric agreement within ``rel_tol`` of the first value."""
    if isinstance(a, (float, int, np.floating, np.integer)) and not isinstance(a, (bool, np.bool_)):
        return abs(float(b) - float(a)) <= rel_tol * abs(float(a)) + 1e-9
    if isinstance(a, (list, tuple, np.ndarray)):
        return list(map(str, a)) == list(map(str, b))
    return a == b


def check_degeneracy(run, program, original) -> tuple[str | None, int]:
    """Re-run with each ablatable node made trivial; an unchanged answer means the node did nothing.

    ``run(ablate=node_id)`` returns the Execution or raises ExecutionError (then the node mattered).
    An unchanged answer reached only by an exact tie (e.g. "nearest to the laptop" with the laptop
    itself back among the candidates, touching the bed it lies on) is luck of the tie-break by
    id, not a node that did nothing."""
    nodes = list(program.ablatable_nodes())
    for node in nodes:
        try:
            ablated = run(ablate=node)
        except ExecutionError:  # the trivial version cannot even be answered: the node matters
            continue
        tied = any(d.kind == "gap" and d.margin == 0.0 for d in ablated.trace)
        if same_answer(original, ablated.value, 0.0) and not tied:
            return "degenerate", len(nodes)
    return None, len(nodes)


def check_stability(run_on, views, original, numeric: bool, rel_tol: float) -> tuple[str | None, dict]:
    """Re-run on K jittered views; categorical answers must not flip, numbers must stay within tolerance."""
    worst, flips = 0.0, 0
    for view in views:
        try:
            value = run_on(view)
        except ExecutionError:  # e.g. a direction whose standpoint now coincides with a target
            flips += 1
            break
        if numeric:
            rel = abs(float(value) - float(original)) / max(abs(float(original)), 1e-9)
            worst = max(worst, rel)
            flips += rel > rel_tol
        else:
            flips += not same_answer(original, value, 0.0)
        if flips:
            break  # one flip rejects; the remaining copies cannot change that
    result = {"k": len(views), "flips": flips}
    if numeric:
        result["max_rel_change"] = _num(worst)
        result["rel_tol"] = rel_tol
    return ("unstable" if flips else None), result


def verify(fam, view, bindings: dict, execution, cfg: VerifyConfig, run, jittered: list) -> Verdict:
    """Apply every enabled rule to one executed question; returns the verdict with its certificate.

    ``run(view, ablate=None, shared=None)`` re-executes the program with the same bindings (an Execution; ``shared``:
    see ``executor.execute``); ``jittered`` is the
    list of perturbed views for the stability check (shared by all questions of an episode).
    """
    checks = fam.checks
    trace = list(execution.trace)
    cert: dict[str, Any] = {"margins": [_decision_dict(d) for d in trace]}
    if cfg.uniqueness and (reason := check_uniqueness(trace, view, fam, bindings, cfg)):
        return Verdict.reject(reason, cert)
    if checks.get("unambiguous_count"):
        reason, cert["count"] = check_count(view, fam, bindings)
        if reason:
            return Verdict.reject(reason, cert)
    if cfg.visibility:
        in_frames = fam.modality == "image" or checks.get("in_used_frames", False)
        shown = list(execution.frames_used) if in_frames else None
        reason, cert["visibility"] = check_visibility(view, execution.referents, shown, fam.modality == "video", checks,
                                                      fam.parsed.reads_extent)
        if reason:
            return Verdict.reject(reason, cert)
    if cfg.margins and (reason := check_margins(trace, cfg, checks, view.scale)):
        return Verdict.reject(reason, cert)
    if cfg.time and (reason := check_time(trace, view, cfg, checks)):
        return Verdict.reject(reason, cert)
    if cfg.time and cfg.static_referents and (
            reason := check_static_referents(fam.parsed, view, execution.referents, cfg, checks)):
        return Verdict.reject(reason, cert)
    if cfg.time and checks.get("shown_before_move"):
        reason, cert["before_move"] = check_shown_before_move(view, trace, execution.referents, checks)
        if reason:
            return Verdict.reject(reason, cert)
    if reason := check_value(execution.value, checks, view.scale, fam.answer.unit):
        return Verdict.reject(reason, cert)
    reason, cert["pairs"] = check_pairs(view, execution.referents, checks)
    if reason:
        return Verdict.reject(reason, cert)
    if checks.get("structure"):
        reason, cert["structure"] = check_structure(view, execution.frames_used, checks)
        if reason:
            return Verdict.reject(reason, cert)
    reason, rooms = check_rooms(view, trace, checks)
    if rooms is not None:
        cert["rooms"] = rooms
    if reason:
        return Verdict.reject(reason, cert)
    if "max_turn_deg" in checks or "max_parallax_frac" in checks:
        reason, cert["turn_cues"] = check_turn_cues(view, execution.frames_used, checks)
        if reason:
            return Verdict.reject(reason, cert)
    if cfg.hidden_objects and (reason := check_hidden(lambda v: run(v).value, view, execution.value)):
        return Verdict.reject(reason, cert)
    if cfg.degeneracy and checks.get("degeneracy", True):
        reason, cert["degeneracy_nodes"] = check_degeneracy(lambda ablate: run(view, ablate=ablate), fam.parsed, execution.value)
        if reason:
            return Verdict.reject(reason, cert)
    if cfg.stability and checks.get("stability", True) and jittered:
        numeric = fam.answer.type == "number"
        rel_tol = float(cfg.threshold("numeric_rel_tol", checks))
        shared: dict = {}  # set-only nodes (``the(a)``) are evaluated once for all the copies (executor.set_nodes)
        reason, cert["stability"] = check_stability(lambda v: run(v, shared=shared).value, jittered, execution.value,
                                                    numeric, rel_tol)
        if reason:
            return Verdict.reject(reason, cert)
    if cert.get("pairs") is None:
        cert.pop("pairs")
    return Verdict(True, None, cert)
