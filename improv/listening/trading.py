"""Whose turn it is, and the musician's call as grammar values (pure, no I/O).

Two ways to trade, each a small object the performer asks ``turn_at(beat)``:

* :class:`TradeBars` (``--trade N``): N bars the musician's, N bars improv's, aligned to
  the chart's bar lines from bar 1 (the musician first: improv answers).
* :class:`CallAndResponse`: improv listens until the musician has played and then been
  silent for ``silence`` beats; the answer starts on the next beat and lasts as long as
  the call (rounded up to whole beats) or ``answer`` beats.

Either way the musician has the floor: a note they play while improv is answering ends
the answer there (:meth:`interrupt`), so improv never plays over them.

Beats are absolute beats of the performance (the performer's and scheduler's count).
The input thread records notes and the scheduler thread asks for turns: each method
does a few comparisons under one lock.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from improv.language.grammar import BEATS_PER_BAR, Value, encode_line, twelfths
from improv.language.harmony import Chord
from improv.language.melodyline import monophonic_line

MAX_CALL_NOTES = 512  # what a call keeps (the newest)


@dataclass(frozen=True)
class Turn:
    """``playing``: improv's turn; it lasts until ``end`` (a beat, None: not known yet)."""

    playing: bool
    end: Fraction | None
    start: Fraction = Fraction(0)


@dataclass(frozen=True)
class CallNote:
    """A note the musician played: beats on and off (None while held), its chord."""

    on: float
    off: float | None
    pitch: int
    chord: Chord | None = None


class _Turns:
    def __init__(self):
        self._lock = threading.Lock()
        self._notes: list[CallNote] = []
        self._held: dict[int, int] = {}  # pitch -> index in _notes

    def reset(self) -> None:
        """Forget every call (the song starts over: a master's Start or Continue)."""
        with self._lock:
            self._notes, self._held = [], {}
            self._forget_turns()

    def _forget_turns(self) -> None:
        """What a subclass keeps about turns, back to its start (under the lock)."""

    # --- the input thread ---------------------------------------------------------------

    def note_on(self, beat: float, pitch: int, chord: Chord | None = None) -> None:
        with self._lock:
            if len(self._notes) >= MAX_CALL_NOTES:
                self._forget(len(self._notes) // 2)
            self._close(beat, pitch)  # struck again while held: the first one ends here
            self._held[pitch] = len(self._notes)
            self._notes.append(CallNote(beat, None, pitch, chord))

    def note_off(self, beat: float, pitch: int) -> None:
        with self._lock:
            self._close(beat, pitch)

    def _close(self, beat: float, pitch: int) -> None:
        k = self._held.pop(pitch, None)
        if k is not None:
            n = self._notes[k]
            self._notes[k] = CallNote(n.on, max(beat, n.on), n.pitch, n.chord)

    def _forget(self, count: int) -> None:
        self._notes = self._notes[count:]
        self._held = {p: k - count for p, k in self._held.items() if k >= count}

    # --- the scheduler thread -------------------------------------------------------------

    def call(self, start: float, end: float) -> list[CallNote]:
        """The notes played from ``start`` to ``end`` (held ones end at ``end``)."""
        with self._lock:
            return [CallNote(n.on, end if n.off is None else min(n.off, end), n.pitch, n.chord)
                    for n in self._notes if start <= n.on < end]


class TradeBars(_Turns):
    """``bars`` bars each, the musician first, from the top of the chart (beat
    ``origin``: 0, or the end of a count-in, whose beats count as the musician's)."""

    def __init__(self, bars: int, beats_per_bar: float = BEATS_PER_BAR, origin: float = 0):
        super().__init__()
        self.length = Fraction(bars) * Fraction(beats_per_bar).limit_denominator(12)
        self.origin = Fraction(origin).limit_denominator(12)
        self._cut: float | None = None  # an answer interrupted at this beat

    def _forget_turns(self) -> None:
        self._cut = None

    def interrupt(self, beat: float) -> None:
        """The musician came in at ``beat`` while improv answered: the answer ends."""
        with self._lock:
            self._cut = beat

    def should_yield(self, beat: float) -> bool:
        """Whether a note the musician plays at ``beat`` must silence improv."""
        return self.turn_at(beat).playing

    def turn_at(self, beat) -> Turn:
        beat = Fraction(beat)
        k = max(0, math.floor((beat - self.origin) / self.length)) if self.origin else \
            math.floor(beat / self.length)
        start, end = self.origin + k * self.length, self.origin + (k + 1) * self.length
        playing = k % 2 == 1
        with self._lock:
            cut = self._cut
        if playing and cut is not None and start <= cut < end and beat >= Fraction(cut):
            return Turn(False, end, start)  # interrupted: silent for the rest of the turn
        return Turn(playing, end, start)

    def call_span(self, turn: Turn) -> tuple[float, float]:
        """Where the call that ``turn`` (an answer) answers was played."""
        return float(turn.start - self.length), float(turn.start)


class CallAndResponse(_Turns):
    """Answer after ``silence`` beats of the musician's silence, for as long as the call
    (``answer`` 0) or ``answer`` beats.

    The performer asks about beats up to its look-ahead before they sound, so once an
    answer has begun it is kept (``_current``) until the next one: a note the musician
    plays at any beat it covers, or while it is only planned, still stops it."""

    def __init__(self, silence: float = 2.0, answer: float = 0.0):
        super().__init__()
        self.silence = silence
        self.answer = answer
        self._forget_turns()

    def _forget_turns(self) -> None:
        self._answered_until = -math.inf  # calls before this beat have been answered
        self._call_from = -math.inf  # where the call of the answer begun starts
        self._current: tuple[Fraction, Fraction] | None = None  # the answer begun

    def _pending(self) -> tuple[float, float] | None:
        """(first onset, last release) of the call not answered yet, if it is over."""
        notes = [n for n in self._notes if n.on >= self._answered_until]
        if not notes or self._held:
            return None
        return notes[0].on, max(n.on if n.off is None else n.off for n in notes)

    def turn_at(self, beat) -> Turn:
        beat = Fraction(beat)
        with self._lock:
            if self._current is not None:
                start, end = self._current
                if start <= beat < end:
                    return Turn(True, end, start)
                if beat < start:
                    return Turn(False, start, Fraction(0))
            answer = self._answer()
            if answer is None:
                return Turn(False, None)
            start, end = answer
            if beat < start:
                return Turn(False, start, Fraction(0))
            if beat < end:  # the answer begins: its call is used up
                self._current = answer
                self._call_from, self._answered_until = self._answered_until, float(start)
                return Turn(True, end, start)
            self._answered_until = float(end)  # passed over unplayed (a jump)
            return Turn(False, None)

    def should_yield(self, beat: float) -> bool:
        """A note while an answer plays, or is planned to: the musician has the floor."""
        with self._lock:
            return self._current is not None and beat < self._current[1]

    def interrupt(self, beat: float) -> None:
        """The musician came in: the answer under way is over, a new call begins."""
        with self._lock:
            if self._current is not None:
                start, end = self._current
                self._current = None if beat < start else (start, min(end, Fraction(beat)))
            self._answered_until = beat

    def _answer(self) -> tuple[Fraction, Fraction] | None:
        pending = self._pending()
        if pending is None:
            return None
        first, last = pending
        start = Fraction(math.ceil(last + self.silence - 1e-9))
        length = self.answer or max(1, math.ceil(last - first - 1e-9))
        return start, start + Fraction(length).limit_denominator(12)

    def call_span(self, turn: Turn) -> tuple[float, float]:
        with self._lock:
            notes = [n for n in self._notes if self._call_from <= n.on < float(turn.start)]
        return (notes[0].on if notes else float(turn.start)), float(turn.start)


def call_line(notes: list[CallNote], chord_at) -> list[Value]:
    """The musician's notes as grammar values, heard as the corpus readers hear a solo
    (:func:`improv.language.melodyline.monophonic_line`: on the twelfth-of-a-beat grid,
    the top note of each onset, a gap shorter than a sixteenth absorbed by the note
    before: legato is not a string of tiny rests), rests between, each note encoded over
    its chord (the one followed at its onset, else ``chord_at(beat)``)."""
    chords: dict[Fraction, Chord | None] = {}  # of each onset's top note
    grid = []
    for n in sorted(notes, key=lambda n: n.pitch):
        on = _on_grid(n.on)
        off = _on_grid(n.off if n.off is not None else n.on + 1.0)  # still held: a beat
        grid.append((on, max(off, on), n.pitch))
        chords[on] = n.chord
    items = []
    line = monophonic_line(grid)
    for k, (on, off, pitch) in enumerate(line):
        chord = chords.get(on) or chord_at(float(on))
        items.append((pitch, float(off - on), chord))
        following = line[k + 1][0] if k + 1 < len(line) else off
        if following > off:
            items.append((None, float(following - off), chord))
    return encode_line(items)


def pitch_before(call: list[CallNote], twelfths: int) -> int | None:
    """The last pitch the musician struck before ``twelfths`` twelfths of a beat (None:
    none yet): what a model primed with the call hears as the pitch before each value."""
    before = [n for n in call if round(n.on * 12) < twelfths]
    return max(before, key=lambda n: (n.on, n.pitch)).pitch if before else None


def _on_grid(beat: float) -> Fraction:
    return Fraction(round(beat * 12), 12)


def _shape(v: Value) -> int | None:
    """A pitched value's step class, as a contour reads it: direction (down, same, up)
    by size (step <= 2, leap 3-7, jump > 7 semitones); None without an interval."""
    if v.is_rest or v.lo is None:
        return None
    step = (v.lo + v.hi) / 2
    size = 0 if abs(step) <= 2 else 1 if abs(step) <= 7 else 2
    return (0 if step < -0.5 else 1 if step <= 0.5 else 2) * 3 + size


def _shares(keys: list) -> dict:
    counts: dict = {}
    for k in keys:
        if k is not None:
            counts[k] = counts.get(k, 0) + 1
    top = max(counts.values(), default=1)
    return {k: c / top for k, c in counts.items()}


def echo_weights(call: list[Value], vocabulary: tuple[Value, ...], strength: float) -> np.ndarray:
    """Per vocabulary value, how much an answer leans towards it to echo the call: by
    its length (among the call's notes, or its rests) and, for a note with an interval,
    by its step class (:func:`_shape`) among the call's steps; each factor is ``1 -
    strength + strength * share``, ``share`` over the commonest. Answering with the
    call's rhythm and contour is what trading players do; the LSTM's state alone carried
    too little of the call to measure (see benchmarks/call_answer.py)."""
    if not strength or not any(not v.is_rest for v in call):
        return np.ones(len(vocabulary))
    notes = _shares([twelfths(v.duration) for v in call if not v.is_rest])
    rests = _shares([twelfths(v.duration) for v in call if v.is_rest])
    shapes = _shares([_shape(v) for v in call])
    weights = np.empty(len(vocabulary))
    for k, v in enumerate(vocabulary):
        length = (rests if v.is_rest else notes).get(twelfths(v.duration), 0.0)
        weights[k] = 1.0 - strength + strength * length
        shape = _shape(v)
        if shape is not None and shapes:
            weights[k] *= 1.0 - strength + strength * shapes.get(shape, 0.0)
    return weights
