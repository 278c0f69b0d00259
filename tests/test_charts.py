"""Charts in, any metre out: MusicXML and text charts agree; waltz and 5/4 renders have
their bar lengths, time signatures and accents; bad charts are one line."""

from fractions import Fraction

import mido
import numpy as np
import pytest

from improv.cli import main
from improv.commands.charts import load_chart
from improv.errors import ChartError
from improv.language.grammar import Value
from improv.band.chart import Progression
from improv.band.comping import Comping, comp_hits
from improv.performance.feel import Feel
from improv.band.melodysettings import Melody

from daemon_fakes import duo

from randmodel import write_random_model

music21 = pytest.importorskip("music21")

TEXT = """\
title: Test Waltz
tempo: 150
time: 3/4
form: AB

[A]
| Bb7 | Cm7 . F7 | Ebmaj7 | Am7b5 D7(b9) . |
[B]
| Gm6 | G7sus4 |
"""


def write_musicxml(path):
    """The same tune as TEXT, written by music21 (chord kinds as MusicXML spells them)."""
    m = music21
    changes = [[(0, "B-", "dominant-seventh")], [(0, "C", "minor-seventh"), (2, "F", "dominant")],
               [(0, "E-", "major-seventh")],
               [(0, "A", "half-diminished"), (1, "D", "dominant-seventh", 9)],
               [(0, "G", "minor-sixth")], [(0, "G", "suspended-fourth-seventh")]]
    score, part = m.stream.Score(), m.stream.Part()
    score.insert(0, m.metadata.Metadata(title="Test Waltz"))
    for number, bar in enumerate(changes, start=1):
        measure = m.stream.Measure(number=number)
        if number == 1:
            measure.timeSignature = m.meter.TimeSignature("3/4")
            measure.insert(0, m.expressions.RehearsalMark("A"))
        if number == 5:
            measure.insert(0, m.expressions.RehearsalMark("B"))
        for at, root, kind, *flat in bar:
            symbol = m.harmony.ChordSymbol(root=root, kind=kind)
            if flat:
                symbol.addChordStepModification(
                    m.harmony.ChordStepModification("add", flat[0], -1))
            measure.insert(at, symbol)
        measure.append(m.note.Rest(quarterLength=3))
        part.append(measure)
    score.insert(0, part)
    score.write("musicxml", str(path))
    return path


def spans(progression):
    return [(s.start, s.end, s.chord.root, s.chord.quality, s.chord.tones)
            for s in progression.spans]


def test_musicxml_and_text_charts_read_into_the_same_progression(tmp_path):
    text = tmp_path / "waltz.txt"
    text.write_text(TEXT)
    from_text = load_chart(text)
    from_xml = load_chart(write_musicxml(tmp_path / "waltz.musicxml"))
    assert from_text.beats_per_bar == from_xml.beats_per_bar == 3
    assert from_xml.sections == from_text.sections == ("A", "B")
    assert from_xml.title == "Test Waltz"
    a, b = Progression.from_chart(from_text), Progression.from_chart(from_xml)
    assert spans(a) == spans(b)
    assert a.length == 18 and a.span_at(Fraction(4)).chord.name == "Cm7"
    assert a.section_at(13) == "B" and a.section_at(18 + 1) == "A"  # it loops


class Quarters:
    """A value source of quarter notes (and a rest now and then)."""

    def __init__(self):
        self.k = 0

    def next_value(self):
        self.k += 1
        return Value("R", 1.0) if self.k % 7 == 0 else Value("C", 1.0, -2, 2)


@pytest.mark.parametrize("metre", [3, 5, 6])
def test_odd_metres_count_bars_and_accent_their_strong_beats(metre):
    chart = Progression.parse("C7 | F7", metre)
    p = duo(Quarters(), chart, np.random.default_rng(0), melody=Melody(velocity=80),
                  comping=Comping(enabled=False), feel=Feel(swing=0, accent=10, humanise=0, timing="grid"))
    notes = p.advance(metre * 4)
    for n in notes:
        assert n.bar == int(n.start // metre) + 1
        assert n.chord.name == ("C7" if (n.start // metre) % 2 == 0 else "F7")
    strong = {3: {0}, 5: {0, 3}, 6: {0, 3}}[metre]
    for n in notes:
        assert n.velocity == (95 if n.start % metre in strong else 90)


def test_comping_hits_follow_the_beat_groups():
    assert [on for on, _off, _a in comp_hits(Fraction(0), Fraction(5), "charleston", 5)] == \
        [0, Fraction(3, 2), 3]
    assert [on for on, _off, _a in comp_hits(Fraction(0), Fraction(3), "charleston", 3)] == \
        [0, Fraction(3, 2)]
    assert [on for on, _off, _a in comp_hits(Fraction(0), Fraction(4), "charleston", 4)] == \
        [0, Fraction(3, 2)]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return write_random_model(tmp_path_factory.mktemp("model") / "m")


@pytest.mark.parametrize("time, beats", [("3/4", 3), ("5/4", 5)])
def test_a_render_in_an_odd_metre_has_its_bars_and_time_signature(tmp_path, model, time, beats):
    out = tmp_path / "solo.mid"
    assert main(["play", "--model", str(model), "--progression", "Dm7 | G7 | Cmaj7 | A7",
                 "--time", time, "--out", str(out), "--bars", "8", "--seed", "3",
                 "--comping-style", "charleston"]) == 0
    midi = mido.MidiFile(out)
    signature = [m for m in midi.tracks[0] if m.type == "time_signature"][0]
    assert (signature.numerator, signature.denominator) == (beats, 4)
    end = max(sum(m.time for m in track) for track in midi.tracks)
    assert end == 8 * beats * midi.ticks_per_beat
    comping = [m for m in mido.merge_tracks(midi.tracks[2:3]) if m.type == "note_on"]
    at, onsets = 0, set()
    for m in mido.merge_tracks(midi.tracks[2:3]):
        at += m.time
        if m.type == "note_on" and m.velocity:
            onsets.add(at)
    bar_lines = {k * beats * midi.ticks_per_beat for k in range(8)}
    assert bar_lines <= onsets and comping
    at, kit = 0, set()  # the drums keep the metre too: a hit on every bar line
    for m in midi.tracks[4]:
        at += m.time
        if m.type == "note_on" and m.velocity:
            kit.add(at)
    assert bar_lines <= kit


def test_play_over_a_chart_file_takes_its_tempo_and_metre(tmp_path, model, capsys):
    chart = tmp_path / "waltz.txt"
    chart.write_text(TEXT)
    out = tmp_path / "solo.mid"
    assert main(["play", "--model", str(model), "--chart", str(chart), "--out", str(out),
                 "--bars", "6", "--seed", "1"]) == 0
    midi = mido.MidiFile(out)
    tempo = [m for m in midi.tracks[0] if m.type == "set_tempo"][0].tempo
    assert mido.tempo2bpm(tempo) == pytest.approx(150)
    assert [m.numerator for m in midi.tracks[0] if m.type == "time_signature"] == [3]


def write_no_chords(path):
    m = music21
    part = m.stream.Part()
    measure = m.stream.Measure(number=1)
    measure.append(m.note.Note("C4", quarterLength=4))
    part.append(measure)
    score = m.stream.Score()
    score.insert(0, part)
    score.write("musicxml", str(path))
    return path


@pytest.mark.parametrize("make, words", [
    (lambda d: write_no_chords(d / "tune.musicxml"), ["no chord symbols"]),
    (lambda d: (d / "bad.txt").write_text("| C7 |\n\n\n\n\n\n| F7 | Hm7 |") and d / "bad.txt",
     ["bad.txt, line 7, bar 3", "Hm7"]),
    (lambda d: (d / "odd.txt").write_text("time: 7/3\n| C7 |") and d / "odd.txt", ["7/3"]),
    (lambda d: d / "missing.musicxml", ["does not exist"]),
])
def test_bad_charts_are_one_line_and_exit_2(tmp_path, model, capsys, make, words):
    path = make(tmp_path)
    assert main(["play", "--model", str(model), "--chart", str(path), "--out",
                 str(tmp_path / "x.mid"), "--bars", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    for word in words:
        assert word in err[0]
    assert not (tmp_path / "x.mid").exists()


def test_an_unknown_time_signature_for_a_progression_is_one_line(tmp_path, model, capsys):
    assert main(["play", "--model", str(model), "--time", "7/3", "--out",
                 str(tmp_path / "x.mid"), "--bars", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "7/3" in err[0]


def test_a_broken_musicxml_is_one_line(tmp_path):
    bad = tmp_path / "broken.musicxml"
    bad.write_text("<score-partwise><part id='P1'><measure>")
    with pytest.raises(ChartError, match="broken.musicxml"):
        load_chart(bad)


def test_the_shipped_charts_read_and_play_in_their_metres(tmp_path, model):
    from improv.commands.charts import shipped_charts

    names = shipped_charts()
    assert {"blues-in-f", "rhythm-changes", "minor-blues", "falling-leaves", "waltz-in-bb",
            "five-four"} <= set(names)
    metres = {name: load_chart(name).beats_per_bar for name in names}
    assert metres["waltz-in-bb"] == 3 and metres["five-four"] == 5
    out = tmp_path / "five.mid"
    assert main(["play", "--model", str(model), "--chart", "five-four", "--out", str(out),
                 "--bars", "4", "--seed", "2"]) == 0
    assert [m.numerator for m in mido.MidiFile(out).tracks[0] if m.type == "time_signature"] == [5]


def test_a_config_file_names_a_shipped_chart_or_a_file_beside_it(tmp_path):
    from improv.commands import config

    (tmp_path / "config.toml").write_text('chart = "waltz-in-bb"\n')
    assert config.load(tmp_path / "config.toml").chart == "waltz-in-bb"
    (tmp_path / "tune.txt").write_text(TEXT)
    (tmp_path / "config.toml").write_text('chart = "tune.txt"\n')
    assert config.load(tmp_path / "config.toml").chart == str(tmp_path / "tune.txt")


def test_a_musicxml_pickup_is_no_bar_of_its_own_and_added_sevenths_count(tmp_path):
    m = music21
    part = m.stream.Part()
    pickup = m.stream.Measure(number=0)
    pickup.timeSignature = m.meter.TimeSignature("4/4")
    pickup.append(m.note.Note("G4", quarterLength=1))
    part.append(pickup)
    for number, (root, kind, seventh) in enumerate(
            [("C", "suspended-fourth", -1), ("F", "minor", -1), ("B-", "dominant-seventh", None)],
            start=1):
        measure = m.stream.Measure(number=number)
        symbol = m.harmony.ChordSymbol(root=root, kind=kind)
        if seventh is not None:
            symbol.addChordStepModification(m.harmony.ChordStepModification("add", 7, seventh))
        measure.insert(0, symbol)
        measure.append(m.note.Rest(quarterLength=4))
        part.append(measure)
    score = m.stream.Score()
    score.insert(0, part)
    path = tmp_path / "pickup.musicxml"
    score.write("musicxml", str(path))
    chart = load_chart(path)
    assert [bar.chords[0][1].name for bar in chart.bars] == ["C7sus4", "Fm7", "Bb7"]


def test_a_live_progression_in_another_metre_is_refused_in_one_line():
    from improv.errors import UsageError

    p = duo(Quarters(), Progression.parse("C7", 3), np.random.default_rng(0),
                  comping=Comping(enabled=False))
    with pytest.raises(UsageError, match="restart to change metre"):
        p.set_progression(Progression.parse("F7", 4))
    p.set_progression(Progression.parse("F7", 3))
    assert {n.chord.name for n in p.advance(6)} == {"F7"}
