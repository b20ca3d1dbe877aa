"""Film a planned camera path (a *take*) and judge it on what it rendered; film again when it falls short.

The planners choose their paths on a box estimate of what each pose shows; near a threshold the
estimate can be off by a few pixels, so a take may still show a frame with no object in it, or
leave an object unclear. The rendered masks are the truth: :func:`film_best` judges each take on
them (:func:`coverage_report`, :func:`shortfall`) and, while a static take falls short of the
``render.take_min_*`` targets, asks the planner for another path from the trajectory stage's next
seeded stream (``trajectory/1``, ``trajectory/2``, … up to ``render.retakes``) and films that,
keeping the best take. A take that meets the targets is final, so most episodes are filmed once.
A dynamic episode is filmed once: its motions were scheduled, and pushes tried in the physics,
along the first take's path. So is a house tour (a planner that sizes its episode by the scene):
a whole house filmed again for one weak room would cost minutes; its rooms are checked as planned.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from simgen.episodes.dynamics import Playback
from simgen.episodes.mask_visibility import FloorCoverage, FrameVisibility
from simgen.episodes.writer import ArraysWriter, VideoWriter, depth_to_mm
from simgen.geometry import obb_footprint, quat_to_matrix
from simgen.renderers.base import render_stream
from simgen.renderers.camera_effects import CameraPipeline
from simgen.trajectories.base import PlanRequest, plan_episode, sizes_by_scene
from simgen.types import CameraIntrinsics, Frame, SceneSpec
from simgen.visibility_model import VisibilityModel


def floor_coverage(spec: SceneSpec) -> FloorCoverage:
    """Floor-coverage tracker over the free floor: the room footprint less the footprints of the
    objects standing on the floor (``support`` None; no viewer sees the floor under a bed)."""
    covered = [obb_footprint(o.pose.position, o.half_extents, quat_to_matrix(o.pose.quat_wxyz))
               for o in spec.objects if o.support is None]
    return FloorCoverage(spec.room.footprint, covered=covered)


def coverage_report(frames: list[Frame], spec: SceneSpec, intrinsics: CameraIntrinsics, model: VisibilityModel,
                    floor_seen: float) -> dict:
    """What the video shows, judged by the visibility model on the rendered masks: per object the
    frames it is seen / seen clearly in, the share of objects seen clearly in ≥ ``clear_frames``
    frames, frames showing no object, and the share of the free floor shown (``floor_coverage``)."""
    w, h = intrinsics.width, intrinsics.height
    ids = [obj.object_id for obj in spec.objects]
    pixels = np.array([[v.visible_pixels for v in frame.visibility] for frame in frames], dtype=float).reshape(len(frames), len(ids))
    seen, clear = model.seen(pixels, w, h), model.clear(pixels, w, h)
    clear_objects = int((clear.sum(axis=0) >= model.clear_frames).sum())
    empty = int((~seen.any(axis=1)).sum()) if ids else len(frames)
    return {
        "seen_px": round(model.pixels("seen", w, h), 1),
        "clear_px": round(model.pixels("clear", w, h), 1),
        "clear_frames": model.clear_frames,
        "objects_total": len(ids),
        "objects_seen": int(seen.any(axis=0).sum()),
        "objects_clear": clear_objects,
        "objects_clear_fraction": clear_objects / len(ids) if ids else 1.0,
        "empty_frames": empty,
        "empty_frame_fraction": empty / len(frames) if frames else 0.0,
        "floor_seen_fraction": round(floor_seen, 4),
        "seen_frames_per_object": {str(i): int(c) for i, c in zip(ids, seen.sum(axis=0))},
        "clear_frames_per_object": {str(i): int(c) for i, c in zip(ids, clear.sum(axis=0))},
    }


@dataclass
class Take:
    """One filmed path: frames, the video file, the depth (mm) and instance arrays' file (None when
    not saved), the camera effects' drawn values, the actions behind the poses (ego) and the rendered
    coverage."""

    frames: list
    video: Path
    arrays: Path | None
    camera_values: dict
    actions: tuple
    coverage: dict


def shortfall(coverage: dict, render) -> tuple[int, int, float]:
    """How far a take's rendered coverage falls short of the ``render`` targets, as a sortable key,
    (0, 0, 0.0) when it meets them all: frames showing no object, objects missing to reach
    ``take_min_objects_clear`` of them seen clearly in ≥ ``clear_frames`` frames, and the floor
    share missing to reach ``take_min_floor_seen``."""
    missing = render.take_min_objects_clear * coverage["objects_total"] - coverage["objects_clear"]
    return (int(coverage["empty_frames"]), max(0, int(np.ceil(missing - 1e-9))),
            round(max(0.0, render.take_min_floor_seen - coverage["floor_seen_fraction"]), 4))


def film(sim, renderer, spec: SceneSpec, states, plugins, poses, actions, events, video: Path,
         camera: CameraPipeline, frame_bar=None) -> Take:
    """Render ``poses`` into ``video`` from the scene's ``states`` (playing ``events`` in ``sim``
    between frames), with visibility and floor coverage per frame, and depth and instance arrays
    beside the video (same name, ``.npz``) when ``render.save_arrays``."""
    render, intrinsics = plugins.render, plugins.intrinsics
    floor, playback = floor_coverage(spec), Playback(events)
    visibility = FrameVisibility(spec, intrinsics, near=renderer.near)
    writer = VideoWriter(video, intrinsics.width, intrinsics.height, render.fps, render.video_crf)
    arrays_path = video.with_suffix(".npz") if render.save_arrays else None
    arrays = None if arrays_path is None else ArraysWriter(arrays_path, len(poses))
    frames = []

    def requests():  # a dynamic take's motions happen between frames
        for index, T_world_cam in enumerate(poses):
            yield (playback.advance(sim, index, 1.0 / render.fps) if events else states), T_world_cam

    stream = render_stream(renderer, requests())
    try:
        for index, (shown, T_world_cam, obs) in enumerate(stream):
            writer.write(camera(obs.rgb, obs.depth, T_world_cam))
            vis = visibility(obs, shown, T_world_cam)
            floor.add(obs.depth, obs.instance, intrinsics, T_world_cam)
            frames.append(Frame(index, index / render.fps, tuple(map(tuple, T_world_cam)), shown, vis))
            if arrays is not None:
                arrays.add(depth_to_mm(obs.depth), obs.instance)
            if frame_bar is not None:
                frame_bar.update(1)
        writer.end_input()  # ffmpeg encodes its last frames while the arrays are finished
        if arrays is not None:
            arrays.finish()
    finally:
        stream.close()  # a take that failed leaves no frame in flight behind
        writer.close()
        if arrays is not None:
            arrays.close()
    return Take(frames, video, arrays_path, camera.values, tuple(actions),
                coverage_report(frames, spec, intrinsics, plugins.visibility, floor.fraction))


def film_best(sim, renderer, request: PlanRequest, plugins, first: tuple, events, video: Path,
              stream: Callable[[str], np.random.Generator], frame_bar=None) -> Take:
    """Film the ``first`` planned (poses, actions) into ``video``; while the take falls short of the
    targets and retakes are left (none for a dynamic episode or a house tour), film the planner's path from the
    next trajectory stream, and keep the take that falls shortest. The kept take's video is ``video``,
    its arrays (if saved) ``video`` with the suffix ``.npz``."""
    render, spec = plugins.render, request.scene
    camera = lambda: CameraPipeline(plugins.camera_effects, plugins.intrinsics, stream("camera"))  # same look each take
    best = film(sim, renderer, spec, request.states, plugins, *first, events, video, camera(), frame_bar)
    tried = [np.asarray(first[0])]
    for k in range(1, 0 if events or sizes_by_scene(plugins.planner) else render.retakes + 1):
        if shortfall(best.coverage, render) == (0, 0, 0.0):
            break
        poses, actions = plan_episode(plugins.planner, request, stream(f"trajectory/{k}"))
        if any(np.array_equal(poses, p) for p in tried):  # filmed already (or a planner that ignores its stream)
            continue
        tried.append(np.asarray(poses))
        if frame_bar is not None:
            frame_bar.total += len(poses)
            frame_bar.refresh()
        retake = film(sim, renderer, spec, request.states, plugins, poses, actions, (), video.with_name(f"take{k}.mp4"),
                      camera(), frame_bar)
        kept = shortfall(retake.coverage, render) < shortfall(best.coverage, render)
        for name in ("video", "arrays"):
            path = getattr(retake, name)
            if path is not None and kept:
                os.replace(path, getattr(best, name))
                setattr(retake, name, getattr(best, name))
            elif path is not None:
                path.unlink()
        if kept:
            best = retake
    return best
