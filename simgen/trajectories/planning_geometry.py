"""Pieces every planner shares: the error type, the room and the objects' boxes as arrays, vectorised
camera poses from yaw/pitch, and the config fields (with their checks) common to grid-based planners.

Config dataclasses in this package deliberately avoid ``from __future__ import annotations`` so that
``registry.parse_config`` sees real types and coerces/rejects values by type.
"""
from dataclasses import dataclass, field

import numpy as np

from simgen.geometry import polygon_area, quat_to_matrix
from simgen.registry import ConfigError, setting
from simgen.trajectories.base import PlanRequest
from simgen.types import ObjectSpec, RoomSpec

MIN_PITCH_DEG = -35.0  # no planner ever looks further down than this (no floor-staring poses)...
MIN_CLOSE_PITCH_DEG = -45.0  # ...but a close look at a tabletop, as a handheld scan tilts down to it
MAX_PITCH_DEG = 60.0  # nor steeply up: image "up" must stay world up


class PlanningError(RuntimeError):
    """No valid camera path exists for this scene and config; the message says why and what to change."""


def check_request(request: PlanRequest) -> None:
    """PlanningError unless the request asks for at least one frame at a positive frame rate."""
    if request.n_frames < 1 or not request.fps > 0:
        raise PlanningError(f"plan request needs n_frames ≥ 1 and fps > 0, got {request.n_frames} frames at {request.fps} fps")


def check_range(where: str, key: str, value: float, lo: float, hi: float) -> None:
    """Raise ConfigError naming ``where.key`` unless ``lo <= value <= hi``."""
    if not lo <= value <= hi:
        raise ConfigError(f"{where}.{key}: expected a number in [{lo}, {hi}], got {value!r}")  # as registry.Bounds


@dataclass(frozen=True)
class GridConfig:
    """Config fields shared by every planner that moves the camera through the room's free space."""

    eye_height_m: float = setting(1.5, ge=0.2, le=3.0)
    clearance_m: float = setting(0.3, ge=0.0, le=2.0)  # free cells keep this far from walls and object footprints
    grid_resolution_m: float = setting(0.05, ge=0.01, le=0.5)
    # never look at a wall/box closer than this along the optical axis
    min_view_distance_m: float = setting(0.5, ge=0.1, le=5.0)

    def validate(self, where: str) -> None:
        """Where planners' cross-field checks chain (``super().validate``); the grid's own ranges are
        declared on its fields and checked by ``registry.check_config``."""


@dataclass(frozen=True)
class Room:
    """The room footprint (CCW polygon, floor at z = 0), its height and its wall segments."""

    footprint: np.ndarray  # (P, 2)
    height: float

    @classmethod
    def from_spec(cls, room: RoomSpec) -> "Room":
        """Arrays from a RoomSpec; a clockwise footprint is reversed rather than trusted."""
        poly = np.asarray(room.footprint, dtype=float)
        if len(poly) < 3 or room.height <= 0:
            raise PlanningError(f"room needs ≥ 3 footprint vertices and height > 0, got {len(poly)}, {room.height}")
        if polygon_area(poly) < 0:
            poly = poly[::-1].copy()
        return cls(poly, float(room.height))

    @property
    def walls(self) -> tuple[np.ndarray, np.ndarray]:
        """Wall segments as start and end points, each (P, 2)."""
        return self.footprint, np.roll(self.footprint, -1, axis=0)

    @property
    def bbox(self) -> tuple[np.ndarray, np.ndarray]:
        """Axis-aligned XY bounds (min, max) of the footprint."""
        return self.footprint.min(axis=0), self.footprint.max(axis=0)

    def centroid(self) -> np.ndarray:
        """Area centroid of the footprint polygon (may lie outside a non-convex room)."""
        p, q = self.footprint, np.roll(self.footprint, -1, axis=0)
        cross = p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1]
        return ((p + q) * cross[:, None]).sum(axis=0) / (3.0 * cross.sum())


@dataclass(frozen=True)
class Boxes:
    """The scene's oriented boxes at their current (settled) poses, as arrays aligned by index."""

    ids: np.ndarray  # (M,) object ids
    names: tuple[str, ...]
    centers: np.ndarray  # (M, 3)
    halves: np.ndarray  # (M, 3) half extents in the box frame
    rotations: np.ndarray  # (M, 3, 3) box frame -> world
    fill: np.ndarray | None = None  # (M,) share of the box's silhouette its parts cover (None: all)
    parts: "Boxes | None" = None  # box-shaped parts of multi-part objects (a shelf's boards and sides)
    part_owner: np.ndarray | None = None  # (P,) index of the box each of ``parts`` belongs to
    # what estimates derive from these boxes alone and reuse (samples, corners, faces): boxes are built
    # once per plan and never changed in place
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_request(cls, request: PlanRequest) -> "Boxes":
        """Boxes from the scene's specs, with poses taken from ``request.states`` where given."""
        poses = {s.object_id: s.pose for s in request.states}
        objs = request.scene.objects
        pose = [poses.get(o.object_id, o.pose) for o in objs]
        rotations = np.array([quat_to_matrix(p.quat_wxyz) for p in pose]).reshape(-1, 3, 3)
        centers = np.array([p.position for p in pose], dtype=float).reshape(-1, 3)
        owner = [(m, part) for m, o in enumerate(objs) if len(o.parts) > 1 for part in o.parts if part.shape == "box"]
        parts = cls(
            ids=np.array([objs[m].object_id for m, _ in owner], dtype=int),
            names=tuple(objs[m].name for m, _ in owner),
            centers=np.array([centers[m] + rotations[m] @ part.offset.position for m, part in owner]).reshape(-1, 3),
            halves=np.array([part.size for _, part in owner], dtype=float).reshape(-1, 3),
            rotations=np.array([rotations[m] @ quat_to_matrix(part.offset.quat_wxyz) for m, part in owner]).reshape(-1, 3, 3),
        )
        return cls(
            ids=np.array([o.object_id for o in objs], dtype=int),
            names=tuple(o.name for o in objs),
            centers=centers,
            halves=np.array([o.half_extents for o in objs], dtype=float).reshape(-1, 3),
            rotations=rotations,
            fill=np.array([silhouette_fill(o) for o in objs], dtype=float),
            parts=parts,
            part_owner=np.array([m for m, _ in owner], dtype=int),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def corners(self) -> np.ndarray:
        """(M, 8, 3) corners of every box."""
        signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=float)
        local = signs[None] * self.halves[:, None, :]
        return self.centers[:, None, :] + np.einsum("mij,mkj->mki", self.rotations, local)

    def z_range(self) -> np.ndarray:
        """(M, 2) lowest and highest z of every box."""
        z = self.corners()[..., 2]
        return np.stack([z.min(axis=1), z.max(axis=1)], axis=1)

    def subset(self, index) -> "Boxes":
        """The boxes selected by ``index`` (an index array or a boolean mask)."""
        idx = np.arange(len(self.ids))[index]
        names = tuple(self.names[i] for i in idx)
        fill = None if self.fill is None else self.fill[idx]
        return Boxes(self.ids[idx], names, self.centers[idx], self.halves[idx], self.rotations[idx], fill)

    def index(self, name: str) -> int:
        """Position of the object called ``name``; KeyError lists the known names."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"no object named {name!r}; known: {', '.join(self.names) or '(none)'}") from None


_FILL_GRID = 24  # raster cells per side of a box face when measuring how much of it the parts cover
_MESH_FILL = 0.5  # silhouette share of a mesh object's box (teddy bear, duck, mug: measured 0.3–0.6)


def silhouette_fill(obj: ObjectSpec) -> float:
    """Share of an object's box silhouette that its parts cover, averaged over the three axis views.

    Each part is rastered onto each box face as its axis-aligned extent (a disc for a sphere, and
    for a cylinder seen along its axis): a lamp's pole and shade cover a fraction of its box, a
    cabinet all of it. An object with a mesh part gets ``_MESH_FILL`` (its shape is not read
    here; the meshes are rounded figurines and mugs), one without parts 1. The box-based estimate
    scales its pixels by this.
    """
    half = np.maximum(np.asarray(obj.half_extents, dtype=float), 1e-9)
    if not obj.parts:
        return 1.0
    if any(p.shape == "mesh" for p in obj.parts):
        return _MESH_FILL
    g = (np.arange(_FILL_GRID) + 0.5) / _FILL_GRID * 2.0 - 1.0
    shares = []
    for axis in range(3):
        b, c = [i for i in range(3) if i != axis]
        u, v = np.meshgrid(g * half[b], g * half[c], indexing="ij")
        covered = np.zeros(u.shape, dtype=bool)
        for part in obj.parts:
            R = quat_to_matrix(part.offset.quat_wxyz)
            centre = np.asarray(part.offset.position, dtype=float)
            size = np.asarray(part.size, dtype=float)
            extent = np.abs(R) @ size  # the part's axis-aligned half extents in the object frame
            du, dv = u - centre[b], v - centre[c]
            round_view = part.shape == "sphere" or (part.shape == "cylinder" and abs(R[axis, 2]) > 0.9)
            if round_view:
                covered |= du**2 + dv**2 <= size[0] ** 2
            else:
                covered |= (np.abs(du) <= extent[b]) & (np.abs(dv) <= extent[c])
        shares.append(covered.mean())
    return float(np.clip(np.mean(shares), 0.05, 1.0))


def camera_poses(eyes, yaws, pitches) -> np.ndarray:
    """(N, 4, 4) OpenCV ``T_world_cam`` at ``eyes`` looking along heading ``yaws`` tilted by ``pitches``.

    Vectorised ``geometry.camera_from_yaw_pitch``: image x = forward × world up is horizontal (no
    roll), image y = forward × x points down in the world.
    """
    eyes = np.asarray(eyes, dtype=float).reshape(-1, 3)
    yaw, pitch = np.broadcast_arrays(np.asarray(yaws, dtype=float), np.asarray(pitches, dtype=float))
    cy, sy, cp, sp = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch)
    z = np.stack([cp * cy, cp * sy, sp], axis=-1)
    x = np.stack([sy, -cy, np.zeros_like(yaw)], axis=-1)
    y = np.cross(z, x)
    T = np.zeros((len(eyes), 4, 4))
    T[:, :3, 0], T[:, :3, 1], T[:, :3, 2], T[:, :3, 3] = x, y, z, eyes
    T[:, 3, 3] = 1.0
    return T


def yaw_pitch_towards(eyes, targets) -> tuple[np.ndarray, np.ndarray]:
    """Heading and elevation (rad) of the direction from each eye to its target."""
    d = np.asarray(targets, dtype=float) - np.asarray(eyes, dtype=float)
    horizontal = np.hypot(d[..., 0], d[..., 1])
    return np.arctan2(d[..., 1], d[..., 0]), np.arctan2(d[..., 2], horizontal)


def directions(yaws, pitches) -> np.ndarray:
    """Unit forward vectors (..., 3) for headings and elevations."""
    yaws, pitches = np.asarray(yaws, dtype=float), np.asarray(pitches, dtype=float)
    # cos and sin of each input before broadcasting (a frame's pitch against 720 heading bins is one
    # value, not 720): the same values, as the ufuncs compute each element alone
    flat = np.cos(pitches)
    x, y = flat * np.cos(yaws), flat * np.sin(yaws)
    return np.stack([x, y, np.broadcast_to(np.sin(pitches), x.shape)], axis=-1)
