"""Per-frame visibility of every object, from the rendered instance mask and depth (vectorised).

Pixel convention (as in ``simulators/pybullet.py``): pixel column ``i`` / row ``j`` covers
``[i, i+1) × [j, j+1)`` in continuous image coordinates, so a projected point ``(u, v)`` falls in
pixel ``(floor(u), floor(v))`` and lies inside the image when ``0 ≤ u < width`` and ``0 ≤ v < height``.
"""
from __future__ import annotations

import numpy as np

from simgen.geometry import invert, obb_samples, points_in_polygon
from simgen.simulators.base import Observation
from simgen.types import CameraIntrinsics, ObjectState, SceneSpec, Visibility

DEFAULT_NEAR = 0.05  # m; the pybullet plugin's default near plane
FACE_GRID = 4  # k × k samples per box face for the occlusion estimate

# The unit volume grid of geometry.obb_samples (n = 4: 64 points, corners included).
_VOLUME = obb_samples(np.zeros(3), np.ones(3), np.eye(3), n=4)
# Six unit faces: (axis, sign); each face gets k × k samples at the centres of equal-area cells.
_FACES = [(axis, sign) for axis in range(3) for sign in (-1.0, 1.0)]
_CELL = (np.arange(FACE_GRID) + 0.5) / FACE_GRID * 2.0 - 1.0


def _face_samples() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit-box face samples (6, k², 3), their outward normals (6, 3) and each face's 2 in-plane axes (6, 2)."""
    a, b = np.meshgrid(_CELL, _CELL, indexing="ij")
    points, normals, spans = [], [], []
    for axis, sign in _FACES:
        others = [i for i in range(3) if i != axis]
        p = np.zeros((FACE_GRID * FACE_GRID, 3))
        p[:, axis] = sign
        p[:, others[0]], p[:, others[1]] = a.ravel(), b.ravel()
        points.append(p)
        normals.append(np.eye(3)[axis] * sign)
        spans.append(others)
    return np.array(points), np.array(normals), np.array(spans)


_FACE_POINTS, _FACE_NORMALS, _FACE_SPANS = _face_samples()


def rotations(quats_wxyz) -> np.ndarray:
    """Rotation matrices (N, 3, 3) of N unit quaternions (w, x, y, z)."""
    q = np.asarray(quats_wxyz, dtype=float).reshape(-1, 4)
    w, x, y, z = (q / np.linalg.norm(q, axis=1, keepdims=True)).T
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
    ], 1)


def compute_visibility(obs: Observation, spec: SceneSpec, states: tuple[ObjectState, ...],
                       intrinsics: CameraIntrinsics, T_world_cam, near: float = DEFAULT_NEAR) -> tuple[Visibility, ...]:
    """One ``Visibility`` per object of ``spec`` (spec order) for a frame rendered from ``T_world_cam``.

    * ``visible_pixels``: pixels of the instance mask showing the object.
    * ``bbox_2d``: inclusive (x0, y0, x1, y1) of those pixels, None when there are none.
    * ``in_frame_fraction``: share of the oriented box's 64 volume samples (``geometry.obb_samples``,
      n = 4) that project inside the image with camera depth z > ``near``.
    * ``occlusion``: share of the box's projected region inside the image where the render shows
      something else — another object or the room — nearer than the box's nearest point (its
      smallest camera z). The region is sampled by the box's camera-facing faces (which tile its
      projection exactly once), k × k points per face, each weighted by the pixel area of its cell
      (fx·fy·dA·|n·p| / z³). Counting only what is nearer than the whole box keeps hollow objects
      honest: floor seen between a table's legs is not an occluder. An estimate: with k = 4 it
      resolves a few per cent. 0.0 when no sample of the region lies inside the image in front
      of ``near`` (``in_frame_fraction`` tells that case apart).

    Frame after frame of one scene, :class:`FrameVisibility` gives the same for less.
    """
    return FrameVisibility(spec, intrinsics, near)(obs, states, T_world_cam)


class FrameVisibility:
    """:func:`compute_visibility` of one scene's frames, one call a frame: what no frame changes is
    computed once (the ids, each box's samples at its size, its faces' cell areas), and the boxes'
    world rotations and positions once for each ``states`` tuple (a static take passes the same one
    every frame)."""

    def __init__(self, spec: SceneSpec, intrinsics: CameraIntrinsics, near: float = DEFAULT_NEAR):
        self.intrinsics, self.near = intrinsics, near
        self.ids = np.array([o.object_id for o in spec.objects], dtype=np.int64)
        self.half = half = np.array([o.half_extents for o in spec.objects], dtype=float).reshape(-1, 3)
        self._volume = _VOLUME * half[:, None]  # (N, 64, 3) in object axes
        self._faces = _FACE_POINTS.reshape(1, -1, 3) * half[:, None]  # (N, 6 k², 3)
        cell = (4.0 * np.prod(half[:, _FACE_SPANS], axis=-1) / FACE_GRID**2)[:, :, None]  # m² per sample
        self._pixel_area = intrinsics.fx * intrinsics.fy * cell  # (N, 6, 1): × |n·p| / z³ = pixels per sample
        self._states, self._world = None, None

    def _world_boxes(self, states: tuple[ObjectState, ...]) -> tuple[np.ndarray, np.ndarray]:
        """World rotations (N, 3, 3) and positions (N, 3) of the objects at ``states`` (cached by identity)."""
        if states is not self._states:
            by_id = {s.object_id: s for s in states}
            missing = [i for i in self.ids.tolist() if i not in by_id]
            if missing:
                raise ValueError(f"compute_visibility: no state for object_id(s) {missing}")
            poses = [by_id[i].pose for i in self.ids.tolist()]
            self._world = (rotations([p.quat_wxyz for p in poses]), np.array([p.position for p in poses]))
            self._states = states
        return self._world

    def __call__(self, obs: Observation, states: tuple[ObjectState, ...], T_world_cam) -> tuple[Visibility, ...]:
        """One ``Visibility`` per object for the frame ``obs`` rendered from ``T_world_cam`` at ``states``."""
        if obs.instance is None or obs.depth is None:
            raise ValueError("compute_visibility needs the 'instance' and 'depth' passes of the render")
        instance, depth = np.asarray(obs.instance), np.asarray(obs.depth)
        h, w = instance.shape
        intrinsics, near, ids = self.intrinsics, self.near, self.ids
        if (w, h) != (intrinsics.width, intrinsics.height):
            raise ValueError(f"compute_visibility: image is {w}×{h} but intrinsics say {intrinsics.width}×{intrinsics.height}")
        world_rotation, world_position = self._world_boxes(states)
        if len(ids) == 0:
            return ()

        pixels, bbox = _mask_stats(instance, ids)
        T_cam_world = invert(T_world_cam)
        R = T_cam_world[:3, :3] @ world_rotation  # object -> camera axes
        t = world_position @ T_cam_world[:3, :3].T + T_cam_world[:3, 3]
        K = (intrinsics.fx, intrinsics.fy, intrinsics.cx, intrinsics.cy)

        Rt = R.transpose(0, 2, 1)  # row vectors: p_cam = p_obj @ R^T + t

        # In-frame fraction: volume samples in camera coordinates (N, 64, 3).
        vol = self._volume @ Rt + t[:, None]
        _, _, inside = _project(vol, K, w, h, near)
        in_frame = inside.mean(axis=1)

        # Occlusion: face samples (N, 6, k², 3); keep camera-facing faces.
        n = len(ids)
        pts = (self._faces @ Rt + t[:, None]).reshape(n, 6, -1, 3)
        normals = _FACE_NORMALS @ Rt  # (N, 6, 3)
        n_dot_p = (pts * normals[:, :, None]).sum(-1)
        u, v, ok = _project(pts, K, w, h, near)
        ok &= n_dot_p < 0.0  # camera-facing: the outward normal points back towards the camera (origin)
        z = np.maximum(pts[..., 2], near)
        weight = np.where(ok, self._pixel_area * np.abs(n_dot_p) / z**3, 0.0)  # pixels per sample
        z_min = _nearest_z(R, t, self.half)
        # each sample's pixel (clamped into the image) as a flat index: one gather per image
        pixel = np.minimum(np.maximum(v.astype(np.int64), 0), h - 1)
        pixel *= w
        pixel += np.minimum(np.maximum(u.astype(np.int64), 0), w - 1)
        seen = instance.ravel().take(pixel)
        other_nearer = (seen != ids[:, None, None]) & (depth.ravel().take(pixel) < z_min[:, None, None])
        total = weight.sum(axis=(1, 2))
        covered = (weight * other_nearer).sum(axis=(1, 2))
        occlusion = np.minimum(np.maximum(np.divide(covered, total, out=np.zeros_like(total), where=total > 0), 0.0), 1.0)

        return tuple(
            Visibility(i, p, f, o, b)
            for i, p, f, o, b in zip(ids.tolist(), pixels.tolist(), in_frame.tolist(), occlusion.tolist(), bbox)
        )


def _nearest_z(R: np.ndarray, t: np.ndarray, half: np.ndarray) -> np.ndarray:
    """Smallest camera z of each oriented box (N,): centre z minus its half extent along camera z."""
    return t[:, 2] - (np.abs(R[:, 2, :]) * half).sum(axis=1)


def _project(points_cam: np.ndarray, K, w: int, h: int, near: float):
    """Pixel coordinates (u, v) of camera-frame points and whether each lies in the image with z > near."""
    fx, fy, cx, cy = K
    z = points_cam[..., 2]
    safe = np.where(z > near, z, 1.0)
    u = fx * points_cam[..., 0] / safe + cx
    v = fy * points_cam[..., 1] / safe + cy
    inside = (z > near) & (u >= 0) & (u < w) & (v >= 0) & (v < h)
    return u, v, inside


def _mask_stats(instance: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, list]:
    """Visible pixel counts and inclusive bounding boxes of each id, from the mask's horizontal runs.

    A run is a stretch of one id along an image row: its start and end columns bound the id's
    columns, its row the id's rows, and its length counts its pixels. Runs are a few hundred per
    frame where object pixels are tens of thousands. They are found in one pass over the flat mask
    (a run starts where the id changes or a row begins, and ends where the next one starts), as flat
    indices: 2-D ``nonzero`` costs ~10× more.
    """
    h, w = instance.shape
    flat = instance.ravel()
    starts = np.empty(flat.size, bool)
    starts[0] = True
    np.not_equal(flat[1:], flat[:-1], out=starts[1:])
    starts[::w] = True
    first = np.flatnonzero(starts)
    last = np.append(first[1:], flat.size) - 1
    value = flat.take(first)
    objects = value != 0  # only object runs matter; the room/background (0) is skipped
    first, last, value = first[objects], last[objects], value[objects].astype(np.intp)
    n = int(max(ids.max(), value.max(initial=0))) + 1
    row = first // w
    x_start, x_end = first - row * w, last - row * w
    counts = np.zeros(n, np.intp)
    np.add.at(counts, value, x_end - x_start + 1)
    x0, y0, x1, y1 = np.full(n, w), np.full(n, h), np.full(n, -1), np.full(n, -1)
    np.minimum.at(x0, value, x_start)
    np.maximum.at(x1, value, x_end)
    np.minimum.at(y0, value, row)
    np.maximum.at(y1, value, row)
    pixels = counts[ids]
    x0, y0, x1, y1 = x0[ids].tolist(), y0[ids].tolist(), x1[ids].tolist(), y1[ids].tolist()
    bbox = [(x0[k], y0[k], x1[k], y1[k]) if pixels[k] > 0 else None for k in range(len(ids))]
    return pixels, bbox


class FloorCoverage:
    """Which part of the room's floor the frames show: a ``cell_m`` grid over the footprint, a cell
    counting as shown once a rendered pixel of the room (instance 0) back-projects onto it at floor
    height (|z| ≤ ``tolerance_m``; the floor is z = 0). ``fraction`` is shown cells over the free
    floor: cells whose centre lies inside the footprint and outside every polygon of ``covered``
    (the footprints of furniture standing on the floor, which no viewer can see under)."""

    def __init__(self, footprint, cell_m: float = 0.1, tolerance_m: float = 0.02, covered=()):
        self.footprint = np.asarray(footprint, dtype=float)
        self.cell, self.tolerance = float(cell_m), float(tolerance_m)
        self.origin = self.footprint.min(axis=0)
        nx, ny = np.ceil((self.footprint.max(axis=0) - self.origin) / self.cell).astype(int) + 1
        centres = self.origin + (np.stack(np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij"), -1) + 0.5) * self.cell
        inside = points_in_polygon(centres.reshape(-1, 2), self.footprint)
        for poly in covered:
            inside &= ~points_in_polygon(centres.reshape(-1, 2), np.asarray(poly, dtype=float))
        self.inside = inside.reshape(nx, ny)
        # A margin of one cell all round: a pixel whose cell lies off the grid is clipped into it (which
        # nothing reads) rather than dropped by a range test per pixel.
        self._grid = np.zeros((nx + 2, ny + 2), bool)
        self.shown = self._grid[1:-1, 1:-1]
        self._scratch_key, self._scratch = None, None  # per-image-size arrays of the last intrinsics (_buffers)

    def add(self, depth, instance, intrinsics: CameraIntrinsics, T_world_cam) -> None:
        """Mark the floor cells shown by one frame's depth (m along camera z) and instance mask."""
        depth, instance = np.asarray(depth), np.asarray(instance)
        ray_x, ray_y, pixel_x, pixel_y, depth64, height = self._buffers(intrinsics)
        T = np.asarray(T_world_cam, dtype=float)
        # World coordinates written out per axis, height first over the whole image, so only floor
        # pixels get x and y (an (N, 3) @ (3, 3) matmul went to a multithreaded BLAS: ~50 ms a frame
        # on a busy machine). A pixel at camera depth z lies at z · (ray_x[col], ray_y[row], 1) in the
        # camera, so its world height is z · (row term + column term) + T[2, 3]. The image-sized
        # arrays are the same ones each frame: fresh ones cost page faults (0.5-1 ms a frame).
        np.add((ray_y * T[2, 1])[:, None], (ray_x * T[2, 0] + T[2, 2])[None, :], out=height)
        # In float64 throughout, as numpy would promote the float32 depth: a mixed float32 × float64
        # product over the image costs ~10× its float64 one (0.5 ms a 320×240 frame).
        depth64[...] = depth
        with np.errstate(invalid="ignore"):  # inf depth × a zero rise: NaN, never on the floor
            np.multiply(depth64, height, out=height)
        height += T[2, 3]
        on_floor = np.abs(height, out=height) <= self.tolerance
        on_floor &= instance == 0
        on_floor &= depth > 0
        shown = np.flatnonzero(on_floor)  # flat indices: 2-D nonzero costs ~5× more
        z = depth64.ravel().take(shown)
        x, y = pixel_x.take(shown), pixel_y.take(shown)
        x *= z
        y *= z
        i, j = (self._cells(x, y, z, T, axis) for axis in (0, 1))
        # flat index into the margined grid, in float (exact for these small integers): one int conversion
        i += 1.0
        i *= self._grid.shape[1]
        i += j
        i += 1.0
        self._grid.reshape(-1)[i.astype(np.intp)] = True

    def _cells(self, x, y, z, T: np.ndarray, axis: int) -> np.ndarray:
        """Grid cell (float) along ``axis`` of camera points (x, y, z): -1 or the grid's size off the grid.

        The world coordinate is summed as x · T[a, 0] + y · T[a, 1] + z · T[a, 2] + T[a, 3], in that
        order (a cell index near a cell edge depends on the rounding), in place: one array per term
        would double the cost on flat arrays of tens of thousands of pixels."""
        c, term = np.multiply(x, T[axis, 0]), np.multiply(y, T[axis, 1])
        c += term
        c += np.multiply(z, T[axis, 2], out=term)
        c += T[axis, 3]
        c -= self.origin[axis]
        c /= self.cell
        return np.clip(np.floor(c, out=c), -1.0, self.shown.shape[axis], out=c)

    def _buffers(self, intrinsics: CameraIntrinsics):
        """Cached per intrinsics: x / z of the pixel-centre ray per column and y / z per row, the same
        per pixel in row-major order, and two float64 images to work in."""
        if self._scratch_key != intrinsics:
            w, h = intrinsics.width, intrinsics.height
            ray_x, ray_y = (np.arange(w) + 0.5 - intrinsics.cx) / intrinsics.fx, (np.arange(h) + 0.5 - intrinsics.cy) / intrinsics.fy
            self._scratch_key = intrinsics
            self._scratch = (ray_x, ray_y, np.tile(ray_x, h), np.repeat(ray_y, w), np.empty((h, w)), np.empty((h, w)))
        return self._scratch

    @property
    def fraction(self) -> float:
        """Share of the free floor's cells shown so far (1.0 when there is none)."""
        total = int(self.inside.sum())
        return float((self.shown & self.inside).sum() / total) if total else 1.0
