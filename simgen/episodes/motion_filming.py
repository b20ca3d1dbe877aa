"""When a planned camera path films a motion: before, while and after the object moves.

A viewer can tell that, where and how far an object moved only when the video shows it in place
right before it moves, shows it (mostly) while it moves, and shows it in place right after it stops.
``Filming`` predicts that from geometry, before anything is rendered: the object's box at each pose
of its ``Track`` (where it rests, where it is at sampled frames of the motion, where it stays) is
judged against the camera path with ``box_visibility.estimate`` and the run's one visibility model
(the ``clear`` level before and after, ``seen`` while moving, each times the scheduler's pixel
margin: a box overstates a round or thin shape). ``Filming.starts`` lists the start frames at which
all three hold; the rendered masks are checked again by the QA verifier (``motion_not_seen``).

A push's track comes from the simulator itself (``push_track``: the settled scene loaded, the push
applied, physics stepped frame by frame exactly as ``dynamics.Playback`` will), so where and when
it comes to rest is known before its start frame is chosen.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from simgen.trajectories.base import PlanRequest
from simgen.trajectories.box_visibility import estimate, level_pixels
from simgen.trajectories.planning_geometry import Boxes, Room
from simgen.types import Pose

WINDOW_S = 1.0  # motions keep this many seconds apart (a viewer sees one at a time)
PATH_SAMPLES = 6  # in-motion poses checked (evenly spaced over the motion's frames)
DURING_SHARE = 0.75  # share of them predicted seen (the verifier asks half of the frames, from masks)
REST_MM = 1.0  # a pushed object has stopped once it moves less than this between frames


@dataclass(frozen=True)
class Track:
    """Where one object is around its motion: ``rest`` before it, ``moving[i]`` at the motion's
    i-th frame (frame ``start_frame + i``); the last of ``moving`` is where it stays."""

    object_id: int
    rest: Pose
    moving: tuple[Pose, ...]

    @property
    def distance_m(self) -> float:
        """Straight-line distance from where it rested to where it stays."""
        return float(np.linalg.norm(np.subtract(self.moving[-1].position, self.rest.position)))


def eased_position(start, end, i: int, frames: int) -> tuple[float, float, float]:
    """The position at the i-th of ``frames`` frames of a scripted slide from ``start`` to ``end``
    (smoothstep easing; frame 0 has already left ``start``, the last frame is at ``end``)."""
    t = (i + 1) / frames
    t = t * t * (3.0 - 2.0 * t)
    p = np.asarray(start, dtype=float) + t * (np.asarray(end, dtype=float) - np.asarray(start, dtype=float))
    return tuple(float(v) for v in p)


def scripted_track(object_id: int, rest: Pose, to, frames: int) -> Track:
    """The track of a scripted relocation of ``frames`` frames from ``rest`` to position ``to``."""
    return Track(object_id, rest, tuple(Pose(eased_position(rest.position, to, i, frames), rest.quat_wxyz)
                                        for i in range(frames)))


def push_track(sim, spec, object_id: int, velocity, dt: float, max_frames: int) -> tuple[Track | None, float]:
    """Push ``object_id`` in the freshly loaded, settled scene ``spec`` and step physics ``dt`` a
    frame as playback does; returns its track (None if it is still moving after ``max_frames``)
    and how far any other object was knocked (m). Leaves ``sim`` mid-trial: reload it after."""
    states = sim.load(spec)
    ids = [s.object_id for s in states]
    row = ids.index(object_id)
    start = positions(states)
    sim.set_velocity(object_id, velocity)
    before, poses = start, []
    for _ in range(max_frames):
        after_states = sim.step(dt)
        after = positions(after_states)
        moved_mm = np.abs(after - before).max() * 1000.0
        if moved_mm < REST_MM:
            break
        poses.append(after_states[row].pose)
        before = after
    else:
        return None, 0.0
    others = np.delete(np.linalg.norm(before - start, axis=1), row)
    return (Track(object_id, states[row].pose, tuple(poses)) if poses else None), float(others.max(initial=0.0))


class Filming:
    """Predicted visibility, along one planned camera path, of a scene's objects at poses they may take."""

    def __init__(self, request: PlanRequest, poses: np.ndarray, margin: float):
        self.request, self.poses = request, np.asarray(poses)
        self.room = Room.from_spec(request.scene.room)
        self.need_seen = level_pixels(request.visibility, "seen", request.intrinsics, margin)
        self.need_clear = level_pixels(request.visibility, "clear", request.intrinsics, margin)
        self.window = max(1, int(round(WINDOW_S * request.fps)))  # other motions keep this many frames away
        self.held = request.visibility.clear_frames  # clear frames in a row right before and right after
        est = estimate(self.poses, request.intrinsics, self.room, Boxes.from_request(request), self.need_seen)
        self.clear = est.at_least(self.need_clear)  # (F, M): objects where they rest, seen clearly

    def ghost_pixels(self, k: int, poses: list[Pose], occluded: bool = True) -> np.ndarray:
        """(F, G) predicted visible pixels of object ``k`` placed at each of ``poses``, the other
        objects where they rest. ``occluded=False``: an upper bound, the pixels in frame (cheap).
        Occluded: one ray cast per pose (a ghost must not hide another), only on the frames where
        the upper bound reaches ``need_seen`` (below it a count stays an upper bound)."""
        spec, obj = self.request.scene, self.request.scene.objects[k]
        rest = tuple(o for o in spec.objects if o.object_id != obj.object_id)
        states = tuple(s for s in self.request.states if s.object_id != obj.object_id)

        def boxes(ghosts: list[Pose]) -> Boxes:
            placed = tuple(replace(obj, object_id=-1 - i, pose=p) for i, p in enumerate(ghosts))
            scene = replace(spec, objects=rest + placed)
            return Boxes.from_request(replace(self.request, scene=scene, states=states))

        pixels = estimate(self.poses, self.request.intrinsics, self.room, boxes(poses), np.inf).pixels[:, len(rest):]
        for g, pose in enumerate(poses if occluded else ()):
            frames = np.flatnonzero(pixels[:, g] >= self.need_seen)
            if len(frames):
                pixels[frames, g] = estimate(self.poses[frames], self.request.intrinsics, self.room, boxes([pose]),
                                             self.need_seen).pixels[:, -1]
        return pixels

    def shown_at_rest(self, k: int) -> bool:
        """Whether object ``k`` where it rests is seen clearly in ``held`` frames in a row somewhere
        (no motion of it can be filmed otherwise; a cheap test before any physics or ghost)."""
        frames = np.arange(len(self.poses))
        return bool((_window_counts(self.clear[:, k], frames - self.held, frames) == self.held).any())

    def starts(self, k: int, track: Track, busy: list[tuple[int, int]]) -> np.ndarray:
        """Start frames at which object ``k`` moving along ``track`` is filmed: seen clearly at rest
        in each of the ``held`` frames right before the start, seen at ≥ ``DURING_SHARE`` of the
        sampled in-motion poses, seen clearly where it stays in each of the ``held`` frames from
        the motion's last frame on. Motions do not overlap: each ``busy`` (start, end) interval
        keeps ``window`` frames clear of this one's."""
        n, span, w, held = len(self.poses), len(track.moving), self.window, self.held
        starts = np.arange(held, n - span - held + 2)  # the after-frames end inside the video
        for lo, hi in busy:
            starts = starts[(starts + span - 1 + w < lo) | (starts - w > hi)]
        starts = starts[_window_counts(self.clear[:, k], starts - held, starts) == held]  # right before
        if not len(starts):
            return starts  # (checked first: the ghosts below cost an estimate each)
        end_clear = self.ghost_pixels(k, [track.moving[-1]])[:, 0] >= self.need_clear
        ends = starts + span - 1
        starts = starts[_window_counts(end_clear, ends, ends + held) == held]  # right after
        if not len(starts):
            return starts
        offsets = np.unique(np.linspace(0, span - 1, PATH_SAMPLES, endpoint=False).round().astype(int))
        seen = self.ghost_pixels(k, [track.moving[o] for o in offsets]) >= self.need_seen
        during = seen[starts[:, None] + offsets[None], np.arange(len(offsets))[None]]
        return starts[(during.mean(axis=1) >= DURING_SHARE) & during[:, 0]]  # and seen as it sets off

    def best(self, k: int, starts: np.ndarray, span: int, rng: np.random.Generator) -> int:
        """One of ``starts``, drawn among those at which the most other objects are seen clearly
        both before the motion and after it (the still objects a question about it compares with)."""
        clear = np.delete(self.clear, k, axis=1)
        seen_before = np.cumsum(clear, axis=0) > 0
        seen_after = np.cumsum(clear[::-1], axis=0)[::-1] > 0
        score = (seen_before[starts - 1] & seen_after[np.minimum(starts + span, len(clear) - 1)]).sum(axis=1)
        top = starts[score == score.max()]
        return int(top[rng.integers(len(top))])


def _window_counts(flags: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """How many of ``flags[lo:hi]`` are set, for each (lo, hi) pair (clipped to the array)."""
    total = np.concatenate([[0], np.cumsum(flags)])
    n = len(flags)
    return total[np.clip(hi, 0, n)] - total[np.clip(lo, 0, n)]


def positions(states) -> np.ndarray:
    """(N, 3) positions of object states."""
    return np.array([s.pose.position for s in states], dtype=float).reshape(-1, 3)
