"""The chord chart: which chord sounds at any beat of a looping progression (pure)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction

from improv.errors import ChordError
from improv.language.grammar import BEATS_PER_BAR
from improv.language.harmony import Chord, parse_progression
from improv.language.leadsheet import CHORDS_PER_BEAT


@dataclass(frozen=True)
class Span:
    """A chord sounding from ``start`` to ``end`` (beats from the top of the performance)."""

    start: Fraction
    end: Fraction
    chord: Chord


class Progression:
    """A looping chord chart in one metre: which chord sounds at any beat, in which section."""

    def __init__(self, bars, beats_per_bar: int = BEATS_PER_BAR, sections=(), opens=()):
        """``bars``: per bar, either chords sharing it equally or ``(beat in the bar,
        chord)`` pairs (a lead sheet's bars); ``sections``: each bar's section name;
        ``opens``: the indices of the bars where a section starts as the form plays it
        (the second A of an AABA form too); default: wherever the name changes."""
        spans = []
        self.beats_per_bar = int(beats_per_bar)
        most = CHORDS_PER_BEAT * self.beats_per_bar
        for number, bar in enumerate(bars):
            if len(bar) > most:
                raise ChordError(f"bar {number + 1} has {len(bar)} chords: at most {most} fit a "
                                 f"bar of {self.beats_per_bar} beats (a sixteenth each)")
            if bar and isinstance(bar[0], Chord):
                share = Fraction(self.beats_per_bar, len(bar))
                bar = tuple((k * share, chord) for k, chord in enumerate(bar))
            origin = number * self.beats_per_bar
            for k, (at, chord) in enumerate(bar):
                end = bar[k + 1][0] if k + 1 < len(bar) else self.beats_per_bar
                spans.append(Span(origin + Fraction(at), origin + Fraction(end), chord))
        self.spans = tuple(spans)
        self.bars = len(bars)
        self.length = Fraction(self.beats_per_bar * len(bars))
        self.sections = tuple(sections) if sections else ("",) * len(bars)
        self.opens = frozenset(opens) if opens else frozenset(
            k for k, name in enumerate(self.sections)
            if name and (k == 0 or name != self.sections[k - 1]))
        self._starts = [s.start for s in spans]

    @classmethod
    def parse(cls, text: str, beats_per_bar: int = BEATS_PER_BAR) -> "Progression":
        return cls(parse_progression(text), beats_per_bar)

    @classmethod
    def from_chart(cls, chart) -> "Progression":
        """A :class:`~improv.language.leadsheet.Chart`, its form played in a loop."""
        return cls(tuple(bar.chords for bar in chart.bars), chart.beats_per_bar,
                   tuple(bar.section for bar in chart.bars),
                   tuple(k for k, bar in enumerate(chart.bars) if bar.opens))

    def section_at(self, beat) -> str:
        """The section name of the bar at ``beat`` ("" when the chart has none)."""
        within = Fraction(beat) % self.length
        return self.sections[int(within // self.beats_per_bar)]

    def section_opens(self, bar: int) -> bool:
        """Whether a section starts at the 0-based ``bar`` of the performance (looped)."""
        return bar % self.bars in self.opens

    def span_at(self, beat) -> Span:
        """The span (in absolute beats) of the chord sounding at ``beat``."""
        beat = Fraction(beat)
        loops, within = divmod(beat, self.length)
        span = self.spans[bisect.bisect_right(self._starts, within) - 1]
        offset = loops * self.length
        return Span(span.start + offset, span.end + offset, span.chord)

    def chord_at(self, beat) -> Chord:
        return self.span_at(beat).chord


class Timeline:
    """The charts over a performance: the first from beat ``lead_in`` (0, or the end of
    a count-in), each live change from a bar line on; each is played from its own first
    bar. Before the lead-in ends the first chart's first chord is said to sound (nothing
    but the count-in plays there). Used on one thread only."""

    def __init__(self, progression: Progression, lead_in=0):
        self.lead_in = Fraction(lead_in)
        self._charts: tuple[tuple[Fraction, Progression], ...] = ((self.lead_in, progression),)

    def change(self, progression: Progression, ahead: Fraction, floor: Fraction) -> None:
        """Play ``progression`` from the first bar line at or after ``ahead`` (what has
        been generated); charts wholly before ``floor`` are forgotten."""
        metre = progression.beats_per_bar
        boundary = Fraction(-(-ahead // metre) * metre)
        kept = [seg for seg in self._charts if seg[0] < boundary]
        while len(kept) > 1 and kept[1][0] <= floor:
            kept.pop(0)  # wholly in the past
        self._charts = (*kept, (boundary, progression))

    def restart(self) -> None:
        """The chart in force now, from its first bar at the lead-in (a master's Start:
        beat 0, then the count-in, if any)."""
        self._charts = ((self.lead_in, self._charts[-1][1]),)

    def _at(self, beat: Fraction) -> int:
        k = len(self._charts) - 1
        while k > 0 and self._charts[k][0] > beat:
            k -= 1
        return k

    def span_at(self, beat) -> Span:
        """The chord sounding at ``beat`` (absolute), cut at the start of a later chart."""
        beat = Fraction(beat)
        charts = self._charts
        k = self._at(beat)
        beat = max(beat, charts[k][0])  # before the earliest chart kept: its start
        origin, progression = charts[k]
        span = progression.span_at(beat - origin)
        end = span.end + origin
        if k + 1 < len(charts):
            end = min(end, charts[k + 1][0])
        return Span(span.start + origin, end, span.chord)

    def section_opens_at(self, beat) -> bool:
        """Whether a section starts in the bar at ``beat`` (a chart's first bar counts)."""
        beat = Fraction(beat)
        origin, progression = self._charts[self._at(beat)]
        return progression.section_opens(int(max(beat - origin, Fraction(0))
                                             // progression.beats_per_bar))

    def chorus_opens_at(self, beat) -> bool:
        """Whether the chart in force starts again (a new chorus) at ``beat``."""
        beat = Fraction(beat)
        origin, progression = self._charts[self._at(beat)]
        return beat >= origin and (beat - origin) % progression.length == 0

    def section_at(self, beat) -> str:
        """The section of the chart in force at ``beat``."""
        beat = Fraction(beat)
        origin, progression = self._charts[self._at(beat)]
        return progression.section_at(max(beat - origin, Fraction(0)))


LOOK = 256  # spans searched back and ahead for a different chord (a long modal vamp)


def harmony_around(span_at, span: Span) -> tuple[Chord, Chord | None, Fraction | None]:
    """(``span``'s chord, the different chord before it, the beat where the next
    different chord starts) on a chart given by ``span_at(beat) -> Span``; None where
    none is found within :data:`LOOK` spans (or before the top). As training reads a
    solo's chord changes, however many bars of the same chord lie between."""
    chord = span.chord
    previous, before = None, span
    for _ in range(LOOK):
        if before.start <= 0:
            break
        earlier = span_at(before.start - Fraction(1, 12))
        if earlier.start == before.start:  # the top of the chart (after a count-in)
            break
        before = earlier
        if before.chord != chord:
            previous = before.chord
            break
    change, after = None, span
    for _ in range(LOOK):
        after = span_at(after.end)
        if after.chord != chord:
            change = after.start
            break
    return chord, previous, change
