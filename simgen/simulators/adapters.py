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
import re
from dataclasses import dataclass

import numpy as np

# The 6 axis permutations; signs are chosen per axis afterwards.
_PERMUTATIONS = [np.eye(3)[:, list(p)] for p in itertools.permutations(range(3))]
_TRIPLES = list(itertools.combinations(range(7), 3))
_CORNER_SIGNS = np.array(list(itertools.product((0.0, 1.0), repeat=3)))  # (8, 3) edge multipliers


ORIENTED, AXIS_ALIGNED = "oriented", "axis_aligned"  # where a Box came from


class MissingSDK(RuntimeError):
    """An optional simulator SDK is not installed; the message says how to install it."""


@dataclass(frozen=True)
class Box:
    """An object's box in simgen's world: centre, half extents, rotation and where it came from."""

    center: np.ndarray
    half: np.ndarray
    R: np.ndarray
    source: str  # ORIENTED (the simulator's oriented box) | AXIS_ALIGNED (a fallback, larger when rotated)


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


# -- SceneSpec assembly ------------------------------------------------------------------------------
BOX_RGBA = (0.7, 0.7, 0.7, 1.0)  # the stand-in part's colour (other simulators render the boxes)


@dataclass(frozen=True)
class AdaptedObject:
    """One simulator object ready for a SceneSpec: its own key, category, kind, box and support."""

    key: str  # the simulator's id (AI2-THOR objectId, habitat semantic id / handle)
    category: str
    kind: str  # furniture | small
    box: Box
    support_key: str | None = None


def rounded(values) -> tuple:
    """Floats rounded to the 1e-6 that SceneSpec JSON keeps, so a spec survives save → load unchanged."""
    return tuple(round(float(v), 6) for v in values)


def assemble_scene(builder: str, scene: str, scene_id: str, seed: int, objects: list[AdaptedObject],
                   lo, hi, extra_source: dict | None = None):
    """The SceneSpec of adapted objects (ids 1.. in the given order) in the room spanning ``lo``..``hi``.

    The room footprint is the XY rectangle of the bounds, its height the top of the bounds (≥ 2 m).
    ``complexity`` counts objects, categories and box fallbacks; ``complexity["source"]`` names the
    builder and scene, maps each object_id to the simulator's key (what the simulator needs to read
    states back) and lists the objects whose box is axis-aligned (``box_fallback``).
    """
    from simgen.geometry import matrix_to_quat
    from simgen.types import SCHEMA_VERSION, ObjectSpec, Part, Pose, RoomSpec, SceneSpec

    ids = {o.key: i for i, o in enumerate(objects, start=1)}
    names = object_names([o.category for o in objects])
    specs = []
    for (i, o), name in zip(enumerate(objects, start=1), names):
        half = rounded(o.box.half)
        specs.append(ObjectSpec(
            object_id=i, name=name, category=o.category, color="",  # simulator metadata names no colours
            half_extents=half, pose=Pose(rounded(o.box.center), rounded(matrix_to_quat(o.box.R))),
            parts=(Part("box", half, rgba=BOX_RGBA),), mass=0.0,  # the simulator settled its own scene
            kind=o.kind, support=ids.get(o.support_key) if o.support_key is not None else None,
        ))
    fallback = [name for name, o in zip(names, objects) if o.box.source != ORIENTED]
    (x0, y0), (x1, y1) = lo[:2], hi[:2]
    footprint = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))  # counter-clockwise
    room = RoomSpec(tuple(rounded(p) for p in footprint), round(max(float(hi[2]), 2.0), 6))
    complexity = {
        "num_objects": len(specs),
        "num_categories": len({o.category for o in objects}),
        "box_fallback_count": len(fallback),
        "source": {"builder": builder, "scene": scene, **(extra_source or {}),
                   "object_keys": {str(i): key for key, i in ids.items()}, "box_fallback": fallback},
    }
    return SceneSpec(scene_id, int(seed), room, tuple(specs), complexity=complexity, schema_version=SCHEMA_VERSION)


def read_recordings(path: str, loader) -> list[dict]:
    """Every recording of a file or a folder's ``*.json`` (sorted), read by ``loader``; errors as ConfigError."""
    from simgen.registry import ConfigError
    from simgen.scene.from_file import resolve  # the project's one rule for relative paths

    try:
        root = resolve(path)
        files = sorted(root.glob("*.json")) if root.is_dir() else [root]
        recordings = [loader(f) for f in files]
    except ValueError as e:  # SceneFileError (a ConfigError) is a ValueError too
        raise ConfigError(f"scene.recordings: {e}") from None
    if not recordings:
        raise ConfigError(f"scene.recordings: no .json recordings in {root}")
    return recordings
