"""The knobs of a rendered look: quality presets and appearance ranges (the ``renderer=blender`` config).

``Quality`` is how hard Cycles works (samples, bounces, denoising); ``Look`` is what the room looks
like: which ranges colours, roughness, lights and environment maps are drawn from, and whether it is
day or night. The draws themselves happen in :mod:`simgen.renderers.appearance` from the scene's
seeded generator, so a (SceneSpec, Look) pair always renders the same picture. Exposure, white
balance, noise and blur belong to the camera and every renderer (:mod:`simgen.renderers.camera_effects`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from simgen.registry import ConfigError

HDRIS_DAY = ("interior.exr", "courtyard.exr", "forest.exr", "city.exr", "sunrise.exr", "sunset.exr", "studio.exr")
HDRI_NIGHT = "night.exr"
TIMES_OF_DAY = ("day", "night", "random")
VIEW_TRANSFORMS = ("Standard", "Khronos PBR Neutral", "AgX", "Filmic")


@dataclass(frozen=True)
class Quality:
    """Cycles settings of one preset (the issue's measurements: 2 spp + Fast GI + OIDN ≈ 0.6 core-s at 320×240)."""

    samples: int
    max_bounces: int
    denoise: bool
    fast_gi: bool
    light_tree: bool
    filter_width: float = 1.5  # px; Blackman-Harris pixel filter (data passes take the first sample's position)


PRESETS: dict[str, Quality] = {
    "preview": Quality(samples=1, max_bounces=1, denoise=True, fast_gi=True, light_tree=False),
    "default": Quality(samples=2, max_bounces=2, denoise=True, fast_gi=True, light_tree=False),
    "high": Quality(samples=16, max_bounces=4, denoise=True, fast_gi=False, light_tree=True),
    # the renderer contract tests: one sample, no denoiser (data passes do not depend on either)
    "contract": Quality(samples=1, max_bounces=0, denoise=False, fast_gi=False, light_tree=False),
}


@dataclass(frozen=True)
class Look:
    """Appearance knobs; ranges are (low, high) of uniform draws, per scene or per object."""

    preset: str = "default"  # key of PRESETS
    seed: int = 0  # another look of the same scene: mixed into every appearance stream
    time_of_day: str = "random"  # day | night | random
    night_probability: float = 0.3  # used when time_of_day = random
    hdri: str = "random"  # a file of Blender's studiolights/world, or random (day) / night.exr (night)
    hdri_strength_day: tuple[float, float] = (0.6, 1.4)
    hdri_strength_night: tuple[float, float] = (0.03, 0.1)
    sun_strength: tuple[float, float] = (1.0, 3.0)  # W/m²; day only, enters through the window
    sun_elevation_deg: tuple[float, float] = (20.0, 50.0)
    ceiling_power_day: tuple[float, float] = (150.0, 300.0)  # W, the area light under the ceiling
    ceiling_power_night: tuple[float, float] = (120.0, 250.0)
    ceiling_kelvin: tuple[float, float] = (2700.0, 5000.0)
    lamp_emission: float = 4.0  # strength of a lit lamp shade's glow
    lamp_kelvin: tuple[float, float] = (2400.0, 3200.0)  # incandescent and warm-white bulbs
    lamp_on_probability_day: float = 0.3  # lamps are always on at night
    rug_probability: float = 0.5  # a rug in the middle of the floor
    window: bool = True  # one window on the longest wall (a material region: the geometry stays closed); a house:
    # portal and sun at its widest real window (a hole in the wall)
    window_glow: float = 1.0  # how bright the sky seen through the window is
    color_jitter: float = 0.06  # relative brightness/saturation change per object (colour names stay true)
    saturation: float = 0.85  # scales every part's saturation: dyed and painted surfaces are rarely primary colours
    roughness_jitter: float = 0.12
    bevel: float = 0.008  # m, rounded edges of box and cylinder parts (clamped for thin parts)
    view_transform: str = "Khronos PBR Neutral"  # highlights roll off, hues hold (AgX washes pink, beige out)
    exposure_key: float = 0.14  # auto exposure: the log-average luminance the first frame is exposed to; 0 = off
    threads: int = 0  # Cycles CPU threads; 0 = all cores (1 is no cheaper: a second thread stays busy beside it)

    def quality(self) -> Quality:
        """The preset's settings."""
        return PRESETS[self.preset]

    def replace(self, **changes) -> "Look":
        """A copy with some knobs changed."""
        return dataclasses.replace(self, **changes)

    def validate(self, where: str = "look") -> None:
        """ConfigError (a ValueError) naming the first bad knob and what it accepts."""
        if self.preset not in PRESETS:
            raise ConfigError(f"{where}.preset: expected one of {', '.join(PRESETS)}, got {self.preset!r}")
        if self.time_of_day not in TIMES_OF_DAY:
            raise ConfigError(f"{where}.time_of_day: expected one of {', '.join(TIMES_OF_DAY)}, "
                             f"got {self.time_of_day!r}")
        if self.hdri != "random" and self.hdri not in (*HDRIS_DAY, HDRI_NIGHT):
            raise ConfigError(f"{where}.hdri: expected random or one of {', '.join((*HDRIS_DAY, HDRI_NIGHT))}, "
                             f"got {self.hdri!r}")
        if self.view_transform not in VIEW_TRANSFORMS:
            raise ConfigError(f"{where}.view_transform: expected one of {', '.join(VIEW_TRANSFORMS)}, "
                             f"got {self.view_transform!r}")
        for name in ("night_probability", "lamp_on_probability_day", "rug_probability"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{where}.{name}: expected 0..1, got {getattr(self, name)}")
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple) and not (len(value) == 2 and 0.0 <= value[0] <= value[1]):
                raise ConfigError(f"{where}.{f.name}: expected a (low, high) range with 0 ≤ low ≤ high, "
                                  f"got {value}")
        if not 0.5 <= self.saturation <= 1.0:
            raise ConfigError(f"{where}.saturation: expected 0.5..1 (lower turns colour names grey), "
                              f"got {self.saturation}")
        for name in ("threads", "bevel", "color_jitter", "roughness_jitter", "lamp_emission", "window_glow",
                     "exposure_key"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{where}.{name}: expected ≥ 0, got {getattr(self, name)}")
