"""One layout attempt: furniture and occluders on the floor, small objects on supports, free-space check.

Small objects rest on support surfaces (table tops, shelf boards, cabinet tops, sofa seats, beds) or
on the floor, turned only about z, their bottom ``SPAWN_GAP`` above the surface so the simulator's
physics settles them without a jump. ``clutter_density`` d (0..1) concentrates them: only
``max(1, ceil((1 − d) · surfaces))`` surfaces are used first, and neighbours on a surface keep a gap
of ``(1 − d) · 10 cm + d · 1 cm``. Any failure raises :class:`~simgen.scene.placement.NoRoom`.

What a walking viewer cannot see is not put there: no small object goes on a surface higher than
``MAX_SUPPORT_TOP_M`` (filmed from eye height, about 1.5 m, a mug on top of a 1.64 m shelf shows a
sliver over the board's edge and a book none), and none smaller than ``MIN_FLOOR_SIZE_M`` goes on the
floor unless no surface has room (a toy duck of 8 cm on the floor, seen from a camera held at least
0.9 m high and tilted down at most 45°, never fills 0.5% of the frame). Given the room's ``Floor``, a
small object under ``REACH_SIZE_M`` lies within ``REACH_M`` of the camera's walkable floor: a handheld
camera reaches out over the edge of a bed or table for a close look, but a duck in the middle of a
double bed or at the wall side of a table stays a few pixels wide from every spot a walker can stand.
A piece one uses from its front (``FRONT_ACCESS``: a dresser, wardrobe, shelf, toilet …) placed on its own
keeps ``FRONT_M`` of floor clear in front of it, then kept out for what comes later: a dresser stood facing a
bed's side 25 cm off, hiding its front and the nightstand in the corner beyond it from every walker.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simgen.geometry import polygon_area
from simgen.scene.assets import Instance
from simgen.scene.freespace import free_space
from simgen.scene.placement import (BATCH, PIECE_GAP, WALL_GAP, Floor, NoRoom, along_wall, anywhere, at_table,
                                    rects_clear)

SPAWN_GAP = 0.0015  # m between a small object's bottom and its support before physics settles it
SMALL_FLOOR_GAP = 0.03  # m between a small object on the floor and anything else
MAIN_SHARE = 0.9  # the largest free region must hold this share of all free floor ("connected")
FLOOR_TRIES = 3  # re-draws of the small objects on the floor before the whole layout is re-drawn
FREE_RESOLUTION = 0.05  # m grid of the free-space check (passages narrower than 2·clearance + 0.1 m count as shut)
ORDER = {"wall": 0, "free": 1, "table": 2}  # occluders come last (3)
MAX_SUPPORT_TOP_M = 1.3  # m: surfaces higher than this hold no small objects (a viewer's eye is at about 1.5 m)
MIN_FLOOR_SIZE_M = 0.12  # m: small objects whose largest side is shorter than this stay off the floor
SMALL_PER_SURFACE_M2 = 4.0  # small objects per m² of surface within view at clutter 1 (a typed room's clutter knob)
SMALL_PER_FLOOR_M2 = 4.0  # and never more than this per m² of floor
WALL_MOUNT_CENTRE = (1.35, 1.6)  # m: a picture, mirror or clock hangs with its centre at eye level
CEILING_GAP = 0.1  # m kept between a wall-hung piece's top and the ceiling
REACH_SIZE_M = 0.2  # m: small objects whose largest side is shorter than this lie within reach of the walkable floor
REACH_M = 0.55  # m: ... their centre this near the centre of a walkable cell (a walkthrough reaches out 0.4 m)
FRONT_M = 0.4  # m kept clear in front of a piece one uses from its front (a dresser faced a bed's side 25 cm off)
FRONT_ACCESS = {"dresser", "wardrobe", "bookshelf", "shelf", "cabinet", "sideboard", "filing cabinet", "tv stand",
                "sink cabinet", "toilet", "washing machine", "refrigerator", "stove", "kitchen counter"}


@dataclass(frozen=True)
class Placed:
    """Where an instance went: box centre (world), yaw, and the index of its support (None = floor)."""

    position: tuple[float, float, float]
    yaw: float
    support: int | None = None


def place_furniture(rng: np.random.Generator, floor: Floor, items: list[Instance],
                    walk_clearance: float) -> dict[int, Placed]:
    """Place furniture and occluders (wall pieces first, then free-standing, chairs, occluders)."""
    def rank(i):
        inst = items[i]
        area = inst.half_extents[0] * inst.half_extents[1]
        return (3 if inst.asset.kind == "occluder" else ORDER[inst.asset.placement], -area)

    out: dict[int, Placed] = {}
    tables: list[int] = []  # floor indices of placed tables
    for i in sorted(range(len(items)), key=rank):
        inst = items[i]
        hx, hy, hz = inst.half_extents
        what = f"{inst.asset.category} ({2 * hy:.2f} m wide)"
        wall = (lambda: along_wall(rng, floor, hx, hy), PIECE_GAP, WALL_GAP / 2, None)
        if inst.asset.category in FRONT_ACCESS:
            wall = (lambda: _front_clear(floor, along_wall(rng, floor, hx, hy)), PIECE_GAP, WALL_GAP / 2, None)
        free = (lambda: anywhere(rng, floor, hx, hy, 0.15), walk_clearance, walk_clearance, None)
        # last resort in a full room: half the walkway (the free-space check still has the final say)
        tight = (lambda: anywhere(rng, floor, hx, hy, 0.15), walk_clearance / 2, walk_clearance / 2, None)
        if inst.asset.kind == "occluder":  # in the interior, at any angle ± 0.4 rad off the walls' axes
            tries = [(lambda: anywhere(rng, floor, hx, hy, 0.4), walk_clearance, walk_clearance, None),
                     (lambda: anywhere(rng, floor, hx, hy, 0.4), walk_clearance / 2, walk_clearance / 2, None)]
        elif inst.asset.placement == "wall":
            tries = [wall]
        elif inst.asset.placement == "table" and tables:
            table = tables[int(rng.integers(len(tables)))]
            at = (lambda: at_table(rng, floor.rects[table], hx, hy), walk_clearance, WALL_GAP / 2, floor.groups[table])
            tries = [at, free, wall, tight]
        else:  # free-standing, or against a wall (a desk, a console table) when the middle is taken
            tries = [free, wall, tight]
        rect = _first_fit(floor, tries, what)
        if inst.asset.category in FRONT_ACCESS and inst.asset.placement == "wall":
            floor.keep_out(_front(rect[None, :])[0])  # nothing placed later stands there either
        if inst.asset.gathers:  # chairs are drawn up to it
            tables.append(len(floor.rects) - 1)
        out[i] = Placed((float(rect[0]), float(rect[1]), hz), float(rect[4]))
    return out


def _front(rects: np.ndarray) -> np.ndarray:
    """The ``FRONT_M`` deep strip of floor in front of each rect (its +x side), as wide as the rect."""
    c, s = np.cos(rects[:, 4]), np.sin(rects[:, 4])
    d = rects[:, 2] + FRONT_M / 2
    return np.column_stack([rects[:, 0] + c * d, rects[:, 1] + s * d, np.full(len(rects), FRONT_M / 2), rects[:, 3],
                            rects[:, 4]])


def _front_clear(floor: Floor, cands: np.ndarray) -> np.ndarray:
    """The candidates, those whose front strip is not clear of everything placed made NaN (infeasible): a piece
    one uses from its front."""
    if not len(cands) or not len(floor.rects):
        return cands
    cands = cands.copy()
    cands[~rects_clear(_front(cands), floor.rects, 0.0).all(1)] = np.nan
    return cands


def _first_fit(floor: Floor, tries, what: str) -> np.ndarray:
    """Place with the first rule (sampler, margin, wall gap, group) that finds room."""
    for sample, margin, wall_gap, group in tries[:-1]:
        try:
            return floor.place(sample, margin, wall_gap, what, group)
        except NoRoom:
            continue
    sample, margin, wall_gap, group = tries[-1]
    return floor.place(sample, margin, wall_gap, what, group)


def hang(gen, items, placed: dict, room_height: float) -> None:
    """Lift wall-mounted pieces to eye level (never below where they were put) and ceiling-mounted ones up to
    the ceiling (floor ones stay)."""
    for i, p in placed.items():
        mount, hz = items[i].asset.mount, items[i].half_extents[2]
        if mount == "wall":
            z = min(max(float(gen.uniform(*WALL_MOUNT_CENTRE)), p.position[2]), room_height - CEILING_GAP - hz)
        elif mount == "ceiling":
            z = room_height - hz
        else:
            continue
        placed[i] = Placed((p.position[0], p.position[1], max(z, hz)), p.yaw, p.support)


def world_surfaces(items: list[Instance], placed: dict[int, Placed]):
    """Every support surface in the world: rects (S, 5), top heights (S,), clearances (S,), owner indices."""
    rows, tops, clear, owner = [], [], [], []
    for i, p in placed.items():
        c, s = np.cos(p.yaw), np.sin(p.yaw)
        for surf in items[i].surfaces:
            x, y, z = surf.center
            rows.append((p.position[0] + c * x - s * y, p.position[1] + s * x + c * y, *surf.half_size, p.yaw))
            tops.append(p.position[2] + z)
            clear.append(surf.clearance)
            owner.append(i)
    return np.array(rows).reshape(-1, 5), np.array(tops), np.array(clear), np.array(owner, dtype=int)


def clutter_count(items: list, placed: dict, clutter: float, footprint) -> int:
    """How many small objects the room's surfaces (those a viewer sees, up to ``MAX_SUPPORT_TOP_M``) get at
    ``clutter`` (0..1): ``clutter · SMALL_PER_SURFACE_M2`` per m² of them, at most ``SMALL_PER_FLOOR_M2`` per m²
    of floor."""
    rects, tops, _, _ = world_surfaces(items, placed)
    area = float((4.0 * rects[:, 2] * rects[:, 3])[tops <= MAX_SUPPORT_TOP_M].sum())
    return min(round(clutter * SMALL_PER_SURFACE_M2 * area), int(SMALL_PER_FLOOR_M2 * polygon_area(footprint)))


def place_small(rng: np.random.Generator, items: list[Instance], small: list[int], placed: dict[int, Placed],
                clutter_density: float, floor_fraction: float, floor: Floor | None = None,
                camera_clearance: float = 0.0, allowed=None) -> tuple[dict[int, Placed], list[int]]:
    """Put small objects on support surfaces, bottoms ``SPAWN_GAP`` above the top.

    Returns the placements and the indices left for the floor: floor-friendly objects drawn for it
    (``floor_fraction``) unless smaller than ``MIN_FLOOR_SIZE_M``, and whatever found no surface with
    room. Surfaces higher than ``MAX_SUPPORT_TOP_M`` are not used. Given the ``floor`` (furniture
    placed), objects smaller than ``REACH_SIZE_M`` go only where their centre is within ``REACH_M`` of
    the camera's walkable region (free beyond ``camera_clearance``); the draws are the same either way.
    ``allowed(instance, owners, placed)`` (a typed room's rule of use) says which surfaces, by their owners, may
    hold it, given the small objects placed so far.
    """
    walkable = None
    if floor is not None:
        space = free_space(floor.poly, floor.rects, camera_clearance + FREE_RESOLUTION / 2, FREE_RESOLUTION)
        walkable = space.centres()[space.largest_component()]  # (K, 2)
    rects, tops, clear, owner = world_surfaces(items, placed)
    low = tops <= MAX_SUPPORT_TOP_M
    rects, tops, clear, owner = rects[low], tops[low], clear[low], owner[low]
    n_active = max(1, math.ceil((1.0 - clutter_density) * len(rects))) if len(rects) else 0
    active = rng.permutation(len(rects))[:n_active]
    gap = (1.0 - clutter_density) * 0.10 + clutter_density * 0.01
    on_rects, on_surface = np.zeros((0, 5)), np.zeros(0, dtype=int)
    out: dict[int, Placed] = {}
    to_floor: list[int] = []
    for i in sorted(small, key=lambda k: -items[k].half_extents[0] * items[k].half_extents[1]):
        inst = items[i]
        big_enough = 2.0 * max(inst.half_extents) >= MIN_FLOOR_SIZE_M
        if not len(rects) or (inst.asset.floor_ok and rng.random() < floor_fraction and big_enough):
            to_floor.append(i)
            continue
        pool = np.arange(len(rects)) if allowed is None else np.flatnonzero(allowed(inst, owner, out))
        if not len(pool):
            to_floor.append(i)
            continue
        cand, surf = _on_surfaces(rng, rects, clear, active[np.isin(active, pool)], pool, inst.half_extents)
        ok = np.isfinite(cand[:, 0])
        if walkable is not None and 2.0 * max(inst.half_extents) < REACH_SIZE_M and ok.any():
            ok[ok] = _within_reach(cand[ok, :2], walkable)
        used = np.zeros(len(rects), dtype=bool)
        used[surf[ok]] = True
        near = used[on_surface]  # only objects on the candidates' surfaces can be in the way
        if near.any() and ok.any():
            same = surf[ok, None] == on_surface[None, near]
            ok[ok] = (rects_clear(cand[ok], on_rects[near], gap) | ~same).all(1)
        hit = np.flatnonzero(ok)
        if not len(hit):
            to_floor.append(i)
            continue
        k, s = hit[0], surf[hit[0]]  # candidates on the active surfaces come first
        on_rects, on_surface = np.vstack([on_rects, cand[k]]), np.append(on_surface, s)
        z = float(tops[s] + SPAWN_GAP + inst.half_extents[2])
        out[i] = Placed((float(cand[k, 0]), float(cand[k, 1]), z), float(cand[k, 4]), int(owner[s]))
    return out, to_floor


def drop_homeless(items: list[Instance], placed: dict[int, Placed], to_floor: list[int]):
    """Leave out the small objects bound for the floor that do not belong there (a typed room's mug that found
    no table); the rest keep their order. Returns (items, placements, to_floor) renumbered; supports (never a
    small object) keep their indices."""
    gone = {i for i in to_floor if not items[i].asset.floor_ok}
    keep = [i for i in range(len(items)) if i not in gone]
    new = {old: k for k, old in enumerate(keep)}
    return ([items[i] for i in keep], {new[i]: p for i, p in placed.items()},
            [new[i] for i in to_floor if i not in gone])


def place_on_floor(rng: np.random.Generator, floor: Floor, items: list[Instance], idx: list[int],
                   camera_clearance: float, min_free_fraction: float) -> tuple[dict[int, Placed], dict]:
    """Put small objects on the floor, preferably by a wall, re-drawing them until the walkway stays open."""
    start = len(floor.rects)
    for _ in range(FLOOR_TRIES):
        floor.truncate(start)
        try:
            out = {i: _floor_spot(rng, floor, items[i]) for i in idx}
            return out, check_free_space(floor, camera_clearance, min_free_fraction)
        except NoRoom as e:
            last = e
    raise last


def _floor_spot(rng: np.random.Generator, floor: Floor, inst: Instance) -> Placed:
    """A floor spot for a small object: by a wall (up to 30 cm off it) if possible, else anywhere."""
    hx, hy, hz = inst.half_extents
    tries = [(lambda: along_wall(rng, floor, hx, hy, extra=0.3), SMALL_FLOOR_GAP, WALL_GAP / 2, None),
             (lambda: anywhere(rng, floor, hx, hy, 0.0, any_yaw=True), SMALL_FLOOR_GAP, WALL_GAP / 2, None)]
    rect = _first_fit(floor, tries, f"{inst.asset.category} on the floor")
    return Placed((float(rect[0]), float(rect[1]), SPAWN_GAP + hz), float(rect[4]))


def _on_surfaces(rng, rects, clear, active, pool, half):
    """Candidates: ``BATCH`` on the active surfaces, then ``BATCH`` on any of ``pool`` (chosen ∝ area); NaN rows
    don't fit."""
    hx, hy, hz = half
    surf = np.concatenate([_by_area(rng, rects, active if len(active) else pool), _by_area(rng, rects, pool)])
    n = len(surf)
    # half the candidates turned to a multiple of 90° (± 0.15 rad), half turned anyhow
    phi = np.where(np.arange(n) % 2 == 0, rng.integers(0, 4, n) * (np.pi / 2) + rng.uniform(-0.15, 0.15, n),
                   rng.uniform(-np.pi, np.pi, n))
    c, s = np.abs(np.cos(phi)), np.abs(np.sin(phi))
    room_u, room_v = rects[surf, 2] - (hx * c + hy * s), rects[surf, 3] - (hx * s + hy * c)
    fits = (room_u >= 0) & (room_v >= 0) & (2 * hz + SPAWN_GAP < clear[surf])
    u = rng.uniform(-1.0, 1.0, n) * np.maximum(room_u, 0.0)
    v = rng.uniform(-1.0, 1.0, n) * np.maximum(room_v, 0.0)
    yaw = rects[surf, 4]
    cand = np.column_stack([rects[surf, 0] + np.cos(yaw) * u - np.sin(yaw) * v,
                            rects[surf, 1] + np.sin(yaw) * u + np.cos(yaw) * v,
                            np.full(n, hx), np.full(n, hy), yaw + phi])
    cand[~fits] = np.nan
    return cand, surf


def _within_reach(points, walkable) -> np.ndarray:
    """(P,) bool: the point lies within ``REACH_M`` of some walkable cell centre (``walkable`` (K, 2), centres of a
    ``FREE_RESOLUTION`` grid). Only the cells of the square round each point within ``REACH_M`` along both axes
    are measured (looked up on the grid): the same answer as measuring all, in a tenth of the time."""
    if not len(walkable):
        return np.zeros(len(points), dtype=bool)
    origin = walkable.min(axis=0)
    cell = np.rint((walkable - origin) / FREE_RESOLUTION).astype(int)
    shape = cell.max(axis=0) + 1
    lookup = np.full(shape, -1)
    lookup[cell[:, 0], cell[:, 1]] = np.arange(len(walkable))
    r = math.ceil(REACH_M / FREE_RESOLUTION) + 1  # a cell within reach lies at most this many cells off
    at = np.rint((points - origin) / FREE_RESOLUTION).astype(int)
    ix, iy = np.broadcast_arrays(at[:, 0, None, None] + np.arange(-r, r + 1)[None, :, None],
                                 at[:, 1, None, None] + np.arange(-r, r + 1)[None, None, :])
    inside = (ix >= 0) & (ix < shape[0]) & (iy >= 0) & (iy < shape[1])
    k = np.where(inside, lookup[np.clip(ix, 0, shape[0] - 1), np.clip(iy, 0, shape[1] - 1)], -1)
    k = k.reshape(len(points), -1)
    gap = points[:, None, :] - walkable[np.maximum(k, 0)]
    return np.where(k >= 0, (gap * gap).sum(axis=-1), np.inf).min(axis=1) <= REACH_M * REACH_M


def _by_area(rng, rects, pool) -> np.ndarray:
    """``BATCH`` surface indices from ``pool``, each drawn with probability ∝ its area."""
    area = rects[pool, 2] * rects[pool, 3]
    return pool[rng.choice(len(pool), size=BATCH, p=area / area.sum())]


def check_free_space(floor: Floor, camera_clearance: float, min_free_fraction: float,
                     resolution: float = FREE_RESOLUTION) -> dict:
    """Raise NoRoom unless the camera's free floor is one region (≥ MAIN_SHARE) and large enough.

    Cells count as free only beyond ``camera_clearance`` + half a cell: then the straight step between
    two neighbouring free centres keeps the clearance all the way, so grid-connected means walkable.
    """
    fs = free_space(floor.poly, floor.rects, camera_clearance + resolution / 2, resolution)
    main = fs.largest_component()
    floor_area = polygon_area(floor.poly)
    main_area, total = fs.area(main), fs.area()
    if main_area < min_free_fraction * floor_area or main_area < MAIN_SHARE * total:
        raise NoRoom(f"free floor space (walkable region {main_area:.1f} m² of {total:.1f} m² free, "
                     f"floor {floor_area:.1f} m²)")
    return {"free_area": round(main_area, 3), "floor_area": round(floor_area, 3)}
