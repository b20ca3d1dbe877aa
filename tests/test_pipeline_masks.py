"""The per-frame mask statistics and floor coverage equal straightforward recomputations on random
frames (the fast paths use run lengths and flat indices; these references use per-id masks, 2-D
``nonzero`` and the world-from-camera matrix)."""
from __future__ import annotations

import numpy as np

from simgen.episodes.mask_visibility import FloorCoverage, _mask_stats
from simgen.geometry import look_at
from simgen.types import CameraIntrinsics


def reference_stats(instance: np.ndarray, ids: np.ndarray):
    """Pixel count and inclusive (x0, y0, x1, y1) of each id from its own boolean mask."""
    pixels, boxes = [], []
    for i in ids:
        rows, cols = np.nonzero(instance == i)
        pixels.append(len(rows))
        boxes.append((cols.min(), rows.min(), cols.max(), rows.max()) if len(rows) else None)
    return pixels, boxes


def random_mask(g: np.random.Generator, h: int, w: int, n_ids: int) -> np.ndarray:
    """Rectangles of random ids over a background of 0, some touching the image borders, some single pixels."""
    mask = np.zeros((h, w), np.uint16)
    for _ in range(12):
        x0, y0 = g.integers(0, w), g.integers(0, h)
        x1, y1 = min(w, x0 + g.integers(1, w // 2)), min(h, y0 + g.integers(1, h // 2))
        mask[y0:y1, x0:x1] = g.integers(1, n_ids + 1)
    mask[g.integers(0, h), g.integers(0, w)] = n_ids  # a lone pixel
    mask[:, -1] = np.where(g.random(h) < 0.3, 1, mask[:, -1])  # runs ending at the right border
    return mask


def test_mask_stats_equal_per_id_masks():
    g = np.random.default_rng(4)
    for h, w in ((48, 64), (1, 7), (9, 1), (30, 30)):
        for _ in range(20):
            ids = np.arange(1, 9, dtype=np.int64)  # id 8 is often absent
            mask = random_mask(g, h, w, 7) if min(h, w) > 1 else g.integers(0, 8, (h, w)).astype(np.uint16)
            pixels, boxes = _mask_stats(mask, ids)
            ref_pixels, ref_boxes = reference_stats(mask, ids)
            assert pixels.tolist() == ref_pixels
            assert boxes == ref_boxes


def test_mask_stats_of_ids_the_frame_does_not_show_and_ids_beyond_the_spec():
    mask = np.zeros((4, 5), np.uint16)
    mask[1, 1:4] = 9  # an id the spec does not list still counts nowhere else
    mask[3, 4] = 2
    pixels, boxes = _mask_stats(mask, np.array([2, 5]))
    assert pixels.tolist() == [1, 0] and boxes == [(4, 3, 4, 3), None]


def reference_floor(cov: FloorCoverage, depth, instance, K: CameraIntrinsics, T) -> np.ndarray:
    """Cells shown by one frame: every room pixel back-projected with the 4×4 pose, kept at |z| ≤ tolerance."""
    shown = np.zeros_like(cov.shown)
    rows, cols = np.nonzero((instance == 0) & np.isfinite(depth) & (depth > 0))
    z = depth[rows, cols].astype(float)
    cam = np.stack([(cols + 0.5 - K.cx) / K.fx * z, (rows + 0.5 - K.cy) / K.fy * z, z, np.ones_like(z)])
    world = (np.asarray(T, float) @ cam)[:3].T
    world = world[np.abs(world[:, 2]) <= cov.tolerance]
    cells = np.floor((world[:, :2] - cov.origin) / cov.cell).astype(int)
    ok = (cells >= 0).all(axis=1) & (cells < shown.shape).all(axis=1)
    shown[cells[ok, 0], cells[ok, 1]] = True
    return shown


def test_floor_coverage_equals_back_projection_with_the_pose():
    g = np.random.default_rng(7)
    K = CameraIntrinsics.from_vfov(64, 48, 60.0)
    footprint = [(-2.0, -1.5), (2.5, -1.5), (2.5, 2.0), (-2.0, 2.0)]
    eye = np.array([0.3, -1.2, 1.4])
    T = look_at(eye, eye + [0.2, 1.0, -0.9])
    # a depth map of the floor plane z = 0 seen from T, some pixels hidden by an object (id 3) or empty
    ray = np.stack(np.meshgrid((np.arange(64) + 0.5 - K.cx) / K.fx, (np.arange(48) + 0.5 - K.cy) / K.fy), -1)
    down = ray @ T[2, :2] + T[2, 2]  # world height change per metre of camera depth
    with np.errstate(divide="ignore"):
        depth = np.where(down < 0, -T[2, 3] / down, np.inf).astype(np.float32)
    depth += g.normal(0.0, 0.004, depth.shape).astype(np.float32)  # some pixels fall out of the tolerance
    instance = np.where(g.random(depth.shape) < 0.2, 3, 0).astype(np.uint16)
    cov = FloorCoverage(footprint, cell_m=0.25)
    cov.add(depth, instance, K, T)
    expected = reference_floor(cov, depth, instance, K, T)
    assert expected.sum() > 10 and np.array_equal(cov.shown, expected)


def test_floor_pixels_off_the_grid_on_every_side_mark_no_cell_and_a_frame_without_floor_marks_none():
    """Seen from 3 m up, the floor runs past the 1 × 0.8 m footprint's grid on all four sides; the
    pixels on the grid's edge cells belong to an object, so the edge cells stay unshown unless a pixel
    off the grid were clipped onto them. A frame of only objects, or of nothing hit, marks no cell."""
    K = CameraIntrinsics.from_vfov(64, 48, 90.0)
    T = look_at([0.5, 0.4, 3.0], [0.55, 0.5, 0.0])
    ray = np.stack(np.meshgrid((np.arange(64) + 0.5 - K.cx) / K.fx, (np.arange(48) + 0.5 - K.cy) / K.fy), -1)
    depth = (-T[2, 3] / (ray @ T[2, :2] + T[2, 2])).astype(np.float32)  # all pixels see the floor z = 0
    cov = FloorCoverage([(0.0, 0.0), (1.0, 0.0), (1.0, 0.8), (0.0, 0.8)], cell_m=0.25)
    world = (ray * depth[..., None].astype(float)) @ T[:2, :2].T + depth[..., None] * T[:2, 2] + T[:2, 3]
    cells = np.floor((world - cov.origin) / cov.cell).astype(int)
    nx, ny = cov.shown.shape
    i, j = cells[..., 0], cells[..., 1]
    assert i.min() < 0 and i.max() >= nx and j.min() < 0 and j.max() >= ny  # off the grid every side
    on_grid = (i >= 0) & (i < nx) & (j >= 0) & (j < ny)
    edge = on_grid & ((i == 0) | (i == nx - 1) | (j == 0) | (j == ny - 1))
    instance = np.where(edge, 3, 0).astype(np.uint16)
    cov.add(depth, instance, K, T)
    expected = reference_floor(cov, depth, instance, K, T)
    assert np.array_equal(cov.shown, expected) and expected[1:-1, 1:-1].all()
    assert not expected[[0, -1], :].any() and not expected[:, [0, -1]].any()
    before = cov.shown.copy()
    cov.add(depth, np.full_like(instance, 3), K, T)
    cov.add(np.full_like(depth, np.inf), np.zeros_like(instance), K, T)
    assert np.array_equal(cov.shown, before)
