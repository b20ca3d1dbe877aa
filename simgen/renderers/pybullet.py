"""``renderer=pybullet``: pybullet draws its own physics client's scenes (TinyRenderer or EGL, chosen by
``simulator.renderer``), by default in a worker process that renders while this one analyses
(``simgen.renderers.process``); ``renderer.process=false`` renders in this process instead."""
from __future__ import annotations

from dataclasses import dataclass

from simgen.registry import RENDERERS, setting
from simgen.renderers.base import SimulatorRenderer
from simgen.renderers.process import ProcessRenderer


@dataclass(frozen=True)
class PybulletRendererConfig:
    """Schema of ``conf/renderer/pybullet.yaml``."""

    # render in a worker process (a second pybullet client that only renders), pipelined with this
    # process's visibility, coverage and encoding: ~+10 % episodes/s on 2 cores. False: in this process,
    # for one core, or a sweep that already runs a job on every core (the same CPU seconds either way).
    process: bool = True
    frames_in_flight: int = setting(3, ge=1, le=16)  # frames the worker captures ahead of the one analysed


def pybullet_renderer(cfg: PybulletRendererConfig | None = None, simulator=None):
    """The renderer of ``simulator`` (a pybullet simulator) that ``cfg`` asks for."""
    cfg = cfg or PybulletRendererConfig()
    if simulator is None:
        raise ValueError("renderer=pybullet needs the simulator whose scenes it draws")
    if cfg.process:
        return ProcessRenderer(simulator, cfg.frames_in_flight)
    return SimulatorRenderer(simulator=simulator)


pybullet_renderer.standalone = False
RENDERERS.register("pybullet", config=PybulletRendererConfig)(pybullet_renderer)
