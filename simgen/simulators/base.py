"""The small simulator interface every backend implements (DESIGN.md §6)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from simgen.types import CameraIntrinsics, ObjectState, Pose, SceneSpec

PASSES = ("rgb", "depth", "instance")


def check_passes(passes) -> None:
    """ValueError naming any render pass that is not one of ``PASSES``."""
    unknown = set(passes) - set(PASSES)
    if unknown:
        raise ValueError(f"render: unknown pass(es) {sorted(unknown)}; allowed: {', '.join(PASSES)}")


@dataclass(frozen=True)
class Observation:
    """One render: ``rgb`` (H, W, 3) uint8, ``depth`` (H, W) float32 metres along the camera z axis
    (``inf`` where nothing was hit), ``instance`` (H, W) uint16 object ids (0 = room / background).
    Passes that were not asked for are ``None``."""

    rgb: np.ndarray | None
    depth: np.ndarray | None
    instance: np.ndarray | None


class Simulator(ABC):
    """A headless simulator holding one scene at a time."""

    name: str = "base"
    renderer: str = "unknown"  # which rendering path is in use, reported in the log
    combined: bool = False  # True: the scene exists only in its own renderer (AI2-THOR, habitat), no other renderer draws it
    near: float = 0.05  # m: nothing nearer than this is rendered (visibility treats it as out of frame)

    @abstractmethod
    def load(self, spec: SceneSpec) -> tuple[ObjectState, ...]:
        """Build ``spec``, let physics settle, and return every object's exact state."""

    @abstractmethod
    def step(self, seconds: float) -> tuple[ObjectState, ...]:
        """Advance the physics by ``seconds`` and return the new states."""

    @abstractmethod
    def states(self) -> tuple[ObjectState, ...]:
        """Every object's current state, in ``spec.objects`` order."""

    @abstractmethod
    def render(self, T_world_cam: np.ndarray, intrinsics: CameraIntrinsics, passes=PASSES) -> Observation:
        """Render the current scene from an OpenCV camera at ``T_world_cam``."""

    def set_pose(self, object_id: int, pose: Pose) -> None:
        """Teleport one object (kinematic, zero velocity) — scripted relocations in dynamic episodes."""
        raise NotImplementedError(f"simulator {self.name} does not support scripted object motion")

    def set_velocity(self, object_id: int, linear, angular=(0.0, 0.0, 0.0)) -> None:
        """Give one dynamic object a velocity (m/s, rad/s) — physics pushes in dynamic episodes."""
        raise NotImplementedError(f"simulator {self.name} does not support physics pushes")

    def close(self) -> None:
        """Release the backend's resources."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
