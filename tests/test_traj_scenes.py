"""Hand-built scenes for the trajectory tests (rect and L rooms with a few boxes), checked for sanity."""
import numpy as np

from simgen.geometry import points_in_polygon, polygon_area, quat_from_yaw
from simgen.trajectories.base import PlanRequest
from simgen.types import CameraIntrinsics, ObjectSpec, ObjectState, Part, Pose, RoomSpec, SceneSpec
from simgen.visibility_model import VisibilityModel

RECT = ((0.0, 0.0), (5.0, 0.0), (5.0, 4.0), (0.0, 4.0))
L_SHAPE = ((0.0, 0.0), (6.0, 0.0), (6.0, 3.0), (3.0, 3.0), (3.0, 6.0), (0.0, 6.0))


def box(oid: int, name: str, center, half, yaw: float = 0.0, kind: str = "furniture") -> ObjectSpec:
    """One box-shaped object whose pose is its box centre."""
    return ObjectSpec(
        object_id=oid,
        name=name,
        category=name.rstrip("_0123456789"),
        color="gray",
        half_extents=tuple(float(h) for h in half),
        pose=Pose(tuple(float(c) for c in center), quat_from_yaw(yaw)),
        parts=(Part("box", tuple(float(h) for h in half)),),
        kind=kind,
    )


def scene(footprint, objects, height: float = 2.8, shape: str = "rect", scene_id: str = "test") -> SceneSpec:
    """A SceneSpec with the given footprint and objects."""
    return SceneSpec(scene_id, 0, RoomSpec(tuple(footprint), height, shape=shape), tuple(objects))


def rect_scene() -> SceneSpec:
    """5×4 m room: a table with a mug in the middle, a sofa, a tall shelf (rotated) and a plant."""
    return scene(
        RECT,
        [
            box(1, "table", (2.5, 1.9, 0.375), (0.5, 0.35, 0.375)),
            box(2, "mug", (2.6, 2.0, 0.8), (0.05, 0.05, 0.05), kind="small"),
            box(3, "sofa", (1.2, 3.55, 0.4), (0.8, 0.35, 0.4)),
            box(4, "shelf", (4.55, 1.0, 0.9), (0.4, 0.2, 0.9), yaw=np.pi / 2 + 0.2),
            box(5, "plant", (0.5, 0.5, 0.5), (0.2, 0.2, 0.5)),
        ],
    )


def l_scene() -> SceneSpec:
    """L-shaped room (6×6 m minus the 3×3 upper-right square) with boxes in both arms."""
    return scene(
        L_SHAPE,
        [
            box(1, "bed", (1.2, 4.8, 0.3), (0.9, 1.0, 0.3)),
            box(2, "cabinet", (4.8, 0.6, 0.5), (0.4, 0.3, 0.5), yaw=0.5),
            box(3, "chair", (1.5, 1.5, 0.45), (0.25, 0.25, 0.45), yaw=-0.3),
            box(4, "lamp", (5.6, 2.5, 0.8), (0.15, 0.15, 0.8)),
            box(5, "box", (2.5, 1.2, 0.15), (0.15, 0.15, 0.15), kind="small"),
        ],
        shape="L",
    )


def request(spec: SceneSpec, n_frames: int = 40, fps: float = 10.0, states=(), visibility=VisibilityModel(),
            size=(320, 240)) -> PlanRequest:
    """A planning request with a 60° camera (320×240 unless ``size`` says otherwise)."""
    return PlanRequest(spec, tuple(states), CameraIntrinsics.from_vfov(*size, 60.0), n_frames, fps, visibility)


def test_scenes_are_valid():
    for spec in (rect_scene(), l_scene()):
        poly = np.array(spec.room.footprint)
        assert polygon_area(poly) > 0  # counter-clockwise
        centers = np.array([o.pose.position for o in spec.objects])
        assert points_in_polygon(centers[:, :2], poly).all()
        assert len({o.object_id for o in spec.objects}) == len(spec.objects) and min(o.object_id for o in spec.objects) == 1


def test_request_states_override_spec_poses():
    from simgen.trajectories.planning_geometry import Boxes

    moved = ObjectState(2, Pose((3.0, 1.0, 0.05)))
    boxes = Boxes.from_request(request(rect_scene(), states=(moved,)))
    assert np.allclose(boxes.centers[1], (3.0, 1.0, 0.05))
    assert np.allclose(boxes.centers[0], rect_scene().objects[0].pose.position)
