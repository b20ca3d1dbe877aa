"""Per-frame visibility: pixel counts, 2D boxes, in-frame fraction and occlusion on hand-made cases."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim_scenes import BLUE, GREEN, RED, box, intrinsics, l_room, scene, table
from simgen.episodes.takes import coverage_report
from simgen.episodes.mask_visibility import FloorCoverage, compute_visibility, rotations
from simgen.geometry import look_at, obb_corners, points_in_polygon, project, quat_to_matrix
from simgen.simulators.base import Observation
from simgen.types import Frame, ObjectState, Pose
from simgen.visibility_model import VisibilityModel

K = intrinsics()  # 160 × 120, fx = fy ≈ 103.9, centred principal point
EYE = np.array([0.0, -3.0, 1.0])
FRONTAL = look_at(EYE, EYE + [0.0, 1.0, 0.0])  # camera x = world +x, camera z = world +y


def render(spec, T=FRONTAL, camera=K):
    """Render ``spec`` with TinyRenderer; return the observation and visibility by object id."""
    from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator

    with PybulletSimulator(PybulletConfig(renderer="tiny")) as sim:
        states = sim.load(spec)
        obs = sim.render(T, camera)
    return obs, {v.object_id: v for v in compute_visibility(obs, spec, states, camera, T)}


def on_right_edge(depth: float) -> float:
    """World x whose point at camera depth ``depth`` projects onto the right image border u = width."""
    return (K.width - K.cx) * depth / K.fx


def test_fully_visible_box():
    cube = box(5, (-0.5, 0.0, 1.0), (0.2, 0.2, 0.2), rgba=RED)
    obs, vis = render(scene([cube]))
    v = vis[5]
    assert v.visible_pixels == int((obs.instance == 5).sum()) > 100
    assert v.in_frame_fraction == 1.0 and v.occlusion < 0.02
    uv, _ = project(K.K(), FRONTAL, obb_corners(cube.pose.position, cube.half_extents, np.eye(3)))
    expected = (*np.floor(uv.min(axis=0)), *np.floor(uv.max(axis=0)))
    np.testing.assert_allclose(v.bbox_2d, expected, atol=1)


def test_box_half_out_of_frame():
    z = 3.0
    thin = box(2, (on_right_edge(z), z - 3.0, 1.0), (0.3, 0.01, 0.2), rgba=BLUE)
    obs, vis = render(scene([thin]))
    v = vis[2]
    assert v.in_frame_fraction == pytest.approx(0.5, abs=0.05)
    assert v.bbox_2d[2] == K.width - 1 and v.visible_pixels > 50
    assert v.occlusion < 0.05  # leaving the frame is not occlusion


def test_box_hidden_behind_another_and_one_half_hidden():
    front = box(1, (0.0, -1.0, 1.0), (0.3, 0.05, 0.3), rgba=GREEN)  # front face at camera depth 1.95
    hidden = box(2, (0.0, 0.5, 1.0), (0.1, 0.1, 0.1), rgba=RED)
    z = 3.5  # a thin box straddling the front box's right silhouette (x = 0.3 at depth 1.95)
    half = box(3, (0.3 * z / 1.95, z - 3.0, 1.0), (0.15, 0.01, 0.1), rgba=BLUE)
    _, vis = render(scene([front, hidden, half]))
    assert vis[2].visible_pixels == 0 and vis[2].bbox_2d is None
    assert vis[2].in_frame_fraction == 1.0 and vis[2].occlusion > 0.95
    assert vis[3].occlusion == pytest.approx(0.5, abs=0.1)
    assert vis[1].occlusion < 0.02


def test_floor_between_table_legs_is_not_occlusion():
    _, vis = render(scene([table(8, (0.0, 0.0))]), look_at([0.0, -2.5, 1.2], [0.0, 0.0, 0.4]))
    assert vis[8].occlusion < 0.02 and vis[8].visible_pixels > 200


def test_room_walls_count_as_occluders():
    """In an L-shaped room, a box round the corner is hidden by the wall between."""
    hidden = box(4, (3.5, 1.0, 0.2), (0.2, 0.2, 0.2))
    T = look_at([0.5, 3.5, 1.2], [3.5, 1.0, 0.2])
    _, vis = render(scene([hidden], room=l_room()), T)
    assert vis[4].visible_pixels == 0 and vis[4].in_frame_fraction == 1.0 and vis[4].occlusion > 0.95


def test_object_behind_the_camera():
    _, vis = render(scene([box(6, (0.0, -4.0, 1.0), (0.2, 0.2, 0.2))]))
    assert vis[6].in_frame_fraction == 0.0 and vis[6].visible_pixels == 0
    assert vis[6].occlusion == 0.0 and vis[6].bbox_2d is None


def test_mask_statistics_on_a_hand_made_frame():
    """Counts and inclusive boxes straight from an instance array; an absent id gets 0 and None."""
    h, w = K.height, K.width
    instance = np.zeros((h, w), np.uint16)
    instance[3:6, 4:10] = 2
    instance[100, 150] = 2
    instance[50:52, 0:3] = 9  # an id the spec does not list is ignored
    spec = scene([box(2, (0, -10, 0), (0.1,) * 3), box(7, (0, -10, 0), (0.1,) * 3)])  # behind the camera
    states = tuple(ObjectState(o.object_id, o.pose) for o in spec.objects)
    obs = Observation(None, np.full((h, w), np.inf, np.float32), instance)
    two, seven = compute_visibility(obs, spec, states, K, FRONTAL)
    assert (two.visible_pixels, two.bbox_2d) == (19, (4, 3, 150, 100))
    assert (seven.visible_pixels, seven.bbox_2d, seven.in_frame_fraction) == (0, None, 0.0)


def test_vectorised_rotations_match_geometry():
    rng = np.random.default_rng(0)
    quats = rng.normal(size=(5, 4))
    expected = np.stack([quat_to_matrix(q) for q in quats])
    np.testing.assert_allclose(rotations(quats), expected, atol=1e-12)


def test_clear_errors():
    spec = scene([box(1, (0, 0, 1), (0.1,) * 3)])
    states = (ObjectState(1, Pose((0, 0, 1))),)
    full = Observation(None, np.zeros((K.height, K.width), np.float32), np.zeros((K.height, K.width), np.uint16))
    with pytest.raises(ValueError, match="instance"):
        compute_visibility(Observation(None, None, None), spec, states, K, FRONTAL)
    with pytest.raises(ValueError, match="intrinsics"):
        compute_visibility(full, spec, states, intrinsics(80, 60), FRONTAL)
    with pytest.raises(ValueError, match="no state"):
        compute_visibility(full, spec, (), K, FRONTAL)


def test_a_close_up_object_filling_the_frame_is_seen_with_most_of_its_box_out_of_frame():
    """A bed-sized box 0.5 m in front of the camera: most of its box is outside the image, yet it
    fills the lower half of the frame — a viewer plainly sees it, and so do the model and the record."""
    bed = box(3, (0.0, -2.0, 0.3), (2.0, 0.5, 0.3), rgba=BLUE)
    spec = scene([bed])
    obs, vis = render(spec, look_at(EYE, EYE + [0.0, 1.0, -0.3]))
    v = vis[3]
    assert v.in_frame_fraction < 0.5  # the old gate (≥ 50 % of the box in frame) would drop it
    assert v.visible_pixels > 0.3 * K.width * K.height
    model = VisibilityModel()
    assert model.seen(v.visible_pixels, K.width, K.height) and model.clear(v.visible_pixels, K.width, K.height)
    frames = [Frame(0, 0.0, tuple(map(tuple, FRONTAL)), (), (v,))]
    record = coverage_report(frames, spec, K, model, floor_seen=0.0)
    assert record["seen_frames_per_object"] == {"3": 1} and record["empty_frames"] == 0


def test_seen_is_a_share_of_the_frame_so_resolution_does_not_change_it():
    """The same scene at 160×120 and 320×240: the seen / glimpsed sets are identical though pixel
    counts differ four-fold, and a large object's share of the frame agrees within 10 % (a few-pixel
    object's share is rasterisation-bound)."""
    near = box(1, (-0.8, 0.0, 1.0), (0.2, 0.2, 0.2), rgba=RED)  # ~1 % of the frame: seen
    small = box(2, (0.3, 0.0, 1.0), (0.05, 0.05, 0.05), rgba=GREEN)  # ~0.07 %: glimpsed, not seen
    speck = box(4, (0.8, 0.0, 1.0), (0.01, 0.01, 0.01), rgba=BLUE)  # a few pixels at most: not even glimpsed
    spec, model = scene([near, small, speck]), VisibilityModel()
    shares, levels = [], []
    for camera in (intrinsics(160, 120), intrinsics(320, 240)):
        _, vis = render(spec, camera=camera)
        px = np.array([vis[i].visible_pixels for i in (1, 2, 4)])
        shares.append(px / (camera.width * camera.height))
        levels.append([model.seen(px, camera.width, camera.height).tolist(),
                       model.glimpsed(px, camera.width, camera.height).tolist()])
    assert levels[0] == levels[1] == [[True, False, False], [True, True, False]]
    assert shares[0][0] == pytest.approx(shares[1][0], rel=0.1)


def test_floor_coverage_matches_the_projected_floor_and_skips_what_a_box_hides():
    """Looking down at the floor of the 6×6 m room: the shown 10 cm cells are the cells whose centre
    projects into the image (recomputed here with the pinhole model), less those the crate stands on
    or hides (the sight line to the cell centre crosses its box). Compared within 3.5 m of the eye,
    where a cell spans several pixels even at 160×120."""
    crate = box(7, (0.0, 0.5, 0.3), (0.4, 0.4, 0.3), rgba=RED)
    spec = scene([crate])
    T = look_at([0.0, -2.0, 1.8], [0.0, 0.5, 0.0])
    obs, _ = render(spec, T)
    floor = FloorCoverage(spec.room.footprint)
    floor.add(obs.depth, obs.instance, K, T)
    centres = floor.origin + (np.argwhere(np.ones_like(floor.inside)) + 0.5) * floor.cell
    uv, z = project(K.K(), T, np.column_stack([centres, np.zeros(len(centres))]))
    in_image = (z > 0) & (uv[:, 0] >= 0) & (uv[:, 0] < K.width) & (uv[:, 1] >= 0) & (uv[:, 1] < K.height)
    under_crate = (np.abs(centres[:, 0]) < 0.4) & (np.abs(centres[:, 1] - 0.5) < 0.4)
    eye = T[:3, 3]
    t = np.linspace(0.0, 1.0, 200)[:, None, None]  # points along each sight line: a box test per point
    line = eye + t * (np.column_stack([centres, np.zeros(len(centres))]) - eye)
    hidden = ((np.abs(line[..., 0]) < 0.4) & (np.abs(line[..., 1] - 0.5) < 0.4) & (line[..., 2] < 0.6)).any(axis=0)
    close = np.linalg.norm(centres - eye[:2], axis=1) < 3.5
    expected = (in_image & ~hidden & close & points_in_polygon(centres, spec.room.footprint)).reshape(floor.inside.shape)
    shown = floor.shown & floor.inside & close.reshape(floor.inside.shape)
    assert expected.sum() > 200
    assert (shown & ~expected).sum() <= 0.05 * expected.sum()  # edge cells, partly in the image
    assert (expected & ~shown).sum() <= 0.05 * expected.sum()
    assert not shown[under_crate.reshape(shown.shape)].any()
    assert floor.fraction == pytest.approx((floor.shown & floor.inside).sum() / floor.inside.sum())


def test_floor_seen_is_measured_over_the_free_floor():
    """The floor under a piece standing on the floor is no part of what a viewer could see: the
    runner's tracker leaves the crate's 0.8×0.8 m footprint out of the 6×6 m room's cells (on
    the floor at z = 0; the same crate on a table would not count), so showing all the free floor
    is 100%."""
    from simgen.episodes.takes import floor_coverage

    on_floor = box(7, (0.0, 0.5, 0.3), (0.4, 0.4, 0.3), rgba=RED)
    floor = floor_coverage(scene([on_floor]))
    whole = FloorCoverage(scene([on_floor]).room.footprint)
    assert whole.inside.sum() - floor.inside.sum() == pytest.approx(64, abs=8)  # 0.64 m² of 10 cm cells
    floor.shown[:] = True
    floor.shown[~floor.inside] = False
    assert floor.fraction == 1.0 and whole.fraction == 0.0
    on_table = dataclasses.replace(on_floor, support=3)
    assert floor_coverage(scene([on_table])).inside.sum() == whole.inside.sum()


def test_visibility_config_errors_name_the_key():
    from simgen.registry import ConfigError

    assert VisibilityModel.from_config({"clear_frames": 4}).clear_frames == 4
    with pytest.raises(ConfigError, match=r"visibility\.seen_frac: expected a number in \[0\.0, 1\.0\]"):
        VisibilityModel.from_config({"seen_frac": 2.0})
    with pytest.raises(ConfigError, match=r"visibility: unknown key\(s\) \['min_pixels'\]"):
        VisibilityModel.from_config({"min_pixels": 150})
