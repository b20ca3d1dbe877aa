"""Camera effects: each does what its knob says (measured on synthetic frames, against formulas
recomputed here), draws from the episode's seed, and touches RGB only."""
from __future__ import annotations

import numpy as np
import pytest

from simgen.geometry import look_at
from simgen.renderers.camera_effects import CameraEffects, CameraPipeline, kelvin_rgb
from simgen.seeding import rng
from simgen.types import CameraIntrinsics

K = CameraIntrinsics(64, 48, 50.0, 50.0, 32.0, 24.0)
T = look_at([0.0, 0.0, 1.0], [2.0, 0.0, 1.0])


def grey(value: int = 128) -> np.ndarray:
    return np.full((K.height, K.width, 3), value, np.uint8)


def flat_depth(z: float = 2.0) -> np.ndarray:
    return np.full((K.height, K.width), z, np.float32)


def run(effects: CameraEffects, rgb, depth=None, poses=(T,), seed=0):
    pipe = CameraPipeline(effects, K, rng(seed, stage="camera"))
    depth = flat_depth() if depth is None else depth
    return [pipe(rgb, depth, P) for P in poses][-1]


def srgb_to_linear_ref(v):
    """The sRGB transfer curve, written out independently of the module."""
    v = np.asarray(v, float) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def test_defaults_leave_the_frame_untouched():
    rgb = np.random.default_rng(0).integers(0, 256, (K.height, K.width, 3), dtype=np.uint8)
    assert CameraEffects().off()
    assert run(CameraEffects(), rgb) is rgb


def test_plus_one_stop_doubles_linear_light():
    out = run(CameraEffects(exposure_ev=(1.0, 1.0)), grey(100))
    assert out.mean() > 100
    assert np.allclose(srgb_to_linear_ref(out), 2.0 * srgb_to_linear_ref(100), rtol=0.02)
    darker = run(CameraEffects(exposure_ev=(-1.0, -1.0)), grey(100))
    assert np.allclose(srgb_to_linear_ref(darker), 0.5 * srgb_to_linear_ref(100), rtol=0.03)


def test_white_balance_for_warm_light_turns_a_grey_frame_blue_and_keeps_neutral():
    warm = run(CameraEffects(white_balance_k=(3000.0, 3000.0)), grey()).reshape(-1, 3).mean(0)
    cool = run(CameraEffects(white_balance_k=(10000.0, 10000.0)), grey()).reshape(-1, 3).mean(0)
    assert warm[2] > warm[1] > warm[0]  # balanced for tungsten: daylight-grey looks blue
    assert cool[0] > cool[1] > cool[2]
    assert np.array_equal(run(CameraEffects(white_balance_k=(6500.0, 6500.0)), grey()), grey())
    # the gains undo a black body's colour: a 3000 K white, balanced for 3000 K, comes out grey
    lit = np.asarray(kelvin_rgb(3000.0)) / np.asarray(kelvin_rgb(6500.0)) * srgb_to_linear_ref(128)
    frame = grey()
    frame[:] = np.round(255 * np.where(lit <= 0.0031308, 12.92 * lit, 1.055 * lit ** (1 / 2.4) - 0.055))
    balanced = run(CameraEffects(white_balance_k=(3000.0, 3000.0)), frame).reshape(-1, 3).mean(0)
    assert np.ptp(balanced) <= 3


@pytest.mark.parametrize("std", [0.01, 0.04])
def test_noise_std_matches_the_setting_and_is_seeded(std):
    effects = CameraEffects(noise_std=(std, std))
    frame = np.full((240, 320, 3), 128, np.uint8)
    pipe = CameraPipeline(effects, CameraIntrinsics(320, 240, 200.0, 200.0, 160.0, 120.0), rng(3, stage="camera"))
    out = pipe(frame, np.full((240, 320), 2.0, np.float32), T)
    measured = (out.astype(float) - 128).std()
    assert abs(measured - std * 255) < 0.03 * std * 255 + 0.3  # + rounding to integers
    again = CameraPipeline(effects, CameraIntrinsics(320, 240, 200.0, 200.0, 160.0, 120.0), rng(3, stage="camera"))
    assert np.array_equal(again(frame, np.full((240, 320), 2.0, np.float32), T), out)
    other = CameraPipeline(effects, CameraIntrinsics(320, 240, 200.0, 200.0, 160.0, 120.0), rng(4, stage="camera"))
    assert not np.array_equal(other(frame, np.full((240, 320), 2.0, np.float32), T), out)


def test_ranges_are_drawn_per_episode_from_the_seed():
    effects = CameraEffects(exposure_ev=(-1.0, 1.0), white_balance_k=(3000.0, 8000.0), jpeg_quality=(30, 90))
    a = CameraPipeline(effects, K, rng(1, stage="camera")).values
    assert a == CameraPipeline(effects, K, rng(1, stage="camera")).values
    assert a != CameraPipeline(effects, K, rng(2, stage="camera")).values
    assert -1.0 <= a["exposure_ev"] <= 1.0 and 30 <= a["jpeg_quality"] <= 90 and isinstance(a["jpeg_quality"], int)


def test_jpeg_quality_trades_bytes_for_error():
    smooth = np.random.default_rng(0).integers(0, 256, (K.height, K.width, 3)).astype(np.uint8)
    errors = [np.abs(run(CameraEffects(jpeg_quality=(q, q)), smooth).astype(int) - smooth).mean() for q in (10, 50, 95)]
    assert errors[0] > errors[1] > errors[2] > 0


def test_depth_of_field_blurs_off_focus_depths_only():
    """An edge at the focus distance stays sharp; the same edge far behind it is blurred as wide as the
    thin-lens circle of confusion says (A · fx · |1/z − 1/z_f|)."""
    rgb = grey(40)
    rgb[:, K.width // 2:] = 220
    depth = flat_depth(2.0)
    depth[:, :8] = depth[:, -8:] = 2.0
    aperture_mm = 120.0
    near = run(CameraEffects(dof_aperture_mm=(aperture_mm, aperture_mm)), rgb, depth)
    assert np.array_equal(near, rgb)  # everything at the autofocus distance
    far = depth.copy()
    far[:, 8:-8] = 20.0
    far[K.height // 2 - 3:K.height // 2 + 3, K.width // 2 - 3:K.width // 2 + 3] = 1.0  # autofocus patch at 1 m
    out = run(CameraEffects(dof_aperture_mm=(aperture_mm, aperture_mm)), rgb, far)
    row = out[4, :, 0].astype(float)  # a row away from the focus patch
    coc = aperture_mm / 1000 * K.fx * abs(1 / 20.0 - 1 / 1.0)  # 5.7 px
    ramp = np.sum((row > 45) & (row < 215))  # the edge's width, 3%–97% of the step
    assert coc <= ramp <= 2 * coc
    smaller = run(CameraEffects(dof_aperture_mm=(aperture_mm / 3, aperture_mm / 3)), rgb, far)[4, :, 0]
    assert 0 < np.sum((smaller > 45) & (smaller < 215)) < ramp / 2
    assert np.array_equal(out[:, :8], rgb[:, :8]) and np.array_equal(out[:, -8:], rgb[:, -8:])


def camera_moved_right(shift: float) -> np.ndarray:
    """The previous pose: ``shift`` m to the camera's left of ``T`` (so it has moved right since)."""
    T_prev = T.copy()
    T_prev[:3, 3] -= T[:3, 0] * shift
    return T_prev


def test_motion_blur_smears_along_the_cameras_motion_only():
    """Camera panning sideways: vertical edges smear over the pixels they moved (fx · shift / z · shutter),
    horizontal edges stay sharp; the first frame (no previous pose) is untouched."""
    rgb = grey(40)
    rgb[:, K.width // 2:] = 220
    effects = CameraEffects(motion_blur_shutter=(0.5, 0.5))
    assert np.array_equal(run(effects, rgb), rgb)
    shift = 0.4  # m along the camera's x between frames, scene 2 m away: 10 px of motion, 5 px open shutter
    out = run(effects, rgb, poses=(camera_moved_right(shift), T))
    smear = np.sum((out[10, :, 0] > 45) & (out[10, :, 0] < 215))
    assert abs(smear - K.fx * shift / 2.0 * 0.5) <= 1.5
    stripes = grey(40)
    stripes[K.height // 2:] = 220
    assert np.array_equal(run(effects, stripes, poses=(camera_moved_right(shift), T)), stripes)


def test_motion_blur_streak_points_to_where_the_point_was():
    """The camera moved right, so a fixed bright post was further right in the previous frame (at
    u + fx·shift/z, checked with the projection): its streak runs from its place now to the right."""
    from simgen.geometry import project

    shift, column = 0.2, 20
    rgb = grey(0)
    rgb[:, column] = 255
    T_prev = camera_moved_right(shift)
    X = T[:3, :3] @ np.array([(column + 0.5 - K.cx) / K.fx * 2.0, 0.0, 2.0]) + T[:3, 3]  # the post, 2 m away
    was = project(K.K(), T_prev, [X])[0][0, 0] - 0.5
    assert was > column + 4  # 5 px further right then
    out = run(CameraEffects(motion_blur_shutter=(1.0, 1.0)), rgb, poses=(T_prev, T))[24, :, 0].astype(int)
    lit = np.nonzero(out > 10)[0]
    assert lit.min() >= column - 1 and abs(lit.max() - was) <= 1.5
    assert out[column + 1:int(was)].min() > 10 and out[:column - 1].max() == 0


def test_effects_take_rgb_only():
    """The pipeline returns a new RGB frame and leaves the depth it reads (and every input) as they were."""
    rgb = grey()
    depth = flat_depth()
    depth[:5] = np.inf
    kept_rgb, kept_depth = rgb.copy(), depth.copy()
    effects = CameraEffects(exposure_ev=(0.5, 0.5), noise_std=(0.02, 0.02), jpeg_quality=(50, 50),
                            dof_aperture_mm=(20.0, 20.0), motion_blur_shutter=(0.5, 0.5))
    pipe = CameraPipeline(effects, K, rng(0, stage="camera"))
    for P in (T, T):
        out = pipe(rgb, depth, P)
        assert out.shape == rgb.shape and out.dtype == np.uint8
    assert np.array_equal(rgb, kept_rgb) and np.array_equal(depth, kept_depth)


def test_bad_knob_is_named():
    with pytest.raises(ValueError, match=r"camera\.effects\.noise_std"):
        CameraEffects(noise_std=(0.2, 0.1)).validate()
    with pytest.raises(ValueError, match=r"camera\.effects\.jpeg_quality"):
        CameraEffects(jpeg_quality=(0, 50)).validate()


def test_auto_exposure_meters_the_log_average_to_the_key():
    """Blender's auto exposure (the worker's metering, plain numpy): a frame of two flat halves at linear
    luminances a and b has log-average √(ab); the stops returned bring that to the key; clipped pixels
    are left out, and the correction is limited."""
    import sys
    from pathlib import Path

    import simgen.renderers

    sys.path.insert(0, str(Path(simgen.renderers.__file__).parent))  # the worker's modules import as siblings
    try:
        from blender_scene import metered_exposure
    finally:
        sys.path.pop(0)

    def display(linear):
        return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)

    frame = np.zeros((10, 20, 3))
    frame[:, :10], frame[:, 10:] = display(0.02), display(0.08)
    assert abs(metered_exposure(frame, 0.18) - np.log2(0.18 / 0.04)) < 1e-3
    frame[:2] = 1.0  # clipped sky: not metered
    assert abs(metered_exposure(frame, 0.18) - np.log2(0.18 / 0.04)) < 1e-3
    assert metered_exposure(np.full((4, 4, 3), display(1e-3)), 0.18) == 4.0  # a black room is not pushed 7 stops
