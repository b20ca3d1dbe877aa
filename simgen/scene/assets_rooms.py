"""Room types: which catalogue categories a single procedural room of each type holds, and how many.

A room type names its **core** furniture (what makes a kitchen a kitchen: a refrigerator, a counter
and a stove), each with an instance count range, drawn first; the rest of the room's furniture and
all its small objects come from weighted pools with :func:`simgen.scene.composition.choose`, so the
scene's ``num_*`` and duplicate knobs keep their meaning. ``classic`` is not listed here: it is the
original mix (every category of :data:`~simgen.scene.catalogue.CLASSIC`, the original weights).

The teddy bear is left out of every room type: settled by physics it leans by up to 2 cm (issue 18
asks < 1 cm). No room type holds two categories of a :data:`LOOKALIKES` group: categories a viewer could not tell
apart at a glance (a desk and a dining table, a folded towel and a pillow) never meet in one room.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from simgen.scene import composition
from simgen.scene.assets_furniture import ON_STAND
from simgen.scene.catalogue import CATALOGUE

ROOM_TYPE_NAMES = ("classic", "living", "kitchen", "bedroom", "office", "bathroom", "dining", "hallway")
LOOKALIKES = (
    {"table", "dining table", "desk"},
    {"chair", "dining chair"},
    {"shelf", "bookshelf"},
    {"lamp", "floor lamp"},
    {"cabinet", "sideboard", "dresser", "tv stand", "kitchen counter", "filing cabinet"},
    {"side table", "nightstand"},
    {"stool", "bar stool", "ottoman"},
    {"ottoman", "bench"},
    {"pillow", "towel"},
    {"box", "tissue box"},
    {"kettle", "teapot"},
    {"tv", "monitor"},
    {"table lamp", "desk lamp"},
    {"vase", "soap dispenser", "candle"},  # plain cylinders of the same colours at a glance
    {"bottle", "soap dispenser"},
    {"basket", "cooking pot"},  # judged by eye: a bathroom's basket read as a cooking pot in a house count
)


@dataclass(frozen=True)
class RoomType:
    """A room's mix: core furniture ``(category, min, max)`` drawn first, then weighted pools; ``first`` names the
    shape variant of a core category's first instance (a kitchen's first counter holds the sink); ``curtains``
    is the chance that a window of the room gets curtains (:mod:`simgen.scene.curtains`)."""

    core: tuple[tuple[str, int, int], ...]
    furniture: dict[str, float]
    small: dict[str, float]
    first: dict[str, str] = field(default_factory=dict)
    curtains: float = 0.0

    def categories(self) -> set[str]:
        """Every category this room type may hold (a counter standing free with bar stools is a kitchen island)."""
        hung = {"curtain"} if self.curtains else set()
        held = {c for c, _, _ in self.core} | set(self.furniture) | set(self.small) | hung
        return held | ({"kitchen island"} if {"kitchen counter", "bar stool"} <= held else set())


ROOM_TYPES: dict[str, RoomType] = {
    "living": RoomType(
        core=(("sofa", 1, 1), ("coffee table", 1, 1), ("tv", 1, 1)),
        furniture={"armchair": 1.5, "side table": 1.0, "floor lamp": 1.0, "bookshelf": 1.0, "plant": 1.0,
                   "tv stand": 0.8,
                   "wall art": 1.0, "rug": 0.6, "ottoman": 0.6, "ceiling lamp": 0.5, "wall clock": 0.4},
        small={"pillow": 1.5, "book": 1.2, "vase": 1.0, "picture frame": 1.0, "speaker": 0.6,
               "table lamp": 0.8, "bowl": 0.6, "mug": 0.8, "basket": 0.5, "box": 0.4}, curtains=0.8),
    "kitchen": RoomType(
        core=(("refrigerator", 1, 1), ("kitchen counter", 2, 2), ("stove", 1, 1)),
        furniture={"dining table": 0.8, "dining chair": 1.0, "bar stool": 0.8, "trash can": 1.0, "wall clock": 0.6,
                   "shelf": 0.6, "plant": 0.4, "ceiling lamp": 0.5, "washing machine": 0.3},
        small={"bowl": 1.2, "plate": 1.2, "cutting board": 1.0, "kettle": 1.0, "toaster": 0.8, "microwave": 0.8,
               "coffee maker": 0.8, "cooking pot": 1.0, "frying pan": 0.8, "mug": 1.0, "bottle": 0.8},
        first={"kitchen counter": "sink"}, curtains=0.3),
    "bedroom": RoomType(
        core=(("bed", 1, 1), ("nightstand", 2, 2)),
        furniture={"wardrobe": 1.2, "dresser": 1.0, "armchair": 0.4, "floor lamp": 0.6, "rug": 0.6, "wall art": 1.0,
                   "mirror": 0.6, "plant": 0.5, "ceiling lamp": 0.5, "bookshelf": 0.4},
        small={"pillow": 1.5, "alarm clock": 1.0, "table lamp": 1.0, "book": 1.0, "picture frame": 0.8,
               "tissue box": 0.6, "laptop": 0.4, "vase": 0.4, "mug": 0.4}, curtains=0.9),
    "office": RoomType(
        core=(("desk", 1, 1), ("office chair", 1, 1)),
        furniture={"filing cabinet": 1.0, "bookshelf": 1.2, "plant": 0.8, "floor lamp": 0.6, "wall clock": 0.6,
                   "wall art": 0.8, "armchair": 0.4, "rug": 0.3, "ceiling lamp": 0.5, "trash can": 0.6},
        small={"monitor": 1.2, "keyboard": 1.0, "laptop": 1.0, "printer": 0.6, "desk lamp": 1.0, "globe": 0.5,
               "book": 1.2, "mug": 0.8, "picture frame": 0.5, "speaker": 0.4, "box": 0.6}, curtains=0.5),
    "bathroom": RoomType(
        core=(("toilet", 1, 1), ("sink cabinet", 1, 1), ("bathtub", 1, 1)),
        furniture={"washing machine": 0.6, "mirror": 1.2, "trash can": 0.8, "plant": 0.5, "wall art": 0.4,
                   "ceiling lamp": 0.4, "shelf": 0.8, "cabinet": 0.5},
        small={"towel": 1.5, "toothbrush cup": 1.0, "soap dispenser": 1.0, "tissue box": 0.6, "basket": 0.6,
               "toy duck": 0.4}),
    "dining": RoomType(
        core=(("dining table", 1, 1), ("dining chair", 2, 4)),
        furniture={"sideboard": 1.0, "bench": 0.5, "wall art": 1.0, "plant": 0.8, "ceiling lamp": 1.2,
                   "rug": 0.4, "wall clock": 0.5, "mirror": 0.4},
        small={"plate": 1.5, "bowl": 1.2, "candle": 1.0, "teapot": 0.8, "mug": 0.8, "bottle": 0.8}, curtains=0.7),
    "hallway": RoomType(  # a house's passage: a console (side) table and decor
        core=(("side table", 1, 1),),
        furniture={"wall art": 1.2, "mirror": 1.0, "plant": 1.0, "bench": 0.8, "wall clock": 0.6, "ceiling lamp": 0.8,
                   "rug": 0.5, "cabinet": 0.6},
        small={"vase": 1.0, "basket": 1.0, "box": 0.8, "picture frame": 0.8, "book": 0.5, "bowl": 0.5}),
}


LARGE_ROOM_M2 = 20.0  # m²: a room larger than this may hang two ceiling lamps
# small things people keep several of on one piece of furniture (up to SEVERAL_PER_PIECE); of any other, one a
# piece (support_rule)
SEVERAL = {"book", "bowl", "mug", "plate", "pillow", "towel", "candle", "picture frame", "bottle", "box", "monitor"}
SEVERAL_PER_PIECE = 3
ON_FLOOR = {"basket", "box"}  # the small things of a typed room that may stand on its floor (storage)
# where a small object may rest (by the support's category); a category not listed may rest on any surface
ON = {
    "tableware": ("kitchen counter", "kitchen island", "dining table", "table", "coffee table", "sideboard", "shelf"),
    "tops": ("side table", "nightstand", "dresser", "sideboard", "coffee table", "tv stand", "bookshelf", "shelf",
             "cabinet"),
}
SUPPORTS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("plate", "bottle", "teapot"), ON["tableware"]),
    "bowl": ON["tableware"] + ("side table", "tv stand", "bookshelf", "dresser"),  # a fruit or a decorative bowl
    "mug": ON["tableware"] + ("desk", "side table", "nightstand"),
    **dict.fromkeys(("cutting board", "kettle", "toaster", "microwave", "coffee maker", "cooking pot", "frying pan"),
                    ("kitchen counter", "kitchen island")),
    "candle": ("dining table", "sideboard", "coffee table", "side table", "nightstand", "dresser", "table"),
    "book": ("bookshelf", "shelf", "nightstand", "desk", "coffee table", "side table", "table"),
    "pillow": ("sofa", "bed", "armchair"),
    "vase": ON["tops"] + ("dining table", "table"),
    "picture frame": ON["tops"] + ("desk",),
    "speaker": ("tv stand", "bookshelf", "shelf", "desk", "side table", "sideboard"),
    **dict.fromkeys(("table lamp", "alarm clock"), ("side table", "nightstand", "dresser")),
    "tissue box": ("nightstand", "dresser", "side table", "sink cabinet", "coffee table"),
    "laptop": ("desk", "coffee table", "dining table", "table", "bed"),
    **dict.fromkeys(("monitor", "keyboard", "desk lamp"), ("desk",)),
    "printer": ("desk", "filing cabinet", "shelf"),
    "globe": ("desk", "bookshelf", "filing cabinet", "shelf"),
    "box": ON["tops"] + ("desk", "filing cabinet"),
    "basket": ("bookshelf", "shelf", "sink cabinet", "dresser", "side table", "cabinet"),
    **dict.fromkeys(("towel", "toothbrush cup", "soap dispenser", "toy duck"), ("sink cabinet", "shelf", "cabinet")),
}


def support_rule(items: list):
    """``allowed(instance, owners, placed)``: which surfaces (by the item index owning each) may hold the
    instance, given the small objects ``placed`` so far (item index -> Placed): one of its kind per piece of
    furniture, or ``SEVERAL_PER_PIECE`` of what people keep :data:`SEVERAL` of (three tissue boxes on one dresser
    looked wrong)."""
    def allowed(inst, owners, placed) -> np.ndarray:
        category = inst.asset.category
        ok = SUPPORTS.get(category)
        fits = np.array([ok is None or items[o].asset.category in ok for o in owners], dtype=bool)
        holding = [p.support for k, p in placed.items() if items[k].asset.category == category]
        if holding:
            pieces, held = np.unique(holding, return_counts=True)
            full = pieces[held >= per_piece(category)]
            fits &= ~np.isin(owners, full)
        return fits
    return allowed


def per_piece(category: str) -> int:
    """How many of ``category`` one piece of furniture may hold."""
    return SEVERAL_PER_PIECE if category in SEVERAL else 1


def supports_for(category: str, present: dict[str, int]) -> int:
    """How many support-offering pieces among ``present`` (category -> count) may hold ``category``."""
    ok = SUPPORTS.get(category)
    return sum(n for c, n in present.items() if CATALOGUE[c].supports and (ok is None or c in ok))


def fitted(assets: list) -> list:
    """The room's furniture fitted to each other: where a TV stand is drawn, the first TV is one made to stand
    on it (its :data:`~simgen.scene.assets_furniture.ON_STAND` shape); every other TV keeps a floor stand."""
    stand = any(a.category == "tv stand" for a in assets)
    out = []
    for a in assets:
        if a.category == "tv":
            on = stand and not any(b.category == "tv" for b in out)
            a = dataclasses.replace(a, variants=tuple(v for v in a.variants if (v[0] == ON_STAND) == on))
        out.append(a)
    return out


def _pool(weights: dict[str, float], kind: str) -> list:
    """The catalogue assets of ``kind`` in ``weights`` (catalogue order), each with the room's weight."""
    return [dataclasses.replace(a, weight=weights[c]) for c, a in CATALOGUE.items() if c in weights and a.kind == kind]


def choose_room(rng: np.random.Generator, room: RoomType, n_furniture: int, n_small: int, num_categories: int,
                duplicates: int, duplicate_fraction: float, supports: int, area: float) -> tuple[list, int]:
    """The room's furniture, its core first (within ``n_furniture``), then its pool, :func:`fitted` to each other;
    and the number of distinct small categories left for :func:`choose_small` (``num_categories`` shared as if
    ``n_small`` were drawn, the core counting towards the furniture share). A room of ``area`` m² up to
    ``LARGE_ROOM_M2`` gets one ceiling lamp at most (the composition may draw more when its categories run out)."""
    core = []
    for category, low, high in room.core:
        count = min(int(rng.integers(low, high + 1)), n_furniture - len(core))
        item = CATALOGUE[category]
        if count and category in room.first:  # a catalogue entry with that one shape
            core.append(dataclasses.replace(item, variants=((room.first[category], item.maker(room.first[category])),)))
            count -= 1
        core += [item] * count
    n_core = len({a.category for a in core})
    pool_f = [a for a in _pool(room.furniture, "furniture") if a.category not in {c for c, _, _ in room.core}]
    rest = n_furniture - len(core)
    k_f, k_s = composition.split_budget(max(num_categories - n_core, 2), min(rest, len(pool_f)),
                                        min(n_small, len(room.small)))
    offers = sum(a.supports for a in core)
    drawn = core + composition.choose(rng, pool_f, rest, k_f, duplicates, duplicate_fraction,
                                      supports=max(supports - offers, 0))
    lamps = [k for k, a in enumerate(drawn) if a.category == "ceiling lamp"][1 + (area > LARGE_ROOM_M2):]
    return fitted([a for k, a in enumerate(drawn) if k not in lamps]), k_s


def choose_small(rng: np.random.Generator, room: RoomType, n: int, budget: int, duplicates: int,
                 duplicate_fraction: float, present: dict[str, int]) -> list:
    """``n`` small assets of at most ``budget`` categories from the room's pool, drawn once the furniture
    stands: only categories with a support of their kind among the ``present`` pieces (category -> count; all,
    if none has), each at most as many as those pieces hold by :func:`support_rule` (where the categories allow).
    Only :data:`ON_FLOOR` things may go on the floor: a pillow, towel or bath duck put there lay by a wall (a
    duck at a toilet's foot, a pillow in a hallway), where no one keeps one."""
    pool = _pool(room.small, "small")
    fits = [a for a in pool if a.category not in SUPPORTS or set(SUPPORTS[a.category]) & set(present)] or pool
    fits = [dataclasses.replace(a, floor_ok=a.floor_ok and a.category in ON_FLOOR, max_count=max(min(
        a.max_count, per_piece(a.category) * supports_for(a.category, present)), 1)) for a in fits]
    return composition.choose(rng, fits, n, max(budget, 1), duplicates, duplicate_fraction)
