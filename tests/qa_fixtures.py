"""Tiny hand-written episodes for the question engine (DSL, executor, verifier, ask stage).

``make_episode`` builds a ``simgen.types.Episode`` from a list of boxes, a room and camera poses,
with visibility given by hand or derived simply (projection of box samples, no occlusion); for
dynamic episodes it also takes per-frame object poses, motion events and ego actions
(``linear_move`` and ``ego_path`` make them). The ready-made episodes below have answers a
person can compute on paper; the numbers are written next to each object so tests can cite them.

Regenerate the committed JSON copies with ``python tests/qa_fixtures.py``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from simgen.geometry import camera_from_yaw_pitch, look_at, obb_samples, project, quat_from_yaw, quat_to_matrix
from simgen.types import (
    CameraIntrinsics,
    EgoAction,
    Episode,
    Frame,
    MotionEvent,
    ObjectSpec,
    ObjectState,
    Part,
    Pose,
    RoomSpec,
    SceneSpec,
    Visibility,
)

FIXTURE_DIR = Path(__file__).parent / "fixtures"
RECT_ROOM = ((0.0, 0.0), (6.0, 0.0), (6.0, 4.0), (0.0, 4.0))  # 6 m × 4 m, area 24 m²
INTRINSICS = CameraIntrinsics.from_vfov(320, 240, 60.0)
ALL_VISIBLE_PIXELS = 1000  # what visibility="all" gives every object in every frame

# (category, colour, centre xyz, half extents xyz, yaw) — optionally a 6th item: an explicit name.
ObjectRow = tuple


def make_episode(
    objects: Sequence[ObjectRow],
    room: Sequence[tuple[float, float]] = RECT_ROOM,
    room_height: float = 2.8,
    cameras: Sequence[np.ndarray] | None = None,
    visibility: str | Mapping[int, Mapping[int, int | tuple[int, float]]] | None = None,
    frame_indices: Iterable[int] | None = None,
    fps: float = 10.0,
    intrinsics: CameraIntrinsics = INTRINSICS,
    episode_id: str = "fixture",
    object_poses: Mapping[int, Mapping[int, tuple]] | None = None,
    events: Sequence[MotionEvent] = (),
    actions: Sequence[EgoAction] = (),
) -> Episode:
    """Build an episode by hand (static unless ``object_poses`` move something).

    ``objects``: rows ``(category, colour, centre, half_extents, yaw[, name])``; ids are 1, 2, …
    in row order and names default to ``<category>_<k>`` (k counts per category from 1).
    ``cameras``: ``T_world_cam`` poses, one per frame (default: one camera in the room's corner
    looking at its centre). ``frame_indices``: the episode frame index of each camera (default
    0, 1, …). ``visibility``: ``None`` derives it by projecting 64 box samples (no occlusion);
    ``"all"`` makes every object fully visible with ``ALL_VISIBLE_PIXELS`` in every frame; a
    mapping ``{frame_index: {object_id: pixels | (pixels, in_frame_fraction[, occlusion])}}`` sets it by hand
    (objects not listed get 0 pixels, fraction 0).
    ``object_poses``: per-frame states ``{frame_index: {object_id: (centre, yaw)}}``; an object a
    frame does not list keeps its pose from the frame before (its row's pose before the first).
    ``events`` and ``actions`` are stored with the episode as given.
    """
    specs = _object_specs(objects)
    footprint = tuple((float(x), float(y)) for x, y in room)
    scene = SceneSpec(
        scene_id=f"{episode_id}_scene",
        seed=0,
        room=RoomSpec(footprint=footprint, height=float(room_height), shape="rect" if len(footprint) == 4 else "L"),
        objects=specs,
    )
    if cameras is None:
        xs, ys = zip(*footprint)
        centre = (float(np.mean(xs)), float(np.mean(ys)), 0.5)
        cameras = [look_at((min(xs) + 0.2, min(ys) + 0.2, 1.6), centre)]
    indices = list(range(len(cameras))) if frame_indices is None else [int(i) for i in frame_indices]
    if len(indices) != len(cameras):
        raise ValueError(f"make_episode: {len(cameras)} cameras but {len(indices)} frame indices")
    poses = {o.object_id: o.pose for o in specs}
    frames = []
    for index, T in zip(indices, cameras):
        T = np.asarray(T, dtype=float)
        for object_id, (centre, yaw) in (object_poses or {}).get(index, {}).items():
            poses[object_id] = Pose(tuple(float(c) for c in centre), quat_from_yaw(float(yaw)))
        states = tuple(ObjectState(o.object_id, poses[o.object_id]) for o in specs)
        vis = _visibility(specs, poses, T, intrinsics, index, visibility)
        frames.append(
            Frame(
                index=index,
                time_s=index / fps,
                T_world_cam=tuple(tuple(float(v) for v in row) for row in T),
                objects=states,
                visibility=vis,
            )
        )
    return Episode(
        episode_id=episode_id,
        scene=scene,
        intrinsics=intrinsics,
        fps=fps,
        frames=tuple(frames),
        simulator="fixture",
        trajectory="fixture",
        events=tuple(events),
        actions=tuple(actions),
    )


def _object_specs(rows: Sequence[ObjectRow]) -> tuple[ObjectSpec, ...]:
    """ObjectSpecs with ids 1.. and per-category numbered names."""
    per_category: dict[str, int] = {}
    out = []
    for object_id, row in enumerate(rows, start=1):
        category, color, centre, half, yaw = row[:5]
        per_category[category] = per_category.get(category, 0) + 1
        name = row[5] if len(row) > 5 else f"{category}_{per_category[category]}"
        half = tuple(float(h) for h in half)
        out.append(
            ObjectSpec(
                object_id=object_id,
                name=name,
                category=category,
                color=color,
                half_extents=half,
                pose=Pose(tuple(float(c) for c in centre), quat_from_yaw(float(yaw))),
                parts=(Part(shape="box", size=half),),
            )
        )
    return tuple(out)


def _visibility(specs, poses, T, intrinsics, index, visibility) -> tuple[Visibility, ...]:
    """Per-object Visibility for one frame: by hand, all visible, or from a simple projection of the
    objects at their ``poses`` in that frame."""
    out = []
    for o in specs:
        if visibility == "all":
            out.append(Visibility(o.object_id, ALL_VISIBLE_PIXELS, 1.0, 0.0, (0, 0, 10, 10)))
        elif isinstance(visibility, Mapping):
            value = visibility.get(index, {}).get(o.object_id, 0)
            pixels, fraction, occlusion = (tuple(value) + (0.0,))[:3] if isinstance(value, tuple) \
                else (value, 1.0 if value else 0.0, 0.0)
            out.append(Visibility(o.object_id, int(pixels), float(fraction), float(occlusion),
                                  (0, 0, 10, 10) if pixels else None))
        elif visibility is None:
            out.append(_projected_visibility(o, poses[o.object_id], T, intrinsics))
        else:
            raise ValueError(f"make_episode: visibility must be None, 'all' or a mapping, got {visibility!r}")
    return tuple(out)


def _projected_visibility(o: ObjectSpec, pose: Pose, T, intrinsics: CameraIntrinsics) -> Visibility:
    """Fraction of box samples in the image and the area of their 2D box (no occlusion)."""
    samples = obb_samples(pose.position, o.half_extents, quat_to_matrix(pose.quat_wxyz), n=4)
    uv, z = project(intrinsics.K(), T, samples)
    inside = (z > 1e-6) & (uv[:, 0] >= 0) & (uv[:, 0] < intrinsics.width) & (uv[:, 1] >= 0) & (uv[:, 1] < intrinsics.height)
    fraction = float(inside.mean())
    if not inside.any():
        return Visibility(o.object_id, 0, 0.0, 0.0, None)
    x0, y0 = np.floor(uv[inside].min(axis=0)).astype(int)
    x1, y1 = np.floor(uv[inside].max(axis=0)).astype(int)
    pixels = int((x1 - x0 + 1) * (y1 - y0 + 1))
    return Visibility(o.object_id, pixels, fraction, 0.0, (int(x0), int(y0), int(x1), int(y1)))


def write_episode(episode: Episode, directory: Path) -> Path:
    """Write ``<directory>/episode.json`` as the episode runner does; returns the file path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "episode.json"
    path.write_text(json.dumps(episode.to_dict(), indent=1, sort_keys=True) + "\n")
    return path


# ---------------------------------------------------------------------------------------------
# Ready-made fixtures with hand-computable answers.
# ---------------------------------------------------------------------------------------------

# Living room, 6 × 4 m (area 24 m²), 2.8 m high. Boxes (x, y, z ranges):
#   1 sofa_1   grey   x 0..2      y 0.05..0.95  z 0..0.8   size 2.0  height 0.8
#   2 table_1  brown  x 3..4      y 0.1..0.9    z 0..0.8   size 1.0  height 0.8
#   3 chair_1  red    x 3.25..3.75 y 1.75..2.25 z 0..0.9   size 0.9  height 0.9
#   4 chair_2  blue   x 5.25..5.75 y 0.25..0.75 z 0..0.9   size 0.9  height 0.9
#   5 lamp_1   white  x 5.3..5.7  y 3.3..3.7    z 0..1.6   size 1.6  height 1.6
#   6 mug_1    red    x 3.45..3.55 y 0.45..0.55 z 0.8..0.9 on the table (touching: distance 0)
#   7 box_1    green  centre (1, 3, 0.25), half (0.5, 0.5, 0.25), yaw 45°: a diamond footprint
#                     with vertices (1 ± 0.7071, 3), (1, 3 ± 0.7071); size 1.0 (an AABB would say 1.414)
#   8 plant_1  green  x 0.2..0.6  y 3.4..3.8    z 0..1.0   only 150 px once: NOT observed
# Closest-point distances: sofa–table 1.0; table–chair_1 0.85; table–chair_2 1.25;
# sofa–chair_2 3.25; mug–chair_1 1.2; sofa–box 3 − 0.7071 − 0.95 = 1.3429.
# Centre distance sofa–table 2.5 (both centres at z 0.4).
LIVING_ROOM_OBJECTS = (
    ("sofa", "grey", (1.0, 0.5, 0.4), (1.0, 0.45, 0.4), 0.0),
    ("table", "brown", (3.5, 0.5, 0.4), (0.5, 0.4, 0.4), 0.0),
    ("chair", "red", (3.5, 2.0, 0.45), (0.25, 0.25, 0.45), 0.0),
    ("chair", "blue", (5.5, 0.5, 0.45), (0.25, 0.25, 0.45), 0.0),
    ("lamp", "white", (5.5, 3.5, 0.8), (0.2, 0.2, 0.8), 0.0),
    ("mug", "red", (3.5, 0.5, 0.85), (0.05, 0.05, 0.05), 0.0),
    ("box", "green", (1.0, 3.0, 0.25), (0.5, 0.5, 0.25), np.pi / 4),
    ("plant", "green", (0.4, 3.6, 0.5), (0.2, 0.2, 0.5), 0.0),
)
# Frames 0, 10, 20 (fps 10). Frame 0: eye (3.5, 3.9, 0.4) looking along −Y, so image right is
# world −X (sofa right of chair_2), depth = 3.9 − y of the centre (chair_1 1.9, table 3.4);
# camera distance to chair_1 = 3.9 − 2.25 = 1.65, to table = 3.9 − 0.9 = 3.0.
# Frame 10: eye (0.5, 2.0, 0.4) looking along +X, so image right is world −Y.
# Frame 20: eye (3.0, 2.0, 2.5) looking at the lamp.
LIVING_ROOM_CAMERAS = (
    look_at((3.5, 3.9, 0.4), (3.5, 0.0, 0.4)),
    look_at((0.5, 2.0, 0.4), (6.0, 2.0, 0.4)),
    look_at((3.0, 2.0, 2.5), (5.5, 3.5, 0.8)),
)
# First seen: table, chair_1, chair_2, mug at 0; sofa, box at 10; lamp at 20; plant never
# (150 px < the default 200 px threshold).
LIVING_ROOM_VISIBILITY = {
    0: {2: 1500, 3: 2000, 4: 800, 6: 300},
    10: {1: 2500, 2: 900, 3: 600, 7: 1200},
    20: {5: 700, 7: 400, 8: 150},
}


def living_room() -> Episode:
    """The living room above: 8 objects (7 observed), 3 frames with indices 0, 10, 20."""
    return make_episode(
        LIVING_ROOM_OBJECTS,
        cameras=LIVING_ROOM_CAMERAS,
        visibility=LIVING_ROOM_VISIBILITY,
        frame_indices=(0, 10, 20),
        episode_id="living_room",
    )


# Direction ring: stand at the sofa (origin), face the tv at (3, 0): facing = +X. A target at
# angle φ (degrees, counter-clockwise from +X) at radius 2 has θ = |φ| and is on the LEFT when
# φ > 0 (cross((1,0), (cos φ, sin φ)) = sin φ > 0, Z up).
def direction_ring(angles_deg: Sequence[float], radius: float = 2.0) -> Episode:
    """Sofa at the origin, tv at (3, 0), targets ``target<i>`` at the given angles; all visible."""
    rows = [
        ("sofa", "grey", (0.0, 0.0, 0.3), (0.1, 0.1, 0.3), 0.0),
        ("tv", "black", (3.0, 0.0, 0.3), (0.1, 0.1, 0.3), 0.0),
    ]
    for i, phi in enumerate(angles_deg):
        a = np.radians(phi)
        rows.append((f"target{i}", "red", (radius * np.cos(a), radius * np.sin(a), 0.3), (0.1, 0.1, 0.3), 0.0))
    room = ((-4.0, -4.0), (4.0, -4.0), (4.0, 4.0), (-4.0, 4.0))
    camera = look_at((-3.5, 0.0, 1.5), (0.0, 0.0, 0.3))
    return make_episode(rows, room=room, cameras=[camera], visibility="all", episode_id="direction_ring")


# ---------------------------------------------------------------------------------------------
# Dynamic episodes: moving objects and a camera following actions.
# ---------------------------------------------------------------------------------------------

def linear_move(object_id: int, start, end, start_frame: int, end_frame: int, frames: Iterable[int], yaw: float = 0.0,
                kind: str = "scripted"):
    """Per-frame poses ``{frame: {object_id: (centre, yaw)}}`` of a box sliding from ``start`` to ``end``
    (linearly, resting before and after), and its MotionEvent. As the simulators record it, the box
    has already made its first step at ``start_frame`` (it rests at ``start`` until the frame before)
    and arrives at ``end`` at ``end_frame``."""
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    poses = {}
    for f in frames:
        t = float(np.clip((f - start_frame + 1) / (end_frame - start_frame + 1), 0.0, 1.0))
        poses[int(f)] = {object_id: (tuple(start + t * (end - start)), yaw)}
    event = MotionEvent(object_id, kind, start_frame, end_frame,
                        {"direction_xy": list((end - start)[:2]), "distance_m": float(np.linalg.norm(end - start))})
    return poses, event


def ego_path(start_xy, start_yaw: float, steps: Sequence[tuple[str, float]], frames_per_action: int = 10,
             eye_height: float = 1.2, pitch: float = 0.0):
    """Cameras (one per frame, frames 0, 1, …) and EgoActions of a camera that performs ``steps``
    ``[(action, amount in m or rad), ...]`` one after another, each over ``frames_per_action``
    frames, moving and turning linearly (looks are not needed by the fixtures)."""
    x, y, yaw = float(start_xy[0]), float(start_xy[1]), float(start_yaw)
    cameras = [camera_from_yaw_pitch((x, y, eye_height), yaw, pitch)]
    actions = []
    for k, (name, amount) in enumerate(steps):
        turn = {"turn_left": amount, "turn_right": -amount}.get(name, 0.0)
        move = {"move_ahead": amount, "move_back": -amount}.get(name, 0.0)
        for i in range(1, frames_per_action + 1):
            t = i / frames_per_action
            here_yaw = yaw + t * turn
            cameras.append(camera_from_yaw_pitch((x + t * move * np.cos(yaw), y + t * move * np.sin(yaw), eye_height),
                                                 here_yaw, pitch))
        x, y, yaw = x + move * np.cos(yaw), y + move * np.sin(yaw), yaw + turn
        actions.append(EgoAction(name, float(amount), k * frames_per_action, (k + 1) * frames_per_action))
    return cameras, tuple(actions)


# Moving room, 8 × 8 m around the origin; frames 0..29 at 10 fps, every object visible in every frame.
#   1 sofa  (−2.5, 2.5)   2 table (2.5, 2.5)   3 lamp (−2.5, −1.0)   4 plant (2.5, −1.0)
#   5 box   half 0.25, slides from (−1, 0.5) to (1, 0.5) in frames 10..20 (2.0 m along +X; at rest
#           until frame 9, already moving at its event's start frame 10, as a simulator records it).
#   6 ball  half 0.15, rolls from (0.5, −2.0) to (0.5, −0.8) in frames 22..26 (1.2 m along +Y):
#           from (0, −3.5) the sight is (0.5, 1.5), φ = atan2(0.6, 1.8) = 18.43°: AWAY; from
#           (0, 3.9) the sight is (0.5, −5.9), φ = atan2(0.6, −7.08) = 175.16°: TOWARDS.
# Closest-point distances of the box before the move: lamp 1.05·√2 = 1.4849, plant √(3.05² + 1.05²)
# = 3.2257; after the move the other way round (it ends closer to the plant).
# Seen from the camera at (0, −3.5) the line of sight to the box is (−1, 4) and the move (2, 0):
# φ = atan2(−8, −2) = −104.04°, so it moves RIGHT (margin 30.96° to the 135° boundary); from the
# camera at (0, 3.9) on the other side the sight is (−1, −3.4): φ = atan2(6.8, −2) = +106.39°, LEFT.
MOVING_ROOM_OBJECTS = (
    ("sofa", "grey", (-2.5, 2.5, 0.4), (0.8, 0.4, 0.4), 0.0),
    ("table", "brown", (2.5, 2.5, 0.4), (0.5, 0.4, 0.4), 0.0),
    ("lamp", "white", (-2.5, -1.0, 0.8), (0.2, 0.2, 0.8), 0.0),
    ("plant", "green", (2.5, -1.0, 0.5), (0.2, 0.2, 0.5), 0.0),
    ("box", "red", (-1.0, 0.5, 0.25), (0.25, 0.25, 0.25), 0.0),
    ("ball", "blue", (0.5, -2.0, 0.15), (0.15, 0.15, 0.15), 0.0),
)
MOVING_ROOM_BALL_END = (0.5, -0.8, 0.15)
MOVING_ROOM_CAMERAS = {-1: (0.0, -3.5, 1.5), 1: (0.0, 3.9, 1.5)}


def moving_room(camera_side: int = -1, box_end=(1.0, 0.5, 0.25), episode_id: str = "moving_room") -> Episode:
    """The moving room above, watched by a still camera on the −y (``camera_side=-1``) or +y side."""
    frames = range(30)
    poses, box = linear_move(5, MOVING_ROOM_OBJECTS[4][2], box_end, 10, 20, frames)
    ball_poses, ball = linear_move(6, MOVING_ROOM_OBJECTS[5][2], MOVING_ROOM_BALL_END, 22, 26, frames)
    for f in frames:
        poses[f].update(ball_poses[f])
    camera = look_at(MOVING_ROOM_CAMERAS[camera_side], (0.0, 0.5, 0.3))
    room = ((-4.0, -4.0), (4.0, -4.0), (4.0, 4.0), (-4.0, 4.0))
    return make_episode(MOVING_ROOM_OBJECTS, room=room, cameras=[camera] * 30, visibility="all", object_poses=poses,
                        events=[box, ball], episode_id=episode_id)


# Ego walk: the camera starts at (0, 0), eye height 1.2 m, facing +X (yaw 0), and performs
# move_ahead 1 m (frames 0–10), turn_left 90° (10–20), move_ahead 1 m (20–30): it ends at (1, 1)
# facing +Y. Frames 0..30, visibility by projection. Objects (box centres on the floor plane):
#   lamp (3, 0)   table (3, −1.5)   box (1, 3)   plant (−1, 3)   sofa (3.5, 1.8)
# From frame 0, after all three actions the lamp is hypot(2, −1) = 2.236 m away instead of 3:
# CLOSER (margin 0.764 m), and on the RIGHT (θ = 116.57°). At the last frame (facing +Y from
# (1, 1)) the box is straight ahead (0°), the plant 45° to the left, the lamp 116.57° to the right.
EGO_WALK_OBJECTS = (
    ("lamp", "white", (3.0, 0.0, 0.8), (0.2, 0.2, 0.8), 0.0),
    ("table", "brown", (3.0, -1.5, 0.4), (0.5, 0.4, 0.4), 0.0),
    ("box", "red", (1.0, 3.0, 0.3), (0.3, 0.3, 0.3), 0.0),
    ("plant", "green", (-1.0, 3.0, 0.5), (0.2, 0.2, 0.5), 0.0),
    ("sofa", "grey", (3.5, 1.8, 0.4), (0.4, 0.8, 0.4), 0.0),
)
EGO_WALK_STEPS = (("move_ahead", 1.0), ("turn_left", np.pi / 2), ("move_ahead", 1.0))


def ego_walk(episode_id: str = "ego_walk") -> Episode:
    """The ego walk above: 31 frames of a camera following three actions."""
    cameras, actions = ego_path((0.0, 0.0), 0.0, EGO_WALK_STEPS, pitch=np.radians(-10.0))
    room = ((-3.0, -3.0), (5.0, -3.0), (5.0, 5.0), (-3.0, 5.0))
    return make_episode(EGO_WALK_OBJECTS, room=room, cameras=cameras, actions=actions, episode_id=episode_id)


def turn_in_place(episode_id: str = "turn_in_place") -> Episode:
    """The ego walk's room filmed by a camera at the origin turning 40° left in place over 20 frames
    (the sofa in view throughout): a turn two images show as a turn."""
    cameras, actions = ego_path((0.0, 0.0), 0.0, (("turn_left", np.radians(40.0)),), frames_per_action=20,
                                pitch=np.radians(-10.0))
    room = ((-3.0, -3.0), (5.0, -3.0), (5.0, 5.0), (-3.0, 5.0))
    return make_episode(EGO_WALK_OBJECTS, room=room, cameras=cameras, actions=actions, episode_id=episode_id)


def run_program(view, text: str, slots: dict[str, str] | None = None, bindings: dict | None = None, **kwargs):
    """Parse ``text`` with ``slots`` and execute it on ``view`` (a SceneView) with ``bindings``."""
    from simgen.qa.dsl import parse_program
    from simgen.qa.executor import execute

    return execute(parse_program(text, slots or {}), view, bindings or {}, **kwargs)


def load_fixture(name: str) -> Episode:
    """Load ``tests/fixtures/qa_<name>.json`` as an Episode."""
    return Episode.from_dict(json.loads((FIXTURE_DIR / f"qa_{name}.json").read_text()))


SAVED_FIXTURES = {"living_room": living_room}


def fixture_json(name: str) -> str:
    """The exact text ``tests/fixtures/qa_<name>.json`` should hold."""
    return json.dumps(SAVED_FIXTURES[name]().to_dict(), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    for fixture_name in SAVED_FIXTURES:
        (FIXTURE_DIR / f"qa_{fixture_name}.json").write_text(fixture_json(fixture_name))
        print(f"wrote {FIXTURE_DIR / f'qa_{fixture_name}.json'}")
