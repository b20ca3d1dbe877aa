"""The Blender side of :class:`simgen.renderers.blender.BlenderRenderer`: a long-lived worker process.

Run as ``<blender python> blender_worker.py`` (Blender as a Python module pins numpy<2, so it lives in
its own environment). It imports only the standard library and numpy at module level (the client
imports the message codec from here) and ``bpy`` inside :func:`serve`; it draws no random numbers:
every look value arrives in the scene message.

Protocol on stdin/stdout: length-prefixed pickles of plain dicts, lists and scalars; numpy arrays
travel as ``("__nd__", dtype, shape, bytes)`` so numpy 1 and numpy 2 read each other's messages.
Requests: ``load`` (scene, camera, quality, look), ``render`` (object poses, camera pose),
``close``. Replies: ``{"ok": True, ...}`` or ``{"ok": False, "error": traceback}``. Anything Blender
prints goes to stderr (fd 1 is moved there before bpy is imported).
"""
from __future__ import annotations

import os
import pickle
import struct
import sys
import tempfile
import time
import traceback

import numpy as np

ND = "__nd__"
NOTHING_HIT = 1e9  # m: Cycles writes 1e10 into the Depth pass where a camera ray hits nothing
# OpenCV camera axes (y down, z forward) → Blender's camera axes (y up, −z forward)
CV_TO_BLENDER_CAM = np.diag([1.0, -1.0, -1.0, 1.0])


def encode(obj):
    """Plain builtins only: arrays become ``(ND, dtype, shape, bytes)``, tuples become lists."""
    if isinstance(obj, np.ndarray):
        a = np.ascontiguousarray(obj)
        return (ND, a.dtype.str, list(a.shape), a.tobytes())
    if isinstance(obj, dict):
        return {k: encode(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [encode(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def decode(obj):
    """Inverse of :func:`encode`."""
    if isinstance(obj, tuple) and len(obj) == 4 and obj[0] == ND:
        return np.frombuffer(obj[3], dtype=np.dtype(obj[1])).reshape(obj[2]).copy()
    if isinstance(obj, dict):
        return {k: decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [decode(v) for v in obj]
    return obj


def send(stream, obj) -> None:
    """Write one message."""
    data = pickle.dumps(encode(obj), protocol=4)
    stream.write(struct.pack("<Q", len(data)))
    stream.write(data)
    stream.flush()


def recv(stream):
    """Read one message (EOFError when the other side has gone)."""
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("pipe closed")
    (n,) = struct.unpack("<Q", head)
    data = stream.read(n)
    if len(data) < n:
        raise EOFError("pipe closed mid-message")
    return decode(pickle.loads(data))


def pick_device(bpy) -> str:
    """GPU (OptiX, then CUDA) when Cycles finds one, else the CPU; returns a description for the log."""
    try:
        prefs = bpy.context.preferences.addons["cycles"].preferences
        for backend in ("OPTIX", "CUDA"):
            try:
                prefs.compute_device_type = backend
            except TypeError:  # backend not compiled into this build
                continue
            prefs.get_devices()
            gpus = [d for d in prefs.devices if d.type == backend]
            if gpus:
                for d in prefs.devices:
                    d.use = d.type == backend
                bpy.context.scene.cycles.device = "GPU"
                return f"GPU ({backend}: {', '.join(d.name for d in gpus)})"
    except Exception as e:  # noqa: BLE001 - any failure to probe a GPU means: render on the CPU
        print(f"simgen blender worker: GPU probe failed ({e}); using the CPU", file=sys.stderr)
    bpy.context.scene.cycles.device = "CPU"
    return "CPU"


def serve(stdin, stdout) -> None:
    """Answer requests until ``close`` or end of input."""
    import bpy  # noqa: F401 - imported here: the client must be able to import the codec without bpy

    from blender_scene import build_scene, render_frame  # the sibling module, on sys.path via this script's folder

    device = None
    state = None
    while True:
        try:
            msg = recv(stdin)
        except EOFError:
            return
        cmd = msg.get("cmd")
        try:
            if cmd == "close":
                send(stdout, {"ok": True})
                return
            if cmd == "load":
                t0 = time.process_time()
                state = build_scene(bpy, msg, state["workdir"] if state else tempfile.mkdtemp(prefix="simgen-blender-"))
                if device != "CPU":  # (re)probe: loading resets Blender's preferences, GPU choice included
                    device = pick_device(bpy)
                send(stdout, {"ok": True, "device": device, "version": bpy.app.version_string,
                              "cpu_s": time.process_time() - t0})
            elif cmd == "render":
                if state is None:
                    raise RuntimeError("render before load")
                t0 = time.process_time()
                out = render_frame(bpy, state, msg)
                out.update(ok=True, cpu_s=time.process_time() - t0)
                send(stdout, out)
            else:
                raise ValueError(f"unknown command {cmd!r}")
        except Exception:  # noqa: BLE001 - report every failure to the client, keep serving
            send(stdout, {"ok": False, "error": traceback.format_exc()})


def main() -> None:
    """Keep the protocol's stdout for messages; send everything printed (Blender's log) to stderr."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        import bpy  # noqa: F401
    except ImportError as e:
        send(out, {"ok": False, "error": f"cannot import bpy in {sys.executable}: {e}", "missing_bpy": True})
        return
    send(out, {"ok": True, "ready": True})
    serve(sys.stdin.buffer, out)


if __name__ == "__main__":
    main()
