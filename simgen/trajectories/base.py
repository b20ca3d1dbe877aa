"""What a trajectory planner receives and returns."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from simgen.types import CameraIntrinsics, ObjectState, SceneSpec
from simgen.visibility_model import VisibilityModel


@dataclass(frozen=True)
class PlanRequest:
    """Inputs of a planner: the scene, its settled object states, the camera, the frame count and
    when an object counts as seen (the run's one visibility model, from ``cfg.visibility``)."""

    scene: SceneSpec
    states: tuple[ObjectState, ...]
    intrinsics: CameraIntrinsics
    n_frames: int
    fps: float
    visibility: VisibilityModel = VisibilityModel()


class Planner(Protocol):
    """A planner turns a request into ``n_frames`` camera poses ``T_world_cam`` (n, 4, 4)."""

    def plan(self, request: PlanRequest, rng: np.random.Generator) -> np.ndarray: ...
