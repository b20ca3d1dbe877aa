"""``episodes/writer.save_arrays``: per-frame depth and instance arrays in an ``.npz`` that numpy and
any zip reader read back exactly, deflated by ISA-L (checked against ISA-L's own output, so a zipfile
that stopped taking the hook would show up here as zlib's bytes)."""
import zipfile
import zlib

import numpy as np
from isal import isal_zlib

from simgen.episodes.writer import depth_to_mm, save_arrays, stored_frame_counts


def frames(n=4, h=24, w=32):
    """Depth (mm) and instance masks like a render's: a floor ramp with a box of id 3 in it."""
    g = np.random.default_rng(0)
    depths, masks = [], []
    for k in range(n):
        depth = np.linspace(0.5, 4.0, h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
        mask = np.zeros((h, w), np.uint16)
        mask[5 + k:12 + k, 8:20] = 3
        depth[mask == 3] = 1.5 + 0.01 * g.random((mask == 3).sum(), dtype=np.float32)
        depth[0, :] = np.inf  # nothing hit
        depths.append(depth_to_mm(depth))
        masks.append(mask)
    return depths, masks


def test_arrays_read_back_exactly_by_numpy_and_zipfile(tmp_path):
    depths, masks = frames()
    path = tmp_path / "arrays.npz"
    save_arrays(path, {"depth_mm": depths, "instance": masks})
    with np.load(path) as arrays:
        assert arrays["depth_mm"].dtype == np.uint16 and arrays["instance"].dtype == np.uint16
        assert np.array_equal(arrays["depth_mm"], np.stack(depths))
        assert np.array_equal(arrays["instance"], np.stack(masks))
        assert (arrays["depth_mm"][:, 0] == 0).all()  # inf depth is stored as 0
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None  # every member's CRC checks
    assert stored_frame_counts(path) == {"depth_mm": 4, "instance": 4}


class Recording:
    """An ISA-L compress object that keeps every byte it hands out."""

    def __init__(self, inner, out: list):
        self.inner, self.out = inner, out

    def compress(self, data):
        self.out.append(self.inner.compress(data))
        return self.out[-1]

    def flush(self, *mode):
        self.out.append(self.inner.flush(*mode))
        return self.out[-1]


def stored_bytes(path, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes as stored (still deflated), after its local header."""
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        name_len, extra_len = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
        f.seek(info.header_offset + 30 + name_len + extra_len)
        return f.read(info.compress_size)


def test_members_are_deflated_by_isal(tmp_path, monkeypatch):
    depths, masks = frames(n=6)
    made = []
    real = isal_zlib.compressobj
    monkeypatch.setattr(isal_zlib, "compressobj", lambda *a: made.append([]) or Recording(real(*a), made[-1]))
    path = tmp_path / "arrays.npz"
    save_arrays(path, {"depth_mm": depths, "instance": masks})
    assert len(made) == 2
    with zipfile.ZipFile(path) as zf:
        for info, out, stack in zip(zf.infolist(), made, (np.stack(depths), np.stack(masks))):
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert stored_bytes(path, info) == b"".join(out)  # what zipfile stored is what ISA-L made
            assert zlib.decompress(b"".join(out), -15) == zf.read(info)
            assert np.array_equal(np.lib.format.read_array(zf.open(info)), stack)


def test_frames_of_different_shapes_are_refused(tmp_path):
    depths, _ = frames()
    with np.testing.assert_raises_regex(ValueError, "frames of 'depth_mm' differ"):
        save_arrays(tmp_path / "arrays.npz", {"depth_mm": depths + [depths[0][:-1]]})
