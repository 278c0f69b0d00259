"""The scheduler, driven by a fake clock and a recording port (milliseconds, no sleeping)."""

import numpy as np
import pytest

from improv.band.comping import Comping
from improv.performance.feel import Feel
from improv.band.melodysettings import Melody
from improv.band.chart import Progression
from improv.timing.scheduler import Scheduler

from daemon_fakes import FakeClock, FakeSource, RecordingPort, duo, pair_notes

STRAIGHT = Feel(swing=0.0, accent=0, humanise=0, timing="grid")


def rig(values, *, tempo=120.0, lookahead=0.5, stop_at=None, comping=False, chart="F7 | Bb7",
        melody=Melody()):
    clock = FakeClock(stop_at=stop_at)
    source = FakeSource(values, clock)
    performer = duo(source, Progression.parse(chart), np.random.default_rng(0),
                          feel=STRAIGHT, comping=Comping(enabled=comping, style="charleston"), melody=melody)
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


def test_the_last_bar_ends_every_note():
    """--bars N: a note that starts in the last bar and would ring past its end is let
    go at the end (as a rendered file cuts it), and nothing starts after it."""
    clock, _, port, scheduler = rig(["C,0.750", "C,2.000"], tempo=120)
    scheduler.run(until_beat=8)
    pairs, left = pair_notes(port.sent)
    assert not left and max(off for _on, off, _ in pairs) == 4000.0
    assert (3125.0, 4000.0) in [(on, off) for on, off, _ in pairs]  # beat 6.25 to 8, not 8.25


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

    performer = duo(Boom(["C,1.000"], clock), Progression.parse("F7"),
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


# --- stalls: late events are left out, never burst ------------------------------------

def stalled_rig(stall_at: float, stall_for: float, *, tempo=300.0, comping=True, late=0.020,
                values=("C,0.250", "C,0.500", "R,0.250", "S,0.333", "C,0.667")):
    """A rig whose process 'stops' once: the wait that passes ``stall_at`` returns
    ``stall_for`` seconds late, as after SIGSTOP/SIGCONT or a suspend."""
    clock, source, port, _ = rig(list(values), tempo=tempo, comping=comping)
    performer = duo(source, Progression.parse("F7 | Bb7"), np.random.default_rng(0),
                          feel=STRAIGHT, comping=Comping(enabled=comping, style="charleston"))
    stalled = []

    def wait(timeout):
        clock.now += timeout
        if clock.now >= stall_at and not stalled:
            stalled.append(clock.now)
            clock.now += stall_for
        return False

    scheduler = Scheduler(performer, port, tempo=tempo, clock=clock, wait=wait,
                          start_delay=0.0, late=late)
    return clock, source, port, scheduler, stalled


@pytest.mark.parametrize("stall_for", [0.5, 3.0, 60.0])
def test_after_a_stall_no_burst_no_stuck_note_and_reentry_on_a_beat(stall_for):
    # it stops 30 ms after the 2 s mark, so it wakes between two beat lines
    clock, source, port, scheduler, stalled = stalled_rig(2.03, stall_for)
    scheduler.run(until_beat=(2.0 + stall_for) * 5 + 40)  # 300 BPM: 5 beats a second
    woke_ms = (stalled[0] + stall_for) * 1000
    after = [(ms, m) for ms, m in port.sent if ms >= woke_ms]
    soon = [(ms, m) for ms, m in after if ms < woke_ms + 100]
    # at the wake-up only the note_offs of what sounded when it stopped; then, on the
    # next beat line, at most one chord and one melody note
    assert all(m.type == "note_off" for ms, m in soon if ms < woke_ms + 1)
    assert len([m for ms, m in soon if m.type == "note_on"]) <= 5
    first_on = next(ms for ms, m in after if m.type == "note_on")
    beat = first_on / 200.0  # 200 ms a beat
    assert beat == pytest.approx(round(beat), abs=1e-9) and first_on >= woke_ms
    pairs, left = pair_notes(port.sent)
    assert not left
    (stall,) = list(scheduler.stalls)
    assert stall.seconds == pytest.approx(stall_for, abs=0.01)
    assert stall.resumed_at == round(beat)
    assert "stalled for" in stall.describe() and "\n" not in stall.describe()


def test_a_long_stall_does_not_generate_the_backlog():
    clock, source, port, scheduler, stalled = stalled_rig(2.0, 60.0)
    scheduler.run(until_beat=400)
    # 60 s at 300 BPM is 300 beats of backlog, ~700 values: none of them was made.
    made = [t for t in source.asked_at if t > stalled[0]]
    beats_after = 400 - (2.0 + 60.0) * 5
    assert len(made) <= beats_after * 4 + 8


def test_every_note_on_is_sent_within_the_lateness_allowed():
    late = 0.020
    seen = []
    clock, source, port, scheduler, stalled = stalled_rig(1.0, 0.3, late=late)
    scheduler._observer = lambda kind, note, due, sent: seen.append((kind, sent - due))
    scheduler.run(until_beat=40)
    assert all(lag <= late + 1e-9 for kind, lag in seen if kind == "on")
    assert any(kind == "off" and lag > late for kind, lag in seen)  # offs are sent late


def test_a_short_hiccup_drops_only_what_is_late():
    clock, source, port, scheduler, stalled = stalled_rig(1.0, 0.05, comping=False,
                                                          values=["C,0.250"])
    scheduler.run(until_beat=20)
    ons = [ms for ms, m in port.sent if m.type == "note_on"]
    # sixteenths every 50 ms; a 50 ms hiccup at 1 s leaves out what fell due in it
    assert len(ons) == 80 - len([s for s in scheduler.stalls for _ in range(s.dropped_notes)])
    assert all(ms % 50 == pytest.approx(0) or ms % 50 == pytest.approx(50) for ms in ons)
    assert not pair_notes(port.sent)[1]


def test_a_burst_is_paced():
    # 40 notes due at once (a chord cluster): at most MAX_BURST leave before a pause.
    from improv.timing.scheduler import BURST_PAUSE, MAX_BURST

    class Cluster:
        cursor = 0.0

        def advance(self, until):
            from improv.language.harmony import parse_chord
            from improv.band.note import Note

            self.cursor = 1e9
            chord = parse_chord("C")
            return [Note(0.0, 1.0, 1 + k // 20, 40 + k % 20, 80, "melody", chord, 1)
                    for k in range(40)]

        def skip_to(self, beat):
            pass

    clock = FakeClock()
    port = RecordingPort(clock)
    scheduler = Scheduler(Cluster(), port, tempo=120, clock=clock, wait=clock.wait,
                          start_delay=0.0)
    scheduler.run(until_beat=2)
    ons = [ms for ms, m in port.sent if m.type == "note_on"]
    assert len(ons) == 40
    assert ons.count(0.0) == MAX_BURST
    assert min(ms for ms in ons if ms > 0) == pytest.approx(BURST_PAUSE * 1000)
    assert not pair_notes(port.sent)[1]


class SlowSource:
    """Wraps a performer; each advance costs ``cost`` seconds of the fake clock, and one
    of them (the ``stall_at``-th) ``stall`` seconds more: the process stopped mid-model."""

    def __init__(self, performer, clock, cost, stall_at=None, stall=0.0):
        self._performer, self._clock = performer, clock
        self._cost, self._stall_at, self._stall = cost, stall_at, stall
        self.calls = 0

    @property
    def cursor(self):
        return self._performer.cursor

    def advance(self, until):
        self.calls += 1
        self._clock.now += self._cost + (self._stall if self.calls == self._stall_at else 0)
        return self._performer.advance(until)

    def skip_to(self, beat):
        self._performer.skip_to(beat)


def slow_rig(cost, **kw):
    clock = FakeClock()
    performer = duo(FakeSource(["C,0.250", "C,0.500"]), Progression.parse("F7"),
                          np.random.default_rng(0), feel=STRAIGHT, comping=Comping(style="charleston"))
    source = SlowSource(performer, clock, cost, **kw)
    port = RecordingPort(clock)
    return source, port, Scheduler(source, port, tempo=300, clock=clock, wait=clock.wait,
                                   start_delay=0.0)


def test_the_models_own_time_is_not_a_stall():
    source, port, scheduler = slow_rig(0.005)
    scheduler.run(until_beat=200)
    assert not scheduler.stalls and scheduler.dropped_total == 0
    assert not pair_notes(port.sent)[1]


def test_a_stall_inside_the_model_is_caught_by_how_far_behind_the_music_is():
    source, port, scheduler = slow_rig(0.001, stall_at=40, stall=3.0)
    scheduler.run(until_beat=100)
    (stall,) = scheduler.stalls
    assert stall.resumed_at is not None and stall.seconds >= 2.5
    assert source.calls < 100 * 3  # the 15 beats it missed were skipped, not generated
    assert not pair_notes(port.sent)[1]


def test_drops_no_stall_counted_are_reported_once():
    source, port, scheduler = slow_rig(0.045)  # slower than a 16th at 300 BPM
    scheduler.run(until_beat=40)
    counted = sum(s.dropped_notes for s in scheduler.stalls)
    assert scheduler.unreported_drops() == scheduler.dropped_total - counted
    assert scheduler.unreported_drops() == 0


def test_the_tempo_map_keeps_the_beat_now_when_the_tempo_changes():
    from improv.timing.tempo import TempoMap

    tempo = TempoMap(120)
    tempo.change(60, now=5.0)  # before the start: only the tempo
    assert not tempo.started and tempo.tempo == 60
    tempo.anchor(0, 10.0, 120)
    assert tempo.beat_at(11.0) == 2.0 and tempo.time_of(4) == 12.0
    tempo.change(60, now=11.0)  # beat 2 stays at 11 s; beats after it move
    assert tempo.beat_at(11.0) == 2.0 and tempo.time_of(4) == 13.0


def test_program_changes_go_out_first_and_again_when_asked_or_after_a_bar_of_silence():
    import mido

    programs = [mido.Message("program_change", channel=0, program=66)]
    clock = FakeClock(stop_at=None)
    source = FakeSource(["C,0.500", "R,4.000"], clock)  # a note, then a bar of rest
    band = duo(source, Progression.parse("F7"), np.random.default_rng(0), feel=STRAIGHT,
               comping=Comping(enabled=False))
    port = RecordingPort(clock)

    def wait(timeout):  # a reader connects at 0.1 s: asked from another thread
        if clock.now < 0.1 <= clock.now + timeout:
            clock.now = 0.1
            scheduler.resend_programs()
            return False
        return clock.wait(timeout)

    scheduler = Scheduler(band, port, tempo=120, clock=clock, wait=wait,
                          start_delay=0.0, programs=programs, programs_after_silence=True)
    scheduler.resend_programs()  # asked before the start: the start sends them anyway
    scheduler.run(until_beat=9)
    kinds = [(ms, m.type) for ms, m in port.sent if m.type in ("program_change", "note_on")]
    assert kinds[:3] == [(0.0, "program_change"), (0.0, "note_on"), (100.0, "program_change")]
    # 4.5 beats of silence after the first note (2.25 s at 120): named again before the next
    assert (2250.0, "program_change") in kinds and kinds.index((2250.0, "program_change")) \
        < kinds.index((2250.0, "note_on"))


def test_a_port_that_reports_readers_needs_no_program_changes_after_silence():
    import mido

    programs = [mido.Message("program_change", channel=0, program=66)]
    clock = FakeClock()
    band = duo(FakeSource(["C,0.500", "R,4.000"], clock), Progression.parse("F7"),
               np.random.default_rng(0), feel=STRAIGHT, comping=Comping(enabled=False))
    port = RecordingPort(clock)
    Scheduler(band, port, tempo=120, clock=clock, wait=clock.wait, start_delay=0.0,
              programs=programs).run(until_beat=9)
    assert [ms for ms, m in port.sent if m.type == "program_change"] == [0.0]


def test_after_a_stall_the_music_re_enters_on_the_next_beat_line():
    from improv.timing.stalls import resume_at

    assert resume_at(cursor=8.0, beat_now=8.02, late_beats=0.04) is None  # can catch up
    assert resume_at(cursor=8.0, beat_now=10.3, late_beats=0.04) == 11.0
    assert resume_at(cursor=8.0, beat_now=10.0, late_beats=0.04) == 10.0  # on a beat line
    assert resume_at(cursor=8.0, beat_now=10.3, late_beats=0.04, until_beat=10.5) == 10.5
    assert resume_at(cursor=11.0, beat_now=11.0, late_beats=0.0) is None


class CostlySource(FakeSource):
    """Each value costs ``cost`` seconds of the fake clock, as a re-prime does."""

    def __init__(self, values, clock, cost):
        super().__init__(values, clock)
        self._cost = cost

    def next_value(self):
        value = super().next_value()
        self._clock.now += self._cost
        return value


def sixteenths_at_a_cost(cost: float, lookahead: float):
    """(note_on ms, note_off ms) of 8 beats of sixteenths at 120 BPM whose every value
    takes ``cost`` seconds to make, from a start 50 ms after the run begins."""
    clock = FakeClock()
    source = CostlySource(["C,0.250"], clock, cost=cost)
    band = duo(source, Progression.parse("F7"), np.random.default_rng(0), feel=STRAIGHT,
               comping=Comping(enabled=False))
    port = RecordingPort(clock)
    Scheduler(band, port, tempo=120, lookahead=lookahead, clock=clock, wait=clock.wait,
              start_delay=0.05).run(until_beat=8)  # the first value made before beat 0
    return ([ms for ms, m in port.sent if m.type == "note_on"],
            [ms for ms, m in port.sent if m.type == "note_off"])


def test_a_step_costlier_than_the_slack_is_learned_and_never_delays_a_due_message():
    # a bar of drums or of rootless comping may cost more than GENERATE_SLACK: the
    # scheduler keeps clear what steps have cost lately. 5 ms a value; at 0.508 beats
    # each value is asked for 4 ms before the note ahead of it is due
    ons, _ = sixteenths_at_a_cost(0.005, 0.508)
    assert ons == [50.0 + 125.0 * k for k in range(32)]  # every one on the dot


def test_a_value_that_takes_milliseconds_never_delays_a_due_message():
    # 2 ms a value; at 0.502 beats each value is asked for 1 ms before the note ahead
    ons, offs = sixteenths_at_a_cost(0.002, 0.502)
    assert ons == [50.0 + 125.0 * k for k in range(32)]  # every one on the dot
    assert offs[:31] == [50.0 + 125.0 * k for k in range(1, 32)]


def test_the_slack_before_a_due_message_follows_what_steps_cost():
    from improv.timing.stepcost import GENERATE_SLACK, StepCost

    steps = StepCost(late=0.020)
    assert steps.slack() == GENERATE_SLACK  # nothing measured yet
    steps.spent(0.006)
    assert steps.slack() == pytest.approx(0.009)  # 1.5 x the costliest
    steps.spent(5.0)  # a stall, not a cost: counted at the late limit at most
    assert steps.slack() == pytest.approx(0.030)
    for _ in range(2000):
        steps.spent(0.0005)
    assert steps.slack() == GENERATE_SLACK  # an old outlier stops counting
