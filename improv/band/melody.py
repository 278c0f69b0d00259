"""The soloist's part: grammar values realised as notes over the chords (pure, no I/O).

Values come from any object with ``next_value()`` (:mod:`improv.sampling.soloist`, a fake
in tests), each a :class:`~improv.band.note.Note` at an exact beat (no drift in hours):
a pitch in the value's range over the chord, inside the compass of the soloist the source
plays as (:mod:`improv.sampling.persona`); the bar's accents, the band's feel. The source
hears where the line stands, to draw values it plays exactly (:mod:`improv.sampling.pitchfit`).
With the timing "learned", a note sounds where the Weimar players would put it, at times
after a grace note or running on through quicker notes (:mod:`improv.performance`). A
phrase may recall a motif played before (:mod:`improv.sampling.recall`), fed through the
model, which carries on from it; inside a phrase a figure may be played again at once
(:mod:`improv.sampling.patterns`), the source aimed at its intervals. Randomness is
drawn in value order, each kind from its own generator, so live and offline renders
with one seed agree however far ahead the caller asks. Trading, the part rests through
the musician's turns and answers each call by feeding it through the model first.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import replace
from fractions import Fraction
from typing import Protocol

from improv.band.chart import harmony_around
from improv.band.melodysettings import Melody
from improv.band.note import Note
from improv.band.part import Part, Stage
from improv.band.solofeel import SoloFeel
from improv.language import context
from improv.language.harmony import type_table
from improv.language.register import Registers, open_window, register_stream, value_limits
from improv.language.grammar import (Phrase, PitchLimits, Value, decode, encode,
                                     exact_duration)
from improv.listening.trading import Turn, call_line, echo_weights, pitch_before
from improv.performance import performer, timefeel
from improv.performance.feel import accented
from improv.sampling.persona import compass_limits
from improv.sampling.patterns import PATTERN_STREAM, Patterns
from improv.sampling.recall import MOTIF_STREAM, Motifs
from improv.streams import child_stream

MELODY = "melody"  # the soloist's part name: its notes, track and table


class ValueSource(Protocol):
    """Hands out the next grammar value (the soloist, a fake). It may also offer
    ``restart_phrase(twelfths)`` (a phrase starts there), ``follow(context_at)`` (a
    conditioned model), ``fit(place_at)`` (values that play exactly), ``force`` and
    ``replace_last`` (recalled motifs), ``aim(step)`` (a pattern's next interval)."""

    def next_value(self) -> Value: ...


TURN_GAP = Fraction(1, 12)  # beats of silence before the musician's turn


class MelodyPart(Part):
    """The solo: one value of the source at a time, realised against the stage."""

    name = MELODY
    trades = True

    def __init__(self, source: ValueSource, rng, settings: Melody = Melody(),
                 feel_table: timefeel.TimeFeel | None = None):
        """``feel_table``: the learned time feel (default: the shipped one, when needed)."""
        super().__init__(settings.channel, enabled=settings.enabled, program=settings.program)
        self._source = source
        self._rng = rng
        self._feel = SoloFeel(performer.feel_stream(rng), feel_table)  # learned timing
        self._ahead: Value | None = None  # the next value, drawn before its turn
        self._settings = settings
        self._exact = settings.intervals == "exact"
        self._limits = PitchLimits(settings.low, settings.high)
        # each phrase keeps to a window of the register (improv.language.register), drawn
        # from a generator of its own; "full": every phrase may use all of low..high
        self._registers = (Registers(self._limits, register_stream(rng))
                           if settings.register == "phrase" else None)
        self._window: PitchLimits | None = None  # the open phrase's
        self._stage: Stage | None = None
        self._answer: Turn | None = None  # the answer being played (trading)
        self._muted = False
        self._sent_pitch: int | None = None  # the last pitch the scheduler sent
        self._harmony: tuple = (None,)  # (span, chord, chord before, next change's beat)
        self._phrase = Phrase()
        self._last_pitch: int | None = None  # across phrases: where the next one starts
        self._call: list | None = None  # the musician's notes, while the model hears them
        recalls = settings.motifs > 0 and hasattr(source, "force")  # improv.sampling.recall
        self._motifs = Motifs(child_stream(rng, MOTIF_STREAM), settings.motifs) if recalls else None
        aims = settings.patterns > 0 and self._exact and hasattr(source, "aim")
        self._patterns = (Patterns(child_stream(rng, PATTERN_STREAM), settings.patterns)
                          if aims else None)  # improv.sampling.patterns
        self._memories = tuple(m for m in (self._motifs, self._patterns) if m is not None)
        self._recall: deque = deque()  # the recalled notes still to play

    def join(self, stage: Stage) -> None:
        """Play on ``stage`` from now on; a conditioned model hears the chart through it."""
        self._stage = stage
        if stage.feel.timing == "learned":
            self._feel.check()
        follow = getattr(self._source, "follow", None)
        if follow is not None:
            follow(self.context_at)
        fit = getattr(self._source, "fit", None)
        if fit is not None and self._exact:  # a phrase's window is a compass of its own
            fit(self.place_at, compass=self._registers is None)

    def skip_to(self, beat: Fraction) -> None:
        """After a stall the solo starts a new phrase on a beat (it may have run ahead)."""
        self.cursor = Fraction(math.ceil(max(self.cursor, Fraction(beat))))
        self._feel.came_in(self.cursor)
        self._new_phrase()

    def switch(self, on: bool, ahead: Fraction) -> None:
        """Switched back on: a new phrase on a beat, the source told where it starts."""
        if on and not self.enabled:
            self.skip_to(ahead)
        self.enabled = on

    def jump_to(self, beat: Fraction) -> None:
        super().jump_to(beat)
        self._answer = None  # beats start over: a call before belongs to another count
        self._feel.came_in(self.cursor, jumped=True)  # the note before may lie ahead
        self._new_phrase()

    def play(self, until, stage: Stage) -> list[Note]:
        """As :meth:`Part.play`; with learned timing also the values written up to
        ``timefeel.EARLIEST`` after ``until``, whose notes may be pushed before it."""
        return super().play(Fraction(until) + self._feel.reach(stage.feel.timing == "learned"),
                            stage)

    @property
    def ready(self) -> Fraction:
        return self._feel.ready(self.cursor)

    def _new_phrase(self) -> None:
        """The next value opens a phrase at the cursor (the source told where in the beat)."""
        self._phrase = Phrase()
        self._recall.clear()
        for memory in self._memories:
            memory.close()
        self._ahead = None  # heard by the model, as values run ahead of a stall are
        self._feel.new_phrase()
        restart = getattr(self._source, "restart_phrase", None)
        if restart is not None:
            restart(int(self.cursor * 12))

    def tune(self, knob: str, value) -> None:
        """temperature, top_p: to the model; register: the range by octaves; mute: silent
        but on in time; melody_level scales the velocities (0 silent)."""
        if knob in ("temperature", "top_p"):
            tune = getattr(self._source, "tune", None)
            if tune is not None:
                tune(**{knob: value})
        elif knob == "register":
            low = min(max(self._settings.low + 12 * value, 0), 115)
            high = max(min(self._settings.high + 12 * value, 127), low + 12)
            self._limits = PitchLimits(low, high)
        elif knob == "mute":
            self._muted = value
        else:
            super().tune(knob, value)

    def revoice(self, note: Note, stage: Stage) -> Note:
        """A note realised before the musician changed chords, decoded again over the new
        one as its note_on is sent; a grace or run note (no value) keeps its pitch."""
        if note.value is None:
            return note
        if stage.follow:
            chord = stage.heard(note.start) or note.chord
            if chord != note.chord:
                pitch = decode(note.value, chord, self._sent_pitch, self._rng, self._limits,
                               anchor=self._sent_pitch, exact=self._exact)
                note = replace(note, pitch=pitch, chord=chord)
        self._sent_pitch = note.pitch
        return note

    def context_at(self, twelfths: int) -> tuple[int, ...]:
        """The context (:func:`improv.language.context.features`) of a value ``twelfths``
        from the top: the chord there (the musician's, when following), the different
        chord before it, the bar position and the beats until the next change."""
        stage = self._stage
        beat = Fraction(twelfths, 12)
        span = stage.span_at(beat)
        if self._harmony[0] != span:  # once per chart span: a vamp may look far
            self._harmony = (span, *harmony_around(stage.span_at, span))
        _span, chord, previous, change_at = self._harmony
        change = None if change_at is None else change_at - beat
        heard = stage.heard(beat)
        if heard is not None and heard != chord:
            chord, previous = heard, None
        pitch = self._last_pitch if self._call is None else pitch_before(self._call, twelfths)
        return context.with_tempo(context.with_pitch(context.features(
            chord, previous, beat % stage.metre, stage.metre, change), chord, pitch),
            stage.feel.tempo or None)

    def place_at(self, twelfths: int) -> tuple | None:
        """(last pitch, chord types there, register) for a value starting ``twelfths``
        from the top (:mod:`improv.sampling.pitchfit`); None for a phrase's first note."""
        previous, limits = self._phrase.previous, self._open_window() or self._limits
        table = type_table(self._stage.chord_at(Fraction(twelfths, 12)))
        return None if previous is None else (previous, table, limits.low, limits.high)

    def _next(self, until: Fraction, stage: Stage) -> list[Note]:
        turns = stage.listener.turns if stage.listener is not None else None
        if turns is not None and not self._take_turn(turns, until, stage):
            return []
        if self._ahead is None:
            self._fall_into_lick(stage)
        if self._recall:
            return self._recalled(stage)
        value, self._ahead = self._ahead or self._draw(stage), None
        motifs, place = self._motifs, round(self.cursor * 12) % 12
        if motifs is not None and not value.is_rest and not self._phrase.open:
            chord = stage.chord_at(self.cursor)
            motif = motifs.recall(place, chord.root if chord.tones else -1, self._limits,
                                  type_table(chord))
            if motif is not None:
                first, *rest = motif.notes
                value = self._source.replace_last(encode(first.pitch, first.twelfths / 12,
                                                         chord, None))
                if round(exact_duration(value) * 12) == first.twelfths:
                    self._recall.extend(rest)
                    return self._realise(value, stage, first.pitch)
        return self._realise(value, stage)

    def _draw(self, stage: Stage) -> Value:
        """The source's next value, aimed at the next interval of a pattern under way
        (more often at a ballad tempo)."""
        if self._patterns is not None:
            self._source.aim(self._patterns.aim(stage.feel.tempo or None))
        return self._source.next_value()

    def _fall_into_lick(self, stage: Stage) -> None:
        """Inside a phrase, after a note, the line may fall into a lick it played before."""
        motifs = self._motifs
        if (not self._recall and motifs is not None and self._phrase.previous is not None
                and motifs.lick_due()):
            lick = motifs.lick(self._phrase.previous, round(self.cursor * 12) % 12,
                               self._limits, type_table(stage.chord_at(self.cursor)))
            self._recall.extend(lick.notes if lick is not None else ())

    def _rest_follows(self, stage: Stage) -> bool:
        """Does a rest follow the note just realised? The next value is drawn now (after
        any lick :meth:`_next` would start) and kept for its turn, at the cursor."""
        turns = stage.listener.turns if stage.listener is not None else None
        if turns is not None and not turns.turn_at(self.cursor).playing:
            return True  # the musician's turn: nothing is drawn for it
        self._fall_into_lick(stage)
        if self._recall:
            return self._recall[0].pitch is None
        self._ahead = self._draw(stage)
        return self._ahead.is_rest

    def _recalled(self, stage: Stage) -> list[Note]:
        """The recalled motif's next note or rest, fed through the model as its value now."""
        note = self._recall.popleft()
        previous = self._phrase.previous
        value = self._source.force(encode(note.pitch, note.twelfths / 12,
                                          stage.chord_at(self.cursor), previous))
        if (round(exact_duration(value) * 12), value.is_rest) != (note.twelfths, note.pitch is None):
            self._recall.clear()  # the model knows no such value: it goes on alone
            return self._realise(value, stage)
        return self._realise(value, stage, note.pitch)

    def _take_turn(self, turns, until: Fraction, stage: Stage) -> bool:
        """Trading: True when the value at the cursor is improv's to play. On the
        musician's turn the cursor moves on without the model; an answer starts by
        feeding the call through it (see improv.listening.trading)."""
        turn = turns.turn_at(self.cursor)
        if not turn.playing:
            self._answer = None
            self.cursor = min(until, turn.end) if turn.end is not None else until
            if self.cursor % Fraction(1, 12):
                self.cursor = Fraction(math.ceil(self.cursor * 12), 12)
            return False
        if self._answer is None or self._answer.start != turn.start:
            self._answer = turn
            self._prime_with_call(turns, turn, stage)
        return True

    def _prime_with_call(self, turns, turn: Turn, stage: Stage) -> None:
        start, end = turns.call_span(turn)
        call = turns.call(start, end)
        values = call_line(call, lambda b: stage.span_at(b).chord)
        if call:  # the answer picks up where the musician left off
            last = max(call, key=lambda n: (n.on, n.pitch)).pitch
            self._last_pitch = min(max(last, self._limits.low), self._limits.high)
        prime = getattr(self._source, "prime_nearest", None)
        if prime is not None and values:
            self._call = call  # each value is heard after the musician's note before it
            prime(values, round(min(n.on for n in call) * 12))
            self._call = None
        echo = getattr(self._source, "echo", None)
        if echo is not None and values:
            weights = echo_weights(values, self._source.values, stage.listener.settings.echo)
            echo(weights, len(values))  # about as many values as the call
        self._new_phrase()

    def _realise(self, value: Value, stage: Stage, pitch: int | None = None) -> list[Note]:
        """The value as a note from the cursor on (``pitch`` given: a recalled one)."""
        start = self.cursor
        end = start + exact_duration(value)
        self.cursor = end
        turn_ends = False
        if self._answer is not None and self._answer.end is not None:
            # the musician's turn begins there: let go a twelfth of a beat before it,
            # so the last note is off by the time their first arrives
            cut = min(end, max(self._answer.end - TURN_GAP, (start + self._answer.end) / 2))
            turn_ends, end = cut < end, cut
        twelfths = round(exact_duration(value) * 12)
        if value.is_rest:
            closes = self._phrase.rest(value.duration)  # as grammar.encode_line's phrases do
            for memory in self._memories:
                if closes:
                    memory.close()
                else:
                    memory.heard(twelfths, None, -1)
            return []
        chord = stage.chord_at(start)
        if self._registers is not None and not self._phrase.open:  # a phrase begins
            if self._registers.limits != self._limits:  # the register knob moved it
                self._registers.limits = self._limits
            self._window = self._registers.next_window()
        if pitch is None:
            pitch = decode(value, chord, self._phrase.previous, self._rng,
                           self._phrase_limits(value, chord), anchor=self._last_pitch,
                           exact=self._exact)
        root = chord.root if chord.tones else -1
        for memory in self._memories:
            memory.heard(twelfths, pitch, root)
        self._phrase.note(pitch)
        self._last_pitch = pitch
        if self._muted:
            return []
        velocity = accented(self._settings.velocity, start, stage.feel, stage.metre,
                            stage.strong, self._rng)
        if stage.feel.timing == "learned":
            rest_follows = turn_ends or self._rest_follows(stage)
            return self._performed(start, end, pitch, velocity, stage, chord, value,
                                   rest_follows, turn_ends)
        return [self.note(start, end, pitch, self.loudness(velocity), stage, chord, value)]

    def _open_window(self) -> PitchLimits | None:
        """The open phrase's window (None: register "full", or the knob moved off it)."""
        return None if self._registers is None else open_window(self._window, self._limits)

    def _phrase_limits(self, value: Value, chord) -> PitchLimits:
        window, player = self._open_window(), getattr(self._source, "player", None)
        if window is None:  # inside the compass of the soloist the source plays as
            return PitchLimits(*compass_limits(player, self._limits.low, self._limits.high))
        return value_limits(window, self._registers.compass, self._phrase.previous, value,
                            type_table(chord))

    def _performed(self, start: Fraction, end: Fraction, pitch: int, velocity: int,
                   stage: Stage, chord, value, rest_follows: bool, turn_ends: bool) -> list[Note]:
        """The written note as a player sounds it (:mod:`improv.band.solofeel`), with any
        grace note or run around it (softer, no value), each at the part's level, so the
        knob keeps how much softer they are."""
        player = getattr(self._source, "player", None)
        bar = stage.bar_of(start)
        return [Note(a, b, self.channel, p, self.loudness(max(1, velocity - softer)), self.name,
                     chord, bar, value if written else None)
                for a, b, p, softer, written in self._feel.sounds(
                    start, end, pitch, stage.feel, stage.lead_in, self._limits,
                    getattr(player, "solo", None), rest_follows, turn_ends,
                    self._next_span(), self._next_pitch(pitch))]

    def _next_pitch(self, pitch: int) -> int | None:
        """The next note's pitch where it is known now (recalled, or an "exact" value's)."""
        if self._recall:
            return self._recall[0].pitch
        a = self._ahead  # a range of an odd width has no centre: no pitch known
        known = self._exact and a is not None and a.lo is not None and (a.lo + a.hi) % 2 == 0
        return pitch + (a.lo + a.hi) // 2 if known else None

    def _next_span(self) -> Fraction | None:
        """The written length of the note or rest drawn to follow (None: not drawn)."""
        if self._recall:
            return Fraction(self._recall[0].twelfths, 12)
        return None if self._ahead is None else exact_duration(self._ahead)
