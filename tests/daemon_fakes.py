"""Fakes shared by the daemon's tests: a value source, a clock and a recording port, and
the soloist-and-comping band most tests play."""

from __future__ import annotations

import itertools

from improv.band.comping import Comping, CompingPart
from improv.band.ensemble import Ensemble
from improv.performance.feel import Feel
from improv.band.melody import MelodyPart
from improv.band.melodysettings import Melody
from improv.language.grammar import parse_value


def run_with(source, at: float, action, *, stop_at: float = 3.0, tempo: float = 60.0):
    """Play ``source`` (an ensemble) on a fake clock to ``stop_at`` seconds, calling
    ``action(scheduler)`` at ``at`` seconds (a hush, a panic); what the port got."""
    from improv.timing.scheduler import Scheduler

    clock = FakeClock(stop_at=stop_at)
    port = RecordingPort(clock)
    done = []

    def wait(timeout):
        if clock.now + timeout >= at and not done:
            clock.now = at
            done.append(1)
            action(scheduler)
            return False
        return clock.wait(timeout)

    scheduler = Scheduler(source, port, tempo=tempo, lookahead=0.5, clock=clock, wait=wait,
                          start_delay=0.0)
    scheduler.run()
    return port.sent


def one_line_error(capsys, argv, expect: str) -> str:
    """Run the command line: exit 2 and one line on stderr holding ``expect``."""
    from improv.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expect in err[0] and "Traceback" not in err[0], err
    return err[0]


def duo(source, progression, rng, *, melody: Melody = Melody(), comping: Comping = Comping(style="charleston"),
        feel: Feel = Feel(timing="grid"), listener=None) -> Ensemble:
    """The melody (from ``source``, drawing on ``rng``) and the comping over ``progression``."""
    return Ensemble([MelodyPart(source, rng, melody), CompingPart(comping)], progression,
                    feel=feel, listener=listener)


class FakeSource:
    """Hands out the given values in a loop, noting when each was asked for."""

    def __init__(self, values, clock=None):
        self._values = itertools.cycle([parse_value(v) if isinstance(v, str) else v
                                        for v in values])
        self._clock = clock
        self.asked_at: list[float] = []

    def next_value(self):
        if self._clock is not None:
            self.asked_at.append(self._clock())
        return next(self._values)


class FakeClock:
    """A clock that only moves when the scheduler waits; ``stop_at`` ends the wait loop."""

    def __init__(self, stop_at: float | None = None):
        self.now = 0.0
        self.stop_at = stop_at
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        if self.stop_at is not None and self.now + timeout >= self.stop_at:
            self.now = self.stop_at
            return True
        self.now += timeout
        return False


class RecordingPort:
    """Records ``(time in ms, message)`` for each message sent."""

    def __init__(self, clock):
        self._clock = clock
        self.sent: list[tuple[float, object]] = []
        self.closed = False

    def send(self, message) -> None:
        self.sent.append((round(self._clock() * 1000, 6), message))

    def close(self) -> None:
        self.closed = True


def pair_notes(sent):
    """Match note_ons to note_offs per (channel, note); returns (on_ms, off_ms, msg) and
    the list of note_ons left unmatched."""
    open_notes: dict = {}
    pairs = []
    for ms, msg in sent:
        key = (getattr(msg, "channel", None), getattr(msg, "note", None))
        if msg.type == "note_on" and msg.velocity > 0:
            open_notes.setdefault(key, []).append((ms, msg))
        elif msg.type == "note_off" or (msg.type == "note_on" and msg.velocity == 0):
            if open_notes.get(key):
                on_ms, on = open_notes[key].pop(0)
                pairs.append((on_ms, ms, on))
    left = [on for stack in open_notes.values() for on in stack]
    return pairs, left


class Master:
    """Plays the DAW: a timeline of (time, status, data) it hands to the follower as the
    fake clock passes each one; every message wakes the scheduler, as real ticks do."""

    def __init__(self):
        self.events = []

    def clock(self, start, beats, tempo=120.0):
        from improv.timing.sync import CLOCK

        period = 60.0 / (tempo * 24)
        self.events += [(start + k * period, CLOCK, []) for k in range(int(beats * 24))]
        return start + int(beats * 24) * period

    def send(self, t, status, data=()):
        self.events.append((t, status, list(data)))


def following(master, end):
    """(fake clock, followed clock, the scheduler's wait) for ``master``'s timeline, up
    to ``end`` seconds."""
    from improv.timing.sync import FollowedClock

    clock = FakeClock()
    events = sorted(master.events, key=lambda e: e[0])
    sync = FollowedClock(tempo_guess=120.0, clock=clock)

    def wait(timeout):
        target = min(clock.now + timeout, end)
        while events and events[0][0] <= target:
            t, status, data = events.pop(0)
            clock.now = max(clock.now, t)
            sync.handle(status, data, t)
            return False  # a message wakes the scheduler
        clock.now = target
        return clock.now >= end

    return clock, sync, wait
