"""simgen.io.json_line (one reused C encoder) writes exactly what json.dumps writes with the canonical options."""
import json
import math

import numpy as np
import pytest

from simgen.io import json_line


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def random_value(g: np.random.Generator, depth: int = 0):
    kind = int(g.integers(9 if depth < 4 else 6))
    if kind == 0:
        return None if g.random() < 0.5 else bool(g.random() < 0.5)
    if kind == 1:
        return int(g.integers(-10**12, 10**12)) * (10**20 if g.random() < 0.1 else 1)
    if kind == 2:
        return float(g.choice([0.0, -0.0, 1e-7, 1e300, 0.1, 2.5, math.inf, -math.inf, math.nan, g.normal() * 1e3]))
    if kind in (3, 4, 5):
        alphabet = ["a", "Z", " ", '"', "\\", "/", "\n", "\t", "\x00", "\x1f",
                    "é", "→", "中", "😀", "\ud800", "\u2028"]
        return "".join(g.choice(alphabet, int(g.integers(0, 8))))
    if kind == 6:
        return [random_value(g, depth + 1) for _ in range(int(g.integers(0, 4)))]
    if kind == 7:
        return tuple(random_value(g, depth + 1) for _ in range(int(g.integers(0, 4))))
    size, text_keys = int(g.integers(0, 5)), g.random() < 0.8  # sorted keys: all text or all numbers
    keys = [str(random_value(g, 9)) if text_keys else int(g.integers(-5, 5)) for _ in range(size)]
    return {k: random_value(g, depth + 1) for k in keys}


def test_json_line_writes_the_bytes_json_dumps_writes():
    g = np.random.default_rng(0)
    values = [random_value(g) for _ in range(3000)]
    values += [{"b": 1, "a": [1.0, "é", None]}, "top-level text", 7, 0.1, math.nan, [], {}, {"z": {"y": {"x": ()}}},
               {2: "number keys", 10: "sorted as numbers"}]
    for value in values:
        assert json_line(value) == canonical(value), value
        assert json_line(value, ensure_ascii=True) == json.dumps(value, sort_keys=True, separators=(",", ":")), value


def test_json_line_refuses_what_json_dumps_refuses():
    for bad in ({"a": {1, 2}}, [object()], {(1, 2): "tuple key"}, {"a": 1, 2: "mixed keys cannot be sorted"}):
        with pytest.raises(TypeError) as expected:
            canonical(bad)
        with pytest.raises(TypeError) as got:
            json_line(bad)
        assert str(got.value) == str(expected.value)
