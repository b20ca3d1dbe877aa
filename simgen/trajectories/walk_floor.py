"""Floor views of the walkthrough: stations from which the camera looks along the floor (at the
walkthrough's ``pitch_deg``), on a lattice of free spots × ``_FLOOR_YAWS`` headings, fitted into the
tour while too little of the floor is predicted seen. Each keeps some object near the middle of its
view (``walk_headings.central``), so the walk turning off it is never bare. ``cfg`` is the
walkthrough's config."""
import numpy as np

from simgen.trajectories.base import PlanRequest
from simgen.trajectories.box_visibility import any_shown, floor_shown, level_pixels
from simgen.trajectories.occupancy import OccupancyGrid
from simgen.trajectories.planning_geometry import Boxes, Room, camera_poses, directions, yaw_pitch_towards
from simgen.trajectories.raycast import first_hit
from simgen.trajectories.viewpoints import Viewpoints
from simgen.trajectories.walk_headings import central

_FLOOR_SPACING_M = 0.5  # lattice of floor-view stations
_FLOOR_YAWS = 8  # headings tried at each floor-view station


def append_stations(views: Viewpoints, eyes, yaws, pitches) -> Viewpoints:
    """``views`` with stations appended that show no object clearly (waypoints, floor views)."""
    none = np.zeros((len(eyes), views.sees.shape[1]), dtype=bool)
    return views.concat(Viewpoints(eyes, yaws, pitches, none, none, eyes[:, :2]))


def floor_views(cfg, grid: OccupancyGrid, room: Room, boxes: Boxes, request: PlanRequest, cells: np.ndarray):
    """Stations for looking at the floor: free spots on a lattice × ``_FLOOR_YAWS`` headings at
    ``pitch_deg``, each safe to look along and showing some object at the ``seen`` level (with the
    pixel margin); returns (eyes, yaws, pitches, floor cells each shows)."""
    step = max(1, int(round(_FLOOR_SPACING_M / grid.resolution)))
    lattice = np.zeros(grid.shape, dtype=bool)
    lattice[::step, ::step] = True
    spots = grid.centers(np.argwhere(grid.largest_component() & lattice))
    yaws = np.tile(np.linspace(-np.pi, np.pi, _FLOOR_YAWS, endpoint=False), len(spots))
    eyes = np.column_stack([np.repeat(spots, _FLOOR_YAWS, axis=0), np.full(len(yaws), cfg.eye_height_m)])
    pitches = np.full(len(yaws), np.radians(cfg.pitch_deg))
    safe = first_hit(eyes, directions(yaws, pitches), room, boxes) >= cfg.min_view_distance_m
    if len(boxes):  # a floor view shows some object too, as ``walk_headings.showing`` judges it: no bare frame
        need = level_pixels(request.visibility, "seen", request.intrinsics, cfg.pixel_margin)
        poses = camera_poses(eyes[safe], yaws[safe], pitches[safe])
        bearing, _ = yaw_pitch_towards(eyes[safe][:, None, :], boxes.centers[None])
        safe[safe] = any_shown(poses, request.intrinsics, room, boxes, need, among=central(yaws[safe][:, None], bearing, request))
    eyes, yaws, pitches = eyes[safe], yaws[safe], pitches[safe]
    shown = floor_shown(camera_poses(eyes, yaws, pitches), request.intrinsics, room, boxes, cells)
    return eyes, yaws, pitches, shown
