"""When a viewer sees an object: the one visibility model of simgen.

The trajectory planners, the dynamics scheduler, the episode coverage report and the QA verifier
all decide "is this object shown?" with this model and the numbers of the top-level ``visibility``
config node. Thresholds are fractions of the frame's pixels, so a 160×120 debug render and a
640×480 one need no hand-scaled numbers.

* **seen** in a frame: at least ``seen_frac`` of the frame's pixels show the object. How much of
  its box lies inside the frame does not matter: a bed filmed from close up fills the frame and is
  plainly seen.
* **seen clearly** in a frame: at least ``clear_frac`` of the frame's pixels — large enough to
  recognise what it is. A question's referents must be seen clearly in ``clear_frames`` frames.
* **glimpsed**: at least ``glimpse_frac`` — enough for a viewer to notice that *something* of
  that kind is there (it makes "the <category>" ambiguous, and it can change an answer).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simgen.registry import ConfigError, setting


@dataclass(frozen=True)
class VisibilityModel:
    """Thresholds on visible pixels as fractions of the image area (see the module docstring)."""

    seen_frac: float = setting(0.002, ge=0.0, le=1.0)  # 320×240: 154 px, about 12×12
    clear_frac: float = setting(0.005, ge=0.0, le=1.0)  # 320×240: 384 px, about 20×20
    clear_frames: int = setting(3, ge=1)  # a referent is seen clearly in at least this many frames
    glimpse_frac: float = setting(0.0002, ge=0.0, le=1.0)  # 320×240: 15 px

    def validate(self, where: str = "visibility") -> None:
        """What ranges cannot say: the three levels in order."""
        if not self.glimpse_frac <= self.seen_frac <= self.clear_frac:
            raise ConfigError(f"{where}: expected glimpse_frac ≤ seen_frac ≤ clear_frac, got "
                              f"{self.glimpse_frac} / {self.seen_frac} / {self.clear_frac}")

    @classmethod
    def from_config(cls, node) -> "VisibilityModel":
        """The model of a config's ``visibility`` node (DictConfig or dict); ConfigError names a bad key."""
        from omegaconf import DictConfig, OmegaConf

        from simgen.registry import parse_config

        data = OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else dict(node or {})
        return parse_config(cls, data, "visibility")

    def pixels(self, level: str, width: int, height: int) -> float:
        """The pixel count of ``level`` ('glimpse', 'seen' or 'clear') for a ``width``×``height`` image."""
        return float(getattr(self, f"{level}_frac")) * float(width) * float(height)

    def seen(self, visible_pixels, width: int, height: int) -> np.ndarray:
        """Boolean array: each count of visible pixels makes the object seen."""
        return np.asarray(visible_pixels) >= self.pixels("seen", width, height)

    def clear(self, visible_pixels, width: int, height: int) -> np.ndarray:
        """Boolean array: each count of visible pixels makes the object seen clearly."""
        return np.asarray(visible_pixels) >= self.pixels("clear", width, height)

    def glimpsed(self, visible_pixels, width: int, height: int) -> np.ndarray:
        """Boolean array: each count of visible pixels is at least a glimpse."""
        return np.asarray(visible_pixels) >= self.pixels("glimpse", width, height)
