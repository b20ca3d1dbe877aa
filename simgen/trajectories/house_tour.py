"""House tour: scan every room the way a handheld phone scan does, walking through the doorways from
room to room.

The rooms are scanned in ``house_rooms.scan_order`` (always on to the unscanned room fewest doorways
away; of the orders passing the fewest doorways the seed picks one; then ``revisit`` rooms seen
earlier, scanned again). Each scan is the walkthrough planner (``walkthrough.Walkthrough``) run on
the room alone: its floor inside its walls as the room, the objects standing in it
(``house_rooms.room_of``), every walkthrough knob of this config applying. A scan runs either way
round, whichever starts nearer the doorway the tour comes in by and ends nearer the one it leaves
by. Between scans the camera walks: smoothed A* on the whole house's free space, whose walls include
the interior ones with the doorways open (``house_rooms.house_geometry``), at ``clearance_m`` or,
where no way is that wide, down to ``_MIN_CLEARANCE_M``. It turns towards the way on the spot,
standing up meanwhile from a close look (crouched in a corner, turning either way round faced
something from close up: house seed 9's bathroom on 6b65782, a wall 0.4 m to one side, a cabinet
0.2 m to the other), walks looking along it (through each doorway it passes), turns to the next
scan's first view near the end (``_SETTLE_M``) and on the spot; its headings come from the walkthrough's search
(``walk_headings``) over the whole house, so it never looks at a wall or box closer than
``min_view_distance_m`` and keeps some object in view where it can.

Frames: ``frames_for`` is the episode's length (the runner asks it: ``base.frame_budget``):
``room_seconds`` + ``object_seconds`` per object for each room's first scan, ``revisit_seconds``
per revisit, plus the estimated walks between (``render.duration_s`` does not apply). A plan of
``n`` frames gives the walks what they need (at ``speed_mps`` where the frames allow, at worst
``max_speed_mps``) and shares the rest between the scans in proportion to their seconds.
"""
import functools
from dataclasses import dataclass, replace

import numpy as np

from simgen.geometry import wrap_angle
from simgen.registry import PLANNERS, setting
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.house_rooms import door_towards, footprints, hops, house_geometry, room_of, scan_order
from simgen.trajectories.occupancy import build_grid
from simgen.trajectories.pathing import chaikin, path_cost, resample, smooth_route, tangent_headings
from simgen.trajectories.planning_geometry import Boxes, PlanningError, camera_poses, check_request
from simgen.trajectories.tour import _share, allocate_frames
from simgen.trajectories.walk_headings import fill_gaps, headings
from simgen.trajectories.viewpoints import _BEND_MPS
from simgen.trajectories.walk_timeline import blend
from simgen.trajectories.walkthrough import Walkthrough, WalkthroughConfig
from simgen.types import RoomSpec

_SETTLE_M = 1.0  # within this of a walk's ends the camera turns to the scans' views...
_DOOR_LOOK_M = 0.7  # ...but within this of a doorway it looks along the way
_DOOR_PIN_M = 0.15  # and within this (through the wall's thickness) exactly along it
_CLEARANCE_STEP_M = 0.1  # a walk with no way at clearance_m (a narrow doorway, a sofa by a passage) tries this less...
_MIN_CLEARANCE_M = 0.1  # ...down to this
_REFITS = 4  # scans re-planned with fewer frames while the walks between do not fit


@dataclass(frozen=True)
class HouseTourConfig(WalkthroughConfig):
    """The walkthrough's knobs (for each room's scan) and the tour's own (seconds, counts)."""

    room_seconds: float = setting(6.0, gt=0.0, le=600.0)  # each room's first scan: this...
    object_seconds: float = setting(0.4, ge=0.0, le=60.0)  # ...plus this per object standing in it
    # rooms scanned again after every room was scanned once, seen earlier (the seed picks which)
    revisit: int = setting(0, ge=0, le=16)
    revisit_seconds: float = setting(6.0, gt=0.0, le=600.0)  # each revisit's scan


@PLANNERS.register("house_tour", config=HouseTourConfig)
class HouseTour:
    """Scans every room of a house (walkthroughs), walking from room to room through the doorways."""

    def __init__(self, cfg: HouseTourConfig):
        self.cfg = cfg
        self.walk = Walkthrough(cfg)

    def scan_seconds(self, spec, order: list[int]) -> np.ndarray:
        """Seconds of each scan in ``order`` (first scans by their objects, revisits fixed)."""
        cfg, polys = self.cfg, footprints(spec)
        where = room_of([o.pose.position for o in spec.objects], polys) if spec.objects else np.zeros(0, dtype=int)
        counts = np.bincount(where, minlength=len(polys))
        first = {r: i for i, r in reversed(list(enumerate(order)))}
        return np.array([cfg.room_seconds + cfg.object_seconds * counts[r] if first[r] == i else cfg.revisit_seconds
                         for i, r in enumerate(order)])

    def walk_estimates(self, spec, order: list[int]) -> np.ndarray:
        """Seconds of each walk between scans, estimated from centroid through the doorways on a
        shortest way to centroid at ``speed_mps`` (eased: 1.5×), plus a second to turn."""
        polys = footprints(spec)
        steps, centre = hops(len(polys), spec), [p.mean(axis=0) for p in polys]
        out = []
        for a, b in zip(order, order[1:]):
            points, here = [centre[a]], a
            while here != b:
                door, here = door_towards(spec, here, b, steps)
                points.append(door)
            out.append(1.5 * path_cost(points + [centre[b]]) / self.cfg.speed_mps + 1.0)
        return np.array(out)

    def frames_for(self, spec, fps: float) -> int:
        """The episode's frames for this scene: every scan's seconds and the estimated walks between,
        over the tour ``scan_order`` finds without a seed (the seed's tour passes as many doorways)."""
        order = scan_order(spec, self.cfg.revisit)
        return max(1, int(round(fps * (self.scan_seconds(spec, order).sum() + self.walk_estimates(spec, order).sum()))))

    def plan(self, request: PlanRequest, rng: np.random.Generator) -> np.ndarray:
        """``request.n_frames`` poses: the scans in order and the walks between them."""
        check_request(request)
        cfg, spec, fps, n = self.cfg, request.scene, request.fps, request.n_frames
        order = scan_order(spec, cfg.revisit, rng)
        seeds = rng.integers(2**63, size=len(order))  # each scan's own stream, the same on every refit
        seconds = self.scan_seconds(spec, order)
        walking = int(round(fps * self.walk_estimates(spec, order).sum()))
        house, boxes = house_geometry(spec), Boxes.from_request(request)
        levels = list(np.arange(cfg.clearance_m, _MIN_CLEARANCE_M - 1e-9, -_CLEARANCE_STEP_M)) or [cfg.clearance_m]
        grids = [functools.cache(lambda c=c: build_grid(house, boxes, cfg.eye_height_m, c, cfg.grid_resolution_m))
                 for c in levels]  # built when first needed
        for _ in range(_REFITS):
            scans = self.scans(request, order, _share(n - walking, seconds), seeds)
            walks = [self.walk_between(grids, a[-1], b[0], fps) for a, b in zip(scans, scans[1:])]
            fastest = [w[1] for w in walks]
            left = n - sum(len(s) for s in scans)
            if left >= sum(fastest):
                break
            walking += sum(fastest) - left
        else:
            raise PlanningError(f"house_tour: {n} frames do not fit {len(order)} scans and the walks between; "
                                "raise trajectory.room_seconds or lower trajectory.revisit")
        frames = allocate_frames(0, fastest, [w[2] for w in walks], left)[1::2] if walks else []
        poses = [scans[0]]
        for scan, walk, t in zip(scans[1:], walks, frames):
            poses += [self.walk_poses(request, house, boxes, poses[-1][-1], scan[0], walk[0], t), scan]
        return np.concatenate(poses)

    def scans(self, request: PlanRequest, order: list[int], frames, seeds) -> list[np.ndarray]:
        """Each scan's poses: the walkthrough of the room alone (in ``frames``, drawing from a generator
        seeded by ``seeds``), run the way round that starts nearer the doorway in and ends nearer the
        doorway out."""
        spec, polys = request.scene, footprints(request.scene)
        steps = hops(len(polys), spec)
        where = room_of([o.pose.position for o in spec.objects], polys) if spec.objects else np.zeros(0, dtype=int)
        out = []
        for i, (r, k, seed) in enumerate(zip(order, frames, seeds)):
            if k < 1:
                raise PlanningError(f"house_tour: no frames left for scan {i + 1} of {len(order)}; raise trajectory.room_seconds")
            room = RoomSpec(tuple(map(tuple, polys[r])), spec.room.height)
            mine = tuple(o for o, w in zip(spec.objects, where) if w == r)
            alone = replace(request, scene=replace(spec, room=room, objects=mine, rooms=(), openings=()), n_frames=int(k))
            try:
                poses = self.walk.plan(alone, np.random.default_rng(seed))
            except PlanningError as e:
                name = spec.rooms[r].name if spec.rooms else "room"
                raise PlanningError(f"house_tour: scanning {name}: {e}") from None
            entry = door_towards(spec, r, order[i - 1], steps)[0] if i else None
            leave = door_towards(spec, r, order[i + 1], steps)[0] if i + 1 < len(order) else None
            out.append(poses[::-1] if _detour(poses[::-1], entry, leave) < _detour(poses, entry, leave) else poses)
        return out

    def walk_between(self, grids, before: np.ndarray, after: np.ndarray, fps: float):
        """(route, fastest frames, preferred frames) of the walk from pose ``before`` to ``after``:
        smoothed A* between the free spots nearest the two cameras (a camera reaching out for a close
        look stands a little back from it), on the first of ``grids`` (the house's free space at
        falling clearances) that has a way. Its frames: on the spot at both ends (``_hold_frames``),
        and between walking (eased: 1.5× the mean speed at the peak) or bending to the next view's eye
        (the walk starts at eye height), whichever is longer."""
        cfg = self.cfg
        for grid in grids:
            grid = grid()
            ends = [T[:2, 3] if grid.free_at(T[None, :2, 3])[0] else grid.nearest_free(T[:2, 3]) for T in (before, after)]
            try:
                route = chaikin(grid, smooth_route(grid, ends[0], ends[1], cfg.path_margin_m))
                break
            except PlanningError as e:
                error = e
        else:
            raise PlanningError(f"house_tour: no walk between two rooms' scans, even {grid.clearance:.2f} m clear of "
                                f"walls and furniture: {error}")
        length = path_cost(route)
        turning = sum(_hold_frames(cfg, fps, route, before, after))
        bend = float(np.linalg.norm(np.append(after[:2, 3] - ends[1], after[2, 3] - cfg.eye_height_m))) / _BEND_MPS

        def frames(speed: float) -> int:  # on the spot at both ends, walking (eased) or bending between
            return int(np.ceil(1.5 * max(length / speed, bend) * fps)) + turning + 1

        return route, frames(cfg.max_speed_mps), frames(cfg.speed_mps)

    def walk_poses(self, request: PlanRequest, house, boxes, before, after, route, t: int) -> np.ndarray:
        """``t`` poses walking ``route`` from pose ``before`` to ``after`` (both excluded): first the
        camera turns towards the way on the spot, drawing a close look's reach back and standing up to
        eye height meanwhile (``_hold_frames``), then walks, eased, looking along the way and drawn
        within ``_SETTLE_M`` of the end (never within ``_DOOR_LOOK_M`` of a doorway) to where the next
        scan starts, and turns to it on the spot. The camera's reach and height blend from eye height
        to the next view's, the pitch through ``pitch_deg``; the headings come from the walkthrough's
        search over the whole house."""
        cfg = self.cfg
        length, u = path_cost(route), np.arange(t + 2) / (t + 1)
        hold = [min(k / (t + 1), 0.3) for k in _hold_frames(cfg, request.fps, route, before, after)]
        walking = np.clip((u - hold[0]) / (1.0 - hold[0] - hold[1]), 0.0, 1.0)
        ease, turned = _smooth(walking), _smooth(np.clip(u / max(hold[0], 2.0 / (t + 1)), 0.0, 1.0))
        arc = ease * length
        xy = resample(route, arc) if len(route) > 1 else np.repeat(route[:1], t + 2, axis=0)
        # turning away from a close look the camera draws back and stands up (in a corner, turning
        # crouched either way round faces a wall or a cabinet from close up)
        xy = xy + np.outer(1.0 - turned, before[:2, 3] - route[0]) + np.outer(ease, after[:2, 3] - route[-1])
        near = [np.clip(1.0 - d / _SETTLE_M, 0.0, 1.0) for d in (arc, length - arc)]
        height = _weights(ease, [near[0] * (1.0 - turned), near[1]]).T @ [before[2, 3], after[2, 3], cfg.eye_height_m]
        # passing a doorway the camera looks where it goes: the end's pull fades out near each crossing
        cross = _crossings(route, footprints(request.scene))
        if len(cross):
            reach = max(min(_DOOR_LOOK_M, length - cross.max()), 1e-9)  # the end keeps its pull
            near[1] = near[1] * np.clip(np.abs(arc[:, None] - cross[None]).min(axis=1) / reach, 0.0, 1.0)
        weights = _weights(ease, [1.0 - turned, near[1]])  # the start's view is left while turning away
        pitch = weights.T @ [_pitch(before), _pitch(after), np.radians(cfg.pitch_deg)]
        way = tangent_headings(route, arc) if len(route) > 1 else np.full(t + 2, _yaw(before))
        desired = blend(weights, [np.full(t + 2, _yaw(before)), np.full(t + 2, _yaw(after)), way])
        desired[0], desired[-1] = _yaw(before), _yaw(after)
        eyes = np.column_stack([xy, height])
        ends = np.zeros(t + 2, dtype=bool)
        ends[[0, -1]] = True  # the scans' poses: the search keeps them and turns from and to them...
        if len(cross):  # ...and in a doorway the camera looks along the way, not turning early to the next view
            ends |= np.abs(arc[:, None] - cross[None]).min(axis=1) <= _DOOR_PIN_M
        timeline = (eyes, desired, pitch, ends)
        yaws, costs = headings(cfg, *timeline, request, house, boxes)
        yaws = fill_gaps(cfg, timeline, yaws, costs, request, house, boxes)
        return camera_poses(eyes[1:-1], yaws[1:-1], pitch[1:-1])


def _smooth(x):
    """Smoothstep: 0 → 0 and 1 → 1 with zero slope at both."""
    return x * x * (3.0 - 2.0 * x)


def _turns(route, before, after) -> list[float]:
    """How far (rad) the camera turns from ``before``'s heading to the way, and from the way to ``after``'s."""
    way = tangent_headings(route, [0.0, path_cost(route)]) if len(route) > 1 else [_yaw(before), _yaw(after)]
    return [abs(float(wrap_angle(way[0] - _yaw(before)))), abs(float(wrap_angle(_yaw(after) - way[1])))]


def _turn_frames(turn: float, step: float) -> int:
    """Frames a turn on the spot takes at ``step`` rad per frame (eased: 1.5×, and one of slack)."""
    return int(np.ceil(1.5 * turn / step)) + 1


def _hold_frames(cfg, fps: float, route, before, after) -> list[int]:
    """Frames on the spot at a walk's start (turning to the way while the eye goes from ``before``'s
    to the way's start at ``eye_height_m``, at ``_BEND_MPS``: eased, 1.5×) and at its end (turning to
    ``after``'s view)."""
    turns = [_turn_frames(turn, np.radians(cfg.max_turn_dps) / fps) for turn in _turns(route, before, after)]
    rise = float(np.linalg.norm(np.append(route[0], cfg.eye_height_m) - before[:3, 3]))
    return [max(turns[0], int(np.ceil(1.5 * rise / _BEND_MPS * fps)) + 1), turns[1]]


def _weights(ease, near) -> np.ndarray:
    """(3, N) normalised weights of a walk's start, end and middle (eye height, ``pitch_deg``, the
    way ahead): the ends pull within ``near`` (1 at each end), eased from one to the other."""
    weights = np.array([(1.0 - ease) * near[0], ease * near[1], (1.0 - near[0]) * (1.0 - near[1])])
    return weights / weights.sum(axis=0)


def _crossings(route, polys, step: float = 0.02) -> np.ndarray:
    """Arc lengths at which ``route`` passes from one room into another."""
    arc = np.arange(0.0, path_cost(route) + step, step)
    rooms = room_of(resample(route, arc), polys) if len(route) > 1 else np.zeros(1, dtype=int)
    change = np.flatnonzero(np.diff(rooms))
    return 0.5 * (arc[change] + arc[change + 1])


def _pitch(T: np.ndarray) -> float:
    """Elevation of a camera pose's optical axis."""
    return float(np.arcsin(np.clip(T[2, 2], -1.0, 1.0)))


def _yaw(T: np.ndarray) -> float:
    """Heading of a camera pose's optical axis."""
    return float(np.arctan2(T[1, 2], T[0, 2]))


def _detour(poses: np.ndarray, entry, leave) -> float:
    """How far a scan starts from the doorway in plus how far it ends from the doorway out."""
    return sum(float(np.linalg.norm(poses[i, :2, 3] - door)) for i, door in ((0, entry), (-1, leave)) if door is not None)
