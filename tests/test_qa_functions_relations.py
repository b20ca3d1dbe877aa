"""Direction, bearing, route and image relations at known angles, incl. near sector boundaries.

Ring fixture: stand at the sofa (origin) facing the tv at (3, 0), i.e. facing +X; a target at
angle φ (counter-clockwise, degrees) has θ = |φ| and is on the LEFT iff φ > 0 (Z up).
"""
import numpy as np
import pytest
from qa_fixtures import direction_ring, living_room, make_episode, run_program

from simgen.qa.executor import ExecutionError
from simgen.qa.scene_view import SceneView

ANGLES = [30, -30, 150, -150, 100, -100, 5, 134, 136, 89, 91]
RING = SceneView.from_episode(direction_ring(ANGLES))
ROOM = SceneView.from_episode(living_room())


def direction(i, levels):
    ex = run_program(RING, f"direction(the('sofa'), the('tv'), the('target{i}'), levels={levels})")
    (decision,) = [d for d in ex.trace if d.kind == "direction"]
    return ex.value, decision.margin


@pytest.mark.parametrize(
    "i, label, margin",
    # easy: boundaries 0°, 180°
    [(0, "left", 30), (1, "right", 30), (2, "left", 30), (3, "right", 30), (4, "left", 80), (6, "left", 5)],
)
def test_direction_easy(i, label, margin):
    assert direction(i, 2) == (label, pytest.approx(margin))


@pytest.mark.parametrize(
    "i, label, margin",
    # medium: back when θ ≥ 135°; boundaries 0°, 135°, 180°
    [(0, "left", 30), (1, "right", 30), (2, "back", 15), (3, "back", 15), (5, "right", 35), (7, "left", 1), (8, "back", 1)],
)
def test_direction_medium(i, label, margin):
    assert direction(i, 3) == (label, pytest.approx(margin))


@pytest.mark.parametrize(
    "i, label, margin",
    # hard: front when θ < 90°; boundaries 0°, 90°, 180°
    [(0, "front-left", 30), (1, "front-right", 30), (2, "back-left", 30), (3, "back-right", 30),
     (5, "back-right", 10), (9, "front-left", 1), (10, "back-left", 1)],
)
def test_direction_hard(i, label, margin):
    assert direction(i, 4) == (label, pytest.approx(margin))


def test_direction_left_right_swap_when_the_scene_is_mirrored_in_y():
    # The flipped-sign trap: mirroring y turns every left into right and vice versa.
    mirrored = SceneView.from_episode(direction_ring([-a for a in ANGLES]))
    for i in range(len(ANGLES)):
        a = run_program(RING, f"direction(the('sofa'), the('tv'), the('target{i}'))").value
        b = run_program(mirrored, f"direction(the('sofa'), the('tv'), the('target{i}'))").value
        assert {a, b} == {"left", "right"}


def test_direction_needs_distinct_floor_positions():
    ep = make_episode([("a", "red", (0, 0, 0.2), (0.1,) * 3, 0), ("b", "red", (0, 0, 1.0), (0.1,) * 3, 0),
                       ("c", "red", (1, 0, 0.2), (0.1,) * 3, 0)], visibility="all")
    with pytest.raises(ExecutionError) as e:
        run_program(SceneView.from_episode(ep), "direction(the('a'), the('b'), the('c'))")
    assert e.value.reason == "degenerate_direction"


@pytest.mark.parametrize("i, expected", [(0, 30.0), (1, -30.0), (3, -150.0), (4, 100.0)])
def test_bearing_is_signed_positive_left(i, expected):
    ex = run_program(RING, f"bearing(the('sofa'), the('tv'), the('target{i}'))")
    assert (ex.value, ex.unit) == (pytest.approx(expected), "deg")


def test_route_turns():
    # From the origin facing +X, target0 at 90° (0, 2) is a left turn (margin 45° to 0°/135°).
    # Then facing +Y at (0, 2), target1 at −45° (1.414, −1.414): θ = 157.5° → back (margin 22.5°).
    ring = SceneView.from_episode(direction_ring([90, -45]))
    ex = run_program(ring, "route_turns(the('sofa'), the('tv'), the_each(['target0', 'target1']))")
    assert ex.value == ["left", "back"]
    assert [d.margin for d in ex.trace if d.kind == "direction"] == [pytest.approx(45), pytest.approx(22.5)]
    assert ex.referents == (1, 2, 3, 4)


def test_image_side():
    # frame 0 looks along −Y, so image right is world −X: the sofa (x = 1) is right, chair_2 (x = 5.5) left.
    ex = run_program(ROOM, "image_side(the('sofa'), 0)")
    assert ex.value == "right"
    # the margin is the box's nearest edge from the centre line: its corner at x = 2 on the far face
    # (y = 0.05, 3.85 m deep) is 1.5 m right of the axis; the centre is at atan2(2.5, 3.4)
    assert ex.trace[-1].margin == pytest.approx(np.degrees(np.arctan2(1.5, 3.85)))
    assert ex.trace[-1].detail["azimuth_deg"] == pytest.approx(np.degrees(np.arctan2(2.5, 3.4)))
    # chair_1 (x 3.25..3.75) straddles the centre line x = 3.5: in neither half, margin 0
    assert run_program(ROOM, "image_side(the('chair', color='red'), 0)").trace[-1].margin == 0.0
    assert run_program(ROOM, "image_side(the('chair', color='blue'), 0)").value == "left"
    # frame 10 looks along +X, so image right is world −Y: the sofa (y = 0.5 < 2) is right.
    assert run_program(ROOM, "image_side(the('sofa'), 10)").value == "right"
    with pytest.raises(ExecutionError) as e:
        run_program(ROOM, "image_side(the('sofa'), 20)")  # frame 20 looks away from the sofa
    assert e.value.reason == "behind_camera"


def test_left_of():
    ex = run_program(ROOM, "left_of(the('chair', color='blue'), the('sofa'), 0)")
    assert ex.value is True
    # azimuths: sofa atan(2.5/3.4) = 36.33°, chair_2 −atan(2/3.4) = −30.47°
    assert ex.trace[-1].margin == pytest.approx(np.degrees(np.arctan2(2.5, 3.4) + np.arctan2(2.0, 3.4)))
    assert run_program(ROOM, "left_of(the('sofa'), the('chair', color='blue'), 0)").value is False


def test_above_is_over_and_higher_in_world_height_not_image_rows():
    ex = run_program(ROOM, "above(the('mug'), the('table'))")
    # the mug rests on the table (bottom 0.8 = top 0.8: 0.08 m within the resting tolerance) and its
    # footprint lies inside the table's: it would have to move 0.45 m along y to clear it
    assert ex.value is True and ex.trace[-1].margin == pytest.approx(0.08)
    assert ex.trace[-1].detail["footprint_separation_m"] == pytest.approx(-0.45)
    assert run_program(ROOM, "above(the('table'), the('mug'))").value is False


def test_a_vase_on_a_table_next_to_a_chair_is_not_above_the_chair():
    rows = [("table", "brown", (1.0, 1.0, 0.4), (0.5, 0.4, 0.4), 0.0),
            ("vase", "white", (1.35, 1.0, 0.95), (0.08, 0.08, 0.15), 0.0),  # on the table, near its +x edge
            ("chair", "red", (1.85, 1.0, 0.45), (0.25, 0.25, 0.45), 0.0)]  # beside the table, 0.35 m lower top
    view = SceneView.from_episode(make_episode(rows, visibility="all"))
    ex = run_program(view, "above(the('vase'), the('chair'))")
    # not higher (bottom 0.8 < chair top 0.9 − 0.08) and not over it (footprints 0.17 m apart): both
    # conditions fail; the answer flips only if both do, so the margin is the larger
    assert ex.value is False and ex.trace[-1].detail["footprint_separation_m"] == pytest.approx(0.17)
    assert ex.trace[-1].margin == pytest.approx(0.17)
    assert run_program(view, "above(the('vase'), the('table'))").value is True
    # the same vase hovering over the chair's seat is above it
    over = [rows[0], ("vase", "white", (1.85, 1.0, 1.1), (0.08, 0.08, 0.15), 0.0), rows[2]]
    assert run_program(SceneView.from_episode(make_episode(over, visibility="all")), "above(the('vase'), the('chair'))").value


def test_three_level_direction_has_no_boundary_straight_behind():
    """levels=3: left/right ahead, back behind; 180° is the middle of "back", so an object straight
    behind has the full 45° margin to the 135° boundary (it used to be 0°, leaving "back" only
    155–160° after the 20° margin)."""
    from simgen.qa.functions_relations import BOUNDARIES_DEG, _label
    assert _label(179.0, 1.0, 3) == "back" and _label(179.0, -1.0, 3) == "back"
    assert min(abs(179.0 - b) for b in BOUNDARIES_DEG[3]) == 44.0
    assert min(abs(179.0 - b) for b in BOUNDARIES_DEG[2]) == 1.0  # left/right do flip behind
