"""One test per metric function and key on the living-room fixture (hand-derived numbers)."""
import pytest
from qa_fixtures import living_room, run_program

from simgen.qa.scene_view import SceneView

VIEW = SceneView.from_episode(living_room())


def ask(text, **kw):
    return run_program(VIEW, text, **kw)


def value(text):
    return ask(text).value


@pytest.mark.parametrize(
    "text, expected, unit",
    [("m(0.5)", 0.5, "m"), ("cm(20)", 20.0, "cm"), ("m2(4)", 4.0, "m2"), ("m3(1)", 1.0, "m3"),
     ("deg(10)", 10.0, "deg"), ("nframes(5)", 5.0, "frames")],
)
def test_unit_literals(text, expected, unit):
    ex = ask(text)
    assert (ex.value, ex.unit) == (expected, unit)


def test_to_cm():
    assert ask("to_cm(m(1.25))").value == pytest.approx(125.0)
    assert ask("to_cm(m(1.25))").unit == "cm"


def test_to_m():
    assert value("to_m(cm(50))") == pytest.approx(0.5)


def test_distance_is_closest_points_of_oriented_boxes():
    assert value("distance(the('sofa'), the('table'))") == pytest.approx(1.0)  # x gap 3 − 2
    assert value("distance(the('table'), the('chair', color='red'))") == pytest.approx(0.85)  # y gap 1.75 − 0.9
    assert value("distance(the('mug'), the('table'))") == pytest.approx(0.0)  # mug rests on the table
    # the 45°-yawed box: its lowest footprint vertex is at y = 3 − 0.5·√2; the sofa's back at y = 0.95
    assert value("distance(the('sofa'), the('box'))") == pytest.approx(3 - 0.5 * 2**0.5 - 0.95, abs=1e-9)


def test_centre_distance():
    assert value("centre_distance(the('sofa'), the('table'))") == pytest.approx(2.5)


def test_size_is_longest_obb_dimension_not_aabb():
    assert value("size(the('sofa'))") == pytest.approx(2.0)
    assert value("size(the('box'))") == pytest.approx(1.0)  # an axis-aligned box would give 1.414


def test_height():
    assert value("height(the('lamp'))") == pytest.approx(1.6)


def test_volume():
    assert value("volume(the('table'))") == pytest.approx(1.0 * 0.8 * 0.8)
    assert ask("volume(the('table'))").unit == "m3"


def test_elevation_top_bottom():
    assert value("elevation(the('mug'))") == pytest.approx(0.85)
    assert value("top(the('mug'))") == pytest.approx(0.9)
    assert value("bottom(the('mug'))") == pytest.approx(0.8)


def test_room_area():
    ex = ask("room_area()")
    assert (ex.value, ex.unit) == (pytest.approx(24.0), "m2")


def test_camera_distance():
    # frame 0: eye (3.5, 3.9, 0.4); chair_1's box spans y ≤ 2.25 around x = 3.5, z 0..0.9.
    ex = ask("camera_distance(the('chair', color='red'), 0)")
    assert ex.value == pytest.approx(3.9 - 2.25) and ex.frames_used == (0,)
    assert value("camera_distance(the('table'), 0)") == pytest.approx(3.9 - 0.9)


def test_depth():
    assert value("depth(the('chair', color='red'), 0)") == pytest.approx(3.9 - 2.0)
    assert value("depth(the('table'), 0)") == pytest.approx(3.9 - 0.5)


def test_distance_to_key():
    ex = ask("argmin(exclude(objects(), the('table')), key=distance_to(the('table')))")
    assert ex.value == "mug_1"
    assert [d.margin for d in ex.trace if d.kind == "gap"] == [pytest.approx(0.85)]  # next: chair_1 at 0.85


def test_centre_distance_to_key():
    ex = ask("argmin(the_each(['table', 'lamp']), key=centre_distance_to(the('sofa')))")
    # table centre 2.5 from the sofa's; lamp: sqrt(4.5² + 3² + 0.4²) = 5.4231
    assert ex.value == "table_1"
    assert ex.trace[-1].margin == pytest.approx((4.5**2 + 3**2 + 0.4**2) ** 0.5 - 2.5)


def test_camera_distance_at_key():
    ex = ask("argmin(the_each(['table', 'sofa']), key=camera_distance_at(0))")
    # table 3.0; sofa: closest point (2, 0.95, 0.4) from (3.5, 3.9, 0.4): sqrt(1.5² + 2.95²) = 3.3094
    assert ex.value == "table_1"
    assert ex.trace[-1].margin == pytest.approx((1.5**2 + 2.95**2) ** 0.5 - 3.0)


def test_depth_at_key():
    ex = ask("argmax(objects(category='chair'), key=depth_at(0))")
    assert ex.value == "chair_2" and ex.trace[-1].margin == pytest.approx(3.4 - 1.9)


def test_size_of_key():
    ex = ask("argmax(objects(), key=size_of)")
    assert ex.value == "sofa_1" and ex.trace[-1].margin == pytest.approx(0.4)  # lamp 1.6


def test_height_of_key():
    ex = ask("argmax(objects(), key=height_of)")
    assert ex.value == "lamp_1" and ex.trace[-1].margin == pytest.approx(0.7)  # chairs 0.9


def test_volume_of_key():
    ex = ask("argmax(objects(), key=volume_of)")
    assert ex.value == "sofa_1" and ex.trace[-1].margin == pytest.approx(1.44 - 0.64)  # table next


def test_elevation_of_key():
    ex = ask("argmax(objects(), key=elevation_of)")
    assert ex.value == "mug_1" and ex.trace[-1].margin == pytest.approx(0.05)  # lamp centre at 0.8


def test_top_of_key():
    ex = ask("argmax(objects(), key=top_of)")
    assert ex.value == "lamp_1" and ex.trace[-1].margin == pytest.approx(0.7)  # chairs and mug top at 0.9
