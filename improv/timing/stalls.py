"""A stall: the scheduler woke up late and left notes out rather than play them late."""

from __future__ import annotations

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
