"""The bass: a walking line from the bass model, on its own channel (pure, no I/O).

Each beat the part asks the bass model (:mod:`improv.language.bassvocab`, trained on
the Weimar bass lines by ``improv train --bass``) for the next word, through the numpy
engine (no TensorFlow), with the beat's context: the chord there (the musician's, when
following), the chord before and after it on the chart, the bar and the next change.
The word is an interval above the chord's root and a step from the note before; it is
realised as the pitch of that class nearest to where the step leads, within
``low``–``high``. Words whose step cannot reach their pitch class are never drawn.

The rules a bandstand expects stay rules: on a beat where the chord changes the bass
plays its root or fifth (any other word falls back to the root), so when the musician
changes chord the next beat serves the new root; under N.C. the bass rests. Feels:

``walk``   a note on every beat.
``two``    half notes: the line's notes on beats 1 and 3 of 4/4 (in other metres on the
           first beat of each group, :func:`improv.language.metre.group_starts`) and on
           every change; the model still walks every beat underneath, so the notes
           heard are those of a walking line.
``bossa``  rules only: the root on the chord's first beat for a dotted quarter, the
           fifth (below, where it fits) on the and of two, tied to the next chord or
           bar line.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from improv.band.chart import LOOK, harmony_around
from improv.band.note import Note
from improv.band.part import Part, Stage
from improv.errors import ModelError, UsageError
from improv.language import bassvocab
from improv.language.harmony import Chord
from improv.language.metre import group_starts
from improv.model import modelfile
from improv.model.numpy_engine import NumpyGenerator
from improv.settings import setting, validate

FEELS = ("walk", "two", "bossa")
BASS = "bass"  # the part's name: its notes, track, table and on/off knob
MODEL = "wjazzd-bass"  # the shipped bass model (data/models/wjazzd-bass)
STEP = Fraction(1, 12)


@dataclass(frozen=True)
class Bass:
    """The ``[bass]`` table: whether, where and how the bass plays."""

    enabled: bool = setting(True)
    channel: int = setting(3, lo=1, hi=16)
    program: int = setting(33, lo=0, hi=128)  # General MIDI, 1-based: 33 acoustic bass
    velocity: int = setting(90, lo=1, hi=127)
    low: int = setting(28, lo=12, hi=96)  # E1
    high: int = setting(55, lo=24, hi=108)  # G3
    # "auto": the band's style's (improv.band.styles; a walk on its own)
    feel: str = setting("auto", choices=("auto", *FEELS))
    model: str = setting("")  # "" the shipped bass model; a name or a directory

    def __post_init__(self):
        validate(self)
        if self.high - self.low < 12:
            raise UsageError(f"[bass] low {self.low} to high {self.high} is less than an "
                             f"octave: a bass line needs every pitch class in its range")


def two_starts(beats_per_bar: int) -> tuple[int, ...]:
    """Where a two-feel sounds in the bar (0-based beats): 1 and 3 of 4/4, else each
    group's first beat."""
    return (0, 2) if beats_per_bar == 4 else group_starts(beats_per_bar)


def guard(interval: int, chord: Chord, change: bool) -> int:
    """The interval to play: the model's, unless the chord changes here and it is
    neither the root nor the fifth; then the root."""
    if change and interval not in (0, bassvocab.fifth_of(chord)):
        return 0
    return interval


class BassPart(Part):
    """A bass line over the stage's chords, one beat at a time."""

    name = BASS

    def __init__(self, settings: Bass, generator, rng: np.random.Generator):
        super().__init__(settings.channel, enabled=settings.enabled, program=settings.program)
        if settings.feel == "auto":
            settings = replace(settings, feel="walk")
        self._settings = settings
        self._gen = generator
        self._rng = rng
        self._words = tuple(bassvocab.parse_token(v) for v in generator.vocab.values)
        self._index = {v: k for k, v in enumerate(generator.vocab.values)}
        self._interval = np.array([i for i, _s in self._words])
        self._step = np.array([99 if s is None else s for _i, s in self._words])
        self._fed: deque = deque(maxlen=max(generator.tx - 1, 1))  # (index, context)
        self._since_prime = 0
        self._pending: int | None = None  # the word played last, fed with the next beat
        self._previous: int | None = None  # the last pitch of the line (sounded or not)
        self._last: tuple[Fraction, Chord] | None = None  # (beat, chord) of the last beat
        self._run_start = Fraction(0)  # where the chord of the last beat arrived
        self._before: Chord | None = None  # the different chord before it
        self._harmony: tuple = (None,)
        self._sent: Chord | None = None  # the chord the last note sent was played over

    # --- where the harmony stands -------------------------------------------------------

    def _chart(self, stage: Stage, beat: Fraction):
        """(chart chord, the different chord before, where it arrived, the next different
        chord, where that starts) around ``beat``, once per chart span."""
        span = stage.span_at(beat)
        if self._harmony[0] != span:
            chord, before, change_at = harmony_around(stage.span_at, span)
            start, back = span.start, span
            for _ in range(LOOK):
                if back.start <= stage.lead_in:
                    break
                back = stage.span_at(back.start - STEP)
                if back.chord != chord:
                    break
                start = back.start
            after = None if change_at is None else stage.span_at(change_at).chord
            self._harmony = (span, chord, before, start, after, change_at)
        return self._harmony[1:]

    def _moment(self, stage: Stage, beat: Fraction):
        """(chord, change here, the beat's context) at ``beat``, and remember it."""
        chart, before, arrived, after, change_at = self._chart(stage, beat)
        chord = stage.chord_at(beat)
        contiguous = self._last is not None and self._last[0] == beat - 1
        if contiguous:
            last = self._last[1]
        else:
            last = stage.chord_at(beat - 1) if beat - 1 >= stage.lead_in else None
        change = last is None or chord != last
        if change:
            self._run_start = beat
            self._before = last if last is not None and last.quality != "nc" else None
        elif not contiguous:  # coming in on a chord already sounding: the chart says since when
            self._run_start = Fraction(math.floor(arrived)) if chord == chart else beat - 1
            self._before = before if chord == chart else None
        self._last = (beat, chord)
        if chord != chart:  # the musician's chord: what the chart says next still holds
            after = after if after != chord else None
        until = None if change_at is None else change_at - beat
        context = bassvocab.features(chord, self._before, after, beat % stage.metre,
                                     stage.metre, beat - self._run_start, until)
        return chord, change, context

    # --- the model --------------------------------------------------------------------

    def _probabilities(self, context) -> np.ndarray:
        """The next word's probabilities, re-priming from the last Tx − 1 words (as the
        soloist does) once the state has run 2·Tx beats."""
        gen = self._gen
        if self._since_prime >= 2 * gen.tx and self._pending is not None:
            gen.reset()
            fed = list(self._fed)
            gen.step(None, fed[0][1])
            for (index, _f), (_i, f) in zip(fed, fed[1:]):
                gen.step(index, f)
            self._since_prime = len(fed)
        self._since_prime += 1
        return gen.step(self._pending, context).copy()

    def _draw(self, probs: np.ndarray, chord: Chord) -> int:
        """A word the line can play: its step reaches its pitch class from the note
        before (or, with no note before, a word with no step)."""
        if self._previous is None:
            allowed = self._step == 99
        else:
            allowed = (self._step != 99) & (
                (chord.root + self._interval - self._previous - self._step) % 12 == 0)
        p = np.where(allowed, probs, 0.0)
        total = p.sum()
        if not total > 0:
            p, total = (allowed.astype(float), allowed.sum()) if allowed.any() else (probs, 1.0)
        cumulative = np.cumsum(p)
        return int(min(np.searchsorted(cumulative, self._rng.random() * cumulative[-1],
                                       side="right"), len(p) - 1))

    def _walk(self, stage: Stage, beat: Fraction) -> tuple[int | None, Chord, bool]:
        """The line's pitch at ``beat`` (None under N.C.), the chord and whether it
        changes there."""
        chord, change, context = self._moment(stage, beat)
        if chord.quality == "nc":
            self._previous = None  # the next note comes in with no step, as after a gap
            return None, chord, change
        index = self._draw(self._probabilities(context), chord)
        interval, step = self._words[index]
        interval = guard(interval, chord, change)
        low, high = self._settings.low, self._settings.high
        pitch = bassvocab.realise(interval, step, chord.root, self._previous, low, high)
        word = bassvocab.note_token(pitch, chord.root, self._previous)
        self._pending = self._index.get(word, index)
        self._fed.append((self._pending, context))
        self._previous = pitch
        return pitch, chord, change

    # --- beats to notes -----------------------------------------------------------------

    def _velocity(self, stage: Stage, beat: Fraction) -> int:
        accent = 6 if beat % stage.metre == 0 else 3 if beat % stage.metre in stage.strong else 0
        return self.loudness(min(127, self._settings.velocity + accent))

    def _next(self, until: Fraction, stage: Stage) -> list[Note]:
        beat = self.cursor
        if beat.denominator != 1:  # after a skip to a fraction of a beat: the next beat
            self.cursor = Fraction(math.ceil(beat))
            return []
        if self._settings.feel == "bossa":
            return self._bossa(stage, beat)
        self.cursor = beat + 1
        pitch, chord, change = self._walk(stage, beat)
        if pitch is None:
            return []
        end = beat + 1
        if self._settings.feel == "two":
            starts = two_starts(stage.metre)
            if beat % stage.metre not in starts and not change:
                return []
            end = self._two_end(stage, beat, starts)
        return [self.note(beat, end, pitch, self._velocity(stage, beat), stage, chord)]

    def _two_end(self, stage: Stage, beat: Fraction, starts) -> Fraction:
        """Where a two-feel note ends: the next sounding beat (a group start or the
        chart's next change)."""
        end = beat + 1
        span_end = stage.span_at(beat).end
        while (end % stage.metre) not in starts and end < span_end:
            end += 1
        return end

    def _bossa(self, stage: Stage, beat: Fraction) -> list[Note]:
        chord = stage.chord_at(beat)
        span = stage.span_at(beat)
        last = self._last[1] if self._last is not None and self._last[0] == beat - 1 else None
        bar_end = beat - beat % stage.metre + stage.metre
        self._last = (beat, chord)
        if chord.quality == "nc" or (beat % stage.metre != 0 and chord == last):
            self.cursor = beat + 1
            return []
        end = min(bar_end, max(span.end, beat + 1))
        self.cursor = Fraction(math.ceil(end))
        self._last = (self.cursor - 1, chord)
        low, high = self._settings.low, self._settings.high
        root = bassvocab.realise(0, 0, chord.root, self._previous, low, high)
        if root - 5 < low:
            root += 12 if root + 12 <= high else 0
        fifth = root + bassvocab.fifth_of(chord) - 12
        if fifth < low:
            fifth += 12
        self._previous = root
        push = beat + Fraction(3, 2)
        notes = [self.note(beat, min(push, end), root, self._velocity(stage, beat), stage, chord)]
        if push < end:
            notes.append(self.note(push, end, fifth, self.loudness(self._settings.velocity),
                                   stage, chord))
        return notes

    # --- the musician's chords --------------------------------------------------------

    def revoice(self, note: Note, stage: Stage) -> Note:
        """A note made over a chord the musician has since changed: the first over the new
        chord is its root; a root or fifth stays the root or fifth; another note keeps
        its interval where the new chord's scale holds it, else the nearest chord tone."""
        heard = stage.heard(note.start)
        if heard is None or heard == note.chord or heard.quality == "nc":
            self._sent = note.chord
            return note
        old = (note.pitch - note.chord.root) % 12
        if heard != self._sent or old == 0:
            interval = 0
        elif old == bassvocab.fifth_of(note.chord):
            interval = bassvocab.fifth_of(heard)
        elif (heard.root + old) % 12 in heard.scale:
            interval = old
        else:
            tones = sorted((pc - heard.root) % 12 for pc in heard.tones) or [0]
            interval = min(tones, key=lambda i: (min((i - old) % 12, (old - i) % 12), i))
        self._sent = heard
        pitch = bassvocab.realise(interval, 0, heard.root, note.pitch, self._settings.low,
                                  self._settings.high)
        return replace(note, pitch=pitch, chord=heard)

    def jump_to(self, beat: Fraction) -> None:
        super().jump_to(beat)
        self._last = None


def bass_part(settings: Bass, rng: np.random.Generator) -> BassPart:
    """The bass part with its model loaded (``settings.model``, default the shipped
    :data:`MODEL`) into the numpy engine. ModelError when it is no bass model."""
    where = modelfile.resolve(settings.model or MODEL)
    model = modelfile.load(where, part=bassvocab.PART)
    if model.features != bassvocab.NAME:
        raise ModelError(f"{where} reads {model.features!r}, not the bass's "
                         f"{bassvocab.NAME!r}: retrain it with 'improv train --bass'")
    return BassPart(settings, NumpyGenerator(model), rng)


__all__ = ["BASS", "Bass", "BassPart", "FEELS", "bass_part", "guard", "two_starts"]
