"""A simulator's own renderer in a worker process: physics here, rendering there (Kubric's split).

The parent keeps the physics client (settling, pushes, motion); the worker
(``simgen.renderers.process_worker``) holds a second client of the same simulator that only
renders. Frames are pipelined: up to ``frames_in_flight`` camera poses are sent ahead, the worker
captures each into a slot of a shared frame buffer (a file in ``/dev/shm``, mapped by both), and the
parent decodes a slot (depth to metres, segmentation to object ids) and runs visibility, floor
coverage and the video encoder on it while the worker captures the next frames. On two or more
cores the frame loop then runs at the speed of the bare render (``benchmarks/render_throughput.py``).

A simulator served this way offers ``capture(T_world_cam, intrinsics)`` (its raw buffers of one
frame) and ``decoder()`` (a picklable callable turning them into an ``Observation``, with a
``layout(intrinsics)`` of the buffers), besides the ``Simulator`` interface: pybullet does.
"""
from __future__ import annotations

import logging
import mmap
import os
import pickle
import sys
import tempfile
from collections import deque
from pathlib import Path

import numpy as np

from simgen.renderers.process_worker import frame_slots, slot_bytes
from simgen.renderers.worker import WorkerProcess
from simgen.simulators.base import Observation
from simgen.types import CameraIntrinsics, ObjectState, SceneSpec

log = logging.getLogger("simgen.renderers.process")

SHM_DIR = Path("/dev/shm")  # memory-backed where it exists; elsewhere the temp folder's page cache serves


class ProcessRenderer:
    """:class:`~simgen.renderers.base.Renderer` drawing ``simulator``'s scenes in a worker process.

    ``render_stream`` pipelines a take's frames; ``render`` draws one. ``worker_cpu_s`` is the CPU
    seconds the worker has spent so far (its render time, which this process's clock does not count).
    """

    standalone = False

    def __init__(self, simulator, frames_in_flight: int = 3):
        self.simulator = simulator
        self.name = simulator.renderer  # the worker's own choice replaces it at start (the same config)
        self.near = simulator.near
        self.frames_in_flight = int(frames_in_flight)
        self.worker_cpu_s = 0.0
        self._worker: WorkerProcess | None = None
        self._decoder, self._layout, self._slots, self._map = None, None, None, None
        self._sent = None  # the states tuple the worker last received
        self._loading = False  # the reply owed is a load's
        self._unread = 0  # replies owed by the worker
        self._stream = 0  # render streams started: the newest owns the replies owed

    def load(self, spec: SceneSpec, intrinsics: CameraIntrinsics) -> None:
        """Send ``spec`` to the worker (started on first use, restarted if it died) for images of
        ``intrinsics``' size. The worker builds it while this process goes on (settles and plans its
        own copy); its reply is read before the first frame."""
        self._drain()
        if self._worker is not None and self._worker.exit_code is not None:  # a crash ends one episode, not the shard
            log.warning("the render worker exited with code %s; starting a new one", self._worker.exit_code)
            self.close()
        if self._worker is None:
            self._start()
        self._send({"cmd": "load", "spec": spec, "intrinsics": intrinsics})
        self._decoder, self._sent, self._loading = None, None, True
        self._stream += 1  # a stream of the last scene dropped later has nothing left to collect

    def _loaded(self) -> None:
        """Read the reply to the last load: the decoder of its frames and, for a new image size, a new buffer."""
        if self._loading:
            self._loading = False
            reply = self._reply()
            self._decoder = reply["decoder"]
            if reply["layout"] != self._layout:
                self._map_buffer(reply["layout"])

    def _drain(self) -> None:
        """Read and drop the replies still owed: a load never filmed (its episode failed first), frames
        of a take whose stream was dropped unclosed."""
        self._loading = False
        while self._unread:
            try:
                self._reply()
            except RuntimeError:  # a request failed (its reply read), or the worker died (none will come)
                if self._worker.exit_code is not None:
                    self.close()

    def render(self, states: tuple[ObjectState, ...], T_world_cam) -> Observation:
        """The objects at ``states`` seen from ``T_world_cam`` (one frame, not pipelined)."""
        stream = self.render_stream([(states, T_world_cam)])
        try:
            return next(stream)[2]
        finally:
            stream.close()

    def render_stream(self, requests):
        """``(states, T_world_cam, Observation)`` for each ``(states, T_world_cam)`` of ``requests``, in
        order, with up to ``frames_in_flight`` frames captured ahead of the one handed out (``requests``
        is read ahead as far: a dynamic take steps its physics that many frames early)."""
        self._loaded()
        self._drain()
        if self._decoder is None:
            raise RuntimeError(f"renderer {self.name}: render before load (or after its worker failed)")
        self._stream += 1
        stream, requests, in_flight = self._stream, iter(requests), deque()
        free = list(range(self.frames_in_flight))
        try:
            while True:
                while free and (request := next(requests, None)) is not None:
                    states, T_world_cam = request
                    slot = free.pop()
                    self._send({"cmd": "render", "slot": slot, "T_world_cam": np.asarray(T_world_cam, dtype=float),
                                "states": None if states is self._sent else states})
                    self._sent = states
                    in_flight.append((slot, states, T_world_cam))
                if not in_flight:
                    return
                slot, states, T_world_cam = in_flight.popleft()
                self._reply()
                obs = self._decoder(self._slots[slot])  # fresh arrays: the slot is free again
                free.append(slot)
                yield states, T_world_cam, obs
        except GeneratorExit:  # the consumer stopped early: collect its frames still in flight
            if stream == self._stream:  # (a later stream or load has collected them already)
                self._drain()
            raise
        except BaseException:
            self.close()  # replies still in flight would answer the next request: start afresh
            raise

    def _start(self) -> None:
        package_root = str(Path(__file__).resolve().parents[2])  # the worker imports this simgen
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])))
        self._worker = WorkerProcess([sys.executable, "-m", "simgen.renderers.process_worker"], "render worker",
                                     _send_pickle, pickle.load, env)
        sim = self.simulator
        self.name = self._call({"cmd": "start", "simulator": sim.name, "config": sim.cfg})["renderer"]

    def _map_buffer(self, layout) -> None:
        """A frame buffer of ``frames_in_flight`` slots of ``layout``, mapped here and in the worker; its
        file is removed once both have mapped it, so nothing is left behind whatever happens later."""
        size = slot_bytes(layout) * self.frames_in_flight
        fd, path = tempfile.mkstemp(prefix="simgen-frames-", dir=SHM_DIR if SHM_DIR.is_dir() else None)
        try:
            os.ftruncate(fd, size)
            self._map = mmap.mmap(fd, size)
            self._call({"cmd": "buffer", "path": path, "slots": self.frames_in_flight, "layout": layout})
        finally:
            os.close(fd)
            os.unlink(path)
        self._slots, self._layout = frame_slots(self._map, layout, self.frames_in_flight), layout

    def _call(self, msg: dict) -> dict:
        self._send(msg)
        return self._reply()

    def _send(self, msg: dict) -> None:
        self._worker.send(msg)
        self._unread += 1

    def _reply(self) -> dict:
        self._unread -= 1  # read or never coming: a dead worker owes nothing (close starts afresh)
        reply = self._worker.reply()
        self.worker_cpu_s = reply["cpu_s"]
        return reply

    def close(self) -> None:
        """Stop the worker and release the frame buffer."""
        if self._worker is not None:
            self._worker.close()
        self._worker, self._loading, self._unread = None, False, 0
        self._decoder, self._layout, self._slots, self._map = None, None, None, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _send_pickle(stream, msg: dict) -> None:
    """One request to the worker (both sides run this simgen: plain pickles)."""
    pickle.dump(msg, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()
