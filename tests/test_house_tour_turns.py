"""The house tour's turns on the spot between scans (``HouseTour.walk_poses``), planned only (no
render), judged by the walkthrough's box estimate: leaving house seed 9's bathroom the camera stands
up while it turns away from a close look, and no frame is left without any object; a turn that would
sweep bare wall the short way round goes the long way (clockwise: to the right, Z up), and its mirror
image stays the short way (anticlockwise)."""
import json
from pathlib import Path

import numpy as np

from simgen.registry import PLANNERS
from simgen.trajectories.house_rooms import house_geometry
from simgen.trajectories.planning_geometry import Boxes, camera_poses
from simgen.trajectories.raycast import first_wall_hit
from simgen.trajectories.walk_headings import shows_some_object
from simgen.types import SceneSpec
from tests.test_traj_scenes import box, request, scene

FIXTURE = Path(__file__).parent / "fixtures" / "house9_bathroom_exit.json"
EYE, PITCH = 1.5, np.radians(-25.0)


def walk(spec: SceneSpec, before, after, route, t: int):
    """The planner's ``t`` poses of the walk, with what it judged them by."""
    planner = PLANNERS.build({"name": "house_tour"})
    req = request(spec, n_frames=t)
    house, boxes = house_geometry(spec), Boxes.from_request(req)
    poses = planner.walk_poses(req, house, boxes, np.asarray(before), np.asarray(after), np.asarray(route), t)
    return poses, planner.cfg, req, house, boxes


def blank_frames(poses, cfg, req, house, boxes) -> np.ndarray:
    """Frames the box estimate finds without any object (``shows_some_object``)."""
    return np.flatnonzero(~shows_some_object(cfg, poses, req, house, boxes))


def test_leaving_house_9s_bathroom_shows_an_object_in_every_frame():
    # on 6b65782 the camera turned 124° left on the spot, crouched at 0.7 m in the bathroom's corner
    # after a close look at a toy duck: frames 6-10 of this walk showed a wall 0.4 m away, no object
    data = json.loads(FIXTURE.read_text())
    spec = SceneSpec.from_dict(data["scene"])
    poses, cfg, req, house, boxes = walk(spec, data["before"], data["after"], data["route"], data["frames"])
    assert len(poses) == data["frames"]
    assert not len(blank := blank_frames(poses, cfg, req, house, boxes)), blank
    # the optical axis (the camera's z column) meets no wall nearer than min_view_distance_m
    walls = first_wall_hit(poses[:, None, :3, 3], poses[:, None, :3, 2], house)[:, 0]
    assert walls.min() >= cfg.min_view_distance_m - 1e-6, walls.min()
    # it stands up from the crouch while turning away, before it walks on
    assert poses[0, 2, 3] < 0.8 and np.isclose(poses[40, 2, 3], cfg.eye_height_m, atol=0.02)


def room_with(objects) -> SceneSpec:
    """A 6 × 6 m room, 2.8 m high, holding ``objects``."""
    return scene(((0.0, 0.0), (6.0, 0.0), (6.0, 6.0), (0.0, 6.0)), objects)


def turn_at_the_centre(objects, t: int = 60):
    """A walk from the room's centre facing +x (an object ahead) to a walk towards the top-left
    corner: the way lies 135° to the left; the next scan starts 2 m along it, looking along it."""
    way = np.radians(135.0)
    end = np.array([3.0, 3.0]) + 2.0 * np.array([np.cos(way), np.sin(way)])
    before = camera_poses([[3.0, 3.0, EYE]], [0.0], [PITCH])[0]
    after = camera_poses([[*end, EYE]], [way], [PITCH])[0]
    route = np.linspace([3.0, 3.0], end, 41)
    return walk(room_with(objects), before, after, route, t)


AHEAD = box(1, "cabinet", (4.6, 3.0, 0.5), (0.3, 0.4, 0.5))  # what the start's view looks at (+x)
ON_THE_WAY = box(2, "shelf", (0.5, 5.5, 0.8), (0.3, 0.3, 0.8), yaw=np.radians(45.0))  # 135°: ahead of the walk


def side(sign: float) -> list:
    """Furniture round the centre on the right of the start's view (``sign`` -1: clockwise from +x,
    at -45°, -90°, -135°, 180°) or mirrored on its left (+1)."""
    chairs = [box(3 + k, f"chair_{k}", (3.0 + 1.6 * np.cos(a), 3.0 + 1.6 * np.sin(a), 0.45), (0.25, 0.25, 0.45))
              for k, a in enumerate(np.radians(sign * np.array([45.0, 90.0, 135.0])))]
    return chairs + [box(6, "plant", (1.2, 3.0, 0.5), (0.2, 0.2, 0.5))]


def start_turn(poses, frames: int = 30) -> np.ndarray:
    """The camera's heading (deg, unwrapped from the start's 0°) over the walk's first frames."""
    yaws = np.arctan2(poses[:frames, 1, 2], poses[:frames, 0, 2])
    return np.degrees(np.unwrap(np.concatenate([[0.0], yaws])))


def test_a_turn_across_bare_wall_goes_the_long_way_round():
    # things stand only to the right: turning 135° left would sweep 3 m of bare wall
    poses, cfg, req, house, boxes = turn_at_the_centre([AHEAD, ON_THE_WAY, *side(-1.0)])
    assert not len(blank := blank_frames(poses, cfg, req, house, boxes)), blank
    heading = start_turn(poses)
    assert heading.max() < 10.0  # never to the left of the start's view...
    assert heading.min() < -200.0  # ...but round the right (clockwise), 225° to the way
    assert np.isclose(heading[-1] % 360.0, 135.0, atol=15.0)


def test_a_turn_across_things_stays_the_short_way():
    # the same things mirrored to the left: the short way shows them, so no spin to the right
    poses, cfg, req, house, boxes = turn_at_the_centre([AHEAD, ON_THE_WAY, *side(1.0)])
    assert not len(blank := blank_frames(poses, cfg, req, house, boxes)), blank
    heading = start_turn(poses)
    assert heading.min() > -10.0 and 120.0 < heading.max() < 160.0
