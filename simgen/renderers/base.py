"""The renderer interface: a scene and a camera in, RGB, depth and instance ids out (physics lives elsewhere).

A physics backend owns the scene's state; a renderer turns one state and one camera into an
:class:`~simgen.simulators.base.Observation` (the same record the simulators return): ``rgb``
(H, W, 3) uint8, ``depth`` (H, W) float32 metres along the OpenCV camera's z axis (``inf`` where
nothing was hit), ``instance`` (H, W) uint16 object ids with 0 for the room.
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from simgen.simulators.base import Observation
from simgen.types import CameraIntrinsics, ObjectState, SceneSpec


@runtime_checkable
class Renderer(Protocol):
    """Loads one scene at a time and renders it at given object states and camera poses."""

    def load(self, spec: SceneSpec, intrinsics: CameraIntrinsics) -> None:
        """Build ``spec``'s room and objects for images of ``intrinsics``' size."""

    def render(self, states: tuple[ObjectState, ...], T_world_cam: np.ndarray) -> Observation:
        """The objects at ``states`` seen from an OpenCV camera at ``T_world_cam`` (4×4 camera to world)."""

    def close(self) -> None:
        """Release the renderer's resources (processes, files)."""
