"""The chord chart: which chord sounds at any beat of a looping progression (pure)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction

from improv.language.grammar import BEATS_PER_BAR
from improv.language.harmony import Chord, parse_progression


@dataclass(frozen=True)
class Span:
    """A chord sounding from ``start`` to ``end`` (beats from the top of the performance)."""

    start: Fraction
    end: Fraction
    chord: Chord


class Progression:
    """A looping chord chart: which chord sounds at any beat."""

    def __init__(self, bars: tuple[tuple[Chord, ...], ...]):
        spans = []
        for number, bar in enumerate(bars):
            share = Fraction(BEATS_PER_BAR, len(bar))
            for k, chord in enumerate(bar):
                start = number * BEATS_PER_BAR + k * share
                spans.append(Span(start, start + share, chord))
        self.spans = tuple(spans)
        self.length = Fraction(BEATS_PER_BAR * len(bars))
        self._starts = [s.start for s in spans]

    @classmethod
    def parse(cls, text: str) -> "Progression":
        return cls(parse_progression(text))

    def span_at(self, beat) -> Span:
        """The span (in absolute beats) of the chord sounding at ``beat``."""
        beat = Fraction(beat)
        loops, within = divmod(beat, self.length)
        span = self.spans[bisect.bisect_right(self._starts, within) - 1]
        offset = loops * self.length
        return Span(span.start + offset, span.end + offset, span.chord)

    def chord_at(self, beat) -> Chord:
        return self.span_at(beat).chord


LOOK = 16  # spans searched back and ahead for a different chord


def harmony_around(span_at, beat: Fraction) -> tuple[Chord, Chord | None, Fraction | None]:
    """(chord at ``beat``, the different chord before it, beats until the next different
    chord) on a chart given by ``span_at(beat) -> Span``; None where none is found
    within :data:`LOOK` spans (or before the top)."""
    span = span_at(beat)
    chord = span.chord
    previous, before = None, span
    for _ in range(LOOK):
        if before.start <= 0:
            break
        before = span_at(before.start - Fraction(1, 12))
        if before.chord != chord:
            previous = before.chord
            break
    change, after = None, span
    for _ in range(LOOK):
        after = span_at(after.end)
        if after.chord != chord:
            change = after.start - beat
            break
    return chord, previous, change
