"""The house side of question families: which scenes a family fits, room slots, room options, and
the evidence rules about rooms.

- **Scope.** A family whose program calls a ``house`` function (``simgen.qa.functions_house``) or
  has a ``room`` slot is a *house family*: it is asked only about houses (``SceneSpec.rooms`` not
  empty), so a single-room run asks exactly what it asked before (and its QA digest leaves the
  house families out: ``simgen.qa.ask``). A family that reads the one room as a whole
  (``room_area``: "this room"; ``route_turns``: straight legs that would cross a house's walls) is
  asked only about single rooms (not tabletops: ``fits_scene``).
- **Room slots** (``room``) name a room a viewer can tell from the video by what it is: one whose
  type no other room of the house shares ("the kitchen", never "bedroom 2", which nothing on
  screen names); category slots' ``same_room`` / ``other_room`` draw objects by their rooms. The
  named rooms are also a room answer's labels for the ask stage's label share.
- **Room options** ("which room is the plant in?") are the answer's room and other rooms the
  video shows where the object's category could stand (``scene.assets_rooms.ROOM_TYPES``): a
  reader who knows that plants stand in living rooms and hallways gains nothing when every option
  could hold one. A category only one room type holds (a bed, a toilet) gets no question.
- **Evidence** (``check_rooms``, run by the verifier on every trace that reads a room): each room
  the answer rests on is *shown* — the camera stands in it in ≥ ``clear_frames`` frames and from
  there shows two of its objects recognisably, or half its corners; an object placed in a room is
  recognisable in a frame taken from inside that room (``room_not_shown`` otherwise: seen through
  a doorway, it could be in either) and the only one of its category in the house (``not_unique``:
  another may stand in a room the question does not look at); a room a question names is
  nameable (``not_unique``: "the bedroom" of a house with two) and its area needs
  ``min_corners_frac`` of its corners in view from inside it (``no_structure``, the room-size rule
  per room); a count over the house needs every room shown and every instance of the category in
  the house recognisable once (``instance_not_shown``); a walk needs each of its doorways in view
  (``door_not_shown``).
"""
from __future__ import annotations

import numpy as np

from simgen.geometry import project
from simgen.qa.evidence import corners_in_view
from simgen.qa.functions_house import doors, room_at, room_index, room_polygons, rooms_at
from simgen.qa.scene_scale import ranks_everything

ROOM_ONLY = frozenset({"room_area", "route_turns"})  # they read "the room" as the whole scene
SHOWN_OBJECTS = 2  # objects of a room recognisable from inside it for the room to count as shown...
SHOWN_CORNERS = 0.5  # ...or this share of its corners in view from inside it
_MIN_DEPTH_M = 0.1


def house_family(fam) -> bool:
    """Whether ``fam`` asks about a house's rooms (a house function or a room slot)."""
    return any(s.type == "room" for s in fam.slots) or any(
        n.op == "call" and n.fn.group == "house" for n in fam.parsed.nodes)


def fits_scene(fam, view) -> bool:
    """House families fit houses only; families that read the one room as a whole, single rooms only
    (not a tabletop, whose room is backdrop); on a tabletop, no family that ranks every object shown
    (``simgen.qa.scene_scale``)."""
    calls = [n for n in fam.parsed.nodes if n.op == "call"]
    if view.house_rooms:
        return not any(n.fn.name in ROOM_ONLY for n in calls)
    if view.tabletop and any(n.fn.name in ROOM_ONLY or ranks_everything(n) for n in calls):
        return False
    return not house_family(fam)


def nameable_rooms(view) -> list[int]:
    """Rooms a viewer can name by their type: no other room of the house has it."""
    types = [r.room_type for r in view.house_rooms]
    return [i for i, t in enumerate(types) if types.count(t) == 1]


def room_labels(view) -> tuple[str, ...]:
    """The names of the rooms a question can name (``nameable_rooms``): a room answer's label set."""
    return tuple(view.house_rooms[i].name for i in nameable_rooms(view))


def sample_room(view, rng: np.random.Generator) -> str | None:
    """A room slot's value: the name of a nameable room drawn with ``rng`` (None: the scene has none)."""
    pool = nameable_rooms(view)
    return view.house_rooms[pool[int(rng.integers(len(pool)))]].name if pool else None


def room_pool(pool, cats: dict[str, list[int]], view, same: int | None, other: list[int]) -> list[str]:
    """The categories of ``pool`` whose (first) object stands in the room of object row ``same`` (if
    given) and in none of the rooms of object rows ``other``; objects on no room's floor never qualify."""
    def room(row: int) -> int:
        return room_at(view, view.center[row, :2])

    want, avoid = (room(same) if same is not None else None), {room(r) for r in other}
    return [c for c in pool if (r := room(cats[c][0])) >= 0 and r not in avoid and (want is None or r == want)]


def room_options(view, execution, n: int, rng: np.random.Generator) -> list[str]:
    """Up to ``n`` option texts for a room answer, the answer first: other shown, nameable rooms where
    the asked object's category could stand (any, when the program places no object). Only the
    answer when none fits; none when the answer's room is not nameable."""
    room = room_index(view, execution.value)
    if room not in nameable_rooms(view):
        return []
    placed = [d.detail["object_id"] for d in execution.trace if d.detail.get("reads") == "membership"]
    holds = _rooms_holding(str(view.category[view.row_of_id(placed[-1])])) if placed else None
    others = [i for i in nameable_rooms(view) if i != room and room_shown(view, i)
              and (holds is None or view.house_rooms[i].room_type in holds)]
    picks = [others[int(i)] for i in rng.choice(len(others), size=min(n - 1, len(others)), replace=False)]
    return [view.house_rooms[i].name for i in [room] + picks]


def _rooms_holding(category: str) -> set[str] | None:
    """Room types whose furnishing may hold ``category``; None when none lists it (then any may)."""
    from simgen.scene.assets_rooms import ROOM_TYPES  # the catalogue's room mixes; only asked here

    types = {t for t, mix in ROOM_TYPES.items() if category in mix.categories()}
    return types or None


# -- evidence --------------------------------------------------------------------------------------

def camera_rooms(view) -> np.ndarray:
    """(F,) the room the camera stands in at each frame (−1: a doorway or outside)."""
    return view._cached_fixed("camera_rooms", lambda: rooms_at(view, view.T_world_cam[:, :2, 3]))


def room_corners_seen(view, room: int) -> np.ndarray:
    """(C,) whether each corner of ``room`` is in view in some frame taken from inside it
    (``evidence.corners_in_view``: a house's corners, room by room, each counted from its own room)."""
    start = sum(len(p) for p in room_polygons(view)[:room])
    return corners_in_view(view)[:, start:start + len(room_polygons(view)[room])].any(axis=0)


def room_evidence(view, room: int) -> dict:
    """What the video shows of one room from inside it: frames, recognisable objects, corners."""
    inside = camera_rooms(view) == room
    rows = np.flatnonzero(rooms_at(view, view.center[:, :2]) == room)
    framed = int(view.framed[np.ix_(inside, rows)].any(axis=0).sum())
    corners = room_corners_seen(view, room)
    return {"frames_inside": int(inside.sum()), "objects_framed": framed, "objects": int(len(rows)),
            "corners_seen": f"{int(corners.sum())}/{len(corners)}"}


def room_shown(view, room: int) -> bool:
    """The camera stands in the room in ≥ ``clear_frames`` frames and from there shows two of its
    objects recognisably (all, if it holds fewer) or half its corners."""
    def compute():
        ev = room_evidence(view, room)
        objects = ev["objects_framed"] >= min(SHOWN_OBJECTS, ev["objects"]) and ev["objects_framed"] > 0
        corners = room_corners_seen(view, room).mean() >= SHOWN_CORNERS
        return ev["frames_inside"] >= view.model.clear_frames and (objects or corners)
    return view._cached_fixed(("room_shown", room), compute)


def door_in_view(view, door: int) -> int:
    """Frames that show the middle of a doorway (half its height) from one of the rooms it joins."""
    a, b, joined = doors(view)[door]
    opening = [o for o in view.house_openings if o.kind == "door" and len(o.rooms) == 2][door]
    mid = np.array([[*(a + b) / 2.0, (opening.bottom + opening.top) / 2.0]])
    K, w, h = view.intrinsics.K(), view.intrinsics.width, view.intrinsics.height
    count = 0
    for fr in np.flatnonzero(np.isin(camera_rooms(view), joined)):
        uv, z = project(K, view.T_world_cam[fr], mid)
        count += bool(z[0] > _MIN_DEPTH_M and 0 <= uv[0, 0] < w and 0 <= uv[0, 1] < h)
    return count


def check_rooms(view, trace, checks: dict) -> tuple[str | None, dict | None]:
    """The house evidence rules (module docstring) for the rooms, doorways and counts a trace reads;
    (None, None) for a trace that reads none."""
    reads = [d for d in trace if d.kind in ("room", "door", "house")]
    if not reads:
        return None, None
    names = [r.name for r in view.house_rooms]
    rooms, evidence, reason = set(), {}, None
    for d in reads:
        what = d.detail.get("reads")
        if d.kind == "room":
            rooms.add(names.index(d.detail["room"]))
        if what == "membership":
            row, room = view.row_of_id(d.detail["object_id"]), names.index(d.detail["room"])
            frames = int((view.framed[:, row] & (camera_rooms(view) == room)).sum())
            evidence.setdefault("in_room", {})[view.names[row]] = frames
            reason = reason or (None if frames else "room_not_shown")
            if (view.category == view.category[row]).sum() > 1:  # "the plant" of a house with two
                reason = reason or "not_unique"
        elif what == "area":  # a room the question names: by its type, the house's only one of it
            room = names.index(d.detail["room"])
            reason = reason or (None if room in nameable_rooms(view) else "not_unique")
            seen = room_corners_seen(view, room).mean()
            reason = reason or (None if seen >= float(checks.get("min_corners_frac", 0.75)) else "no_structure")
        elif what == "count":
            rooms.update(range(len(names)))
            rows = np.flatnonzero(view.category == d.detail["category"])
            framed = int(view.framed[:, rows].any(axis=0).sum())
            evidence["instances"] = f"{framed}/{len(rows)}"
            reason = reason or (None if framed == len(rows) else "instance_not_shown")
        elif d.kind == "door":
            frames = door_in_view(view, d.detail["door"])
            evidence.setdefault("doors", {})[d.detail["door"]] = frames
            reason = reason or (None if frames else "door_not_shown")
    for room in sorted(rooms):
        evidence.setdefault("rooms", {})[names[room]] = room_evidence(view, room)
        reason = reason or (None if room_shown(view, room) else "room_not_shown")
    return reason, evidence
