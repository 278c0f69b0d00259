"""The count-in: N bars of sticks before the chart's first bar (pure, no I/O).

``--count-in N`` (``count_in`` in config.toml) puts N bars before bar 1 of the chart:
a side stick (GM 37) on every beat, the first beat of each bar accented, each click an
eighth of a beat long, on the drums' channel (``[drums] channel``, whether the drums
play or not). The ensemble starts the chart and every other part at the end of it
(its ``lead_in``, N bars of the metre), so a file and the live stream both begin with
it; the count-in part then switches itself off, so it never holds the band's cursor
back. At a master's Start (``jump_to(0)``) it comes back on and counts in again; a
Continue from a song position past it plays none (one inside it plays the clicks left).
"""

from __future__ import annotations

import math
from fractions import Fraction

from improv.band.note import Note
from improv.band.part import Part, Stage

COUNT_IN = "count-in"  # the part's name: its notes and its track in a rendered file
MOST_BARS = 8
SIDE_STICK = 37  # General MIDI percussion: side stick (cross-stick)
CLICK = Fraction(1, 8)  # how long a click's note lasts, in beats
ACCENT = 20  # velocity added on the first beat of each bar


class CountInPart(Part):
    """Clicks on every beat up to the stage's lead-in, then nothing."""

    name = COUNT_IN
    leads_in = True

    def __init__(self, channel: int, velocity: int = 90, key: int = SIDE_STICK):
        super().__init__(channel)
        self.velocity = velocity
        self.key = key
        self._stage: Stage | None = None

    def join(self, stage: Stage) -> None:
        self._stage = stage

    def play(self, until, stage: Stage) -> list[Note]:
        """The clicks before ``until`` and the lead-in; off once the lead-in is reached."""
        lead = stage.lead_in
        notes = super().play(min(Fraction(until), lead), stage)
        if self.cursor >= lead:
            self.enabled = False
        return notes

    def _next(self, until: Fraction, stage: Stage) -> list[Note]:
        beat = self.cursor
        if beat.denominator != 1:  # after a skip to a fraction of a beat: the next beat
            self.cursor = Fraction(math.ceil(beat))
            return []
        self.cursor = beat + 1
        accent = ACCENT if beat % stage.metre == 0 else 0
        return [Note(float(beat), float(beat + CLICK), self.channel, self.key,
                     self.loudness(min(127, self.velocity + accent)), self.name,
                     stage.chord_at(beat), stage.bar_of(beat))]

    def jump_to(self, beat: Fraction) -> None:
        """A master's Start (beat 0) counts in again; a position past the count-in
        plays none."""
        super().jump_to(beat)
        self.enabled = self._stage is None or beat < self._stage.lead_in

    def switch(self, on: bool, ahead: Fraction) -> None:
        """Not a knob's: it plays before the chart and nowhere else."""
