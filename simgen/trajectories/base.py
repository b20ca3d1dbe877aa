"""What a trajectory planner receives and returns.

Two kinds of planner: a ``Planner`` returns camera poses; an ``ActionPlanner`` (the ``ego`` planner)
also returns the discrete actions that moved the camera, which the episode records. A planner of
the second kind says so by subclassing ``ActionPlanner``; :func:`plan_episode` dispatches on it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from simgen.types import CameraIntrinsics, EgoAction, ObjectState, SceneSpec
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


@runtime_checkable
class Planner(Protocol):
    """A planner turns a request into ``n_frames`` camera poses ``T_world_cam`` (n, 4, 4)."""

    def plan(self, request: PlanRequest, rng: np.random.Generator) -> np.ndarray: ...


@runtime_checkable
class ActionPlanner(Planner, Protocol):
    """A planner driven by discrete actions: its poses come with the actions that produced them."""

    def plan_actions(self, request: PlanRequest, rng: np.random.Generator) -> tuple[np.ndarray, tuple[EgoAction, ...]]:
        """Camera poses (n, 4, 4) and the actions they perform (frame spans inclusive)."""
        ...


def plan_episode(planner: Planner, request: PlanRequest,
                 rng: np.random.Generator) -> tuple[np.ndarray, tuple[EgoAction, ...]]:
    """The camera poses of an episode and the actions behind them (none for a planner of poses only)."""
    if isinstance(planner, ActionPlanner):
        return planner.plan_actions(request, rng)
    return planner.plan(request, rng), ()


def sizes_by_scene(planner: Planner) -> bool:
    """Whether the planner sets each episode's frames by its scene (``frames_for``: the house tour)."""
    return getattr(planner, "frames_for", None) is not None


def frame_budget(planner: Planner, scene: SceneSpec, n_frames: int, fps: float) -> int:
    """Frames of an episode: ``n_frames`` (``render.duration_s`` × fps), unless the planner sizes its
    episodes by the scene (``frames_for(scene, fps)``: the house tour's seconds per room)."""
    return int(planner.frames_for(scene, fps)) if sizes_by_scene(planner) else n_frames
