"""The walkthrough's headings along its timeline: a bounded-turn-rate search (``heading.plan_yaws``)
that follows the desired yaw, never points the optical axis at a wall or box (a container's own
parts: ``box_visibility.solid``) closer than ``min_view_distance_m`` and, wherever it can, keeps
some object at the ``seen`` level in frame (``showing``: a soft cost, judged every ``_SHOW_STEP``
frames for objects near the middle of the view).

That soft cost is coarse: a turn between two views more than a field of view apart has a stretch of
bare wall between them, and where it is narrower than one frame's turn a frame may still land in
it. ``fill_gaps`` therefore judges each frame of the final walk that the box estimate finds blank
(``shows_some_object``: no object at the ``seen`` level with a fifth of its box in frame) heading
by heading (1° apart, within ``_GAP_WINDOW_DEG`` of its yaw), makes the blank headings of that
frame cost ``_GAP_COST`` and searches again, a few rounds. ``cfg`` is the walkthrough's config.
"""
import numpy as np

from simgen.geometry import wrap_angle
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.box_visibility import any_shown, estimate_pairs, level_pixels, solid
from simgen.trajectories.heading import plan_yaws, safe_yaws, yaw_bins
from simgen.trajectories.planning_geometry import Boxes, PlanningError, Room, camera_poses, yaw_pitch_towards

_IN_VIEW = 0.8  # an object counts as in view when its bearing is within this share of the half field of view
_SHOW_STEP = 3  # frames between checks of which objects could be kept in view
_BLANK_COST = 20.0  # heading cost of a frame that shows no object, as a squared deviation (rad²): more than any turn-away costs
_GAP_ROUNDS = 3  # searches again that steer blank frames onto headings showing an object
_GAP_COST = 100.0  # heading cost (rad²) of a blank heading of a frame found blank: above _BLANK_COST
_GAP_WINDOW_DEG = 48  # headings judged one by one (1° apart) either side of a blank frame's yaw
# ...and an object shows there only with this share of its box in frame: the estimate scales a box's
# whole silhouette by the share of its samples in frame, so a sliver at the image edge comes out
# several times too large (seed 19: a chair's corner estimated at 454 px rendered as 139)
_GAP_IN_FRAME = 0.2


def _central_limit(request: PlanRequest) -> float:
    """Radians either side of the yaw that ``central`` counts as in view."""
    return _IN_VIEW * np.arctan2(0.5 * request.intrinsics.width, request.intrinsics.fx)


def central(yaws, bearing, request: PlanRequest) -> np.ndarray:
    """True where a bearing lies within the central ``_IN_VIEW`` share of the horizontal field of
    view of a camera looking along the yaw (arrays broadcast)."""
    limit = _central_limit(request)
    diff = yaws - bearing
    turn = np.abs(diff)
    # |wrap_angle(diff)| is min(|diff|, 2π − |diff|) up to rounding (~1e-15 rad) while |diff| < 2π: that
    # decides, without wrap_angle's remainder over (frames, objects, 720 bins); wrap_angle itself
    # decides where rounding could (within 1e-9 rad of the limit) and beyond, so no answer changes
    off = np.minimum(turn, 2.0 * np.pi - turn)
    near = off <= limit
    doubt = (np.abs(off - limit) < 1e-9) | (turn > 2.0 * np.pi - 1e-9)
    if doubt.any():
        near[doubt] = np.abs(wrap_angle(diff[doubt])) <= limit
    return near


def showing(cfg, eyes, pitches, request: PlanRequest, room: Room, boxes: Boxes, bins) -> np.ndarray:
    """(N, K) True where heading bin k at frame n has an object at the ``seen`` level (with the
    pixel margin) within the central ``_IN_VIEW`` share of the field of view."""
    n, m = len(eyes), len(boxes)
    if m == 0:
        return np.zeros((n, len(bins)), dtype=bool)
    bearing, _ = yaw_pitch_towards(eyes[:, None, :], boxes.centers[None])  # (N, M)
    # which objects a frame could show is judged every _SHOW_STEP frames (the eye moves little between)
    sample = np.arange(0, n, _SHOW_STEP)
    k = len(sample)
    poses = camera_poses(np.repeat(eyes[sample], m, axis=0), bearing[sample].reshape(-1),
                         np.repeat(pitches[sample], m))
    need = level_pixels(request.visibility, "seen", request.intrinsics, cfg.pixel_margin)
    pixels = estimate_pairs(poses, np.tile(np.arange(m), k), request.intrinsics, room, boxes, need).pixels.reshape(k, m)
    nearest = np.minimum(np.round(np.arange(n) / _SHOW_STEP).astype(int), k - 1)
    return central_any((pixels >= need)[nearest], bearing, len(bins), request)  # [n, m]: m shown looked at from frame n


def central_any(shown, bearing, k: int, request: PlanRequest) -> np.ndarray:
    """(N, k) True where heading bin j of ``yaw_bins(k)`` at frame n has the bearing (N, M) of some
    object ``shown`` (N, M) at frame n within its ``central`` view: what ``(central(bins, bearing) &
    shown).any(objects)`` gives. A bearing's central bins are one run round the circle: its ends are
    computed from the bin spacing, put right by ``central`` itself one bin either way (rounding), and
    the runs are counted per frame on a difference array (three turns wide: no run wraps off it)."""
    frame, obj = np.nonzero(shown)
    out = np.zeros((len(shown), k), dtype=bool)
    if not len(frame):
        return out
    bins, width = yaw_bins(k), 2.0 * np.pi / k  # bin j is at −π + (j + 1)·width, wrapped
    b = bearing[frame, obj]
    limit = _central_limit(request)
    lo = np.ceil((b - limit + np.pi) / width - 1.0).astype(int)
    hi = np.floor((b + limit + np.pi) / width - 1.0).astype(int)
    lo = np.where(central(bins[(lo - 1) % k], b, request), lo - 1, np.where(central(bins[lo % k], b, request), lo, lo + 1))
    hi = np.where(central(bins[(hi + 1) % k], b, request), hi + 1, np.where(central(bins[hi % k], b, request), hi, hi - 1))
    runs = np.zeros((len(shown), 3 * k + 1), dtype=np.int32)  # bin j + k ≡ j: runs may start a turn early
    np.add.at(runs, (frame, lo + k), 1)
    np.add.at(runs, (frame, hi + k + 1), -1)
    count = np.cumsum(runs[:, :-1], axis=1)
    return (count[:, :k] + count[:, k : 2 * k] + count[:, 2 * k :]) > 0


def headings(cfg, eyes, desired, pitches, passing, request: PlanRequest, room: Room, boxes: Boxes):
    """Yaws (N,) near ``desired`` at a bounded turn rate that never look at a wall/box closer than
    ``min_view_distance_m`` and, wherever they can, keep some object in frame; frames ``passing`` a
    station look where the station looks (it shows what it was chosen for). Returns the yaws and the
    search's costs (safe bins (N, K), soft cost per frame and bin (N, K)) for ``fill_gaps``."""
    bins = yaw_bins()
    safe = safe_yaws(eyes, pitches, room, solid(boxes), cfg.min_view_distance_m, bins)
    # a soft cost: turning across a blank stretch between objects must stay possible
    blank = _BLANK_COST * ~showing(cfg, eyes, pitches, request, room, boxes, bins)
    return search(cfg, eyes, desired, passing, safe, blank, request.fps), (safe, blank)


def search(cfg, eyes, desired, passing, safe, cost, fps: float) -> np.ndarray:
    """Yaws near ``desired`` within ``safe`` bins at ``max_turn_dps``, paying ``cost`` (N, K), with
    the stations' frames pinned where the pinned headings leave a safe way between; PlanningError
    where no safe heading exists."""
    step = np.radians(cfg.max_turn_dps) / fps
    yaws, ok = plan_yaws(desired, safe, step, fixed=passing, penalty=cost)
    if not ok.all():  # pinned station headings leave no safe way between: let them follow too
        yaws, ok = plan_yaws(desired, safe, step, penalty=cost)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        raise PlanningError(
            f"walkthrough: no heading keeps {cfg.min_view_distance_m} m of view at frames {bad[:5].tolist()}"
            f" (e.g. eye {np.round(eyes[bad[0], :2], 2).tolist()}); raise clearance_m or max_turn_dps"
        )
    return yaws


def shows_some_object(cfg, poses, request: PlanRequest, room: Room, boxes: Boxes, est=None) -> np.ndarray:
    """(N,) True where the box estimate puts some object at the ``seen`` level (with the pixel
    margin) with at least ``_GAP_IN_FRAME`` of its box in frame: how ``fill_gaps`` judges a frame.
    ``est``: the caller's estimate of these poses (exact from that level or lower), reused."""
    need = level_pixels(request.visibility, "seen", request.intrinsics, cfg.pixel_margin)
    if est is None:
        return any_shown(poses, request.intrinsics, room, boxes, need, min_in_frame=_GAP_IN_FRAME)
    return (est.at_least(need) & (est.in_frame >= _GAP_IN_FRAME)).any(axis=1)


def fill_gaps(cfg, timeline, yaws, costs, request: PlanRequest, room: Room, boxes: Boxes) -> np.ndarray:
    """``yaws`` searched again so that frames the box estimate finds without any object at the
    ``seen`` level (``shows_some_object``) show one where a heading within the turn rate can. Each
    round judges the headings within ``_GAP_WINDOW_DEG`` of every new blank frame of the last search
    one by one and makes those showing nothing (and all beyond the window) cost ``_GAP_COST`` in that
    frame; a search is kept only when it leaves fewer blank frames than the best so far (one that
    trades blank frames one for one is only searched on: the box estimate misjudges either frame, and
    seed 20's new one rendered blank). ``timeline``: (eyes, desired yaws, pitches, passing) as
    ``headings`` took them; ``costs``: what it returned."""
    eyes, desired, pitches, passing = timeline
    safe, cost = costs[0], costs[1].copy()

    def shown(eyes, yaws, pitches) -> np.ndarray:
        return shows_some_object(cfg, camera_poses(eyes, yaws, pitches), request, room, boxes)

    bins, judged = yaw_bins(), np.zeros(len(eyes), dtype=bool)
    window = np.arange(-_GAP_WINDOW_DEG, _GAP_WINDOW_DEG + 1)  # degrees either side of the yaw
    last, showing_now = yaws, shown(eyes, yaws, pitches)  # the last search's headings, the best one's frames
    last_showing = showing_now
    for _ in range(_GAP_ROUNDS):
        blank = np.flatnonzero(~last_showing & ~passing & ~judged)
        if not len(blank) or not len(boxes):
            break
        for n in blank:
            ok = shown(np.repeat(eyes[n : n + 1], len(window), axis=0), last[n] + np.radians(window), pitches[n])
            off = np.round(np.degrees(wrap_angle(bins - last[n]))).astype(int)  # each bin: its nearest judged heading
            fine = (np.abs(off) <= _GAP_WINDOW_DEG) & ok[np.clip(off + _GAP_WINDOW_DEG, 0, len(window) - 1)]
            cost[n] += _GAP_COST * ~fine
        judged[blank] = True
        last = search(cfg, eyes, desired, passing, safe, cost, request.fps)
        last_showing = shown(eyes, last, pitches)
        if last_showing.sum() > showing_now.sum():
            yaws, showing_now = last, last_showing
    return yaws
