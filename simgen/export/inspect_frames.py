"""What a ``simgen-inspect`` sheet shows: the objects a question is about and the frames it rests on."""
from __future__ import annotations

import functools
import json
import re

import numpy as np

from simgen.qa.records import QAItem

MAX_VIDEO_TILES = 12
_FRAME_KEYS = ("from", "to", "frame")
_FRAME_IN_KEY = re.compile(r"_at\((\d+)\)")  # decision keys such as camera_distance_at(24)


def referents(item: QAItem, episode: dict) -> list[tuple[str, int]]:
    """(name, object_id) of the objects a question is about: its certificate's visibility entries,
    then every object whose category is a slot binding or the answer (e.g. all beds of a count)."""
    out = [(name, int(v["object_id"])) for name, v in item.certificate.get("visibility", {}).items()
           if isinstance(v, dict) and "object_id" in v]
    named = {str(v) for value in [*item.bindings.values(), item.answer]
             for v in (value if isinstance(value, (list, tuple)) else [value])}
    seen = {oid for _, oid in out}
    out += [(o["name"], int(o["object_id"])) for o in episode["scene"]["objects"]
            if o["category"] in named and int(o["object_id"]) not in seen]
    return out


@functools.cache
def frame_slots() -> dict[str, tuple[str, ...]]:
    """Family id -> names of its frame-typed slots (their bindings are frames the question names)."""
    from simgen.qa.families import load_families

    return {fam.family: tuple(s.name for s in fam.slots if s.type == "frame") for fam in load_families()}


def read_frames(item: QAItem) -> set[int]:
    """Frames a video question names or its program read: frame-slot bindings and the frames in its
    certificate's decisions (interval ends, motion start and end, ``..._at(N)`` keys)."""
    found = {int(item.bindings[name]) for name in frame_slots().get(item.family, ())
             if isinstance(item.bindings.get(name), int)}
    for margin in item.certificate.get("margins", ()):
        detail = margin.get("detail", {})
        for key, value in detail.items():
            if isinstance(value, int) and not isinstance(value, bool) and (key in _FRAME_KEYS or key.endswith("_frame")):
                found.add(value)
        if isinstance(detail.get("start_frame"), int):
            found.add(detail["start_frame"] - 1)  # the state before the motion
        found |= {int(m) for m in _FRAME_IN_KEY.findall(json.dumps(detail))}
    return found


def frames_to_show(item: QAItem, episode: dict, refs: list[tuple[str, int]], strip: int) -> list[tuple[int, str]]:
    """(frame, why) pairs in time order: an image question's frames, or for a video question the
    frames it names or its program read, the first and the best frame showing each referent (for a
    size question the frame the verifier found it whole in) and an evenly spaced strip (strip frames
    go first when there are more than ``MAX_VIDEO_TILES``)."""
    n = len(episode["frames"])
    if item.modality != "video":
        return [(f, "shown") for f in item.frames]
    why: dict[int, list[str]] = {}
    for f in sorted(read_frames(item)):
        if 0 <= f < n:
            why.setdefault(f, []).append("read")
    visibility = item.certificate.get("visibility", {})
    for name, oid in refs:
        pixels = [next((v["visible_pixels"] for v in fr["visibility"] if v["object_id"] == oid), 0)
                  for fr in episode["frames"]]
        if max(pixels, default=0) > 0:  # where it first shows at all (temporal questions) and where best
            why.setdefault(int(np.flatnonzero(pixels)[0]), []).append(f"first {name}")
            # a size question rests on the frame the verifier found the object whole in, not its largest
            whole = (visibility.get(name) or {}).get("whole_frame")
            if isinstance(whole, int) and 0 <= whole < n:
                why.setdefault(whole, []).append(f"whole {name}")
            else:
                why.setdefault(int(np.argmax(pixels)), []).append(f"best {name}")
    for f in np.linspace(0, n - 1, strip).round().astype(int) if strip and n else ():
        why.setdefault(int(f), []).append("strip")
    keep = sorted(why, key=lambda f: ("strip" in why[f] and len(why[f]) == 1, f))[:MAX_VIDEO_TILES]
    return [(f, _reasons(why[f])) for f in sorted(keep)]


def _reasons(reasons: list[str]) -> str:
    """Why a frame is shown, short: "first bed_1", "best bed_1" become "first+best bed_1"."""
    merged = [f"first+best {r[6:]}" if r.startswith("first ") and f"best {r[6:]}" in reasons else r
              for r in reasons if not (r.startswith("best ") and f"first {r[5:]}" in reasons)]
    return ", ".join(merged)
