"""Closest-point distances between oriented boxes, vectorised over all pairs.

A box is (centre (3,), half extents (3,), rotation R (3, 3) whose columns are the box axes).
Distance is 0 when boxes touch or overlap. Boxes with one axis vertical ("upright": any yaw, and
also boxes lying on a side) are prisms, so their distance is exact: the 2D distance between the
convex footprints combined with the gap between the vertical intervals (the prisms are products
of a polygon and an interval, so the squared distances add). Other pairs are tested for overlap
with the 15-axis separating-axis test, then solved by alternating projections until the gap to a
separating-plane lower bound is below ``tol`` (a certificate, not a guess).
"""
from __future__ import annotations

import numpy as np

UPRIGHT_TOL = 1e-9  # |R[2, k]| within this of 1 makes axis k vertical


def pairwise_distances(center, half, R, tol: float = 1e-4) -> np.ndarray:
    """(N, N) symmetric closest-point distances between N oriented boxes."""
    center, half, R = np.asarray(center, float), np.asarray(half, float), np.asarray(R, float)
    n = len(center)
    out = np.zeros((n, n))
    if n < 2:
        return out
    a, b = np.triu_indices(n, 1)
    upright, corners, z_lo, z_hi = _footprints(center, half, R)
    both = upright[a] & upright[b]
    d = np.empty(len(a))
    if both.any():
        i, j = a[both], b[both]
        dxy = polygon_distances(corners[i], corners[j])
        dz = np.maximum(0.0, np.maximum(z_lo[j] - z_hi[i], z_lo[i] - z_hi[j]))
        d[both] = np.hypot(dxy, dz)
    if not both.all():
        i, j = a[~both], b[~both]
        d[~both] = general_distances(center[i], half[i], R[i], center[j], half[j], R[j], tol)
    out[a, b] = d
    out[b, a] = d
    return out


def box_distance(c1, h1, R1, c2, h2, R2) -> float:
    """Closest-point distance between two oriented boxes."""
    return float(pairwise_distances(np.stack([c1, c2]), np.stack([h1, h2]), np.stack([R1, R2]))[0, 1])


def point_box_distances(point, center, half, R) -> np.ndarray:
    """(N,) distance from one point to the closest point of each of N boxes (0 inside)."""
    local = np.einsum("nij,ni->nj", np.asarray(R, float), np.asarray(point, float) - np.asarray(center, float))
    return np.linalg.norm(np.maximum(np.abs(local) - np.asarray(half, float), 0.0), axis=-1)


def _footprints(center, half, R):
    """Per box: upright flag, XY footprint corners (N, 4, 2), vertical interval (lo, hi)."""
    vertical = np.abs(R[:, 2, :])  # |z component| of each box axis
    k = vertical.argmax(axis=1)
    upright = vertical[np.arange(len(k)), k] > 1.0 - UPRIGHT_TOL
    others = np.array([[1, 2], [0, 2], [0, 1]])[k]  # the two horizontal axes
    rows = np.arange(len(k))[:, None]
    axes_xy = R[rows, :2, others]  # (N, 2 axes, 2 xy): mixed indexing puts the axis index first
    h = half[rows, others]  # (N, 2)
    u, v = axes_xy[:, 0] * h[:, :1], axes_xy[:, 1] * h[:, 1:]
    c = center[:, None, :2]
    corners = c + np.stack([-u - v, u - v, u + v, -u + v], axis=1)
    hz = half[np.arange(len(k)), k]
    return upright, corners, center[:, 2] - hz, center[:, 2] + hz


def polygon_distances(P, Q) -> np.ndarray:
    """(M,) distances between pairs of convex polygons P[m], Q[m] given as (M, V, 2) vertex loops."""
    P, Q = np.asarray(P, float), np.asarray(Q, float)
    # Disjoint convex polygons are closest at a vertex of one and an edge of the other.
    d = np.minimum(_vertex_edge(P, Q), _vertex_edge(Q, P))
    return np.where(_polygons_overlap(P, Q), 0.0, d)


def _vertex_edge(P, Q) -> np.ndarray:
    """(M,) smallest distance from a vertex of P[m] to an edge of Q[m]."""
    s = Q[:, None, :, :]
    e = np.roll(Q, -1, axis=1)[:, None, :, :] - s
    p = P[:, :, None, :] - s
    t = np.clip((p * e).sum(-1) / np.maximum((e * e).sum(-1), 1e-18), 0.0, 1.0)
    return np.linalg.norm(p - t[..., None] * e, axis=-1).min(axis=(1, 2))


def _polygons_overlap(P, Q) -> np.ndarray:
    """(M,) separating-axis test over all edge normals of both polygons (touching counts)."""
    edges = np.concatenate([np.roll(P, -1, axis=1) - P, np.roll(Q, -1, axis=1) - Q], axis=1)
    axes = np.stack([-edges[..., 1], edges[..., 0]], axis=-1)  # (M, A, 2)
    pp = np.einsum("mad,mvd->mav", axes, P)
    pq = np.einsum("mad,mvd->mav", axes, Q)
    separated = (pp.max(-1) < pq.min(-1)) | (pq.max(-1) < pp.min(-1))
    return ~separated.any(axis=1)


def general_distances(c1, h1, R1, c2, h2, R2, tol: float = 1e-4, max_iter: int = 2000) -> np.ndarray:
    """(M,) distances between arbitrary box pairs: SAT overlap test, then alternating projections."""
    overlap = _obb_overlap(c1, h1, R1, c2, h2, R2)
    p = _project(c2, c1, h1, R1)  # start at the point of box 1 nearest box 2's centre
    q = _project(p, c2, h2, R2)
    best = np.linalg.norm(p - q, axis=-1)
    for _ in range(max_iter):
        p = _project(q, c1, h1, R1)
        q = _project(p, c2, h2, R2)
        best = np.minimum(best, np.linalg.norm(p - q, axis=-1))
        if np.all(overlap | (best - _lower_bound(p, q, c1, h1, R1, c2, h2, R2) < tol)):
            break
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
