"""Convention properties (hypothesis): rotations about Z keep allocentric answers, translations keep
distances, mirroring flips left/right; and no token soup makes the engine fail other than cleanly."""
from itertools import permutations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qa_fixtures import make_episode

from simgen.geometry import look_at
from simgen.qa.dsl import parse_program
from simgen.qa.program import DSLError
from simgen.qa.executor import ExecutionError, execute
from simgen.qa.scene_view import SceneView

ROOM = ((-4.0, -4.0), (4.0, -4.0), (4.0, 4.0), (-4.0, 4.0))
TRIPLE = {"a": "object", "b": "object", "c": "object"}
PROGRAMS = {k: parse_program(t, TRIPLE) for k, t in {
    "dir2": "direction(a, b, c)", "dir3": "direction(a, b, c, levels=3)", "dir4": "direction(a, b, c, levels=4)",
    "bearing": "bearing(a, b, c)", "distance": "distance(a, b)", "centre": "centre_distance(a, c)",
    "size": "size(a)", "side": "image_side(a, 0)", "left": "left_of(a, b, 1)", "camdist": "camera_distance(c, 1)",
    "nearest": "argmin(exclude(objects(), a), key=distance_to(a))",
}.items()}
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

box = st.tuples(
    st.floats(-3, 3), st.floats(-3, 3), st.floats(0.1, 0.5), st.floats(0.1, 0.5), st.floats(0.1, 0.5),
    st.floats(-np.pi, np.pi),
)
scenes = st.tuples(st.lists(box, min_size=3, max_size=4), st.floats(-np.pi, np.pi), st.floats(-np.pi, np.pi))


def build(scene, transform):
    """Episode of the drawn boxes and two cameras after applying ``transform`` (point map, yaw map)."""
    rows, cam0, cam1 = scene
    point, yaw = transform
    objects = [(f"o{i}", "red", point((x, y, hz)), (hx, hy, hz), yaw(w)) for i, (x, y, hx, hy, hz, w) in enumerate(rows)]
    cameras = [look_at(point((6 * np.cos(a), 6 * np.sin(a), 1.5)), point((0.0, 0.0, 0.3))) for a in (cam0, cam1)]
    return SceneView.from_episode(make_episode(objects, room=ROOM, cameras=cameras, visibility="all"))


def answers(view):
    """(program, a, b, c) → (value, smallest margin) for every ordered triple of objects."""
    out = {}
    for a, b, c in permutations(view.names, 3):
        for key, program in PROGRAMS.items():
            try:
                ex = execute(program, view, {"a": a, "b": b, "c": c})
            except ExecutionError as e:  # must fail the same way after the transform
                out[key, a, b, c] = ("error: " + e.reason, np.inf)
                continue
            out[key, a, b, c] = (ex.value, min((d.margin for d in ex.trace if d.kind != "unique"), default=np.inf))
    return out


IDENTITY = (lambda p: tuple(map(float, p)), lambda w: w)


def rotation(alpha):
    c, s = np.cos(alpha), np.sin(alpha)
    return (lambda p: (c * p[0] - s * p[1], s * p[0] + c * p[1], p[2]), lambda w: w + alpha)


def close(a, b, key):
    if isinstance(a, float) and key == "bearing":  # angles compare on the circle
        return abs((a - b + 180.0) % 360.0 - 180.0) < 1e-6
    if isinstance(a, float):
        return abs(a - b) < 1e-6
    return a == b


@SETTINGS
@given(scenes, st.floats(-np.pi, np.pi))
def test_rotating_the_scene_about_z_keeps_allocentric_and_metric_answers(scene, alpha):
    base, turned = answers(build(scene, IDENTITY)), answers(build(scene, rotation(alpha)))
    for k, (value, margin) in base.items():
        if margin > 1e-6:
            assert close(value, turned[k][0], k[0]), (k, value, turned[k])


@SETTINGS
@given(scenes, st.tuples(st.floats(-50, 50), st.floats(-50, 50), st.floats(-2, 2)))
def test_translating_the_scene_keeps_distances_and_directions(scene, t):
    shift = (lambda p: (p[0] + t[0], p[1] + t[1], p[2] + t[2]), lambda w: w)
    base, moved = answers(build(scene, IDENTITY)), answers(build(scene, shift))
    for k, (value, margin) in base.items():
        if margin > 1e-6:
            assert close(value, moved[k][0], k[0]), (k, value, moved[k])  # bearings compare on the circle


SWAP = {"left": "right", "right": "left", "back": "back", "front-left": "front-right", "front-right": "front-left",
        "back-left": "back-right", "back-right": "back-left"}


@SETTINGS
@given(scenes)
def test_mirroring_the_scene_in_y_flips_left_and_right(scene):
    mirror = (lambda p: (p[0], -p[1], p[2]), lambda w: -w)
    base, mirrored = answers(build(scene, IDENTITY)), answers(build(scene, mirror))
    for k, (value, margin) in base.items():
        if margin <= 1e-6:
            continue
        other = mirrored[k][0]
        if k[0] in ("dir2", "dir3", "dir4", "side") and value in SWAP:
            assert other == SWAP[value], (k, value, other)
        elif k[0] == "bearing" and isinstance(value, float):
            assert close(-value, other, "bearing")
        elif k[0] == "left" and isinstance(value, bool):
            assert other is (not value)
        else:
            assert close(value, other, k[0]), (k, value, other)


TOKENS = ["objects(", "the(", "size(", "distance(", "count(", "argmin(", "key=", "distance_to(", "'chair'",
          "'sofa'", "a", "b", ")", ", ", " + ", " < ", " == ", "m(1)", "2", "and ", "not ", "[", "]", "x = ", "\n",
          "direction(", "levels=3", "first_seen(", "sort(", "size_of", "-", "0"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14).map("".join))
def test_token_soup_fails_only_cleanly(text):
    view = build(([(0.0, 0.0, 0.2, 0.2, 0.2, 0.0), (1.0, 1.0, 0.3, 0.3, 0.3, 0.5)], 0.0, 1.0), IDENTITY)
    try:
        program = parse_program(text, {"a": "object", "b": "object"})
    except DSLError as e:
        assert e.reason and e.detail
        return
    try:
        execute(program, view, {"a": "o0_1", "b": "o1_1"})
    except ExecutionError as e:
        assert e.reason
