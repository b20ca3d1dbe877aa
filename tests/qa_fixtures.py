"""Tiny hand-written episodes for the question engine (DSL, executor, verifier, ask stage).

``make_episode`` builds a ``simgen.types.Episode`` from a list of boxes, a room and camera poses,
with visibility given by hand or derived simply (projection of box samples, no occlusion). The
ready-made episodes below have answers a person can compute on paper; the numbers are written
next to each object so tests can cite them.

Regenerate the committed JSON copies with ``python tests/qa_fixtures.py``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from simgen.geometry import look_at, obb_samples, project, quat_from_yaw, quat_to_matrix
from simgen.types import (
    CameraIntrinsics,
    Episode,
    Frame,
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
) -> Episode:
    """Build a static episode by hand.

    ``objects``: rows ``(category, colour, centre, half_extents, yaw[, name])``; ids are 1, 2, …
    in row order and names default to ``<category>_<k>`` (k counts per category from 1).
    ``cameras``: ``T_world_cam`` poses, one per frame (default: one camera in the room's corner
    looking at its centre). ``frame_indices``: the episode frame index of each camera (default
    0, 1, …). ``visibility``: ``None`` derives it by projecting 64 box samples (no occlusion);
    ``"all"`` makes every object fully visible with ``ALL_VISIBLE_PIXELS`` in every frame; a
    mapping ``{frame_index: {object_id: pixels | (pixels, in_frame_fraction)}}`` sets it by hand
    (objects not listed get 0 pixels, fraction 0).
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
    states = tuple(ObjectState(o.object_id, o.pose) for o in specs)
    frames = []
    for index, T in zip(indices, cameras):
        T = np.asarray(T, dtype=float)
        vis = _visibility(specs, T, intrinsics, index, visibility)
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


def _visibility(specs, T, intrinsics, index, visibility) -> tuple[Visibility, ...]:
    """Per-object Visibility for one frame: by hand, all visible, or from a simple projection."""
    out = []
    for o in specs:
        if visibility == "all":
            out.append(Visibility(o.object_id, ALL_VISIBLE_PIXELS, 1.0, 0.0, (0, 0, 10, 10)))
        elif isinstance(visibility, Mapping):
            value = visibility.get(index, {}).get(o.object_id, 0)
            pixels, fraction = value if isinstance(value, tuple) else (value, 1.0 if value else 0.0)
            out.append(Visibility(o.object_id, int(pixels), float(fraction), 0.0, (0, 0, 10, 10) if pixels else None))
        elif visibility is None:
            out.append(_projected_visibility(o, T, intrinsics))
        else:
            raise ValueError(f"make_episode: visibility must be None, 'all' or a mapping, got {visibility!r}")
    return tuple(out)


def _projected_visibility(o: ObjectSpec, T, intrinsics: CameraIntrinsics) -> Visibility:
    """Fraction of box samples in the image and the area of their 2D box (no occlusion)."""
    samples = obb_samples(o.pose.position, o.half_extents, quat_to_matrix(o.pose.quat_wxyz), n=4)
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
