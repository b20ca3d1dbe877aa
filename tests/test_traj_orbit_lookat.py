"""Orbit (target centred, shrinking to fit, clear failure) and lookat (keyframes, validation)."""
import numpy as np
import pytest

from simgen.geometry import project
from simgen.registry import PLANNERS, ConfigError
from simgen.seeding import rng
from simgen.trajectories.planning_geometry import MIN_PITCH_DEG, Boxes, PlanningError, Room
from simgen.trajectories.lookat import catmull_rom
from simgen.trajectories.occupancy import build_grid
from test_traj_scenes import RECT, box, l_scene, rect_scene, request, scene


def orbit(spec, n=36, **cfg):
    """The orbit planner, its fitted ellipse and its poses for ``spec``."""
    planner = PLANNERS.build({"name": "orbit", **cfg})
    req = request(spec, n)
    room, boxes = Room.from_spec(spec.room), Boxes.from_request(req)
    grid = build_grid(room, boxes, planner.cfg.eye_height_m, planner.cfg.clearance_m, planner.cfg.grid_resolution_m)
    return planner.fit(grid, room, boxes), planner.plan(req, rng(0, 0, 0, "t")), req


@pytest.mark.parametrize("make", [rect_scene, l_scene])
def test_orbit_keeps_its_target_at_the_image_centre(make):
    ellipse, T, req = orbit(make())
    K = req.intrinsics.K()
    target = np.array([*ellipse.center, ellipse.target_z])
    for pose in T:
        uv, depth = project(K, pose, target)
        assert depth[0] > 0 and np.allclose(uv[0], [K[0, 2], K[1, 2]], atol=1e-6)
    pitch = np.degrees(np.arcsin(T[:, 2, 2]))
    assert pitch.min() >= MIN_PITCH_DEG - 1e-9 and pitch.max() < 0


def test_orbit_goes_once_around_its_centre():
    ellipse, T, _ = orbit(rect_scene(), n=36)
    rel = T[:, :2, 3] - ellipse.center
    angles = np.unwrap(np.arctan2(rel[:, 1], rel[:, 0]))
    assert np.diff(angles).min() > 0 and angles[-1] - angles[0] == pytest.approx(2 * np.pi * 35 / 36, abs=0.05)


def test_orbit_shrinks_to_fit_around_a_central_object():
    empty, _, _ = orbit(scene(RECT, []))
    crowded, _, _ = orbit(scene(RECT, [box(1, "table", (2.5, 2.0, 0.4), (0.4, 0.3, 0.4)), box(2, "sofa", (2.5, 3.45, 0.4), (1.0, 0.25, 0.4))]))
    assert np.prod(crowded.axes) < np.prod(empty.axes)
    corners = np.array([[2.5 + sx * 0.4, 2.0 + sy * 0.3] for sx in (-1, 1) for sy in (-1, 1)])
    assert (((corners - crowded.center) / crowded.axes) ** 2).sum(axis=1).max() < 1.0  # still around the table


def test_orbit_in_a_tiny_room_is_a_clear_error():
    with pytest.raises(PlanningError, match=r"no collision-free orbit with semi-axes ≥ 0.5 m fits the room"):
        orbit(scene(((0, 0), (1.4, 0), (1.4, 1.4), (0, 1.4)), []))


def lookat(spec, keyframes, n=21, **cfg):
    """Poses of the lookat planner with these keyframes."""
    planner = PLANNERS.build({"name": "lookat", "keyframes": keyframes, **cfg})
    return planner.plan(request(spec, n), rng(0, 0, 0, "t")), request(spec, n)


def test_lookat_passes_its_keyframes_and_centres_object_targets():
    kfs = [
        {"eye": [1.0, 1.0, 1.4], "target": "table", "at": 0.0},
        {"eye": [4.0, 2.6], "target": [2.5, 1.0, 0.5], "at": 0.5},
        {"eye": [1.0, 2.5, 1.6], "target": "sofa", "at": 1.0},
    ]
    T, req = lookat(rect_scene(), kfs, coordinates="world")
    assert np.allclose(T[0, :3, 3], [1.0, 1.0, 1.4]) and np.allclose(T[10, :3, 3], [4.0, 2.6, 1.5])
    assert np.allclose(T[-1, :3, 3], [1.0, 2.5, 1.6])
    K = req.intrinsics.K()
    table = np.array(rect_scene().objects[0].pose.position)
    uv, _ = project(K, T[0], table)
    assert np.allclose(uv[0], [K[0, 2], K[1, 2]], atol=1e-6)
    uv, _ = project(K, T[10], [2.5, 1.0, 0.5])
    assert np.allclose(uv[0], [K[0, 2], K[1, 2]], atol=1e-6)


def test_lookat_room_fractions_and_snapping_into_free_space():
    # (0.8, 0.8) of the L room's bounding box lies in its missing quadrant: the eye moves to free space
    T, _ = lookat(l_scene(), [{"eye": [0.1, 0.5], "target": [0.5, 0.3, 0.5]}, {"eye": [0.8, 0.8], "target": [0.2, 0.5, 0.5]}])
    assert np.allclose(T[0, :3, 3], [0.6, 3.0, 1.5])  # fractions of the 6 × 6 m bounding box
    spec = l_scene()
    grid = build_grid(Room.from_spec(spec.room), Boxes.from_request(request(spec)), 1.5, 0.3, 0.05)
    assert grid.free_at(T[:, :2, 3]).all()


def test_lookat_clamps_floor_staring_views():
    T, _ = lookat(scene(RECT, []), [{"eye": [2.0, 2.0, 1.5], "target": [2.3, 2.0, 0.0]}], coordinates="world")
    assert np.degrees(np.arcsin(T[:, 2, 2])).min() == pytest.approx(MIN_PITCH_DEG)


def test_lookat_unknown_object_names_the_keyframe_and_the_known_objects():
    with pytest.raises(PlanningError, match=r"keyframes\[1\]\.target: no object named 'piano'; known: table, mug"):
        lookat(rect_scene(), [{"eye": [0.2, 0.2], "target": "table"}, {"eye": [0.5, 0.2], "target": "piano"}])


@pytest.mark.parametrize(
    "keyframes, message",
    [
        ([], r"keyframes: expected a non-empty list"),
        ([{"eye": [0.2, 0.2], "target": [1, 1, 1]}, {"eye": [0.2], "target": [1, 1, 1]}], r"keyframes\[1\]\.eye: expected \[x, y\]"),
        ([{"eye": [0.2, 0.2], "target": [1, 1]}], r"keyframes\[0\]\.target: expected \[x, y, z\] numbers or an object name"),
        ([{"eye": [2.0, 0.2], "target": "table"}], r"keyframes\[0\]\.eye: with coordinates=room, x and y are fractions"),
        ([{"eye": [0.2, 0.2], "target": "table", "look": 1}], r"keyframes\[0\]: needs keys eye and target"),
        ([{"eye": [0.2, 0.2], "target": "a", "at": 0.5}, {"eye": [0.3, 0.2], "target": "a", "at": 0.4}], r"'at' values must increase"),
        ([{"eye": [0.2, 0.2], "target": "a", "at": 0.0}, {"eye": [0.3, 0.2], "target": "a"}], r"'at' for every keyframe or for none"),
    ],
)
def test_lookat_validation_names_the_bad_keyframe(keyframes, message):
    with pytest.raises(ConfigError, match=message):
        PLANNERS.config({"name": "lookat", "keyframes": keyframes})


def test_lookat_coordinates_must_be_known():
    with pytest.raises(ConfigError, match=r"trajectory\.coordinates: expected one of room, world, got 'pixels'"):
        PLANNERS.config({"name": "lookat", "keyframes": [{"eye": [0.2, 0.2], "target": "a"}], "coordinates": "pixels"})


def test_catmull_rom_interpolates_its_control_points():
    pts = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 2.0], [4.0, 0.0]])
    assert np.allclose(catmull_rom(pts, np.arange(4.0)), pts)
    line = catmull_rom(pts[:2], np.linspace(0, 1, 5))
    assert np.allclose(line, np.linspace(pts[0], pts[1], 5))  # two keyframes: a straight line
