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
def mesh_vertices(relative_path: str) -> np.ndarray:
    """The (N, 3) vertex positions of a Wavefront OBJ file under ``pybullet_data`` (read once, cached)."""
    path = mesh_data_dir() / relative_path
    if not path.is_file():
        raise FileNotFoundError(f"mesh {relative_path!r}: no such file under {mesh_data_dir()}")
    with open(path) as f:
        rows = [line.split()[1:4] for line in f if line.startswith("v ")]
    if not rows:
        raise ValueError(f"mesh {path}: no 'v x y z' vertex lines")
    verts = np.array(rows, dtype=float)
    verts.setflags(write=False)  # shared through the cache: nobody may modify it
    return verts


@lru_cache(maxsize=None)
def mesh_bounds(relative_path: str, quat_wxyz: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) of the file's vertices at unit scale after rotating them by ``quat_wxyz`` (cached)."""
    verts = mesh_vertices(relative_path) @ quat_to_matrix(quat_wxyz).T
    lo, hi = verts.min(0), verts.max(0)
    lo.setflags(write=False)
    hi.setflags(write=False)
    return lo, hi
