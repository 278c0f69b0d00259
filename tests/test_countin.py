"""The count-in (--count-in N: sticks before bar 1, again at each Start of a master) and a
level knob per part (melody_level, comping_level, bass_level, drums_level) beside the
bass and drums on/off knobs."""

from fractions import Fraction

import mido
import numpy as np
import pytest

from improv.band.chart import Progression, Timeline
from improv.band.comping import Comping, CompingPart
from improv.band.countin import COUNT_IN, SIDE_STICK, CountInPart
from improv.band.ensemble import Ensemble
from improv.performance import performer
from improv.performance.feel import Feel
from improv.band.melody import MelodyPart
from improv.band.melodysettings import Melody
from improv.cli import main
from improv.commands import config
from improv.commands.band import ensemble_from
from improv.errors import ConfigError, UsageError
from improv.language.harmony import parse_chord
from improv.language.leadsheet import parse_text
from improv.listening.knobs import NAMES, KnobSettings, Knobs, knob_value
from improv.listening.listener import Listener, ListenSettings
from improv.listening.trading import TradeBars
from improv.rendering.take import Take
from improv.timing.scheduler import Scheduler
from improv.timing.sync import CONTINUE, SONG_POSITION, START, STOP

from daemon_fakes import FakeSource, Master, RecordingPort, following, pair_notes
from randmodel import write_random_model

STRAIGHT = Feel(swing=0.0, accent=0, humanise=0, timing="grid")
DRUMS = 10  # the drums' channel as musicians count (9 on the wire)
CHART = "| C7 | F7 | Bb7 | G7 | D7 |"
CC = 0xB0


class FakeValues:
    def next_value(self):
        from improv.language.grammar import parse_value

        return parse_value("C,0.500")


def settings(count_in: int, **more):
    changes = {"count_in": ("--count-in", count_in)}
    changes.update({key: (key, value) for key, value in more.items()})
    return config.override(config.default(), changes)


def whole_band(count_in: int, chart=CHART, seed=5, listener=None, **more):
    """The configured band (melody from a fake source, the shipped bass model, drums)."""
    return ensemble_from(settings(count_in, **more), FakeValues(), seed, listener,
                         chart=parse_text(chart))


def clicks(notes):
    return [n for n in notes if n.part == COUNT_IN]


def chart_notes(notes):
    return [n for n in notes if n.part != COUNT_IN]


def shape(notes, shift=0.0):
    return sorted((round(n.start - shift, 9), round(n.end - shift, 9), n.channel, n.pitch,
                   n.velocity, n.part, n.chord) for n in notes)


# --- the count-in in the band ------------------------------------------------------------

@pytest.mark.parametrize("bars, chart, metre", [(2, CHART, 4), (1, "| Bbmaj7 | Cm7 F7 |", 3),
                                                (3, CHART, 4)])
def test_clicks_on_every_beat_of_n_bars_then_the_chart_and_every_part(bars, chart, metre):
    text = f"time: {metre}/4\n{chart}" if metre != 4 else chart
    band = whole_band(bars, text, **{"feel.timing": "grid"})
    lead = bars * metre
    assert band.lead_in == lead and band.part(COUNT_IN).channel == DRUMS
    notes = band.advance(lead + 4 * metre)
    ticks = clicks(notes)
    assert [n.start for n in ticks] == list(range(lead))  # every beat, nothing more
    assert {(n.channel, n.pitch) for n in ticks} == {(DRUMS, SIDE_STICK)}
    assert all(n.end - n.start == 0.125 for n in ticks)  # short notes
    accents = [n.velocity for n in ticks]
    assert all(v > accents[1] for v in accents[::metre])  # the first beat of each bar
    assert all(v == accents[1] for k, v in enumerate(accents) if k % metre)
    first = {}
    for n in chart_notes(notes):
        first.setdefault(n.part, n.start)
    assert set(first) == {"melody", "comping", "bass", "drums"}
    assert min(first.values()) == lead  # nothing of the chart before bar 1
    assert first["melody"] == first["bass"] == first["drums"] == lead
    assert band.span_at(lead).chord == parse_text(text).bars[0].chords[0][1]
    assert band.span_at(lead).start == lead
    assert not band.part(COUNT_IN).enabled  # done: it holds nobody back
    assert band.cursor >= lead


def test_after_the_count_in_the_band_plays_what_it_plays_without_one_shifted():
    without, with_ = whole_band(0), whole_band(2)
    assert [p.name for p in without.parts] == list(config.PARTS)  # no count-in part
    assert without.lead_in == 0
    plain = without.advance(32)
    counted = with_.advance(40)
    assert shape(chart_notes(counted), 8) == shape(plain)  # learned timing, drums, bass too
    assert {n.bar for n in clicks(counted)} == {1, 2}  # the count-in's bars are bars 1 and 2
    assert min(n.bar for n in chart_notes(counted)) == 3  # the chart's first bar is bar 3


def test_the_count_in_plays_on_the_drums_channel_with_the_drums_off():
    band = whole_band(1, **{"drums.enabled": False, "drums.channel": 11})
    notes = band.advance(8)
    assert not band.part("drums").enabled
    assert {n.channel for n in clicks(notes)} == {11} and len(clicks(notes)) == 4
    with pytest.raises(ConfigError, match="count-in plays on the drums' channel 10"):
        settings(2, **{"drums.enabled": False, "melody.channel": 10})
    settings(0, **{"drums.enabled": False, "melody.channel": 10})  # no count-in: fine


def test_count_in_range_and_flag():
    for bad in (-1, 9):
        with pytest.raises(ConfigError, match="--count-in"):
            settings(bad)
    with pytest.raises(ConfigError, match="count_in"):
        config.parse("count_in = 9\n")
    assert config.parse("count_in = 8\n").count_in == 8
    with pytest.raises(UsageError, match="whole bars"):
        Ensemble([CountInPart(DRUMS)], Progression.parse("C7"), lead_in=6)


def test_a_start_counts_in_again_and_a_later_position_does_not():
    band = whole_band(2, **{"feel.timing": "grid"})
    band.advance(20)
    band.jump_to(0)  # a master's Start
    assert band.part(COUNT_IN).enabled
    notes = band.advance(16)
    assert [n.start for n in clicks(notes)] == list(range(8))
    assert min(n.start for n in chart_notes(notes)) == 8
    assert band.span_at(8).chord == parse_chord("C7")  # the chart from its first bar again
    for beat in (8, 20):  # a Continue at bar 1 of the chart, or later: no count-in
        band.jump_to(beat)
        assert not band.part(COUNT_IN).enabled
        notes = band.advance(beat + 8)
        assert not clicks(notes) and min(n.start for n in notes) == beat
    assert band.span_at(20).chord == parse_chord("G7")  # (20 - 8) / 4: the chart's bar 4
    band.jump_to(4)  # inside the count-in: the clicks left, then bar 1
    notes = band.advance(12)
    assert [n.start for n in clicks(notes)] == [4, 5, 6, 7]
    assert min(n.start for n in chart_notes(notes)) == 8


def test_the_timeline_keeps_its_lead_in_through_a_restart():
    timeline = Timeline(Progression.parse("C7 | F7"), lead_in=8)
    assert timeline.span_at(8).start == 8 and timeline.span_at(13).chord == parse_chord("F7")
    assert timeline.span_at(0).chord == parse_chord("C7")  # before it: the first chord
    timeline.change(Progression.parse("G7"), Fraction(17), Fraction(17))
    timeline.restart()
    assert timeline.span_at(8).start == 8 and timeline.span_at(8).chord == parse_chord("G7")
    assert timeline.section_opens_at(8) is False and timeline.chorus_opens_at(8)


def test_trading_counts_turns_from_the_chart_after_a_count_in():
    turns = TradeBars(2, 4, origin=8)
    assert not turns.turn_at(0).playing and not turns.turn_at(8).playing  # the musician's
    assert turns.turn_at(16).playing and turns.turn_at(16).start == 16
    assert not turns.turn_at(24).playing and turns.turn_at(24).start == 24
    plain = TradeBars(2, 4)
    assert plain.turn_at(8).playing and plain.turn_at(8).start == 8  # as ever without


def test_a_take_keeps_the_drums_track_named_for_the_drums(tmp_path):
    band = whole_band(2)
    take = Take(tmp_path / "t.mid", band.parts, 4)
    assert take._tracks[DRUMS].name == "drums"


# --- under a master's clock ------------------------------------------------------------

def follow(master, band, end):
    clock, sync, wait = following(master, end)
    port = RecordingPort(clock)
    Scheduler(band, port, tempo=120, clock=clock, wait=wait, start_delay=0, sync=sync).run()
    return port.sent


def small_band(bars=2):
    parts = [MelodyPart(FakeSource(["C,0.500"]), np.random.default_rng(0), Melody()),
             CompingPart(Comping(style="sustain")), CountInPart(DRUMS)]
    return Ensemble(parts, Progression.parse("F7 | Bb7 | C7 | F7 | G7 | F7"), feel=STRAIGHT,
                    lead_in=4 * bars)


def test_under_a_masters_clock_each_start_counts_in_and_a_continue_does_not():
    master = Master()
    master.send(0.0, START)
    end = master.clock(0.0, 12)
    master.send(end, STOP)
    master.send(7.0, START)  # again from the top
    end = master.clock(7.0, 12)
    master.send(end, STOP)
    master.send(14.0, SONG_POSITION, [64 & 0x7F, 64 >> 7])  # 64 sixteenths: beat 16
    master.send(14.1, CONTINUE)
    master.clock(14.1, 4)
    sent = follow(master, small_band(), 16.5)
    sticks = [ms for ms, m in sent if m.type == "note_on" and m.channel == DRUMS - 1]
    grid = [500.0 * k for k in range(8)]
    assert sticks == pytest.approx(grid + [7000.0 + ms for ms in grid])  # on every beat
    melody = [ms for ms, m in sent if m.type == "note_on" and m.channel == 0]
    assert min(melody) == pytest.approx(4000.0)  # bar 1 of the chart after two bars
    assert min(ms for ms in melody if ms > 7000) == pytest.approx(11000.0)
    assert any(ms > 14000 for ms in melody)  # the Continue plays on, with no count-in
    assert not pair_notes(sent)[1]  # nothing left on


# --- a rendered file ------------------------------------------------------------------

@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return write_random_model(tmp_path_factory.mktemp("model") / "m")


def render(model, out, *extra):
    assert main(["play", "--model", str(model), "--out", str(out), "-q", "--seed", "3",
                 "--bars", "4", "--chart", "blues-in-f", *extra]) == 0
    return mido.MidiFile(out)


def events(track, shift=0):
    tick, out = 0, []
    for m in track:
        tick += m.time
        if m.type in ("note_on", "note_off", "marker"):
            out.append((tick - shift, m.copy(time=0)))
    return out


def test_a_render_with_a_count_in_has_it_and_the_chart_after_it(model, tmp_path):
    plain = render(model, tmp_path / "plain.mid")
    zero = render(model, tmp_path / "zero.mid", "--count-in", "0")
    assert (tmp_path / "plain.mid").read_bytes() == (tmp_path / "zero.mid").read_bytes()
    midi = render(model, tmp_path / "two.mid", "--count-in", "2")
    beat = midi.ticks_per_beat
    lead = 8 * beat
    names = [next(m.name for m in t if m.type == "track_name") for t in midi.tracks]
    assert names == ["improv", "melody", "comping", "bass", "drums", "count-in"]
    assert names[:-1] == [next(m.name for m in t if m.type == "track_name")
                          for t in zero.tracks]
    sticks = [(t, m) for t, m in events(midi.tracks[-1]) if m.type == "note_on"]
    assert [t for t, _ in sticks] == [k * beat for k in range(8)]
    assert {(m.channel, m.note) for _, m in sticks} == {(DRUMS - 1, SIDE_STICK)}
    assert sticks[0][1].velocity > sticks[1][1].velocity == sticks[3][1].velocity
    assert sticks[4][1].velocity == sticks[0][1].velocity
    for track in midi.tracks:
        assert sum(m.time for m in track) == (2 + 4) * 4 * beat  # four bars after it
    for track in midi.tracks[1:5]:
        ons = [t for t, m in events(track) if m.type == "note_on"]
        assert ons and min(ons) >= lead
    for name in ("bass", "drums"):
        ons = [t for t, m in events(midi.tracks[names.index(name)]) if m.type == "note_on"]
        assert min(ons) == lead
    marks = events(midi.tracks[0])
    assert marks[0][0] == lead and any(m.text == "F7" for t, m in marks if t == lead)
    for shifted, original in zip(midi.tracks[:5], plain.tracks):  # the chart as without
        assert events(shifted, lead) == events(original)
    pairs, left = pair_notes([(0, m) for _, m in events(midi.tracks[-1])
                              if m.type.startswith("note")])
    assert pairs and not left


def test_a_render_without_drums_still_counts_in_on_their_channel(model, tmp_path):
    midi = render(model, tmp_path / "nodrums.mid", "--count-in", "1", "--no-drums")
    names = [next(m.name for m in t if m.type == "track_name") for t in midi.tracks]
    assert "drums" not in names and names[-1] == "count-in"
    sticks = [m for m in midi.tracks[-1] if m.type == "note_on"]
    assert len(sticks) == 4 and {m.channel for m in sticks} == {DRUMS - 1}


# --- a level knob per part ----------------------------------------------------------------

LEVELS = KnobSettings(melody_level=40, comping_level=41, bass_level=42, drums_level=43,
                      bass=44, drums=45)


def listening_band(knobs=LEVELS):
    listener = Listener(ListenSettings(), Knobs(knobs))
    return whole_band(0, listener=listener), listener


def by_part(notes, part):
    return [n for n in notes if n.part == part]


def test_new_knobs_are_unassigned_by_default_and_old_ones_keep_their_numbers():
    knobs = KnobSettings()
    assert [getattr(knobs, n) for n in NAMES[:7]] == [21, 22, 23, 24, 25, 26, 27]
    assert all(getattr(knobs, n) == 0 for n in NAMES[7:])
    assert set(NAMES[7:]) == {"bass", "drums", "melody_level", "comping_level",
                              "bass_level", "drums_level"}
    assert Knobs().turn(0, 100) is None
    assert knob_value("bass_level", 127) == 1.0 and knob_value("melody_level", 0) == 0.0
    assert knob_value("drums_level", 64) == pytest.approx(64 / 127, abs=1e-3)
    assert knob_value("bass", 64) is True and knob_value("drums", 63) is False
    with pytest.raises(UsageError, match="share"):
        KnobSettings(bass_level=21)
    knobs = Knobs(LEVELS)
    assert knobs.turn(42, 64) == ("bass_level", knob_value("bass_level", 64))
    knobs.turn(45, 0)
    assert "bass 50%" in knobs.describe() and "drums off" in knobs.describe()
    assert config.parse("[knobs]\nbass_level = 30\n").knobs.bass_level == 30


def test_the_melody_level_scales_graces_as_their_notes(monkeypatch):
    """A grace is GRACE_SOFTER under its note before the knob, so at any level it keeps
    the same share of its note's loudness (scaled after the offset, not before)."""
    def grace(self, pitch, tempo, amount, low, high, floor=0.0):
        on = self._played[1]
        return on - 0.05, on - 0.01, pitch + 1

    monkeypatch.setattr(performer.Performer, "grace", grace)
    band, listener = listening_band()
    reference, _ = listening_band()
    listener.feed(0.0, [CC, LEVELS.melody_level, 64])
    level = knob_value("melody_level", 64)
    mine, theirs = by_part(band.advance(16), "melody"), by_part(reference.advance(16), "melody")
    graces = [k for k, n in enumerate(theirs) if n.value is None]
    assert graces and len(mine) == len(theirs)
    assert [n.velocity for n in mine] == [max(1, round(n.velocity * level)) for n in theirs]


@pytest.mark.parametrize("part", ["melody", "comping", "bass", "drums"])
def test_a_level_knob_scales_that_parts_velocities_from_the_next_note(part):
    band, listener = listening_band()
    reference, _ = listening_band()
    assert shape(band.advance(8)) == shape(reference.advance(8))
    listener.feed(0.0, [CC, getattr(LEVELS, f"{part}_level"), 64])
    level = knob_value(f"{part}_level", 64)
    turned, plain = band.advance(24), reference.advance(24)
    mine, theirs = by_part(turned, part), by_part(plain, part)
    assert mine and len(mine) == len(theirs)
    assert [(n.start, n.pitch) for n in mine] == [(n.start, n.pitch) for n in theirs]
    if part == "drums":  # the kit's own level (humanised around the scaled weight)
        assert all(a.velocity <= b.velocity for a, b in zip(mine, theirs))
        assert sum(a.velocity for a in mine) < 0.6 * sum(b.velocity for b in theirs)
    else:
        assert [n.velocity for n in mine] == [max(1, min(127, round(n.velocity * level)))
                                              for n in theirs]
    others = [n for n in turned if n.part != part]
    assert shape(others) == shape([n for n in plain if n.part != part])
    assert all(1 <= n.velocity <= 127 for n in turned)


@pytest.mark.parametrize("part", ["comping", "bass", "drums", "melody"])
def test_level_zero_silences_that_part_only_and_it_comes_back(part):
    band, listener = listening_band()
    reference, _ = listening_band()
    band.advance(8), reference.advance(8)
    listener.feed(0.0, [CC, getattr(LEVELS, f"{part}_level"), 0])
    turned, plain = band.advance(24), reference.advance(24)
    assert not by_part(turned, part) and by_part(plain, part)
    kept = ["bass"] if part == "melody" else [p for p in config.PARTS if p != part]
    for other in kept:  # (the band hears a silent solo as a rest, as under mute)
        assert shape(by_part(turned, other)) == shape(by_part(plain, other))
    listener.feed(0.0, [CC, getattr(LEVELS, f"{part}_level"), 127])
    assert by_part(band.advance(40), part)  # and back at full level


@pytest.mark.parametrize("part", ["bass", "drums"])
def test_bass_and_drums_have_an_on_off_knob(part):
    band, listener = listening_band()
    band.advance(8)
    listener.feed(0.0, [CC, getattr(LEVELS, part), 0])
    notes = band.advance(24)
    assert not by_part(notes, part) and by_part(notes, "melody")
    listener.feed(0.0, [CC, getattr(LEVELS, part), 127])
    assert by_part(band.advance(40), part)


# --- live ------------------------------------------------------------------------------

@pytest.fixture
def live_port(monkeypatch):
    """Live play into a recording port (no MIDI system), no input."""
    import contextlib
    import time

    from improv.midi import ports

    opened = []

    class Recording:
        def __init__(self):
            self.sent = []

        def send(self, message):
            self.sent.append((time.monotonic() * 1000, message))

        def close(self):
            pass

    def fake_open(backend="auto", port_name="improv", connect=""):
        rec = Recording()
        opened.append(rec)
        return ports.MidiOutput(rec, "'fake'")

    monkeypatch.setattr(ports, "open_output", fake_open)
    monkeypatch.setattr(ports, "open_input", lambda *a, **k: contextlib.nullcontext(None))
    return opened


def test_live_play_counts_in_then_plays_the_bars_asked_for(model, live_port):
    assert main(["play", "--model", str(model), "--tempo", "400", "--bars", "1", "-q",
                 "--seed", "4", "--count-in", "1"]) == 0
    sent = live_port[0].sent
    ons = [(ms, m) for ms, m in sent if m.type == "note_on" and m.velocity]
    first4 = ons[:4]
    assert [(m.channel, m.note) for _, m in first4] == [(DRUMS - 1, SIDE_STICK)] * 4
    assert first4[-1][0] - first4[0][0] > 300  # three beats of 150 ms (400 BPM), roughly
    bass = [ms for ms, m in ons if m.channel == 2]
    assert 1 <= len(bass) <= 4 and bass[0] > first4[-1][0]  # the one bar asked, after it
    assert not pair_notes(sent)[1]
