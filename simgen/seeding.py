"""Seeded generators: every random choice flows from (seed, shard, scene, stage); no global RNG.

``rng(seed, shard, scene, "layout")`` always gives the same stream for the same tuple, and
independent streams for different tuples (numpy's SeedSequence spawning, keyed by a stable hash
of the stage name so adding a stage never shifts another stage's stream).
"""
from __future__ import annotations

import hashlib

import numpy as np


def stage_key(stage: str) -> int:
    """A stable 32-bit integer for a stage name (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(stage.encode()).digest()[:4], "little")


def rng(seed: int, shard: int = 0, scene: int = 0, stage: str = "default") -> np.random.Generator:
    """The generator for one (seed, shard, scene, stage)."""
    for name, value in (("seed", seed), ("shard", shard), ("scene", scene)):
        if int(value) < 0:
            raise ValueError(f"{name} must be ≥ 0, got {value}")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), int(shard), int(scene), stage_key(stage)])))
