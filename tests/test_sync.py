"""Following a master's clock and transport, on a fake clock (milliseconds, no sleeping)."""

import numpy as np
import pytest

from improv.band.comping import Comping, voicing
from improv.performance.feel import Feel
from improv.band.chart import Progression
from improv.timing.scheduler import Scheduler
from improv.timing.sync import (
    CLOCK,
    CONTINUE,
    SONG_POSITION,
    START,
    STOP,
)

from daemon_fakes import FakeClock, FakeSource, Master, RecordingPort, duo, following, pair_notes

STRAIGHT = Feel(swing=0.0, accent=0, humanise=0, timing="grid")
CHART = "F7 | Bb7 | C7 | F7 | G7 | F7"


def rig(master, *, chart=CHART, comping=True, end=20.0, feel=STRAIGHT):
    clock, sync, wait = following(master, end)
    performer = duo(FakeSource(["C,0.250", "C,0.500"]), Progression.parse(chart),
                          np.random.default_rng(0), feel=feel,
                          comping=Comping(enabled=comping, style="sustain"))
    port = RecordingPort(clock)
    played = []
    scheduler = Scheduler(performer, port, tempo=120, clock=clock, wait=wait, start_delay=0,
                          sync=sync, observer=lambda kind, note, due, sent: played.append(
                              (kind, note, sent)))
    return scheduler, port, played, sync


def ons(port, channel=0):
    return [ms for ms, m in port.sent if m.type == "note_on" and m.channel == channel]


def test_nothing_plays_before_start_even_with_the_clock_running():
    master = Master()
    master.clock(0.0, 8)
    scheduler, port, _, sync = rig(master, end=5.0)
    scheduler.run()
    assert port.sent == [] and "waiting for Start" in sync.waiting


def test_notes_land_on_the_masters_grid_from_bar_one():
    master = Master()
    master.send(1.0, START)
    master.clock(1.0, 16)
    scheduler, port, played, _ = rig(master, end=9.0)
    scheduler.run()
    melody = ons(port)
    assert melody[0] == pytest.approx(1000.0)
    assert all(abs((ms - 1000.0) / 125.0 - round((ms - 1000.0) / 125.0)) < 1e-6 for ms in melody)
    assert str(next(n.chord for k, n, _ in played if k == "on")) == "F7"


def test_stop_switches_everything_off_at_once_and_the_solo_waits():
    master = Master()
    master.send(0.0, START)
    end = master.clock(0.0, 5.3)
    master.send(end, STOP)
    master.clock(end + 0.01, 4)  # the clock may keep running while stopped
    scheduler, port, _, sync = rig(master, end=6.0)
    scheduler.run()
    stop_ms = end * 1000
    assert not pair_notes([(ms, m) for ms, m in port.sent if ms <= stop_ms])[1]
    assert all(m.type != "note_on" for ms, m in port.sent if ms > stop_ms)
    assert "stopped by the master" in sync.waiting


def stop_and_continue_at(sixteenths: int) -> tuple[Master, float]:
    """A master that plays 2 s, stops, moves the song position to ``sixteenths`` and
    continues for 4 s; and when it stopped."""
    master = Master()
    master.send(0.0, START)
    end = master.clock(0.0, 2)
    master.send(end, STOP)
    master.send(end + 0.5, SONG_POSITION, [sixteenths & 0x7F, sixteenths >> 7])
    master.send(end + 0.6, CONTINUE)
    master.clock(end + 0.6, 4)
    return master, end


def test_song_position_and_continue_resume_in_the_right_bar():
    master, end = stop_and_continue_at(64)  # 64 sixteenths: bar 5
    scheduler, port, played, _ = rig(master, end=6.0)
    scheduler.run()
    after = [(n, t) for k, n, t in played if k == "on" and t > end + 0.55]
    first_chord = next(n for n, _ in after if n.part == "comping")
    assert str(first_chord.chord) == "G7"
    assert first_chord.start == pytest.approx(16.0)
    pitches = {n.pitch for n, t in after if n.part == "comping" and n.start == 16.0}
    assert pitches == set(voicing(first_chord.chord, 50))


def test_a_learned_solo_resumes_off_the_beat_where_the_master_says_and_no_stall():
    """With the players' time feel a note may sound up to EARLIEST ahead of its place,
    but none before where the music comes in again: a Continue half a beat into a bar
    resumes there, on time, with no stall and no skip to the next beat."""
    master, end = stop_and_continue_at(66)  # 66 sixteenths: beat 16.5
    learned = Feel(swing=0.5, accent=0, humanise=0, timing="learned")
    scheduler, port, played, _ = rig(master, end=6.0, comping=False, feel=learned)
    scheduler.run()
    assert not scheduler.stalls
    after = [n for k, n, t in played if k == "on" and t > end + 0.55]
    assert after and min(n.start for n in after) >= 16.5
    assert min(n.start for n in after) < 16.75  # from the song position, not the next beat


def test_a_clock_that_stops_arriving_counts_as_stop():
    master = Master()
    master.send(0.0, START)
    last = master.clock(0.0, 3.1)
    scheduler, port, _, sync = rig(master, end=last + 2.0)
    scheduler.run()
    assert not pair_notes([(ms, m) for ms, m in port.sent if ms <= (last + 0.6) * 1000])[1]
    assert all(m.type != "note_on" for ms, m in port.sent if ms > (last + 0.6) * 1000)
    assert "the clock stopped arriving" in sync.waiting


def test_clock_out_sends_start_ticks_on_time_and_stop():
    clock = FakeClock(stop_at=2.0)
    performer = duo(FakeSource(["C,0.500"]), Progression.parse("F7"),
                          np.random.default_rng(0), feel=STRAIGHT, comping=Comping(enabled=False))
    port = RecordingPort(clock)
    Scheduler(performer, port, tempo=120, clock=clock, wait=clock.wait, start_delay=0.0,
              clock_out=True).run()
    kinds = [m.type for _, m in port.sent]
    assert kinds[0] == "start" and kinds[-1] == "stop"
    ticks = [ms for ms, m in port.sent if m.type == "clock"]
    assert ticks[:3] == pytest.approx([0.0, 500 / 24, 1000 / 24])
    assert len(ticks) == 4 * 24 + 1 or len(ticks) == 4 * 24


@pytest.mark.parametrize("tempo", [10.0, 450.0])
def test_a_master_outside_the_tempo_range_stops_the_solo_and_says_why(tempo):
    master = Master()
    master.send(0.0, START)
    master.clock(0.0, 8, tempo=tempo)
    scheduler, port, _, sync = rig(master, end=60.0 / tempo * 8 + 1)
    scheduler.run()
    assert not pair_notes(port.sent)[1]
    assert "outside 20-400" in sync.waiting and not sync.running


def test_song_position_beyond_the_chart_wraps_round_it():
    master = Master()
    master.send(0.0, SONG_POSITION, [(6 * 16) & 0x7F, (6 * 16) >> 7])  # bar 7 of 6
    master.send(0.01, CONTINUE)
    master.clock(0.01, 2)
    scheduler, port, played, _ = rig(master, end=2.0)
    scheduler.run()
    first = next(n for k, n, _ in played if k == "on" and n.part == "comping")
    assert first.start == 24.0 and str(first.chord) == "F7"  # bar 7 is bar 1 again


def test_continue_without_a_song_position_goes_on_where_the_master_stopped():
    master = Master()
    master.send(0.0, START)
    end = master.clock(0.0, 9)  # stopped at beat 9: bar 3
    master.send(end, STOP)
    master.send(end + 0.5, CONTINUE)
    master.clock(end + 0.5, 3)
    scheduler, port, played, _ = rig(master, end=end + 2.5)
    scheduler.run()
    after = [n for k, n, t in played if k == "on" and t > end + 0.45]
    assert min(n.start for n in after) == 9.0
    assert str(after[0].chord) == "C7"


def test_continue_while_running_changes_nothing():
    master = Master()
    master.send(0.0, START)
    master.clock(0.0, 2)
    master.send(0.5, CONTINUE)
    master.clock(1.0, 2)  # the clock goes on from beat 2
    scheduler, port, played, _ = rig(master, end=2.0)
    scheduler.run()
    starts = [n.start for k, n, _ in played if k == "on" and n.part == "melody"]
    assert starts == sorted(starts)  # no jump back to bar 1


def test_a_start_with_no_clock_after_it_is_reported():
    master = Master()
    master.send(0.0, START)
    scheduler, port, _, sync = rig(master, end=1.0)
    scheduler.run()
    assert port.sent == [] and "no clock after the Start" in sync.waiting


def test_a_burst_of_first_ticks_does_not_pass_for_a_wild_tempo():
    # A large audio period hands over several ticks at once, microseconds apart.
    master = Master()
    master.send(0.0, START)
    master.events += [(0.0 + k * 1e-5, CLOCK, []) for k in range(4)]
    master.clock(0.0835, 8)
    scheduler, port, _, sync = rig(master, end=4.0)
    scheduler.run()
    assert sync.waiting == "" or "outside" not in sync.waiting
    assert any(m.type == "note_on" for _, m in port.sent)


def test_clock_out_resuming_mid_song_sends_its_position_not_start():
    clock = FakeClock(stop_at=1.0)
    performer = duo(FakeSource(["C,0.500"]), Progression.parse("F7"),
                          np.random.default_rng(0), feel=STRAIGHT, comping=Comping(enabled=False))
    performer.skip_to(16)
    port = RecordingPort(clock)
    Scheduler(performer, port, tempo=120, clock=clock, wait=clock.wait, start_delay=0.0,
              clock_out=True).run(start_beat=16)
    first = [m for _, m in port.sent[:2]]
    assert [m.type for m in first] == ["songpos", "continue"] and first[0].pos == 64
