"""What simgen finds beside its own code: the config folder, the family programs, the mesh assets
(their folder, and the vertices and triangles of an OBJ file in it).

``conf/`` and ``programs/`` ship inside the wheel as ``simgen/conf`` and ``simgen/programs``
(``pyproject.toml`` maps them); a checkout has them at the repository root. Both lookups try the
installed place first, so a non-editable install never reads a stray checkout.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

_PACKAGE = Path(__file__).resolve().parent


def conf_folder() -> Path:
    """The config folder: ``simgen/conf`` in an installed wheel, ``<repo>/conf`` in a checkout."""
    for candidate in (_PACKAGE / "conf", _PACKAGE.parent / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"simgen: no conf/config.yaml beside {_PACKAGE}; is the package installed correctly?")


def programs_dir() -> Path:
    """``programs/`` of a checkout, or ``simgen/programs`` in an installed wheel."""
    for candidate in (_PACKAGE / "programs", _PACKAGE.parent / "programs"):
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    raise FileNotFoundError(f"simgen: no programs/*.yaml beside {_PACKAGE}")


def compiled_dir() -> Path:
    """``programs/compiled``: the LLM-compiled families, beside the hand-written ones."""
    return programs_dir() / "compiled"


@lru_cache(maxsize=1)
def mesh_data_dir() -> Path:
    """The mesh assets: the folder of the installed ``pybullet_data`` package (clear error when it is missing)."""
    try:
        import pybullet_data
    except ImportError:  # pragma: no cover - pybullet is a core dependency
        raise ImportError("mesh assets need the pybullet_data package: pip install pybullet") from None
    return Path(pybullet_data.getDataPath())


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
