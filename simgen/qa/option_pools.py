"""The pools a number's options are drawn from (``simgen.qa.options``): which answers
(:func:`pool_key`), how far apart two options must be (:func:`option_ratio`), and within which
values — the range an instance of a catalogue category could have (height or longest side, over
built instances at the largest size variation), or the floor area a house's room of its type could
have (:func:`plausible_range`), so that no option is a value no one would consider; a count's
options come from its band of counts (:func:`count_band`), so that they are near it.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from simgen.qa.choices import MIN_OPTION_RATIO
from simgen.qa.families import CONVERSIONS
from simgen.qa.records import record_field
from simgen.seeding import rng

MIN_POOL = 1  # options are drawn from a pool of at least this many answers per option
# a program that measures one object's extent: its quantity and the slot that names the object
EXTENT_PROGRAM = re.compile(r"^(?:to_cm\()?(height|size)\(the\((\w+)\)\)\)?$")
ROOM_AREA_PROGRAM = re.compile(r"^room_floor_area\((\w+)\)$")  # a house room's floor area and its room slot
ROOM_AREA_SPREAD = (0.75, 1.5)  # a room type's real-home range (m²) widened by these factors: what it could be
CATALOGUE_DRAWS = 12  # instances built per shape of a category to find its range (before the size variation)


def catalogue_extent(category: str, quantity: str) -> tuple[float, float] | None:
    """(least, greatest) ``quantity`` ('height': vertical extent, 'size': longest side, in metres) an
    instance of a catalogue ``category`` can have: over ``CATALOGUE_DRAWS`` built instances (fixed
    seed), scaled by the largest size variation either way; None for a category the catalogue lacks
    (scenes from AI2-THOR or Habitat: their options stay as the pool gives them)."""
    half = _catalogue_halves(category)
    if half is None:
        return None
    from simgen.scene.catalogue import MAX_SIZE_VARIATION

    values = 2.0 * (half[:, 2] if quantity == "height" else half.max(axis=1))
    return float(values.min() * (1.0 - MAX_SIZE_VARIATION)), float(values.max() * (1.0 + MAX_SIZE_VARIATION))


@lru_cache(maxsize=None)
def _catalogue_halves(category: str) -> np.ndarray | None:
    """Half extents of ``CATALOGUE_DRAWS`` instances of each shape of a catalogue category (its own
    maker and every shape variant: a table lamp is a lamp too; "red chair": a chair), built once per
    process; None for a category the catalogue lacks."""
    from simgen.scene.assets import COLORS  # only here: the merge's start-up never builds assets
    from simgen.scene.catalogue import CATALOGUE, instantiate

    colour, _, rest = category.partition(" ")
    item = CATALOGUE.get(category) or (CATALOGUE.get(rest) if colour in COLORS else None)
    if item is None:
        return None
    gen = rng(0, 0, 0, f"options/extent/{item.category}")
    shapes = ([None] if item.make is not None else []) + item.variant_names()
    return np.array([instantiate(item, gen, variant=shape).half_extents for shape in shapes
                     for _ in range(CATALOGUE_DRAWS)], dtype=float)


def room_area_range(name: str) -> tuple[float, float] | None:
    """Floor areas (m²) a house's room named ``name`` ("living room", "kitchen") could have: its type's
    real-home range in the floor-plan generator, widened by ``ROOM_AREA_SPREAD`` (a house_area knob
    scales every room); None for a name that is no room type."""
    from simgen.scene.floorplan import ROOM_SIZES, ROOM_WORDS  # only here: the merge's start-up never builds plans

    kind = {ROOM_WORDS.get(t, t): t for t in ROOM_SIZES}.get(name)
    if kind is None:
        return None
    (lo, hi), (shrink, grow) = ROOM_SIZES[kind], ROOM_AREA_SPREAD
    return lo * shrink, hi * grow


def plausible_range(data) -> tuple[float, float] | None:
    """The values, in the record's unit, that the object a question measures could plausibly have
    (:func:`catalogue_extent` of the category its program measures), or the room whose floor it
    measures (:func:`room_area_range`: by eye, "how big is the living room?" offered a bathroom's
    6.8 m² and a bedroom's 9.0 m² beside its 16.5, the largest option: the room's name told the
    answer); None for any other number."""
    room = ROOM_AREA_PROGRAM.match(str(record_field(data, "program") or ""))
    if room:
        name = (record_field(data, "bindings") or {}).get(room.group(1))
        return room_area_range(name) if isinstance(name, str) and record_field(data, "unit") == "m2" else None
    match = EXTENT_PROGRAM.match(str(record_field(data, "program") or ""))
    category = (record_field(data, "bindings") or {}).get(match.group(2)) if match else None
    span = catalogue_extent(category, match.group(1)) if isinstance(category, str) else None
    unit = record_field(data, "unit")
    if span is None or (unit not in (None, "m") and ("m", unit) not in CONVERSIONS):
        return None
    factor = 1.0 if unit in (None, "m") else CONVERSIONS[("m", unit)]
    return span[0] * factor, span[1] * factor


def count_band(data) -> tuple[float, float] | None:
    """The band of counts that holds a count answer: 1–3, then ``[2^i, 2^(i+1) - 1]`` (4–7, 8–15 …);
    None for any other number.

    A count's options are drawn from the family's counts in its band only: by eye, "how many books
    are in the house?" (25) was offered 2 and 4 (the family's other answers, on a grid through the
    whole pool), which a viewer picks out without counting. The bands are fixed, not centred on the
    answer, so the grid inside one still puts the answer at each rank alike (the options tell the
    band, which the answer's magnitude tells anyway); a band whose answers hold no second count
    leaves the count open. The first band holds 1 to 3, so a room's counts of 1 and 2 are still
    offered as each other's option."""
    if record_field(data, "unit") != "count":
        return None
    low = 2.0 ** int(np.floor(np.log2(max(float(record_field(data, "answer")), 1.0))))
    return (1.0, 3.0) if low < 4 else (low, 2.0 * low - 1.0)


def plausible_pool(pool: np.ndarray, span: tuple[float, float] | None, answer: float) -> np.ndarray:
    """The values of ``pool`` inside ``span`` (all of it without a span, or for an answer outside it)."""
    if span is None or not span[0] <= answer <= span[1]:
        return pool
    return pool[(pool >= span[0]) & (pool <= span[1])]


def option_ratio(unit: str | None) -> float:
    """The least ratio between two options: ``MIN_OPTION_RATIO`` for measurements; counts merely differ."""
    return MIN_OPTION_RATIO if unit != "count" else 1.0


def pool_key(family: str, named: str, pools: dict, n: int) -> tuple | None:
    """Which pool a number's options come from: the answers naming the same things when at least
    ``MIN_POOL`` × ``n``, else the family's, else none."""
    for key in ((family, named), (family, None)):
        if len(pools.get(key, ())) >= MIN_POOL * n:
            return key
    return None
