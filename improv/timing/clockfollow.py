"""Following MIDI beat clock: tempo and beat phase from jittery 0xF8 ticks (pure, no I/O).

A master sends 24 ticks per quarter note; each reaches us with a millisecond or more of
jitter (USB, the OS, the DAW's own scheduler). Taking the tempo from the last tick
interval (:class:`NaiveFollower`, the baseline) passes that jitter on to every note.

:class:`ClockFollower` fits a straight line, tick number against arrival time, through
the ticks of the last beat (least squares over a sliding window of 24). Why this and not
a delay-locked loop: the line's error from jitter shrinks as 1/sqrt(24) and its
extrapolation one tick ahead stays well under a millisecond at ±1 ms of jitter; a step
in tempo has left the window entirely after exactly one beat, so the grid is right
again within a beat with no loop gains to tune; and a ramp bends the line only a little
over one beat. A second-order DLL (F. Adriaensen, "Using a DLL to filter time", 2005)
smooths as well, but its bandwidth trades jitter against settling time and at the
smoothing wanted here it needs several beats to settle after a step.

Times are seconds on any monotonic clock; whoever owns a follower feeds and reads it
(the MIDI input thread feeds, the scheduler reads, under the owner's lock).
"""

from __future__ import annotations

from dataclasses import dataclass

TICKS_PER_BEAT = 24
WINDOW = TICKS_PER_BEAT  # ticks in the fit: one beat
GAP = 4.0  # a tick later than this many periods starts a new fit (the stream paused)...
GAP_FLOOR = 0.3  # ...and than this many seconds (a slow master's ticks are far apart)
MIN_FIT = 6  # ticks before the period is fitted: a few ticks delivered in one burst
             # (a large audio period) say nothing of the tempo


@dataclass(frozen=True)
class ClockState:
    """The beat grid as the follower sees it: tick ``tick`` falls at ``tick_time`` and
    ticks come every ``period`` seconds."""

    tick: float
    tick_time: float
    period: float

    @property
    def tempo(self) -> float:
        return 60.0 / (self.period * TICKS_PER_BEAT)

    def beat_at(self, t: float) -> float:
        return (self.tick + (t - self.tick_time) / self.period) / TICKS_PER_BEAT

    def time_of(self, beat: float) -> float:
        return self.tick_time + (beat * TICKS_PER_BEAT - self.tick) * self.period


class ClockFollower:
    """``start(beat)`` when the master starts or continues (the first tick after it is
    at ``beat``), then ``tick(t)`` for every 0xF8 received at time ``t``."""

    def __init__(self, window: int = WINDOW, period: float | None = None):
        """``period``: seconds per tick to assume until two ticks have given one (the
        configured tempo), so the first tick after a Start is already a grid."""
        self._guess = period
        self._window = window
        self._ticks = [0.0] * window  # tick numbers and times, a ring of the last ``window``
        self._times = [0.0] * window
        self._filled = 0
        self._next = 0
        self._count = -1.0
        self._last: float | None = None  # arrival of the latest tick
        self.state: ClockState | None = None

    def start(self, beat: float = 0.0) -> None:
        self._count = beat * TICKS_PER_BEAT - 1
        self._filled = 0
        self._next = 0
        # the tempo is kept across a stop, so a continue plays on at once
        if self.state is not None:
            self.state = ClockState(self._count + 1, self.state.tick_time, self.state.period)

    def tick(self, t: float) -> ClockState | None:
        """Take one tick received at ``t``; the grid as it now stands (None until two
        ticks have given a period)."""
        self._count += 1
        if (self._filled and self.state is not None
                and t - self._last > max(GAP * self.state.period, GAP_FLOOR)):
            self._filled = 0  # the stream paused: what came before says nothing of now
        self._last = t
        k = self._next
        self._ticks[k], self._times[k] = self._count, t
        self._next = (k + 1) % self._window
        self._filled = min(self._filled + 1, self._window)
        if self._filled < MIN_FIT:
            period = self.state.period if self.state is not None else self._guess
            if period:  # keep the tempo we had (or guessed); anchor the phase on the ticks
                self.state = self._anchor(period)
            return self.state
        self.state = self._fit()
        return self.state

    @property
    def settled(self) -> bool:
        """Whether the tempo comes from a full beat of ticks (not a guess or a few)."""
        return self._filled >= self._window

    def _anchor(self, period: float) -> ClockState:
        """The window's ticks at a known period: anchored at their mean."""
        idx = [(self._next - 1 - j) % self._window for j in range(self._filled)]
        mean_k = sum(self._ticks[i] for i in idx) / len(idx)
        mean_t = sum(self._times[i] for i in idx) / len(idx)
        return ClockState(mean_k, mean_t, period)

    def _fit(self) -> ClockState:
        """Least squares line time = a + period * tick over the window; anchored at the
        window's mean tick, where the fit is most certain."""
        n = self._filled
        idx = [(self._next - 1 - j) % self._window for j in range(n)]
        mean_k = sum(self._ticks[i] for i in idx) / n
        mean_t = sum(self._times[i] for i in idx) / n
        sxx = sxy = 0.0
        for i in idx:
            dk = self._ticks[i] - mean_k
            sxx += dk * dk
            sxy += dk * (self._times[i] - mean_t)
        return ClockState(mean_k, mean_t, max(sxy / sxx, 1e-4))


class NaiveFollower(ClockFollower):
    """The baseline: the tempo from the last tick interval, the phase from the last tick."""

    def tick(self, t: float) -> ClockState | None:
        self._count += 1
        previous, self._last = (self._last if self._filled else None), t
        self._filled = 1
        if previous is not None and t > previous:
            self.state = ClockState(self._count, t, t - previous)
        elif self.state is not None or self._guess:  # first tick after a start
            period = self.state.period if self.state is not None else self._guess
            self.state = ClockState(self._count, t, period)
        return self.state

    @property
    def settled(self) -> bool:
        return self.state is not None
