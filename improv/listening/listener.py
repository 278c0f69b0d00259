"""Listening to the musician: held notes named as chords, phrases for trading, knobs.

A :class:`Listener` reads the MIDI input's queued messages on the input thread (right
after each read: :attr:`improv.midi.midiin.MidiInput.on_message`) and only keeps
state and publishes results; the scheduler thread reads them. Nothing here waits for
the scheduler, so input never delays output.

* **Held notes.** Note on/off per channel, with the sustain pedal (CC 64): a note let go
  under the pedal sounds until the pedal lifts. All Notes Off / All Sound Off (CC 123,
  120) from the musician clear them. A note_off for a note not held is ignored.
* **Chords** (``follow_chords``): whenever the held notes change, they are named
  (:class:`~improv.language.chordnaming.ChordNamer`, the chart's chord of the moment as
  context) each time a note is struck, and the new chord is published at once (a
  chord's notes struck a few milliseconds apart may name a partial chord first, for
  those milliseconds). When the musician lets go the
  last chord stays; after ``release_bars`` bars with nothing held the chart takes over
  again (0: the last chord stays for good). Fewer than two pitch classes name nothing
  (the chord before stays). More than ``MAX_HELD`` notes at once (an elbow, a stuck
  controller) are held but not named until fewer sound.
* **Phrases** (trading): every note on a listened channel goes to the turn policy
  (:mod:`improv.listening.trading`); a note while improv answers interrupts it.
* **Knobs**: control changes go to :class:`~improv.listening.knobs.Knobs`.

Channels other than ``[listen] channels`` are ignored (counted in :attr:`ignored`).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import Callable

from improv.errors import UsageError
from improv.language.chordnaming import ChordNamer
from improv.language.grammar import BEATS_PER_BAR
from improv.language.harmony import Chord
from improv.listening.knobs import Knobs
from improv.midi.messages import (
    ALL_NOTES_OFF,
    ALL_SOUND_OFF,
    CONTROL_CHANGE,
    NOTE_OFF,
    NOTE_ON,
    SUSTAIN,
)
from improv.settings import setting, validate

logger = logging.getLogger(__name__)

MAX_HELD = 12  # more held notes than this are not a chord anyone voices


def parse_channels(text: str) -> frozenset[int] | None:
    """``"all"`` (None) or ``"1"``, ``"1,2"``: the MIDI channels (1-16) listened to."""
    if text.strip().lower() == "all":
        return None
    try:
        channels = frozenset(int(c) for c in text.replace(" ", "").split(","))
    except ValueError:
        channels = frozenset({0})
    if not channels or not channels <= set(range(1, 17)):
        raise UsageError(f"[listen] channels {text!r} is not understood: write 'all' or "
                         f"channel numbers 1-16 separated by commas, e.g. '1' or '1,2'")
    return channels


@dataclass(frozen=True)
class ListenSettings:
    """The ``[listen]`` table: what improv hears on its MIDI input and what it does."""

    follow_chords: bool = setting(False)
    channels: str = setting("all")
    release_bars: float = setting(2.0, lo=0.0, hi=64.0)  # then the chart again (0: never)
    comping: bool = setting(False)  # comp along while following the musician's chords
    trade: int = setting(0, lo=0, hi=16)  # bars each (0: no trading)
    call_response: bool = setting(False)
    silence_beats: float = setting(2.0, lo=0.5, hi=16.0)
    answer_beats: float = setting(0.0, lo=0.0, hi=64.0)  # 0: as long as the call
    echo: float = setting(0.7, lo=0.0, hi=1.0)  # an answer takes the call's rhythm, contour

    def __post_init__(self):
        validate(self)
        parse_channels(self.channels)
        if self.trade and self.call_response:
            raise UsageError("[listen] trade and call_response are two ways to trade: "
                             "choose one (trade = 0 or call_response = false)")

    @property
    def trading(self) -> bool:
        return bool(self.trade) or self.call_response


class Listener:
    """What the musician plays, as state the performer and scheduler read."""

    def __init__(self, settings: ListenSettings = ListenSettings(), knobs: Knobs | None = None,
                 turns=None, beats_per_bar: int = BEATS_PER_BAR, *,
                 beat_at: Callable[[float], float] = lambda t: 0.0,
                 chord_at: Callable[[float], Chord] | None = None,
                 clock: Callable[[], float] | None = None):
        self.settings = settings
        self.knobs = knobs or Knobs()
        self.turns = turns
        self.beats_per_bar = beats_per_bar  # release_bars counts these
        self.beat_at = beat_at  # the scheduler's time -> beat, set once it exists
        self.chord_at = chord_at  # the chart's chord at a beat (context for naming)
        self.on_interrupt: Callable[[], None] = lambda: None  # the musician came in
        self.on_panic: Callable[[], None] = lambda: None
        self._clock = clock
        self._channels = parse_channels(settings.channels)
        self._namer = ChordNamer()
        if settings.follow_chords:
            ChordNamer.prepare()  # its tables, now rather than on the first chord played
        self._held: dict[tuple[int, int], int] = {}  # (channel, pitch) -> times struck
        self._sustained: set[tuple[int, int]] = set()
        self._pedal: set[int] = set()  # channels with the pedal down
        self._named: frozenset[int] = frozenset()
        self._released: float | None = None  # beat when the last note was let go
        self.chord: Chord | None = None  # the musician's chord, published
        self.chord_time = 0.0  # when it was played (the input's clock)
        self.changes = 0  # chords published
        self.ignored = 0  # messages on channels not listened to
        self.notes = 0
        # the beats of the musician's latest notes (appended on the input thread, read
        # on the generating one: the band leaves space for them as for its soloist)
        self.onsets: deque[float] = deque(maxlen=256)

    # --- the input thread -----------------------------------------------------------------

    def drain(self, messages) -> None:
        """Take every queued ``(time, bytes)`` from ``messages`` (a deque) in order."""
        while messages:
            t, message = messages.popleft()
            self.feed(t, message)

    def feed(self, t: float, message) -> None:
        if len(message) < 2:
            return
        kind, channel = message[0] & 0xF0, (message[0] & 0x0F) + 1
        if kind not in (NOTE_OFF, NOTE_ON, CONTROL_CHANGE) or len(message) < 3:
            return
        if self._channels is not None and channel not in self._channels:
            self.ignored += 1
            return
        data1, data2 = min(message[1], 127), min(message[2], 127)  # out of range: clamped
        if kind == CONTROL_CHANGE:
            self._control(t, channel, data1, data2)
        elif kind == NOTE_ON and data2 > 0:
            self._note_on(t, channel, data1)
        else:
            self._note_off(t, channel, data1)

    def _note_on(self, t: float, channel: int, pitch: int) -> None:
        key = (channel, pitch)
        self._held[key] = 1  # struck again while held: a retrigger (one note_off ends it)
        self._sustained.discard(key)
        self.notes += 1
        self._released = None
        self.onsets.append(self._beat(t))
        if self.turns is not None:
            beat = self._beat(t)
            if self.turns.should_yield(beat):
                self.turns.interrupt(beat)
                self.on_interrupt()
            self.turns.note_on(beat, pitch, self.chord if self.settings.follow_chords else None)
        self._heard(t)

    def _note_off(self, t: float, channel: int, pitch: int) -> None:
        key = (channel, pitch)
        if key not in self._held:
            return  # never struck (or already let go): nothing to release
        self._held[key] -= 1
        if self._held[key] > 0:
            return
        del self._held[key]
        if channel in self._pedal:
            self._sustained.add(key)
            return
        self._let_go(t, pitch)

    def _let_go(self, t: float, pitch: int) -> None:
        if self.turns is not None:
            self.turns.note_off(self._beat(t), pitch)
        if not self._held and not self._sustained:
            self._released = self._beat(t)

    def _control(self, t: float, channel: int, cc: int, value: int) -> None:
        if cc == SUSTAIN:
            if value >= 64:
                self._pedal.add(channel)
                return
            self._pedal.discard(channel)
            for key in sorted(k for k in self._sustained if k[0] == channel):
                self._sustained.discard(key)
                self._let_go(t, key[1])
        elif cc in (ALL_SOUND_OFF, ALL_NOTES_OFF):
            for key in [k for k in (*self._held, *self._sustained) if k[0] == channel]:
                self._held.pop(key, None)
                self._sustained.discard(key)
                self._let_go(t, key[1])
        else:
            turned = self.knobs.turn(cc, value)
            if turned is not None and turned[0] == "panic" and turned[1]:
                self.on_panic()

    def _heard(self, t: float) -> None:
        """Name the held notes (following chords), after a note was struck: letting
        notes go one by one names nothing, so the last chord played stays."""
        if not self.settings.follow_chords:
            return
        pitches = frozenset(p for _, p in (*self._held, *self._sustained))
        if pitches == self._named or not pitches or len(pitches) > MAX_HELD:
            return
        self._named = pitches
        expected = None
        if self.chord_at is not None:
            expected = self.chord_at(self._beat(t))
        chord = self._namer.name(pitches, expected)
        if chord is not None and chord != self.chord:
            self.chord, self.chord_time = chord, t
            self.changes += 1
            logger.debug("heard %s in %s", chord, sorted(pitches))

    def _beat(self, t: float) -> float:
        return max(0.0, self.beat_at(t))  # a message from before the music started: 0

    # --- the scheduler thread -------------------------------------------------------------

    def restart(self, beat: float) -> None:
        """The count starts over at ``beat`` (a master's Start or Continue)."""
        if self._released is not None:
            self._released = beat

    def chord_for(self, beat: float) -> Chord | None:
        """The musician's chord for a note at ``beat``, or None for the chart's."""
        chord, released = self.chord, self._released
        if chord is None:
            return None
        if released is not None and self.settings.release_bars:
            if beat - released >= self.settings.release_bars * self.beats_per_bar:
                return None
        return chord

    @property
    def held(self) -> int:
        return len(self._held) + len(self._sustained)
