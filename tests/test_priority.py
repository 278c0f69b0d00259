"""The scheduler's thread: real-time while it waits and sends, ordinary while it generates."""

import os

import numpy as np

from improv.band.chart import Progression
from improv.band.comping import Comping
from improv.performance.feel import Feel
from improv.timing.priority import SendingPriority
from improv.timing.scheduler import Scheduler

from daemon_fakes import FakeClock, FakeSource, RecordingPort, duo


class FakeSystem:
    """sched_setscheduler, recorded; refuses like an unprivileged process when asked."""

    def __init__(self, refuse=False):
        self.calls, self.refuse = [], refuse

    def __call__(self, pid, policy, param):
        if self.refuse:
            raise PermissionError(1, "Operation not permitted")
        self.calls.append((pid, policy, param.sched_priority))


def test_generating_steps_down_to_ordinary_scheduling_and_back():
    system = FakeSystem()
    priority = SendingPriority(12, set_scheduler=system)
    assert priority.take() == "SCHED_FIFO 12" and priority.realtime
    with priority:
        assert system.calls[-1] == (0, os.SCHED_OTHER, 0)
    assert system.calls == [(0, os.SCHED_FIFO, 12), (0, os.SCHED_OTHER, 0),
                            (0, os.SCHED_FIFO, 12)]
    try:  # an error in a step still gives the priority back
        with priority:
            raise KeyError("step")
    except KeyError:
        pass
    assert system.calls[-1] == (0, os.SCHED_FIFO, 12)


def test_without_privileges_nothing_changes_while_generating():
    system = FakeSystem(refuse=True)
    priority = SendingPriority(set_scheduler=system)
    assert priority.take() == "normal" and not priority.realtime
    with priority:
        pass
    assert system.calls == []


def test_every_step_runs_inside_generating_and_no_message_leaves_inside_one():
    clock = FakeClock()
    source = FakeSource(["C,0.250", "R,0.500", "C,0.333"], clock)
    band = duo(source, Progression.parse("F7 | Bb7"), np.random.default_rng(0),
               feel=Feel(swing=0.0, accent=0, humanise=0, timing="grid"),
               comping=Comping(enabled=True, style="charleston"))
    inside, steps, sent_inside = [False], [], []

    class Generating:
        def __enter__(self):
            inside[0] = True
            steps.append(len(source.asked_at))

        def __exit__(self, *exc):
            inside[0] = False

    port = RecordingPort(clock)
    scheduler = Scheduler(band, port, tempo=120, clock=clock, wait=clock.wait, start_delay=0.0,
                          observer=lambda *a: sent_inside.append(inside[0]),
                          generating=Generating())
    scheduler.run(until_beat=16)
    assert len(source.asked_at) > 40 and len(steps) >= len(source.asked_at)
    assert sent_inside and not any(sent_inside)
    assert not inside[0]
