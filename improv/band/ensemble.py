"""The ensemble: every part asked in turn, one merged stream of notes (pure, no I/O).

The scheduler, a file render and the synth all take their notes from here, and act
through here on every part alike: a stall skips each part to the same beat, a master's
Start or Continue moves each to the song position, a knob named after a part switches
it on or off, and a chart changed live reaches every part at the same bar line. With a
``lead_in`` (a count-in's bars), the chart and every part but the count-in start there,
at every Start too. Which parts there are is the caller's choice
(:func:`improv.commands.band.ensemble_from` builds the configured ones); nothing here
or downstream names a part.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import replace
from fractions import Fraction
from typing import Sequence

from improv.band.chart import Progression, Span, Timeline
from improv.performance.feel import Feel
from improv.band.note import Note
from improv.band.part import Part, Stage
from improv.errors import UsageError


class Ensemble:
    """Parts playing together over one timeline. ``advance(until)`` returns every note,
    of every part that is on, starting before beat ``until`` that has not been returned
    yet, in start order."""

    def __init__(self, parts: Sequence[Part], progression: Progression, *,
                 feel: Feel = Feel(), listener=None, lead_in=0):
        """``listener``: a :class:`~improv.listening.listener.Listener` (the musician's
        chords, turns and knobs), or None to play on alone. ``lead_in``: the beat the
        chart starts at (a count-in's whole bars; the parts that lead in, the count-in,
        play before it, the others from it)."""
        names = [part.name for part in parts]
        if not parts or len(set(names)) != len(names):
            raise UsageError(f"an ensemble needs parts with different names, not {names}")
        self.parts = tuple(parts)
        self._by_name = {part.name: part for part in self.parts}
        self._listener = listener
        self._requests: deque[Progression] = deque()
        self._reached = Fraction(0)  # the furthest beat asked for (when every part is off)
        self._solo: deque[float] = deque(maxlen=256)  # the soloists' latest onsets
        lead_in = Fraction(lead_in)
        if lead_in < 0 or lead_in % progression.beats_per_bar:
            raise UsageError(f"a lead-in of {lead_in} beats is not whole bars of "
                             f"{progression.beats_per_bar}")
        self.stage = Stage(Timeline(progression, lead_in), progression.beats_per_bar, feel,
                           listener)
        self.stage.solo_density = self._density
        for part in self.parts:
            part.join(self.stage)
        if lead_in:
            for part in self.parts:
                if not part.leads_in:
                    part.skip_to(lead_in)

    def part(self, name: str) -> Part:
        return self._by_name[name]

    @property
    def trading(self) -> frozenset[str]:
        """The parts that give way when the musician takes a turn."""
        return frozenset(p.name for p in self.parts if p.trades)

    @property
    def cursor(self) -> float:
        """Beat up to which every part that plays has made its notes (before swing): the
        earliest of their :attr:`Part.ready`, so a scheduler that generates when the
        cursor comes near never lets one part wait for the end of another's long note or
        rest, nor a melody's note pushed ahead of its written place come late, whatever
        the lookahead."""
        earliest = None  # asked several times per scheduler round: no list built
        for part in self.parts:
            if part.enabled:
                ready = part.ready
                if earliest is None or ready < earliest:
                    earliest = ready
        return float(self._reached if earliest is None else earliest)

    @property
    def beats_per_bar(self) -> int:
        return self.stage.metre

    @property
    def lead_in(self) -> Fraction:
        """The beat the chart starts at: 0, or the end of the count-in."""
        return self.stage.lead_in

    def _ahead(self) -> Fraction:
        return max(p.cursor for p in self.parts)

    def _floor(self) -> Fraction:
        return min(p.cursor for p in self.parts)

    # --- the chart and the feel --------------------------------------------------------

    def set_progression(self, progression: Progression) -> None:
        """Play ``progression``, from its first bar, from the next bar line not yet generated.

        Safe to call from another thread: the request is queued (an atomic deque append)
        and taken up by the next :meth:`advance`, on the thread that generates, so no note
        already handed out changes. The metre stays the performance's: a progression in
        another one is a UsageError here, in the caller's thread.
        """
        metre = self.stage.metre
        if progression.beats_per_bar != metre:
            raise UsageError(f"a progression in {progression.beats_per_bar}/4 cannot take "
                             f"over a performance in {metre}/4: restart to change metre")
        self._requests.append(progression)

    def _take_requests(self) -> None:
        while self._requests:
            self.stage.timeline.change(self._requests.popleft(), self._ahead(), self._floor())

    def set_feel(self, feel: Feel) -> None:
        """Swing, accents and humanising for the notes generated from now on."""
        self.stage.feel = feel

    def span_at(self, beat) -> Span:
        """The chart's chord sounding at ``beat`` (absolute), cut at the start of a later chart."""
        return self.stage.span_at(beat)

    def section_at(self, beat) -> str:
        """The chart's section at ``beat`` ("" when it names none)."""
        return self.stage.timeline.section_at(beat)

    def section_opens_at(self, beat) -> bool:
        """Whether a section of the chart starts in the bar at ``beat``."""
        return self.stage.timeline.section_opens_at(beat)

    # --- position ------------------------------------------------------------------------

    def skip_to(self, beat) -> None:
        """Go on from ``beat``, making nothing for the time before it (after a stall the
        scheduler would only drop it): every part re-enters there. Call it on the
        generating thread."""
        beat = Fraction(beat).limit_denominator(12)
        self._reached = max(self._reached, beat)
        for part in self.parts:
            part.skip_to(beat)

    def jump_to(self, beat) -> None:
        """Play on from song position ``beat``, earlier or later than now (a master's
        Start is beat 0, Continue its Song Position Pointer). The chart in force now is
        played from its first bar at beat 0 (after the count-in, if any: a Start plays
        the count-in again, a position past it none), so ``beat`` falls in the right bar."""
        if self._requests:
            self._take_requests()
        beat = Fraction(beat).limit_denominator(12)
        listener = self._listener
        if listener is not None:
            listener.restart(float(beat))
            if listener.turns is not None:
                listener.turns.reset()  # beats start over: calls before belong to another count
        self.stage.timeline.restart()
        self._reached = beat
        chart = max(beat, self.stage.lead_in)
        for part in self.parts:
            part.jump_to(beat if part.leads_in else chart)

    def resume_at_next_bar(self) -> float:
        """Skip to the next bar line not yet generated and return it: where playing
        resumes after the port was lost and found again."""
        metre = self.stage.metre
        bar = Fraction(math.ceil(max(self._ahead(), self._reached) / metre) * metre)
        self.skip_to(bar)
        return float(bar)

    # --- playing -------------------------------------------------------------------------

    def revoice(self, note: Note) -> Note:
        """``note`` as it should sound now (called by the scheduler as it sends the
        note_on): its part may play it over the chord the musician has changed to."""
        part = self._by_name.get(note.part)
        return note if part is None else part.revoice(note, self.stage)

    def _apply_knobs(self) -> None:
        """What the musician turned since the last call: swing is the band's feel, a knob
        named after a part switches it on or off, any other goes to every part."""
        for name, value in self._listener.knobs.take():
            if name == "swing":
                self.stage.feel = replace(self.stage.feel, swing=value)
            elif name in self._by_name:
                playing = [p.cursor for p in self.parts if p.enabled and p.name != name]
                self._by_name[name].switch(bool(value), max(playing, default=self._reached))
            else:
                for part in self.parts:
                    part.tune(name, value)

    def _density(self, beat) -> float:
        """The soloists' notes per beat over the bar before ``beat`` (improv's and, when
        someone listens, the musician's): how much space an accompanying part should
        leave, and where a phrase ended."""
        metre, beat = self.stage.metre, float(beat)
        count = sum(1 for t in self._solo if beat - metre <= t < beat)
        if self._listener is not None:  # copied at once: the input thread appends to it
            count += sum(1 for t in tuple(self._listener.onsets) if beat - metre <= t < beat)
        return count / metre

    def advance(self, until: float, *, one: bool = False) -> list[Note]:
        """``one``: stop after the first part that moved on (in the parts' order), so a
        caller that generates just ahead of need gets one part's event a call, not a
        bar of every part at once, and can send what falls due in between."""
        until = Fraction(until)
        if self._requests:
            self._take_requests()
        if self._listener is not None:
            self._apply_knobs()
        notes: list[Note] = []
        for part in self.parts:
            if part.enabled:
                before = part.cursor
                played = part.play(until, self.stage)
                if part.trades:
                    self._solo.extend(n.start for n in played)
                notes.extend(played)
                if one and part.cursor != before:
                    break
        self._reached = max(self._reached, until)
        notes.sort(key=lambda n: (n.start, n.part, n.pitch))
        return notes

    def advance_one(self, until: float) -> list[Note]:
        """:meth:`advance` a part at a time (what the scheduler asks)."""
        return self.advance(until, one=True)
