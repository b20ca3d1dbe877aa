"""Probe scenes: small synthetic episodes on which compiled programs are run, compared and verified.

A compiled program is judged on scenes, never on its text. ``probe_episodes(seed, n)`` builds
``n`` rooms from ``simgen.seeding.rng(seed, 0, i, "llm/probes")``: seven uniquely present
categories plus one category present three times (for counting and uniqueness), boxes of
realistic sizes placed on a jittered grid without overlap, and a camera at the room's centre
that pans through 360° in 16 frames (frame indices 0, 3, 6, …), so objects first appear at
different frames; the camera also moves on a 0.4 m circle, so frames differ in where they are
seen from (camera distances, left/right of two objects). Up to two uniquely present small objects
stand on top of larger ones (a lamp on a table, a ball on a chair; ``ObjectSpec.support`` names
it), so "above" and "on top of" are true of some pairs in an unedited room (``stacked_pairs``,
``swapped_pair`` and ``named_categories`` let ``Probe.cases`` name them both ways round). Visibility is computed
from the geometry: the share of box samples that project inside the image in front of the camera,
and the pixel area of their 2D box (no occlusion — a probe scene needs to be consistent, not
photographic). ``load_probe_episodes``
reads rendered episodes instead (any folder with ``*/episode.json``).
"""
from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import numpy as np

from simgen.geometry import look_at, obb_samples, project, quat_from_yaw, quat_to_matrix
from simgen.seeding import rng
from simgen.types import CameraIntrinsics, Episode, Frame, ObjectSpec, ObjectState, Part, Pose, RoomSpec, SceneSpec, Visibility

__all__ = ["probe_episodes", "load_probe_episodes", "projected_visibility", "stacked_pairs", "swapped_pair",
           "named_categories", "CATALOGUE"]

# Category -> typical half extents (m) of its box; sizes are scaled by 0.8–1.1 per object.
CATALOGUE = {
    "sofa": (0.9, 0.4, 0.4), "table": (0.6, 0.4, 0.38), "chair": (0.25, 0.25, 0.45), "lamp": (0.2, 0.2, 0.8),
    "tv": (0.6, 0.1, 0.35), "bed": (0.9, 0.7, 0.3), "shelf": (0.5, 0.2, 0.9), "cabinet": (0.4, 0.3, 0.5),
    "plant": (0.2, 0.2, 0.5), "box": (0.3, 0.3, 0.2), "vase": (0.1, 0.1, 0.2), "ball": (0.15, 0.15, 0.15),
}
COLORS = ("red", "green", "blue", "white", "black", "grey", "brown", "yellow")
INTRINSICS = CameraIntrinsics.from_vfov(320, 240, 60.0)
N_FRAMES, FRAME_STEP, FPS, EYE_HEIGHT = 16, 3, 10.0, 1.4
ORBIT_M = 0.4  # radius of the camera's circle around the room centre
CELL = 1.8  # grid cell (m): the largest footprint (a 2 m sofa or bed) rarely reaches a neighbour
SAMPLES = 3  # box samples per axis for the in-frame fraction
STACKS, CEILING_GAP, RIM = 2, 0.2, 0.02  # objects put on others; clearance under the ceiling; footprint margin (m)


def probe_episodes(seed: int = 0, n: int = 3) -> list[Episode]:
    """``n`` synthetic probe episodes from ``seed`` (same seed → identical episodes)."""
    return [_probe_episode(seed, i) for i in range(n)]


def load_probe_episodes(root: Path) -> list[Episode]:
    """Rendered episodes under ``root`` (``*/episode.json``, sorted) to use as probe scenes."""
    paths = sorted(Path(root).rglob("episode.json"))
    if not paths:
        raise FileNotFoundError(f"probe_episodes: no */episode.json under {root}")
    return [Episode.from_dict(json.loads(p.read_text(encoding="utf-8"))) for p in paths]


def _probe_episode(seed: int, index: int) -> Episode:
    gen = rng(seed, 0, index, "llm/probes")
    width, depth = (float(v) for v in gen.uniform([7.5, 6.5], [9.5, 8.5]))
    cats = list(CATALOGUE)
    chosen = [cats[i] for i in gen.choice(len(cats), size=8, replace=False)]
    rows = chosen[:7] + [chosen[7]] * 3  # one category three times
    cells = _free_cells(width, depth)
    picks = gen.choice(len(cells), size=len(rows), replace=False)
    specs = []
    per_category: dict[str, int] = {}
    for object_id, (category, cell) in enumerate(zip(rows, picks), start=1):
        half = np.array(CATALOGUE[category]) * gen.uniform(0.8, 1.1)
        x, y = cells[cell] + gen.uniform(-0.15, 0.15, size=2)
        yaw = float(gen.uniform(-np.pi, np.pi))
        per_category[category] = per_category.get(category, 0) + 1
        pose = Pose((float(x), float(y), float(half[2])), quat_from_yaw(yaw))
        half_t = tuple(float(h) for h in half)
        specs.append(ObjectSpec(object_id, f"{category}_{per_category[category]}", category,
                                COLORS[int(gen.integers(len(COLORS)))], half_t, pose, (Part("box", half_t),)))
    room = RoomSpec(((0.0, 0.0), (width, 0.0), (width, depth), (0.0, depth)), 2.8)
    specs = _stacked(specs, room.height, rng(seed, 0, index, "llm/probes/stacks"))
    scene = SceneSpec(f"probe_{seed}_{index}", seed, room, tuple(specs))
    centre = np.array([width / 2, depth / 2, EYE_HEIGHT])
    start = float(gen.uniform(-np.pi, np.pi))
    states = tuple(ObjectState(o.object_id, o.pose) for o in specs)
    frames = []
    for i in range(N_FRAMES):
        yaw = start + 2 * np.pi * i / N_FRAMES
        eye = centre + ORBIT_M * np.array([np.cos(yaw), np.sin(yaw), 0.0])  # a small circle: the views differ in position too
        T = look_at(eye, eye + [np.cos(yaw), np.sin(yaw), -0.25])
        frames.append(Frame(i * FRAME_STEP, i * FRAME_STEP / FPS, tuple(map(tuple, T.tolist())), states,
                            tuple(projected_visibility(o, o.pose, T) for o in specs)))
    return Episode(f"probe_{seed}_{index}", scene, INTRINSICS, FPS, tuple(frames), "probe", "pan")


def _stacked(specs: list[ObjectSpec], ceiling: float, gen) -> list[ObjectSpec]:
    """``specs`` with up to ``STACKS`` uniquely present objects each put on top of another one whose
    footprint holds it (same yaw, anywhere on it), below the ceiling; the rest stay on the floor."""
    counts = {c: sum(o.category == c for o in specs) for c in {o.category for o in specs}}
    unique = [specs[int(i)] for i in gen.permutation(len(specs)) if counts[specs[int(i)].category] == 1]
    placed, used = {}, set()
    for top in sorted(unique, key=lambda o: o.half_extents[0] * o.half_extents[1]):  # the smallest go on top
        for base in unique:
            fits = all(t <= b - RIM for t, b in zip(top.half_extents[:2], base.half_extents[:2]))
            height = 2 * base.half_extents[2] + 2 * top.half_extents[2]
            if top is base or {top.object_id, base.object_id} & used or not fits or height > ceiling - CEILING_GAP:
                continue
            # off its support's centre (within the footprint): exactly equal centres would make every
            # left/right or bearing between the two a tie that two equivalent programs may break differently
            slack = np.array(base.half_extents[:2]) - np.array(top.half_extents[:2]) - RIM
            x, y = np.array(base.pose.position[:2]) + quat_to_matrix(base.pose.quat_wxyz)[:2, :2] @ (gen.uniform(-0.8, 0.8, 2) * slack)
            pose = Pose((float(x), float(y), float(2 * base.half_extents[2] + top.half_extents[2])), base.pose.quat_wxyz)
            placed[top.object_id] = dataclasses.replace(top, pose=pose, support=base.object_id)
            used |= {top.object_id, base.object_id}
            break
        if len(placed) == STACKS:
            break
    return [placed.get(o.object_id, o) for o in specs]


def stacked_pairs(episode) -> list[set[str]]:
    """{top category, support category} of each object resting on another (both uniquely present)."""
    objects = {o.object_id: o for o in episode.scene.objects}
    counts = Counter(o.category for o in objects.values())
    return [{o.category, objects[o.support].category} for o in objects.values()
            if o.support in objects and counts[o.category] == counts[objects[o.support].category] == 1]


def swapped_pair(bindings: dict, pair: set[str]) -> dict:
    """``bindings`` with the two categories of ``pair`` exchanged, between slots or within a list."""
    x, y = sorted(pair)
    trade = {x: y, y: x}

    def swap(v):
        return trade.get(v, v) if isinstance(v, str) else [swap(u) for u in v] if isinstance(v, list) else v
    return {k: swap(v) for k, v in bindings.items()}


def named_categories(bindings: dict) -> set[str]:
    """Every category a binding names (category and categories slots)."""
    out = set()
    for value in bindings.values():
        out |= {value} if isinstance(value, str) else {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()
    return out


def _free_cells(width: float, depth: float) -> np.ndarray:
    """Centres of grid cells inside the room, leaving the camera's spot at the centre free."""
    xs = np.arange(CELL / 2, width - CELL / 2 + 1e-9, CELL) + (width - CELL * int(width // CELL)) / 2
    ys = np.arange(CELL / 2, depth - CELL / 2 + 1e-9, CELL) + (depth - CELL * int(depth // CELL)) / 2
    cells = np.array([(x, y) for x in xs for y in ys])
    far = np.hypot(cells[:, 0] - width / 2, cells[:, 1] - depth / 2) > 1.0
    return cells[far]


def projected_visibility(o: ObjectSpec, pose: Pose, T: np.ndarray, intrinsics: CameraIntrinsics = INTRINSICS) -> Visibility:
    """In-frame share of box samples and the pixel area of their 2D box, from the pinhole model
    (object ``o`` at ``pose``, camera-to-world ``T``; no occlusion)."""
    pts = obb_samples(pose.position, o.half_extents, quat_to_matrix(pose.quat_wxyz), n=SAMPLES)
    uv, z = project(intrinsics.K(), np.asarray(T, dtype=float), pts)
    inside = (z > 0.1) & (uv[:, 0] >= 0) & (uv[:, 0] < intrinsics.width) & (uv[:, 1] >= 0) & (uv[:, 1] < intrinsics.height)
    if not inside.any():
        return Visibility(o.object_id, 0, 0.0, 0.0, None)
    x0, y0 = np.floor(uv[inside].min(axis=0)).astype(int)
    x1, y1 = np.floor(uv[inside].max(axis=0)).astype(int)
    pixels = int((x1 - x0 + 1) * (y1 - y0 + 1))
    return Visibility(o.object_id, pixels, float(inside.mean()), 0.0, (int(x0), int(y0), int(x1), int(y1)))
