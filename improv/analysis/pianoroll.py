"""A piano roll of a solo as an RGB image, and the PNG bytes of it (numpy and zlib only).

Time runs left to right, pitch bottom to top. Behind the notes, the rows of the chord
sounding are shaded (its chord tones darker than the rest of its scale), so a glance
shows which notes sit on the harmony; bar lines are grey, chord changes a lighter
line. No plotting library: an image of a few hundred thousand pixels is a numpy
array, and PNG is a zlib stream with three small chunks.
"""

from __future__ import annotations

import struct
import zlib
from typing import Sequence

import numpy as np

from improv.language.harmony import Chord

BACKGROUND = (255, 255, 255)
SCALE = (236, 240, 247)
CHORD_TONE = (208, 220, 240)
BAR_LINE = (150, 150, 150)
CHANGE_LINE = (190, 200, 215)
NOTE = (200, 60, 40)
NOTE_EDGE = (110, 25, 15)


def piano_roll(notes: Sequence[tuple[float, float, int]], chords: Sequence[tuple[float, float, Chord]],
               beats: float, beats_per_bar: float = 4, low: int | None = None,
               high: int | None = None, px_beat: int = 24, px_pitch: int = 5) -> np.ndarray:
    """(height, width, 3) uint8: ``notes`` as (start, end, pitch) and ``chords`` as
    (start, end, chord) in beats, over the first ``beats`` beats."""
    pitches = [p for _s, _e, p in notes]
    low = min(pitches, default=60) - 2 if low is None else low
    high = max(pitches, default=72) + 2 if high is None else high
    rows, width = high - low + 1, max(1, int(round(beats * px_beat)))
    image = np.empty((rows * px_pitch, width, 3), np.uint8)
    image[:] = BACKGROUND

    def x(beat):
        return int(round(min(max(beat, 0.0), beats) * px_beat))

    def y(pitch):  # top edge of the pitch's row
        return (high - pitch) * px_pitch

    for start, end, chord in chords:
        a, b = x(start), x(end)
        if b <= a:
            continue
        for pitch in range(low, high + 1):
            pc = pitch % 12
            colour = CHORD_TONE if pc in chord.tones else SCALE if pc in chord.scale else None
            if colour is not None:
                image[y(pitch):y(pitch) + px_pitch, a:b] = colour
        image[:, a:a + 1] = CHANGE_LINE
    bar = 0.0
    while bar < beats:
        image[:, x(bar):x(bar) + 1] = BAR_LINE
        bar += beats_per_bar
    for start, end, pitch in notes:
        if not low <= pitch <= high or start >= beats:
            continue
        a, b = x(start), max(x(end) - 1, x(start) + 1)
        top = y(pitch)
        image[top:top + px_pitch, a:b] = NOTE_EDGE
        if px_pitch > 2 and b - a > 2:
            image[top + 1:top + px_pitch - 1, a + 1:b - 1] = NOTE
    return image


def png_bytes(image: np.ndarray) -> bytes:
    """An RGB uint8 image as a PNG file (8-bit truecolour, no filtering)."""
    height, width, _ = image.shape
    raw = np.zeros((height, width * 3 + 1), np.uint8)  # each scanline: filter byte 0, pixels
    raw[:, 1:] = image.reshape(height, width * 3)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)) + chunk(b"IEND", b""))
