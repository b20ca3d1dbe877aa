"""Frozen records that travel between stages, each with ``to_dict``/``from_dict``.

Conventions (see DESIGN.md §3): world is right-handed, Z up, metres, radians; quaternions are
``quat_wxyz``; the camera is OpenCV (x right, y down, z forward) and ``T_world_cam`` is the 4×4
camera-to-world transform. Every object's frame has its origin at the centre of its oriented box
and the box's axes along the frame's axes, so a pose plus ``half_extents`` *is* the oriented box.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simgen.json_records import Record

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Pose(Record):
    """A rigid pose: ``position`` (m) and rotation ``quat_wxyz`` (unit quaternion)."""

    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    quat_wxyz: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)

    def matrix(self) -> np.ndarray:
        """The 4×4 homogeneous transform this pose stands for."""
        from simgen.geometry import pose_matrix

        return pose_matrix(self.position, self.quat_wxyz)


@dataclass(frozen=True)
class Part(Record):
    """One visual/collision primitive of an object, placed in the object's box-centred frame.

    ``shape`` is ``box`` (``size`` = half extents), ``cylinder`` (``size`` = radius, radius,
    half height; axis along local z), ``sphere`` (``size`` = radius ×3) or ``mesh`` (``mesh`` =
    a path relative to ``pybullet_data``, ``size`` = per-axis scale, ``offset`` already centres it).
    """

    shape: str
    size: tuple[float, float, float]
    offset: Pose = Pose()
    rgba: tuple[float, float, float, float] = (0.7, 0.7, 0.7, 1.0)
    mesh: str | None = None

    _nested = {"offset": Pose}


@dataclass(frozen=True)
class ObjectSpec(Record):
    """An object as the scene generator built it: identity, geometry and initial pose."""

    object_id: int  # ≥ 1; 0 means "no object" in instance masks
    name: str  # unique referring id, e.g. "chair_2"
    category: str
    color: str  # colour name a question can use
    half_extents: tuple[float, float, float]  # oriented-box half sizes in the object frame (m)
    pose: Pose  # object frame (= box centre) in the world
    parts: tuple[Part, ...]
    mass: float = 0.0  # 0 = static (furniture); > 0 = dynamic, settled by physics
    kind: str = "furniture"  # furniture | small | occluder
    support: int | None = None  # object_id it rests on (None = floor)

    _nested = {"pose": Pose, "parts": Part}


@dataclass(frozen=True)
class RoomSpec(Record):
    """Floor footprint polygon (counter-clockwise XY vertices, m), wall height and colours; the floor is z = 0."""

    footprint: tuple[tuple[float, float], ...]
    height: float
    wall_rgba: tuple[float, float, float, float] = (0.85, 0.85, 0.8, 1.0)
    floor_rgba: tuple[float, float, float, float] = (0.55, 0.45, 0.35, 1.0)
    shape: str = "rect"  # rect | L


@dataclass(frozen=True)
class HouseRoom(Record):
    """One room of a house: the name a question uses ("kitchen", "bedroom 2"), its type and its floor.

    ``footprint`` is the room's own floor inside its walls (counter-clockwise XY vertices, m): two
    neighbouring rooms are separated by an interior wall that fills the gap between their footprints.
    """

    name: str
    room_type: str  # living | kitchen | bedroom | bathroom | office | hallway | dining
    footprint: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Opening(Record):
    """A doorway or a window: a gap through a wall from ``start`` to ``end`` (XY, m, along the wall's centre
    line), open from height ``bottom`` to ``top`` (a doorway's ``bottom`` is 0). ``rooms`` are indices into
    :attr:`SceneSpec.rooms`: the two rooms a door connects, the one room a window lights."""

    kind: str  # door | window
    start: tuple[float, float]
    end: tuple[float, float]
    bottom: float
    top: float
    rooms: tuple[int, ...]


@dataclass(frozen=True)
class Lighting(Record):
    """Directional light for the renderer: direction (world, towards the light) and strengths."""

    direction: tuple[float, float, float] = (0.3, -0.4, 1.0)
    color: tuple[float, float, float] = (1.0, 1.0, 1.0)
    ambient: float = 0.6
    diffuse: float = 0.5
    specular: float = 0.1


@dataclass(frozen=True)
class SceneSpec(Record):
    """Everything needed to rebuild a scene exactly, on any simulator."""

    scene_id: str
    seed: int
    room: RoomSpec
    objects: tuple[ObjectSpec, ...]
    lighting: Lighting = Lighting()
    complexity: dict = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION
    # a house (scene=house): its rooms and the doorways and windows in its walls; ``room`` is then the
    # whole house's outer floor. Both are empty for a single room.
    rooms: tuple[HouseRoom, ...] = ()
    openings: tuple[Opening, ...] = ()

    _nested = {"room": RoomSpec, "objects": ObjectSpec, "lighting": Lighting, "rooms": HouseRoom,
               "openings": Opening}

    def to_dict(self) -> dict[str, Any]:
        """As :meth:`Record.to_dict`, without the house fields of a single room (its files stay as before)."""
        out = super().to_dict()
        for key in ("rooms", "openings"):
            if not out[key]:
                del out[key]
        return out

    def __hash__(self) -> int:  # complexity is a dict; hash on identity of the content that matters
        return hash((self.scene_id, self.seed, len(self.objects)))

    def object(self, object_id: int) -> ObjectSpec:
        """The object with this id (KeyError naming it otherwise)."""
        for obj in self.objects:
            if obj.object_id == object_id:
                return obj
        raise KeyError(f"scene {self.scene_id} has no object_id {object_id}")


@dataclass(frozen=True)
class ObjectState(Record):
    """An object's pose at one instant; with the spec's half extents it is the oriented box."""

    object_id: int
    pose: Pose

    _nested = {"pose": Pose}


@dataclass(frozen=True)
class CameraIntrinsics(Record):
    """Pinhole intrinsics in pixels for an image of ``width × height``.

    Pixel (i, j) covers [i, i+1) × [j, j+1) in continuous image coordinates, so its centre is
    (i + ½, j + ½) and ``cx = width / 2`` is a centred principal point.
    """

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float

    @classmethod
    def from_vfov(cls, width: int, height: int, vfov_deg: float) -> "CameraIntrinsics":
        """Square pixels, principal point at the image centre, vertical field of view in degrees."""
        if width <= 0 or height <= 0 or not 1.0 < vfov_deg < 179.0:
            raise ValueError(f"camera: need width, height > 0 and 1 < vfov_deg < 179, got {width}×{height}, {vfov_deg}")
        f = 0.5 * height / np.tan(np.radians(vfov_deg) / 2.0)
        return cls(width, height, float(f), float(f), width / 2.0, height / 2.0)

    def K(self) -> np.ndarray:
        """The 3×3 calibration matrix."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    def require_plain(self, camera: str) -> None:
        """ValueError unless pixels are square (fx = fy) and the principal point is the image centre:
        what ``camera`` (a simulator's own camera model, which takes one field of view) can express."""
        w, h = self.width, self.height
        if abs(self.fx - self.fy) > 1e-6 * self.fy or abs(self.cx - w / 2.0) > 1e-6 * w or abs(self.cy - h / 2.0) > 1e-6 * h:
            raise ValueError(f"camera: {camera} need fx = fy and a centred principal point, got fx={self.fx}, "
                             f"fy={self.fy}, cx={self.cx}, cy={self.cy} for {w}×{h}")


@dataclass(frozen=True)
class Visibility(Record):
    """How one object appears in one frame (computed from the rendered instance mask and depth)."""

    object_id: int
    visible_pixels: int  # pixels of the instance mask showing this object
    in_frame_fraction: float  # fraction of the oriented box (volume samples) projecting inside the image
    occlusion: float  # estimate in [0, 1]: share of the box's projected region covered by nearer objects
    bbox_2d: tuple[int, int, int, int] | None  # x0, y0, x1, y1 of visible pixels (inclusive), None if unseen


@dataclass(frozen=True)
class Frame(Record):
    """One rendered frame: camera pose, object states and per-object visibility."""

    index: int
    time_s: float
    T_world_cam: tuple[tuple[float, ...], ...]  # 4×4, OpenCV camera to world
    objects: tuple[ObjectState, ...]
    visibility: tuple[Visibility, ...]

    _nested = {"objects": ObjectState, "visibility": Visibility}


@dataclass(frozen=True)
class MotionEvent(Record):
    """An object moved during the video: a scripted relocation or a physics push.

    Frames ``start_frame``..``end_frame`` (inclusive) span the motion; the per-frame object states in
    ``Episode.frames`` are the ground truth, this record says what caused them and what was intended.
    """

    object_id: int
    kind: str  # scripted | push
    start_frame: int
    end_frame: int
    params: dict = field(default_factory=dict)  # e.g. {"direction_xy": [...], "distance_m": ...} or {"impulse": [...]}

    def __hash__(self) -> int:
        return hash((self.object_id, self.kind, self.start_frame))


@dataclass(frozen=True)
class EgoAction(Record):
    """One discrete camera action (move_ahead, move_back, turn_left, turn_right, look_up, look_down).

    ``amount`` is metres for moves and radians for turns and looks (always ≥ 0; the name gives the
    sign); the camera performs it over frames ``start_frame``..``end_frame`` (inclusive).
    """

    action: str
    amount: float
    start_frame: int
    end_frame: int


EGO_ACTIONS = ("move_ahead", "move_back", "turn_left", "turn_right", "look_up", "look_down")


@dataclass(frozen=True)
class Episode(Record):
    """One rendered episode: the scene, the camera, every frame's ground truth and run metadata."""

    episode_id: str
    scene: SceneSpec
    intrinsics: CameraIntrinsics
    fps: float
    frames: tuple[Frame, ...]
    simulator: str
    trajectory: str
    renderer: str = ""  # what drew the frames (pybullet "tiny" or "egl", "blender"...): masks differ slightly
    coverage: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)  # role -> file name inside the episode folder
    events: tuple[MotionEvent, ...] = ()  # object motions during the video (dynamic episodes)
    actions: tuple[EgoAction, ...] = ()  # the camera's discrete actions, when its path was made of them
    schema_version: int = SCHEMA_VERSION

    _nested = {"scene": SceneSpec, "intrinsics": CameraIntrinsics, "frames": Frame, "events": MotionEvent,
               "actions": EgoAction}

    def __hash__(self) -> int:
        return hash(self.episode_id)
