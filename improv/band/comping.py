"""The comping part: close voicings struck in a rhythm on their own channel (pure, no I/O).

So the DAW hears the harmony the solo is measured against, each chord of the chart (or
the chord the musician holds, when following) is voiced within an octave and struck as
it arrives, in the rhythm ``style`` names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from improv.band.note import Note
from improv.band.part import Part, Stage
from improv.language.grammar import BEATS_PER_BAR
from improv.language.harmony import Chord
from improv.language.metre import group_starts
from improv.settings import setting, validate

STYLES = ("charleston", "sustain")


@dataclass(frozen=True)
class Comping:
    """The ``[comping]`` table: whether, where and how the chords are played."""

    enabled: bool = setting(True)
    channel: int = setting(2, lo=1, hi=16)
    low: int = setting(50, lo=12, hi=108)
    velocity: int = setting(60, lo=1, hi=127)
    style: str = setting("charleston", choices=STYLES)
    program: int = setting(1, lo=0, hi=128)  # General MIDI, 1-based: 1 grand piano; 0 none

    def __post_init__(self):
        validate(self)


# Which chord tones a four-note voicing keeps first: root, third, seventh/sixth, altered
# fifth, then colour tones, then the fifth (the first tone a pianist leaves out).
_PRIORITY = (0, 4, 3, 10, 11, 9, 6, 8, 1, 2, 5, 7)


def voicing(chord: Chord, low: int, size: int = 4) -> tuple[int, ...]:
    """A close voicing of ``chord``: up to ``size`` chord tones in the octave from ``low``."""
    intervals = {(pc - chord.root) % 12 for pc in chord.tones}
    chosen = [i for i in _PRIORITY if i in intervals][:size]
    return tuple(sorted(low + ((chord.root + i - low) % 12) for i in chosen))


CHARLESTON_PUSH = Fraction(3, 2)  # the and of two, in beats from the bar line
CHARLESTON_LONGEST = Fraction(2)  # beats a struck chord rings at most


def comp_hits(start: Fraction, end: Fraction, style: str,
              beats_per_bar: int = BEATS_PER_BAR) -> list[tuple[Fraction, Fraction, int]]:
    """When the chord sounding from ``start`` to ``end`` is struck: (on, off, accent).

    ``sustain``: once, held to the end. ``charleston``: as it arrives, and again on the
    and of two of each bar it covers (pushed a little harder) and on the first beat of
    each later beat group of a long bar (the 4 of a 3+2 5/4; see
    :mod:`improv.language.metre`), each hit ringing until the next, at most two beats;
    a hit closer than half a beat to another is left out.
    """
    if style == "sustain":
        return [(start, end, 0)]
    onsets = [(start, 0)]
    bar = start - start % beats_per_bar
    later_groups = [Fraction(b) for b in group_starts(beats_per_bar)[1:]]
    while bar < end:
        for at, accent in [(CHARLESTON_PUSH, 6)] + [(g, 3) for g in later_groups]:
            hit = bar + at
            if start + Fraction(1, 2) <= hit < end - Fraction(1, 4) and \
                    all(abs(hit - on) >= Fraction(1, 2) for on, _a in onsets):
                onsets.append((hit, accent))
        bar += beats_per_bar
    onsets.sort()
    hits = []
    for k, (on, accent) in enumerate(onsets):
        stop = onsets[k + 1][0] if k + 1 < len(onsets) else end
        hits.append((on, min(stop, on + CHARLESTON_LONGEST), accent))
    return hits


COMPING = "comping"  # the part's name: its notes, track, table and on/off knob


class CompingPart(Part):
    """The chords: each span of the chart voiced once and struck by ``comp_hits``."""

    name = COMPING

    def __init__(self, settings: Comping = Comping()):
        super().__init__(settings.channel, enabled=settings.enabled, program=settings.program)
        self._settings = settings

    def _next(self, until: Fraction, stage: Stage) -> list[Note]:
        span = stage.span_at(self.cursor)
        start = max(span.start, self.cursor)
        self.cursor = span.end
        chord = stage.chord_at(start)
        pitches = voicing(chord, self._settings.low)
        notes = []
        for on, off, accent in comp_hits(start, span.end, self._settings.style, stage.metre):
            velocity = min(127, self._settings.velocity + accent)
            notes += [self.note(on, off, p, velocity, stage, chord) for p in pitches]
        return notes

    def revoice(self, note: Note, stage: Stage) -> Note:
        """A chord struck over a chord the musician has since changed: the same voice of
        the new chord's voicing."""
        chord = stage.heard(note.start)
        if chord is None or chord == note.chord:
            return note
        low = self._settings.low
        old, new = voicing(note.chord, low), voicing(chord, low)
        if note.pitch not in old or old.index(note.pitch) >= len(new):
            return note
        return replace(note, pitch=new[old.index(note.pitch)], chord=chord)
