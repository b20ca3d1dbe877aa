"""Building blocks of the asset catalogue: named colours, part makers, exact bounds, asset records.

Object frame convention (every asset): the origin is the centre of the object's oriented box, +z
is up, and the object's **front** (the side a person faces when using it: a chair's seat edge, a
sofa's cushions, a TV's screen, a shelf's open side, a bed's foot) points along local **+x**, so an
object's yaw is the heading it faces. Makers build parts in a convenient "natural" frame (floor at
z = 0); :func:`assemble` then moves everything so that the union of the parts' exact bounds is
centred on the origin, which makes ``half_extents`` the true, tight oriented box.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from simgen.geometry import matrix_to_quat, quat_to_matrix
from simgen.scene.meshes import mesh_bounds, mesh_vertices
from simgen.types import Part, Pose

# Colour names a question may use, with the RGB that renders as that name.
COLORS: dict[str, tuple[float, float, float]] = {
    "white": (0.92, 0.92, 0.9),
    "black": (0.08, 0.08, 0.08),
    "grey": (0.5, 0.5, 0.52),
    "red": (0.8, 0.1, 0.1),
    "green": (0.15, 0.55, 0.2),
    "blue": (0.15, 0.3, 0.8),
    "yellow": (0.95, 0.85, 0.15),
    "orange": (0.95, 0.5, 0.1),
    "brown": (0.45, 0.28, 0.15),
    "beige": (0.85, 0.77, 0.6),
    "pink": (0.95, 0.6, 0.7),
    "purple": (0.5, 0.25, 0.65),
}
TRIM = (0.2, 0.2, 0.2, 1.0)  # dark trim for thin minor parts (lamp poles, bottle caps)
KINDS = ("furniture", "small", "occluder")
PLACEMENTS = ("wall", "free", "table", "support")  # table: beside a table facing it; support: on a surface
MOUNTS = ("floor", "wall", "ceiling")  # where a furniture piece's box rests: on the floor, on a wall, from the ceiling
IDENTITY = (1.0, 0.0, 0.0, 0.0)
STANDARD_SPREAD = 0.04  # size variation of a piece made to a standard size (Asset.size_spread)


@dataclass(frozen=True)
class Surface:
    """A horizontal rectangle small objects can rest on, in the object's frame.

    ``center`` z is the height of the top face; ``clearance`` is the free height above it (``inf``
    for open tops); ``half_size`` is already inset from the supporting part's edges.
    """

    center: tuple[float, float, float]
    half_size: tuple[float, float]
    clearance: float = float("inf")


@dataclass(frozen=True)
class Context:
    """What an asset maker may use: the generator, the chosen colour, the room it goes into and, for a piece
    made to measure (a curtain for its window), ``fit``: its full width (y) and height (z) in metres."""

    rng: np.random.Generator
    color: str
    rgba: tuple[float, float, float, float]
    room_height: float
    fit: tuple[float, float] | None = None

    def shade(self, factor: float) -> tuple[float, float, float, float]:
        """The object's colour darkened (factor < 1) or lightened, for a secondary part of the same colour."""
        r, g, b, a = self.rgba
        return tuple(float(np.clip(c * factor, 0.0, 1.0)) for c in (r, g, b)) + (a,)

    def u(self, low: float, high: float) -> float:
        """A uniform draw in [low, high)."""
        return float(self.rng.uniform(low, high))


Maker = Callable[[Context], tuple[list[Part], list[Surface]]]


@dataclass(frozen=True)
class Asset:
    """One catalogue category: how to build it and where it may go.

    ``colors`` are plausible colour names (the first is the default when colour variation is 0);
    ``placement`` is ``wall`` (back to a wall, facing into the room), ``free`` (free-standing with
    walking clearance), ``table`` (beside a table, facing it; free-standing if there is none) or
    ``support`` (small objects: on a support surface); ``supports`` says its instances offer support
    surfaces (their heights come with each instance); ``floor_ok`` lets a small object rest on the
    floor; ``density`` (kg/m³ of its box) gives small objects their mass; ``weight`` is its relative
    chance of being drawn; ``max_count`` caps its instances per scene (one room rarely has three
    beds); ``tints`` overrides :data:`COLORS` for this asset (a textured mesh whose
    texture the renderer multiplies by the part colour needs a tint that is the named colour both
    alone and multiplied by the texture).

    ``variants`` are named shape variants ``(name, maker)``; ``make`` is the maker used when no variant
    is asked for (the original category's maker, so scenes built before variants existed stay as they
    were) or None, which draws a variant. ``dims`` states the real-world range of the box's full
    extents (depth x, width y, height z, in metres, before size variation) every variant stays within;
    ``mount`` says where the box rests (:data:`MOUNTS`); ``gathers`` lets ``table``-placed pieces
    (chairs) be drawn up around it; ``size_spread`` (a fraction) caps the scene's size variation for a
    piece made to a standard size (a toilet, a stove, a kitchen counter: its ``dims`` are already the
    real range, and 30 % more made a toilet 0.9 m deep), None leaves it uncapped.
    """

    category: str
    kind: str
    placement: str
    colors: tuple[str, ...]
    make: Maker | None
    supports: bool = False
    floor_ok: bool = False
    density: float = 0.0
    weight: float = 1.0
    max_count: int = 99
    tints: dict = field(default_factory=dict, compare=False)
    variants: tuple[tuple[str, Maker], ...] = ()
    dims: tuple[tuple[float, float], ...] | None = None
    mount: str = "floor"
    gathers: bool = False
    size_spread: float | None = None

    def variant_names(self) -> list[str]:
        """The names of the shape variants (empty for a category with one shape)."""
        return [name for name, _ in self.variants]

    def maker(self, variant: str) -> Maker:
        """The maker of the shape variant ``variant`` (KeyError naming the known ones otherwise)."""
        for name, make in self.variants:
            if name == variant:
                return make
        raise KeyError(f"{self.category}: unknown variant {variant!r}; known: {', '.join(self.variant_names())}")


@dataclass(frozen=True)
class Instance:
    """One built asset: centred parts, true half extents, support surfaces and mass."""

    asset: Asset
    color: str
    parts: tuple[Part, ...]
    half_extents: tuple[float, float, float]
    surfaces: tuple[Surface, ...]
    mass: float
    variant: str = ""


def floats(values) -> tuple[float, ...]:
    """Plain Python floats (records hold no numpy scalars)."""
    return tuple(float(v) for v in values)


def block(lo, hi, rgba, quat=IDENTITY) -> Part:
    """A box part spanning ``lo``..``hi`` (before its rotation ``quat`` about its own centre)."""
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    return Part("box", floats((hi - lo) / 2), Pose(floats((hi + lo) / 2), floats(quat)), floats(rgba))


def cylinder(center_xy, z0, z1, radius, rgba) -> Part:
    """An upright cylinder part of ``radius`` from height ``z0`` to ``z1``."""
    hh = (z1 - z0) / 2
    return Part("cylinder", floats((radius, radius, hh)), Pose(floats((center_xy[0], center_xy[1], z0 + hh))),
                floats(rgba))


def turned(axis: str, angle: float) -> tuple[float, float, float, float]:
    """The quaternion (w, x, y, z) of a turn by ``angle`` radians about the object frame's ``axis`` ("x", "y" or "z")."""
    v = [0.0, 0.0, 0.0]
    v["xyz".index(axis)] = float(np.sin(angle / 2))
    return (float(np.cos(angle / 2)), *v)


def rod(a, b, radius: float, rgba) -> Part:
    """A cylinder part from point ``a`` to point ``b`` (any direction: a lamp arm, a chair spoke, a handle)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = b - a
    length = float(np.linalg.norm(d))
    z = d / length
    axis = np.cross([0.0, 0.0, 1.0], z)
    s, c = float(np.linalg.norm(axis)), float(z[2])
    if s < 1e-9:
        quat = IDENTITY if c > 0 else (0.0, 1.0, 0.0, 0.0)
    else:
        half = np.arctan2(s, c) / 2
        quat = (float(np.cos(half)), *floats(axis / s * np.sin(half)))
    return Part("cylinder", floats((radius, radius, length / 2)), Pose(floats((a + b) / 2), quat), floats(rgba))


def sphere(center, radius, rgba) -> Part:
    """A sphere part."""
    return Part("sphere", floats((radius,) * 3), Pose(floats(center)), floats(rgba))


def mesh(path: str, scale: float, rgba, R=np.eye(3)) -> Part:
    """A mesh part from ``pybullet_data``, uniformly scaled, rotated by ``R``, standing on z = 0 centred in xy."""
    quat = matrix_to_quat(R)
    lo, hi = (scale * b for b in mesh_bounds(path, quat))
    offset = (-(lo[0] + hi[0]) / 2, -(lo[1] + hi[1]) / 2, -lo[2])
    return Part("mesh", floats((scale,) * 3), Pose(floats(offset), quat), floats(rgba), mesh=path)


def rot_zx(yaw: float, roll: float) -> np.ndarray:
    """Rotation by ``roll`` about x, then ``yaw`` about z (turns a Y-up mesh Z-up and faces it along +x)."""
    cz, sz, cx, sx = np.cos(yaw), np.sin(yaw), np.cos(roll), np.sin(roll)
    return np.array([[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]]) @ np.array(
        [[1.0, 0.0, 0.0], [0.0, cx, -sx], [0.0, sx, cx]])


def part_bounds(part: Part) -> tuple[np.ndarray, np.ndarray]:
    """Exact axis-aligned bounds (lo, hi) of a part in the object frame."""
    R = quat_to_matrix(part.offset.quat_wxyz)
    t = np.asarray(part.offset.position, dtype=float)
    size = np.asarray(part.size, dtype=float)
    if part.shape == "box":
        ext = np.abs(R) @ size  # support function of a rotated box along each axis
    elif part.shape == "cylinder":
        axis = np.abs(R[:, 2])  # the cylinder axis (local z) in the object frame
        ext = axis * size[2] + size[0] * np.sqrt(np.clip(1.0 - axis**2, 0.0, None))
    elif part.shape == "sphere":
        ext = np.full(3, size[0])
    elif part.shape == "mesh":
        if size[0] == size[1] == size[2] > 0:  # uniform scale: scale the cached unit-scale bounds
            lo, hi = (size[0] * b for b in mesh_bounds(part.mesh, part.offset.quat_wxyz))
        else:
            verts = (mesh_vertices(part.mesh) * size) @ R.T
            lo, hi = verts.min(0), verts.max(0)
        return lo + t, hi + t
    else:
        raise ValueError(f"part shape {part.shape!r}: expected box, cylinder, sphere or mesh")
    return t - ext, t + ext


def top_surface(part: Part, inset: float = 0.02, clearance: float = float("inf")) -> Surface:
    """The top face of an unrotated box part as a support surface, inset from its edges (of an upright
    cylinder: the square inscribed in its top disc, inset)."""
    if part.shape not in ("box", "cylinder") or part.offset.quat_wxyz != IDENTITY:
        raise ValueError("top_surface: only an unrotated box or upright cylinder part has a flat top")
    (x, y, z), (hx, hy, hz) = part.offset.position, part.size
    if part.shape == "cylinder":
        hx = hy = hx / np.sqrt(2.0)
    return Surface((x, y, z + hz), (max(hx - inset, 0.0), max(hy - inset, 0.0)), clearance)


def assemble(parts: list[Part], surfaces: list[Surface]):
    """Shift parts and surfaces so the union of the parts' bounds is centred; returns (parts, half, surfaces)."""
    bounds = [part_bounds(p) for p in parts]
    lo = np.min([b[0] for b in bounds], axis=0)
    hi = np.max([b[1] for b in bounds], axis=0)
    c = (lo + hi) / 2
    moved = tuple(Part(p.shape, p.size, Pose(floats(np.asarray(p.offset.position) - c), p.offset.quat_wxyz),
                       p.rgba, p.mesh) for p in parts)
    shifted = tuple(Surface(floats(np.asarray(s.center) - c), floats(s.half_size), s.clearance) for s in surfaces)
    return moved, floats((hi - lo) / 2), shifted
