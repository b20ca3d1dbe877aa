"""The tabletop planner on tabletop scenes settled in pybullet: the camera stays out of every box, at a
hand's height, looking down onto the table from close by; a free table gets a full loop, a desk an arc
in front; every object on the table is seen clearly in rendered frames (pybullet, 160×120: the
visibility thresholds are image fractions) and no frame shows none; same seed, same poses."""
import numpy as np
import pytest
from omegaconf import OmegaConf

from simgen.episodes.mask_visibility import compute_visibility
from simgen.job_config import group_config
from simgen.registry import PLANNERS, ConfigError, parse_config
from simgen.scene.tabletop import TabletopBuilder, TabletopConfig
from simgen.seeding import rng
from simgen.simulators.pybullet import PybulletConfig, PybulletSimulator
from simgen.trajectories.base import PlanRequest
from simgen.trajectories.planning_geometry import PlanningError
from simgen.trajectories.tabletop import TabletopWalkConfig
from simgen.visibility_model import VisibilityModel
from sim_scenes import box, intrinsics, rect_room, scene

N, FPS = 60, 10.0


def planner(**overrides):
    return PLANNERS.build({**OmegaConf.to_container(group_config("trajectory", "tabletop")), **overrides})


@pytest.fixture(scope="module")
def sim():
    with PybulletSimulator(PybulletConfig(renderer="tiny")) as s:
        yield s


def settled(sim, seed, **knobs):
    spec = TabletopBuilder(parse_config(TabletopConfig, knobs, "scene")).build(seed, 0, 0)
    return spec, sim.load(spec)


def plan(spec, states, seed=0, **overrides):
    request = PlanRequest(spec, states, intrinsics(), N, FPS, VisibilityModel())
    return planner(**overrides).plan(request, rng(seed, 0, 0, "trajectory"))


def inside_box(points, obj, state, pad=0.0) -> np.ndarray:
    """(P,) bool: each point lies inside the object's oriented box at its settled pose (grown by ``pad``)."""
    from simgen.geometry import quat_to_matrix

    local = (points - np.asarray(state.pose.position)) @ quat_to_matrix(state.pose.quat_wxyz)
    return (np.abs(local) <= np.asarray(obj.half_extents) + pad).all(axis=1)


def table_frame(spec, states, xy):
    """XY points in the table's frame (its centre the origin, its own x and y axes)."""
    from simgen.geometry import quat_to_matrix

    R = quat_to_matrix(states[0].pose.quat_wxyz)[:2, :2]
    return (xy - np.asarray(states[0].pose.position[:2])) @ R


@pytest.mark.parametrize("seed, kind", [(0, "dining table"), (1, "desk"), (2, "coffee table"), (3, "kitchen counter")])
def test_camera_stays_out_of_every_box_at_hand_height_looking_down_at_the_table(sim, seed, kind):
    spec, states = settled(sim, seed, table=kind)
    poses = plan(spec, states, seed)
    eyes, forward, down = poses[:, :3, 3], poses[:, :3, 2], poses[:, :3, 1]
    for obj, state in zip(spec.objects, states):
        assert not inside_box(eyes, obj, state, pad=0.02).any(), f"camera inside {obj.name}"
    lo, hi = np.min(spec.room.footprint, axis=0), np.max(spec.room.footprint, axis=0)
    assert ((eyes[:, :2] > lo + 0.1) & (eyes[:, :2] < hi - 0.1)).all()
    assert 1.1 - 1e-6 <= eyes[:, 2].min() and eyes[:, 2].max() <= 1.5 + 1e-6
    # OpenCV: z forward and looking down (no steeper than 45°), y (image down) pointing down in the world, no roll
    assert (forward[:, 2] < 0).all() and (forward[:, 2] >= -np.sin(np.radians(45.0)) - 1e-9).all()
    assert (down[:, 2] < 0).all() and np.allclose(poses[:, 2, 0], 0.0, atol=1e-9)
    # the optical axis meets the height of the things on the table on the table, 0.5–1.2 m from the camera
    small = [s.pose.position[2] for o, s in zip(spec.objects, states) if o.kind == "small"]
    look_z = np.mean(small)
    t = (look_z - eyes[:, 2]) / forward[:, 2]
    hit = eyes + t[:, None] * forward
    assert (t >= 0.5 - 1e-6).all() and (t <= 1.2 + 1e-6).all()
    local = table_frame(spec, states, hit[:, :2])
    half = np.asarray(spec.objects[0].half_extents[:2])
    assert (np.abs(local) <= half + 0.25).all(axis=1).mean() >= 0.9  # onto the table (a far look may overshoot)


def test_a_free_table_gets_a_full_loop_and_a_desk_an_arc_in_front(sim):
    spec, states = settled(sim, 0, table="dining table")
    local = table_frame(spec, states, plan(spec, states)[:, :2, 3])
    bearing = np.unwrap(np.arctan2(local[:, 1], local[:, 0]))
    assert abs(bearing[-1] - bearing[0]) >= 0.9 * 2 * np.pi  # once round (its last step back to the start not taken)
    hx, hy = spec.objects[0].half_extents[:2]
    assert all(side.any() for side in (local[:, 0] > hx, local[:, 0] < -hx, local[:, 1] > hy, local[:, 1] < -hy))
    spec, states = settled(sim, 1, table="desk")
    eyes = plan(spec, states)[:, :3, 3]
    local = table_frame(spec, states, eyes[:, :2])
    half_x = spec.objects[0].half_extents[0]
    assert (local[:, 0] > -half_x).all() and local[:, 0].mean() > 0  # before the desk (its +x), or beside it
    assert np.ptp(eyes[:, 0]) >= 1.0  # walks along it


@pytest.mark.parametrize("seed, kind", [(0, "random"), (1, "desk"), (5, "table")])
def test_every_object_on_the_table_is_seen_clearly_and_no_frame_is_blank(sim, seed, kind):
    """Rendered masks, the run's visibility model: each small object seen clearly in ≥ clear_frames
    frames; every frame shows some small object at the seen level."""
    spec, states = settled(sim, seed, table=kind)
    poses = plan(spec, states, seed)
    K, model = intrinsics(), VisibilityModel()
    pixels = np.array([[v.visible_pixels for v in compute_visibility(sim.render(T, K), spec, states, K, T, near=sim.near)]
                       for T in poses], dtype=float)
    small = [i for i, o in enumerate(spec.objects) if o.kind == "small"]
    clear = model.clear(pixels[:, small], K.width, K.height).sum(axis=0)
    assert (clear >= model.clear_frames).all(), dict(zip([spec.objects[i].name for i in small], clear))
    assert model.seen(pixels[:, small], K.width, K.height).any(axis=1).all()


def test_same_seed_same_poses_another_seed_another_start(sim):
    spec, states = settled(sim, 2)
    assert np.array_equal(plan(spec, states, seed=7), plan(spec, states, seed=7))
    assert not np.allclose(plan(spec, states, seed=7), plan(spec, states, seed=8))


def test_no_table_to_film_is_a_planning_error():
    spec = scene([box(1, (0.0, 0.0, 0.4), (0.3, 0.3, 0.4), category="cabinet")], room=rect_room(4.0, 4.0))
    with pytest.raises(PlanningError, match="no object rests on a support"):
        plan(spec, ())


@pytest.mark.parametrize("knobs, key", [
    ({"max_view_m": 0.4}, "trajectory.max_view_m"),
    ({"standoff_m": 1.2}, "trajectory.max_standoff_m"),
    ({"eye_swing_m": 0.9}, "trajectory.eye_swing_m"),
    ({"pull": 1.5}, "trajectory.pull"),
])
def test_a_bad_knob_is_a_config_error_naming_it(knobs, key):
    with pytest.raises(ConfigError, match=key):
        parse_config(TabletopWalkConfig, knobs, "trajectory")
