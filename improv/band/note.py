"""A timed note: what every part plays and every output (port, file, synth) takes."""

from __future__ import annotations

from dataclasses import dataclass, field

from improv.language.grammar import Value
from improv.language.harmony import Chord


@dataclass(frozen=True)
class Note:
    """One note to play: ``start``/``end`` in beats from the top, swing applied."""

    start: float
    end: float
    channel: int  # 1..16, as musicians count
    pitch: int
    velocity: int
    part: str  # the name of the part that plays it ("melody", "comping", ...)
    chord: Chord
    bar: int  # 1-based bar of the performance the note starts in
    value: Value | None = field(default=None, compare=False)  # melody: what it realises
