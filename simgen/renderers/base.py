"""The renderer interface: a scene and a camera in, RGB, depth and instance ids out (physics lives elsewhere).

A physics backend (:class:`~simgen.simulators.base.Simulator`) owns the scene's state; a renderer
turns one state and one camera into an :class:`~simgen.simulators.base.Observation` (the record the
simulators return): ``rgb`` (H, W, 3) uint8, ``depth`` (H, W) float32 metres along the OpenCV
camera's z axis (``inf`` where nothing was hit), ``instance`` (H, W) uint16 object ids with 0 for the room.

Renderers are the ``renderer`` config group (``conf/renderer/``), one plugin per file, built with
``(config, simulator)``. Two kinds:

* a simulator's own renderer (``pybullet``: TinyRenderer or EGL, ``mujoco``, and the combined
  backends ``ai2thor`` and ``habitat``, whose scene exists only inside their renderer):
  :class:`SimulatorRenderer`, which draws the physics client's current state and pairs only with
  the simulator of its name. ``renderer: ${simulator}`` makes it the default. pybullet's runs in a
  worker process by default (``renderers/pybullet.py``, ``renderers/process.py``): a second client
  of the same simulator that only renders, posed from the states it is given.
* a standalone renderer (``blender``): it builds the SceneSpec's geometry itself and poses objects
  from the states it is given, so it pairs with any physics backend that is not a combined one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from simgen.registry import RENDERERS, SIMULATORS, ConfigError
from simgen.simulators.base import Observation
from simgen.types import CameraIntrinsics, ObjectState, SceneSpec


@runtime_checkable
class Renderer(Protocol):
    """Loads one scene at a time and renders it at given object states and camera poses.

    ``name`` is the rendering path recorded in ``episode.json`` (``tiny``, ``egl``, ``blender``...);
    ``near`` (m) is its near clipping plane, which the visibility test treats as the frame's edge.
    """

    name: str
    near: float

    def load(self, spec: SceneSpec, intrinsics: CameraIntrinsics) -> None:
        """Build ``spec``'s room and objects for images of ``intrinsics``' size."""

    def render(self, states: tuple[ObjectState, ...], T_world_cam: np.ndarray) -> Observation:
        """The objects at ``states`` seen from an OpenCV camera at ``T_world_cam`` (4×4 camera to world)."""

    def close(self) -> None:
        """Release the renderer's resources (processes, files)."""


@dataclass(frozen=True)
class SimulatorRendererConfig:
    """A simulator's own renderer has no settings of its own: they stay with the simulator
    (``simulator.renderer`` picks pybullet's TinyRenderer or EGL, ``simulator.quality`` MuJoCo's look)."""


class SimulatorRenderer:
    """The physics backend renders itself: its client already holds the state it is asked to draw.

    ``states`` are the simulator's own current states (the runner passes what the simulator just
    returned), so they are not re-applied: the fast path adds no work to the backend's render call.
    """

    standalone = False

    def __init__(self, cfg: SimulatorRendererConfig | None = None, simulator=None):
        if simulator is None:
            raise ValueError("SimulatorRenderer needs the simulator whose renderer it is")
        self.simulator = simulator
        self.name = simulator.renderer
        self.near = simulator.near
        self._intrinsics: CameraIntrinsics | None = None

    def load(self, spec: SceneSpec, intrinsics: CameraIntrinsics) -> None:
        """Nothing to build (the simulator loaded ``spec``); remember the image size."""
        self._intrinsics = intrinsics

    def render(self, states: tuple[ObjectState, ...], T_world_cam: np.ndarray) -> Observation:
        """The simulator's render of its current state."""
        if self._intrinsics is None:
            raise RuntimeError(f"renderer {self.name}: render before load")
        return self.simulator.render(T_world_cam, self._intrinsics)

    def close(self) -> None:
        """Nothing of its own: the simulator closes its client."""


for _name in ("mujoco", "ai2thor", "habitat"):
    RENDERERS.register(_name, config=SimulatorRendererConfig)(SimulatorRenderer)


def render_stream(renderer: Renderer, requests):
    """``(states, T_world_cam, Observation)`` for each ``(states, T_world_cam)`` of ``requests``, in order:
    a renderer with its own ``render_stream`` (a worker process) renders frames ahead of the one handed
    out, and reads ``requests`` as far ahead; any other renders one at a time."""
    stream = getattr(renderer, "render_stream", None)
    if stream is not None:
        yield from stream(requests)
        return
    for states, T_world_cam in requests:
        yield states, T_world_cam, renderer.render(states, T_world_cam)


def check_renderer(renderer: str, simulator: str) -> None:
    """ConfigError when ``renderer`` cannot draw ``simulator``'s scenes, or is not installed here."""
    factory = RENDERERS.get(renderer)[0]
    if not getattr(factory, "standalone", False):
        if renderer != simulator:
            raise ConfigError(f"renderer={renderer} is {renderer}'s own renderer and draws only simulator={renderer}, "
                              f"got simulator={simulator}; use renderer={simulator} (its own) or a standalone "
                              f"renderer ({', '.join(standalone_renderers())})")
    elif getattr(SIMULATORS.get(simulator)[0], "combined", False):
        raise ConfigError(f"renderer={renderer} cannot draw simulator={simulator}: {simulator} is a combined backend "
                          f"whose scene exists only in its own renderer; use renderer={simulator}")
    check = getattr(factory, "check_installed", None)
    if check is not None:
        check()


def standalone_renderers() -> list[str]:
    """Renderers that draw any physics backend's states (their factories say ``standalone = True``)."""
    return [n for n in RENDERERS.names() if getattr(RENDERERS.get(n)[0], "standalone", False)]


def open_renderer(name: str, cfg, simulator) -> Renderer:
    """Build renderer ``name`` with its validated config, for episodes simulated by ``simulator``."""
    return RENDERERS.get(name)[0](cfg, simulator)
