"""The scheduler, driven by a fake clock and a recording port (milliseconds, no sleeping)."""

import numpy as np
import pytest

from improv.performing.comping import Comping
from improv.performing.performer import Feel, Melody
from improv.performing.performer import Performer, Progression
from improv.performing.scheduler import Scheduler

from daemon_fakes import FakeClock, FakeSource, RecordingPort, pair_notes

STRAIGHT = Feel(swing=0.0, accent=0, humanise=0)


def rig(values, *, tempo=120.0, lookahead=0.5, stop_at=None, comping=False, chart="F7 | Bb7",
        melody=Melody()):
    clock = FakeClock(stop_at=stop_at)
    source = FakeSource(values, clock)
    performer = Performer(source, Progression.parse(chart), np.random.default_rng(0),
                          feel=STRAIGHT, comping=Comping(enabled=comping), melody=melody)
    port = RecordingPort(clock)
    scheduler = Scheduler(performer, port, tempo=tempo, lookahead=lookahead, clock=clock,
                          wait=clock.wait, start_delay=0.0)
    return clock, source, port, scheduler


def onsets(port, channel=0):
    return [ms for ms, m in port.sent if m.type == "note_on" and m.channel == channel]


def test_sixteenths_land_exactly_on_the_grid():
    clock, _, port, scheduler = rig(["C,0.250"], tempo=120)
    scheduler.run(until_beat=16)
    assert onsets(port) == [125.0 * k for k in range(64)]
    pairs, left = pair_notes(port.sent)
    assert not left and all(off - on == 125.0 for on, off, _ in pairs)


def test_no_drift_after_an_hour_of_triplets():
    clock, _, port, scheduler = rig(["C,0.333"], tempo=97)
    scheduler.run(until_beat=97 * 60)
    times = onsets(port)
    assert len(times) == 97 * 60 * 3
    beat_ms = 60000 / 97
    assert times[-1] == pytest.approx((len(times) - 1) * beat_ms / 3, abs=1e-6)
    assert max(abs(t - k * beat_ms / 3) for k, t in enumerate(times)) < 1e-6


def test_values_are_generated_at_most_lookahead_before_they_sound():
    clock, source, port, scheduler = rig(["C,0.250", "R,0.500", "C,1.000", "C,0.333"],
                                         tempo=150, lookahead=0.75)
    scheduler.run(until_beat=32)
    beat_ms = 400.0
    # onset (in beats) of each generated value, in order
    starts, position = [], 0.0
    for _ in source.asked_at:
        starts.append(position)
        position += [0.25, 0.5, 1.0, 1 / 3][len(starts) % 4 - 1]
    for asked, start in zip(source.asked_at, starts):
        lead = start - asked * 1000 / beat_ms
        assert -1e-9 <= lead <= 0.75 + 1e-9


def test_waits_are_blocking_and_few():
    clock, _, port, scheduler = rig(["C,0.500"], tempo=120, comping=True)
    scheduler.run(until_beat=64)
    assert all(w > 0 for w in clock.waits)
    assert len(clock.waits) <= len(port.sent) + 2 * 64  # one wait per event or generation


def test_tempo_change_takes_effect_within_a_beat():
    clock, _, port, scheduler = rig(["C,0.250"], tempo=120, lookahead=0.5)
    changed = []

    def wait(timeout):
        if clock.now >= 2.0 and not changed:  # 4 beats in at 120 BPM
            scheduler.set_tempo(240)  # wakes the real wait at once: no time passes here
            changed.append(clock.now)
            return False
        return FakeClock.wait(clock, timeout)

    scheduler._wait = wait
    scheduler.run(until_beat=16)
    times = onsets(port)
    gaps = [b - a for a, b in zip(times, times[1:])]
    at = next(i for i, t in enumerate(times) if t >= changed[0] * 1000)
    assert all(g == pytest.approx(125) for g in gaps[:at - 1])
    assert all(g == pytest.approx(62.5) for g in gaps[at + 1:])


def test_stop_mid_note_switches_off_every_note_then_all_notes_off():
    clock, _, port, scheduler = rig(["C,2.000"], tempo=120, stop_at=1.3, comping=True)
    scheduler.run()
    pairs, left = pair_notes(port.sent)
    assert not left
    tail = port.sent[-2:]
    assert [(m.type, m.control, m.channel) for _, m in tail] == \
        [("control_change", 123, 0), ("control_change", 123, 1)]
    assert all(ms == 1300.0 for ms, _ in port.sent[-7:])  # 1 melody + 4 chord offs + 2 CC


def test_stop_from_the_stop_event_wakes_the_real_wait():
    clock, _, port, scheduler = rig(["C,8.000"], tempo=20)
    scheduler._wait = scheduler._event_wait
    scheduler.stop()
    scheduler.run()
    assert port.sent == []


def test_an_error_in_the_source_still_silences_everything():
    clock = FakeClock()

    class Boom(FakeSource):
        def next_value(self):
            if len(self.asked_at) == 5:
                raise RuntimeError("model exploded")
            return super().next_value()

    performer = Performer(Boom(["C,1.000"], clock), Progression.parse("F7"),
                          np.random.default_rng(0), feel=STRAIGHT)
    port = RecordingPort(clock)
    scheduler = Scheduler(performer, port, tempo=120, clock=clock, wait=clock.wait,
                          start_delay=0.0)
    with pytest.raises(RuntimeError, match="exploded"):
        scheduler.run()
    _, left = pair_notes(port.sent)
    assert not left and port.sent[-1][1].control == 123


def test_repeated_pitch_is_switched_off_before_it_is_struck_again():
    # Over C, a register of one pitch leaves a single chord tone: every note is C4.
    clock, _, port, scheduler = rig(["C,0.500"], tempo=120, chart="C",
                                    melody=Melody(low=60, high=60))
    scheduler.run(until_beat=4)
    sent = [(ms, m.type, m.note) for ms, m in port.sent if m.type in ("note_on", "note_off")]
    assert {note for _, _, note in sent} == {60}
    inner = [(ms, kind) for ms, kind, _ in sent if 0 < ms < 2000]
    assert inner == [(250.0 * k, kind) for k in range(1, 8) for kind in ("note_off", "note_on")]


def test_chords_are_on_time_during_long_melody_notes_and_rests():
    clock, _, port, scheduler = rig(["C,0.500", "R,8.000", "C,8.000"], tempo=120,
                                    comping=True, chart="F7 | Bb7 | C7 Bb7")
    seen = []
    scheduler._observer = lambda kind, note, due, sent: seen.append((kind, note.part, due, sent))
    scheduler.run(until_beat=48)
    chords = [(due, sent) for kind, part, due, sent in seen if part == "comping" and kind == "on"]
    # Four-note voicings, charleston rhythm: per pass of the chart F7 and Bb7 are struck
    # twice (on one and on the and of two), C7 twice in its half bar, the last Bb7 once.
    assert len(chords) == 4 * 7 * 4
    assert all(sent == due for due, sent in chords)


def test_observer_sees_due_and_sent_times():
    clock, _, port, scheduler = rig(["C,0.250"], tempo=240)
    seen = []
    scheduler._observer = lambda kind, note, due, sent: seen.append((kind, due, sent))
    scheduler.run(until_beat=4)
    assert len(seen) == 32 and all(sent - due == 0 for _, due, sent in seen)
