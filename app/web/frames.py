"""Synthetic frames drawn from a clip's bytes, so a student can see which footage is which.

The picture is a pure function of the bytes: the same clip looks the same in the resident's
inbox and in the agency's released footage, and a different clip looks different. The pixels
come from SHAKE-256 of the content (any content, any length), so nothing but the bytes decides
what is drawn; the caption is the content's own header line when it has one.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from xml.sax.saxutils import escape

FRAMES = 4
COLUMNS, ROWS = 8, 6
CELL = 10  # px per pixel block
GAP = 6


def frame_pixels(content: bytes) -> list[list[int]]:
    """FRAMES frames of COLUMNS x ROWS grey levels (0-255): a scene with one moving object."""
    stream = hashlib.shake_256(content).digest(COLUMNS * ROWS + 2 * FRAMES)
    scene = list(stream[: COLUMNS * ROWS])
    motion = stream[COLUMNS * ROWS :]
    frames = []
    for f in range(FRAMES):
        pixels = [scene[(i + f) % (COLUMNS * ROWS)] // 2 + 40 for i in range(COLUMNS * ROWS)]
        col, row = motion[2 * f] % COLUMNS, motion[2 * f + 1] % ROWS
        pixels[row * COLUMNS + col] = 250  # the bright "object" that moves between frames
        frames.append(pixels)
    return frames


def caption(content: bytes) -> str:
    """The recording times from the synthetic header (app/workflow/operator.py), if present."""
    parts = content.split(b"\n", 1)[0][:120].decode("ascii", "replace").split()
    if len(parts) == 3 and parts[0] == "CGCLIP1":
        try:
            start, end = datetime.fromisoformat(parts[1]), datetime.fromisoformat(parts[2])
        except ValueError:
            pass
        else:
            return f"{start:%Y-%m-%d %H:%M:%S}-{end:%H:%M:%S} UTC"
    return f"{len(content)} bytes"


def frames_svg(content: bytes) -> str:
    width = FRAMES * COLUMNS * CELL + (FRAMES - 1) * GAP
    height = ROWS * CELL + 16
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect width="{width}" height="{height}" fill="#111"/>',
    ]
    for f, pixels in enumerate(frame_pixels(content)):
        left = f * (COLUMNS * CELL + GAP)
        for i, level in enumerate(pixels):
            x, y = left + (i % COLUMNS) * CELL, (i // COLUMNS) * CELL
            grey = f"#{level:02x}{level:02x}{min(255, level + 20):02x}"
            parts.append(f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{grey}"/>')
    parts.append(
        f'<text x="2" y="{height - 4}" font-family="monospace" font-size="10" fill="#eee">'
        f"{escape(caption(content))}</text></svg>"
    )
    return "".join(parts)


def frames_data_uri(content: bytes) -> str:
    """An <img> source that needs no request: pages stay offline and the CSP stays strict."""
    encoded = base64.b64encode(frames_svg(content).encode()).decode()
    return f"data:image/svg+xml;base64,{encoded}"
