"""The comping part: the chords struck in a rhythm on their own channel (pure, no I/O).

So the DAW hears the harmony the solo is measured against, each chord of the chart (or
the chord the musician holds, when following) is voiced and struck in the rhythm
``style`` names:

* ``charleston`` and ``sustain``: a close voicing within an octave of ``low``, struck as
  the chord arrives (and on the charleston's and of two) or held (:func:`comp_hits`);
* ``pianist``, ``ballad``, ``bossa``, ``quarters``: the way a jazz pianist comps behind a
  bass: rootless A and B forms led smoothly from chord to chord
  (:mod:`improv.band.rootless`), in figures drawn bar by bar from the style's
  library with the part's own generator, thinner while the soloist is busy and fuller
  while it rests (:mod:`improv.band.comprhythm`, :meth:`CompingPart.hear_soloist`).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from improv.band.comprhythm import Memory, choose_bar, place
from improv.band.note import Note
from improv.band.part import Part, Stage
from improv.band.rootless import lead, other_form
from improv.language.grammar import BEATS_PER_BAR
from improv.language.harmony import Chord
from improv.language.metre import group_starts
from improv.settings import setting, validate

CLOSE_STYLES = ("charleston", "sustain")  # close voicings, one chord at a time
STYLES = CLOSE_STYLES + ("pianist", "ballad", "bossa", "quarters")  # rootless, bar by bar


@dataclass(frozen=True)
class Comping:
    """The ``[comping]`` table: whether, where and how the chords are played."""

    enabled: bool = setting(True)
    channel: int = setting(2, lo=1, hi=16)
    low: int = setting(50, lo=12, hi=108)
    velocity: int = setting(60, lo=1, hi=127)
    # "auto": the band's style's (improv.band.styles; "pianist" on its own)
    style: str = setting("auto", choices=("auto", *STYLES))
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


def _changes(stage: Stage, bar_start: Fraction, metre: int) -> tuple[Fraction, ...]:
    """Beats of the bar (from its start) where a chord of the chart begins."""
    out, beat = [], bar_start
    while beat < bar_start + metre:
        span = stage.span_at(beat)
        if span.start >= bar_start and span.chord.quality != "nc":
            out.append(span.start - bar_start)
        beat = span.end
    return tuple(out)


MOVE_WITHIN = 0.25  # chance a chord held over a bar line changes form at the new bar
REMEMBERED = 512  # struck rootless voicings kept for revoicing (hits, not notes)


class CompingPart(Part):
    """The chords: in a close style each span of the chart voiced once and struck by
    ``comp_hits``; in a rootless style bar by bar, each bar's figure drawn, placed on
    the chords, and each chord voiced from the one before."""

    name = COMPING

    def __init__(self, settings: Comping = Comping(), rng: np.random.Generator | None = None):
        """``rng``: the part's own generator (the figures and the forms it draws); None:
        a fixed seed, so an unseeded part still comps the same way every time."""
        super().__init__(settings.channel, enabled=settings.enabled, program=settings.program)
        if settings.style == "auto":
            settings = replace(settings, style="pianist")
        self._settings = settings
        self._rng = np.random.default_rng(0) if rng is None else rng
        self._soloist: float | None = None
        self._memory = Memory()
        self._tied = Fraction(0)  # where the last rootless stroke stops ringing
        self._voiced: tuple[int, ...] = ()  # the last rootless voicing struck
        self._voiced_for: Chord | None = None  # the chord it voices
        self._moved_in = Fraction(0)  # the bar it was last chosen or moved in
        self._last_span = None  # the chord span the last stroke voiced
        self._struck: OrderedDict[tuple, tuple[int, ...]] = OrderedDict()

    def hear_soloist(self, density: float) -> None:
        """How busy the soloist is: its notes per beat over the last bar or so (0 while
        it rests). From the next bar drawn on, the figures are chosen for the space left:
        about 0.9 strokes a beat under a resting soloist (figures of three and four
        strokes that fill in), 0.5 under quarter notes, 0.35 under eighths and 0.21
        under sixteenths (holds, lone pushes, a bar laid out), and under a line faster
        than a note a beat each stroke is cut shorter too; every chord is still struck
        once, so dense changes keep a floor (see :mod:`improv.band.comprhythm`). Until
        it is called the soloist counts as a note a beat. The close styles (charleston,
        sustain) do not listen."""
        value = float(density)
        self._soloist = max(0.0, value) if math.isfinite(value) else None

    def jump_to(self, beat: Fraction) -> None:
        super().jump_to(beat)
        self._tied, self._last_span = Fraction(0), None  # nothing from before holds over

    def _next(self, until: Fraction, stage: Stage) -> list[Note]:
        if self._settings.style not in CLOSE_STYLES:
            return self._bar(stage)
        span = stage.span_at(self.cursor)
        start = max(span.start, self.cursor)
        self.cursor = span.end
        chord = stage.chord_at(start)
        pitches = voicing(chord, self._settings.low)
        notes = []
        for on, off, accent in comp_hits(start, span.end, self._settings.style, stage.metre):
            velocity = self.loudness(min(127, self._settings.velocity + accent))
            notes += [self.note(on, off, p, velocity, stage, chord) for p in pitches]
        return notes

    def _bar(self, stage: Stage) -> list[Note]:
        """The bar at the cursor, from the cursor on: its figure drawn and placed, each
        stroke voiced."""
        metre = stage.metre
        bar_start = Fraction(int(self.cursor // metre) * metre)
        bar = stage.bar_in_chart(bar_start)  # two-bar figures pair the chart's bars
        heard = stage.solo_density(bar_start)  # the ensemble's count, if it keeps one
        if heard is not None:
            self.hear_soloist(heard)
        hits, self._memory = choose_bar(self._settings.style, metre, bar, self._rng,
                                        self._soloist, self._memory,
                                        _changes(stage, bar_start, metre))
        strikes = place(hits, bar_start, metre, self.cursor, self._tied, stage.span_at,
                        not stage.follow, self._last_span)
        if strikes:
            self._last_span = strikes[-1].span
        self.cursor = bar_start + metre
        notes = []
        for strike in strikes:
            chord = stage.chord_at(strike.on) if stage.follow else strike.span.chord
            pitches = self._voice(chord, bar_start)
            if not pitches:
                continue
            velocity = self.loudness(max(1, min(127, self._settings.velocity + strike.accent)))
            struck = [self.note(strike.on, strike.off, p, velocity, stage, chord)
                      for p in pitches]
            self._remember((struck[0].start, chord), pitches)
            self._tied = max(self._tied, strike.off)
            notes += struck
        return notes

    def _voice(self, chord: Chord, bar_start: Fraction) -> tuple[int, ...]:
        """The rootless voicing of ``chord`` struck in the bar at ``bar_start``: led from
        the last one when the chord changes; while it holds the same, except that at its
        first stroke in a later bar it may move to its other form (A to B or back), as
        a pianist keeps a long chord alive."""
        low = self._settings.low
        if chord != self._voiced_for:
            voiced = lead(self._voiced, chord, low)
            if not voiced:  # no chord (heard): rest, and lead the next from the last
                return ()
            self._voiced, self._voiced_for, self._moved_in = voiced, chord, bar_start
        elif bar_start > self._moved_in:
            self._moved_in = bar_start
            if self._rng.random() < MOVE_WITHIN:
                self._voiced = other_form(self._voiced, chord, low)
        return self._voiced

    def _remember(self, key: tuple, pitches: tuple[int, ...]) -> None:
        self._struck[key] = pitches
        while len(self._struck) > REMEMBERED:
            self._struck.popitem(last=False)

    def revoice(self, note: Note, stage: Stage) -> Note:
        """A chord struck over a chord the musician has since changed: the same voice of
        the new chord's voicing. Rootless, the new voicing is the one led from the
        voicing struck (so the hand moves least, as it would have had the chord been
        known); close, the new chord's close voicing."""
        chord = stage.heard(note.start)
        if chord is None or chord == note.chord:
            return note
        low = self._settings.low
        if self._settings.style in CLOSE_STYLES:
            old, new = voicing(note.chord, low), voicing(chord, low)
        else:
            old = self._struck.get((note.start, note.chord), ())
            new = lead(old, chord, low) if old else ()
        if note.pitch not in old or old.index(note.pitch) >= len(new):
            return note
        return replace(note, pitch=new[old.index(note.pitch)], chord=chord)
