"""Close looks at small things: how low the handheld camera bends for a look, and how far it reaches
out from where the walker stands (over the furniture a small thing lies on) when no view from a
free spot shows it well. Used by ``viewpoints.candidates``; ``cfg`` is its ``ViewpointConfig``."""
import numpy as np

from simgen.trajectories.box_visibility import solid
from simgen.trajectories.planning_geometry import Boxes, Room
from simgen.trajectories.raycast import segments_clear

CLOSE_LOOK_DEG = 30.0  # a lowered eye sees its object this far below the horizon
CROUCH_M = 0.2  # a crouching close look goes this much lower than close_eye_height_m (a duck on a sofa seat)
_REACH_STEPS = (0.25, 0.5, 0.75, 1.0)  # shares of reach_m tried for a reaching close look
_REACH_CLEAR_M = 0.1  # a reaching camera keeps this far from every box and wall


def close_look_height(cfg, eyes_xy, targets, crouch: float = 0.0) -> np.ndarray:
    """Eye heights that see each target ``CLOSE_LOOK_DEG`` below the horizon, within the eye's range
    (its lowest ``crouch`` m below ``close_eye_height_m``)."""
    reach = np.linalg.norm(eyes_xy - targets[:, :2], axis=1)
    low = targets[:, 2] + reach * np.tan(np.radians(CLOSE_LOOK_DEG))
    return np.clip(low, cfg.close_eye_height_m - crouch if cfg.close_eye_height_m else cfg.eye_height_m, cfg.eye_height_m)


def reaching(cfg, room: Room, boxes: Boxes, cells, targets, crouch: float = 0.0):
    """Reaching close looks from free ``cells`` (K, 2) towards ``targets`` (K, 3): the camera moved
    ``_REACH_STEPS`` × ``reach_m`` towards the target (never past ``min_distance_m`` / 2 from it
    horizontally), at the close-look height (its lowest ``crouch`` m lower) raised over any box beneath it; kept where the camera
    and its way out from the cell (at standing and at reaching height) stay ``_REACH_CLEAR_M`` clear
    of every box and wall. Returns (cells, eyes, targets) of those kept."""
    offset = targets[:, :2] - cells
    horizontal = np.linalg.norm(offset, axis=1)
    towards = offset / np.maximum(horizontal, 1e-9)[:, None]
    boxes = solid(boxes)  # over a sofa's seat, not its bounding box
    padded = Boxes(boxes.ids, boxes.names, boxes.centers, boxes.halves + _REACH_CLEAR_M, boxes.rotations)
    tops = boxes.z_range()[:, 1] + _REACH_CLEAR_M
    out = []
    for share in _REACH_STEPS:
        step = np.minimum(share * cfg.reach_m, horizontal - 0.5 * cfg.min_distance_m)
        ok = step > 0.0
        xy = cells[ok] + towards[ok] * step[ok, None]
        z = close_look_height(cfg, xy, targets[ok], crouch)
        for _ in range(2):  # over a box rather than into it (twice: a box on a box)
            inside = _inside(np.column_stack([xy, z]), padded)
            z = np.maximum(z, np.where(inside, tops[None], -np.inf).max(axis=1))
        eye = np.column_stack([xy, z])
        high = np.column_stack([cells[ok], np.full(len(xy), cfg.eye_height_m)])
        level = np.column_stack([cells[ok], z])
        ok_eye = (z <= cfg.eye_height_m) & (_wall_gap(xy, room) >= _REACH_CLEAR_M)
        ok_eye &= segments_clear(high, eye, room, padded) & segments_clear(level, eye, room, padded)
        out.append((cells[ok][ok_eye], eye[ok_eye], targets[ok][ok_eye]))
    return tuple(np.concatenate(parts) for parts in zip(*out))


def _inside(points, boxes: Boxes) -> np.ndarray:
    """(P, M) bool: point p lies inside box m."""
    local = np.einsum("pmk,mkl->pml", points[:, None, :] - boxes.centers[None], boxes.rotations)
    return (np.abs(local) <= boxes.halves[None]).all(axis=-1)


def _wall_gap(xy, room: Room) -> np.ndarray:
    """(P,) horizontal distance from each point to the nearest wall segment."""
    a, b = room.walls
    ab = b - a
    t = np.clip(np.einsum("pwk,wk->pw", xy[:, None] - a[None], ab) / (ab * ab).sum(axis=1), 0.0, 1.0)
    return np.linalg.norm(xy[:, None] - (a[None] + t[..., None] * ab[None]), axis=-1).min(axis=1)
