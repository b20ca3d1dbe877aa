"""VideoWriter writes frames straight into ffmpeg's pipe: an encoder that has gone away is an error
at the next frame, not a hang or a silent loss."""
from __future__ import annotations

import numpy as np
import pytest

from simgen.episodes.writer import VideoWriter


def test_a_frame_for_an_encoder_that_exited_is_an_error(tmp_path):
    writer = VideoWriter(tmp_path / "v.mp4", 64, 48, fps=10.0)
    writer.write(np.zeros((48, 64, 3), np.uint8))
    writer._ffmpeg.kill()  # as if the encoder crashed
    writer._ffmpeg.wait()
    with pytest.raises(RuntimeError, match="video encoder failed"):
        writer.write(np.zeros((48, 64, 3), np.uint8))
    with pytest.raises(RuntimeError, match="video encoder wrote nothing"):
        writer.close()
    assert writer._ffmpeg.poll() is not None
