"""How long before a due message the scheduler starts no generating step (pure).

A step (a value of the solo, a re-prime, a bar of drums or of comping) runs on the
scheduler's thread, so a message falling due meanwhile waits for it. The scheduler
therefore keeps clear, before each due message, what steps have cost lately: the
costliest recent one with a margin, decaying so an old outlier stops counting, and
never less than GENERATE_SLACK. A step longer than the late limit is a stall, which the
scheduler catches as one; it is not a cost to plan around.
"""

from __future__ import annotations

GENERATE_SLACK = 0.003  # seconds: the least time kept clear before a due message
SLACK_MARGIN = 1.5  # times the costliest recent step
SLACK_DECAY = 0.995  # per step: an old outlier counts half after 140 steps (some bars)


class StepCost:
    """The costliest recent generating step, and the slack it asks for."""

    def __init__(self, late: float):
        self._late = late  # seconds: longer than this is a stall
        self._cost = 0.0

    def spent(self, seconds: float) -> None:
        """A step took ``seconds``."""
        self._cost = max(min(seconds, self._late), self._cost * SLACK_DECAY)

    def slack(self) -> float:
        """Seconds before a due message in which no step may start."""
        return max(GENERATE_SLACK, SLACK_MARGIN * self._cost)
