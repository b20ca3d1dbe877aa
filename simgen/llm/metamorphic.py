"""Metamorphic probe scenes: one small, named edit of an episode, to see whether an answer follows it.

A program that means what its question says answers differently when the scene changes in the way
the question is about: a count follows added and removed objects, a distance follows a moved
object, a height follows a resized one. ``edits(episode, referents, counted, gen)`` yields
``Edit``\\s of one episode, each a copy with one change:

- ``move``: a referent moved 1.5 m sideways (``Edit.subject``; its height stays), or to the opposite side of the room (a moving
  object: where its motion ends), and a few other objects moved next to the first referent (a
  question without referents: every object moved, one at a time);
- ``lift``: every object raised by its own random height, a referent raised 1 m (as if put on a
  shelf), or put on top of another referent;
- ``resize``: a referent grown ×1.6, other objects ×2 (bottoms stay where they were);
- ``add`` / ``remove``: a copy of an object of a counted category or of another object placed
  elsewhere; one of them taken away (never a referent, whose uniqueness the question relies on);
- ``room``: the walls on the +x side pushed out 1.5 m;
- ``camera``: every camera turned (up to 60°) and its path stretched ×1.4 about the first one; or
  the path and the views mirrored left for right;
- ``motion``: in a dynamic episode, a moving object keeps still and a still referent makes its motion.

Visibility of every changed object (of all objects, after ``camera``) is recomputed from the
pinhole geometry (``simgen.llm.probes.projected_visibility``), so questions about what is seen
follow the edit too. Random choices flow from ``gen`` (derived from the probe seed by the caller).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from simgen.llm.probes import projected_visibility
from simgen.types import Episode, ObjectSpec, ObjectState, Pose

__all__ = ["Edit", "KINDS", "edits"]

KINDS = ("move", "lift", "resize", "add", "remove", "room", "camera", "motion")
OTHERS = 2  # non-referent objects edited per kind
MOVE_M, LIFT_M, GROW, GROW_OTHER, WALL_M, TURN_DEG, STRETCH = 1.5, 1.0, 1.6, 2.0, 1.5, 60.0, 1.4


@dataclass(frozen=True)
class Edit:
    """One edited copy of an episode: the kind of edit, what was done (for a repair message), the episode."""

    kind: str
    what: str
    episode: Episode
    subject: int | None = None  # the referent a move edit moved sideways (None: any other edit)


def edits(episode: Episode, referents: list[int], counted: list[str], gen: np.random.Generator) -> Iterator[Edit]:
    """Edits of ``episode`` in ``KINDS`` order; ``referents`` are the object ids the slots name,
    ``counted`` the categories a slot counts (instances may be added or removed)."""
    specs = {o.object_id: o for o in episode.scene.objects}
    refs = [i for i in referents if i in specs]
    pool = [i for i in specs if i not in refs and specs[i].category not in counted]
    # A question without referents is about the whole scene: every object is edited.
    others = [pool[int(j)] for j in gen.permutation(len(pool))[:OTHERS if refs or counted else len(pool)]]
    lo, hi = _room_box(episode)
    events = {e.object_id: e for e in episode.events}
    centre = (lo + hi) / 2
    for i in refs + ([] if refs else others):
        step = _direction(gen) * MOVE_M
        start = events[i].start_frame if i in events else None
        subject = i if refs else None
        yield Edit("move", f"moved {specs[i].name} by ({step[0]:+.1f}, {step[1]:+.1f}) m",
                   _moved(episode, i, lambda p, s=step: _inside(p[:2] + s, lo, hi), start), subject)
        yield Edit("move", f"moved {specs[i].name} to the opposite side of the room",
                   _moved(episode, i, lambda p: _inside(2 * centre - p[:2], lo, hi), start), subject)
    if refs:
        anchor = np.array(specs[refs[0]].pose.position[:2])
        for i in others:
            side = _direction(gen) * (max(specs[refs[0]].half_extents[:2]) + max(specs[i].half_extents[:2]) + 0.2)
            yield Edit("move", f"moved {specs[i].name} next to {specs[refs[0]].name}",
                       _moved(episode, i, lambda p, s=side: _inside(anchor + s, lo, hi), None))
    heights = {i: float(gen.uniform(0.0, 1.2)) for i in specs}
    yield Edit("lift", "raised every object by a random height up to 1.2 m", _lifted(episode, heights))
    for i in refs:
        yield Edit("lift", f"raised {specs[i].name} by {LIFT_M} m", _moved(episode, i, None, None, LIFT_M))
        for j in [j for j in refs if j != i][:1]:
            top = specs[j].pose.position[2] + specs[j].half_extents[2]
            rise = top + specs[i].half_extents[2] - specs[i].pose.position[2]
            yield Edit("lift", f"put {specs[i].name} on top of {specs[j].name}",
                       _moved(episode, i, lambda p, xy=np.array(specs[j].pose.position[:2]): xy, None, rise))
    for i, factor in [(i, GROW) for i in refs] + [(i, GROW_OTHER) for i in others]:
        yield Edit("resize", f"scaled {specs[i].name} ×{factor}", _resized(episode, i, factor))
    sources = [next(i for i in specs if specs[i].category == c) for c in counted if any(o.category == c for o in specs.values())]
    for i in sources + others:
        yield Edit("add", f"added another {specs[i].category}", _added(episode, specs[i], _inside(lo + gen.uniform(0, 1, 2) * (hi - lo), lo, hi)))
    for i in sources + others:
        yield Edit("remove", f"removed {specs[i].name}", _removed(episode, i))
    yield Edit("room", f"pushed the +x walls out by {WALL_M} m", _wider_room(episode))
    yield Edit("camera", f"turned the cameras by up to {TURN_DEG:g}° and stretched their path ×{STRETCH}", _camera(episode))
    yield Edit("camera", "mirrored the camera path left for right", _camera(episode, mirror=True))
    for m in events:
        for s in [i for i in refs if i not in events]:
            yield Edit("motion", f"{specs[m].name} keeps still and {specs[s].name} moves instead", _swap_motion(episode, m, s))


def _direction(gen) -> np.ndarray:
    angle = gen.uniform(-np.pi, np.pi)
    return np.array([np.cos(angle), np.sin(angle)])


def _room_box(episode: Episode) -> tuple[np.ndarray, np.ndarray]:
    footprint = np.array(episode.scene.room.footprint, dtype=float)
    return footprint.min(axis=0) + 0.3, footprint.max(axis=0) - 0.3


def _inside(xy: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.clip(xy, lo, hi)


def _rebuild(episode: Episode, specs: list[ObjectSpec], pose_at: Callable, changed: set[int] | None,
             cameras: Callable | None = None, events=None) -> Episode:
    """A copy with ``specs``, every state through ``pose_at(frame_row, object_id, pose)`` and the
    visibility of ``changed`` objects (all, if None) recomputed."""
    last = {o.object_id: o.pose for o in episode.scene.objects}
    frames = []
    for row, frame in enumerate(episode.frames):
        T = cameras(row, np.asarray(frame.T_world_cam, dtype=float)) if cameras else np.asarray(frame.T_world_cam, dtype=float)
        for state in frame.objects:
            last[state.object_id] = state.pose
        kept = {v.object_id: v for v in frame.visibility}
        states, visibility = [], []
        for o in specs:
            pose = pose_at(row, o.object_id, last.get(o.object_id, o.pose))
            states.append(ObjectState(o.object_id, pose))
            fresh = changed is None or o.object_id in changed or o.object_id not in kept
            visibility.append(projected_visibility(o, pose, T, episode.intrinsics) if fresh else kept[o.object_id])
        frames.append(dataclasses.replace(frame, T_world_cam=tuple(map(tuple, T.tolist())), objects=tuple(states),
                                          visibility=tuple(visibility)))
    scene = dataclasses.replace(episode.scene, objects=tuple(specs))
    return dataclasses.replace(episode, scene=scene, frames=tuple(frames),
                               events=episode.events if events is None else tuple(events))


def _shift(pose: Pose, dx: float = 0.0, dy: float = 0.0, dz: float = 0.0) -> Pose:
    x, y, z = pose.position
    return Pose((float(x + dx), float(y + dy), float(z + dz)), pose.quat_wxyz)


def _moved(episode: Episode, oid: int, to_xy: Callable | None, start_frame: int | None, lift: float = 0.0) -> Episode:
    """Object ``oid`` moved (after ``start_frame``: where a motion ends) or lifted by ``lift``."""
    spec = next(o for o in episode.scene.objects if o.object_id == oid)
    from_row = 0 if start_frame is None else next((r for r, f in enumerate(episode.frames) if f.index > start_frame), 0)
    base = np.array(spec.pose.position)
    if from_row:  # a moving object: the edit is about where it ends
        base = np.array(next(st.pose.position for f in reversed(episode.frames) for st in f.objects if st.object_id == oid))
    dx, dy = (to_xy(base) - base[:2]) if to_xy is not None else (0.0, 0.0)
    specs = [_spec_pose(o, _shift(o.pose, dx, dy, lift)) if o.object_id == oid and from_row == 0 else o
             for o in episode.scene.objects]
    return _rebuild(episode, specs, lambda row, i, p: _shift(p, dx, dy, lift) if i == oid and row >= from_row else p, {oid})


def _lifted(episode: Episode, heights: dict[int, float]) -> Episode:
    """Every object raised by its own height (as if on shelves of different heights)."""
    specs = [_spec_pose(o, _shift(o.pose, dz=heights[o.object_id])) for o in episode.scene.objects]
    return _rebuild(episode, specs, lambda row, i, p: _shift(p, dz=heights.get(i, 0.0)), set(heights))


def _spec_pose(o: ObjectSpec, pose: Pose) -> ObjectSpec:
    return dataclasses.replace(o, pose=pose)


def _resized(episode: Episode, oid: int, factor: float) -> Episode:
    specs, rise = [], 0.0
    for o in episode.scene.objects:
        if o.object_id == oid:
            rise = o.half_extents[2] * (factor - 1.0)  # the bottom stays where it was
            o = dataclasses.replace(o, half_extents=tuple(h * factor for h in o.half_extents), pose=_shift(o.pose, dz=rise))
        specs.append(o)
    return _rebuild(episode, specs, lambda row, i, p: _shift(p, dz=rise) if i == oid else p, {oid})


def _added(episode: Episode, source: ObjectSpec, xy: np.ndarray) -> Episode:
    new_id = max(o.object_id for o in episode.scene.objects) + 1
    names = {o.name for o in episode.scene.objects}
    n = 1 + sum(o.category == source.category for o in episode.scene.objects)
    while f"{source.category}_{n}" in names:
        n += 1
    pose = Pose((float(xy[0]), float(xy[1]), float(source.pose.position[2])), source.pose.quat_wxyz)
    copy = dataclasses.replace(source, object_id=new_id, name=f"{source.category}_{n}", pose=pose, support=None)
    return _rebuild(episode, list(episode.scene.objects) + [copy], lambda row, i, p: pose if i == new_id else p, {new_id})


def _removed(episode: Episode, oid: int) -> Episode:
    specs = [o for o in episode.scene.objects if o.object_id != oid]
    return _rebuild(episode, specs, lambda row, i, p: p, set(), events=[e for e in episode.events if e.object_id != oid])


def _wider_room(episode: Episode) -> Episode:
    footprint = np.array(episode.scene.room.footprint, dtype=float)
    xmax = footprint[:, 0].max()
    wider = tuple((float(x + WALL_M if x >= xmax - 1e-9 else x), float(y)) for x, y in footprint)
    room = dataclasses.replace(episode.scene.room, footprint=wider)
    return dataclasses.replace(episode, scene=dataclasses.replace(episode.scene, room=room))


def _camera(episode: Episode, mirror: bool = False) -> Episode:
    """Cameras turned progressively (up to TURN_DEG) with their path stretched about the first one, or
    (``mirror``) the path and views reflected across the first camera's vertical plane of sight."""
    first = np.asarray(episode.frames[0].T_world_cam, dtype=float) if episode.frames else np.eye(4)
    origin, n = first[:3, 3], max(len(episode.frames), 1)
    forward = first[:3, 2].copy()
    forward[2] = 0.0
    normal = np.array([-forward[1], forward[0], 0.0]) / max(np.linalg.norm(forward), 1e-9)
    reflect = np.eye(3) - 2 * np.outer(normal, normal)

    def moved(row: int, T: np.ndarray) -> np.ndarray:
        out = T.copy()
        if mirror:  # reflect the world; flip the camera's x axis so the frame stays right-handed
            out[:3, :3] = reflect @ T[:3, :3] @ np.diag([-1.0, 1.0, 1.0])
            out[:3, 3] = origin + reflect @ (T[:3, 3] - origin)
            return out
        a = np.radians(TURN_DEG) * (row + 1) / n
        R = np.array([[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]])
        out[:3, :3] = R @ T[:3, :3]
        out[:3, 3] = origin + R @ (STRETCH * (T[:3, 3] - origin))
        return out
    return _rebuild(episode, list(episode.scene.objects), lambda row, i, p: p, None, cameras=moved)


def _swap_motion(episode: Episode, mover: int, still: int) -> Episode:
    """``mover`` stays at its first pose; ``still`` makes ``mover``'s displacements from where it is."""
    path = {}
    last = None
    for row, frame in enumerate(episode.frames):
        last = next((s.pose for s in frame.objects if s.object_id == mover), last)
        path[row] = np.array(last.position) if last is not None else None
    origin = next((p for p in path.values() if p is not None), None)
    if origin is None:
        return episode

    def pose_at(row, i, p):
        if i == mover:
            return Pose(tuple(float(v) for v in origin), p.quat_wxyz)
        if i == still and path[row] is not None:
            d = path[row] - origin
            return _shift(p, d[0], d[1], 0.0)
        return p
    events = [dataclasses.replace(e, object_id=still) if e.object_id == mover else e for e in episode.events]
    return _rebuild(episode, list(episode.scene.objects), pose_at, {mover, still}, events=events)
