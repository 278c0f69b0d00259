"""Playing to a master: its MIDI clock and transport, turned into a beat grid.

The MIDI input thread hands every clock, Start, Continue, Stop and Song Position
Pointer to :meth:`FollowedClock.handle` (arithmetic under a lock, then a wake-up); the
scheduler takes the transport events in order and reads the grid each time it wakes.

* **Start**: the solo starts over at bar 1, beat 1 of the chart, on the first tick.
* **Stop**: every sounding note is switched off at once; the solo waits.
* **Continue**: the solo goes on from where the master stopped (the ticks counted),
  or from a **Song Position Pointer** sent while stopped, in the right bar of the chart
  with its chord. A Continue while running, or an SPP while running, is ignored (the
  MIDI specification sends SPP while stopped).
* A clock that stops arriving for ``CLOCK_TIMEOUT`` seconds while running counts as a
  Stop; so does a Start with no clock after it, and a master whose tempo (once a
  beat of ticks has fixed it) leaves 20-400 BPM. Each waits for Start or Continue. Ticks that come without a Start are ignored: many
  masters send clock all the time and Start when their transport rolls.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from improv.midi.messages import CLOCK, CONTINUE, SONG_POSITION, START, STOP
from improv.settings import setting, validate
from improv.timing.clockfollow import (
    TICKS_PER_BEAT,
    ClockFollower,
    ClockState,
    NaiveFollower,
)
from improv.timing.tempo import MAX_TEMPO, MIN_TEMPO

MODES = ("internal", "clock")
FOLLOWERS = {"fit": ClockFollower, "naive": NaiveFollower}
CLOCK_TIMEOUT = 0.5  # seconds without a tick that end a running transport


@dataclass(frozen=True)
class SyncSettings:
    """The ``[sync]`` table: whose clock the solo follows, and whether to send ours."""

    mode: str = setting("internal", choices=MODES)
    clock_out: bool = setting(False)
    follower: str = setting("fit", choices=tuple(FOLLOWERS))  # "naive": for comparison

    def __post_init__(self):
        validate(self)


class FollowedClock:
    """A master's transport and beat grid. ``handle`` runs on the input thread; the
    scheduler calls ``take_events`` and ``grid``."""

    def __init__(self, tempo_guess: float = 120.0, follower: str = "fit",
                 wake: Callable[[], None] = lambda: None,
                 clock: Callable[[], float] = time.monotonic,
                 timeout: float = CLOCK_TIMEOUT):
        self._follower = FOLLOWERS[follower](period=60.0 / (tempo_guess * TICKS_PER_BEAT))
        self.wake = wake  # called after each message: the scheduler re-plans at once
        self._clock = clock
        self._timeout = timeout
        self._lock = threading.Lock()
        self._events: deque = deque()
        self._position = 0.0  # beats: where a Continue picks up
        self._start_beat = 0.0
        self._started = 0.0
        self._ticks_since = 0
        self._last_tick: float | None = None
        self.running = False
        self.waiting = "waiting for Start"
        self.ticks = 0

    def handle(self, status: int, data, t: float) -> None:
        with self._lock:
            if status == CLOCK:
                if self.running:
                    self._follower.tick(t)
                    self._last_tick = t
                    self._ticks_since += 1
                    self.ticks += 1
            elif status == START:
                self._begin(0.0, t)
            elif status == CONTINUE and not self.running:
                self._begin(self._position, t)
            elif status == STOP:
                self._end("stopped by the master")
            elif status == SONG_POSITION and len(data) >= 2 and not self.running:
                self._position = (data[0] | data[1] << 7) / 4.0  # sixteenths to beats
        self.wake()

    def _begin(self, beat: float, t: float) -> None:
        self._follower.start(beat)
        self._last_tick = None
        self._started = t
        self._ticks_since = 0
        self._start_beat = beat
        self.running = True
        self.waiting = ""
        self._events.append(("start", beat))

    def _end(self, why: str) -> None:
        if self.running:
            self.running = False
            # where a Continue picks up, unless a Song Position Pointer says otherwise
            self._position = self._start_beat + self._ticks_since / TICKS_PER_BEAT
            self.waiting = f"{why}: waiting for Start or Continue"
            self._events.append(("stop", why))

    def stop(self, why: str) -> None:
        """Stop as if the master had (its MIDI system went away, say)."""
        with self._lock:
            self._end(why)

    def take_events(self) -> list:
        with self._lock:
            events = list(self._events)
            self._events.clear()
        return events

    def grid(self, now: float) -> ClockState | None:
        """The grid to play on now, or None (stopped, or no tick since the Start yet).
        A clock silent for longer than the timeout is taken as a Stop here."""
        with self._lock:
            if not self.running:
                return None
            last = self._last_tick
            if now - (self._started if last is None else last) > self._timeout:
                self._end("no clock after the Start" if last is None
                          else "the clock stopped arriving")
                return None
            state = self._follower.state if last is not None else None
            if (state is not None and self._follower.settled
                    and not MIN_TEMPO <= state.tempo <= MAX_TEMPO):
                self._end(f"the master's tempo, {state.tempo:.0f} BPM, is outside "
                          f"{MIN_TEMPO:g}-{MAX_TEMPO:g}; stopped until its next Start")
                return None
            return state
