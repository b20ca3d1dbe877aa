"""Mesh files that the ``pybullet_data`` package ships: locating them and reading their vertices.

Mesh parts name their file relative to ``pybullet_data.getDataPath()`` (that is what the pybullet
simulator loads); the scene generator needs the vertices only to compute each part's true bounds.
``pybullet_data`` is a plain data package (importing it does not import pybullet).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from simgen.geometry import quat_to_matrix
from simgen.resources import mesh_data_dir


@lru_cache(maxsize=None)
def obj_mesh(relative_path: str) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (N, 3), triangles (M, 3)) of every shape in a ``pybullet_data`` OBJ file (polygons fanned),
    read once and shared read-only: the physics backends' box maths and the Blender payload use the same."""
    path = mesh_data_dir() / relative_path
    if not path.is_file():
        raise FileNotFoundError(f"mesh {relative_path!r}: no such file under {mesh_data_dir()}")
    verts, faces = [], []
    with open(path) as f:
        for line in f:
            if line.startswith("v "):
                verts.append([float(x) for x in line.split()[1:4]])
            elif line.startswith("f "):
                idx = [int(tok.split("/")[0]) for tok in line.split()[1:]]
                idx = [i - 1 if i > 0 else len(verts) + i for i in idx]  # OBJ counts from 1, negatives from the end
                faces += [(idx[0], idx[k], idx[k + 1]) for k in range(1, len(idx) - 1)]
    v, t = np.array(verts, dtype=float), np.array(faces, dtype=np.int64).reshape(-1, 3)
    v.setflags(write=False)
    t.setflags(write=False)
    return v, t


def mesh_vertices(relative_path: str) -> np.ndarray:
    """The (N, 3) vertex positions of a Wavefront OBJ file under ``pybullet_data`` (read once, cached)."""
    verts = obj_mesh(relative_path)[0]
    if not len(verts):
        raise ValueError(f"mesh {mesh_data_dir() / relative_path}: no 'v x y z' vertex lines")
    return verts


@lru_cache(maxsize=None)
def mesh_bounds(relative_path: str, quat_wxyz: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) of the file's vertices at unit scale after rotating them by ``quat_wxyz`` (cached)."""
    verts = mesh_vertices(relative_path) @ quat_to_matrix(quat_wxyz).T
    lo, hi = verts.min(0), verts.max(0)
    lo.setflags(write=False)
    hi.setflags(write=False)
    return lo, hi
