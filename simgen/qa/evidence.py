"""What the video shows as a whole: structure in the frames, room corners, and the episode gate.

A viewer can judge how far the camera moved, how it turned or how big the room is only from frames
that show *structure*: an object seen clearly, or a corner of the room (where two walls meet the
floor and the ceiling). Both are computed on the QA side from ``episode.json``: clear objects from
the recorded visibility (``simgen.visibility_model``), corners by projecting each footprint
vertex's vertical edge with the frame's camera pose and intrinsics (the walls of a convex room never
hide a corner; objects in front of a corner are not considered).

``episode_gate`` drops an episode that shows too little to ask about at all: fewer than
``min_clear_objects`` objects seen clearly in ``clear_frames`` frames, or more than
``max_empty_frames`` of its frames showing no object. ``check_structure`` is the per-family rule
(family check ``structure: true``): the frames a question rests on show structure, and two images
compared share a landmark; ``check_turn_cues`` (checks ``max_turn_deg`` / ``max_parallax_frac``)
asks that a turn between two images shows as a turn: every shared landmark shifts the way the
camera turned, not against it because the camera also walked. The verifier's other rules about what is shown live here too: referents
seen clearly (``check_visibility``), counts a viewer can make (``check_count``), referents told
apart (``check_pairs``), a moved object's start shown with what it is compared to
(``check_shown_before_move``), and what the video glimpses (``glimpsed_counts``).
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

from simgen.geometry import points_in_polygon, project, wrap_angle
from simgen.qa.scene_scale import scaled

_CORNER_SAMPLES = 7  # points along each vertical corner edge
_CORNER_INSET_M = 0.05  # sample just inside the wall ends, away from the floor and the ceiling
_MIN_DEPTH_M = 0.1
_LANDMARK_IN_FRAME = 0.5  # share of an object's box in both images for it to be a landmark


def corners_in_view(view) -> np.ndarray:
    """(F, C) whether the vertical edge of each room corner (footprint vertex) is inside the image.

    In a house the corners are every room's, and a corner counts only while the camera stands in its
    room: walls hide the corners of the other rooms (bar glimpses through a doorway, not counted)."""
    def compute():
        rooms = _corner_rooms(view)
        corners = np.concatenate(rooms)
        owner = np.repeat(np.arange(len(rooms)), [len(r) for r in rooms])
        heights = np.linspace(_CORNER_INSET_M, view.room_height - _CORNER_INSET_M, _CORNER_SAMPLES)
        pts = np.array([[x, y, z] for x, y in corners for z in heights], dtype=float)
        K, w, h = view.intrinsics.K(), view.intrinsics.width, view.intrinsics.height
        here = np.ones((len(view.frames), len(rooms)), dtype=bool)
        if view.house_rooms:
            here = np.stack([points_in_polygon(view.T_world_cam[:, :2, 3], r) for r in rooms], axis=1)
        out = np.zeros((len(view.frames), len(corners)), dtype=bool)
        for fr, T in enumerate(view.T_world_cam):
            uv, z = project(K, T, pts)
            inside = (z > _MIN_DEPTH_M) & (uv[:, 0] >= 0) & (uv[:, 0] < w) & (uv[:, 1] >= 0) & (uv[:, 1] < h)
            out[fr] = inside.reshape(len(corners), _CORNER_SAMPLES).any(axis=1) & here[fr, owner]
        return out

    return view._cached("corners_in_view", compute)


def _corner_rooms(view) -> list[np.ndarray]:
    """The footprints whose vertices are the room corners: a house's rooms, else the one room."""
    return [np.asarray(r.footprint, dtype=float) for r in view.house_rooms] or [view.room_polygon]


def corner_points(view) -> np.ndarray:
    """(C, 2) XY of the room corners, in the column order of :func:`corners_in_view`."""
    return np.concatenate(_corner_rooms(view))


def structure_frames(view) -> np.ndarray:
    """(F,) whether each frame shows structure: an object seen clearly or a room corner."""
    return view._cached("structure", lambda: view.clear.any(axis=1) | corners_in_view(view).any(axis=1))


def episode_summary(view) -> dict:
    """How much of the room the episode shows: objects seen / seen clearly, empty and structure frames."""
    n_frames = max(len(view.frames), 1)
    clear_objects = int((view.clear_frame_count >= view.model.clear_frames).sum())
    return {
        "objects": len(view),
        "objects_seen": int(view.observed_mask.sum()),
        "objects_clear": clear_objects,
        "empty_frame_fraction": round(float((~view.visible.any(axis=1)).sum()) / n_frames, 4) if len(view.frames) else 1.0,
        "structure_frame_fraction": round(float(structure_frames(view).sum()) / n_frames, 4),
    }


def episode_gate(view, min_clear_objects: int, max_empty_frames: float) -> tuple[str | None, dict]:
    """(reason or None, summary): an episode that shows too little is not asked about at all."""
    summary = episode_summary(view)
    if summary["objects_clear"] < min(min_clear_objects, summary["objects"]) or summary["objects_clear"] == 0:
        return "too_few_objects", summary
    if summary["empty_frame_fraction"] > max_empty_frames:
        return "mostly_empty", summary
    return None, summary


def check_structure(view, frames_used, checks: dict) -> tuple[str | None, dict]:
    """The frames a question rests on show structure.

    The span is the frames the program read (first to last; the whole video when it read none):
    its first and last frames must show structure, and at least ``min_structure_frac`` of its frames;
    where the program compares two frames (the camera's motion between two images), an object seen
    clearly with at least half its box inside both images (judged by eye, a sofa's side filling
    the image border, 12% of its box in frame, gave a viewer nothing to measure a 1.2 m move by), or
    a room corner in view in both, gives the viewer a landmark to measure by; with
    ``object_landmark`` (how far the camera moved) only such an object will do: a wall corner shows
    which way the view turned but not how far the camera went (judged by eye: a 1.31 m move between
    a view of two chairs and one of a shelf, sharing only a corner, could as well have been 0.89 m).
    With ``min_corners_frac`` (room size), that share of the room's corners must be in view in
    some frame of the span."""
    frames = sorted(int(f) for f in frames_used)
    lo, hi = (view.frame_row(frames[0]), view.frame_row(frames[-1])) if frames else (0, len(view.frames) - 1)
    if hi < lo or not len(view.frames):
        return "no_structure", {}
    shows = structure_frames(view)[lo:hi + 1]
    evidence = {"structure_frac": round(float(shows.mean()), 4), "ends_show_structure": bool(shows[0] and shows[-1])}
    reason = None
    if not evidence["ends_show_structure"] or evidence["structure_frac"] < float(checks.get("min_structure_frac", 0.5)):
        reason = "no_structure"
    if len(frames) >= 2:  # two images compared: something must be in both to measure the change by
        corners = corners_in_view(view)
        landmark = view.clear[[lo, hi]] & (view.in_frame_fraction[[lo, hi]] >= _LANDMARK_IN_FRAME)
        shared_object = bool((landmark[0] & landmark[1]).any())
        shared_corner = bool((corners[lo] & corners[hi]).any()) and not checks.get("object_landmark")
        evidence["shared_landmark"] = shared_object or shared_corner
        if not evidence["shared_landmark"]:
            reason = reason or "no_structure"
    corners_needed = checks.get("min_corners_frac")
    if corners_needed is not None:
        seen = corners_in_view(view)[lo:hi + 1].any(axis=0)
        evidence["corners_seen"] = f"{int(seen.sum())}/{len(seen)}"
        if seen.mean() < float(corners_needed):
            reason = reason or "no_structure"
    return reason, evidence


def check_turn_cues(view, frames_used, checks: dict) -> tuple[str | None, dict]:
    """A turn between two images that a viewer reads from how the landmarks shift.

    Turning left by τ moves every landmark's bearing by −τ; walking at the same time adds
    parallax. A viewer shown two images judges the turn by that shift, so every landmark in both
    (an object seen clearly in both, a room corner in view in both) must shift by −τ within
    ``max_parallax_frac`` of |τ| (< 1: at least the right way), and |τ| must be at most
    ``max_turn_deg`` (near 180° two views cannot tell left from right)."""
    frames = sorted(int(f) for f in frames_used)
    if len(frames) < 2:
        return None, {}
    r0, r1 = view.frame_row(frames[0]), view.frame_row(frames[-1])
    yaws = view.camera_yaws()
    turn = float(np.degrees(wrap_angle(yaws[r1] - yaws[r0])))
    points = [view.center_at(r)[:, :2] for r in (r0, r1)]
    shared = [p[view.clear[r0] & view.clear[r1]] for p in points]
    corners = corners_in_view(view)
    shared = [np.vstack([s, corner_points(view)[corners[r0] & corners[r1]]]) for s in shared]
    d0, d1 = shared[0] - view.camera_center(r0)[:2], shared[1] - view.camera_center(r1)[:2]
    bearings = [np.arctan2(d[:, 1], d[:, 0]) - yaws[r] for d, r in ((d0, r0), (d1, r1))]
    shifts = np.degrees(np.asarray(wrap_angle(bearings[1] - bearings[0]), dtype=float))  # each landmark's shift
    worst = float(np.abs(shifts + turn).max()) / max(abs(turn), 1e-9) if len(shifts) else float("inf")
    evidence = {"turn_deg": round(turn, 3), "landmarks": len(shifts), "max_parallax_frac": round(min(worst, 99.0), 4)}
    if abs(turn) > float(checks.get("max_turn_deg", 180.0)):
        return "too_large", evidence
    if "max_parallax_frac" in checks and worst > float(checks["max_parallax_frac"]):
        return "landmark_parallax", evidence
    return None, evidence


def glimpsed_counts(view) -> dict[str, int]:
    """Category → number of objects the video at least glimpses in some frame (cached per view)."""
    def compute():
        seen = view.glimpsed.any(axis=0) if len(view.frames) else np.zeros(len(view), bool)
        cats, counts = np.unique(view.category[seen], return_counts=True)
        return {str(c): int(n) for c, n in zip(cats, counts)}

    return view._cached("glimpsed_counts", compute)


def slot_categories(fam, bindings: dict, observed: str) -> list[str]:
    """The categories bound to the family's category slots with ``observed: <observed>``."""
    out = []
    for spec in fam.slots:
        if spec.type in ("category", "categories") and spec.observed == observed:
            value = bindings[spec.name]
            out.extend(value if isinstance(value, list) else [value])
    return out


def check_count(view, fam, bindings: dict) -> tuple[str | None, dict]:
    """For counting: every glimpsed instance of the counted categories is also seen, and recognisable
    at least once (``SceneView.framed``: seen clearly, not cut by the frame edge, and from close up
    showing part of its outline: ``simgen.qa.outline``), else a viewer could not tell what it is and could count it either
    way (by eye: a teddy bear only ever shown as a paw at the image corner was counted as 1; a grey
    wardrobe only ever shown as a close-up slab of its front as one of two); and no object of a
    look-alike category (``assets_rooms.LOOKALIKES``: one room never holds two, a house's rooms may)
    is glimpsed (a bathroom's basket was counted by eye among the cooking pots). The evidence, per
    category: the frames in which each instance is recognisable, and the largest share of its box
    inside such a frame."""
    from simgen.scene.assets_rooms import LOOKALIKES  # here: importing the catalogue costs simgen-export its start-up

    glimpsed = glimpsed_counts(view)
    evidence, reason = {}, None
    for c in slot_categories(fam, bindings, "any"):
        rows = view.observed_rows(c)
        framed = view.framed[:, rows]
        alike = sorted({a for group in LOOKALIKES if c in group for a in group if a != c and glimpsed.get(a, 0)})
        evidence[c] = {"glimpsed": glimpsed.get(c, 0), "frames_recognisable": framed.sum(axis=0).tolist(),
                       "max_in_frame_recognisable": [round(float(view.in_frame_fraction[framed[:, i], r].max(initial=0.0)), 4)
                                                     for i, r in enumerate(rows)],
                       **({"lookalikes_glimpsed": alike} if alike else {})}
        if glimpsed.get(c, 0) != len(rows) or not framed.any(axis=0).all() or alike:
            reason = reason or "ambiguous_count"
    return reason, evidence


def check_visibility(view, referents, frames_shown: list[int] | None, whole_video: bool,
                     checks: dict, extent: bool = False) -> tuple[str | None, dict]:
    """Every referent seen clearly (``visibility.clear_frac`` of the image) in ≥ ``clear_frames``
    frames of the video (``whole_video``) and recognisable (``SceneView.framed``: seen clearly and
    not a sliver cut by the frame edge) in at least one of them, and recognisable in each frame the
    question shows. When the answer reads an object's ``extent`` (size, height, volume, top), each
    referent is also shown whole (``SceneView.whole``) in a frame the question may use: by eye, a
    shelf whose top the frame always cut off was compared by its height."""
    k = int(checks.get("clear_frames", view.model.clear_frames)) if whole_video else 0
    evidence, reason = {}, None
    for object_id in referents:
        row = view.row_of_id(object_id)
        summary = view.visibility_summary(row)
        evidence[view.names[row]] = summary
        if summary["frames_clear"] < k or (whole_video and not view.framed[:, row].any()):
            reason = "not_visible"
        for f in frames_shown or ():
            if not view.framed[view.frame_row(f), row]:
                reason = "not_visible"
        if extent and reason is None:
            rows = np.array([view.frame_row(f) for f in frames_shown] if frames_shown else range(len(view.frames)), int)
            whole = rows[view.whole[rows, row]]
            if not len(whole):
                reason = "not_shown_whole"
            else:  # the frame a viewer judges its size from: shown whole, and largest among those
                best = whole[np.argmax(view.visible_pixels[whole, row])]
                evidence[view.names[row]]["whole_frame"] = int(view.frames[best])
    return reason, evidence


def check_pairs(view, referents, checks: dict) -> tuple[str | None, dict | None]:
    """Referents' box centres on the floor: no two further apart than ``max_pair_m`` (SIMS-V's
    10 m), and with ``min_pair_m`` (a viewer must tell them apart by eye) no two closer than that,
    nor one standing on or over another (overlapping footprints: "standing by the vase facing the
    table" has no direction when the vase is on the table); both at the scene's scale."""
    high, low = (None if checks.get(k) is None else scaled(k, checks[k], view.scale) for k in ("max_pair_m", "min_pair_m"))
    if (high is None and low is None) or len(referents) < 2:
        return None, None
    rows = [view.row_of_id(r) for r in referents]
    xy = view.center[rows, :2]
    pairs = list(combinations(range(len(rows)), 2))
    gaps = [float(np.linalg.norm(xy[i] - xy[j])) for i, j in pairs]
    evidence = {"widest_m": round(max(gaps), 4), "closest_m": round(min(gaps), 4)}
    if high is not None and max(gaps) > high:
        return "too_far", evidence
    if low is None:
        return None, evidence
    if min(gaps) < low:
        return "too_close", evidence
    closest = min(view.footprint_separation(rows[i], rows[j]) for i, j in pairs)
    evidence["closest_footprints_m"] = round(closest, 4)
    return ("stacked" if closest < 0.0 else None), evidence


def check_shown_before_move(view, trace, referents, checks: dict) -> tuple[str | None, dict]:
    """A question about where a moved object was before its move (family check ``shown_before_move``):
    its start pose is recognisable (``SceneView.framed``: seen clearly, not a sliver at the image
    edge) in a frame before the move *together with* each other referent, recognisable too, in at
    least ``clear_frames`` such frames per referent. By eye: "before the chair was moved, was it
    closer to the bed or the tv?" was asked where the chair's start showed only at the image edge,
    in frames with neither reference: its distance to either could not be judged.

    Each reference is needed with the mover in some frame, not all of them in one: a distance is
    read off an image showing both its ends, and two distances read off two images of one walk are
    compared as a viewer compares them (one shot of all three would reject the rooms where the
    references lie on either side of the mover, where the answer is plainest). The move's last
    still frame is the ``start_frame`` of the program's ``motion`` decisions."""
    k = int(checks.get("clear_frames", view.model.clear_frames))
    starts = {int(d.detail["object_id"]): int(d.detail["start_frame"]) for d in trace
              if d.kind == "motion" and d.detail.get("moved", True) and "object_id" in d.detail and "start_frame" in d.detail}
    evidence, reason = {}, None
    for mover, start in sorted(starts.items()):
        row = view.row_of_id(mover)
        before = view.framed[:, row] & (view.frames <= start)
        together = {}
        for other in referents:
            if int(other) in starts:
                continue
            other_row = view.row_of_id(other)
            together[view.names[other_row]] = int((before & view.framed[:, other_row]).sum())
        evidence[view.names[row]] = {"start_frame": start, "frames_framed_before": int(before.sum()), "with": together}
        if before.sum() < k or any(n < k for n in together.values()):
            reason = reason or "start_not_shown"
    return reason, evidence
