"""The planner's fast paths give exactly what the plain computations give: segments that skip far
boxes before the slab test, fans of rays from one eye, one object per pose, and the Viterbi step
over a sliding window. Each is compared bit for bit with the all-pairs formulation it replaces, on
random scenes with grazing, zero-length and axis-parallel segments (where a careless bound or a
reordered sum would show)."""
import numpy as np
import pytest
from test_traj_scenes import L_SHAPE, rect_scene, request

from simgen.geometry import quat_to_matrix, wrap_angle
from simgen.trajectories.box_visibility import estimate, estimate_pairs
from simgen.trajectories.heading import plan_yaws, safe_yaws, yaw_bins
from simgen.trajectories.planning_geometry import Boxes, Room, camera_poses, directions
from simgen.trajectories.raycast import (
    fan_box_hits,
    first_box_hit,
    first_hit,
    ray_box_intervals,
    segments_clear,
)
from simgen.types import RoomSpec


def random_boxes(g, m: int) -> Boxes:
    """``m`` boxes at random poses in the L room, some yawed only, some tilted, some tiny."""
    q = g.normal(size=(m, 4))
    q[::2, 1:3] = 0.0  # yaw-only (upright furniture)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    halves = g.uniform(0.02, 0.9, (m, 3))
    return Boxes(np.arange(m), tuple(f"b{i}" for i in range(m)), g.uniform([0, 0, 0], [6, 6, 2.5], (m, 3)),
                 halves, np.array([quat_to_matrix(x) for x in q]))


def all_pairs_clear(starts, ends, room, boxes, ignore=None, eps=1e-3):
    """segments_clear without skipping any box: every (segment, box) pair through the slab test."""
    walls_only = segments_clear(starts, ends, room, Boxes(np.zeros(0, int), (), np.zeros((0, 3)), np.zeros((0, 3)),
                                                          np.zeros((0, 3, 3))))
    t0, t1 = ray_box_intervals(starts, ends - starts, boxes.centers, boxes.halves, boxes.rotations)
    hit = (t0 <= t1) & (t0 < 1.0 - eps) & (t1 > eps)
    if ignore is not None:
        hit &= ~ignore
    return walls_only & ~hit.any(axis=1)


@pytest.mark.parametrize("seed", range(6))
def test_skipping_far_boxes_changes_no_segment(seed):
    g = np.random.default_rng(seed)
    room, boxes = Room.from_spec(RoomSpec(L_SHAPE, 2.8)), random_boxes(g, 25)
    eyes = np.repeat(g.uniform([0.2, 0.2, 0.3], [2.8, 5.8, 2.0], (40, 3)), 27, axis=0)
    ends = np.repeat(boxes.centers[g.integers(0, 25, 40)], 27, axis=0) + g.normal(0.0, 0.3, (len(eyes), 3))
    k = g.integers(0, 25, 200)  # ends on box faces and corners, and segments grazing them
    corner = boxes.centers[k] + np.einsum("kij,kj->ki", boxes.rotations[k], boxes.halves[k] * g.choice([-1.0, 1.0], (200, 3)))
    ends[:200] = corner
    ends[200:400] = corner + 1e-9 * g.normal(size=(200, 3))
    inside = boxes.centers[k] + (corner - boxes.centers[k]) * (1.0 - 1e-7)  # a hair inside a corner
    out = (corner - boxes.centers[k]) / np.linalg.norm(corner - boxes.centers[k], axis=1, keepdims=True)
    across = g.normal(size=(200, 3))
    across -= (across * out).sum(axis=1, keepdims=True) * out  # across the diagonal: nearest the centre there
    eyes[460:660], ends[460:660] = inside - across, inside + across  # segments clipping a corner by a hair
    ends[400:420] = eyes[400:420]  # zero length
    ends[420:460] = eyes[420:460] + [1.5, 0.0, 0.0]  # axis-parallel
    ignore = g.random((len(eyes), 25)) < 0.2
    for ign in (None, ignore):
        expected = all_pairs_clear(eyes, ends, room, boxes, ign)
        for run in (1, 8, 27):  # 27: the estimate's rays from an eye to one box's samples
            assert np.array_equal(segments_clear(eyes, ends, room, boxes, ignore=ign, run=run), expected)


def test_a_fan_of_rays_hits_what_each_ray_hits_alone():
    g = np.random.default_rng(7)
    boxes = random_boxes(g, 20)
    eyes = g.uniform([0.2, 0.2, 0.5], [2.8, 5.8, 2.0], (30, 3))
    dirs = directions(yaw_bins(90)[None, :], g.uniform(-0.6, 0.3, 30)[:, None])  # (30, 90, 3)
    near = g.random((30, 20)) < 0.4
    fan = fan_box_hits(eyes, dirs, boxes, near)
    for n in range(30):
        alone = first_box_hit(np.broadcast_to(eyes[n], dirs[n].shape), dirs[n], boxes, ignore=np.broadcast_to(~near[n], (90, 20)))
        assert np.array_equal(fan[n], alone)


def test_safe_yaws_match_casting_each_eye_against_its_near_boxes():
    g = np.random.default_rng(3)
    room, boxes = Room.from_spec(RoomSpec(L_SHAPE, 2.8)), random_boxes(g, 20)
    eyes, pitches = g.uniform([0.2, 0.2, 0.5], [2.8, 5.8, 2.0], (25, 3)), g.uniform(-0.6, 0.3, 25)
    bins = yaw_bins()
    expected = []
    for eye, pitch in zip(eyes, pitches):
        near = np.linalg.norm(boxes.centers - eye, axis=1) <= 0.5 + np.linalg.norm(boxes.halves, axis=1)
        rays = directions(bins, pitch)
        expected.append(first_hit(np.broadcast_to(eye, rays.shape), rays, room, boxes.subset(near)) >= 0.5)
    assert np.array_equal(safe_yaws(eyes, pitches, room, boxes, 0.5, bins), np.array(expected))


def test_one_object_per_pose_is_the_estimates_own_number():
    req = request(rect_scene())
    room, boxes = Room.from_spec(req.scene.room), Boxes.from_request(req)
    g = np.random.default_rng(5)
    eyes = np.column_stack([g.uniform(0.3, 4.7, 60), g.uniform(0.3, 3.7, 60), g.uniform(0.5, 2.0, 60)])
    poses = camera_poses(eyes, g.uniform(-np.pi, np.pi, 60), g.uniform(-0.6, 0.2, 60))
    full = estimate(poses, req.intrinsics, room, boxes, 50.0)
    objects = g.integers(0, len(boxes), 60)
    pairs = estimate_pairs(poses, objects, req.intrinsics, room, boxes, 50.0)
    rows = np.arange(60)
    for name in ("pixels", "in_frame", "occlusion"):
        assert getattr(pairs, name).tobytes() == getattr(full, name)[rows, objects].tobytes()
    assert (pairs.occlusion[pairs.pixels >= 50.0] >= 0).all()  # cast where the threshold can be met


def test_viterbi_window_matches_rolling_every_offset():
    g = np.random.default_rng(11)
    n, k = 60, 720
    desired = wrap_angle(np.cumsum(g.normal(0.0, 0.15, n)))
    allowed = g.random((n, k)) > 0.3
    penalty = g.uniform(0.0, 5.0, (n, k))
    fixed = g.random(n) < 0.1
    yaws, _ = plan_yaws(desired, allowed, np.radians(12.0), fixed=fixed, penalty=penalty)
    # the plain recursion: every step offset by np.roll, first minimum wins
    bins, width = yaw_bins(k), 2.0 * np.pi / k
    s = int(np.floor(np.radians(12.0) / width - 1.0))
    nearest = np.argmin(np.abs(wrap_angle(bins[None, :] - desired[:, None])), axis=1)
    cost = wrap_angle(bins[None, :] - desired[:, None]) ** 2 + 1e6 * ~allowed + penalty
    cost[fixed] = 1e7
    cost[fixed, nearest[fixed]] = 0.0
    offsets = np.arange(-s, s + 1)
    value, back = cost[0].copy(), np.zeros((n, k), dtype=int)
    for t in range(1, n):
        total = np.stack([np.roll(value, o) for o in offsets]) + ((offsets * width) ** 2)[:, None]
        pick = np.argmin(total, axis=0)
        value, back[t] = total[pick, np.arange(k)] + cost[t], offsets[pick]
    j = np.empty(n, dtype=int)
    j[-1] = int(np.argmin(value))
    for t in range(n - 1, 0, -1):
        j[t - 1] = (j[t] - back[t, j[t]]) % k
    assert np.array_equal(yaws, np.where(fixed, wrap_angle(desired), bins[j]))


def test_box_frame_sums_in_einsums_order():
    """The slab test writes R^T v out as einsum sums it (which the plans were made with)."""
    g = np.random.default_rng(2)
    origins, dirs = g.normal(size=(50, 3)) * 3, g.normal(size=(50, 3))
    boxes = random_boxes(g, 30)
    rel = origins[:, None, :] - boxes.centers[None]
    o = np.einsum("nmk,mkj->nmj", rel, boxes.rotations)
    d = np.einsum("nk,mkj->nmj", dirs, boxes.rotations)
    d = np.where(np.abs(d) < 1e-12, 1e-12, d)
    t1, t2 = (-boxes.halves[None] - o) / d, (boxes.halves[None] - o) / d
    t0, t1_ = ray_box_intervals(origins, dirs, boxes.centers, boxes.halves, boxes.rotations)
    assert t0.tobytes() == np.minimum(t1, t2).max(axis=-1).tobytes()
    assert t1_.tobytes() == np.maximum(t1, t2).min(axis=-1).tobytes()


def test_camera_frames_sum_in_einsums_order():
    """World points in camera frames, as the estimate computed them with geometry.invert and einsum."""
    from simgen.geometry import invert
    from simgen.trajectories.box_visibility import _camera_frames, _in_camera

    g = np.random.default_rng(4)
    poses = camera_poses(g.uniform(0.0, 5.0, (30, 3)), g.uniform(-np.pi, np.pi, 30), g.uniform(-0.6, 0.3, 30))
    points = g.uniform(-1.0, 6.0, (40, 3))
    inv = np.stack([invert(T) for T in poses])
    rot, trans = _camera_frames(poses)
    expected = np.einsum("fij,pj->fpi", inv[:, :3, :3], points) + inv[:, None, :3, 3]
    assert _in_camera(rot[:, None], trans[:, None], points[None]).tobytes() == expected.tobytes()


def test_central_bearings_match_wrapping_each_angle():
    """walk_headings.central decides by min(|d|, 2π − |d|) and leaves wrap_angle the doubtful cases: the
    same answer as |wrap_angle(yaw − bearing)| ≤ limit for bearings a few ulps either side of each
    bin's limit (and its 2π alias), random ones, and differences beyond ±2π."""
    from simgen.trajectories.walk_headings import central

    req = request(rect_scene())
    limit = 0.8 * np.arctan2(0.5 * req.intrinsics.width, req.intrinsics.fx)
    bins = yaw_bins()
    edge = []
    for base in np.concatenate([bins[::5] + limit, bins[::5] - limit, bins[::5] + limit - 2 * np.pi,
                                bins[::5] - limit + 2 * np.pi]):
        for way in (np.inf, -np.inf):
            x = base
            for _ in range(4):
                edge.append(x)
                x = np.nextafter(x, way)
    g = np.random.default_rng(5)
    edge = np.array([b for b in edge if -np.pi < b <= np.pi])
    for yaws, bearing in ((bins[None, :], edge[:, None]), (bins[None, :], g.uniform(-np.pi, np.pi, (200, 1))),
                          (g.uniform(-9.0, 9.0, (1, 300)), g.uniform(-9.0, 9.0, (300, 1)))):
        expected = np.abs(wrap_angle(yaws - bearing)) <= limit
        got = central(yaws, bearing, req)
        assert np.array_equal(got, expected)
        assert expected.any() and not expected.all()  # else this tells nothing


def test_central_any_counts_each_bearings_run_of_bins_to_the_same_answer():
    """walk_headings.central_any counts each shown bearing's run of central bins: the same (N, K) as
    judging every pair and bin with ``central``, for bearings a few ulps either side of each bin's
    limit, at ±π, and random ones; frames that show nothing and frames where every object shows."""
    from simgen.trajectories.walk_headings import central, central_any

    req, bins, g = request(rect_scene()), yaw_bins(), np.random.default_rng(11)
    limit = 0.8 * np.arctan2(0.5 * req.intrinsics.width, req.intrinsics.fx)
    edge = []
    for base in np.concatenate([bins[::7] + limit, bins[::7] - limit, [np.pi, -np.pi + 1e-12, 0.0]]):
        for way in (np.inf, -np.inf):
            x = base
            for _ in range(3):
                edge.append(x)
                x = np.nextafter(x, way)
    edge = np.array([wrap_angle(b) for b in edge])
    edge = np.concatenate([edge, [-np.pi, np.pi], g.uniform(-np.pi, np.pi, 300)])  # arctan2 gives −π too
    bearing = np.resize(edge, (len(edge) // 9 + 1, 9))
    shown = g.random(bearing.shape) < 0.5
    shown[:5], shown[5:8] = False, True
    expected = (central(bins[None, None, :], bearing[..., None], req) & shown[..., None]).any(axis=1)
    assert np.array_equal(central_any(shown, bearing, len(bins), req), expected)
    assert not expected[:5].any() and expected[5:].any() and not expected[5:].all()
    one = np.zeros_like(shown)
    one[:, 0] = True  # a single bearing per frame: each run's exact ends
    assert np.array_equal(central_any(one, bearing, len(bins), req), central(bins[None, :], bearing[:, :1], req))


def test_directions_take_cos_and_sin_before_broadcasting_to_the_same_bits():
    """planning_geometry.directions computes each frame's pitch terms once, not once per bin: the same
    bits as the functions applied to the broadcast grids, and unit vectors, x towards yaw 0, z up."""
    g = np.random.default_rng(2)
    yaws, pitches = yaw_bins()[None, :], g.uniform(-0.8, 0.5, (30, 1))
    y, p = np.broadcast_arrays(yaws, pitches)
    plain = np.stack([np.cos(p) * np.cos(y), np.cos(p) * np.sin(y), np.sin(p)], axis=-1)
    assert directions(yaws, pitches).tobytes() == plain.tobytes()
    assert np.allclose(directions(0.0, 0.0), [1.0, 0.0, 0.0]) and np.allclose(directions(np.pi / 2, 0.3)[[0, 1]], [0.0, np.cos(0.3)])
    assert directions(0.0, 0.4)[2] > 0  # positive pitch looks up (Z-up)


@pytest.mark.parametrize("need", [20.0, 300.0, 3000.0])
def test_any_shown_casts_few_pairs_to_the_estimates_own_answer(need):
    """box_visibility.any_shown casts each pose's likeliest box first: the same (F,) answer as the full
    estimate any'd over the boxes, with and without ``among`` and ``min_in_frame``, and it is no
    constant (some poses show a box, some none)."""
    from simgen.trajectories.box_visibility import any_shown

    req = request(rect_scene())
    room, boxes = Room.from_spec(req.scene.room), Boxes.from_request(req)
    g = np.random.default_rng(9)
    eyes = np.column_stack([g.uniform(0.3, 4.7, 80), g.uniform(0.3, 3.7, 80), g.uniform(0.5, 2.0, 80)])
    poses = camera_poses(eyes, g.uniform(-np.pi, np.pi, 80), g.uniform(-0.6, 0.2, 80))
    full = estimate(poses, req.intrinsics, room, boxes, need)
    among = g.random((80, len(boxes))) < 0.5
    for mask, min_in_frame in ((None, 0.0), (among, 0.0), (None, 0.2), (among, 0.2)):
        ok = full.at_least(need) & (full.in_frame >= min_in_frame) & (True if mask is None else mask)
        expected = ok.any(axis=1)
        got = any_shown(poses, req.intrinsics, room, boxes, need, among=mask, min_in_frame=min_in_frame)
        assert np.array_equal(got, expected)
        assert expected.any() and not expected.all()


def test_boxes_culled_as_out_of_view_have_no_sample_in_the_image():
    """estimate_pairs skips a box whose bounding sphere lies beyond the view's frustum, and projects
    no sample of one whose sphere lies wholly inside it: each skipped pair has no sample projecting
    into the image and each wholly inside has all of them, by a plain pinhole projection (u = fx·x/z + cx, the
    OpenCV camera: x right, y down, z forward), so its estimate (0 pixels, none in frame, no rays) is
    what the full computation gives. Tilted, tiny and frustum-grazing boxes included."""
    from simgen.geometry import invert
    from simgen.trajectories.box_visibility import (
        NEAR_M,
        _camera_frames,
        _in_view,
        box_samples,
    )

    req = request(rect_scene())
    k, g = req.intrinsics, np.random.default_rng(6)
    boxes = random_boxes(g, 40)
    poses = camera_poses(g.uniform([0.3, 0.3, 0.4], [5.7, 5.7, 2.0], (60, 3)), g.uniform(-np.pi, np.pi, 60),
                         g.uniform(-0.6, 0.3, 60))
    pose, obj = np.repeat(np.arange(60), 40), np.tile(np.arange(40), 60)
    rot, trans = _camera_frames(poses)
    looked, wholly = _in_view(rot[pose], trans[pose], boxes, obj, k)
    cam = np.einsum("pij,psj->psi", np.stack([invert(T) for T in poses])[pose, :3, :3], box_samples(boxes)[obj]) \
        + np.stack([invert(T) for T in poses])[pose, None, :3, 3]
    z = cam[..., 2]
    u, v = k.fx * cam[..., 0] / np.where(z > NEAR_M, z, 1.0) + k.cx, k.fy * cam[..., 1] / np.where(z > NEAR_M, z, 1.0) + k.cy
    in_image = (z > NEAR_M) & (u >= 0) & (u < k.width) & (v >= 0) & (v < k.height)
    assert not (in_image.any(axis=1) & ~looked).any()  # never a box with a sample in the image
    assert (~looked).sum() > 0.3 * len(looked) and (looked & ~in_image.any(axis=1)).any()  # culls many, conservatively
    assert in_image[wholly].all() and wholly.sum() > 20 and (in_image.all(axis=1) & ~wholly).any()  # wholly in: all in
    est = estimate_pairs(poses[pose], obj, k, Room.from_spec(RoomSpec(L_SHAPE, 2.8)), boxes, 50.0)
    assert (est.pixels[~looked] == 0).all() and (est.in_frame[~looked] == 0).all() and np.isnan(est.occlusion[~looked]).all()


def test_skipping_far_walls_changes_no_segment():
    """segments_clear tests a wall only against runs of segments whose plan bounds meet its own: the
    same answer as testing every segment against every wall, for segments ending on a wall, grazing
    its end, running along it, crossing a corner, and zero-length ones, at every run length."""
    from simgen.trajectories.raycast import _wall_params

    g = np.random.default_rng(8)
    room = Room.from_spec(RoomSpec(L_SHAPE, 2.8))
    a, b = room.walls
    starts = g.uniform([-0.5, -0.5, 0.2], [6.5, 6.5, 2.0], (600, 3))
    ends = starts + g.normal(0.0, 1.5, (600, 3))
    w = g.integers(0, len(a), 300)
    on = a[w] + g.uniform(0.0, 1.0, (300, 1)) * (b[w] - a[w])  # points on walls, and walls' ends
    ends[:100, :2], ends[100:150, :2] = on[:100], a[w[100:150]]
    ends[150:200, :2] = a[w[150:200]] + 1e-9 * g.normal(size=(50, 2))
    starts[200:250, :2], ends[200:250, :2] = a[w[200:250]], b[w[200:250]]  # along a wall
    ends[250:270] = starts[250:270]  # zero length
    e = b - a
    dx, dy = (ends - starts)[:, 0, None], (ends - starts)[:, 1, None]
    t, u = _wall_params(starts[:, 0, None], starts[:, 1, None], dx, dy, a[:, 0], a[:, 1], e[:, 0], e[:, 1])
    with np.errstate(invalid="ignore"):
        expected = ~((t > 1e-3) & (t < 1.0 - 1e-3) & (u >= 0.0) & (u <= 1.0)).any(axis=1)
    none = Boxes(np.zeros(0, int), (), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3, 3)))
    for run in (1, 8, 27):
        assert np.array_equal(segments_clear(starts, ends, room, none, run=run), expected)
    assert expected.any() and not expected.all()


def test_segment_distances_written_out_per_axis_keep_the_vector_forms_bits():
    """occupancy.segment_distances sums x and y by hand: the same bits as the projection written with
    2-vectors and np.linalg.norm, zero-length segments included, and the distances a ruler gives."""
    from simgen.trajectories.occupancy import segment_distances

    g = np.random.default_rng(12)
    pts, a, b = g.uniform(-3.0, 8.0, (4000, 2)), g.uniform(0.0, 5.0, (9, 2)), g.uniform(0.0, 5.0, (9, 2))
    b[0] = a[0]
    p, e = pts[:, None, :], (b - a)[None]
    t = np.clip(((p - a[None]) * e).sum(-1) / np.maximum((e**2).sum(-1), 1e-18), 0.0, 1.0)
    plain = np.linalg.norm(p - (a[None] + t[..., None] * e), axis=-1)
    assert segment_distances(pts, a, b).tobytes() == plain.tobytes()
    unit = segment_distances(np.array([[0.5, 2.0], [-3.0, 4.0], [2.0, 0.0]]), np.zeros((1, 2)), np.array([[1.0, 0.0]]))
    assert np.allclose(unit[:, 0], [2.0, 5.0, 1.0])


def test_tours_ordered_on_lists_and_partial_sums_match_whole_sums_over_numpy():
    """tour.order_tour and two_opt sum tour lengths on nested lists and carry a reversal's length on
    from the kept moves' partial sum: the orders the plain form (each candidate's whole length summed
    over the numpy matrix) finds, ties and near-ties included."""
    from simgen.trajectories.tour import order_tour, travel_times, two_opt

    def whole(order, cost):
        return float(sum(cost[a, b] for a, b in zip(order, order[1:])))

    def plain_two_opt(order, cost):
        order, improved = list(order), True
        while improved:
            improved = False
            for i in range(len(order) - 1):
                for j in range(i + 2, len(order) + 1):
                    candidate = order[:i] + order[i:j][::-1] + order[j:]
                    if whole(candidate, cost) < whole(order, cost) - 1e-12:
                        order, improved = candidate, True
        return order

    def plain_order(cost):
        best = None
        for start in range(len(cost)):
            order, left = [start], set(range(len(cost))) - {start}
            while left:
                nxt = min(left, key=lambda j: (cost[order[-1], j], j))
                order.append(nxt)
                left.discard(nxt)
            if best is None or whole(order, cost) < whole(best, cost):
                best = order
        return plain_two_opt(best, cost)

    g = np.random.default_rng(5)
    for trial in range(60):
        d = int(g.integers(1, 13))
        eyes, yaws = g.uniform(0.0, 6.0, (d, 3)), g.uniform(-np.pi, np.pi, d)
        if trial % 3 == 0:  # stations on a lattice: many equal moves
            eyes = np.round(eyes)
            yaws = np.round(yaws)
        extra = np.round(g.uniform(0.0, 2.0, (d, d)), 1) if trial % 2 else None
        if extra is not None:
            extra = extra + extra.T
        cost = travel_times(eyes, yaws, 1.0, 1.5) + (0.0 if extra is None else extra)
        assert order_tour(eyes, yaws, 1.0, 1.5, extra) == plain_order(cost)
        start = list(g.permutation(d))
        assert two_opt(start, cost) == plain_two_opt(start, cost)
