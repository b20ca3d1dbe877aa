"""Blender Cycles renderer: a client in simgen's environment driving a Blender worker process.

Blender as a Python module (``bpy``) pins numpy<2, so it runs in its own environment: by default
``.venv-blender`` at the repository root, or the interpreter named by ``SIMGEN_BLENDER_PYTHON``.
One worker process per renderer keeps the scene loaded; each frame sends only object poses and the
camera. Cycles renders on a GPU (OptiX, then CUDA) when the worker finds one, else on the CPU; the
choice is logged. Depth comes from Cycles' Depth pass (planar camera z, metres) and instance ids
from the object-index pass (each object's ``pass_index`` is its simgen id, the room's 0).

In episodes it is ``renderer=blender`` (``conf/renderer/blender.yaml``; its keys are
:class:`~simgen.renderers.look.Look`'s): the runner keeps one worker per shard and sends each frame
the object states its physics backend computed. ``python -m simgen.episodes.rerender EPISODE_DIR
--preset preview --out DIR`` re-renders a recorded episode.
"""
from __future__ import annotations

import logging
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simgen.registry import RENDERERS, ConfigError
from simgen.renderers.blender_worker import recv, send
from simgen.renderers.look import Look
from simgen.renderers.payload import scene_message
from simgen.renderers.worker import WorkerProcess
from simgen.simulators.base import Observation
from simgen.types import CameraIntrinsics, ObjectState, SceneSpec

log = logging.getLogger("simgen.renderers.blender")

PYTHON_ENV = "SIMGEN_BLENDER_PYTHON"
DEFAULT_VENV = Path(__file__).resolve().parents[2] / ".venv-blender"
INSTALL = (f"python3.11 -m venv .venv-blender && .venv-blender/bin/pip install 'bpy==4.5.*' (in the repository "
           f"root), or set {PYTHON_ENV} to a Python interpreter that can import bpy")
WORKER = Path(__file__).with_name("blender_worker.py")


class BlenderUnavailable(ConfigError):
    """No Python interpreter with Blender's ``bpy`` module was found (a configuration error: exit code 2)."""


def blender_python() -> str:
    """The interpreter that runs the worker (``$SIMGEN_BLENDER_PYTHON`` or ``.venv-blender/bin/python``)."""
    chosen = os.environ.get(PYTHON_ENV)
    path = Path(chosen) if chosen else DEFAULT_VENV / "bin" / "python"
    if not path.is_file():
        where = f"{PYTHON_ENV}={chosen}" if chosen else str(path)
        raise BlenderUnavailable(f"renderer=blender: no Blender Python at {where}. Install it: {INSTALL}")
    return str(path)


def check_bpy(python: str | None = None) -> None:
    """BlenderUnavailable naming the install unless ``python`` (default :func:`blender_python`) finds bpy
    (a module lookup, not an import: milliseconds, so the CLI checks it before any work)."""
    python = python or blender_python()
    probe = subprocess.run([python, "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('bpy') is None)"],
                           capture_output=True)
    if probe.returncode != 0:
        raise BlenderUnavailable(f"renderer=blender: cannot import bpy in {python}. Install it: {INSTALL}")


@dataclass(frozen=True)
class BlenderConfig(Look):
    """Schema of ``conf/renderer/blender.yaml``: the look's knobs, with errors as ConfigError."""

    def validate(self, where: str = "renderer") -> None:
        """Look's checks; the message names ``renderer.<knob>``."""
        try:
            super().validate(where)
        except ConfigError:
            raise
        except ValueError as e:
            raise ConfigError(str(e)) from None


@RENDERERS.register("blender", config=BlenderConfig)
class BlenderRenderer:
    """:class:`~simgen.renderers.base.Renderer` on Blender Cycles; use as a context manager or call ``close``.

    ``simulator`` is unused: Blender builds the SceneSpec itself and poses objects from the states it
    is given, whichever physics backend computed them (``standalone``).
    """

    name = "blender"
    standalone = True
    near = 0.05  # m, the camera's clip start (the visibility test's near limit)
    check_installed = staticmethod(check_bpy)

    def __init__(self, look: Look = Look(), simulator=None, python: str | None = None):
        look.validate()
        self.look = look
        self.python = python
        self.device: str | None = None  # "CPU" or "GPU (OPTIX: ...)", known after the first load
        self.last_cpu_s = 0.0  # CPU seconds the worker spent on the last render (all its threads)
        self._worker: WorkerProcess | None = None

    def _start(self) -> None:
        self._worker = WorkerProcess([self.python or blender_python(), str(WORKER)], "Blender worker", send, recv)
        try:
            self._worker.reply()
        except RuntimeError as e:
            self.close()
            raise BlenderUnavailable(f"renderer=blender: {e}. Install it: {INSTALL}") from None

    def load(self, spec: SceneSpec, intrinsics: CameraIntrinsics) -> None:
        """Build ``spec`` in the worker (started on first use, restarted if it died) for images of ``intrinsics``."""
        if self._worker is not None and self._worker.exit_code is not None:  # a crash ends one episode, not the shard
            log.warning("the Blender worker exited with code %s; starting a new one", self._worker.exit_code)
            self.close()
        if self._worker is None:
            self._start()
        self._worker.send(scene_message(spec, intrinsics, self.look, near=self.near))
        reply = self._worker.reply()
        if reply["device"] != self.device:
            log.info("Blender %s renders with Cycles on %s (preset %s)", reply["version"], reply["device"],
                     self.look.preset)
        self.device = reply["device"]

    def render(self, states: tuple[ObjectState, ...], T_world_cam) -> Observation:
        """RGB, depth and instance ids of the loaded scene with objects at ``states``."""
        if self._worker is None:
            raise RuntimeError("BlenderRenderer.render before load")
        poses = {int(s.object_id): s.pose.matrix() for s in states}
        self._worker.send({"cmd": "render", "poses": poses, "T_world_cam": np.asarray(T_world_cam, dtype=float)})
        reply = self._worker.reply()
        self.last_cpu_s = float(reply["cpu_s"])
        return Observation(rgb=reply["rgb"], depth=reply["depth"], instance=reply["instance"])

    def close(self) -> None:
        """Stop the worker."""
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
