"""What a run will need, checked before any work starts: an absurd resolution, frame count or object
count stops the run with a ConfigError naming the keys, instead of a segfault in the renderer or a
MemoryError half-way through an episode (with files left behind).

The estimate is deliberately coarse and on the safe side; its constants were measured on the
pybullet backend (peak RSS of ``simgen debug=smoke stages=[render]`` at several sizes, and
``tracemalloc`` over ``Episode`` records and their JSON):

* a rendered frame's transient buffers (renderer output, depth/instance conversions, visibility and
  floor coverage) peak near 52 B per pixel; the video encoder's queue holds up to 32 RGB frames;
* with ``render.save_arrays`` every frame keeps depth (mm) and instance ids, 2 + 2 B per pixel,
  until the episode ends, and stacking them for ``arrays.npz`` copies them once more;
* a frame's records take ~0.8 KB per object and writing ``episode.json`` another ~2.3 KB;
* imports, simulator and scene peak near 0.4 GB before the first frame.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

from simgen.registry import ConfigError

MAX_SIDE = 16384  # libx264's largest frame side: a 16386×16 video is refused (empty file), 16384×16 encodes
BYTES_PER_PIXEL = 64 + 32 * 3  # one frame's transient buffers plus the encoder queue's 32 RGB frames
BYTES_PER_STORED_PIXEL = 2 * (2 + 2)  # depth_mm + instance (uint16 each), kept all episode, stacked once more
BYTES_PER_OBJECT_FRAME = 4096  # records (~0.8 KB) and their JSON while episode.json is written (~2.3 KB)
BYTES_PER_FRAME = 4096  # camera pose, planner arrays, per-frame Python objects
BASE_BYTES = 512 << 20  # imports, simulator and scene before the first frame
MEMORY_SHARE = 0.8  # of the memory available now: leave the rest to the system and other jobs


class ResourceError(ConfigError):
    """A run that would not fit in memory (or exceeds a hard limit of the renderer or encoder)."""


def available_memory() -> int | None:
    """Bytes of memory this process can still use: ``MemAvailable``, capped by a cgroup (container)
    limit; None where neither can be read (then only the hard limits are checked)."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError):
        pass
    try:
        limit, usage = (Path("/sys/fs/cgroup", name).read_text().strip() for name in ("memory.max", "memory.current"))
        if limit != "max":
            found.append(int(limit) - int(usage))
    except (OSError, ValueError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, AttributeError):
            return None
    return max(0, min(found))


def episode_bytes(width: int, height: int, n_frames: int, n_objects: int, save_arrays: bool) -> int:
    """Peak bytes one episode of this size needs (see the module docstring for the constants)."""
    pixels = width * height
    stored = BYTES_PER_STORED_PIXEL * pixels * n_frames if save_arrays else 0
    return (BASE_BYTES + BYTES_PER_PIXEL * pixels + stored
            + n_frames * (BYTES_PER_FRAME + BYTES_PER_OBJECT_FRAME * n_objects))


def _gib(n: float) -> str:
    return f"{n / (1 << 30):.1f} GiB"


def check_episode_size(width: int, height: int, fps: float, duration_s: float, n_objects: int, save_arrays: bool,
                       available: int | None = None, n_frames: int | None = None) -> None:
    """Raise ResourceError naming the keys when an episode of this size cannot be rendered here:
    a side above :data:`MAX_SIDE`, a frame count that is not finite, or more memory than
    :data:`MEMORY_SHARE` of ``available`` (default: :func:`available_memory`). ``n_frames``, where the
    planner sizes the episode by its scene (a house tour), stands in for ``fps`` × ``duration_s``."""
    if max(width, height) > MAX_SIDE:
        raise ResourceError(f"camera.width={width}, camera.height={height}: the video encoder (H.264) takes at most "
                            f"{MAX_SIDE} pixels a side")
    length, shorter = f"render.fps={fps} × render.duration_s={duration_s}", "fps or duration"
    if n_frames is None:
        frames = fps * duration_s
        if not math.isfinite(frames):
            raise ResourceError(f"{length}: fps × duration must be finite")
        n_frames = max(1, int(round(frames)))
    else:
        length, shorter = f"render.fps={fps} on the planner's tour", "fps or the tour's seconds (trajectory.*_seconds)"
    need = episode_bytes(width, height, n_frames, n_objects, save_arrays)
    available = available_memory() if available is None else available
    if available is not None and need > MEMORY_SHARE * available:
        hint = "; render.save_arrays=false keeps no per-frame arrays" if save_arrays else ""
        raise ResourceError(
            f"an episode of camera.width={width} × camera.height={height}, {length} ({n_frames} frames)"
            f"{f' with {n_objects} objects' if n_objects else ''} needs about {_gib(need)} of memory, more than "
            f"{MEMORY_SHARE:.0%} of the {_gib(available)} available; lower the resolution, {shorter}{hint}")


def scene_objects(builder) -> int:
    """The most objects a scene builder's scenes hold where it can say without building one (a
    ``from_file`` builder's specs), else 0 (procedural rooms are bounded by their floor's capacity)."""
    return max((len(spec.objects) for spec in getattr(builder, "specs", ())), default=0)
