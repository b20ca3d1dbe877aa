"""AI2-THOR metadata → simgen geometry, as pure functions (no SDK): boxes, cameras, instance ids.

Inputs are AI2-THOR's documented ``event.metadata`` fields:

* ``objects[]``: ``objectId``, ``objectType``, ``position`` / ``rotation`` ({x, y, z}, rotation in
  Unity Euler degrees), ``axisAlignedBoundingBox`` {``center``, ``size``, ``cornerPoints``},
  ``objectOrientedBoundingBox`` {``cornerPoints``} — ``null`` for many non-pickupable objects —,
  ``pickupable``, ``parentReceptacles``.
* ``agent`` {``position``, ``rotation``, ``cameraHorizon``}, ``cameraPosition``, ``fov``,
  ``screenWidth`` / ``screenHeight``, ``thirdPartyCameras[]`` {``position``, ``rotation``,
  ``fieldOfView``}, ``sceneBounds`` {``center``, ``size``}, ``colors[]`` {``name``, ``color``}
  (the instance-segmentation colour of each objectId, i.e. ``event.object_id_to_color``).

Frames go through :mod:`simgen.simulators.ai2thor_frames`. An object's box comes from its oriented
box corners when AI2-THOR gives them (fitted by :func:`metadata_boxes.fit_box`, axes ordered after the
object's own rotation), else from its axis-aligned box — larger than the object when it is rotated,
so such objects are listed in the scene's ``complexity["box_fallback"]`` for users to filter.
A *recording* (:func:`record_event`, :func:`load_recording`) is one event's metadata plus,
optionally, its instance-segmentation and depth frames, as JSON: the offline input of the scene
builder and of the tests.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from simgen.io import write_json
from simgen.simulators import ai2thor_frames as uf
from simgen.simulators.metadata_boxes import (
    AXIS_ALIGNED, ORIENTED, Box, canonical_box, depth_or_inf, fit_box, ids_from_codes, read_recording, rgb_code,
    rgb_codes,
)
from simgen.types import CameraIntrinsics

RECORDING_FORMAT = "simgen.ai2thor_recording"
RECORDING_VERSION = 1


def object_box(obj: dict) -> Box:
    """The oriented box of one AI2-THOR object record (oriented corners if usable, else the AABB)."""
    name = obj.get("objectId", "?")
    hint = uf.object_frame(obj["rotation"]) if obj.get("rotation") is not None else None
    oobb = obj.get("objectOrientedBoundingBox")
    corners = oobb.get("cornerPoints") if isinstance(oobb, dict) else None
    if corners is not None:
        fitted = fit_box(uf.to_world(np.asarray(corners, dtype=float)))
        if fitted is not None:
            center, half, R = fitted
            half, R = canonical_box(half, R, hint)
            return Box(center, half, R, ORIENTED)
    aabb = obj.get("axisAlignedBoundingBox")
    if not isinstance(aabb, dict):
        raise ValueError(f"AI2-THOR object {name}: neither objectOrientedBoundingBox nor axisAlignedBoundingBox")
    if aabb.get("center") is not None and aabb.get("size") is not None:
        center, size = uf.to_world(uf.vec3(aabb["center"])), np.abs(uf.to_world(uf.vec3(aabb["size"])))
    elif aabb.get("cornerPoints") is not None:
        pts = uf.to_world(np.asarray(aabb["cornerPoints"], dtype=float))
        center, size = (pts.min(0) + pts.max(0)) / 2.0, pts.max(0) - pts.min(0)
    else:
        raise ValueError(f"AI2-THOR object {name}: axisAlignedBoundingBox has neither center/size nor cornerPoints")
    return Box(center, size / 2.0, np.eye(3), AXIS_ALIGNED)


def agent_camera(metadata: dict) -> np.ndarray:
    """``T_world_cam`` of the agent's camera (``cameraPosition``, agent yaw, ``cameraHorizon``)."""
    agent = metadata["agent"]
    position = metadata.get("cameraPosition") or agent["cameraPosition"]
    return uf.agent_camera_pose(position, float(agent["rotation"]["y"]), float(agent["cameraHorizon"]))


def third_party_camera(metadata: dict, index: int) -> np.ndarray:
    """``T_world_cam`` of third-party camera ``index`` (its position and Unity Euler rotation)."""
    cams = metadata.get("thirdPartyCameras") or []
    if not 0 <= index < len(cams):
        raise IndexError(f"AI2-THOR metadata has {len(cams)} third-party camera(s); no index {index}")
    return uf.camera_pose(cams[index]["position"], cams[index]["rotation"])


def camera_intrinsics(metadata: dict, camera: str = "agent") -> CameraIntrinsics:
    """Pinhole intrinsics of the agent camera or of ``third_party_<i>`` (vertical fov, screen size)."""
    if camera == "agent":
        fov = metadata["fov"]
    else:
        fov = metadata["thirdPartyCameras"][int(camera.rsplit("_", 1)[1])]["fieldOfView"]
    return CameraIntrinsics.from_vfov(int(metadata["screenWidth"]), int(metadata["screenHeight"]), float(fov))


def camera_pose(metadata: dict, camera: str = "agent") -> np.ndarray:
    """``T_world_cam`` of ``agent`` or ``third_party_<i>``."""
    if camera == "agent":
        return agent_camera(metadata)
    if not camera.startswith("third_party_"):
        raise ValueError(f"camera {camera!r}: expected 'agent' or 'third_party_<index>'")
    return third_party_camera(metadata, int(camera.rsplit("_", 1)[1]))


def color_lut(colors, key_to_id: dict) -> dict:
    """Colour code → object id, from ``metadata["colors"]`` (list of {name, color}) or an
    ``object_id_to_color`` dict; names not in ``key_to_id`` (walls, ceiling, …) are left out."""
    pairs = colors.items() if isinstance(colors, dict) else ((c["name"], c["color"]) for c in colors)
    return {rgb_code(color): key_to_id[name] for name, color in pairs if name in key_to_id}


def instance_ids(segmentation_rgb, colors, key_to_id: dict) -> np.ndarray:
    """uint16 object ids (0 = room / unknown) of an instance-segmentation colour frame (H, W, 3)."""
    return ids_from_codes(rgb_codes(segmentation_rgb), color_lut(colors, key_to_id))


def depth_metres(depth_frame) -> np.ndarray:
    """AI2-THOR's depth frame (metres, Unity's planar eye depth) with no-hit pixels as ``inf``."""
    return depth_or_inf(depth_frame)


def scene_bounds(metadata: dict) -> tuple[np.ndarray, np.ndarray]:
    """(min, max) corners in simgen's world of ``sceneBounds`` (centre ± size / 2)."""
    bounds = metadata["sceneBounds"]
    center, size = uf.to_world(uf.vec3(bounds["center"])), np.abs(uf.to_world(uf.vec3(bounds["size"])))
    return center - size / 2.0, center + size / 2.0


# -- recordings ------------------------------------------------------------------------------------
def record_event(event, path, scene, cameras: tuple[str, ...] = ("agent",), frames: bool = True) -> Path:
    """Write one live ``ai2thor.server.Event`` as a recording JSON (metadata + optional frames)."""
    data = {"format": RECORDING_FORMAT, "version": RECORDING_VERSION, "scene": scene,
            "metadata": dict(event.metadata), "frames": {}}
    for cam in cameras if frames else ():
        if cam == "agent":
            seg, depth = event.instance_segmentation_frame, event.depth_frame
        else:
            i = int(cam.rsplit("_", 1)[1])
            seg, depth = event.third_party_instance_segmentation_frames[i], event.third_party_depth_frames[i]
        data["frames"][cam] = {"instance_segmentation_frame": np.asarray(seg).tolist(),
                               "depth_frame": np.round(np.asarray(depth, dtype=float), 4).tolist()}
    path = Path(path)
    write_json(path, data, indent=None)
    return path


def load_recording(path) -> dict:
    """Read a recording JSON; errors name the file and what is missing."""
    return read_recording(path, "AI2-THOR", RECORDING_FORMAT, RECORDING_VERSION, ("scene", "metadata", "metadata.objects", "metadata.sceneBounds"))
