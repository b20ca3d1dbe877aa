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
- ``too_small``       a numeric answer at or below the family's ``min_value`` (distances ≤ 0.15 m),
                      or a length answer of a family without one at or below ``MIN_LENGTH_M``
                      (5 cm: a board's 2 cm height cannot be read to the centimetre);
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

from simgen.qa.evidence import (
    check_count, check_pairs, check_shown_before_move, check_structure, check_turn_cues, check_visibility,
)
from simgen.qa.families_house import check_rooms
from simgen.qa.verify_rules import (
    VerifyConfig, check_degeneracy, check_hidden, check_margins, check_stability, check_static_referents,
    check_time, check_uniqueness, check_value, rounded, value_checks,
)


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
    out["margin"] = rounded(out["margin"])
    return out


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
    if reason := check_value(execution.value, value_checks(checks, execution.unit), view.scale, fam.answer.unit):
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
