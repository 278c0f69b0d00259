"""One interface for every part of the band, and the stage they all play on (pure).

A part is asked to fill the beats up to some point: :meth:`Part.play` returns the
timed notes it plays there on its channel, from what the :class:`Stage` says (the
chart over time, the metre, the feel, what the musician plays). Each part keeps its
own position (a long melody note or a held chord may reach past the beats asked for)
and, where it draws at random, its own seeded generator, so its notes depend only on
its seed and the stage, not on how far ahead the caller asks or on the other parts.

A new part subclasses :class:`Part` and writes one method, ``_next``: the notes of its
next event at :attr:`Part.cursor`, moving the cursor past it. Everything around a part
(the ensemble's merge, stalls, transport, hush and panic in the scheduler, files, the
synth, program changes) works by its name and channel alone.
"""

from __future__ import annotations

from fractions import Fraction

from improv.band.chart import Span, Timeline
from improv.performance.feel import Feel, swing
from improv.band.note import Note
from improv.language.harmony import Chord
from improv.language.metre import strong_beats


class Stage:
    """What every part plays against: the charts over the performance, the metre, the
    feel and, when someone listens, what the musician plays. The ensemble owns it and
    changes it only on the generating thread."""

    def __init__(self, timeline: Timeline, beats_per_bar: int, feel: Feel = Feel(),
                 listener=None):
        """``listener``: a :class:`~improv.listening.listener.Listener` (the musician's
        chords, turns and knobs), or None when the band plays on alone."""
        self.timeline = timeline
        self.metre = beats_per_bar  # beats per bar, for the whole performance
        self.strong = frozenset(Fraction(b) for b in strong_beats(beats_per_bar))
        self.feel = feel
        self.listener = listener
        self.follow = listener is not None and listener.settings.follow_chords
        # the soloists' notes per beat over the bar before a beat (the ensemble's count),
        # so an accompanying part can leave space; None where nobody counts
        self.solo_density = lambda beat: None

    @property
    def lead_in(self) -> Fraction:
        """The beat the chart starts at: 0, or the end of a count-in (whole bars)."""
        return self.timeline.lead_in

    def bar_in_chart(self, beat) -> int:
        """The 0-based bar ``beat`` falls in, counted from the chart's first (a count-in's
        bars are before it): what a part's bar patterns count in."""
        return int((beat - self.timeline.lead_in) // self.metre)

    def span_at(self, beat) -> Span:
        """The chart's chord sounding at ``beat`` (absolute), cut at a later chart."""
        return self.timeline.span_at(beat)

    def heard(self, beat) -> Chord | None:
        """The chord the musician holds at ``beat`` when the band follows it, else None."""
        return self.listener.chord_for(float(beat)) if self.follow else None

    def chord_at(self, beat) -> Chord:
        """The chord to play over at ``beat``: the musician's when following, else the chart's."""
        return self.heard(beat) or self.span_at(beat).chord

    def bar_of(self, beat) -> int:
        """The 1-based bar of the performance ``beat`` falls in (a count-in's bars are
        bars 1 to N, as a DAW's ruler counts them; the chart starts at bar N + 1)."""
        return int(beat // self.metre) + 1


class Part:
    """A voice of the band on one MIDI channel. Subclasses set :attr:`name` and write
    ``_next``; the rest has defaults a part may refine (a soloist re-enters on a new
    phrase after a skip, say)."""

    name = "part"
    trades = False  # whether it gives way when the musician takes a turn (hush)
    leads_in = False  # whether it plays before the chart (a count-in); the others start
                      # at the chart's first bar, and a take puts its notes on the track
                      # of the part whose channel it borrows
    level = 1.0  # its velocities' scale (a knob "<name>_level", 0..1; 0 silent)

    def __init__(self, channel: int, *, enabled: bool = True, program: int = 0):
        """``program``: the General MIDI program (1-128) a port or the synth should give
        its channel, 0 to leave the instrument as it is."""
        self.channel = channel
        self.enabled = enabled
        self.program = program
        self.cursor = Fraction(0)  # where its next event starts (beats, before swing)

    def join(self, stage: Stage) -> None:
        """The ensemble's stage, once, before the first call: for a part that reads it
        between calls too (a soloist whose model asks the context of each value)."""

    def play(self, until, stage: Stage) -> list[Note]:
        """Every note of this part that starts before beat ``until`` and has not been
        played yet (the last may end later)."""
        until = Fraction(until)
        notes: list[Note] = []
        while self.cursor < until:
            notes.extend(self._next(until, stage))
        return notes if self.level > 0 else []  # silent at level 0, on in time

    @property
    def ready(self) -> Fraction:
        """The beat before which every note of this part is made: its cursor, unless its
        next event may sound ahead of where it is written."""
        return self.cursor

    def _next(self, until: Fraction, stage: Stage) -> list[Note]:
        """The notes of the next event at :attr:`cursor`; moves the cursor past it."""
        raise NotImplementedError

    def note(self, start, end, pitch: int, velocity: int, stage: Stage,
             chord: Chord | None = None, value=None) -> Note:
        """A note of this part from ``start`` to ``end`` (beats, straight): swung by the
        stage's feel, on this part's channel, in the bar ``start`` falls in."""
        amount = stage.feel.swing
        return Note(swing(Fraction(start), amount), swing(Fraction(end), amount), self.channel,
                    pitch, velocity, self.name,
                    stage.chord_at(start) if chord is None else chord,
                    stage.bar_of(start), value)

    def switch(self, on: bool, ahead: Fraction) -> None:
        """Switch the part on or off (a knob); switched on, it comes in at ``ahead``, the
        furthest the band has played, so it never plays into time already gone."""
        if on and not self.enabled:
            self.cursor = max(self.cursor, ahead)
        self.enabled = on

    def skip_to(self, beat: Fraction) -> None:
        """Go on from ``beat``, making nothing before it (after a stall)."""
        self.cursor = max(self.cursor, beat)

    def jump_to(self, beat: Fraction) -> None:
        """Play on from song position ``beat``, earlier or later (a master's transport)."""
        self.cursor = beat

    def revoice(self, note: Note, stage: Stage) -> Note:
        """``note`` as it should sound now it is due (the musician may have changed chord
        since it was made); by default as made."""
        return note

    def set_level(self, level: float) -> None:
        """Its velocities times ``level`` from the next note made (0 silent, 1 as set)."""
        self.level = min(1.0, max(0.0, float(level)))

    def loudness(self, velocity: int) -> int:
        """``velocity`` at the part's level, within 1..127."""
        return max(1, min(127, round(velocity * self.level)))

    def tune(self, knob: str, value) -> None:
        """A knob the musician turned (see :mod:`improv.listening.knobs`): by default
        only ``<name>_level``, the part's level, is this part's."""
        if knob == f"{self.name}_level":
            self.set_level(value)
