"""simgen.io.read_json (orjson where it gives json's value) reads exactly what json.loads reads, and names
a bad file as it always did."""
import json
import math
import struct

import numpy as np
import pytest

from simgen.io import InputError, read_json


def same(a, b) -> bool:
    """Equal values of equal types, floats to the bit (NaN equal to NaN), dict keys in the same order."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))
    if type(a) is dict:
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def written(tmp_path, text: str, name: str = "f.json"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path


def test_read_json_gives_json_loads_value_to_the_bit(tmp_path):
    g = np.random.default_rng(0)
    bits = g.integers(0, 2**63, 20000, dtype=np.uint64) * 2 + g.integers(0, 2, 20000, dtype=np.uint64)
    floats = [float(x) for x in bits.view(np.float64) if math.isfinite(x)]
    numbers = [repr(x) for x in floats] + [f"{x:.{d}e}" for x, d in zip(g.normal(0, 1e3, 3000), g.integers(1, 25, 3000))]
    numbers += [f"{x:.{d}f}" for x, d in zip(g.uniform(-10, 10, 3000), g.integers(1, 25, 3000))]
    numbers += ["-0", "-0.0", "1e-400", "5e-324", "1.7976931348623157e308", "9223372036854775807",
                "-9223372036854775808", "18446744073709551615"]
    text = ('{"b": [' + ", ".join(numbers) + '], "a": {"x": "é😀\\ud83d\\ude00\\u00e9\\/\\n", "x": true, "": null},'
            ' "n": [1, 1.0, 1E2, -1e0]}')
    path = written(tmp_path, text)
    assert same(read_json(path), json.loads(text))


@pytest.mark.parametrize("text", [
    "123456789012345678901234567890",  # an integer beyond 64 bits stays an int (orjson would make it a float)
    '{"id": -9223372036854775809}', '[18446744073709551616]',
    "NaN", '[Infinity, -Infinity]', "1e999", '"\\ud800"',  # what json reads and orjson refuses
    "[" * 1500 + "]" * 1500,
])
def test_read_json_reads_what_only_json_reads_as_json_does(tmp_path, text):
    try:
        expected = json.loads(text)
    except RecursionError:
        with pytest.raises(InputError, match="nested too deeply"):
            read_json(written(tmp_path, text))
        return
    assert same(read_json(written(tmp_path, text)), expected)


@pytest.mark.parametrize("raw, message", [
    (b'{"a": 1,}', r"not valid JSON \(line 1, column 9: Expecting property name"),
    (b'{\r\n"a": [1 2]}', r"not valid JSON \(line 2, column 9: Expecting ','"),
    (b'\xef\xbb\xbf{}', r"not valid JSON \(line 1, column 1: Unexpected UTF-8 BOM"),
    (b'{"a": "\xff"}', r"not UTF-8 text \(invalid start byte at byte 7\)"),
])
def test_read_json_names_a_bad_file_as_json_did(tmp_path, raw, message):
    path = tmp_path / "bad.json"
    path.write_bytes(raw)
    with pytest.raises(InputError, match=message):
        read_json(path)
    with pytest.raises(InputError, match="not found"):
        read_json(tmp_path / "missing.json")
