"""The walkthrough's timeline: where the eye is on each frame and where it wants to look, before the
heading search (``walk_headings``) bounds its turns. Each station is passed slowly (``creep_mps``)
looking where the station looks; between stations the walk eases from the creep speed up and back
(a cubic Hermite along the route's arc length), the heading blends from one station's view to the
next drawn towards the direction of travel mid-way (``look_ahead``), the eye bends and reaches between
the stations' heights and reaches. ``cfg`` is the walkthrough's config."""
import numpy as np

from simgen.geometry import wrap_angle
from simgen.trajectories.pathing import dedupe, path_cost, resample, tangent_headings
from simgen.trajectories.viewpoints import Viewpoints


def blend(weights, yaws) -> np.ndarray:
    """Heading of the weighted sum of unit vectors at ``yaws`` (weights and yaws: (K, N))."""
    weights, yaws = np.asarray(weights), np.asarray(yaws)
    return np.arctan2((weights * np.sin(yaws)).sum(axis=0), (weights * np.cos(yaws)).sum(axis=0))


def timeline(cfg, views: Viewpoints, stations: list[int], legs: list, frames: list[int], fps: float,
             pan: float = 0.0):
    """Per-frame eye (N, 3), desired yaw and pitch (N,) for the tour, and which frames pass a
    station (N,) bool: a slow pass at each station, eased walking in between. With ``pan`` (rad)
    a pass pans across its station's view, from ``pan`` towards the station before to ``pan``
    towards the one after: the turns between them are that much shorter."""
    path = dedupe(np.concatenate([views.stands[stations[:1]]] + [leg[1:] for leg in legs]))
    at = np.concatenate([[0.0], np.cumsum([path_cost(leg) for leg in legs])])  # station arc positions
    lengths = np.diff(at)
    arcs, yaws, pitches, heights, reaches, passing = [], [], [], [], [], []
    for i, s in enumerate(stations):
        linger = frames[2 * i]
        room_around = min([0.3 * x for x in lengths[max(i - 1, 0): i + 1]], default=0.0)
        half = min(0.5 * cfg.creep_mps * linger / fps, room_around)
        lo, hi = max(at[i] - half, 0.0), min(at[i] + half, at[-1])
        arcs.append(np.linspace(lo, hi, linger))
        toward = [np.sign(wrap_angle(views.yaws[stations[j]] - views.yaws[s])) if 0 <= j < len(stations) else 0.0
                  for j in (i - 1, i + 1)]
        yaws.append(views.yaws[s] + pan * np.linspace(toward[0], toward[1], linger))
        pitches.append(np.full(linger, views.pitches[s]))
        heights.append(np.full(linger, views.eyes[s, 2]))
        reaches.append(np.repeat(views.reaches[s : s + 1], linger, axis=0))
        passing.append(np.ones(linger, dtype=bool))
        if i + 1 < len(stations):
            t, nxt = frames[2 * i + 1], stations[i + 1]
            start, end = hi, max(hi, at[i + 1] - min(half, 0.3 * lengths[i]))
            u = np.arange(1, t + 1) / (t + 1)
            slope = min(cfg.creep_mps * (t + 1) / fps, 3.0 * (end - start))  # ≤ 3Δ keeps it monotone
            # cubic Hermite from the creep speed back to the creep speed
            arc = (2 * u**3 - 3 * u**2 + 1) * start + (u**3 - 2 * u**2 + u) * slope \
                + (-2 * u**3 + 3 * u**2) * end + (u**3 - u**2) * slope
            ease = u * u * (3.0 - 2.0 * u)
            travel = tangent_headings(path, arc) if len(path) > 1 else np.full(t, views.yaws[s])
            weights = np.array([1.0 - ease, ease, cfg.look_ahead * 4.0 * ease * (1.0 - ease)])
            arcs.append(arc)
            yaws.append(blend(weights, [np.full(t, views.yaws[s]), np.full(t, views.yaws[nxt]), travel]))
            # mid-way the walker looks ahead and down at the floor in front (pitch_deg)
            pitch = weights.T @ [views.pitches[s], views.pitches[nxt], np.radians(cfg.pitch_deg)]
            pitches.append(pitch / weights.sum(axis=0))
            heights.append((1.0 - ease) * views.eyes[s, 2] + ease * views.eyes[nxt, 2])  # bending down or up
            reaches.append(np.outer(1.0 - ease, views.reaches[s]) + np.outer(ease, views.reaches[nxt]))
            passing.append(np.zeros(t, dtype=bool))
    arc = np.concatenate(arcs)
    xy = resample(path, arc) if len(path) > 1 else np.repeat(path, len(arc), axis=0)
    xy = xy + np.concatenate(reaches)  # the handheld camera reaches out for close looks
    eyes = np.column_stack([xy, np.concatenate(heights)])
    return eyes, np.concatenate(yaws), np.concatenate(pitches), np.concatenate(passing)
