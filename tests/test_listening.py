"""Listening without a port: held notes and chords, pedal, channels, knobs, turns,
the call as values, and the performer and scheduler answering to all of it."""

from fractions import Fraction

import numpy as np
import pytest

from improv.errors import UsageError
from improv.band.melodysettings import Melody
from improv.language.grammar import parse_value
from improv.language.harmony import parse_chord
from improv.band.comping import Comping
from improv.listening.knobs import KnobSettings, Knobs, knob_value
from improv.listening.listener import Listener, ListenSettings, parse_channels
from improv.performance.feel import Feel
from improv.performance.timefeel import EARLIEST
from improv.band.chart import Progression
from improv.timing.scheduler import Scheduler
from improv.listening.trading import CallAndResponse, CallNote, TradeBars, call_line

from daemon_fakes import FakeClock, FakeSource, RecordingPort, duo, pair_notes, run_with

STRAIGHT = Feel(swing=0.0, accent=0, humanise=0, timing="grid")
ON, OFF, CC = 0x90, 0x80, 0xB0


def listener(**kw):
    return Listener(ListenSettings(follow_chords=True, **kw), beat_at=lambda t: t * 2)


def play(lis, t, *pitches, channel=1, kind=ON, velocity=90):
    for p in pitches:
        lis.feed(t, [kind | (channel - 1), p, velocity if kind == ON else 0])


def test_held_notes_are_named_and_the_chord_stays_after_letting_go():
    lis = listener()
    play(lis, 0.0, 48, 52, 55, 59)
    assert lis.chord == parse_chord("Cmaj7")
    play(lis, 0.5, 48, 52, 55, 59, kind=OFF)
    assert lis.chord == parse_chord("Cmaj7")
    assert lis.chord_for(1.0 + 7.9) == parse_chord("Cmaj7")
    assert lis.chord_for(1.0 + 8.0) is None  # two bars after letting go: the chart again


def test_release_bars_zero_keeps_the_chord_for_good():
    lis = listener(release_bars=0)
    play(lis, 0.0, 50, 53, 57, 60)
    play(lis, 0.1, 50, 53, 57, 60, kind=OFF)
    assert lis.chord_for(1000.0) == parse_chord("Dm7")


def test_other_channels_are_ignored_and_counted():
    lis = listener(channels="2")
    play(lis, 0.0, 48, 52, 55, channel=1)
    assert lis.chord is None and lis.ignored == 3
    play(lis, 0.0, 43, 47, 50, 53, channel=2)
    assert lis.chord == parse_chord("G7")


def test_the_sustain_pedal_holds_notes_until_it_lifts():
    lis = listener()
    lis.feed(0.0, [CC, 64, 127])
    play(lis, 0.0, 48, 52, 55, 58)
    play(lis, 0.1, 48, 52, 55, 58, kind=OFF)
    assert lis.held == 4
    play(lis, 0.2, 53, 57)  # added over the pedal: C7 plus F and A
    assert lis.held == 6
    lis.feed(0.3, [CC, 64, 0])
    assert lis.held == 2


def test_bad_input_is_harmless():
    lis = listener()
    play(lis, 0.0, 60, kind=OFF)  # a note_off without its note_on
    lis.feed(0.0, [0x90, 200, 300])  # data bytes out of range: clamped to 127
    lis.feed(0.0, [0x90])  # truncated
    lis.feed(0.0, [0xE0, 0, 64])  # pitch bend: not listened to
    play(lis, 0.0, *range(40, 52))
    named = lis.chord
    play(lis, 0.0, *range(52, 60))  # 20 notes at once: held, no longer named
    assert lis.held == 21 and lis.chord is named
    lis.feed(0.1, [CC, 123, 0])  # the musician's All Notes Off lets everything go
    assert lis.held == 0


def test_channels_setting_is_checked():
    assert parse_channels("all") is None and parse_channels("1, 3") == {1, 3}
    for bad in ("0", "17", "x", ""):
        with pytest.raises(UsageError, match="channels"):
            ListenSettings(channels=bad)
    with pytest.raises(UsageError, match="choose one"):
        ListenSettings(trade=4, call_response=True)


def test_knob_values_and_duplicates():
    assert knob_value("temperature", 0) == 0.25 and knob_value("temperature", 64) == 1.0
    assert knob_value("temperature", 127) == 2.0 and knob_value("temperature", 500) == 2.0
    assert knob_value("top_p", 127) == 1.0 and knob_value("register", 0) == -2
    assert knob_value("register", 64) == 0 and knob_value("mute", 64) is True
    with pytest.raises(UsageError, match="share"):
        KnobSettings(temperature=30, top_p=30)
    knobs = Knobs()
    assert knobs.turn(7, 100) is None  # not a knob (volume)
    assert knobs.turn(21, 127) == ("temperature", 2.0)
    assert knobs.take() == [("temperature", 2.0)] and knobs.take() == []
    assert "temp 2" in knobs.describe()


class TunableSource(FakeSource):
    def __init__(self, values):
        super().__init__(values)
        self.tuned, self.primed, self.primed_at = [], [], []

    def tune(self, **kw):
        self.tuned.append(kw)

    def prime_nearest(self, values, at=None):
        self.primed.append(list(values))
        self.primed_at.append(at)
        return 0


def performer(source, listener, chart="C7", comping=False):
    return duo(source, Progression.parse(chart), np.random.default_rng(0),
                     comping=Comping(enabled=comping, style="charleston"), feel=STRAIGHT, listener=listener)


def test_knobs_apply_from_the_next_value():
    lis = Listener(ListenSettings())
    source = TunableSource(["C,0.500"])
    perf = performer(source, lis)
    perf.advance(2)
    lis.feed(0.0, [CC, 21, 0])
    lis.feed(0.0, [CC, 23, 127])  # two octaves up
    lis.feed(0.0, [CC, 26, 127])  # mute
    assert perf.advance(4) == [] and source.tuned == [{"temperature": 0.25}]
    lis.feed(0.0, [CC, 26, 0])
    notes = perf.advance(8)
    assert notes and min(n.pitch for n in notes) >= Melody().low + 24 - 12


def test_melody_follows_the_musicians_chord_not_the_charts():
    lis = listener()
    perf = performer(FakeSource(["C,0.500"]), lis, chart="C7")
    play(lis, 0.0, 54, 58, 61, 65)  # Gb7 held (F# A# C# E... as Gb Bb Db Fb)
    notes = perf.advance(16)
    assert notes and all(n.chord == lis.chord and n.pitch % 12 in lis.chord.tones for n in notes)


def test_a_note_realised_before_a_chord_change_is_decoded_again_when_sent():
    lis = listener()
    perf = performer(FakeSource(["C,1.000"]), lis, chart="C7")
    clock = FakeClock(stop_at=3.0)
    port = RecordingPort(clock)
    sched = Scheduler(perf, port, tempo=60, lookahead=1.0, clock=clock, wait=clock.wait,
                      start_delay=0.0)
    sched.run()
    early = [m.note % 12 for _, m in port.sent if m.type == "note_on"]
    assert set(early) <= parse_chord("C7").tones
    lis2 = listener()
    perf2 = performer(FakeSource(["C,1.000"]), lis2, chart="C7")
    notes = perf2.advance(1.5)  # realised over C7 ...
    play(lis2, 0.0, 49, 53, 56, 59)  # ... then Db7 comes in
    sent = [perf2.revoice(n) for n in notes]
    assert all(n.pitch % 12 in parse_chord("Db7").tones for n in sent)


def test_trading_bars_silent_on_the_musicians_turn_and_primed_with_the_call():
    turns = TradeBars(1)
    lis = Listener(ListenSettings(trade=1), turns=turns, beat_at=lambda t: t)
    source = TunableSource(["C,0.500", "S,0.750"])
    perf = performer(source, lis)
    play(lis, 0.0, 60)
    play(lis, 1.0, 60, kind=OFF)
    play(lis, 1.0, 64)
    play(lis, 2.5, 64, kind=OFF)
    notes = perf.advance(16)
    assert notes
    for n in notes:
        bar = int(n.start // 4)
        assert bar % 2 == 1 and n.end <= (bar + 1) * 4  # improv's bars, ended at the line
    assert len(source.primed) == 1 and len(source.primed[0]) >= 2  # bar 3 had no call
    assert source.primed[0][0].kind == "C"


def test_trading_with_the_learned_feel_draws_no_value_for_the_musicians_turn():
    """The learned feel draws the next value as it plays a note (does a rest follow?):
    never one that would fall in the musician's bars, and every one drawn is played."""
    turns = TradeBars(1)
    lis = Listener(ListenSettings(trade=1), turns=turns, beat_at=lambda t: t)
    source = TunableSource(["C,0.500", "S,0.750", "R,0.250", "C,1.000"])
    beats = []  # where the part stood as each value was drawn: where the value starts
    drawn = source.next_value

    def counted():
        beats.append(perf.parts[0].cursor)
        return drawn()

    source.next_value = counted
    perf = duo(source, Progression.parse("C7"), np.random.default_rng(0),
               comping=Comping(enabled=False), feel=Feel(timing="learned"), listener=lis)
    notes = perf.advance(32)
    bars = [int((n.start + EARLIEST) // 4) for n in notes]  # a first note may lie early
    assert all(bar % 2 == 1 and n.end <= (bar + 1) * 4 for bar, n in zip(bars, notes))
    assert len(beats) > len(notes) >= 20
    assert all(int(b // 4) % 2 == 1 for b in beats)  # each drawn in improv's bars
    assert len(set(beats)) == len(beats)  # none drawn, dropped and drawn again


def test_the_melody_switched_back_on_tells_the_source_where_it_comes_in():
    """Off, the solo's place runs on without the model; back on, it starts a phrase on a
    beat and the source hears where, so it draws for that place (its rhythm grid, its
    context, the pitches that fit) and not for where it stopped."""
    class Restarting(FakeSource):
        restarted: list = []

        def restart_phrase(self, twelfths=0):
            self.restarted.append(twelfths)

    source = Restarting(["C,0.500", "S,0.750"])
    perf = duo(source, Progression.parse("C7"), np.random.default_rng(0),
               comping=Comping(enabled=False), feel=Feel(timing="learned"))
    melody = perf.parts[0]
    perf.advance(4)
    melody.switch(False, Fraction(4))
    melody.switch(True, Fraction(21, 2))
    assert melody.cursor == 11 and source.restarted[-1] == 11 * 12
    assert perf.advance(16) and all(n.start >= 11 - EARLIEST for n in perf.advance(20))


def test_a_note_while_improv_answers_interrupts_the_answer():
    turns = TradeBars(2)
    lis = Listener(ListenSettings(trade=2), turns=turns, beat_at=lambda t: t)
    hushed = []
    lis.on_interrupt = lambda: hushed.append(1)
    perf = performer(TunableSource(["C,0.500"]), lis)
    assert perf.advance(9)  # improv answers from beat 8
    play(lis, 9.0, 70)  # the musician comes in at beat 9
    assert hushed == [1]
    assert perf.advance(16) == []  # silent for the rest of its turn
    assert perf.advance(24) == [] and perf.advance(32)  # the musician's, then improv's


def test_call_and_response_answers_after_the_silence_for_as_long_as_the_call():
    turns = CallAndResponse(silence=2.0)
    assert not turns.turn_at(0).playing
    turns.note_on(0.0, 60)
    turns.note_off(1.0, 60)
    turns.note_on(1.0, 62)
    assert turns.turn_at(5).playing is False  # still held: no answer yet
    turns.note_off(2.5, 62)
    assert turns.turn_at(4.9) == turns.turn_at(0)  # before the answer
    turn = turns.turn_at(5)
    assert turn.playing and (turn.start, turn.end) == (5, 8)  # call 2.5 beats -> 3
    assert [n.pitch for n in turns.call(*turns.call_span(turn))] == [60, 62]
    assert not turns.turn_at(8).playing and not turns.turn_at(9).playing


def test_the_call_becomes_the_top_line_as_values():
    c7 = parse_chord("C7")
    notes = [CallNote(0.0, 1.0, 60), CallNote(0.0, 1.0, 48),  # a dyad: its top note
             CallNote(1.5, 2.0, 64), CallNote(2.0, None, 67)]
    values = call_line(notes, lambda beat: c7)
    assert [str(v) for v in values][:3] == ["C,1.000", "R,0.500", str(values[2])]
    assert values[2].kind == "C" and values[2].lo is not None
    assert call_line([], lambda b: c7) == []
    assert Fraction(1) == 1


def test_hush_cuts_the_melody_at_once_and_leaves_the_comping():
    perf = performer(FakeSource(["C,4.000"]), None, comping=True)
    sent = run_with(perf, 1.0, Scheduler.hush)
    pairs, left = pair_notes(sent)
    melody = [(on, off) for on, off, m in pairs if m.channel == 0]
    comping = [(on, off) for on, off, m in pairs if m.channel == 1]
    assert melody[0] == (0.0, 1000.0) and not left
    assert any(off > 1000.0 for _, off in comping)  # the chords ring on


def test_panic_switches_everything_off_and_playing_goes_on():
    perf = performer(FakeSource(["C,0.500", "C,2.000"]), None, comping=True)
    sent = run_with(perf, 1.2, Scheduler.panic, stop_at=4.0)
    at = [m for ms, m in sent if ms == 1200.0]
    assert {m.type for m in at} >= {"note_off", "control_change"}
    assert not pair_notes([(ms, m) for ms, m in sent if ms <= 1200.0])[1]  # nothing left on
    assert any(m.type == "note_on" for ms, m in sent if ms > 1200.0)


def test_the_answer_picks_up_near_where_the_musician_left_off():
    for last, side in ((83, 1), (53, -1)):
        turns = TradeBars(1)
        lis = Listener(ListenSettings(trade=1), turns=turns, beat_at=lambda t: t)
        perf = performer(TunableSource(["C,0.500"]), lis)
        play(lis, 0.0, last)
        play(lis, 1.0, last, kind=OFF)
        first = min(perf.advance(8), key=lambda n: n.start)
        middle = (Melody().low + Melody().high) // 2  # 66: A♭2..E6's
        assert abs(first.pitch - (last + middle) // 2) <= 7, (last, first.pitch)
        assert (first.pitch - middle) * side >= 0, (last, first.pitch)


def test_a_master_start_forgets_the_calls_of_the_count_before():
    turns = CallAndResponse(silence=1.0)
    lis = Listener(ListenSettings(call_response=True), turns=turns, beat_at=lambda t: t)
    perf = performer(TunableSource(["C,0.500"]), lis)
    play(lis, 40.0, 60)
    play(lis, 41.0, 60, kind=OFF)
    assert perf.advance(48)  # answered at beat 42
    perf.jump_to(0)  # the master's Start: beats count from 0 again
    play(lis, 1.0, 62)
    play(lis, 2.0, 62, kind=OFF)
    assert [n for n in perf.advance(8) if n.start >= 3]  # answered again


def test_comping_struck_after_a_chord_change_takes_the_new_chord():
    from improv.band.comping import voicing

    lis = listener(comping=True)
    perf = performer(FakeSource(["R,1.000"]), lis, chart="C7", comping=True)
    notes = [n for n in perf.advance(4) if n.part == "comping"]
    play(lis, 0.0, 49, 53, 56, 59)  # Db7 comes in before they sound
    sent = sorted(perf.revoice(n).pitch for n in notes[:4])
    assert notes and sent == sorted(voicing(parse_chord("Db7"), Comping().low))


def test_echo_weights_favour_the_calls_lengths_and_steps():
    from improv.listening.trading import echo_weights

    vocab = tuple(parse_value(v) for v in ("C,0.500", "C,1.000", "C,0.500,<M2,M3>",
                                           "C,0.500,<m-3,M-2>", "R,0.500", "R,1.000"))
    call = [parse_value(v) for v in ("C,0.500", "C,0.500,<M2,M3>", "C,0.500,<M2,M3>",
                                     "R,1.000")]
    w = echo_weights(call, vocab, 1.0)
    assert w[0] == 1.0 and w[1] == 0.0  # its note length, not another
    assert w[2] == 1.0 and w[3] == 0.0  # its steps up, not down
    assert w[4] == 0.0 and w[5] == 1.0  # its rest
    assert (echo_weights(call, vocab, 0.0) == 1.0).all()
    assert (echo_weights([], vocab, 0.7) == 1.0).all()
    assert echo_weights(call, vocab, 0.7).min() == pytest.approx(0.3)


def test_a_key_struck_again_while_held_is_one_note():
    turns = CallAndResponse(silence=1.0)
    lis = Listener(ListenSettings(call_response=True), turns=turns, beat_at=lambda t: t)
    lis.feed(0.0, [CC, 64, 127])
    play(lis, 0.0, 60)
    play(lis, 0.5, 60, kind=OFF)  # under the pedal
    play(lis, 1.0, 60)  # struck again
    lis.feed(1.5, [CC, 64, 0])
    play(lis, 2.0, 60, kind=OFF)
    assert lis.held == 0
    turn = turns.turn_at(3.0)  # no note left open: the call can be answered
    assert turn.playing and [n.off for n in turns.call(*turns.call_span(turn))] == [1.0, 2.0]


def test_messages_from_before_the_music_started_are_at_beat_zero():
    lis = Listener(ListenSettings(follow_chords=True, trade=1), turns=TradeBars(1),
                   beat_at=lambda t: t - 5.0)
    perf = performer(TunableSource(["C,0.500"]), lis)
    play(lis, 1.0, 48, 52, 55, 58)  # beat -4 by the clock: taken as 0
    assert lis.chord == parse_chord("C7") and perf.span_at(-3).chord == parse_chord("C7")
    assert perf.advance(8)


def test_call_and_response_yields_to_a_musician_who_comes_back_early():
    turns = CallAndResponse(silence=2.0)
    turns.note_on(0.0, 60)
    turns.note_off(1.0, 60)
    assert turns.turn_at(3.0).playing  # the performer, half a beat ahead, begins it
    assert turns.should_yield(2.6)  # the musician plays again before it sounds
    turns.interrupt(2.6)
    assert not turns.turn_at(3.0).playing
    turns.note_on(2.6, 62)
    turns.note_off(3.0, 62)
    turn = turns.turn_at(5.0)
    assert turn.playing and [n.pitch for n in turns.call(*turns.call_span(turn))] == [62]


def test_the_end_of_an_answer_still_yields_after_the_performer_passed_it():
    turns = CallAndResponse(silence=1.0)
    turns.note_on(0.0, 60)
    turns.note_off(2.0, 60)
    turn = turns.turn_at(3.0)
    assert (turn.start, turn.end) == (3, 5)
    assert not turns.turn_at(5.2).playing  # the performer is past the answer ...
    assert turns.should_yield(4.8)  # ... but it still sounds: a note now stops it


def test_panic_keeps_the_clock_ticks_going():
    perf = performer(FakeSource(["C,0.500"]), None)
    clock = FakeClock(stop_at=2.0)
    port = RecordingPort(clock)
    fired = []

    def wait(timeout):
        if clock.now + timeout >= 1.0 and not fired:
            clock.now = 1.0
            fired.append(1)
            sched.panic()
            return False
        return clock.wait(timeout)

    sched = Scheduler(perf, port, tempo=60, lookahead=0.5, clock=clock, wait=wait,
                      start_delay=0.0, clock_out=True)
    sched.run()
    ticks = [ms for ms, m in port.sent if m.type == "clock"]
    assert len(ticks) == 48 and ticks == sorted(ticks)  # two beats, none lost


def test_the_reader_survives_a_handler_that_fails():
    import time as _time

    from improv.midi.midiin import MidiInput

    class Source:
        def __init__(self):
            self.events = [([0x90, 60, 90], 0.0)]

        def ignore_types(self, **kw):
            pass

        def get_message(self):
            return self.events.pop(0) if self.events else None

        def close_port(self):
            pass

        def delete(self):
            pass

    source = Source()
    calls = []

    def handler():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug in a handler")

    with MidiInput(source, "'fake'", start=False) as midi_in:
        midi_in.on_message = handler
        midi_in._thread.start()
        deadline = _time.monotonic() + 2
        while midi_in.received < 1 and _time.monotonic() < deadline:
            _time.sleep(0.005)
        source.events.append(([0x90, 62, 90], 0.0))
        while midi_in.received < 2 and _time.monotonic() < deadline:
            _time.sleep(0.005)
        assert midi_in.received == 2 and len(calls) == 2


def test_a_legato_call_is_not_a_string_of_tiny_rests():
    c7 = parse_chord("C7")
    played = [CallNote(k * 0.5 + 0.01, k * 0.5 + 0.47, 60 + 2 * k) for k in range(4)]
    values = call_line(played, lambda beat: c7)
    assert [v.kind for v in values] == ["C", "S", "C", "A"]  # C D E F#: no rests between
    assert [v.duration for v in values] == [0.5, 0.5, 0.5, 0.5]


def test_the_band_leaves_space_for_the_musicians_notes_too():
    """The accompanying parts read the soloists' density from the stage: the musician's
    notes count beside improv's (their phrase ends make the drums answer)."""
    lis = Listener(ListenSettings(), beat_at=lambda t: t * 2.0)  # 120 BPM from t = 0
    perf = performer(FakeSource(["R,4.000"]), lis)  # improv rests: only the musician plays
    perf.advance(4)
    assert perf.stage.solo_density(4) == 0
    for k in range(8):  # eighth notes through the first bar
        lis.feed(k * 0.25, [0x90, 60 + k, 90])
    assert perf.stage.solo_density(4) == pytest.approx(2.0)  # 8 notes in a 4-beat bar
    assert perf.stage.solo_density(8) == 0  # and the bar after is a rest
