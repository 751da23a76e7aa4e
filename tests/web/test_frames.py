"""Clip frames are a pure function of the clip's bytes."""

from __future__ import annotations

import base64

from app.web.frames import caption, frame_pixels, frames_data_uri, frames_svg

CLIP = b"CGCLIP1 2026-11-29T10:00:00+00:00 2026-11-29T10:05:00+00:00\n" + bytes(range(192))


def test_the_same_bytes_draw_the_same_picture_and_other_bytes_another() -> None:
    assert frames_svg(CLIP) == frames_svg(bytes(CLIP))
    assert frame_pixels(CLIP) != frame_pixels(CLIP[:-1] + b"\x00")


def test_the_caption_reads_the_recording_times_from_the_header() -> None:
    assert caption(CLIP) == "2026-11-29 10:00:00-10:05:00 UTC"
    assert caption(b"opaque") == "6 bytes"
    assert caption(b"CGCLIP1 not-a-time also-not\nxx") == "30 bytes"


def test_the_data_uri_is_the_svg() -> None:
    uri = frames_data_uri(CLIP)
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri.removeprefix(prefix)).decode() == frames_svg(CLIP)
