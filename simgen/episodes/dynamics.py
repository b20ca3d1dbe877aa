"""Scene dynamics: objects relocated by script or pushed by physics while the camera films.

Motions are chosen after the camera path is planned, so that each one is filmed: ``schedule``
picks up to ``num_moving`` objects (a complexity knob) predicted seen clearly before their motion
starts and, for a scripted relocation, a free floor destination (inside the room, clear of every
other footprint and of the camera's path) predicted seen clearly after it ends: the ``clear`` level
of the run's visibility model, the one QA asks about motions at, times ``pixel_margin`` because the
prediction uses boxes and a box overstates a round or thin shape. Predictions come from geometry;
the QA verifier then checks the rendered masks.

While rendering, ``Playback`` teleports scripted objects along an eased straight line (kinematic)
and gives pushed objects their velocity at the start frame; the simulator's physics does the rest
(sliding, rolling, falling off a table) and is stepped only while something moves. ``finalize``
fills in what physics decided (end frame, travelled distance).
"""
from dataclasses import dataclass, replace

import numpy as np

from simgen.geometry import convex_polygons_overlap, obb_footprint, points_in_polygon, quat_to_matrix
from simgen.registry import DYNAMICS, ConfigError, setting
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.planning_geometry import Boxes, Room
from simgen.trajectories.raycast import first_hit
from simgen.trajectories.box_visibility import estimate, level_pixels
from simgen.types import Frame, MotionEvent, ObjectSpec, ObjectState, Pose

_DESTINATION_TRIES = 24
_CAMERA_CLEARANCE_M = 0.4  # a destination keeps this far from every camera position
_PUSH_ROOM_M = 0.6  # a push points where the object has this much room to travel
_REST_MM = 1.0  # a pushed object has stopped once it moves less than this between frames


@dataclass(frozen=True)
class DynamicsConfig:
    """Knobs of scene dynamics (lengths in m, times in s, speeds in m/s)."""

    num_moving: int = setting(1, ge=0, le=64)
    move_m: tuple = (0.4, 1.0)  # scripted relocation distance range
    move_duration_s: float = setting(1.2, gt=0.0, le=30.0)
    push_speed_mps: tuple = (0.8, 1.6)  # initial horizontal speed of a push
    min_gap_m: float = 0.05  # clearance of a scripted destination from other footprints and walls
    # predicted pixels before / after a motion: this × the clear level (box vs mask)
    pixel_margin: float = setting(1.5, ge=1.0, le=10.0)

    def validate(self, where: str) -> None:
        """What ranges cannot say: each [low, high] pair is ordered and positive."""
        for key in ("move_m", "push_speed_mps"):
            lo_hi = getattr(self, key)
            if len(lo_hi) != 2 or not 0 < lo_hi[0] <= lo_hi[1]:
                raise ConfigError(f"{where}.{key}: expected [low, high] with 0 < low ≤ high, got {list(lo_hi)}")


class Dynamics:
    """Chooses, times and applies the motions of one episode; ``kinds`` empty = a static scene."""

    def __init__(self, cfg: DynamicsConfig, kinds: tuple[str, ...]):
        self.cfg, self.kinds = cfg, kinds

    def schedule(self, request: PlanRequest, poses: np.ndarray, rng: np.random.Generator) -> list[MotionEvent]:
        """Up to ``num_moving`` timed motions of distinct objects that the camera planned for
        ``request`` (scene, settled states, camera, fps, visibility model) films.

        An object qualifies if it is predicted seen clearly before its motion starts (and, for a
        push, when it starts); a scripted destination qualifies if it is inside the room, clear of
        other footprints and of the camera's path, and predicted seen clearly after the motion ends.
        """
        if not self.kinds or self.cfg.num_moving == 0:
            return []
        spec, states = request.scene, request.states
        n, span = len(poses), max(1, int(np.ceil(self.cfg.move_duration_s * request.fps)))
        seen = self._seen(request, poses, Boxes.from_request(request))
        seen_before = np.cumsum(seen, axis=0) > 0  # (F, M): seen at or before frame f
        pose = {s.object_id: s.pose for s in states}
        supports = {o.support for o in spec.objects}
        movable = {
            "scripted": [k for k, o in enumerate(spec.objects)
                         if o.support is None and o.kind != "occluder" and o.object_id not in supports],
            "push": [k for k, o in enumerate(spec.objects) if o.mass > 0],
        }
        events, taken = [], []
        for kind, k in self._draw_objects(movable, rng):
            if len(events) == self.cfg.num_moving:
                break
            obj = spec.objects[k]
            if kind == "push":
                starts = [f for f in range(1, n - int(request.fps)) if seen_before[f - 1, k] and seen[f, k]]
                angles = self._open_directions(request, k)
                if starts and len(angles):
                    angle, speed = angles[rng.integers(len(angles))], rng.uniform(*self.cfg.push_speed_mps)
                    velocity = [speed * np.cos(angle), speed * np.sin(angle), 0.0]
                    events.append(MotionEvent(obj.object_id, "push", int(starts[rng.integers(len(starts))]), n - 1,
                                              {"velocity": velocity}))
                continue
            event = self._scripted(spec, request, poses, pose, obj, seen_before[:, k], taken, span, rng)
            if event is not None:
                events.append(event)
                taken.append(_footprint(obj, Pose(tuple(event.params["to"]), pose[obj.object_id].quat_wxyz)))
        return sorted(events, key=lambda e: (e.start_frame, e.object_id))

    def _draw_objects(self, movable: dict, rng):
        """Candidate (kind, object index) pairs in a seeded random order, each object once."""
        pairs = [(kind, k) for kind in self.kinds for k in movable[kind]]
        seen = set()
        for i in rng.permutation(len(pairs)):
            kind, k = pairs[i]
            if k not in seen:
                seen.add(k)
                yield kind, k

    def _open_directions(self, request: PlanRequest, k: int) -> np.ndarray:
        """Headings (rad) in which object ``k`` can travel ≥ ``_PUSH_ROOM_M`` before a wall or another box."""
        boxes = Boxes.from_request(request)
        angles = np.radians(np.arange(0.0, 360.0, 15.0))
        dirs = np.column_stack([np.cos(angles), np.sin(angles), np.zeros_like(angles)])
        origins = np.repeat(boxes.centers[k][None], len(angles), axis=0)
        reach = first_hit(origins, dirs, Room.from_spec(request.scene.room), boxes.subset(np.arange(len(boxes)) != k))
        return angles[reach >= _PUSH_ROOM_M]

    def _seen(self, request: PlanRequest, poses: np.ndarray, boxes: Boxes) -> np.ndarray:
        """(F, M) ``boxes`` predicted seen clearly (with the pixel margin) from ``poses``."""
        need = level_pixels(request.visibility, "clear", request.intrinsics, self.cfg.pixel_margin)
        return estimate(poses, request.intrinsics, Room.from_spec(request.scene.room), boxes, need).at_least(need)

    def _scripted(self, spec, request, poses, pose, obj: ObjectSpec, seen_before, taken, span, rng):
        """A timed relocation of ``obj`` to a free, filmed floor spot, or None if there is none."""
        start = pose[obj.object_id]
        others = [_footprint(o, pose[o.object_id]) for o in spec.objects
                  if o.support is None and o.object_id != obj.object_id]
        eyes_xy = poses[:, :2, 3]
        ends = []
        for _ in range(_DESTINATION_TRIES):
            angle, dist = rng.uniform(-np.pi, np.pi), rng.uniform(*self.cfg.move_m)
            p = np.asarray(start.position) + dist * np.array([np.cos(angle), np.sin(angle), 0.0])
            end = Pose(tuple(float(v) for v in p), start.quat_wxyz)
            fp = _footprint(obj, end)
            if not points_in_polygon(_grown(fp, self.cfg.min_gap_m), spec.room.footprint).all():
                continue
            if any(convex_polygons_overlap(fp, o, self.cfg.min_gap_m) for o in others + taken):
                continue
            if points_in_polygon(eyes_xy, _grown(fp, _CAMERA_CLEARANCE_M)).any():
                continue  # the camera walks through there
            ends.append(end)
        if not ends:
            return None
        # the other objects stay (they can hide a destination); the moved one is only at its candidates
        rest = tuple(o for o in spec.objects if o.object_id != obj.object_id)
        ghosts = tuple(replace(obj, object_id=-1 - i, pose=end) for i, end in enumerate(ends))
        boxes = Boxes.from_request(replace(request, scene=replace(spec, objects=rest + ghosts),
                                           states=tuple(s for s in request.states if s.object_id != obj.object_id)))
        seen = self._seen(request, poses, boxes)[:, len(rest):]
        seen_after = np.cumsum(seen[::-1], axis=0)[::-1] > 0  # (F, candidates): seen at or after frame f
        n = len(poses)
        for i, end in enumerate(ends):
            starts = [f for f in range(1, n - span) if seen_before[f - 1] and seen_after[f + span, i]]
            if starts:
                s = int(starts[rng.integers(len(starts))])
                params = {"from": list(start.position), "to": list(end.position), "quat_wxyz": list(start.quat_wxyz)}
                return MotionEvent(obj.object_id, "scripted", s, s + span - 1, params)
        return None

class Playback:
    """Plays one episode's scheduled motions into the simulator, frame by frame."""

    def __init__(self, events: list[MotionEvent]):
        self.events = events
        self.in_motion = False  # physics runs only while something it moves is moving

    def advance(self, sim, frame: int, dt: float) -> tuple[ObjectState, ...]:
        """The states shown at ``frame``: scripted objects placed along their eased paths, pushes
        started, and physics stepped while anything moved more than ``_REST_MM`` since the last
        frame (a scene at rest stays at rest, so a dynamic episode costs about a static one).
        """
        for ev in self.events:
            if ev.kind == "scripted" and ev.start_frame <= frame <= ev.end_frame:
                t = (frame - ev.start_frame + 1) / (ev.end_frame - ev.start_frame + 1)
                t = t * t * (3.0 - 2.0 * t)
                p = np.asarray(ev.params["from"]) + t * (np.asarray(ev.params["to"]) - np.asarray(ev.params["from"]))
                sim.set_pose(ev.object_id, Pose(tuple(float(v) for v in p), tuple(ev.params["quat_wxyz"])))
            elif ev.kind == "push" and frame == ev.start_frame:
                sim.set_velocity(ev.object_id, ev.params["velocity"])
                self.in_motion = True
        if not self.in_motion:
            return sim.states()
        before = _positions(sim.states())
        after = sim.step(dt)
        self.in_motion = bool(np.abs(_positions(after) - before).max(initial=0.0) * 1000.0 >= _REST_MM)
        return after


def finalize(events: list[MotionEvent], frames: list[Frame]) -> tuple[MotionEvent, ...]:
    """Events with what the simulation did: pushes end when the object comes to rest; moved distances."""
    out = []
    for ev in events:
        track = np.array([[s.pose.position for s in f.objects if s.object_id == ev.object_id][0] for f in frames])
        end = ev.end_frame
        if ev.kind == "push":
            steps = np.linalg.norm(np.diff(track[ev.start_frame - 1:], axis=0), axis=1) * 1000.0
            moving = np.flatnonzero(steps >= _REST_MM)
            end = ev.start_frame + int(moving[-1]) if len(moving) else ev.start_frame
        params = {**ev.params, "from": track[ev.start_frame - 1].tolist(), "to": track[end].tolist(),
                  "distance_m": float(np.linalg.norm(track[end] - track[ev.start_frame - 1]))}
        out.append(replace(ev, end_frame=int(end), params=params))
    return tuple(out)


def _positions(states: tuple[ObjectState, ...]) -> np.ndarray:
    return np.array([s.pose.position for s in states], dtype=float).reshape(-1, 3)


def _footprint(obj: ObjectSpec, pose: Pose) -> np.ndarray:
    return obb_footprint(pose.position, obj.half_extents, quat_to_matrix(pose.quat_wxyz))


def _grown(poly: np.ndarray, margin: float) -> np.ndarray:
    centre = poly.mean(axis=0)
    d = poly - centre
    return centre + d * (1.0 + margin / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-9))


def _register(name: str, kinds: tuple[str, ...]) -> None:
    DYNAMICS.register(name, config=DynamicsConfig)(lambda cfg: Dynamics(cfg, kinds))


for _name, _kinds in (("none", ()), ("scripted", ("scripted",)), ("push", ("push",)), ("mixed", ("scripted", "push"))):
    _register(_name, _kinds)
