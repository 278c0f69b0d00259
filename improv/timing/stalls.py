"""A stall: the scheduler woke up late and left notes out rather than play them late."""

from __future__ import annotations

import math
from dataclasses import dataclass

from improv.language.grammar import BEATS_PER_BAR


@dataclass(frozen=True)
class Stall:
    """The scheduler woke up ``seconds`` late (suspend, overload, a debugger): what it
    left out rather than play late. ``resumed_at`` is the beat the solo re-entered on."""

    seconds: float
    dropped_notes: int
    skipped_beats: float
    resumed_at: float | None
    beats_per_bar: int = BEATS_PER_BAR

    def describe(self) -> str:
        text = f"improv: stalled for {self.seconds:.2f} s (suspend or overload): "
        text += f"{self.dropped_notes} late note{'s' * (self.dropped_notes != 1)} left out"
        if self.resumed_at is not None:
            text += (f", {self.skipped_beats:g} beats skipped; playing on from bar "
                     f"{int(self.resumed_at // self.beats_per_bar) + 1}")
        return text


def resume_at(cursor: float, beat_now: float, late_beats: float,
              until_beat: float | None = None) -> float | None:
    """Where the music re-enters after a stall: the next beat line, when what was made
    up to ``cursor`` lies more than ``late_beats`` behind ``beat_now`` (everything before
    would be dropped as late); None while it can still catch up."""
    if cursor >= beat_now - late_beats:
        return None
    target = float(math.ceil(beat_now - 1e-6))
    if until_beat is not None:
        target = min(target, until_beat)
    return target if target > cursor else None
