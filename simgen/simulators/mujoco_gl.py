"""Headless OpenGL for MuJoCo: pick EGL or OSMesa with a crash-proof probe, then import ``mujoco``.

MuJoCo reads ``MUJOCO_GL`` once, when ``mujoco`` is first imported (it chooses the GL context class
then), so the choice must be made before that import and cannot change afterwards in the process.
A broken GL stack can take the process down when a context is created, so each candidate backend
is first tried in a child process (``python -m simgen.simulators.mujoco_gl <backend>``) that
creates a context and renders a tiny model; only a backend that passes is set in this process.

``auto`` keeps a ``MUJOCO_GL`` the user exported (their explicit choice), else takes EGL (Debian
``libegl1 libgl1-mesa-dri``; a GPU where there is one, Mesa's llvmpipe otherwise), else OSMesa
(``libosmesa6``).
"""
from __future__ import annotations

import ctypes.util
import importlib.util
import logging
import os
import subprocess
import sys
from dataclasses import dataclass

log = logging.getLogger("simgen.simulators.mujoco")

BACKENDS = ("auto", "egl", "osmesa")
HEADLESS = ("egl", "osmesa")
LIBRARY = {"egl": "EGL", "osmesa": "OSMesa"}  # what ctypes must find for each backend
APT = {"egl": "libegl1 libgl1-mesa-dri", "osmesa": "libosmesa6"}  # Debian packages that provide it
PROBE_TIMEOUT_S = 60.0
INSTALL_HINT = 'pip install -e ".[mujoco]"'


@dataclass(frozen=True)
class GlProbe:
    """Outcome of one child-process probe: ``ok``, the GL renderer string, and why not if not ok."""

    backend: str
    ok: bool
    gl_renderer: str = ""
    reason: str = ""


_probes: dict[str, GlProbe] = {}  # backend -> probe, once per process


def require_mujoco() -> None:
    """Raise ImportError naming the install extra when the ``mujoco`` package is missing."""
    if importlib.util.find_spec("mujoco") is None:
        raise ImportError(f"the mujoco simulator needs the mujoco package: {INSTALL_HINT}")


def unavailable_reason() -> str | None:
    """Why MuJoCo cannot run here at all (package or every GL library missing), else None.

    Deliberately narrow, for tests and benchmarks to skip on: where the package and a GL library
    are installed but rendering still fails, that is a failure to report, not a reason to skip.
    """
    if importlib.util.find_spec("mujoco") is None:
        return f"mujoco is not installed ({INSTALL_HINT})"
    if loaded_backend() is None and not os.environ.get("MUJOCO_GL") and \
            all(ctypes.util.find_library(LIBRARY[b]) is None for b in HEADLESS):
        return f"no headless GL library (Debian: apt-get install {APT['egl']} or {APT['osmesa']})"
    return None


def probe(backend: str) -> GlProbe:
    """Check, in a child process, that MuJoCo renders with ``backend`` (cached per process)."""
    if backend not in _probes:
        _probes[backend] = _run_probe(backend)
        log.info("MuJoCo GL probe: %s", _probes[backend])
    return _probes[backend]


def _run_probe(backend: str) -> GlProbe:
    if ctypes.util.find_library(LIBRARY[backend]) is None:
        return GlProbe(backend, False,
                       reason=f"lib{LIBRARY[backend]} not found (Debian: apt-get install {APT[backend]})")
    # The child must import simgen even from an uninstalled checkout: put the package root first.
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    try:
        done = subprocess.run([sys.executable, "-m", "simgen.simulators.mujoco_gl", backend], capture_output=True,
                              text=True, timeout=PROBE_TIMEOUT_S, env=env, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        return GlProbe(backend, False, reason=f"probe timed out after {PROBE_TIMEOUT_S:.0f} s")
    gl = next((ln.split("=", 1)[1].strip() for ln in done.stdout.splitlines() if ln.startswith("GL_RENDERER=")), "")
    if done.returncode != 0 or "MUJOCO_GL_PROBE_OK" not in done.stdout:
        tail = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or ["no output"])[-1]
        return GlProbe(backend, False, gl, f"probe exited {done.returncode}: {tail}")
    return GlProbe(backend, True, gl)


def loaded_backend() -> str | None:
    """The GL backend of an already imported ``mujoco`` (egl, osmesa, glfw, ...), or None if not imported."""
    module = sys.modules.get("mujoco")
    if module is None:
        return None
    context = getattr(module, "GLContext", None)
    return context.__module__.rsplit(".", 1)[-1] if context is not None else "none"


def choose(requested: str) -> tuple[str, str]:
    """(backend, reason) for ``requested`` (auto | egl | osmesa); RuntimeError when none works.

    Does not import mujoco; :func:`import_mujoco` applies the choice.
    """
    if requested not in BACKENDS:
        raise ValueError(f"MuJoCo GL backend: expected one of {', '.join(BACKENDS)}, got {requested!r}")
    loaded = loaded_backend()
    if loaded is not None:  # too late to choose: the import already fixed it
        if requested != "auto" and loaded != requested:
            raise RuntimeError(f"simulator.gl: {requested!r} requested but mujoco was already imported in this "
                               f"process with {loaded!r}; start a fresh process or use gl=auto")
        if loaded not in HEADLESS and not os.environ.get("DISPLAY"):
            raise RuntimeError(f"mujoco was imported before a headless GL backend was chosen and took {loaded!r}, "
                               "which needs a display; export MUJOCO_GL=egl (or osmesa) before importing it")
        return loaded, "mujoco was already imported"
    env = os.environ.get("MUJOCO_GL", "").strip().lower()
    if env:
        if requested not in ("auto", env):
            raise RuntimeError(f"simulator.gl: {requested!r} requested but the environment sets MUJOCO_GL={env}; "
                               f"unset one of them")
        return env, "MUJOCO_GL set in the environment"
    reasons = []
    for backend in HEADLESS if requested == "auto" else (requested,):
        result = probe(backend)
        if result.ok:
            return backend, f"probe rendered on {result.gl_renderer or 'unknown GL'}"
        reasons.append(f"{backend}: {result.reason}")
    raise RuntimeError("MuJoCo cannot render headless here (" + "; ".join(reasons) + "); install the Debian "
                       f"packages {APT['egl']} (EGL) or {APT['osmesa']} (OSMesa)")


def import_mujoco(requested: str):
    """Choose the GL backend, set ``MUJOCO_GL`` before the first import, and return (mujoco, backend, reason)."""
    require_mujoco()
    backend, reason = choose(requested)
    if loaded_backend() is None:
        os.environ["MUJOCO_GL"] = backend
    import mujoco

    return mujoco, backend, reason


def current_gl_renderer() -> str:
    """GL_RENDERER of the context current in this process (e.g. a GPU's name or "llvmpipe ...")."""
    from OpenGL import GL  # PyOpenGL comes with mujoco, which uses it for its own contexts

    return (GL.glGetString(GL.GL_RENDERER) or b"").decode(errors="replace")


def _child(backend: str) -> None:
    """Body of the probe process: create a context, render a box, print the marker (crashes stay here)."""
    os.environ["MUJOCO_GL"] = backend
    os.environ.pop("PYOPENGL_PLATFORM", None)
    import mujoco
    import numpy as np

    model = mujoco.MjModel.from_xml_string(
        '<mujoco><worldbody><geom type="box" size=".5 .5 .5"/></worldbody></mujoco>')
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)  # geom poses: without it every geom is degenerate
    context = mujoco.GLContext(8, 8)
    context.make_current()
    print("GL_RENDERER=" + current_gl_renderer(), flush=True)
    scene, con = mujoco.MjvScene(model, maxgeom=10), mujoco.MjrContext(model, mujoco.mjtFontScale.mjFONTSCALE_100)
    mujoco.mjr_setBuffer(mujoco.mjtFramebuffer.mjFB_OFFSCREEN, con)
    camera = mujoco.MjvCamera()
    mujoco.mjv_defaultFreeCamera(model, camera)
    mujoco.mjv_updateScene(model, data, mujoco.MjvOption(), None, camera, mujoco.mjtCatBit.mjCAT_ALL, scene)
    scene.flags[mujoco.mjtRndFlag.mjRND_SEGMENT] = scene.flags[mujoco.mjtRndFlag.mjRND_IDCOLOR] = True
    rect = mujoco.MjrRect(0, 0, 8, 8)
    mujoco.mjr_render(rect, scene, con)
    pixels = np.zeros((8, 8, 3), np.uint8)
    mujoco.mjr_readPixels(pixels, None, rect, con)
    ok = int(pixels[4, 4, 0]) == 1  # segment colour = scene geom index + 1: the box fills the centre
    con.free()
    context.free()
    print("MUJOCO_GL_PROBE_OK" if ok else "MUJOCO_GL_PROBE_FAILED", backend, flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    _child(sys.argv[1])
