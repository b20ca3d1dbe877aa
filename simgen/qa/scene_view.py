"""SceneView: the array-backed, read-only picture of one episode that the executor queries.

Everything is a numpy array indexed by object *row* (0 … N−1, in ``object_id`` order) and frame
*row* (0 … F−1, in episode order); ``frame_indices`` maps rows back to the episode's own frame
indices, which are what programs and QA records use. Derived quantities (pairwise distances,
sizes, camera distances) are computed lazily, vectorised, and cached per view, so many programs
on one view share them; ``jittered`` makes a perturbed copy with fresh caches in a few array ops.

The static object boxes (``center``, ``rotation``) are the poses of the first frame (the settled
state the video shows); per-frame states, motion events and camera headings live on the time axis
(``simgen.qa.scene_time``), and everything that looks at one frame (camera distances, camera-frame
points, distances at a frame) reads the states of that frame.
"""
from __future__ import annotations

import copy

import numpy as np

from simgen.geometry import invert, quat_to_matrix
from simgen.qa import boxes
from simgen.qa.outline import FRAMED_OUTLINE, outlines
from simgen.qa.scene_geometry import SceneGeometry
from simgen.qa.scene_scale import is_tabletop, scene_scale, subject_mask
from simgen.qa.scene_time import TimeArrays, frame_states
from simgen.registry import check_config
from simgen.types import Episode
from simgen.visibility_model import VisibilityModel


FRAMED_IN_FRAME = 0.75  # share of the box inside the image for an image question's referent (by eye: half
# a teddy bear's box in frame showed a brown paw at the image corner)...
FRAMED_FILL = 0.1  # ...unless it fills this share of the image (a close-up) and shows where it ends
# (qa.outline.FRAMED_OUTLINE: a grey wardrobe's front filling the frame was counted as one of two wardrobes)
WHOLE_IN_FRAME = 0.9  # share of the box inside the image for a frame to show the object whole (its size)...
WHOLE_MAX_OCCLUSION = 0.25  # ...with at most this share of its box's image covered by nearer things (by eye:
# a vase behind a shelf board, occlusion 0.35-0.44 in its clear frames, showed only its top: no height to judge)


class SceneView(TimeArrays, SceneGeometry):
    """Arrays of one episode: object boxes, attributes, per-frame cameras, states and visibility."""

    def __init__(self, episode: Episode, model: VisibilityModel = VisibilityModel()):
        """Build from an Episode (use ``SceneView.from_episode``)."""
        check_config(model, "visibility")  # declared ranges, then the levels' order
        self.model = model
        self.episode_id = episode.episode_id
        specs = sorted(episode.scene.objects, key=lambda o: o.object_id)
        self.ids = np.array([o.object_id for o in specs], dtype=np.int64)
        self.names = tuple(o.name for o in specs)
        self.category = np.array([o.category for o in specs], dtype=str)
        self.color = np.array([o.color for o in specs], dtype=str)
        self.kind = np.array([o.kind for o in specs], dtype=str)
        self._row_of_id = {int(i): r for r, i in enumerate(self.ids)}
        self._row_of_name = {n: r for r, n in enumerate(self.names)}
        if len(self._row_of_name) != len(self.names):
            raise ValueError(f"episode {self.episode_id}: object names are not unique")
        n = len(specs)
        spec_centers = np.array([o.pose.position for o in specs], dtype=float).reshape(n, 3)
        spec_quats = np.array([o.pose.quat_wxyz for o in specs], dtype=float).reshape(n, 4)
        centers, quats = frame_states(episode, self._row_of_id, spec_centers, spec_quats)
        # the static state is the settled state the video shows first
        self.center = centers[0].copy() if len(centers) else spec_centers
        first = quats[0] if len(quats) else spec_quats
        self.rotation = np.array([quat_to_matrix(q) for q in first]).reshape(n, 3, 3)
        self.half = np.array([o.half_extents for o in specs], dtype=float).reshape(n, 3)
        self.filled = boxes.filled_fractions(specs)  # the share of each box its parts fill (volume_of's rival)
        self.room_polygon = np.array(episode.scene.room.footprint, dtype=float)
        self.room_height = float(episode.scene.room.height)
        self.house_rooms = episode.scene.rooms  # a house's rooms (HouseRoom); () for a single room
        self.house_openings = episode.scene.openings  # its doorways and windows (Opening); () for a single room
        self.tabletop = is_tabletop(episode.scene)
        self.scale = scene_scale(episode.scene)  # multiplies the verifier's length thresholds (qa.scene_scale)
        self.subject = subject_mask(episode.scene, specs)  # objects the questions are about (all but a tabletop's backdrop)
        self.intrinsics = episode.intrinsics
        self.fps = float(episode.fps)
        self.frames = np.array([f.index for f in episode.frames], dtype=np.int64)
        self._row_of_frame = {int(f): r for r, f in enumerate(self.frames)}
        self.T_world_cam = np.array([f.T_world_cam for f in episode.frames], dtype=float).reshape(-1, 4, 4)
        self.T_cam_world = np.array([invert(T) for T in self.T_world_cam]).reshape(-1, 4, 4)
        self.visible_pixels = np.zeros((len(self.frames), n), dtype=np.int64)
        self.in_frame_fraction = np.zeros((len(self.frames), n), dtype=float)
        self.occlusion = np.zeros((len(self.frames), n), dtype=float)
        for fr, frame in enumerate(episode.frames):
            for v in frame.visibility:
                r = self._row_of_id.get(v.object_id)
                if r is None:
                    raise ValueError(f"episode {self.episode_id}: frame {frame.index} has visibility for unknown object_id {v.object_id}")
                self.visible_pixels[fr, r] = v.visible_pixels
                self.in_frame_fraction[fr, r] = v.in_frame_fraction
                self.occlusion[fr, r] = v.occlusion
        width, height = int(episode.intrinsics.width), int(episode.intrinsics.height)
        self.pixel_threshold = {level: model.pixels(level, width, height) for level in ("glimpse", "seen", "clear")}
        self.visible = model.seen(self.visible_pixels, width, height)  # seen, however much of the box is in frame
        self.clear = model.clear(self.visible_pixels, width, height)
        self.glimpsed = model.glimpsed(self.visible_pixels, width, height)
        self.first_seen_row = _first_row(self.visible)
        self.last_seen_row = _first_row(self.visible[::-1])
        self.last_seen_row = np.where(self.last_seen_row >= 0, len(self.frames) - 1 - self.last_seen_row, -1)
        self.first_glimpse_row = _first_row(self.glimpsed)
        self.clear_frame_count = self.clear.sum(axis=0)
        # recognisable in that one image (an image question shows only it): seen clearly, and either
        # three quarters of its box inside the frame or, from close up, filling a tenth of the image and
        # showing some of its outline: not an edge sliver, nor a slab of a large thing that could be any of them
        self.framed = self.clear & (self.in_frame_fraction >= FRAMED_IN_FRAME)
        close_up = self.clear & ~self.framed & (self.visible_pixels >= FRAMED_FILL * width * height)
        self.framed |= close_up & (outlines(episode.intrinsics, self.T_cam_world, centers, quats, self.half, close_up)
                                   >= FRAMED_OUTLINE)
        # shown whole (how big it is can be judged): seen clearly, nearly all its box inside the frame and
        # little of it behind nearer things
        self.whole = self.clear & (self.in_frame_fraction >= WHOLE_IN_FRAME) & (self.occlusion <= WHOLE_MAX_OCCLUSION)
        # what the video shows at all: seen in ≥ 1 frame (candidate sets draw from these, subjects only)
        self._set_observed((self.visible.any(axis=0) if len(self.frames) else np.zeros(n, dtype=bool)) & self.subject)
        self._cache: dict = {}
        self._fixed_cache: dict = {}  # values no copy changes (see _cached_fixed)
        self._init_time(episode, centers, quats)
        if not self.dynamic:  # one state for every frame: share the static arrays
            self.frame_center = np.broadcast_to(self.center, centers.shape)

    @classmethod
    def from_episode(cls, episode: Episode, model: VisibilityModel = VisibilityModel()) -> "SceneView":
        """The view of ``episode``, with ``model`` deciding what the video shows."""
        return cls(episode, model)

    def _set_observed(self, mask: np.ndarray) -> None:
        self.observed_mask = mask
        self._sets_cache: dict = {}  # values read from the object sets (see _cached_for_sets)
        self.observed = np.flatnonzero(mask)
        # observed rows per category / colour: set filters are dictionary lookups, not string compares
        self._observed_by = {
            attr: {v: self.observed[values[self.observed] == v] for v in np.unique(values[self.observed])}
            for attr, values in (("category", self.category), ("color", self.color))
        }

    def with_glimpsed(self) -> "SceneView | None":
        """A copy whose object sets also hold every object the video merely glimpses (the verifier
        re-asks on it: an object a viewer noticed must not change the answer); None when every
        glimpsed object is already seen."""
        mask = (self.glimpsed.any(axis=0) & self.subject) if len(self.frames) else self.observed_mask
        if not (mask & ~self.observed_mask).any():
            return None
        out = copy.copy(self)
        out._set_observed(mask | self.observed_mask)
        return out  # shares the geometry cache: nothing cached depends on the object sets

    # -- lookups ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        """Number of objects (observed or not)."""
        return len(self.ids)

    def row_of_id(self, object_id: int) -> int:
        """Row of an object id (KeyError naming it otherwise)."""
        try:
            return self._row_of_id[int(object_id)]
        except KeyError:
            raise KeyError(f"episode {self.episode_id} has no object_id {object_id}") from None

    def row_of_name(self, name: str) -> int:
        """Row of an object name (KeyError naming it otherwise)."""
        try:
            return self._row_of_name[name]
        except KeyError:
            raise KeyError(f"episode {self.episode_id} has no object named {name!r}") from None

    def frame_row(self, frame_index: int) -> int:
        """Row of an episode frame index (KeyError naming it and the valid range otherwise)."""
        try:
            return self._row_of_frame[int(frame_index)]
        except KeyError:
            raise KeyError(
                f"episode {self.episode_id} has no frame {frame_index}; frames are {self.frames[0]}…{self.frames[-1]}"
                if len(self.frames) else f"episode {self.episode_id} has no frames"
            ) from None

    def observed_rows(self, category: str | None = None, color: str | None = None) -> np.ndarray:
        """Rows of observed objects, optionally of one category and/or colour (in id order)."""
        empty = self.observed[:0]
        if category is None and color is None:
            return self.observed
        if color is None:
            rows = self._observed_by["category"].get(category)
            if rows is None and category:  # "red chair": one of a category's instances named by its colour
                first, _, rest = category.partition(" ")  # (qa.binding_preference.color_twins)
                if first in self._observed_by["color"] and rest in self._observed_by["category"]:
                    return self.observed_rows(rest, first)
            return empty if rows is None else rows
        by_color = self._observed_by["color"].get(color, empty)
        return by_color if category is None else by_color[self.category[by_color] == category]

    def visible_frames(self, row: int) -> list[int]:
        """Episode frame indices where object ``row`` is seen."""
        return [int(f) for f in self.frames[self.visible[:, row]]]

    def visibility_summary(self, row: int) -> dict:
        """Visibility evidence for a certificate: frames seen and seen clearly, the best pixel count and
        its share of the image (worked out once per object: every question naming it cites it)."""
        def summary() -> dict:
            best = int(self.visible_pixels[:, row].max(initial=0))
            area = float(self.intrinsics.width * self.intrinsics.height)
            return {
                "object_id": int(self.ids[row]),
                "frames_seen": int(self.visible[:, row].sum()),
                "frames_clear": int(self.clear_frame_count[row]),
                "max_visible_pixels": best,
                "max_image_fraction": round(best / area, 6),
                "max_in_frame_fraction": float(self.in_frame_fraction[:, row].max(initial=0.0)),
            }
        return dict(self._cached(("visibility", row), summary))  # a copy: certificates own theirs


def _first_row(mask: np.ndarray) -> np.ndarray:
    """(N,) first row where each column of a boolean (F, N) mask is true, −1 where it never is."""
    if not len(mask):
        return np.full(mask.shape[1], -1, dtype=np.int64)
    return np.where(mask.any(axis=0), mask.argmax(axis=0), -1).astype(np.int64)
