"""Scene dynamics: objects relocated by script or pushed by physics while the camera films.

Motions are chosen after the camera path is planned, so that each one is filmed: ``schedule``
picks up to ``num_moving`` objects (a complexity knob; those whose category is unique in the scene
first, as a question can name only them) and times each motion where the camera path
shows the object clearly in place right before it moves, shows it while it moves and shows it
clearly where it ends right after it stops (``motion_filming.Filming``: predicted from boxes with
the run's visibility model, times ``pixel_margin``; the QA verifier checks the rendered masks).
A scripted relocation goes to a free floor spot (inside the room — in a house, the object's own room —
clear of every other footprint
and of the camera's path) along a straight line that no other object's box stands in: kinematic
moves go through whatever is in the way, so the box swept from start to end (the hull of its two
footprints, over its heights) keeps ``_PATH_GAP_M`` from every other box it shares heights with
and from the paths of the motions scheduled before it. A push is tried in the simulator first (``motion_filming.push_track``)
so that where it comes to rest is known: a push that travels less than ``_MIN_PUSH_M``, knocks
another object or never comes to rest is not scheduled. Among the start frames that film a motion,
one is drawn at which the most other objects are seen clearly both before and after it.

While rendering, ``Playback`` teleports scripted objects along an eased straight line (kinematic)
and gives pushed objects their velocity at the start frame; the simulator's physics does the rest
(sliding, rolling, falling off a table) and is stepped only while something moves. ``finalize``
fills in what physics decided (end frame, travelled distance).
"""
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from simgen.episodes.motion_filming import REST_MM, Filming, eased_position, positions, push_track, scripted_track
from simgen.geometry import (
    convex_hull_2d, convex_polygons_overlap, obb_footprint, points_in_polygon, polygon_index, quat_to_matrix,
)
from simgen.registry import DYNAMICS, ConfigError, setting
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.planning_geometry import Boxes, Room
from simgen.trajectories.raycast import first_hit
from simgen.types import Frame, MotionEvent, ObjectSpec, ObjectState, Pose

_DESTINATION_TRIES = 24
_DESTINATIONS_FILMED = 4  # destinations per object whose whole motion is checked (the most costly step)
_PUSH_TRIES = 4  # pushes tried in the simulator per object
_CAMERA_CLEARANCE_M = 0.4  # a destination keeps this far from every camera position
_PATH_GAP_M = 0.01  # a scripted object's swept box keeps this far from every other box
_PUSH_ROOM_M = 0.6  # a push points where the object has this much room to travel
_KNOCK_M = 0.02  # a push may move another object at most this much (else it moves without an event)
_MIN_PUSH_M = 0.25  # a push travels at least this far (QA asks about moves of ≥ 0.2 m, min_motion_m)
_PUSH_MAX_S = 3.0  # a push that has not come to rest after this long is not scheduled


@dataclass(frozen=True)
class DynamicsConfig:
    """Knobs of scene dynamics (lengths in m, times in s, speeds in m/s)."""

    num_moving: int = setting(1, ge=0, le=64)
    move_m: tuple = (0.4, 1.0)  # scripted relocation distance range
    move_duration_s: float = setting(1.2, gt=0.0, le=30.0)
    push_speed_mps: tuple = (0.8, 1.6)  # initial horizontal speed of a push
    min_gap_m: float = 0.05  # clearance of a scripted destination from other footprints and walls
    # predicted pixels before / during / after a motion: this × the model's level (box vs mask)
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

    def schedule(self, request: PlanRequest, poses: np.ndarray, rng: np.random.Generator,
                 sim=None) -> list[MotionEvent]:
        """Up to ``num_moving`` timed motions of distinct objects, each filmed by the camera path
        ``poses`` planned for ``request`` (scene, settled states, camera, fps, visibility model)
        before, while and after it happens (see the module docstring).

        ``sim`` (the episode's simulator, ``request.scene`` loaded) tries pushes; it is reloaded
        to the settled scene afterwards. Needed only when pushes are among the kinds.
        """
        if not self.kinds or self.cfg.num_moving == 0:
            return []
        if "push" in self.kinds and sim is None:
            raise ValueError("Dynamics.schedule: pushes are tried in the simulator; pass the episode's sim")
        spec, states = request.scene, request.states
        span = max(1, int(np.ceil(self.cfg.move_duration_s * request.fps)))
        filming = Filming(request, poses, self.cfg.pixel_margin)
        pose = {s.object_id: s.pose for s in states}
        supports = {o.support for o in spec.objects}
        movable = {
            "scripted": [k for k, o in enumerate(spec.objects)
                         if o.support is None and o.kind != "occluder" and o.object_id not in supports],
            "push": [k for k, o in enumerate(spec.objects) if o.mass > 0],
        }
        events, taken, busy, pushed = [], [], [], False
        for kind, k in self._draw_objects(movable, spec, rng):
            if len(events) == self.cfg.num_moving:
                break
            obj = spec.objects[k]
            if not filming.shown_at_rest(k):
                continue
            if kind == "push":
                pushed = True
                found = self._push(request, filming, k, sim, busy, rng)
            else:
                found = self._scripted(request, filming, poses, pose, obj, taken, busy, span, rng)
            if found is None:
                continue
            track, start, params = found
            events.append(MotionEvent(obj.object_id, kind, start, start + len(track.moving) - 1, params))
            busy.append((start, start + len(track.moving) - 1))
            # later destinations and paths keep clear of where it went and stays
            taken.append(_swept(obj, pose[obj.object_id], track.moving[-1]) if kind == "scripted"
                         else _footprint(obj, track.moving[-1]))
        if pushed and sim.load(spec) != tuple(states):
            raise RuntimeError(f"scene {spec.scene_id}: reloading the simulator did not give the same settled "
                               "states; pushes tried in it would not play back as tried")
        return sorted(events, key=lambda e: (e.start_frame, e.object_id))

    def _draw_objects(self, movable: dict, spec, rng):
        """Candidate (kind, object index) pairs in a seeded random order, each object once; objects
        whose category is unique in the scene first (a question can name only those: "the chair"
        with two chairs in the room names neither)."""
        pairs = [(kind, k) for kind in self.kinds for k in movable[kind]]
        categories = Counter(o.category for o in spec.objects)
        order = sorted(rng.permutation(len(pairs)), key=lambda i: categories[spec.objects[pairs[i][1]].category] > 1)
        seen = set()
        for i in order:
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
        floor = own_floor(request.scene, boxes.centers[k][:2])
        reach = first_hit(origins, dirs, Room.from_spec(replace(request.scene.room, footprint=floor)),
                          boxes.subset(np.arange(len(boxes)) != k))
        return angles[reach >= _PUSH_ROOM_M]

    def _push(self, request: PlanRequest, filming: Filming, k: int, sim, busy, rng):
        """(track, start frame, params) of a filmed push of object ``k`` tried in ``sim``, or None."""
        angles = self._open_directions(request, k)
        obj_id = request.scene.objects[k].object_id
        max_frames = int(np.ceil(_PUSH_MAX_S * request.fps))
        for _ in range(_PUSH_TRIES if len(angles) else 0):
            angle, speed = angles[rng.integers(len(angles))], rng.uniform(*self.cfg.push_speed_mps)
            velocity = [float(speed * np.cos(angle)), float(speed * np.sin(angle)), 0.0]
            track, knocked = push_track(sim, request.scene, obj_id, velocity, 1.0 / request.fps, max_frames)
            if track is None or track.distance_m < _MIN_PUSH_M or knocked > _KNOCK_M:
                continue
            starts = filming.starts(k, track, busy)
            if len(starts):
                return track, filming.best(k, starts, len(track.moving), rng), {"velocity": velocity}
        return None

    def _scripted(self, request, filming: Filming, poses, pose, obj: ObjectSpec, taken, busy, span, rng):
        """(track, start frame, params) of a filmed relocation of ``obj`` to a free floor spot, or None."""
        spec = request.scene
        start = pose[obj.object_id]
        others = [_footprint(o, pose[o.object_id]) for o in spec.objects
                  if o.support is None and o.object_id != obj.object_id]
        boxes = [_box(o, pose[o.object_id]) for o in spec.objects if o.object_id != obj.object_id]
        eyes_xy = poses[:, :2, 3]
        ends = []
        for _ in range(_DESTINATION_TRIES):
            angle, dist = rng.uniform(-np.pi, np.pi), rng.uniform(*self.cfg.move_m)
            p = np.asarray(start.position) + dist * np.array([np.cos(angle), np.sin(angle), 0.0])
            end = Pose(tuple(float(v) for v in p), start.quat_wxyz)
            fp = _footprint(obj, end)
            if not points_in_polygon(_grown(fp, self.cfg.min_gap_m), own_floor(spec, start.position[:2])).all():
                continue
            if any(convex_polygons_overlap(fp, o, self.cfg.min_gap_m) for o in others + taken):
                continue
            if points_in_polygon(eyes_xy, _grown(fp, _CAMERA_CLEARANCE_M)).any():
                continue  # the camera walks through there
            if not _path_clear(obj, start, end, boxes, taken):
                continue  # it would slide through a table on its way (kinematic: nothing stops it)
            ends.append(end)
        if not ends:
            return None
        k = spec.objects.index(obj)
        # screen all destinations at once (in frame large enough, occlusion aside), then film the first few
        at_end = filming.ghost_pixels(k, ends, occluded=False) >= filming.need_clear
        filmed = [end for end, shown in zip(ends, at_end.sum(axis=0)) if shown >= filming.held]
        for end in filmed[:_DESTINATIONS_FILMED]:
            track = scripted_track(obj.object_id, start, end.position, span)
            starts = filming.starts(k, track, busy)
            if len(starts):
                params = {"from": list(start.position), "to": list(end.position), "quat_wxyz": list(start.quat_wxyz)}
                return track, filming.best(k, starts, span, rng), params
        return None


class Playback:
    """Plays one episode's scheduled motions into the simulator, frame by frame."""

    def __init__(self, events: list[MotionEvent]):
        self.events = events
        self.in_motion = False  # physics runs only while something it moves is moving

    def advance(self, sim, frame: int, dt: float) -> tuple[ObjectState, ...]:
        """The states shown at ``frame``: scripted objects placed along their eased paths, pushes
        started, and physics stepped while anything moved more than ``REST_MM`` since the last
        frame (a scene at rest stays at rest, so a dynamic episode costs about a static one).
        """
        for ev in self.events:
            if ev.kind == "scripted" and ev.start_frame <= frame <= ev.end_frame:
                p = eased_position(ev.params["from"], ev.params["to"], frame - ev.start_frame,
                                   ev.end_frame - ev.start_frame + 1)
                sim.set_pose(ev.object_id, Pose(p, tuple(ev.params["quat_wxyz"])))
            elif ev.kind == "push" and frame == ev.start_frame:
                sim.set_velocity(ev.object_id, ev.params["velocity"])
                self.in_motion = True
        if not self.in_motion:
            return sim.states()
        before = positions(sim.states())
        after = sim.step(dt)
        self.in_motion = bool(np.abs(positions(after) - before).max(initial=0.0) * 1000.0 >= REST_MM)
        return after


def finalize(events: list[MotionEvent], frames: list[Frame]) -> tuple[MotionEvent, ...]:
    """Events with what the simulation did: pushes end when the object comes to rest; moved distances."""
    out = []
    for ev in events:
        track = np.array([[s.pose.position for s in f.objects if s.object_id == ev.object_id][0] for f in frames])
        end = ev.end_frame
        if ev.kind == "push":
            steps = np.linalg.norm(np.diff(track[ev.start_frame - 1:], axis=0), axis=1) * 1000.0
            moving = np.flatnonzero(steps >= REST_MM)
            end = ev.start_frame + int(moving[-1]) if len(moving) else ev.start_frame
        params = {**ev.params, "from": track[ev.start_frame - 1].tolist(), "to": track[end].tolist(),
                  "distance_m": float(np.linalg.norm(track[end] - track[ev.start_frame - 1]))}
        out.append(replace(ev, end_frame=int(end), params=params))
    return tuple(out)


def own_floor(spec, xy) -> tuple:
    """The floor an object at ``xy`` moves on: its own room's in a house (walls stand between the rooms),
    else the room's."""
    (room,) = polygon_index(np.asarray(xy, dtype=float)[None, :2], [r.footprint for r in spec.rooms])
    return spec.rooms[room].footprint if room >= 0 else spec.room.footprint


def _footprint(obj: ObjectSpec, pose: Pose) -> np.ndarray:
    return obb_footprint(pose.position, obj.half_extents, quat_to_matrix(pose.quat_wxyz))


def _box(obj: ObjectSpec, pose: Pose) -> tuple[np.ndarray, float, float]:
    """An object's box as its footprint and the heights it spans (low, high)."""
    R = quat_to_matrix(pose.quat_wxyz)
    half_z = float(np.abs(R[2]) @ np.asarray(obj.half_extents, dtype=float))
    return obb_footprint(pose.position, obj.half_extents, R), pose.position[2] - half_z, pose.position[2] + half_z


def _swept(obj: ObjectSpec, start: Pose, end: Pose) -> np.ndarray:
    """The footprint an object covers sliding in a straight line from ``start`` to ``end`` (same
    orientation): the convex hull of its two footprints."""
    return convex_hull_2d(np.vstack([_footprint(obj, start), _footprint(obj, end)]))


def _path_clear(obj: ObjectSpec, start: Pose, end: Pose, boxes: list, taken: list) -> bool:
    """Whether ``obj`` slid from ``start`` to ``end`` keeps ``_PATH_GAP_M`` from every other box (footprint,
    low, high) it shares heights with and from every footprint ``taken`` by earlier motions."""
    swept, (_, low, high) = _swept(obj, start, end), _box(obj, start)
    return not any(z0 < high and low < z1 and convex_polygons_overlap(swept, fp, _PATH_GAP_M) for fp, z0, z1 in boxes) \
        and not any(convex_polygons_overlap(swept, fp, _PATH_GAP_M) for fp in taken)


def _grown(poly: np.ndarray, margin: float) -> np.ndarray:
    centre = poly.mean(axis=0)
    d = poly - centre
    return centre + d * (1.0 + margin / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-9))


def _register(name: str, kinds: tuple[str, ...]) -> None:
    DYNAMICS.register(name, config=DynamicsConfig)(lambda cfg: Dynamics(cfg, kinds))


for _name, _kinds in (("none", ()), ("scripted", ("scripted",)), ("push", ("push",)), ("mixed", ("scripted", "push"))):
    _register(_name, _kinds)
