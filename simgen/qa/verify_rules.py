"""The verifier's rules: their thresholds and switches (:class:`VerifyConfig`, key ``verify`` of
``conf/qa``) and one check per rule, each returning the reason it rejects (or None).

What each reason means is listed in ``simgen.qa.verify``, whose ``verify`` applies them in order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simgen.qa.evidence import glimpsed_counts, slot_categories
from simgen.qa.scene_scale import scaled
from simgen.qa.signatures import ExecutionError
from simgen.registry import ConfigError, setting

# Decision units with a margin threshold; the threshold is the config field ``margin_<unit>``.
MARGIN_UNITS = ("m", "deg", "frames", "m2", "m3", "frac")
# Decision kinds the rules for time check (with their own thresholds), not the margin rule.
TIME_KINDS = ("motion", "interval")
LENGTH_UNITS = {"m": 1.0, "cm": 100.0}  # the units of a length, and how many of each make a metre
# The min_value of a length answer whose family sets none (a constant, not a VerifyConfig key: a new key
# would change every run's config hash and refuse re-asking its episodes). At a tabletop's scale: 1 cm.
MIN_LENGTH_M = 0.05


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


def rounded(x):
    """``x`` rounded to 4 decimals for a certificate (None stays None)."""
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


def value_checks(checks: dict[str, Any], unit: str | None) -> dict[str, Any]:
    """A family's ``checks`` with ``MIN_LENGTH_M`` (in the program's ``unit``) as the ``min_value`` of a
    length answer whose family sets none: hand-written and compiled families alike. By eye, a cutting
    board's height asked to the centimetre (2 cm, options 1 and 2) could not be read; above the floor,
    options 25 % apart (``qa.choices.MIN_OPTION_RATIO``) among kept answers differ by a quarter of it
    or more (5 cm: 7 cm next, never 6)."""
    if checks.get("min_value") is not None or unit not in LENGTH_UNITS:
        return checks
    return {**checks, "min_value": MIN_LENGTH_M * LENGTH_UNITS[unit]}


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
        result["max_rel_change"] = rounded(worst)
        result["rel_tol"] = rel_tol
    return ("unstable" if flips else None), result
