"""The box-distance solver drops pairs that can no longer change (``boxes.general_distances``):
its distances equal iterating every pair to the end bit for bit, so ``nearest_object`` answers a
house with tilted boxes as before."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from qa_house_fixtures import house

from simgen.geometry import quat_to_matrix
from simgen.qa import boxes
from simgen.qa.executor import execute
from simgen.qa.families import load_families
from simgen.qa.scene_view import SceneView
from simgen.types import Pose
from simgen.visibility_model import VisibilityModel


def every_pair_to_the_end(c1, h1, R1, c2, h2, R2, tol=1e-4, max_iter=2000):
    """The solver as it was: every pair iterated until all pass the gap test (or max_iter)."""
    overlap = boxes._obb_overlap(c1, h1, R1, c2, h2, R2)
    p = boxes._project(c2, c1, h1, R1)
    q = boxes._project(p, c2, h2, R2)
    best = np.linalg.norm(p - q, axis=-1)
    for _ in range(max_iter):
        p = boxes._project(q, c1, h1, R1)
        q = boxes._project(p, c2, h2, R2)
        best = np.minimum(best, np.linalg.norm(p - q, axis=-1))
        if np.all(overlap | (best - boxes._lower_bound(p, q, c1, h1, R1, c2, h2, R2) < tol)):
            break
    return np.where(overlap, 0.0, best)


def reference_matrix(center, half, R):
    """All pairs by the reference solver (no pair is upright-exact here: all go through it)."""
    n = len(center)
    a, b = np.triu_indices(n, 1)
    out = np.zeros((n, n))
    out[a, b] = out[b, a] = every_pair_to_the_end(center[a], half[a], R[a], center[b], half[b], R[b])
    return out


def tilt(deg_x: float, deg_y: float) -> np.ndarray:
    """A wxyz quaternion turning deg_x about x, then deg_y about y."""
    ax, ay = np.radians(deg_x) / 2, np.radians(deg_y) / 2
    qx = np.array([np.cos(ax), np.sin(ax), 0.0, 0.0])
    qy = np.array([np.cos(ay), 0.0, np.sin(ay), 0.0])
    w1, x1, y1, z1 = qy
    w2, x2, y2, z2 = qx
    return np.array([w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2, w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
                     w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2, w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2])


def test_pruned_solver_equals_every_pair_to_the_end_bit_for_bit():
    gen = np.random.default_rng(3)
    n = 40  # tilted boxes, some overlapping, some nearly parallel (the slow pairs), some far apart
    center = gen.uniform(0.0, 3.0, (n, 3))
    half = gen.uniform(0.05, 0.6, (n, 3))
    R = np.array([quat_to_matrix(tilt(*gen.choice([0.0, 1e-3, 5.0, 30.0], 2))) for _ in range(n)])
    a, b = np.triu_indices(n, 1)
    args = (center[a], half[a], R[a], center[b], half[b], R[b])
    new, old = boxes.general_distances(*args), every_pair_to_the_end(*args)
    assert np.array_equal(new, old)
    assert (new == 0).any() and (new > 0).sum() > 500  # overlapping pairs and many separated ones were solved


def tilted_house():
    """The hand-built house with its sofa, plant, books and nightstand tilted (settled things are never
    exactly upright): their pairs go through the iterative solver."""
    episode = house()
    tilts = {"sofa": (2.0, 0.0), "plant": (0.0, 3.0), "book": (10.0, 4.0), "nightstand": (0.5, 0.5)}
    poses = {o.object_id: Pose(o.pose.position, tuple(tilt(*tilts[o.category])))
             for o in episode.scene.objects if o.category in tilts}
    objects = tuple(replace(o, pose=poses.get(o.object_id, o.pose)) for o in episode.scene.objects)
    frames = tuple(replace(f, objects=tuple(replace(s, pose=poses.get(s.object_id, s.pose)) for s in f.objects))
                   for f in episode.frames)
    return replace(episode, scene=replace(episode.scene, objects=objects), frames=frames)


def test_nearest_object_on_a_tilted_house_answers_as_every_pair_to_the_end():
    view = SceneView.from_episode(tilted_house(), VisibilityModel(clear_frames=1))
    reference = reference_matrix(view.center, view.half, view.rotation)
    upright = boxes._footprints(view.center, view.half, view.rotation)[0]
    assert (~upright).sum() == 6
    general = ~(upright[:, None] & upright[None, :])
    assert np.array_equal(view.distance_matrix()[general], reference[general])
    fam = load_families(["nearest_object"])[0]
    unique = [c for c in sorted(set(view.category[view.observed])) if len(view.observed_rows(c)) == 1]
    assert len(unique) >= 8
    for category in unique:
        ref = int(view.observed_rows(category)[0])
        candidates = view.observed[view.observed != ref]
        distances = np.where(general[ref, candidates], reference[ref, candidates],
                             view.distance_matrix()[ref, candidates])
        expected = candidates[np.argmin(distances)]
        assert execute(fam.parsed, view, {"ref": category}).value == view.names[expected], category
