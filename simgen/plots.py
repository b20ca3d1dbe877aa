"""Plots for the files simgen writes (dataset card, evaluation breakdown): matplotlib without a display.

matplotlib is an optional dependency (the ``export`` extra); ``pyplot()`` imports it on first use and
names the extra when it is missing.
"""
from __future__ import annotations

from pathlib import Path

from simgen.registry import require


def pyplot():
    """matplotlib.pyplot on the Agg backend (files only, no display)."""
    require("matplotlib").use("Agg")
    return require("matplotlib.pyplot")


def save_figure(fig, path: Path) -> Path:
    """Save a matplotlib figure as a PNG without timestamps (same data, same bytes) and close it."""
    fig.tight_layout()
    fig.savefig(path, dpi=80, metadata={"Software": None})
    pyplot().close(fig)
    return path
