"""pybullet's EGL renderer plugin: a crash-proof probe and the process's single EGL lease.

Facts measured on pybullet 3.2.6 that shape this module:

* Loading ``eglRenderer`` can take the process down where the GL stack is broken, so the first
  check runs in a child process (``python -m simgen.simulators.pybullet_egl``); only when the
  child renders a test image does this process load the plugin itself.
* The plugin keeps process-wide state: ``resetSimulation`` in one EGL client empties what another
  EGL client renders, and disconnecting one EGL client while another renders segfaults. TinyRenderer
  clients are unaffected. So at most ONE simulator per process holds EGL (:data:`LEASE`); others
  render with TinyRenderer (``auto``) or fail with a clear error (``egl``).

On a machine without a GPU, EGL may still work through Mesa's software rasteriser (llvmpipe),
which measured ~2× slower than TinyRenderer at 320×240 here (and dropped part of a 40 m wall);
``renderer: auto`` therefore only takes EGL when the probe reports a hardware renderer (an
unrecognised or missing GL_RENDERER line counts as software).
"""
from __future__ import annotations

import ctypes.util
import importlib.util
import logging
import os
import subprocess
import sys
from dataclasses import dataclass

log = logging.getLogger("simgen.simulators.pybullet")

SOFTWARE_GL = ("llvmpipe", "softpipe", "swrast", "software")
PROBE_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class EglProbe:
    """Outcome of the child-process probe: ``ok``, the GL renderer string, and why not if not ok."""

    ok: bool
    gl_renderer: str = ""
    reason: str = ""

    @property
    def hardware(self) -> bool:
        """True when EGL works and the GL renderer is not a known software rasteriser."""
        name = self.gl_renderer.lower()
        return self.ok and bool(name) and not any(s in name for s in SOFTWARE_GL)


_probe_cache: list[EglProbe] = []  # at most one entry: the probe runs once per process


def plugin_path() -> str | None:
    """File of pybullet's ``eglRenderer`` plugin, or None where this pybullet build has none."""
    spec = importlib.util.find_spec("eglRenderer")
    return spec.origin if spec is not None else None


def probe() -> EglProbe:
    """Check, in a child process, that the EGL plugin loads and renders (cached per process)."""
    if _probe_cache:
        return _probe_cache[0]
    result = _run_probe()
    log.info("EGL probe: %s", result)
    _probe_cache.append(result)
    return result


def _run_probe() -> EglProbe:
    if ctypes.util.find_library("EGL") is None:
        return EglProbe(False, reason="libEGL not found")
    if plugin_path() is None:
        return EglProbe(False, reason="this pybullet has no eglRenderer plugin")
    # The child must import simgen even from an uninstalled checkout: put the package root first.
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "simgen.simulators.pybullet_egl"],
            capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, env=env, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return EglProbe(False, reason=f"probe timed out after {PROBE_TIMEOUT_S:.0f} s")
    # The plugin prints "GL_RENDERER=<name>" on stdout when it creates its context.
    gl = next((ln.split("=", 1)[1].strip() for ln in done.stdout.splitlines() if ln.startswith("GL_RENDERER=")), "")
    if done.returncode != 0 or "EGL_PROBE_OK" not in done.stdout:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return EglProbe(False, gl, f"probe exited {done.returncode}: {tail}")
    return EglProbe(True, gl)


def load_into(client: int) -> bool:
    """Load the plugin into ``client`` and check a tiny render sees a box; True when it works."""
    import pybullet as p

    path = plugin_path()
    if path is None or p.loadPlugin(path, "_eglRendererPlugin", physicsClientId=client) < 0:
        return False
    shape = p.createVisualShape(p.GEOM_BOX, halfExtents=[0.5, 0.5, 0.5], physicsClientId=client)
    body = p.createMultiBody(0, -1, shape, physicsClientId=client)
    view = p.computeViewMatrix([0, -3, 0], [0, 0, 0], [0, 0, 1])
    proj = p.computeProjectionMatrixFOV(60, 1.0, 0.1, 10.0)
    _, _, _, _, seg = p.getCameraImage(8, 8, view, proj, renderer=p.ER_BULLET_HARDWARE_OPENGL, physicsClientId=client)
    p.resetSimulation(physicsClientId=client)
    return int(seg[4][4]) == body


class EglLease:
    """The one EGL client this process may have (see module docstring)."""

    def __init__(self):
        self.client: int | None = None

    def acquire(self) -> int | None:
        """A new DIRECT client with a working EGL plugin; None if one is already leased or the plugin fails."""
        import pybullet as p

        if self.client is not None:
            return None
        client = p.connect(p.DIRECT)
        if not load_into(client):
            log.warning("EGL plugin failed in-process on client %d", client)
            p.disconnect(physicsClientId=client)
            return None
        self.client = client
        return client

    def release(self, client: int) -> None:
        """Disconnect the leased ``client`` so another simulator may take EGL."""
        import pybullet as p

        if client != self.client:
            raise ValueError(f"client {client} does not hold the EGL lease (holder: {self.client})")
        p.disconnect(physicsClientId=client)
        self.client = None


LEASE = EglLease()


def _child() -> None:
    """Body of the probe process: load the plugin, render, print the marker (crashes stay here)."""
    import pybullet as p

    client = p.connect(p.DIRECT)
    ok = load_into(client)
    print("EGL_PROBE_OK" if ok else "EGL_PROBE_FAILED", flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    _child()
