"""From grammar values to timed notes: chords, pitches, swing and dynamics (pure, no I/O).

The performer pulls values from any object with ``next_value()`` (the LSTM soloist, or a
fake in tests) and turns each into a :class:`Note` at an absolute beat of the performance.
Positions are kept as exact fractions of a beat, so a stream that runs for hours does
not drift off the grid; swing is applied only when a note leaves the performer.

Randomness (the pitch drawn inside a value's range, velocity humanising) comes from one
seeded generator used in value order only, so the notes do not depend on how far ahead
the caller asks: a live stream and an offline render with the same seed agree.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Protocol

from improv.errors import UsageError
from improv.language import context
from improv.language.grammar import (
    Phrase,
    PitchLimits,
    Value,
    decode,
    quantize_duration,
)
from improv.language.harmony import Chord
from improv.language.metre import strong_beats
from improv.performing.chart import Progression, Span, Timeline, harmony_around
from improv.performing.comping import Comping, comp_hits, voicing
from improv.performing.swing import swing
from improv.performing.trading import Turn, call_line, echo_weights
from improv.settings import setting, validate


@dataclass(frozen=True)
class Melody:
    """The ``[melody]`` table: the solo's channel, register and loudness."""

    channel: int = setting(1, lo=1, hi=16)
    low: int = setting(52, lo=0, hi=127)
    high: int = setting(84, lo=0, hi=127)
    velocity: int = setting(88, lo=1, hi=127)
    program: int = setting(67, lo=0, hi=128)  # General MIDI, 1-based: 67 tenor sax; 0 none

    def __post_init__(self):
        validate(self)


@dataclass(frozen=True)
class Feel:
    """The ``[feel]`` table: swing, accents and humanising, changeable while playing."""

    swing: float = setting(0.5, lo=0.0, hi=1.0)
    accent: int = setting(10, lo=0, hi=40)
    humanise: int = setting(4, lo=0, hi=20)

    def __post_init__(self):
        validate(self)


class ValueSource(Protocol):
    """Anything that hands out the next grammar value (the soloist, or a fake). It may
    also offer ``restart_phrase(twelfths)``: the next value starts a phrase that many
    twelfths of a beat from the top (after a skip); and ``follow(context_at)``: it
    asks the performer the context of each value (a conditioned model)."""

    def next_value(self) -> Value: ...


@dataclass(frozen=True)
class Note:
    """One note to play: ``start``/``end`` in beats from the top, swing applied."""

    start: float
    end: float
    channel: int  # 1..16, as musicians count
    pitch: int
    velocity: int
    part: str  # "melody" or "comping"
    chord: Chord
    bar: int  # 1-based bar of the performance the note starts in
    value: Value | None = field(default=None, compare=False)  # melody: what it realises


# --- the performer ----------------------------------------------------------------------

def exact_duration(value: Value) -> Fraction:
    """The value's duration as an exact fraction of a beat (``0.333`` is 1/3)."""
    return Fraction(quantize_duration(value.duration)).limit_denominator(12)


TURN_GAP = Fraction(1, 12)  # beats of silence before the musician's turn


class Performer:
    """Realises values one after another against the progression.

    ``advance(until)`` returns every note starting before beat ``until`` that has not been
    returned yet: melody notes from the value source, chord voicings from the chart.
    """

    def __init__(self, source: ValueSource, progression: Progression, rng, *,
                 melody: Melody = Melody(), comping: Comping = Comping(), feel: Feel = Feel(),
                 listener=None):
        """``listener``: a :class:`~improv.performing.listening.Listener` (the musician's
        chords, turns and knobs), or None to play on alone."""
        self._source = source
        self._listener = listener
        self._follow = listener is not None and listener.settings.follow_chords
        self._turns = listener.turns if listener is not None else None
        self._answer: Turn | None = None  # the answer being played (trading)
        self._muted = False
        self._register = 0  # octaves (a knob)
        self._sent_pitch: int | None = None  # the last melody pitch the scheduler sent
        # The chart as (first beat, progression) segments: a live change appends one.
        self._charts = Timeline(progression)
        self._harmony: tuple = (None,)  # (span, chord, chord before, next change's beat)
        self._metre = progression.beats_per_bar  # beats per bar, for the whole performance
        self._strong = {Fraction(b) for b in strong_beats(self._metre)}
        self._requests: deque[Progression] = deque()
        self._rng = rng
        self._melody = melody
        self._comping = comping
        self._feel = feel
        self._limits = PitchLimits(melody.low, melody.high)
        self._cursor = Fraction(0)       # where the next melody value starts
        self._comp_cursor = Fraction(0)  # where the next chord voicing starts
        self._phrase = Phrase()
        self._last_pitch: int | None = None  # across phrases: where the next one starts
        follow = getattr(source, "follow", None)
        if follow is not None:  # a conditioned model hears the chart through this
            follow(self.context_at)

    @property
    def cursor(self) -> float:
        """Beat up to which every part has been generated (before swing).

        With comping on it is the earlier of the melody's and the chords' positions, so
        a scheduler that generates when the cursor comes near never lets a chord wait
        for the end of a long melody note or rest.
        """
        if self._comping.enabled:
            return float(min(self._cursor, self._comp_cursor))
        return float(self._cursor)

    def set_progression(self, progression: Progression) -> None:
        """Play ``progression``, from its first bar, from the next bar line not yet generated.

        Safe to call from another thread: the request is queued (an atomic deque append)
        and taken up by the next :meth:`advance`, on the thread that generates, so no note
        already handed out changes. The metre stays the performance's: a progression in
        another one is a UsageError here, in the caller's thread.
        """
        if progression.beats_per_bar != self._metre:
            raise UsageError(f"a progression in {progression.beats_per_bar}/4 cannot take "
                             f"over a performance in {self._metre}/4: restart to change metre")
        self._requests.append(progression)

    def _take_requests(self) -> None:
        while self._requests:
            progression = self._requests.popleft()
            ahead = max(self._cursor, self._comp_cursor)
            floor = min(self._cursor, self._comp_cursor)
            self._charts.change(progression, ahead, floor)

    def skip_to(self, beat) -> None:
        """Go on from ``beat``, making nothing for the time before it (after a stall the
        scheduler would only drop it). The solo starts a new phrase there, the chord
        sounding there is struck again. Call it on the generating thread."""
        beat = Fraction(beat).limit_denominator(12)
        self._cursor = max(self._cursor, beat)
        self._comp_cursor = max(self._comp_cursor, beat)
        self._new_phrase()

    def jump_to(self, beat) -> None:
        """Play on from song position ``beat``, earlier or later than now (a master's
        Start is beat 0, Continue its Song Position Pointer). The chart in force now is
        played from its first bar at beat 0, so ``beat`` falls in the right bar."""
        if self._requests:
            self._take_requests()
        beat = Fraction(beat).limit_denominator(12)
        if self._listener is not None:
            self._listener.restart(float(beat))
        if self._turns is not None:
            self._turns.reset()  # beats start over: calls before belong to another count
            self._answer = None
        self._charts.restart()
        self._cursor = self._comp_cursor = beat
        self._new_phrase()

    def _new_phrase(self) -> None:
        """The next value opens a phrase at the cursor (the source told where in the beat)."""
        self._phrase = Phrase()
        restart = getattr(self._source, "restart_phrase", None)
        if restart is not None:
            restart(int(self._cursor * 12))

    def resume_at_next_bar(self) -> float:
        """Skip to the next bar line not yet generated and return it: where playing
        resumes after the port was lost and found again."""
        ahead = max(self._cursor, self._comp_cursor)
        bar = Fraction(math.ceil(ahead / self._metre) * self._metre)
        self.skip_to(bar)
        return float(bar)

    @property
    def beats_per_bar(self) -> int:
        return self._metre

    def section_at(self, beat) -> str:
        """The chart's section at ``beat`` ("" when it names none)."""
        return self._charts.section_at(beat)

    def set_feel(self, feel: Feel) -> None:
        """Swing, accents and humanising for the notes generated from now on."""
        self._feel = feel

    def _apply_knobs(self) -> None:
        """What the musician turned since the last value (see improv.performing.knobs)."""
        for name, value in self._listener.knobs.take():
            if name in ("temperature", "top_p"):
                tune = getattr(self._source, "tune", None)
                if tune is not None:
                    tune(**{name: value})
            elif name == "register":
                self._register = value
                low = min(max(self._melody.low + 12 * value, 0), 115)
                high = max(min(self._melody.high + 12 * value, 127), low + 12)
                self._limits = PitchLimits(low, high)
            elif name == "swing":
                self._feel = replace(self._feel, swing=value)
            elif name == "comping" and value != self._comping.enabled:
                self._comping = replace(self._comping, enabled=value)
                self._comp_cursor = max(self._comp_cursor, self._cursor)
            elif name == "mute":
                self._muted = value

    def revoice(self, note: Note) -> Note:
        """``note`` as it should sound now: a melody note realised before the musician
        changed chords is decoded again over the new one (called by the scheduler as it
        sends the note_on, so every note that starts after a chord change uses it)."""
        if note.part == "comping":
            return self._revoice_chord(note)
        if note.value is None:
            return note
        if self._follow:
            chord = self._listener.chord_for(note.start) or note.chord
            if chord != note.chord:
                pitch = decode(note.value, chord, self._sent_pitch, self._rng, self._limits,
                               anchor=self._sent_pitch)
                note = replace(note, pitch=pitch, chord=chord)
        self._sent_pitch = note.pitch
        return note

    def span_at(self, beat) -> Span:
        """The chord sounding at ``beat`` (absolute), cut at the start of a later chart."""
        return self._charts.span_at(beat)

    def context_at(self, twelfths: int) -> tuple[int, ...]:
        """The context (:func:`improv.language.context.features`) of a value starting
        ``twelfths`` twelfths of a beat from the top: the chord there (the musician's,
        when following), the different chord before it on the chart, the bar position
        and the beats until the chart's next change of chord."""
        beat = Fraction(twelfths, 12)
        span = self.span_at(beat)
        if self._harmony[0] != span:  # once per chart span: a vamp may look far
            self._harmony = (span, *harmony_around(self.span_at, span))
        _span, chord, previous, change_at = self._harmony
        change = None if change_at is None else change_at - beat
        if self._follow:
            heard = self._listener.chord_for(float(beat))
            if heard is not None and heard != chord:
                chord, previous = heard, None
        return context.features(chord, previous, beat % self._metre, self._metre, change)

    def _revoice_chord(self, note: Note) -> Note:
        """A comping note struck over a chord the musician has since changed: the same
        voice of the new chord's voicing."""
        chord = self._listener.chord_for(note.start) if self._follow else None
        if chord is None or chord == note.chord:
            return note
        old, new = voicing(note.chord, self._comping.low), voicing(chord, self._comping.low)
        if note.pitch not in old or old.index(note.pitch) >= len(new):
            return note
        return replace(note, pitch=new[old.index(note.pitch)], chord=chord)

    def advance(self, until: float) -> list[Note]:
        until = Fraction(until)
        if self._requests:
            self._take_requests()
        if self._listener is not None:
            self._apply_knobs()
        notes: list[Note] = []
        while self._cursor < until:
            if self._turns is not None and not self._take_turn(until):
                continue
            notes.extend(self._realise(self._source.next_value()))
        if self._comping.enabled:
            while self._comp_cursor < until:
                notes.extend(self._comp())
        notes.sort(key=lambda n: (n.start, n.part, n.pitch))
        return notes

    def _take_turn(self, until: Fraction) -> bool:
        """Trading: True when the value at the cursor is improv's to play. On the
        musician's turn the cursor moves on without the model; an answer starts by
        feeding the call through it (see improv.performing.trading)."""
        turn = self._turns.turn_at(self._cursor)
        if not turn.playing:
            self._answer = None
            self._cursor = min(until, turn.end) if turn.end is not None else until
            if self._cursor % Fraction(1, 12):
                self._cursor = Fraction(math.ceil(self._cursor * 12), 12)
            return False
        if self._answer is None or self._answer.start != turn.start:
            self._answer = turn
            self._prime_with_call(turn)
        return True

    def _prime_with_call(self, turn: Turn) -> None:
        start, end = self._turns.call_span(turn)
        call = self._turns.call(start, end)
        values = call_line(call, lambda b: self.span_at(b).chord)
        if call:  # the answer picks up where the musician left off
            last = max(call, key=lambda n: (n.on, n.pitch)).pitch
            self._last_pitch = min(max(last, self._limits.low), self._limits.high)
        prime = getattr(self._source, "prime_nearest", None)
        if prime is not None and values:
            first = min(n.on for n in call)
            prime(values, round(first * 12))
        echo = getattr(self._source, "echo", None)
        if echo is not None and values:
            weights = echo_weights(values, self._source.values, self._listener.settings.echo)
            echo(weights, len(values))  # about as many values as the call
        self._new_phrase()

    def _realise(self, value: Value) -> list[Note]:
        start = self._cursor
        end = start + exact_duration(value)
        self._cursor = end
        if self._answer is not None and self._answer.end is not None:
            # the musician's turn begins there: let go a twelfth of a beat before it,
            # so the last note is off by the time their first arrives
            end = min(end, max(self._answer.end - TURN_GAP, (start + self._answer.end) / 2))
        if value.is_rest:
            self._phrase.rest(value.duration)  # phrases break as grammar.encode_line's do
            return []
        chord = self.span_at(start).chord
        if self._follow:
            chord = self._listener.chord_for(float(start)) or chord
        pitch = decode(value, chord, self._phrase.previous, self._rng, self._limits,
                       anchor=self._last_pitch)
        self._phrase.note(pitch)
        self._last_pitch = pitch
        if self._muted:
            return []
        return [Note(swing(start, self._feel.swing), swing(end, self._feel.swing),
                     self._melody.channel, pitch, self._velocity(start), "melody", chord,
                     int(start // self._metre) + 1, value)]

    def _velocity(self, start: Fraction) -> int:
        feel = self._feel
        velocity = self._melody.velocity
        if start.denominator == 1:  # on a beat; more on the bar's strong beats
            velocity += feel.accent
            if start % self._metre in self._strong:
                velocity += feel.accent // 2
        if feel.humanise:
            velocity += int(self._rng.integers(-feel.humanise, feel.humanise + 1))
        return max(1, min(127, velocity))

    def _comp(self) -> list[Note]:
        span = self.span_at(self._comp_cursor)
        start = max(span.start, self._comp_cursor)
        self._comp_cursor = span.end
        chord = span.chord
        if self._follow:
            chord = self._listener.chord_for(float(start)) or chord
        pitches = voicing(chord, self._comping.low)
        notes = []
        for on, off, accent in comp_hits(start, span.end, self._comping.style, self._metre):
            bar = int(on // self._metre) + 1
            velocity = min(127, self._comping.velocity + accent)
            notes += [Note(swing(on, self._feel.swing), swing(off, self._feel.swing),
                           self._comping.channel, p, velocity, "comping", chord, bar)
                      for p in pitches]
        return notes
