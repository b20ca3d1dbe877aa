"""What a question's words say its answer must do: the cues of the semantic checks (``simgen.llm.semantics``).

The checks judge programs by outcomes on probe scenes; which outcomes to expect comes from the
question's first template:

- ``expected_edits``: the metamorphic edits of which at least one must change some answer (a count
  follows added or removed objects, a distance a moved one, a size a resized one …);
- ``height_only``: a question about heights alone, whose answer a sideways move must not change;
- ``asked_extreme``: the question asks for the larger / later / farther … one (``argmax``) or the
  smaller / earlier / closer … one (``argmin``), where its words say only one of these.
"""
from __future__ import annotations

import re

__all__ = ["CUES", "expected_edits", "height_only", "asked_extreme"]

# Words of a question -> the edits of which at least one must change some answer.
CUES = {
    "count": (r"\bhow many\b(?!\s+(?:metres|meters|centimet|cm\b|degrees|square|frames|seconds|times))|\bnumber of\b(?!\s+(?:metres|meters|degrees))|\bcount",
              ("add", "remove")),
    "distance": (r"\bfar|\bclos|\bnear|\bdistance|\bapart\b", ("move", "lift", "camera")),
    "elevation": (r"\bhigh|\babove\b|\bbelow\b|\bunder\b", ("lift", "resize")),
    "size": (r"\btall|\bheight|\bsize\b|\bbig|\blarge|\blong|\bvolume|\bwide|\bwidth|\bsmall|\bshort|\bspace\b",
             ("resize", "room")),
    "room": (r"\b(area|size|big|large)\b.*\broom\b|\broom\b.*\b(area|size|big|large)\b|\bfloor area\b", ("room",)),
}
# A question about heights alone; words that tie it to positions or relations leave it out.
HEIGHT_ONLY = r"\bhigher\b|\blower\b|\btop of\b|\btall|\bshorter\b|\bheight\b|\bhow high\b"
RELATIONS = (r"\babove\b(?! the floor)|\bbelow\b|\bunder|\bbeneath|\bover\b|\bon top\b|\bontop|\bstack|\bsupport|"
             r"\bresting\b|\bleft\b|\bright\b|\bfront\b|\bbehind\b|\bbetween\b|\bnext to\b|\bbeside|\bwhere\b|"
             r"\bvisible\b|\bsee\b|\bseen\b|\bframe|\bcamera\b|\bfirst\b|\blast\b|\bmov")


def expected_edits(question: str) -> dict[str, tuple[str, ...]]:
    """Cue name -> edit kinds, for each cue the question's text carries."""
    text = question.lower()
    return {cue: kinds for cue, (pattern, kinds) in CUES.items() if re.search(pattern, text)}


def height_only(question: str) -> bool:
    """Whether the question is about heights alone (no position, relation, view or count words)."""
    text = question.lower()
    return bool(re.search(HEIGHT_ONLY, text)) and not re.search(RELATIONS, text) \
        and not set(expected_edits(text)) - {"size", "elevation"}


# Words asking for the most / the least of something; idioms that only name a moment are dropped first.
MOST = (r"\blater\b|\blatest\b|\blast\b|\bfarther\b|\bfarthest\b|\bfurther\b|\bfurthest\b|\btaller\b|\btallest\b|"
        r"\bhigher\b|\bhighest\b|\bbigger\b|\bbiggest\b|\blarger\b|\blargest\b|\blonger\b|\blongest\b|\bmore\b|"
        r"\bmost\b|\bwider\b|\bwidest\b|\bgreater\b|\bgreatest\b")
LEAST = (r"\bearlier\b|\bearliest\b|\bfirst\b|\bcloser\b|\bclosest\b|\bnearer\b|\bnearest\b|\bshorter\b|"
         r"\bshortest\b|\blower\b|\blowest\b|\bsmaller\b|\bsmallest\b|\bless\b|\bleast\b|\bfewer\b|\bfewest\b|"
         r"\bnarrower\b|\bnarrowest\b")
MOMENTS = r"\bfor the first time\b|\bfirst (?:appear\w*|seen|glimpse\w*|frame)\b|\blast frame\b|\bat (?:the )?(?:start|end)\b"


def asked_extreme(question: str) -> tuple[str, str] | None:
    """``("argmax", word)`` or ``("argmin", word)`` where the question asks for one extreme only, else None."""
    text = re.sub(MOMENTS, " ", question.lower())
    most, least = re.search(MOST, text), re.search(LEAST, text)
    if bool(most) == bool(least):
        return None
    return ("argmax", most.group(0)) if most else ("argmin", least.group(0))
