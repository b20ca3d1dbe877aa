"""The geometry of a SceneView (:class:`SceneGeometry`, a base of ``simgen.qa.scene_view``'s
``SceneView``): pairwise box distances, footprints seen from above, sizes, camera distances and
camera-frame points, the room's floor area; the three caches they and the executor's functions
keep — per view, for a view and all its copies, and per object sets; and ``jittered``, the
perturbed copy (fresh per-view cache) the verifier's stability check asks again.
"""
from __future__ import annotations

import copy

import numpy as np

from simgen.geometry import polygon_area, polygon_separation
from simgen.qa import boxes


class SceneGeometry:
    """Derived geometry of a view's boxes and cameras, computed lazily and cached, and jittered copies
    (mixed into SceneView, whose arrays it reads: ``center``, ``half``, ``rotation``, the cameras and
    the time axis)."""

    def camera_center(self, frame_row: int) -> np.ndarray:
        """Camera position (world) at a frame row."""
        return self.T_world_cam[frame_row, :3, 3]

    def _cached(self, key, compute):
        value = self._cache.get(key)
        if value is None:
            value = self._cache[key] = compute()
        return value

    def _cached_fixed(self, key, compute):
        """``compute()`` once for a view and all its copies: values that neither jitter (it moves centres
        and scales sizes) nor wider object sets change, such as the boxes' rotations at a frame."""
        value = self._fixed_cache.get(key)
        if value is None:
            value = self._fixed_cache[key] = compute()
        return value

    def _cached_for_sets(self, key, compute):
        """``compute()`` once per object sets: values read from which objects the video shows (the
        sampler's category pools); jittered copies share them, a ``with_glimpsed`` copy keeps its own."""
        value = self._sets_cache.get(key)
        if value is None:
            value = self._sets_cache[key] = compute()
        return value

    def distance_matrix(self, frame_row: int | None = None) -> np.ndarray:
        """(N, N) closest-point distances between oriented boxes (0 when touching/overlapping), in the
        static state or at a frame row."""
        if frame_row is None or not self.dynamic:
            return self._cached("distance", lambda: boxes.pairwise_distances(self.center, self.half, self.rotation))
        return self._cached(("distance", frame_row), lambda: boxes.pairwise_distances(
            self.center_at(frame_row), self.half, self.rotation_at(frame_row)))

    def footprint(self, row: int) -> np.ndarray:
        """One box's convex footprint seen from above (XY polygon), static state; computed when first
        asked for (a question names two or three objects of dozens, on each jittered copy)."""
        return self._cached(("footprint", row), lambda: boxes.footprints(
            self.center[row:row + 1], self.half[row:row + 1], self.rotation[row:row + 1])[0])

    def footprint_separation(self, a: int, b: int) -> float:
        """Signed separation of two boxes' footprints seen from above, static state
        (``geometry.polygon_separation``: > 0 a gap that wide, < 0 overlapping); worked out once per
        ordered pair (a relation and the verifier's pair check ask it of the same pairs)."""
        return self._cached(("separation", int(a), int(b)),
                            lambda: polygon_separation(self.footprint(a), self.footprint(b)))

    def centre_distance_matrix(self) -> np.ndarray:
        """(N, N) distances between box centres."""
        return self._cached(
            "centre_distance", lambda: np.linalg.norm(self.center[:, None, :] - self.center[None, :, :], axis=-1)
        )

    def sizes(self) -> np.ndarray:
        """(N,) longest box dimension (2 × largest half extent)."""
        return self._cached("size", lambda: 2.0 * self.half.max(axis=1))

    def vertical_half(self) -> np.ndarray:
        """(N,) half of each box's vertical extent in the world (exact for tilted boxes too)."""
        return self._cached("vhalf", lambda: np.einsum("nk,nk->n", np.abs(self.rotation[:, 2, :]), self.half))

    def camera_distances(self, frame_row: int) -> np.ndarray:
        """(N,) distance from the camera centre to the closest point of each box (states of that frame)."""
        return self._cached(
            ("camdist", frame_row),
            lambda: boxes.point_box_distances(self.camera_center(frame_row), self.center_at(frame_row), self.half,
                                              self.rotation_at(frame_row)),
        )

    def camera_points(self, frame_row: int) -> np.ndarray:
        """(N, 3) box centres (states of that frame) in the OpenCV camera frame of a frame row."""
        T = self.T_cam_world[frame_row]
        return self._cached(("campts", frame_row), lambda: self.center_at(frame_row) @ T[:3, :3].T + T[:3, 3])

    def room_area(self) -> float:
        """Floor area of the room footprint (m²)."""
        return self._cached("room_area", lambda: abs(polygon_area(self.room_polygon)))

    # -- perturbation ----------------------------------------------------------------------------
    def jittered(self, rng: np.random.Generator, position_sigma_m: float, size_sigma_frac: float) -> "SceneGeometry":
        """A copy with box centres (and room corners) moved by N(0, σ) m and half extents scaled by
        1 + N(0, σ_frac) per axis (clipped to [0.5, 1.5]); cameras, visibility and the observed set
        stay as they are, so the same program asks the same question of a slightly different scene.

        Motions are jittered too: a moving object gets one offset for where it starts and another
        for where it ends, blended along its path (``motion_progress``), so the frames before a move
        share one offset, the frames after it the other, and its displacement changes by their
        difference."""
        out = copy.copy(self)
        n = len(self.ids)
        start = rng.normal(0.0, position_sigma_m, (n, 3))
        out.center = self.center + start
        out.half = self.half * np.clip(1.0 + rng.normal(0.0, size_sigma_frac, (n, 3)), 0.5, 1.5)
        out.room_polygon = self.room_polygon + rng.normal(0.0, position_sigma_m, self.room_polygon.shape)
        if self.dynamic:  # drawn last, so static views jitter exactly as they always did
            end = rng.normal(0.0, position_sigma_m, (n, 3))
            out.frame_center = self.frame_center + start + (end - start) * self.motion_progress()[..., None]
        else:
            out.frame_center = np.broadcast_to(out.center, self.frame_center.shape)
        out._cache = {}
        return out
