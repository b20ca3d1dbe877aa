"""How big the things a scene's questions are about are: the scene's scale and its subjects.

The verifier's length thresholds are set for rooms: SIMS-V's 0.15 m between a distance and its
rival, 0.5 m between referents told apart by eye, 10 m at most between two referents, the 2 cm
position jitter of the stability check. A tabletop scene (``scene=tabletop``: one table in a room,
small things on it, filmed from half a metre) asks about things 6–35 cm across standing 5 cm or
more apart, where those numbers would forbid every question about them.

- **Scale.** ``scene_scale`` is 1 for a room or a house and ``TABLETOP_SCALE`` for a tabletop. It
  multiplies every threshold that measures the scene's objects (``SCALED_CHECKS``: metres by the
  scale, m² by its square, m³ by its cube; a numeric answer's ``min_value`` / ``max_value`` by the
  power of its unit) in ``VerifyConfig.threshold``, and the stability check's position jitter.
  Thresholds of the camera's own motion (``min_motion_m``, ``still_max_m``) stay as they are: the
  camera is a person with a phone at any scale.
- **Subjects.** On a tabletop the questions are about the things on the table: the object sets
  (``SceneView.observed``, what slots draw from and programs rank) hold the objects resting on
  another object (``ObjectSpec.support``); the table and the furniture by the walls are backdrop.
- **Scope** (``families_house.fits_scene``). Families that read the room as a whole (room size,
  route planning) do not fit a tabletop, nor those that rank every object the video shows
  (``ranks_everything``: the nearest object; the table touches each thing on it, so a question
  about the things alone would mislead).
"""
from __future__ import annotations

import numpy as np

TABLETOP_SCALE = 0.2  # things on a table are about a fifth of a room's furniture in size and spacing: 0.15 m -> 3 cm
# threshold keys that measure the scene's objects, with the power of the length they carry
SCALED_CHECKS = {"margin_m": 1, "margin_m2": 2, "margin_m3": 3, "min_pair_m": 1, "max_pair_m": 1}
UNIT_POWER = {"m": 1, "cm": 1, "m2": 2}  # a numeric answer's min_value / max_value in these units scale


def is_tabletop(scene) -> bool:
    """Whether a SceneSpec is a tabletop scene (built by the ``tabletop`` scene builder)."""
    source = (scene.complexity or {}).get("source") or {}
    return isinstance(source, dict) and source.get("builder") == "tabletop"


def scene_scale(scene) -> float:
    """The scene's scale: 1 for rooms and houses, ``TABLETOP_SCALE`` for a tabletop."""
    return TABLETOP_SCALE if is_tabletop(scene) else 1.0


def subject_mask(scene, specs) -> np.ndarray:
    """(N,) which of ``specs`` (the scene's objects in row order) questions are about: all of them,
    or on a tabletop the things resting on another object."""
    if not is_tabletop(scene):
        return np.ones(len(specs), dtype=bool)
    return np.array([o.support is not None for o in specs], dtype=bool)


def scaled(key: str, value: float, scale: float, unit: str | None = None) -> float:
    """A threshold at a scene's ``scale``: ``value`` times the scale to the power its key (or, for
    ``min_value`` / ``max_value``, the answer's ``unit``) carries; unchanged at scale 1."""
    power = UNIT_POWER.get(unit, 0) if key in ("min_value", "max_value") else SCALED_CHECKS.get(key, 0)
    return value if scale == 1.0 or not power else value * scale ** power


def ranks_everything(node) -> bool:
    """Whether a program node is ``objects()`` with no filter: every object the video shows."""
    return node.op == "call" and node.fn.name == "objects" and all(c is None for c in node.children)
