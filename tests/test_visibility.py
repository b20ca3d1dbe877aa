"""Per-frame visibility: pixel counts, 2D boxes, in-frame fraction and occlusion on hand-made cases."""
from __future__ import annotations

import numpy as np
import pytest

from sim_scenes import BLUE, GREEN, RED, box, intrinsics, l_room, scene, table
from simgen.episodes.visibility import compute_visibility, rotations
from simgen.geometry import look_at, obb_corners, project, quat_to_matrix
from simgen.simulators.base import Observation
from simgen.types import ObjectState, Pose

K = intrinsics()  # 160 × 120, fx = fy ≈ 103.9, centred principal point
EYE = np.array([0.0, -3.0, 1.0])
FRONTAL = look_at(EYE, EYE + [0.0, 1.0, 0.0])  # camera x = world +x, camera z = world +y


def render(spec, T=FRONTAL):
    """Render ``spec`` with TinyRenderer; return the observation and visibility by object id."""
    from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator

    with PybulletSimulator(PybulletConfig(renderer="tiny")) as sim:
        states = sim.load(spec)
        obs = sim.render(T, K)
    return obs, {v.object_id: v for v in compute_visibility(obs, spec, states, K, T)}


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
