"""A played melody as one line: what the corpus readers and the trading listener both
hear in a player's notes (pure; positions as exact Fractions of a beat)."""

from __future__ import annotations

from fractions import Fraction

GRACE = Fraction(1, 4)  # length given to a note that quantized to zero
MIN_REST = Fraction(1, 4)  # shorter gaps are articulation: the note before absorbs them


def monophonic_line(notes) -> list[tuple[Fraction, Fraction, int]]:
    """``(start, end, pitch)`` notes → one line: the top note of each onset, cut where
    the next onset starts. A gap shorter than a sixteenth before the next onset is
    articulation, not a rest the value grid could hold, so the note runs on to the next
    onset. A note quantized to zero length lasts a sixteenth."""
    top: dict[Fraction, tuple[int, Fraction]] = {}
    for start, end, pitch in notes:
        if start not in top or (pitch, end) > top[start]:
            top[start] = (pitch, end)
    starts = sorted(top)
    line = []
    for i, start in enumerate(starts):
        pitch, end = top[start]
        end = max(end, start + GRACE)
        if i + 1 < len(starts):
            following = starts[i + 1]
            end = following if following - end < MIN_REST else min(end, following)
        line.append((start, end, pitch))
    return line
