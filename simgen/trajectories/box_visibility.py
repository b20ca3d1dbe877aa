"""Geometric visibility estimate of oriented boxes from camera poses, without rendering.

Per (frame, object): the box's silhouette area in pixels (sum of its front faces' projected areas,
exact for a convex box fully in front of the camera), the fraction of its volume samples that project
inside the image, and the fraction of those whose line of sight from the eye is blocked by another
box or a wall (boxes that contain the object's centre, such as a shelf holding it, do not block
as boxes; their own box-shaped parts, the shelf's boards and sides, do).
The estimated visible pixels = silhouette area × the share of it the object's parts fill
(``planning_geometry.silhouette_fill``: a lamp is mostly air) × in-frame fraction × (1 − occlusion); they are
judged by the run's one ``VisibilityModel`` (``level_pixels``), as the rendered masks are. How much
of the box is in frame is no gate of its own: a bed filling the frame from close up is seen.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.geometry import convex_hull_2d, points_in_polygon
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.planning_geometry import Boxes, Room
from simgen.trajectories.raycast import segments_clear
from simgen.types import CameraIntrinsics
from simgen.visibility_model import VisibilityModel

NEAR_M = 0.05  # points closer than this along the optical axis count as not in frame
_ON_FLOOR_M = 0.05  # a box whose bottom is this low stands on the floor (hides the floor under it)
_SAMPLE_SHRINK = 0.9  # samples sit inside the box so a support surface touching it is not a blocker
_CULL_MARGIN_M = 1e-6  # a box is skipped as out of view only when its bounding sphere is this much beyond
# Faces of a box as corner indices in Boxes.corners() order (index = 4·ix + 2·iy + iz).
_FACES = np.array([[0, 1, 3, 2], [4, 6, 7, 5], [0, 4, 5, 1], [2, 3, 7, 6], [0, 2, 6, 4], [1, 5, 7, 3]])


@dataclass(frozen=True)
class VisibilityEstimate:
    """Per (frame, object) arrays, each (F, M). Occlusion was ray-cast only where the unoccluded
    estimate reached ``exact_from`` pixels: elsewhere ``occlusion`` is NaN and ``pixels`` an upper
    bound below ``exact_from``, so only thresholds of at least ``exact_from`` may be asked."""

    pixels: np.ndarray
    in_frame: np.ndarray
    occlusion: np.ndarray
    exact_from: float = 0.0

    def at_least(self, min_pixels: float) -> np.ndarray:
        """Boolean (F, M): the estimated visible pixels reach ``min_pixels`` (≥ ``exact_from``)."""
        if min_pixels < self.exact_from:
            raise ValueError(f"visibility estimate is exact from {self.exact_from} px only, asked for {min_pixels} px")
        return self.pixels >= min_pixels


def level_pixels(model: VisibilityModel, level: str, intrinsics: CameraIntrinsics, margin: float = 1.0) -> float:
    """Pixels an object needs at ``level`` ('glimpse', 'seen', 'clear') of ``model`` in this camera's
    image, times ``margin`` (a ratio ≥ 1: a box overstates the pixels of a round or thin shape)."""
    return margin * model.pixels(level, intrinsics.width, intrinsics.height)


def box_samples(boxes: Boxes, n: int = 3) -> np.ndarray:
    """(M, n³, 3) points filling each box (slightly shrunk)."""
    g = np.linspace(-1.0, 1.0, n)
    local = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3) * _SAMPLE_SHRINK
    return boxes.centers[:, None, :] + np.einsum("mij,mkj->mki", boxes.rotations, local[None] * boxes.halves[:, None, :])


def see_through(boxes: Boxes) -> np.ndarray:
    """(M, M) bool: box j does not occlude object m — j is m itself or contains m's centre.

    A box holding another object's centre is a container (a shelf, an open cabinet): its oriented box
    is not a solid surface in front of what it holds, so it must not hide it.
    """
    rel = boxes.centers[:, None, :] - boxes.centers[None, :, :]  # [m, j] = centre m relative to box j
    local = np.einsum("mjk,jkl->mjl", rel, boxes.rotations)
    return (np.abs(local) <= boxes.halves[None, :, :]).all(axis=-1) | np.eye(len(boxes), dtype=bool)


def solid(boxes: Boxes) -> Boxes:
    """The surfaces a camera can meet: each box holding another object's centre (a sofa with a
    cushion on its seat, a shelf) replaced by its own box-shaped parts where it has any."""
    holds = (see_through(boxes) & ~np.eye(len(boxes), dtype=bool)).any(axis=0)  # [j]: box j holds some object
    if boxes.parts is None or not len(boxes.parts) or not holds.any():
        return boxes
    split = holds & np.isin(np.arange(len(boxes)), boxes.part_owner)
    keep, parts = ~split, boxes.parts.subset(np.isin(boxes.part_owner, np.flatnonzero(split)))
    kept = boxes.subset(keep)
    return Boxes(np.concatenate([kept.ids, parts.ids]), kept.names + parts.names,
                 *(np.concatenate([getattr(kept, k), getattr(parts, k)]) for k in ("centers", "halves", "rotations")))


def _camera_frames(poses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World-to-camera rotations (F, 3, 3) and translations (F, 3) of ``T_world_cam`` poses, as
    ``geometry.invert`` computes them (the rotation transposed, ``-R^T t``)."""
    rot = np.swapaxes(poses[:, :3, :3], 1, 2)
    return rot, (-rot @ poses[:, :3, 3, None])[..., 0]


def _in_camera(rot, trans, points) -> np.ndarray:
    """Points (..., 3) in the camera frames ``rot`` (..., 3, 3), ``trans`` (..., 3) (all broadcast).

    The products are summed in the order ``einsum("fij,pj->fpi")`` sums them (x and z first, then
    y: its two-lane kernel), so estimates stay bit for bit what they were."""
    x, y, z = (points[..., k, None] for k in range(3))
    return (rot[..., 0] * x + rot[..., 2] * z) + rot[..., 1] * y + trans


def _projected(cam, intrinsics: CameraIntrinsics) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates (..., 2) of camera-frame points and whether each lands in the image."""
    z = cam[..., 2]
    uv = cam[..., :2] / np.where(z > NEAR_M, z, 1.0)[..., None] * [intrinsics.fx, intrinsics.fy] + [intrinsics.cx, intrinsics.cy]
    inside = (z > NEAR_M) & (uv[..., 0] >= 0) & (uv[..., 0] < intrinsics.width) & (uv[..., 1] >= 0) & (uv[..., 1] < intrinsics.height)
    return uv, inside


def _memo(boxes: Boxes, make):
    """``make(boxes)``, computed once per ``Boxes`` and kept in its memo (estimates of a plan's many
    pose batches share their boxes' samples, corners and faces)."""
    if make not in boxes.memo:
        boxes.memo[make] = make(boxes)
    return boxes.memo[make]


def _face_frames(boxes: Boxes) -> tuple[np.ndarray, np.ndarray]:
    """(M, 6, 3) centres of every box's faces and their outward directions from the box centre."""
    face_centers = _memo(boxes, Boxes.corners)[:, _FACES].mean(axis=2)
    return face_centers, face_centers - boxes.centers[:, None, :]


def _silhouettes(frames, eyes, intrinsics: CameraIntrinsics, boxes: Boxes, mi) -> np.ndarray:
    """(P,) projected area in pixels (unclipped) of box ``mi[p]`` seen by camera ``p`` (``frames``:
    its rotation and translation, ``eyes`` (P, 3)); the whole image if a corner is behind."""
    cam = _in_camera(frames[0][:, None], frames[1][:, None], _memo(boxes, Boxes.corners)[mi])  # (P, 8, 3)
    z = cam[..., 2]
    uv = cam[..., :2] / np.where(z > NEAR_M, z, 1.0)[..., None] * [intrinsics.fx, intrinsics.fy]
    quad = uv[:, _FACES]  # (P, 6, 4, 2)
    x, y = quad[..., 0], quad[..., 1]
    signed = 0.5 * (x * np.roll(y, -1, axis=-1) - y * np.roll(x, -1, axis=-1)).sum(axis=-1)  # (P, 6)
    # A face is seen from the front when the eye is on its outer side; the outward normal of face f
    # is ±axis; test with the face centre against the eye in world coordinates.
    face_centers, normals = (a[mi] for a in _memo(boxes, _face_frames))  # (P, 6, 3)
    rel = eyes[:, None, :] - face_centers
    front = (rel[..., 0] * normals[..., 0] + rel[..., 2] * normals[..., 2]) + rel[..., 1] * normals[..., 1] > 0
    area = np.where(front, np.abs(signed), 0.0).sum(axis=-1)
    full = float(intrinsics.width * intrinsics.height)
    return np.where((z > NEAR_M).all(axis=-1), area, full)


def silhouette_pixels(poses, intrinsics: CameraIntrinsics, boxes: Boxes) -> np.ndarray:
    """(F, M) projected area of each box in pixels (unclipped); the whole image if a corner is behind."""
    poses = np.asarray(poses, dtype=float).reshape(-1, 4, 4)
    fi, mi = np.repeat(np.arange(len(poses)), len(boxes)), np.tile(np.arange(len(boxes)), len(poses))
    rot, trans = _camera_frames(poses)
    area = _silhouettes((rot[fi], trans[fi]), poses[fi, :3, 3], intrinsics, boxes, mi)
    return area.reshape(len(poses), len(boxes))


def estimate(poses, intrinsics: CameraIntrinsics, room: Room, boxes: Boxes, min_pixels: float = 0.0) -> VisibilityEstimate:
    """Visibility of every box from every pose; occlusion rays are cast only where the unoccluded
    pixels reach ``min_pixels`` (the lowest threshold the caller will ask about)."""
    poses = np.asarray(poses, dtype=float).reshape(-1, 4, 4)
    unique, back = np.unique(poses.reshape(len(poses), -1), axis=0, return_inverse=True)
    if len(unique) < len(poses):  # dwelling cameras repeat poses: estimate each once
        est = estimate(unique.reshape(-1, 4, 4), intrinsics, room, boxes, min_pixels)
        back = back.reshape(-1)
        return VisibilityEstimate(est.pixels[back], est.in_frame[back], est.occlusion[back], est.exact_from)
    f, m = len(poses), len(boxes)
    est = estimate_pairs(np.repeat(poses, m, axis=0), np.tile(np.arange(m), f), intrinsics, room, boxes, min_pixels)
    return VisibilityEstimate(*(a.reshape(f, m) for a in (est.pixels, est.in_frame, est.occlusion)), min_pixels)


def _in_view(rot, trans, boxes: Boxes, mi, intrinsics: CameraIntrinsics) -> tuple[np.ndarray, np.ndarray]:
    """(P,) bools of box ``mi[p]``'s bounding sphere against the frustum of camera p (beyond ``NEAR_M``,
    within the image's sides), by a margin far wider than rounding: whether some of it may be in view
    (else none of its samples projects into the image: its estimate is 0 pixels, nothing in frame),
    and whether all of it is (every sample projects into the image)."""
    centre = _in_camera(rot, trans, boxes.centers[mi])  # (P, 3)
    radius = np.linalg.norm(boxes.halves, axis=1)[mi] + _CULL_MARGIN_M
    w, h, fx, fy, cx, cy = (intrinsics.width, intrinsics.height, intrinsics.fx, intrinsics.fy, intrinsics.cx,
                            intrinsics.cy)
    # a point in the image has z > NEAR_M > 0 and lies on the inner side of the four planes through
    # the eye and the image's edges: u ≥ 0 is fx·x + cx·z ≥ 0, u < w is −fx·x + (w − cx)·z > 0, and so for v
    sides = np.array([[fx, 0.0, cx], [-fx, 0.0, w - cx], [0.0, fy, cy], [0.0, -fy, h - cy]])
    sides /= np.linalg.norm(sides, axis=1, keepdims=True)
    inner = centre @ sides.T  # (P, 4) signed distances of the centre
    may = (centre[:, 2] + radius > NEAR_M) & (inner > -radius[:, None]).all(axis=1)
    return may, (centre[:, 2] - radius > NEAR_M) & (inner > radius[:, None]).all(axis=1)


def estimate_pairs(poses, objects, intrinsics: CameraIntrinsics, room: Room, boxes: Boxes,
                   min_pixels: float = 0.0) -> VisibilityEstimate:
    """The estimate of box ``objects[p]`` (an index into ``boxes``) from pose ``p`` alone, as arrays
    (P,): the same numbers ``estimate`` gives for that pose and box, without the work on the others."""
    poses = np.asarray(poses, dtype=float).reshape(-1, 4, 4)
    mi = np.asarray(objects, dtype=int).reshape(-1)
    if not len(mi):
        empty = np.zeros(0)
        return VisibilityEstimate(empty, empty, empty, min_pixels)
    rot, trans = _camera_frames(poses)
    looked, wholly = _in_view(rot, trans, boxes, mi, intrinsics)
    if not looked.all():  # a box wholly outside the view: nothing in frame, 0 pixels, no rays (as computed)
        part = estimate_pairs(poses[looked], mi[looked], intrinsics, room, boxes, min_pixels)
        pixels, in_frame, occlusion = np.zeros(len(mi)), np.zeros(len(mi)), np.full(len(mi), np.nan)
        pixels[looked], in_frame[looked], occlusion[looked] = part.pixels, part.in_frame, part.occlusion
        return VisibilityEstimate(pixels, in_frame, occlusion, min_pixels)
    samples = _memo(boxes, box_samples)  # (M, S, 3)
    s = samples.shape[1]
    inside = np.ones((len(mi), s), dtype=bool)  # (P, S); projected only where a box is partly in view
    part = np.flatnonzero(~wholly)
    _, inside[part] = _projected(_in_camera(rot[part, None], trans[part, None], samples[mi[part]]), intrinsics)
    in_frame = inside.mean(axis=-1)
    fill = np.ones(len(boxes)) if boxes.fill is None else boxes.fill
    full = float(intrinsics.width * intrinsics.height)  # a box grazing the image plane projects huge
    eyes = poses[:, :3, 3]
    pixels = np.minimum(_silhouettes((rot, trans), eyes, intrinsics, boxes, mi), full) * in_frame * fill[mi]
    occlusion = np.full(len(mi), np.nan)  # only cast where the object could still pass the threshold
    todo = np.flatnonzero((in_frame > 0) & (pixels >= min_pixels))
    if len(todo):
        starts = np.repeat(eyes[todo], s, axis=0)
        ends = samples[mi[todo]].reshape(-1, 3)
        passes = _memo(boxes, see_through)
        ignore = np.repeat(passes[mi[todo]], s, axis=0)
        clear = segments_clear(starts, ends, room, boxes, ignore=ignore, run=s).reshape(-1, s)  # s rays a box
        if boxes.parts is not None and len(boxes.parts):  # a container's own boards and sides do hide
            holders = passes & ~np.eye(len(boxes), dtype=bool)  # [m, j]: box j holds object m
            held = holders[mi[todo]].any(axis=1)
            if held.any():
                rows = np.repeat(held, s)
                other = ~np.repeat(holders[mi[todo][held]][:, boxes.part_owner], s, axis=0)  # parts of other objects
                clear.reshape(-1)[rows] &= segments_clear(starts[rows], ends[rows], room, boxes.parts, ignore=other, run=s)
        seen = inside[todo]
        occlusion[todo] = (~clear & seen).sum(axis=1) / np.maximum(seen.sum(axis=1), 1)
    return VisibilityEstimate(pixels * (1.0 - np.nan_to_num(occlusion)), in_frame, occlusion, min_pixels)


def any_shown(poses, intrinsics: CameraIntrinsics, room: Room, boxes: Boxes, min_pixels: float, among=None,
              min_in_frame: float = 0.0) -> np.ndarray:
    """(F,) True where ``estimate(...).at_least(min_pixels)`` holds for some box m with ``among[f, m]``
    (F, M; None: every box) and at least ``min_in_frame`` of its samples in frame: the same answer,
    casting occlusion rays for as few (pose, box) pairs as it can. Each pose's pair with the most
    unoccluded pixels is cast first; only the poses it leaves undecided cast the rest."""
    poses = np.asarray(poses, dtype=float).reshape(-1, 4, 4)
    f, m = len(poses), len(boxes)
    out = np.zeros(f, dtype=bool)
    if not f or not m:
        return out
    pose, obj = np.repeat(np.arange(f), m), np.tile(np.arange(m), f)
    bound = estimate_pairs(poses[pose], obj, intrinsics, room, boxes, np.inf)  # no rays: unoccluded pixels
    todo = (bound.pixels >= min_pixels) & (bound.in_frame >= min_in_frame)
    if among is not None:
        todo &= np.asarray(among, dtype=bool).reshape(-1)
    todo = np.flatnonzero(todo)
    todo = todo[np.lexsort((-bound.pixels[todo], pose[todo]))]  # by pose, most pixels first
    first = np.flatnonzero(np.diff(pose[todo], prepend=-1))
    for batch in (todo[first], np.delete(todo, first)):
        batch = batch[~out[pose[batch]]]  # poses some box already shows are decided
        exact = estimate_pairs(poses[pose[batch]], obj[batch], intrinsics, room, boxes, min_pixels)
        out[pose[batch][exact.pixels >= min_pixels]] = True
    return out


def predicted_coverage(request: PlanRequest, poses, level: str = "clear", margin: float = 1.0) -> dict[int, int]:
    """Per object id: how many of ``poses`` are predicted to show it at ``level`` of the request's
    visibility model (times ``margin``)."""
    need = level_pixels(request.visibility, level, request.intrinsics, margin)
    boxes = Boxes.from_request(request)
    counts = estimate(poses, request.intrinsics, Room.from_spec(request.scene.room), boxes, need).at_least(need).sum(axis=0)
    return {int(i): int(c) for i, c in zip(boxes.ids, counts)}


def floor_cells(room: Room, cell: float, boxes: Boxes | None = None) -> np.ndarray:
    """(C, 3) centres of a ``cell`` grid over the free floor, at floor height (z = 0): the room
    footprint less the footprints of ``boxes`` standing on the floor (as ``runner.floor_coverage``)."""
    lo, hi = room.bbox
    axes = [np.arange(lo[i] + cell / 2, hi[i], cell) for i in range(2)]
    xy = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 2)
    free = points_in_polygon(xy, room.footprint)
    if boxes is not None and len(boxes):
        corners = boxes.corners()
        for m in np.flatnonzero(corners[..., 2].min(axis=1) <= _ON_FLOOR_M):
            free &= ~points_in_polygon(xy, convex_hull_2d(corners[m, :, :2]))
    xy = xy[free]
    return np.column_stack([xy, np.zeros(len(xy))])


def floor_shown(poses, intrinsics: CameraIntrinsics, room: Room, boxes: Boxes, cells: np.ndarray) -> np.ndarray:
    """(F, C) bool: floor point c projects into the image of pose f with nothing (wall or box) between
    — the box-based counterpart of ``episodes.mask_visibility.FloorCoverage``."""
    poses = np.asarray(poses, dtype=float).reshape(-1, 4, 4)
    rot, trans = _camera_frames(poses)
    _, shown = _projected(_in_camera(rot[:, None], trans[:, None], cells[None]), intrinsics)
    fi, ci = np.nonzero(shown)
    if len(fi):
        lifted = cells[ci] + [0.0, 0.0, 0.01]  # just above the floor: boxes resting on it still hide it
        shown[fi, ci] = segments_clear(poses[fi, :3, 3], lifted, room, boxes)
    return shown
