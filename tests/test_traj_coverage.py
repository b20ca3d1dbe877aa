"""Visibility estimate, tour helpers and the coverage planner."""
import numpy as np
import pytest

from simgen.registry import PLANNERS, ConfigError
from simgen.seeding import rng
from simgen.trajectories.planning_geometry import Boxes, PlanningError, Room, camera_poses, yaw_pitch_towards
from simgen.trajectories.tour import allocate_frames, order_tour, two_opt
from simgen.trajectories.viewpoints import choose
from simgen.trajectories.box_visibility import estimate, predicted_coverage
from simgen.visibility_model import VisibilityModel
from simgen.types import RoomSpec
from test_traj_scenes import box, rect_scene, request, scene

BIG = ((0, 0), (10, 0), (10, 10), (0, 10))


def boxes_of(spec):
    """Room and boxes of a scene."""
    return Room.from_spec(spec.room), Boxes.from_request(request(spec))


def test_silhouette_of_a_face_on_cube_matches_the_pinhole_formula():
    room, boxes = boxes_of(scene(BIG, [box(1, "cube", (6.0, 5.0, 1.5), (0.5, 0.5, 0.5))]))
    pose = camera_poses(np.array([[1.0, 5.0, 1.5]]), [0.0], [0.0])
    est = estimate(pose, request(scene(BIG, [])).intrinsics, room, boxes)
    f = request(scene(BIG, [])).intrinsics.fx
    assert est.pixels[0, 0] == pytest.approx((f * 1.0 / 4.5) ** 2)  # only the near face, 4.5 m away
    assert est.in_frame[0, 0] == 1.0 and est.occlusion[0, 0] == 0.0


def test_an_object_behind_another_is_occluded_and_one_behind_the_camera_is_out_of_frame():
    spec = scene(BIG, [box(1, "cube", (6.0, 5.0, 1.5), (0.3, 0.3, 0.3)), box(2, "wall", (4.0, 5.0, 1.5), (0.1, 1.0, 1.5))])
    room, boxes = boxes_of(spec)
    poses = camera_poses(np.array([[1.0, 5.0, 1.5]] * 2), [0.0, np.pi], [0.0, 0.0])
    est = estimate(poses, request(spec).intrinsics, room, boxes)
    assert est.occlusion[0, 0] == 1.0 and est.pixels[0, 0] == 0.0
    assert est.in_frame[1].max() == 0.0 and np.isnan(est.occlusion[1]).all()
    counts = predicted_coverage(request(spec), poses)
    assert counts == {1: 0, 2: 1}


def test_allocate_frames_respects_minimums_and_budget():
    roomy = allocate_frames(3, [5, 7], [10, 14], 40)  # preferred fits: 7 spare frames shared in proportion
    assert sum(roomy) == 40 and (np.array(roomy) >= [3, 10, 3, 14, 3]).all() and roomy[3] - 14 >= roomy[1] - 10
    frames = allocate_frames(3, [5, 7], [10, 14], 25)  # between fastest and preferred
    assert sum(frames) == 25 and frames[0::2] == [3, 3, 3] and frames[1] >= 5 and frames[3] >= 7
    assert allocate_frames(3, [5, 7], [10, 14], 20) is None
    assert allocate_frames(4, [], [], 9) == [9]


def test_tour_order_visits_collinear_stations_in_sequence():
    eyes = np.array([[3.0, 0, 0], [0.0, 0, 0], [2.0, 0, 0], [1.0, 0, 0]])
    order = order_tour(eyes, np.zeros(4), speed=1.0, turn_rate=1.0)
    assert order in ([1, 3, 2, 0], [0, 2, 3, 1])
    cost = np.abs(eyes[:, None, 0] - eyes[None, :, 0])
    assert two_opt([1, 2, 3, 0], cost) in ([1, 3, 2, 0], [0, 2, 3, 1])


def cover(spec, n=90, fps=10.0, visibility=VisibilityModel(), **cfg):
    """The coverage planner and its poses."""
    planner = PLANNERS.build({"name": "coverage", **cfg})
    return planner, planner.plan(request(spec, n, fps, visibility=visibility), rng(0, 0, 0, "t"))


def test_coverage_shows_every_object_clearly_in_clear_frames():
    model = VisibilityModel(clear_frames=4)
    planner, T = cover(rect_scene(), visibility=model)
    counts = predicted_coverage(request(rect_scene(), 90, visibility=model), T, "clear")
    assert min(counts.values()) >= 4 and planner.report.uncovered == ()
    assert planner.report.predicted == counts and len(planner.report.viewpoints) >= 2


def test_dwell_frames_look_at_their_viewpoint():
    planner, T = cover(rect_scene())
    for x, y, z, yaw, pitch in planner.report.viewpoints:
        at = np.flatnonzero(np.linalg.norm(T[:, :3, 3] - [x, y, z], axis=1) < 1e-9)
        assert len(at) >= VisibilityModel().clear_frames
        assert np.allclose(T[at], camera_poses(np.array([[x, y, z]]), [yaw], [pitch])[0])


def enclosed_scene():
    """A cube boxed in on all four sides by tall panels: visible from nowhere at eye height... except
    from above, which the planner does not do."""
    panels = [box(2 + i, f"panel_{i}", c, h) for i, (c, h) in enumerate([
        ((6.0, 5.0, 1.2), (0.05, 0.5, 1.2)), ((5.0, 5.0, 1.2), (0.05, 0.5, 1.2)),
        ((5.5, 5.45, 1.2), (0.5, 0.05, 1.2)), ((5.5, 4.55, 1.2), (0.5, 0.05, 1.2)),
    ])]
    return scene(BIG, [box(1, "hidden", (5.5, 5.0, 0.3), (0.2, 0.2, 0.3))] + panels)


def test_uncoverable_objects_are_reported_or_raise_when_required():
    planner, T = cover(enclosed_scene())
    assert planner.report.uncovered == ("hidden",)
    assert planner.report.predicted[1] == 0
    with pytest.raises(PlanningError, match=r"1 object\(s\) seen clearly in fewer than 3 frames: hidden"):
        cover(enclosed_scene(), require_all=True)


def test_short_budgets_drop_viewpoints_and_report_what_is_lost():
    planner, T = cover(rect_scene(), n=8, fps=4.0)
    assert T.shape == (8, 4, 4)
    seen = {name for name, i in zip(Boxes.from_request(request(rect_scene())).names, range(1, 6)) if planner.report.predicted[i] >= 3}
    assert seen and set(planner.report.uncovered) == {"table", "mug", "sofa", "shelf", "plant"} - seen


def test_a_scene_without_objects_is_a_clear_error():
    with pytest.raises(PlanningError, match="no viewpoint sees any of the 0 objects"):
        cover(scene(BIG, []))


def test_coverage_config_errors_name_the_key():
    with pytest.raises(ConfigError, match=r"trajectory\.max_distance_m: expected a number in \[2\.0, 50\.0\]"):
        PLANNERS.config({"name": "coverage", "min_distance_m": 2.0, "max_distance_m": 1.5})
    with pytest.raises(ConfigError, match=r"trajectory\.min_pitch_deg"):
        PLANNERS.config({"name": "coverage", "min_pitch_deg": -50.0})


def test_room_walls_occlude_in_an_l_room():
    spec = scene(((0, 0), (6, 0), (6, 3), (3, 3), (3, 6), (0, 6)), [box(1, "crate", (1.5, 5.0, 0.5), (0.3, 0.3, 0.5))])
    room = Room.from_spec(RoomSpec(spec.room.footprint, 2.8))
    pose = camera_poses(np.array([[5.0, 1.5, 1.5]]), [np.arctan2(3.5, -3.5)], [0.0])
    est = estimate(pose, request(spec).intrinsics, room, Boxes.from_request(request(spec)))
    assert est.occlusion[0, 0] == 1.0


def test_a_container_does_not_hide_what_it_holds():
    # a vase on a shelf level lies inside the shelf's box: the shelf is open, not a solid block
    shelf = box(1, "shelf", (6.0, 5.0, 1.0), (0.2, 0.5, 1.0))
    vase = box(2, "vase", (6.0, 5.0, 1.2), (0.08, 0.08, 0.12), kind="small")
    panel = box(3, "panel", (4.0, 8.0, 1.0), (0.1, 0.5, 1.0))
    cup = box(4, "cup", (6.0, 8.0, 1.2), (0.2, 0.2, 0.2), kind="small")  # behind a panel it is not inside
    spec = scene(BIG, [shelf, vase, panel, cup])
    room, boxes = boxes_of(spec)
    poses = camera_poses(np.array([[3.0, 5.0, 1.5], [2.0, 8.0, 1.5]]), [0.0, 0.0], [np.arctan2(-0.3, 3.0)] * 2)
    est = estimate(poses, request(spec).intrinsics, room, boxes)
    assert est.occlusion[0, 1] == 0.0 and est.occlusion[1, 3] == 1.0
    assert np.isnan(est.occlusion[0, 3])  # out of frame there: no rays were needed


def test_a_shelf_board_hides_what_lies_below_it_from_above():
    """The shelf's box does not hide the vase it holds, but its board 13 cm above the vase does for a
    view from above (eye over the shelf's front edge), not for a view from the front at vase level."""
    from dataclasses import replace

    from simgen.types import Part, Pose

    boards = [Part("box", (0.2, 0.5, 0.01), Pose((0.0, 0.0, z))) for z in (-0.99, 0.45, 0.99)]
    sides = [Part("box", (0.2, 0.01, 1.0), Pose((0.0, y, 0.0))) for y in (-0.49, 0.49)]
    shelf = replace(box(1, "shelf", (6.0, 5.0, 1.0), (0.2, 0.5, 1.0)), parts=tuple(boards + sides))
    vase = box(2, "vase", (6.0, 5.0, 1.2), (0.08, 0.08, 0.12), kind="small")
    spec = scene(BIG, [shelf, vase])
    room, boxes = boxes_of(spec)
    assert len(boxes.parts) == 5 and (boxes.part_owner == 0).all()
    eyes = np.array([[3.0, 5.0, 1.3], [5.5, 5.0, 2.4]])
    yaw, pitch = yaw_pitch_towards(eyes, np.array([[6.0, 5.0, 1.2]] * 2))
    est = estimate(camera_poses(eyes, yaw, pitch), request(spec).intrinsics, room, boxes)
    assert est.occlusion[0, 1] == 0.0
    assert est.occlusion[1, 1] > 0.5


def test_viewpoints_prefer_the_pixel_margin_but_settle_for_the_threshold():
    sees = np.array([[1, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=bool)
    well = np.array([[0, 1, 0], [0, 0, 0], [1, 0, 0]], dtype=bool)
    views = type("V", (), {"sees": sees, "sees_well": well})()
    assert choose(views) == [0, 2, 1]  # well-seen first (objects 1, 0), then object 2 at the plain threshold


def test_the_predictor_counts_a_close_up_bed_as_seen():
    """A bed just ahead and below fills the frame with most of its box outside it: the box-based
    prediction judges its visible pixels with the same model as the masks, with no in-frame gate."""
    spec = scene(BIG, [box(1, "bed", (3.2, 5.0, 0.3), (1.0, 2.0, 0.3))])
    room, boxes = boxes_of(spec)
    pose = camera_poses(np.array([[1.9, 5.0, 1.5]]), [0.0], [np.radians(-35.0)])
    est = estimate(pose, request(spec).intrinsics, room, boxes)
    assert est.in_frame[0, 0] < 0.5 and est.pixels[0, 0] > 0.3 * 320 * 240
    assert predicted_coverage(request(spec), pose, "clear") == {1: 1}


def test_silhouette_fill_of_simple_shapes():
    """A box fills its box; a ball fills π/4 of each face of its cube; a pole-and-shade lamp much less."""
    from dataclasses import replace

    from simgen.trajectories.planning_geometry import silhouette_fill
    from simgen.types import Part, Pose

    crate = box(1, "crate", (0, 0, 0.5), (0.5, 0.5, 0.5))
    ball = replace(crate, parts=(Part("sphere", (0.5, 0.5, 0.5)),))
    lamp = replace(crate, half_extents=(0.2, 0.2, 0.8), parts=(
        Part("cylinder", (0.02, 0.02, 0.6), Pose((0.0, 0.0, -0.2))),
        Part("cylinder", (0.2, 0.2, 0.2), Pose((0.0, 0.0, 0.6))),
    ))
    assert silhouette_fill(crate) == 1.0
    assert silhouette_fill(ball) == pytest.approx(np.pi / 4, abs=0.02)
    # side views: pole 0.04 × 1.2 plus shade 0.4 × 0.4 of a 0.4 × 1.6 face; top view: the shade's disc
    side = (0.04 * 1.2 + 0.4 * 0.4) / (0.4 * 1.6)
    assert silhouette_fill(lamp) == pytest.approx((2 * side + np.pi / 4) / 3, abs=0.03)


def test_a_kept_station_stays_and_one_whose_objects_others_show_gives_way():
    """Three stations in a bare 10 m room, frames for two: ``a`` shows objects 0 and 1, ``b`` (near
    it) object 1 again, ``c`` (far off) none: a floor view. Unkept, the far floor view is dropped (it
    loses no object and saves the most frames); kept, ``b`` gives way and what ``a`` shows stays."""
    from simgen.trajectories.occupancy import build_grid
    from simgen.trajectories.viewpoints import ViewpointConfig, Viewpoints, fit_tour

    cfg = ViewpointConfig()
    spec = scene(BIG, [])
    room, boxes = boxes_of(spec)
    grid = build_grid(room, boxes, cfg.eye_height_m, cfg.clearance_m, cfg.grid_resolution_m)
    eyes = np.array([[2.0, 5.0, 1.5], [3.0, 5.0, 1.5], [8.0, 5.0, 1.5]])
    sees = np.array([[True, True], [False, True], [False, False]])
    views = Viewpoints(eyes, np.zeros(3), np.zeros(3), sees, sees, eyes[:, :2])
    # frames at max_speed_mps (2 m/s, eased: 1.5×) plus 5 per station: a-b-c 15 + 8 + 38 = 61,
    # a-b 18, a-c 55: with 56 frames one station must go
    stations, _, frames = fit_tour(cfg, grid, views, [0, 1, 2], 56, 10.0, 5)
    assert sorted(stations) == [0, 1] and sum(frames) == 56
    stations, _, frames = fit_tour(cfg, grid, views, [0, 1, 2], 56, 10.0, 5, keep={2})
    assert sorted(stations) == [0, 2] and sum(frames) == 56


def test_short_of_frames_every_station_is_passed_briskly_before_an_object_is_lost():
    """Three stations 3 m apart in a bare 10 m room, each the only one showing its object: at 5
    frames a station they do not fit in 58 frames (two legs of 23 at max_speed_mps, eased, + 15), so
    without ``min_dwell`` one goes and its object with it; with ``min_dwell`` 3 (+ 9) all stay."""
    from simgen.trajectories.occupancy import build_grid
    from simgen.trajectories.viewpoints import ViewpointConfig, Viewpoints, fit_tour

    cfg = ViewpointConfig()
    room, boxes = boxes_of(scene(BIG, []))
    grid = build_grid(room, boxes, cfg.eye_height_m, cfg.clearance_m, cfg.grid_resolution_m)
    eyes = np.array([[2.0, 5.0, 1.5], [5.0, 5.0, 1.5], [8.0, 5.0, 1.5]])
    sees = np.eye(3, dtype=bool)
    views = Viewpoints(eyes, np.zeros(3), np.zeros(3), sees, sees, eyes[:, :2])
    stations, _, frames = fit_tour(cfg, grid, views, [0, 1, 2], 58, 10.0, 5)
    assert len(stations) == 2 and sum(frames) == 58
    stations, _, frames = fit_tour(cfg, grid, views, [0, 1, 2], 58, 10.0, 5, min_dwell=3)
    assert sorted(stations) == [0, 1, 2] and frames[::2] == [3, 3, 3] and sum(frames) == 58
    # frames enough for the full pass: min_dwell changes nothing
    assert fit_tour(cfg, grid, views, [0, 1, 2], 80, 10.0, 5, min_dwell=3)[2][::2] == [5, 5, 5]
