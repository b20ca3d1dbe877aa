"""A hand-built four-room house for the house question families (tests/test_qa_house*.py).

Plan (metres; each room's floor inside its walls, interior walls 0.1 m thick between them):

    y 4.1..8.1   bedroom (2)   x 0..4      |  bathroom (3)  x 4.1..8.1
    y 0..4       living room (0) x 0..4    |  kitchen (1)   x 4.1..8.1

Doors (on the walls' centre lines): living–kitchen x = 4.05, y 1.6..2.5 (middle (4.05, 2.05));
living–bedroom y = 4.05, x 1.5..2.4 (middle (1.95, 4.05)); kitchen–bathroom y = 4.05, x 5.5..6.4
(middle (5.95, 4.05)). No door joins the bedroom and the bathroom. Areas: 16 m² each.

Objects (id category colour centre), rooms by hand:
   1 sofa         living   (2.0, 0.6)       7 bed          bedroom  (2.0, 7.0)
   2 plant        living   (0.5, 3.5)       8 nightstand   bedroom  (0.5, 7.6)
   3 armchair     living   (3.3, 3.2)       9 book (red)   bedroom  (3.5, 7.5)
   4 refrigerator kitchen  (7.6, 3.5)      10 book (blue)  living   (0.6, 0.5)
   5 dining table kitchen  (6.0, 1.0)      11 toilet       bathroom (7.6, 7.6)
   6 trash can    kitchen  (7.5, 0.5)      12 book (green) bathroom (5.0, 7.6)

The tour (``house``) stands in each room in turn and looks at its objects and doorways, frames
0-4 living room, 5-8 kitchen, 9-11 bedroom, 12-14 bathroom; what each frame shows is given by hand
(1000 px, whole in frame): a room's own objects only, never through a wall.
"""
from __future__ import annotations

from dataclasses import replace

from qa_fixtures import make_episode

from simgen.geometry import look_at
from simgen.types import HouseRoom, Opening

ROOMS = (
    HouseRoom("living room", "living", ((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0))),
    HouseRoom("kitchen", "kitchen", ((4.1, 0.0), (8.1, 0.0), (8.1, 4.0), (4.1, 4.0))),
    HouseRoom("bedroom", "bedroom", ((0.0, 4.1), (4.0, 4.1), (4.0, 8.1), (0.0, 8.1))),
    HouseRoom("bathroom", "bathroom", ((4.1, 4.1), (8.1, 4.1), (8.1, 8.1), (4.1, 8.1))),
)
DOORS = (
    Opening("door", (4.05, 1.6), (4.05, 2.5), 0.0, 2.1, (0, 1)),
    Opening("door", (1.5, 4.05), (2.4, 4.05), 0.0, 2.1, (0, 2)),
    Opening("door", (5.5, 4.05), (6.4, 4.05), 0.0, 2.1, (1, 3)),
)
WINDOW = Opening("window", (-0.05, 1.0), (-0.05, 2.0), 0.9, 2.0, (0,))
HOUSE_FLOOR = ((0.0, 0.0), (8.1, 0.0), (8.1, 8.1), (0.0, 8.1))
OBJECTS = (
    ("sofa", "grey", (2.0, 0.6, 0.4), (0.9, 0.4, 0.4), 0.0),
    ("plant", "green", (0.5, 3.5, 0.5), (0.2, 0.2, 0.5), 0.0),
    ("armchair", "blue", (3.3, 3.2, 0.4), (0.4, 0.4, 0.4), 0.0),
    ("refrigerator", "white", (7.6, 3.5, 0.9), (0.35, 0.35, 0.9), 0.0),
    ("dining table", "brown", (6.0, 1.0, 0.4), (0.6, 0.4, 0.4), 0.0),
    ("trash can", "grey", (7.5, 0.5, 0.3), (0.2, 0.2, 0.3), 0.0),
    ("bed", "white", (2.0, 7.0, 0.3), (1.0, 0.8, 0.3), 0.0),
    ("nightstand", "brown", (0.5, 7.6, 0.3), (0.25, 0.25, 0.3), 0.0),
    ("book", "red", (3.5, 7.5, 0.1), (0.15, 0.1, 0.1), 0.0),
    ("book", "blue", (0.6, 0.5, 0.1), (0.15, 0.1, 0.1), 0.0),
    ("toilet", "white", (7.6, 7.6, 0.4), (0.3, 0.35, 0.4), 0.0),
    ("book", "green", (5.0, 7.6, 0.1), (0.15, 0.1, 0.1), 0.0),
)
ROOM_OF = {1: 0, 2: 0, 3: 0, 10: 0, 4: 1, 5: 1, 6: 1, 7: 2, 8: 2, 9: 2, 11: 3, 12: 3}
EYE = 1.5


# (camera position, what it looks at, object ids it shows), frame by frame
TOUR = (
    [((1.0, 2.0), t, ids) for t, ids in (((0.0, 0.0, 0.3), (1, 10)), ((3.0, 0.6, 0.4), (1, 10)), ((0.0, 4.0, 0.5), (2,)),
                                         ((4.05, 2.05, 1.0), (3,)), ((1.95, 4.05, 1.0), (2, 3)))]
    + [((5.0, 2.5), t, ids) for t, ids in (((8.1, 4.0, 0.5), (4,)), ((8.1, 0.0, 0.5), (5, 6)),
                                           ((5.95, 4.05, 1.0), (4,)), ((4.1, 0.0, 0.5), (5,)))]
    + [((2.0, 5.0), t, ids) for t, ids in (((0.0, 8.1, 0.3), (7, 8)), ((4.0, 8.1, 0.3), (7, 9)),
                                           ((4.0, 4.1, 0.3), (9,)))]
    + [((6.0, 5.0), t, ids) for t, ids in (((8.1, 8.1, 0.3), (11,)), ((4.1, 8.1, 0.3), (11, 12)),
                                           ((8.1, 4.1, 0.3), (11,)))]
)


def house(tour=TOUR, objects=OBJECTS, episode_id: str = "house") -> "Episode":  # noqa: F821
    """The four-room house filmed by ``tour`` (rows of (camera xy, look-at point, ids shown))."""
    cameras = [look_at((xy[0], xy[1], EYE), target) for xy, target, _ in tour]
    visibility = {f: {i: 1000 for i in ids} for f, (_, _, ids) in enumerate(tour)}
    one_room = make_episode(objects, room=HOUSE_FLOOR, cameras=cameras, visibility=visibility, episode_id=episode_id)
    return replace(one_room, scene=replace(one_room.scene, rooms=ROOMS, openings=DOORS + (WINDOW,)))


def single_room_twin():
    """The same objects and frames as one room (no rooms, no doors): house families must not fire."""
    episode = house(episode_id="house_as_one_room")
    return replace(episode, scene=replace(episode.scene, rooms=(), openings=()))
