"""The time axis of a SceneView: per-frame object states, motion events, camera headings, actions.

``frame_center`` (F × N × 3) and ``frame_quat`` (F × N × 4) hold every object's box centre and
rotation at every frame (frame rows in episode order, object rows in id order); the static arrays
of the view (``center``, ``rotation``) are the first frame's. A view is ``dynamic`` when some
object's state changes during the video; a static view's per-frame arrays are its static arrays
broadcast, so static episodes pay nothing for time.

Motion events (``Episode.events``) say which object moved on purpose and when (at ``start_frame``
the object has already moved: its last state before the motion is the frame before); the
per-frame states are what it did. Camera headings are the yaw of the optical axis projected on the floor
(OpenCV camera: the optical axis is the third column of ``T_world_cam``).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from simgen.geometry import quats_to_matrices, wrap_angle
from simgen.types import EGO_ACTIONS, Episode

STATIC_TOL = 1e-6  # state changes below this (m, or quaternion components) are numerical noise


class Event(NamedTuple):
    """A motion event in view terms: object row, kind and the episode frames it spans (inclusive)."""

    row: int
    kind: str
    start_frame: int
    end_frame: int


def frame_states(episode: Episode, row_of_id: dict[int, int], spec_centers: np.ndarray, spec_quats: np.ndarray):
    """(F, N, 3) centres and (F, N, 4) quaternions of every object at every frame.

    An object a frame does not list keeps its previous state (its spec pose before the first frame)."""
    n_frames, n = len(episode.frames), len(spec_centers)
    centers, quats = np.empty((n_frames, n, 3)), np.empty((n_frames, n, 4))
    pos, rot = spec_centers.copy(), spec_quats.copy()
    for fr, frame in enumerate(episode.frames):
        for state in frame.objects:
            r = row_of_id.get(state.object_id)
            if r is None:
                raise ValueError(f"episode {episode.episode_id}: frame {frame.index} has a state for unknown "
                                 f"object_id {state.object_id}")
            pos[r] = state.pose.position
            rot[r] = state.pose.quat_wxyz
        centers[fr], quats[fr] = pos, rot
    return centers, quats


class TimeArrays:
    """Mixin of SceneView: what changes over the frames of an episode, and lookups by time."""

    def _init_time(self, episode: Episode, centers: np.ndarray, quats: np.ndarray) -> None:
        """Keep the per-frame states, events and actions of ``episode`` (called by SceneView)."""
        self.frame_center, self.frame_quat = centers, quats
        self.dynamic = len(centers) > 1 and bool(
            np.abs(centers - centers[0]).max() > STATIC_TOL or np.abs(quats - quats[0]).max() > STATIC_TOL
        )
        events = []
        for e in episode.events:
            if int(e.object_id) not in self._row_of_id:
                raise ValueError(f"episode {self.episode_id}: motion event for unknown object_id {e.object_id}")
            events.append(Event(self._row_of_id[int(e.object_id)], e.kind, int(e.start_frame), int(e.end_frame)))
        self.events = tuple(events)
        for a in episode.actions:
            if a.action not in EGO_ACTIONS:
                raise ValueError(f"episode {self.episode_id}: unknown ego action {a.action!r}; "
                                 f"expected one of {EGO_ACTIONS}")
        self.actions = tuple(episode.actions)

    # -- object states at a frame --------------------------------------------------------------
    def center_at(self, frame_row: int | None) -> np.ndarray:
        """(N, 3) box centres at a frame row (``None``: the static, first-frame state)."""
        return self.center if frame_row is None or not self.dynamic else self.frame_center[frame_row]

    def rotation_at(self, frame_row: int | None) -> np.ndarray:
        """(N, 3, 3) box rotations at a frame row (``None``: the static state)."""
        if frame_row is None or not self.dynamic:
            return self.rotation
        return self._cached_fixed(("rotation", frame_row), lambda: quats_to_matrices(self.frame_quat[frame_row]))

    def max_displacement(self) -> np.ndarray:
        """(N,) the furthest each box centre gets from where it was in the first frame (m)."""
        if not self.dynamic:
            return np.zeros(len(self.ids))
        return self._cached("max_disp",
                            lambda: np.linalg.norm(self.frame_center - self.frame_center[0], axis=-1).max(axis=0))

    def motion_progress(self) -> np.ndarray:
        """(F, N) share of each object's path travelled by each frame (0 before it moves, 1 after;
        0 throughout for an object that never moves): how jitter blends initial and final offsets."""
        def compute():
            steps = np.linalg.norm(np.diff(self.frame_center, axis=0), axis=-1)
            travelled = np.vstack([np.zeros((1, len(self.ids))), np.cumsum(steps, axis=0)])
            total = travelled[-1]
            return np.where(total > STATIC_TOL, travelled / np.maximum(total, STATIC_TOL), 0.0)

        if not self.dynamic:
            return np.zeros((len(self.frames), len(self.ids)))
        return self._cached("progress", compute)

    # -- events and frames ---------------------------------------------------------------------
    def events_of(self, row: int) -> list[Event]:
        """The motion events of object ``row``, in episode order."""
        return [e for e in self.events if e.row == row]

    def event_rows(self) -> set[int]:
        """Rows of objects that have at least one motion event."""
        return {e.row for e in self.events}

    def motion_window(self) -> tuple[int, int] | None:
        """(last frame before the first motion starts, last end) over all motion events, or None for
        an episode without any (at a motion's ``start_frame`` the object has already moved)."""
        if not self.events:
            return None
        return min(e.start_frame for e in self.events) - 1, max(e.end_frame for e in self.events)

    def row_at_or_before(self, frame: int) -> int:
        """The last frame row at or before episode frame ``frame`` (the first row if none is)."""
        return int(max(np.searchsorted(self.frames, frame, side="right") - 1, 0))

    def row_at_or_after(self, frame: int) -> int:
        """The first frame row at or after episode frame ``frame`` (the last row if none is)."""
        return int(min(np.searchsorted(self.frames, frame, side="left"), len(self.frames) - 1))

    def keyframes(self) -> list[int]:
        """Frames where something starts or ends: action boundaries when the camera followed actions,
        else every frame."""
        if not self.actions:
            return self.frames.tolist()  # Python ints
        marks = {a.start_frame for a in self.actions} | {a.end_frame for a in self.actions}
        return sorted(int(f) for f in marks if int(f) in self._row_of_frame)

    # -- camera ----------------------------------------------------------------------------------
    def camera_travels(self) -> bool:
        """Whether the camera centre moves during the episode (not only turns or tilts)."""
        centres = self.T_world_cam[:, :3, 3]
        return len(centres) > 1 and bool(np.abs(centres - centres[0]).max() > STATIC_TOL)

    def camera_turns(self) -> bool:
        """Whether the camera's heading on the floor changes during the episode."""
        yaws = self.camera_yaws()
        yaws = yaws[~np.isnan(yaws)]
        return len(yaws) > 1 and bool(np.abs(np.asarray(wrap_angle(yaws - yaws[0]))).max() > STATIC_TOL)

    def camera_yaws(self) -> np.ndarray:
        """(F,) heading of the optical axis on the floor (rad, from +X towards +Y; NaN when the camera
        looks straight up or down)."""
        def compute():
            axis = self.T_world_cam[:, :2, 2]
            yaw = np.arctan2(axis[:, 1], axis[:, 0])
            return np.where(np.hypot(axis[:, 0], axis[:, 1]) > 1e-6, yaw, np.nan)

        return self._cached_fixed("yaws", compute)
