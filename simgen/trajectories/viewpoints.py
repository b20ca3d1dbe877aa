"""Viewpoints that show objects clearly: candidate camera stations around every object, a greedy
set cover choosing few of them, and a tour visiting them within a frame budget; shared by the
coverage and walkthrough planners.

Candidates are free cells of the largest free region, ``min_distance_m``–``max_distance_m`` from an
object, one per bearing sector around it (the cell nearest the distance at which the object fills
about ``_FILL`` of the image height, with seeded jitter), looking at it (pitch clamped to
``min_pitch_deg``) with no wall/box closer than ``min_view_distance_m`` along the view. Where
``close_eye_height_m`` allows, each such cell is also a candidate with the eye lowered (down to that
height) so that the object is seen ``close_looks.CLOSE_LOOK_DEG`` below the horizon: a handheld scan bends down
to a small thing on a low table or the floor instead of viewing it from 1.1 m above. Where
``reach_m`` allows, objects that no such view shows well also get *reaching* candidates: the walker
stands at the candidate's cell (``stands``) while the handheld camera reaches out up to ``reach_m``
towards the object, over the furniture it lies on, at the close-look height (raised above any box
below it), keeping clear of every box and wall (``close_looks``). What each
candidate shows is predicted by ``box_visibility.estimate`` and judged at the ``clear`` level of the
request's visibility model; ``sees_well`` asks for ``pixel_margin`` × that (a box overstates the
pixels of a round or thin shape). ``fit_tour`` orders the chosen stations (nearest neighbour +
2-opt on travel time), routes between them (smoothed A*) and splits the frames between stations and
moves, dropping the least useful stations while even ``max_speed_mps`` does not fit.
"""
import dataclasses
from dataclasses import dataclass

import numpy as np

from simgen.geometry import wrap_angle
from simgen.registry import setting
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.planning_geometry import (
    MIN_CLOSE_PITCH_DEG,
    MIN_PITCH_DEG,
    Boxes,
    GridConfig,
    Room,
    camera_poses,
    check_range,
    directions,
    yaw_pitch_towards,
)
from simgen.trajectories.occupancy import OccupancyGrid
from simgen.trajectories.pathing import chaikin, path_cost, smooth_route
from simgen.trajectories.raycast import first_hit
from simgen.trajectories.tour import allocate_frames, order_tour
from simgen.trajectories.box_visibility import estimate, level_pixels, solid
from simgen.trajectories.close_looks import CROUCH_M, close_look_height, reaching

_SECTORS = 16  # bearings around each object from which one candidate viewpoint is drawn
_CANDIDATE_SPACING_M = 0.1  # candidate eye cells are taken on this lattice (fine: close looks need the nearest free cell)
_FILL = 0.3  # preferred viewing distance makes the object ~this share of the image height
_SUBSTITUTES = 6  # nearest alternatives tried for a viewpoint dropped from the tour
_MIN_DIP_M = 0.1  # a lowered eye less than this below eye_height_m is not worth a candidate
_CLOSE_SLACK_M = 0.15  # a close look's view may meet something this much short of its target's centre
_BEND_MPS = 0.4  # mean speed of the eye bending down, reaching out or back (eased: peaks at 1.5×)


@dataclass(frozen=True)
class ViewpointConfig(GridConfig):
    """Config fields of planners that visit viewpoints (lengths in m, speeds in m/s, angles in degrees)."""

    # viewpoints aim for this × the clear level (boxes overstate thin/round shapes)
    pixel_margin: float = setting(2.0, ge=1.0, le=10.0)
    min_distance_m: float = setting(1.0, ge=0.1, le=20.0)  # viewpoint to target, horizontal
    max_distance_m: float = 3.5
    min_pitch_deg: float = setting(MIN_PITCH_DEG, ge=MIN_CLOSE_PITCH_DEG, le=0.0)
    speed_mps: float = setting(0.75, ge=0.05, le=5.0)  # peak speed between viewpoints when the frame budget allows
    max_speed_mps: float = 2.0  # peak speed allowed before a viewpoint is dropped for lack of frames
    max_turn_dps: float = setting(90.0, ge=5.0, le=720.0)
    path_margin_m: float = setting(0.15, ge=0.0, le=1.0)  # extra room kept from obstacles where there is space
    close_eye_height_m: float = 0.0  # lowest eye for close looks at low things (0: the eye stays at eye_height_m;
    # a crouching retake of the walkthrough goes close_looks.CROUCH_M lower)
    # how far the handheld camera reaches out from the walker for a close look (0: never)
    reach_m: float = setting(0.0, ge=0.0, le=1.0)

    def validate(self, where: str) -> None:
        """Ranges that depend on another key; ConfigError names the key and the allowed interval."""
        super().validate(where)
        check_range(where, "max_distance_m", self.max_distance_m, self.min_distance_m, 50.0)
        check_range(where, "max_speed_mps", self.max_speed_mps, self.speed_mps, 10.0)
        if self.close_eye_height_m:
            check_range(where, "close_eye_height_m", self.close_eye_height_m, 0.2, self.eye_height_m)


@dataclass(frozen=True)
class Viewpoints:
    """Candidate camera stations: eye (V, 3), yaw and pitch (V,), which objects each one sees, and
    where the walker stands (V, 2) — under the eye, or up to ``reach_m`` back for a reaching look."""

    eyes: np.ndarray
    yaws: np.ndarray
    pitches: np.ndarray
    sees: np.ndarray  # (V, M) bool: at the clear level
    sees_well: np.ndarray  # (V, M) bool: at pixel_margin × the clear level
    stands: np.ndarray  # (V, 2): the free cell the walk goes to; the camera is at eyes

    @property
    def reaches(self) -> np.ndarray:
        """(V, 2) horizontal offset of the camera from where the walker stands."""
        return self.eyes[:, :2] - self.stands

    def without(self, banned) -> "Viewpoints":
        """These stations, the ``banned`` ones (indices) showing nothing: a set cover passes them by."""
        keep = ~np.isin(np.arange(len(self.eyes)), list(banned))[:, None]
        return dataclasses.replace(self, sees=self.sees & keep, sees_well=self.sees_well & keep)

    def concat(self, other: "Viewpoints") -> "Viewpoints":
        """These stations followed by ``other``'s."""
        return Viewpoints(*(np.concatenate([a, b]) for a, b in zip(
            (self.eyes, self.yaws, self.pitches, self.sees, self.sees_well, self.stands),
            (other.eyes, other.yaws, other.pitches, other.sees, other.sees_well, other.stands))))


def candidates(cfg: ViewpointConfig, grid: OccupancyGrid, room: Room, boxes: Boxes, request: PlanRequest,
               rng: np.random.Generator, crouch: bool = False) -> Viewpoints:
    """Viewpoints around every object (one per bearing sector), with what each sees; with ``crouch``,
    crouching close looks appended after them for objects no other view shows well."""
    step = max(1, int(round(_CANDIDATE_SPACING_M / grid.resolution)))
    region = grid.largest_component()
    lattice = np.zeros_like(region)
    lattice[::step, ::step] = True
    spots = grid.centers(np.argwhere(region & lattice))
    tan_half = 0.5 * request.intrinsics.height / request.intrinsics.fy
    eyes, targets, aims = [], [], []
    for m in range(len(boxes)):
        offset = spots - boxes.centers[m, :2]
        dist = np.linalg.norm(offset, axis=1)
        ok = (dist >= cfg.min_distance_m) & (dist <= cfg.max_distance_m)
        if not ok.any():
            continue
        size = 2.0 * np.linalg.norm(boxes.halves[m])
        preferred = np.clip(size / (_FILL * 2.0 * tan_half), cfg.min_distance_m, cfg.max_distance_m)
        score = np.abs(dist - preferred) + rng.uniform(0.0, 0.3, len(spots))  # jitter: not always the same cell
        sector = ((np.arctan2(offset[:, 1], offset[:, 0]) + np.pi) / (2 * np.pi) * _SECTORS).astype(int) % _SECTORS
        idx = np.flatnonzero(ok)
        order = idx[np.lexsort((score[idx], sector[idx]))]
        first = order[np.concatenate([[True], np.diff(sector[order]) != 0])]
        eyes.append(spots[first])
        targets.append(np.repeat(boxes.centers[m : m + 1], len(first), axis=0))
        aims.append(np.full(len(first), m))
    if not eyes:
        none = np.zeros((0, len(boxes)), dtype=bool)
        return Viewpoints(np.zeros((0, 3)), np.zeros(0), np.zeros(0), none, none, np.zeros((0, 2)))
    eyes, targets, aims = np.concatenate(eyes), np.concatenate(targets), np.concatenate(aims)
    eyes = np.column_stack([eyes, np.full(len(eyes), cfg.eye_height_m)])
    if cfg.close_eye_height_m:  # the same cells with the eye lowered towards low things
        low = close_look_height(cfg, eyes[:, :2], targets)
        dip = low <= cfg.eye_height_m - _MIN_DIP_M
        eyes = np.concatenate([eyes, np.column_stack([eyes[dip, :2], low[dip]])])
        targets, aims = np.concatenate([targets, targets[dip]]), np.concatenate([aims, aims[dip]])
    views = _judge(cfg, request, room, boxes, eyes, targets, eyes[:, :2])
    # objects no view from a free cell shows well: reach out towards them; those no such look shows
    # well either: crouch lower and come closer (a close look meeting only the thing or its support)
    for low, close in ((0.0, False), (CROUCH_M, True))[: 2 if crouch else 1] if cfg.reach_m else ():
        poor = ~views.sees_well.any(axis=0)[aims]
        cells, reached, aimed = reaching(cfg, room, boxes, eyes[poor, :2], targets[poor], low)
        if len(reached):
            views = views.concat(_judge(cfg, request, room, boxes, reached, aimed, cells, close))
    return views


def _judge(cfg: ViewpointConfig, request: PlanRequest, room: Room, boxes: Boxes, eyes, targets, stands,
           close: bool = False) -> Viewpoints:
    """Viewpoints at ``eyes`` looking at ``targets`` (pitch clamped to ``min_pitch_deg``), those whose
    view meets no wall/box (``solid``) closer than ``min_view_distance_m``, with what each shows. A
    ``close`` look (reaching out to a small thing) may come nearer, as long as the first thing its
    view meets lies no nearer than its target's centre less ``_CLOSE_SLACK_M``: the thing itself or what it rests on."""
    yaw, pitch = yaw_pitch_towards(eyes, targets)
    pitch = np.maximum(pitch, np.radians(cfg.min_pitch_deg))
    nearest = np.full(len(eyes), cfg.min_view_distance_m)
    if close:
        nearest = np.minimum(nearest, np.linalg.norm(eyes - targets, axis=1) - _CLOSE_SLACK_M)
    safe = first_hit(eyes, directions(yaw, pitch), room, solid(boxes)) >= nearest
    eyes, yaw, pitch = eyes[safe], yaw[safe], pitch[safe]
    clear = level_pixels(request.visibility, "clear", request.intrinsics)
    est = estimate(camera_poses(eyes, yaw, pitch), request.intrinsics, room, boxes, clear)
    return Viewpoints(eyes, yaw, pitch, est.at_least(clear), est.at_least(clear * cfg.pixel_margin),
                      np.asarray(stands, dtype=float)[safe])


def set_cover(sees: np.ndarray, todo: np.ndarray | None = None, eyes=None, metre_cost: float = 0.0,
              chosen: list[int] | None = None) -> list[int]:
    """Greedy set cover: viewpoint indices, each adding the most objects of ``todo`` (default: all
    that any viewpoint sees) not yet seen, less ``metre_cost`` per metre from the nearest viewpoint
    already ``chosen`` (``eyes`` (V, 3) needed then; 0 keeps the tour compact for no one)."""
    todo = sees.any(axis=0) if todo is None else todo & sees.any(axis=0)
    chosen = list(chosen or [])
    picked = []
    while todo.any():
        gain = sees[:, todo].sum(axis=1).astype(float)
        if metre_cost > 0 and chosen:
            gap = np.linalg.norm(eyes[:, None, :2] - eyes[None, chosen, :2], axis=-1).min(axis=1)
            gain = np.where(gain > 0, gain - metre_cost * gap, -np.inf)
        best = int(np.argmax(gain))  # ties: lowest index, i.e. rng-drawn candidate order
        chosen.append(best)
        picked.append(best)
        todo = todo & ~sees[best]
    return picked


def choose(views: Viewpoints, metre_cost: float = 0.0) -> list[int]:
    """Set cover with the pixel margin first; objects no viewpoint shows that well get a second cover
    at the plain clear level. The order is the order of choice: most useful first. ``metre_cost``
    (objects per metre) favours viewpoints near those already chosen: a shorter walk."""
    eyes = views.eyes if metre_cost > 0 else None
    chosen = set_cover(views.sees_well, eyes=eyes, metre_cost=metre_cost)
    seen = views.sees_well[chosen].any(axis=0) if chosen else np.zeros(views.sees.shape[1], dtype=bool)
    return chosen + set_cover(views.sees, ~seen, eyes, metre_cost, chosen)


def fit_tour(cfg: ViewpointConfig, grid: OccupancyGrid, views: Viewpoints, chosen: list[int], n: int, fps: float,
             dwell: int, move_cost=None, keep=(), min_dwell: int | None = None):
    """Order the chosen viewpoints, route between them and fit them into ``n`` frames.

    Each station gets ``dwell`` frames; a move gets the frames its walking, turning and bending
    (``_BEND_MPS``) need at
    ``speed_mps`` where they fit, at ``max_speed_mps`` at worst (eased moves peak at 1.5× their mean
    rate). Returns (stations in visiting order, legs, frames per segment [dwell, move, ..., dwell]).
    While the tour does not fit, the station is dropped that loses the fewest objects no other
    station shows clearly, of those the one whose absence saves the most frames; then the
    viewpoints nearest the tour that show some of what it lost are tried in its place.
    ``move_cost(a, b)``, if given, adds symmetric seconds to the move between viewpoints a and b
    when ordering the tour (the walkthrough's turns across blank walls). Viewpoints in ``keep`` are
    dropped only when nothing else is left to drop (the walkthrough's floor views). Before a station
    is dropped whose absence would lose an object, every station is passed in ``min_dwell`` frames
    (if given and shorter) instead of ``dwell``: a brisker pass rather than an object never shown.
    """
    def route(a: int, b: int) -> np.ndarray:  # kept on the grid: a plan fits several tours on it
        key = (views.stands[a].tobytes(), views.stands[b].tobytes(), cfg.path_margin_m)
        if key not in grid.memo:
            grid.memo[key] = chaikin(grid, smooth_route(grid, views.stands[a], views.stands[b], cfg.path_margin_m))
        return grid.memo[key].copy()

    def tour(subset: list[int]):
        extra = None if move_cost is None else [[move_cost(a, b) if a != b else 0.0 for b in subset] for a in subset]
        order = order_tour(views.eyes[subset], views.yaws[subset], cfg.speed_mps, np.radians(cfg.max_turn_dps), extra)
        stations = [subset[i] for i in order]
        legs = [route(a, b) for a, b in zip(stations, stations[1:])]
        turns = [abs(wrap_angle(views.yaws[b] - views.yaws[a])) for a, b in zip(stations, stations[1:])]
        # 1.5× the frames for the eased peak rate, and one of slack for the heading search's bins
        turn = [int(np.ceil(1.5 * t / max_step)) + 1 for t in turns]
        # bending down to a lowered eye, reaching out, standing up again take their time too
        shift = np.column_stack([views.reaches, views.eyes[:, 2]])
        bend = [int(np.ceil(1.5 * np.linalg.norm(shift[b] - shift[a]) / _BEND_MPS * fps))
                for a, b in zip(stations, stations[1:])]
        turn = [max(t, z) for t, z in zip(turn, bend)]
        fastest, preferred = (
            [max(int(np.ceil(1.5 * path_cost(leg) / v * fps)), t, 1) for leg, t in zip(legs, turn)]
            for v in (cfg.max_speed_mps, cfg.speed_mps)
        )
        return stations, legs, fastest, allocate_frames(min(dwell, n), fastest, preferred, n)

    max_step = np.radians(cfg.max_turn_dps) / fps
    chosen = list(chosen)
    stations, legs, fastest, frames = tour(chosen)
    while frames is None:  # never for a single viewpoint
        options = []
        for drop in [v for v in chosen if v not in keep] or chosen:
            rest = [v for v in chosen if v != drop]
            lost = int((views.sees[drop] & ~views.sees[rest].any(axis=0)).sum())
            options.append((lost, sum(fastest) - sum(tour(rest)[2]), drop))
        if min(options)[0] > 0 and min_dwell is not None and min_dwell < dwell:
            dwell = min_dwell  # every drop loses an object: pass the stations more briskly first
            stations, legs, fastest, frames = tour(chosen)
            continue
        drop = min(options, key=lambda o: (o[0], -o[1]))[2]
        chosen = [v for v in chosen if v != drop]
        stations, legs, fastest, frames = tour(chosen)
        if frames is None:
            continue
        # a nearer viewpoint may show what the dropped one did and still fit
        lost = views.sees[drop] & ~views.sees[chosen].any(axis=0)
        spares = [v for v in np.flatnonzero(views.sees[:, lost].any(axis=1)) if v not in chosen and v != drop]
        gap = [np.linalg.norm(views.eyes[chosen, :2] - views.eyes[v, :2], axis=1).min() for v in spares]
        for v in [spares[i] for i in np.argsort(gap, kind="stable")[:_SUBSTITUTES]]:
            trial = tour(chosen + [int(v)])
            if trial[3] is not None:
                chosen = chosen + [int(v)]
                stations, legs, fastest, frames = trial
                break
    return stations, legs, frames
