"""Small hand-made SceneSpecs for the simulator and visibility tests (boxes, cylinder, sphere, duck mesh)."""
from __future__ import annotations

import os

import numpy as np

from simgen.geometry import look_at, matrix_to_quat, quat_from_yaw
from simgen.types import CameraIntrinsics, Lighting, ObjectSpec, Part, Pose, RoomSpec, SceneSpec

RED, GREEN, BLUE, YELLOW = (0.9, 0.1, 0.1, 1.0), (0.1, 0.8, 0.1, 1.0), (0.1, 0.2, 0.9, 1.0), (0.9, 0.9, 0.1, 1.0)
DUCK_SCALE = 0.05  # the scale pybullet_data's own duck URDF uses
TABLE_TOP = 0.7


def rect_room(x=6.0, y=6.0, height=2.5) -> RoomSpec:
    """A rectangular room centred on the origin."""
    return RoomSpec(((-x / 2, -y / 2), (x / 2, -y / 2), (x / 2, y / 2), (-x / 2, y / 2)), height)


def l_room(height=2.5) -> RoomSpec:
    """An L-shaped room: a 4×4 m square (corner at the origin) missing its 2×2 m upper-right quarter."""
    return RoomSpec(((0, 0), (4, 0), (4, 2), (2, 2), (2, 4), (0, 4)), height, shape="L")


def box(object_id, center, half, yaw=0.0, rgba=RED, mass=0.0, category="box", support=None) -> ObjectSpec:
    """A one-part box whose oriented box is the part itself."""
    return ObjectSpec(object_id, f"{category}_{object_id}", category, "red", tuple(half),
                      Pose(tuple(center), quat_from_yaw(yaw)), (Part("box", tuple(half), rgba=rgba),),
                      mass=mass, kind="small" if mass > 0 else "furniture", support=support)


def table(object_id, center_xy, height=0.7, half_xy=(0.5, 0.4), top=0.02, leg=0.03, rgba=GREEN) -> ObjectSpec:
    """A static table: top slab plus four legs (five parts); the box spans floor to table top."""
    hx, hy, hz = half_xy[0], half_xy[1], height / 2
    parts = [Part("box", (hx, hy, top), Pose((0.0, 0.0, hz - top)), rgba)]
    for sx in (-1, 1):
        for sy in (-1, 1):
            parts.append(Part("box", (leg, leg, hz - top), Pose((sx * (hx - leg), sy * (hy - leg), -top)), rgba))
    return ObjectSpec(object_id, f"table_{object_id}", "table", "green", (hx, hy, hz),
                      Pose((center_xy[0], center_xy[1], hz)), tuple(parts))


def cylinder(object_id, center, radius, half_height, rgba=BLUE, mass=0.0) -> ObjectSpec:
    """An upright cylinder."""
    return ObjectSpec(object_id, f"bottle_{object_id}", "bottle", "blue", (radius, radius, half_height),
                      Pose(tuple(center)), (Part("cylinder", (radius, radius, half_height), rgba=rgba),), mass=mass)


def sphere(object_id, center, radius, rgba=YELLOW, mass=0.0) -> ObjectSpec:
    """A ball."""
    return ObjectSpec(object_id, f"ball_{object_id}", "ball", "yellow", (radius,) * 3, Pose(tuple(center)),
                      (Part("sphere", (radius,) * 3, rgba=rgba),), mass=mass)


def duck(object_id, center, yaw=0.0, mass=0.0, scale=DUCK_SCALE) -> ObjectSpec:
    """pybullet_data's duck.obj (Y-up in the file), turned Z-up and centred on its own vertex bounds."""
    import pybullet_data

    path = os.path.join(pybullet_data.getDataPath(), "duck.obj")
    with open(path) as f:
        verts = np.array([line.split()[1:4] for line in f if line.startswith("v ")], dtype=float) * scale
    R = np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])  # +90° about x: file +y becomes world +z
    lo, hi = (verts @ R.T).min(0), (verts @ R.T).max(0)
    centre = (lo + hi) / 2
    offset = Pose(tuple(-centre), matrix_to_quat(R))
    return ObjectSpec(object_id, f"duck_{object_id}", "duck", "yellow", tuple((hi - lo) / 2),
                      Pose(tuple(center), quat_from_yaw(yaw)),
                      (Part("mesh", (scale,) * 3, offset, YELLOW, mesh="duck.obj"),), mass=mass, kind="small")


def scene(objects, room=None, scene_id="test") -> SceneSpec:
    """A SceneSpec with the given objects (default: a 6×6 m room)."""
    return SceneSpec(scene_id, 0, room or rect_room(), tuple(objects), Lighting())


def tabletop_scene():
    """A static table with a dynamic mug-sized box dropped 1 cm above it, a ball and the duck nearby."""
    return scene([
        table(3, (0.0, 0.0), height=TABLE_TOP),
        box(7, (0.1, 0.05, TABLE_TOP + 0.05 + 0.01), (0.04, 0.03, 0.05), yaw=2.5, mass=0.3),
        sphere(12, (1.0, 0.8, 0.2), 0.2, mass=1.0),
        duck(4, (-0.8, 0.6, 0.05), yaw=0.4, mass=0.1),
        cylinder(9, (0.9, -0.9, 0.3), 0.1, 0.3),
    ])


def intrinsics(width=160, height=120, vfov=60.0) -> CameraIntrinsics:
    """Test camera: square pixels, centred principal point."""
    return CameraIntrinsics.from_vfov(width, height, vfov)


# The golden camera scene: what every simulator's pixels and depth are checked against.
EYE_HEIGHT = 1.0
FRONTAL = look_at([0.0, -3.0, EYE_HEIGHT], [0.0, 0.0, EYE_HEIGHT])  # optical axis along world +y
OBLIQUE = look_at([2.0, -2.4, 2.0], [0.2, 0.3, 0.7])
THIN = 0.02  # half depth of the camera-facing boxes: their side faces stay (nearly) invisible


def golden_scene():
    """Camera-facing thin boxes at known depth, a cylinder, a ball and the duck, all clear of each other."""
    return scene([
        box(1, (-0.8, 0.0, 1.3), (0.15, THIN, 0.1), rgba=RED),
        box(2, (0.0, 0.0, 1.0), (0.2, THIN, 0.15), rgba=GREEN),
        box(3, (0.8, 0.0, 0.7), (0.1, THIN, 0.2), rgba=BLUE),
        cylinder(4, (-0.7, 0.5, 0.5), 0.1, 0.15),
        sphere(5, (0.6, 0.6, 1.4), 0.15),
        duck(6, (0.0, -0.5, 0.6), scale=0.15),
    ])


def centroid(mask):
    """Mask centroid in continuous pixel coordinates (pixel centres at +0.5)."""
    rows, cols = np.nonzero(mask)
    return np.array([cols.mean() + 0.5, rows.mean() + 0.5])


def room_ray_depth(T, K, half=3.0, height=2.5):
    """Camera z where each pixel-centre ray first meets the 6×6 m room's floor, ceiling or walls (inf: none)."""
    jj, ii = np.mgrid[0:K.height, 0:K.width]
    rays = np.stack([(ii + 0.5 - K.cx) / K.fx, (jj + 0.5 - K.cy) / K.fy, np.ones(ii.shape)], -1)
    d, eye = rays @ T[:3, :3].T, T[:3, 3]  # world directions whose camera z is 1, so s is the depth
    best = np.full(ii.shape, np.inf)
    for axis, value in ((2, 0.0), (2, height), (0, half), (0, -half), (1, half), (1, -half)):
        with np.errstate(divide="ignore", invalid="ignore"):
            s = (value - eye[axis]) / d[..., axis]
        p = eye + s[..., None] * d
        ok = (s > 0) & (np.abs(p[..., :2]) <= half + 1e-6).all(-1) & (p[..., 2] >= -1e-6) & (p[..., 2] <= height)
        best = np.where(ok, np.minimum(best, s), best)
    return best
