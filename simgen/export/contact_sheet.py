"""Drawing for ``simgen-inspect``: video frames with referent boxes, and a contact sheet per question.

Everything is drawn with OpenCV (a core dependency) on RGB arrays: frames are scaled to a tile
width, each referent is outlined with its 2D box in its own colour and labelled with its name, and
a text panel above the tiles holds the question, options, answer and certificate. OpenCV's Hershey
font is ASCII only, so text is transliterated ("°" becomes "deg").
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np

from simgen.io import atomic_open

FONT = 0  # cv2.FONT_HERSHEY_SIMPLEX
TEXT_SCALE = 0.55
SMALL_SCALE = 0.45
LINE_GAP = 7
PAD = 10
BOX_THICKNESS = 2
BACKGROUND = (255, 255, 255)
INK = (20, 20, 20)
# Distinct, saturated colours (Trubetskoy's list), RGB; referents take them in order.
PALETTE = ((230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180),
           (70, 240, 240), (240, 50, 230), (210, 245, 60), (255, 225, 25), (0, 0, 128))
_ASCII = {"°": " deg", "–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "×": "x", "≥": ">=",
          "≤": "<=", "…": "...", "²": "^2", "³": "^3", "·": "-", "→": "->"}


def ascii_text(text: str) -> str:
    """``text`` in the ASCII that Hershey fonts draw (common symbols spelled out, accents dropped)."""
    text = "".join(_ASCII.get(ch, ch) for ch in str(text))
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def text_size(text: str, scale: float, thickness: int = 1) -> tuple[int, int]:
    """(width, height above the baseline) of one line in pixels."""
    import cv2

    (w, h), _ = cv2.getTextSize(text, FONT, scale, thickness)
    return w, h


def wrap(text: str, width: int, scale: float, thickness: int = 1) -> list[str]:
    """Greedy word wrap of ``text`` (ASCII) to lines at most ``width`` pixels wide."""
    lines: list[str] = []
    for paragraph in ascii_text(text).split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and text_size(candidate, scale, thickness)[0] > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


@dataclass
class Box:
    """One referent's outline on a frame: name, RGB colour, inclusive (x0, y0, x1, y1) in video pixels."""

    name: str
    color: tuple[int, int, int]
    bbox: tuple[int, int, int, int]


@dataclass
class Tile:
    """One frame of a sheet: its index, why it is shown, the image and the referent boxes on it."""

    frame: int
    caption: str
    image: np.ndarray  # RGB, the video's resolution
    boxes: list[Box] = field(default_factory=list)


def _label(img: np.ndarray, text: str, x: int, y: int, color: tuple[int, int, int], scale: float,
           taken: list) -> None:
    """A name on a filled patch of ``color`` whose bottom-left corner is (x, y), kept inside the image
    and moved down past the patches in ``taken`` (x0, y0, x1, y1) so that no name hides another."""
    import cv2

    w, h = text_size(text, scale)
    x = int(min(max(x, 0), max(img.shape[1] - w - 4, 0)))
    y = int(min(max(y, h + 4), img.shape[0]))
    while any(x < bx1 and bx0 < x + w + 4 and y - h - 4 < by1 and by0 < y for bx0, by0, bx1, by1 in taken):
        y += h + 4
    taken.append((x, y - h - 4, x + w + 4, y))
    ink = (0, 0, 0) if sum(color) > 400 else (255, 255, 255)
    cv2.rectangle(img, (x, y - h - 4), (x + w + 4, y), color, -1)
    cv2.putText(img, text, (x + 2, y - 3), FONT, scale, ink, 1, cv2.LINE_AA)


def scale_box(bbox, scale: float) -> tuple[int, int, int, int]:
    """A video-pixel box in the pixels of a frame scaled by ``scale`` (pixel centres map onto pixel centres)."""
    return tuple(int(round((v + 0.5) * scale - 0.5)) for v in bbox)


def draw_tile(tile: Tile, width: int) -> tuple[np.ndarray, int]:
    """The frame scaled to ``width`` with every box outlined and named, under a caption line;
    returns the drawing and the row where the frame starts in it."""
    import cv2

    h, w = tile.image.shape[:2]
    scale = width / w
    img = cv2.resize(tile.image, (width, int(round(h * scale))), interpolation=cv2.INTER_AREA if scale < 1
                     else cv2.INTER_LINEAR)
    img = np.ascontiguousarray(img)
    for box in tile.boxes:
        x0, y0, x1, y1 = scale_box(box.bbox, scale)
        cv2.rectangle(img, (x0, y0), (x1, y1), box.color, BOX_THICKNESS)
    taken: list = []
    for box in tile.boxes:  # labels after all outlines, so no outline crosses a name
        x0, y0, x1, y1 = scale_box(box.bbox, scale)
        above = y0 - 1 >= text_size(box.name, SMALL_SCALE)[1] + 4
        _label(img, box.name, x0, y0 - 1 if above else y1 + text_size(box.name, SMALL_SCALE)[1] + 6, box.color,
               SMALL_SCALE, taken)
    lines = wrap(tile.caption, width - 4, SMALL_SCALE)
    step = text_size("Ag", SMALL_SCALE)[1] + LINE_GAP
    head = np.full((len(lines) * step + LINE_GAP, width, 3), BACKGROUND, np.uint8)
    for n, line in enumerate(lines):
        cv2.putText(head, line, (2, (n + 1) * step), FONT, SMALL_SCALE, INK, 1, cv2.LINE_AA)
    return np.vstack([head, img]), head.shape[0]


@dataclass
class TextLine:
    """One line of the text panel; ``swatch`` draws a colour square before it (a referent's legend)."""

    text: str
    scale: float = TEXT_SCALE
    bold: bool = False
    swatch: tuple[int, int, int] | None = None


def text_panel(paragraphs: list[TextLine], width: int) -> np.ndarray:
    """Wrapped paragraphs, top to bottom, on a white panel ``width`` pixels wide."""
    import cv2

    rows: list[tuple[TextLine, str, int]] = []
    for para in paragraphs:
        indent = 22 if para.swatch else 0
        for n, line in enumerate(wrap(para.text, width - 2 * PAD - indent, para.scale, 2 if para.bold else 1)):
            rows.append((para if n == 0 else TextLine(line, para.scale, para.bold), line, indent))
    heights = [text_size("Ag", row.scale)[1] + LINE_GAP for row, _, _ in rows]
    panel = np.full((sum(heights) + 2 * PAD, width, 3), BACKGROUND, np.uint8)
    y = PAD
    for (row, line, indent), h in zip(rows, heights):
        y += h
        if row.swatch:
            cv2.rectangle(panel, (PAD, y - h + LINE_GAP - 2), (PAD + 14, y + 2), row.swatch, -1)
        cv2.putText(panel, line, (PAD + indent, y), FONT, row.scale, INK, 2 if row.bold else 1, cv2.LINE_AA)
    return panel


def compose_sheet(panel: np.ndarray, tiles: list[np.ndarray], columns: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The panel above a grid of drawn tiles, bottom-aligned in their cells; returns the sheet and each
    tile's top-left (x, y)."""
    width = panel.shape[1]
    cell_w = max(t.shape[1] for t in tiles) if tiles else width
    cell_h = max(t.shape[0] for t in tiles) if tiles else 0
    rows = -(-len(tiles) // columns)
    sheet = np.full((panel.shape[0] + rows * (cell_h + PAD) + PAD, width, 3), BACKGROUND, np.uint8)
    sheet[:panel.shape[0]] = panel
    origins = []
    for n, tile in enumerate(tiles):
        x = PAD + (n % columns) * (cell_w + PAD)
        y = panel.shape[0] + (n // columns) * (cell_h + PAD) + cell_h - tile.shape[0]  # bottom-aligned: frames
        sheet[y:y + tile.shape[0], x:x + tile.shape[1]] = tile                      # line up under any caption
        origins.append((x, y))
    return sheet, origins


def write_png(path, rgb: np.ndarray) -> None:
    """Write an RGB array as a PNG (OpenCV wants BGR); ValueError when it cannot."""
    import cv2

    ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb[:, :, ::-1]))
    if not ok:
        raise ValueError(f"OpenCV could not encode {path}")
    with atomic_open(path, "wb") as f:
        f.write(buf.tobytes())
