"""FrameVisibility (compute_visibility for one scene frame after frame) keeps the boxes' world poses
from one frame to the next only while the frames pass the same states: when an object moves, the
next frame's visibility is that of the moved box."""
from __future__ import annotations

import pytest

from sim_scenes import BLUE, FRONTAL, RED, box, intrinsics, scene
from simgen.episodes.mask_visibility import FrameVisibility, compute_visibility
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator
from simgen.types import Pose

K = intrinsics()  # 160 × 120, centred principal point


def test_each_frame_is_measured_at_the_states_it_passes():
    depth = 3.0  # the boxes' camera depth from FRONTAL (eye at y = -3, looking along +y)
    right_edge = (K.width - K.cx) * depth / K.fx  # world x projecting onto the image's right border
    spec = scene([box(1, (0.0, 0.0, 1.0), (0.2, 0.2, 0.2), rgba=RED), box(2, (-0.8, 0.0, 1.0), (0.2, 0.2, 0.2), rgba=BLUE)])
    with PybulletSimulator(PybulletConfig(renderer="tiny")) as sim:
        frames = FrameVisibility(spec, K, sim.near)
        states = sim.load(spec)
        still = frames(sim.render(FRONTAL, K), states, FRONTAL)
        sim.set_pose(1, Pose((right_edge, 0.0, 1.0)))  # half out of the frame
        moved = sim.states()
        obs = sim.render(FRONTAL, K)
        after = frames(obs, moved, FRONTAL)
        with pytest.raises(ValueError, match=r"no state for object_id\(s\) \[2\]"):
            frames(obs, moved[:1], FRONTAL)
    assert still[0].in_frame_fraction == 1.0 and after[0].in_frame_fraction == pytest.approx(0.5, abs=0.05)
    assert after == compute_visibility(obs, spec, moved, K, FRONTAL, near=sim.near)
    assert after[1] == still[1]  # the box that stayed
