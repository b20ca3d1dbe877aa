"""Camera realism after any renderer: motion blur, depth of field, exposure, white balance, noise, JPEG.

Every renderer (pybullet, MuJoCo, Blender) returns an exact pinhole frame: RGB with its depth and
instance ids. These effects change the RGB only, so depth and ids stay the ground truth the
questions are verified on. Blur effects are computed from that exact depth, as a real camera's
would be from the scene's distances:

* motion blur: the camera moves from the previous frame's pose to this one's while the shutter is
  open for ``motion_blur_shutter`` of the frame interval; each pixel averages the image along its
  own path (reprojected through its depth; objects moving on their own are not blurred);
* depth of field: a thin lens of aperture diameter ``dof_aperture_mm`` focused on the depth at the
  image centre blurs a pixel at depth z over a circle of diameter ``A · fx · |1/z − 1/z_focus|`` px;
* exposure (stops) and white balance (the illuminant, in kelvin, the camera balances for: below the
  scene's light the picture turns blue, above it orange) act on linear light;
* sensor noise: Gaussian, σ as a fraction of full scale on the 8-bit values; then a JPEG round trip at
  ``jpeg_quality``. (H.264's level is the video's ``render.video_crf``.)

Each knob is a (low, high) range; :class:`CameraPipeline` draws one value per episode from the
episode's generator (equal ends: a fixed value a sweep can set), then noise per frame from the same
stream, so a seed reproduces every frame bit for bit. All defaults are off: frames stay unchanged.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from simgen.registry import ConfigError
from simgen.types import CameraIntrinsics

NEUTRAL_K = 6500.0  # white balance that leaves colours unchanged (the renderers' lights are drawn around it)
MAX_BLUR_PX = 12.0  # circle-of-confusion diameter cap; beyond it the layered blur would need more levels
_BLUR_LEVELS = (0.0, 1.0, 2.0, 3.0, 4.5, 6.5, 9.0, 12.0)  # CoC diameters (px) blurred once each and blended
_LUMA = np.array([0.2126, 0.7152, 0.0722])  # Rec. 709 luminance of linear RGB
NEUTRAL = {"exposure_ev": 0.0, "white_balance_k": NEUTRAL_K, "noise_std": 0.0, "jpeg_quality": 0,
           "dof_aperture_mm": 0.0, "motion_blur_shutter": 0.0}  # the values that leave a frame unchanged


@dataclass(frozen=True)
class CameraEffects:
    """The ``camera.effects`` knobs; each a (low, high) range drawn once per episode."""

    exposure_ev: tuple[float, float] = (0.0, 0.0)  # stops: +1 doubles the light
    white_balance_k: tuple[float, float] = (NEUTRAL_K, NEUTRAL_K)
    noise_std: tuple[float, float] = (0.0, 0.0)  # fraction of full scale (0.02 ≈ 5 of 255)
    jpeg_quality: tuple[int, int] = (0, 0)  # 0 = no JPEG round trip, else 1..100
    dof_aperture_mm: tuple[float, float] = (0.0, 0.0)  # 0 = pinhole (everything sharp)
    motion_blur_shutter: tuple[float, float] = (0.0, 0.0)  # fraction of the frame interval, 0..1

    def validate(self, where: str = "camera.effects") -> None:
        """ConfigError (a ValueError) naming the first bad knob and what it accepts."""
        limits = {"exposure_ev": (-10.0, 10.0), "white_balance_k": (1000.0, 40000.0), "noise_std": (0.0, 1.0),
                  "jpeg_quality": (0, 100), "dof_aperture_mm": (0.0, 200.0), "motion_blur_shutter": (0.0, 1.0)}
        for name, (lo, hi) in limits.items():
            value = getattr(self, name)
            if not (len(value) == 2 and lo <= value[0] <= value[1] <= hi):
                raise ConfigError(f"{where}.{name}: expected a (low, high) range with {lo} ≤ low ≤ high ≤ {hi}, "
                                 f"got {tuple(value)}")
        if self.jpeg_quality[0] == 0 < self.jpeg_quality[1]:
            raise ConfigError(f"{where}.jpeg_quality: 0 (off) or a range within 1..100, got {self.jpeg_quality}")

    def draw(self, g: np.random.Generator) -> dict:
        """One episode's values: a uniform draw per knob (a fixed knob draws nothing, so turning one on
        leaves the others' values unchanged)."""
        out = {}
        for f in dataclasses.fields(self):
            lo, hi = getattr(self, f.name)
            if lo == hi:
                out[f.name] = lo
            elif f.name == "jpeg_quality":
                out[f.name] = int(g.integers(lo, hi + 1))
            else:
                out[f.name] = float(g.uniform(lo, hi))
        return out

    def off(self) -> bool:
        """True when no knob can change a frame (every range is the neutral value)."""
        return all(getattr(self, name) == (value, value) for name, value in NEUTRAL.items())


class CameraPipeline:
    """One episode's camera: draws its settings at construction, then turns frames in order."""

    def __init__(self, effects: CameraEffects, intrinsics: CameraIntrinsics, g: np.random.Generator):
        effects.validate()
        self.values = effects.draw(g)
        self.intrinsics = intrinsics
        self._g = g
        self._previous: np.ndarray | None = None  # last frame's T_world_cam (motion blur)

    def __call__(self, rgb: np.ndarray, depth: np.ndarray, T_world_cam: np.ndarray) -> np.ndarray:
        """The camera's picture of an exact (H, W, 3) uint8 frame with its depth (m, ``inf`` = nothing hit)."""
        v, T = self.values, np.asarray(T_world_cam, dtype=float)
        previous, self._previous = self._previous, T
        if v == NEUTRAL:
            return rgb
        light = srgb_to_linear(rgb.astype(np.float32) / 255.0)
        if v["motion_blur_shutter"] > 0.0 and previous is not None:
            light = motion_blur(light, depth, self.intrinsics, previous, T, v["motion_blur_shutter"])
        if v["dof_aperture_mm"] > 0.0:
            light = defocus(light, depth, self.intrinsics.fx, v["dof_aperture_mm"] / 1000.0)
        light = light * np.float32(2.0 ** v["exposure_ev"]) * white_balance_gains(v["white_balance_k"])
        out = linear_to_srgb(np.clip(light, 0.0, 1.0)) * 255.0
        if v["noise_std"] > 0.0:
            out = out + self._g.normal(0.0, v["noise_std"] * 255.0, out.shape).astype(np.float32)
        out = np.clip(np.round(out), 0, 255).astype(np.uint8)
        return jpeg_round_trip(out, v["jpeg_quality"]) if v["jpeg_quality"] else out


def white_balance_gains(kelvin: float) -> np.ndarray:
    """Linear RGB gains of a camera balanced for a black body at ``kelvin``, luminance kept (1 at 6500 K)."""
    gains = np.asarray(kelvin_rgb(NEUTRAL_K)) / np.asarray(kelvin_rgb(kelvin))
    return (gains / float(_LUMA @ gains)).astype(np.float32)


def defocus(light: np.ndarray, depth: np.ndarray, fx: float, aperture_m: float, focus_m: float | None = None):
    """Thin-lens depth of field: each pixel takes the image blurred by its circle of confusion, blended
    between the two nearest precomputed blur levels (a gather approximation: sharp edges of an
    in-focus object in front of a blurred background stay sharp)."""
    import cv2

    inv = np.where(np.isfinite(depth) & (depth > 0), 1.0 / np.maximum(depth, 1e-3), 0.0)
    if focus_m is None:
        focus_m = focus_distance(depth)
    coc = np.minimum(aperture_m * fx * np.abs(inv - 1.0 / focus_m), MAX_BLUR_PX).astype(np.float32)
    levels = np.asarray(_BLUR_LEVELS, dtype=np.float32)
    k = np.clip(np.searchsorted(levels, coc, side="right") - 1, 0, len(levels) - 2)
    t = ((coc - levels[k]) / (levels[k + 1] - levels[k]))[..., None]
    out = np.zeros_like(light)
    for i in np.unique(np.r_[k, k + 1]):
        sigma = levels[i] / 2.5  # a Gaussian of σ = d/2.5 has about the energy spread of a disc of diameter d
        blurred = light if sigma == 0 else cv2.GaussianBlur(light, (0, 0), float(sigma), borderType=cv2.BORDER_REFLECT)
        weight = np.where((k == i)[..., None], 1.0 - t, 0.0) + np.where((k + 1 == i)[..., None], t, 0.0)
        out += blurred * weight.astype(np.float32)
    return out


def focus_distance(depth: np.ndarray) -> float:
    """Autofocus: the median depth of the central tenth of the image (2 m when it sees nothing)."""
    h, w = depth.shape
    centre = depth[int(h * 0.45):int(h * 0.55) + 1, int(w * 0.45):int(w * 0.55) + 1]
    seen = centre[np.isfinite(centre) & (centre > 0)]
    return float(np.median(seen)) if seen.size else 2.0


def motion_blur(light: np.ndarray, depth: np.ndarray, K: CameraIntrinsics, T_prev: np.ndarray, T: np.ndarray,
                shutter: float, max_taps: int = 16) -> np.ndarray:
    """Average what each pixel saw while the camera moved from ``T_prev`` towards ``T`` (the shutter open
    for the last ``shutter`` of the interval), from the current frame reprojected through its depth: a
    point now at pixel p was at p + d in the previous frame, so its streak runs from p towards p + s·d."""
    import cv2

    h, w = depth.shape
    cols, rows = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
    z = np.where(np.isfinite(depth) & (depth > 0), depth, 1e4)  # nothing hit: a point far away
    cam = np.stack([(cols + 0.5 - K.cx) / K.fx * z, (rows + 0.5 - K.cy) / K.fy * z, z], axis=-1)
    T_prev_from_cam = np.linalg.inv(T_prev) @ T
    p = cam @ T_prev_from_cam[:3, :3].T + T_prev_from_cam[:3, 3]
    ahead = p[..., 2] > 1e-3  # a point behind the previous camera has no previous position: no blur there
    zp = np.where(ahead, p[..., 2], 1.0)
    du = np.where(ahead, K.fx * p[..., 0] / zp + K.cx - 0.5 - cols, 0.0) * shutter
    dv = np.where(ahead, K.fy * p[..., 1] / zp + K.cy - 0.5 - rows, 0.0) * shutter
    taps = int(min(max_taps, max(2, math.ceil(float(np.max(np.hypot(du, dv)))) + 1)))
    out = np.zeros_like(light)
    for t in np.linspace(0.0, 1.0, taps):  # a point now at p was at p + d: pixel p then saw what is now at p − d
        out += cv2.remap(light, (cols - t * du).astype(np.float32), (rows - t * dv).astype(np.float32),
                         cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out / np.float32(taps)


def jpeg_round_trip(rgb: np.ndarray, quality: int) -> np.ndarray:
    """``rgb`` encoded as a JPEG of ``quality`` (1..100) and decoded again."""
    import cv2

    ok, data = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError(f"JPEG encoding at quality {quality} failed")
    return np.ascontiguousarray(cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1])


def srgb_to_linear(c) -> np.ndarray:
    """sRGB-encoded values (0..1) as linear light."""
    c = np.asarray(c, dtype=np.float32)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(c: np.ndarray) -> np.ndarray:
    """Linear light (0..1 array) sRGB-encoded."""
    c = np.asarray(c, dtype=np.float32)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(c, 1.0 / 2.4) - 0.055).astype(np.float32)


def kelvin_rgb(kelvin: float) -> tuple[float, float, float]:
    """Approximate RGB (max 1) of a black body at ``kelvin`` (Tanner Helland's fit, 1000–40000 K)."""
    t = min(max(kelvin, 1000.0), 40000.0) / 100.0
    r = 255.0 if t <= 66 else 329.698727446 * (t - 60) ** -0.1332047592
    gr = 99.4708025861 * math.log(t) - 161.1195681661 if t <= 66 else 288.1221695283 * (t - 60) ** -0.0755148492
    b = 255.0 if t >= 66 else (0.0 if t <= 19 else 138.5177312231 * math.log(t - 10) - 305.0447927307)
    rgb = np.clip([r, gr, b], 0.0, 255.0) / 255.0
    return tuple(float(c) for c in rgb / rgb.max())
