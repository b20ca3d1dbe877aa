"""Mesh files that the ``pybullet_data`` package ships: locating them and reading their vertices.

Mesh parts name their file relative to ``pybullet_data.getDataPath()`` (that is what the pybullet
simulator loads); the scene generator needs the vertices only to compute each part's true bounds.
``pybullet_data`` is a plain data package (importing it does not import pybullet).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from simgen.geometry import quat_to_matrix
from simgen.resources import mesh_data_dir, obj_mesh


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
