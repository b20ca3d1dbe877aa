"""The worker side of :class:`simgen.renderers.process.ProcessRenderer`: a simulator that only renders.

Run as ``python -m simgen.renderers.process_worker``. It holds its own client of the parent's
simulator (same plugin, same config), loads each SceneSpec as the parent's does, and captures frames
into slots of a frame buffer the parent maps too; the parent decodes them.

Protocol on stdin/stdout: pickles, one per request and one per reply (both sides run the same
simgen). Requests: ``start`` (simulator name and config), ``load`` (spec, intrinsics), ``buffer``
(path and slot count of the frame buffer file), ``render`` (slot, camera pose, and the object states
when they changed since the last frame), ``close``. Replies: ``{"ok": True, ...}`` with the worker's
CPU seconds so far, or ``{"ok": False, "error": traceback}``. Anything the simulator prints goes to
stderr (fd 1 is moved there before the simulator is imported).
"""
from __future__ import annotations

import mmap
import os
import pickle
import sys
import time
import traceback

import numpy as np


def frame_slots(buffer, layout, n_slots: int) -> list[list[np.ndarray]]:
    """Views of ``buffer`` as ``n_slots`` slots, each a list of arrays of ``layout`` ((shape, dtype) per
    capture array), packed one after the other (the parent and the worker both call this)."""
    slots, offset = [], 0
    for _ in range(n_slots):
        views = []
        for shape, dtype in layout:
            count = int(np.prod(shape))
            views.append(np.frombuffer(buffer, dtype=dtype, count=count, offset=offset).reshape(shape))
            offset += count * np.dtype(dtype).itemsize
        slots.append(views)
    return slots


def slot_bytes(layout) -> int:
    """Bytes of one slot of ``layout``."""
    return sum(int(np.prod(shape)) * np.dtype(dtype).itemsize for shape, dtype in layout)


class Worker:
    """The worker's state: its simulator, the loaded scene's intrinsics and shown states, the buffer."""

    def __init__(self):
        self.sim, self.intrinsics, self.shown, self.slots, self._map = None, None, None, None, None

    def handle(self, msg: dict) -> dict:
        """The reply to one request (``close`` is handled by :func:`serve`)."""
        cmd = msg["cmd"]
        if cmd == "start":
            from simgen.registry import SIMULATORS

            self.sim = SIMULATORS.get(msg["simulator"])[0](msg["config"])
            return {"renderer": self.sim.renderer}
        if cmd == "load":
            self.shown = {s.object_id: s.pose for s in self.sim.load(msg["spec"])}
            self.intrinsics = msg["intrinsics"]
            decoder = self.sim.decoder()
            return {"decoder": decoder, "layout": decoder.layout(self.intrinsics)}
        if cmd == "buffer":
            with open(msg["path"], "r+b") as f:
                self._map = mmap.mmap(f.fileno(), 0)
            self.slots = frame_slots(self._map, msg["layout"], msg["slots"])
            return {}
        if cmd == "render":
            if msg["states"] is not None:
                self.show(msg["states"])
            for view, array in zip(self.slots[msg["slot"]], self.sim.capture(msg["T_world_cam"], self.intrinsics)):
                np.copyto(view, array, casting="no")
            return {"slot": msg["slot"]}
        raise ValueError(f"unknown command {cmd!r}")

    def show(self, states) -> None:
        """Move the objects whose pose differs from the one shown (a static take moves none: the worker's
        load settles the scene to the parent's states, bit for bit, so its frames are the parent's)."""
        for state in states:
            if self.shown.get(state.object_id) != state.pose:
                self.sim.set_pose(state.object_id, state.pose)
                self.shown[state.object_id] = state.pose


def serve(stdin, stdout) -> None:
    """Answer requests until ``close`` or end of input."""
    worker = Worker()
    while True:
        try:
            msg = pickle.load(stdin)
        except EOFError:
            return
        try:
            reply = {"ok": True, **({} if msg["cmd"] == "close" else worker.handle(msg))}
        except Exception:  # noqa: BLE001 - report every failure to the parent, keep serving
            reply = {"ok": False, "error": traceback.format_exc()}
        reply["cpu_s"] = time.process_time()
        pickle.dump(reply, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()
        if msg["cmd"] == "close":
            if worker.sim is not None:
                worker.sim.close()
            return


def main() -> None:
    """Keep the protocol's stdout for replies; send everything printed (pybullet's banner) to stderr."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, out)


if __name__ == "__main__":
    main()
