"""Room shells and lighting: floor footprint (rect or L), walls with inward normals, colours, light.

Footprint convention: the floor is the plane z = 0; the footprint's origin is the room's corner at
its minimum x and y, so every floor point has x ≥ 0 and y ≥ 0 (``room_width`` runs along x,
``room_depth`` along y). Vertices are counter-clockwise seen from above, so the room interior lies
to the left of each wall edge and the inward normal of edge (dx, dy) is (−dy, dx)/length. An L room
is its width × depth rectangle with the (+x, +y) corner cut away.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.types import Lighting, RoomSpec

FLOORS = ((0.55, 0.42, 0.3), (0.72, 0.6, 0.45), (0.5, 0.5, 0.5), (0.78, 0.72, 0.62))  # wood, light wood, tile, carpet
WALLS = ((0.88, 0.87, 0.82), (0.8, 0.8, 0.8), (0.78, 0.84, 0.9), (0.92, 0.88, 0.72))  # off-white, grey, blue, yellow
L_NOTCH = (0.35, 0.5)  # the cut-away corner spans this fraction of the width and of the depth


@dataclass(frozen=True)
class Wall:
    """One wall edge of the footprint: from ``start`` to ``end`` with the unit ``normal`` pointing inside."""

    start: np.ndarray
    end: np.ndarray
    normal: np.ndarray

    @property
    def length(self) -> float:
        """Length of the wall (m)."""
        return float(np.linalg.norm(self.end - self.start))


def footprint(shape: str, width: float, depth: float, notch: tuple[float, float] = (0.4, 0.4)):
    """Counter-clockwise footprint vertices of a ``rect`` or ``L`` room (notch: fractions cut from an L)."""
    if shape == "rect":
        return ((0.0, 0.0), (width, 0.0), (width, depth), (0.0, depth))
    if shape == "L":
        nx, ny = width * (1.0 - notch[0]), depth * (1.0 - notch[1])
        return ((0.0, 0.0), (width, 0.0), (width, ny), (nx, ny), (nx, depth), (0.0, depth))
    raise ValueError(f"room shape {shape!r}: expected 'rect' or 'L'")


def walls(poly) -> list[Wall]:
    """The wall edges of a counter-clockwise footprint with their inward normals."""
    pts = np.asarray(poly, dtype=float)
    out = []
    for a, b in zip(pts, np.roll(pts, -1, axis=0)):
        d = b - a
        out.append(Wall(a, b, np.array([-d[1], d[0]]) / np.linalg.norm(d)))
    return out


def sample_room(rng: np.random.Generator, shape: str, width: float, depth: float, height: float,
                size_jitter: float, color_variation: float) -> RoomSpec:
    """A room of roughly ``width × depth`` (each scaled by up to ±``size_jitter``) with seeded colours."""
    w = round(width * (1.0 + rng.uniform(-size_jitter, size_jitter)), 3)
    d = round(depth * (1.0 + rng.uniform(-size_jitter, size_jitter)), 3)
    notch = tuple(float(v) for v in rng.uniform(*L_NOTCH, size=2))
    floor, wall = (_pick(rng, palette, color_variation) for palette in (FLOORS, WALLS))
    return RoomSpec(footprint(shape, w, d, notch), float(height), wall + (1.0,), floor + (1.0,), shape)


def _pick(rng: np.random.Generator, palette, variation: float) -> tuple[float, float, float]:
    """The first palette entry, or with probability ``variation`` any entry, lightly jittered."""
    rgb = palette[0] if rng.random() >= variation else palette[int(rng.integers(len(palette)))]
    return tuple(float(np.clip(c + rng.uniform(-0.04, 0.04) * variation, 0.0, 1.0)) for c in rgb)


def sample_lighting(rng: np.random.Generator, variation: float) -> Lighting:
    """The default light, with direction, strengths and colour temperature jittered by ``variation`` (0..1)."""
    base = Lighting()
    d = np.asarray(base.direction, dtype=float)
    azimuth = np.arctan2(d[1], d[0]) + rng.uniform(-np.pi, np.pi) * variation
    elevation = np.clip(np.arctan2(d[2], np.hypot(d[0], d[1])) + rng.uniform(-0.35, 0.35) * variation, 0.5, 1.5)
    direction = (np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation))
    warmth = rng.uniform(-1.0, 1.0) * variation  # > 0 warm (yellowish), < 0 cool (bluish)
    color = np.array([1.0 + 0.08 * warmth, 1.0, 1.0 - 0.08 * warmth])
    return Lighting(
        direction=tuple(float(v) for v in direction),
        color=tuple(float(v) for v in color / color.max()),
        ambient=float(base.ambient + rng.uniform(-0.15, 0.15) * variation),
        diffuse=float(base.diffuse + rng.uniform(-0.15, 0.15) * variation),
        specular=float(base.specular + rng.uniform(-0.05, 0.05) * variation),
    )
