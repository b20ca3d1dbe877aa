"""What simgen finds beside its own code: the config folder, the family programs, the mesh assets.

``conf/`` and ``programs/`` ship inside the wheel as ``simgen/conf`` and ``simgen/programs``
(``pyproject.toml`` maps them); a checkout has them at the repository root. Both lookups try the
installed place first, so a non-editable install never reads a stray checkout.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
