"""Closest-point distances between oriented boxes, vectorised over all pairs.

A box is (centre (3,), half extents (3,), rotation R (3, 3) whose columns are the box axes).
Distance is 0 when boxes touch or overlap. Boxes with one axis vertical ("upright": any yaw, and
also boxes lying on a side) are prisms, so their distance is exact: the 2D distance between the
convex footprints combined with the gap between the vertical intervals (the prisms are products
of a polygon and an interval, so the squared distances add). Other pairs are tested for overlap
with the 15-axis separating-axis test, then solved by alternating projections until the gap to a
separating-plane lower bound is below ``tol`` (a certificate, not a guess).

Also how much of its box an object's parts fill (:func:`filled_fractions`): a toilet's bowl and
tank fill far less of their box than a stove's body does of its.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from simgen.geometry import obb_footprint
from simgen.resources import obj_mesh

UPRIGHT_TOL = 1e-9  # |R[2, k]| within this of 1 makes axis k vertical


def pairwise_distances(center, half, R, tol: float = 1e-4) -> np.ndarray:
    """(N, N) symmetric closest-point distances between N oriented boxes."""
    center, half, R = np.asarray(center, float), np.asarray(half, float), np.asarray(R, float)
    n = len(center)
    if n < 2:
        return np.zeros((n, n))
    upright, axes, h2, z_lo, z_hi = _footprints(center, half, R)
    # All pairs as if upright (cheap, exact for upright pairs); other pairs are then solved in 3D.
    dxy = rectangle_distances(center[:, :2], axes, h2)
    dz = np.maximum(0.0, np.maximum(z_lo[None, :] - z_hi[:, None], z_lo[:, None] - z_hi[None, :]))
    out = np.hypot(dxy, dz)
    a, b = np.nonzero(np.triu(~(upright[:, None] & upright[None, :]), 1))
    if len(a):
        d = general_distances(center[a], half[a], R[a], center[b], half[b], R[b], tol)
        out[a, b] = d
        out[b, a] = d
    np.fill_diagonal(out, 0.0)
    return out


def box_distance(c1, h1, R1, c2, h2, R2) -> float:
    """Closest-point distance between two oriented boxes."""
    return float(pairwise_distances(np.stack([c1, c2]), np.stack([h1, h2]), np.stack([R1, R2]))[0, 1])


def point_box_distances(point, center, half, R) -> np.ndarray:
    """(N,) distance from one point to the closest point of each of N boxes (0 inside)."""
    local = np.einsum("nij,ni->nj", np.asarray(R, float), np.asarray(point, float) - np.asarray(center, float))
    return np.linalg.norm(np.maximum(np.abs(local) - np.asarray(half, float), 0.0), axis=-1)


def _footprints(center, half, R):
    """Per box: upright flag, horizontal unit axes (N, 2, 2), their half extents (N, 2), z interval."""
    vertical = np.abs(R[:, 2, :])  # |z component| of each box axis
    k = vertical.argmax(axis=1)
    rows = np.arange(len(k))
    upright = vertical[rows, k] > 1.0 - UPRIGHT_TOL
    others = np.array([[1, 2], [0, 2], [0, 1]])[k]  # the two horizontal axes
    axes = R[rows[:, None], :2, others]  # (N, 2 axes, 2 xy): mixed indexing puts the axis index first
    hz = half[rows, k]
    return upright, axes, half[rows[:, None], others], center[:, 2] - hz, center[:, 2] + hz


def rectangle_distances(center, axes, half) -> np.ndarray:
    """(N, N) distances between rectangles (centre (N, 2), unit axes (N, 2, 2), half sizes (N, 2)).

    Disjoint convex polygons are closest at a vertex of one of them, so the distance is the least
    vertex-to-rectangle distance both ways; rectangles overlap unless one's corners all lie beyond
    a side of the other (separating axis along a rectangle axis), which the same local
    coordinates tell.
    """
    n = len(center)
    signs = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float)
    corners = center[:, None, :] + (signs[None] * half[:, None, :]) @ axes  # (N, 4, 2)
    # local[a, i, v, j]: coordinate a of corner v of rectangle i in the frame of rectangle j
    # (one matrix product; einsum without optimisation is 30× slower here)
    proj = (corners.reshape(-1, 2) @ axes.reshape(-1, 2).T).reshape(n, 4, n, 2)
    origin = np.einsum("jd,jad->ja", center, axes)
    local = (proj - origin[None, None]).transpose(3, 0, 1, 2)
    lim = half.T[:, None, None, :]
    excess = np.maximum(np.abs(local) - lim, 0.0)
    to_j = np.sqrt(excess[0] ** 2 + excess[1] ** 2).min(axis=1)  # (N, N): i's nearest corner to rectangle j
    beyond = (local.min(axis=2) > lim[:, :, 0]) | (local.max(axis=2) < -lim[:, :, 0])  # (2, N, N)
    separated = beyond[0] | beyond[1]
    separated |= separated.T
    return np.where(separated, np.minimum(to_j, to_j.T), 0.0)


def general_distances(c1, h1, R1, c2, h2, R2, tol: float = 1e-4, max_iter: int = 2000) -> np.ndarray:
    """(M,) distances between arbitrary box pairs: SAT overlap test, then alternating projections.

    The projections run until every pair passes the gap test (or ``max_iter``), as before; but a
    pair whose two points stopped moving (bit for bit: its distance and its test can no longer
    change) or whose boxes overlap (its distance is 0) is no longer computed. Each pair's arithmetic
    is its own, so the distances are bit-identical to iterating all pairs to the end, at the cost of
    the pairs still moving (a house: ~100 of 2,200 pairs after the first steps, 1.2 -> 0.1 CPU-s)."""
    overlap = _obb_overlap(c1, h1, R1, c2, h2, R2)
    p = _project(c2, c1, h1, R1)  # start at the point of box 1 nearest box 2's centre
    q = _project(p, c2, h2, R2)
    best = np.linalg.norm(p - q, axis=-1)
    passed = overlap.copy()  # each pair's gap test (an overlapping pair needs none)
    active = np.flatnonzero(~overlap)  # pairs whose points still move
    boxes1, boxes2 = (c1[active], h1[active], R1[active]), (c2[active], h2[active], R2[active])
    pa, qa, best_a = p[active], q[active], best[active]
    for _ in range(max_iter):
        p_new = _project(qa, *boxes1)
        q_new = _project(p_new, *boxes2)
        best_a = np.minimum(best_a, np.linalg.norm(p_new - q_new, axis=-1))
        best[active] = best_a
        passed[active] = best_a - _lower_bound(p_new, q_new, *boxes1, *boxes2) < tol
        if passed.all():
            break
        moving = ~((p_new == pa).all(axis=-1) & (q_new == qa).all(axis=-1))
        pa, qa = p_new, q_new
        if not moving.all():  # drop the pairs that stood still: nothing about them can change
            active, pa, qa, best_a = active[moving], pa[moving], qa[moving], best_a[moving]
            boxes1, boxes2 = tuple(x[moving] for x in boxes1), tuple(x[moving] for x in boxes2)
    return np.where(overlap, 0.0, best)


def _project(x, c, h, R) -> np.ndarray:
    """Closest point of each box to each point x (batched)."""
    local = np.clip(np.einsum("mij,mi->mj", R, x - c), -h, h)
    return c + np.einsum("mij,mj->mi", R, local)


def _lower_bound(p, q, c1, h1, R1, c2, h2, R2) -> np.ndarray:
    """Gap between the boxes along the unit direction q→p: a lower bound on their distance."""
    n = p - q
    n = n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-18)
    r1 = (np.abs(np.einsum("mij,mi->mj", R1, n)) * h1).sum(-1)
    r2 = (np.abs(np.einsum("mij,mi->mj", R2, n)) * h2).sum(-1)
    return ((c1 - c2) * n).sum(-1) - r1 - r2


def _obb_overlap(c1, h1, R1, c2, h2, R2) -> np.ndarray:
    """(M,) 15-axis separating-axis test for oriented boxes (touching counts as overlapping)."""
    cross = np.cross(R1[:, :, :, None], R2[:, :, None, :], axis=1)  # (M, 3, 3, 3): axis i × axis j
    axes = np.concatenate(
        [np.transpose(R1, (0, 2, 1)), np.transpose(R2, (0, 2, 1)), cross.transpose(0, 2, 3, 1).reshape(-1, 9, 3)],
        axis=1,
    )  # (M, 15, 3)
    dist = np.abs(np.einsum("mad,md->ma", axes, c2 - c1))
    r1 = (np.abs(np.einsum("mad,mdk->mak", axes, R1)) * h1[:, None, :]).sum(-1)
    r2 = (np.abs(np.einsum("mad,mdk->mak", axes, R2)) * h2[:, None, :]).sum(-1)
    norms = np.linalg.norm(axes, axis=-1)
    separated = (dist > r1 + r2 + 1e-12) & (norms > 1e-9)
    return ~separated.any(axis=1)



def footprints(center, half, R) -> list[np.ndarray]:
    """The convex footprint (seen from above, XY) of each oriented box: the hull of its corners."""
    return [obb_footprint(c, h, r) for c, h, r in zip(np.asarray(center, float), np.asarray(half, float),
                                                       np.asarray(R, float))]


def part_volume(part) -> float:
    """The volume of one ``simgen.types.Part``: a box, cylinder or sphere, or a scaled pybullet_data mesh
    (the volume its triangles enclose)."""
    size = np.asarray(part.size, dtype=float)
    if part.shape == "box":
        return float(8.0 * np.prod(size))
    if part.shape == "cylinder":
        return float(np.pi * size[0] * size[1] * 2.0 * size[2])
    if part.shape == "sphere":
        return float(4.0 / 3.0 * np.pi * size[0] ** 3)
    if part.shape == "mesh":
        return _mesh_volume(part.mesh) * float(np.prod(size))
    raise ValueError(f"part shape {part.shape!r}: expected box, cylinder, sphere or mesh")


@lru_cache(maxsize=None)
def _mesh_volume(path: str) -> float:
    """The volume a mesh file's triangles enclose at scale 1 (divergence theorem, summed over its
    shells; a mug's open rim leaves it approximate: 23 % of its bounds, a ball's 52 %)."""
    v, t = obj_mesh(path)
    return float(abs(np.einsum("ij,ij->i", v[t[:, 0]], np.cross(v[t[:, 1]], v[t[:, 2]])).sum()) / 6.0)


def filled_fractions(objects) -> np.ndarray:
    """(N,) per ``simgen.types.ObjectSpec``: the share of its oriented box its parts fill (their volumes'
    sum, overlaps counted twice, at most 1). Scale-free: a jittered box keeps it."""
    out = np.ones(len(objects))
    for i, o in enumerate(objects):
        box = 8.0 * float(np.prod(o.half_extents))
        if o.parts and box > 0:
            out[i] = min(1.0, sum(part_volume(p) for p in o.parts) / box)
    return out
