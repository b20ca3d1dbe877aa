"""Helpers shared by the metadata adapters (AI2-THOR, habitat-sim): boxes, masks, names, SDK errors.

Both adapters turn a simulator's own metadata into simgen's records. What they share is frame-free:

* :func:`fit_box` recovers an oriented box (centre, half extents, rotation) from its 8 corner points
  in any order, and refuses point sets that are not a box.
* :func:`canonical_box` picks, among the 24 equivalent (axis order, sign) descriptions of one box,
  the one whose axes best match a hint rotation (the object's own frame), so an object's local x
  stays its local x from frame to frame and the box's "up" axis is local z.
* :func:`ids_from_codes` maps a per-pixel label image (colours or integer ids) to object ids.
* :class:`Box` is what both adapters produce per object, flagged ``oriented`` or ``axis_aligned``.
* :func:`category_from_type` turns ``CoffeeTable`` / ``TVStand`` into ``coffee table`` / ``tv stand``.
"""
from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simgen.registry import ConfigError

# The 6 axis permutations; signs are chosen per axis afterwards.
_PERMUTATIONS = [np.eye(3)[:, list(p)] for p in itertools.permutations(range(3))]
_TRIPLES = list(itertools.combinations(range(7), 3))
_CORNER_SIGNS = np.array(list(itertools.product((0.0, 1.0), repeat=3)))  # (8, 3) edge multipliers


ORIENTED, AXIS_ALIGNED = "oriented", "axis_aligned"  # where a Box came from


class MissingSDK(ConfigError):
    """An optional simulator SDK is not installed; the message says how to install it.

    A ConfigError: choosing a simulator whose SDK is absent is a setup mistake, so the CLI reports
    it in one line (exit 2) before any episode is rendered."""


@dataclass(frozen=True)
class Box:
    """An object's box in simgen's world: centre, half extents, rotation and where it came from."""

    center: np.ndarray
    half: np.ndarray
    R: np.ndarray
    source: str  # ORIENTED (the simulator's oriented box) | AXIS_ALIGNED (a fallback, larger when rotated)


def rounded(values) -> tuple:
    """Floats rounded to the 1e-6 that SceneSpec JSON keeps, so a spec survives save → load unchanged."""
    return tuple(round(float(v), 6) for v in values)


def fit_box(corners, tol: float = 1e-3) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(centre (3,), half extents (3,), rotation (3, 3) with det +1) of 8 box corners, or None.

    The corners may come in any order. From one corner, three of the other seven are its edges:
    the triple whose 8 sums reproduce every corner (within ``tol`` metres, plus 0.1 % of the box
    diagonal) is taken, and its directions are snapped to the nearest rotation. None means the
    points are not a box (a caller falls back to another description and says so).
    """
    pts = np.asarray(corners, dtype=float)
    if pts.shape != (8, 3) or not np.all(np.isfinite(pts)):
        return None
    diag = float(np.max(np.linalg.norm(pts - pts.mean(axis=0), axis=1))) * 2.0
    limit = tol + 1e-3 * diag
    edges = pts[1:] - pts[0]
    best = None
    for i, j, k in _TRIPLES:
        E = edges[[i, j, k]]  # (3, 3): rows are candidate edges
        predicted = pts[0] + _CORNER_SIGNS @ E
        d = np.linalg.norm(predicted[:, None, :] - pts[None, :, :], axis=2)
        err = max(d.min(axis=1).max(), d.min(axis=0).max())
        if err <= limit and (best is None or err < best[0]):
            best = (err, E)
    if best is None:
        return None
    E = best[1]
    lengths = np.linalg.norm(E, axis=1)
    R = _nearest_rotation(E, lengths)
    if R is None:
        return None
    return pts.mean(axis=0), lengths / 2.0, R


def _nearest_rotation(E: np.ndarray, lengths: np.ndarray) -> np.ndarray | None:
    """Columns = unit edge directions, orthonormalised (SVD); one zero-length edge is completed."""
    ok = lengths > 1e-9
    if ok.sum() < 2:
        return None
    A = np.zeros((3, 3))
    A[:, ok] = (E[ok] / lengths[ok, None]).T
    if not ok.all():  # a flat box: its third axis is the cross product of the other two
        a, b = (A[:, i] for i in np.flatnonzero(ok))
        A[:, ~ok] = np.cross(a, b)[:, None]
    U, _, Vt = np.linalg.svd(A)
    R = U @ Vt
    if np.linalg.det(R) < 0:  # a box is symmetric: flipping one axis describes the same box
        R[:, 2] = -R[:, 2]
    return R


def canonical_box(half, R, hint=None) -> tuple[np.ndarray, np.ndarray]:
    """(half extents, rotation) of the same box with axes re-ordered and re-signed to follow ``hint``.

    ``hint`` is a rotation whose columns are the wanted local x, y, z in the world (the object's
    own frame); without one, world axes are the hint, so local z is the most vertical box axis.
    The result keeps det +1; when the hint cannot be followed exactly the least aligned axis
    gives way.
    """
    half, R = np.asarray(half, dtype=float), np.asarray(R, dtype=float)
    H = np.eye(3) if hint is None else np.asarray(hint, dtype=float)
    best = None
    for P in _PERMUTATIONS:
        Rp = R @ P
        score = np.abs(np.sum(Rp * H, axis=0)).sum()
        if best is None or score > best[0] + 1e-9:
            best = (score, P)
    P = best[1]
    Rp = R @ P
    dots = np.sum(Rp * H, axis=0)
    signs = np.where(dots < 0, -1.0, 1.0)
    if np.linalg.det(Rp * signs) < 0:  # keep a proper rotation: flip back the axis that matters least
        signs[int(np.argmin(np.abs(dots)))] *= -1.0
    return np.abs(P.T @ half), Rp * signs


def ids_from_codes(codes: np.ndarray, lut: dict) -> np.ndarray:
    """uint16 object ids (0 = none) of a per-pixel code image, via ``lut`` (code → object id).

    Codes are integers (one per pixel); unknown codes map to 0. Vectorised over the distinct codes.
    """
    codes = np.asarray(codes)
    values, inverse = np.unique(codes.ravel(), return_inverse=True)
    mapped = np.array([lut.get(int(v), 0) for v in values], dtype=np.uint16)
    return mapped[inverse].reshape(codes.shape)


def rgb_codes(rgb: np.ndarray) -> np.ndarray:
    """One integer per pixel of an (H, W, 3) colour image: ``r << 16 | g << 8 | b``."""
    rgb = np.asarray(rgb).astype(np.uint32)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def rgb_code(color) -> int:
    """The :func:`rgb_codes` integer of one (r, g, b) colour."""
    r, g, b = (int(c) for c in color[:3])
    return (r << 16) | (g << 8) | b


_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def category_from_type(object_type: str) -> str:
    """Lower-case words of a CamelCase / snake_case type name: ``TVStand`` → ``tv stand``."""
    words = _WORD.findall(object_type.replace("_", " ").replace("-", " "))
    return " ".join(w.lower() for w in words) or object_type.lower()


def map_category(raw: str, category_map: dict | None) -> str:
    """The category of a simulator type name: ``category_map`` by the raw or the normalised name, else normalised."""
    normal = category_from_type(raw)
    mapping = category_map or {}
    return mapping.get(raw) or mapping.get(normal) or normal


def object_names(categories: list[str]) -> list[str]:
    """Unique referring names ``<category>_<k>`` (spaces → underscores), k counting from 1 per category."""
    seen: dict[str, int] = {}
    out = []
    for cat in categories:
        seen[cat] = seen.get(cat, 0) + 1
        out.append(f"{cat.replace(' ', '_')}_{seen[cat]}")
    return out


def depth_or_inf(depth: np.ndarray) -> np.ndarray:
    """float32 metres with non-positive / non-finite values (no hit) turned into ``inf``."""
    d = np.array(depth, dtype=np.float32)
    d[~(d > 0) | ~np.isfinite(d)] = np.inf
    return d


def read_recording(path, simulator: str, fmt: str, version: int, required: tuple[str, ...]) -> dict:
    """Read a recording JSON of ``simulator``; errors name the file and what is wrong or missing.

    ``required`` holds top-level keys, or ``"parent.child"`` for a key inside a mapping.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{simulator} recording {path}: unreadable ({e})") from None
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise ValueError(f"{simulator} recording {path}: 'format' must be {fmt!r}")
    if data.get("version") != version:
        raise ValueError(f"{simulator} recording {path}: version {data.get('version')}, expected {version}")
    missing = [k for k in required if not _has(data, k)]
    if missing:
        raise ValueError(f"{simulator} recording {path}: missing {', '.join(missing)}")
    return data


def _has(data: dict, dotted: str) -> bool:
    parent, _, child = dotted.partition(".")
    if parent not in data:
        return False
    return not child or (isinstance(data[parent], dict) and child in data[parent])
