"""Offline render (--out): tracks, tempo, determinism, atomic writes; solo statistics."""

import json
import subprocess
import sys
from pathlib import Path

import mido
import numpy as np
import pytest

from improv.cli import main
from improv.language.harmony import parse_chord
from improv.band.solofeel import GRACE_SOFTER
from improv.band.note import Note
from improv.analysis.solostats import pitch_name, solo_stats

from daemon_fakes import pair_notes
from randmodel import write_random_model

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return write_random_model(tmp_path_factory.mktemp("model") / "m")


def render(model, out, *extra):
    return main(["play", "--model", str(model), "--out", str(out), "-q", *extra])


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(model, tmp_path):
    assert render(model, tmp_path / "a.mid", "--seed", "7") == 0
    assert render(model, tmp_path / "b.mid", "--seed", "7") == 0
    assert render(model, tmp_path / "c.mid", "--seed", "8") == 0
    a, b, c = ((tmp_path / n).read_bytes() for n in ("a.mid", "b.mid", "c.mid"))
    assert a == b and a != c


def test_file_has_tempo_melody_and_comping_tracks_of_the_right_length(model, tmp_path):
    out = tmp_path / "solo.mid"
    assert render(model, out, "--seed", "1", "--bars", "8", "--tempo", "150") == 0
    midi = mido.MidiFile(out)
    assert midi.type == 1 and len(midi.tracks) == 5  # conductor, melody, comping, bass, drums
    tempos = [m.tempo for m in midi.tracks[0] if m.type == "set_tempo"]
    assert tempos == [mido.bpm2tempo(150)]
    for track in midi.tracks:
        assert sum(m.time for m in track) == 8 * 4 * midi.ticks_per_beat
    melody = [m for m in midi.tracks[1] if m.type.startswith("note")]
    chords = [m for m in midi.tracks[2] if m.type.startswith("note")]
    bass = [m for m in midi.tracks[3] if m.type.startswith("note")]
    drums = [m for m in midi.tracks[4] if m.type.startswith("note")]
    assert {m.channel for m in melody} == {0} and {m.channel for m in chords} == {1}
    assert {m.channel for m in bass} == {2} and all(28 <= m.note <= 55 for m in bass)
    assert {m.channel for m in drums} == {9}  # General MIDI's drum channel
    assert all(44 <= m.note <= 88 for m in melody)  # [melody] low..high
    for track in midi.tracks[1:]:
        pairs, left = pair_notes([(0, m) for m in track if m.type.startswith("note")])
        assert pairs and not left


def test_no_comping_and_other_channels(model, tmp_path):
    out = tmp_path / "solo.mid"
    assert render(model, out, "--seed", "1", "--bars", "2", "--no-comping", "--no-drums", "--no-bass",
                  "--channel", "5") == 0
    midi = mido.MidiFile(out)
    assert len(midi.tracks) == 2
    assert {m.channel for m in midi.tracks[1] if m.type.startswith("note")} == {4}


def test_existing_file_is_replaced_whole_and_bad_targets_leave_nothing(model, tmp_path, capsys):
    out = tmp_path / "solo.mid"
    out.write_bytes(b"old")
    assert render(model, out, "--seed", "2", "--bars", "1") == 0
    assert out.read_bytes()[:4] == b"MThd"
    assert render(model, tmp_path / "missing" / "x.mid", "--seed", "2") == 2
    assert render(model, tmp_path, "--seed", "2") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "does not exist" in err[0] and "is a directory" in err[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["solo.mid"]


def test_stats_are_printed(model, tmp_path, capsys):
    assert render(model, tmp_path / "s.mid", "--seed", "7", "--stats") == 0
    out = capsys.readouterr().out
    assert "chord tones:" in out and "pitch range:" in out and "longest repeated phrase" in out


def melody(pitches):
    f7 = parse_chord("F7")
    return [Note(k, k + 0.5, 1, p, 90, "melody", f7, 1) for k, p in enumerate(pitches)]


def test_solo_stats_repeat_is_a_phrase_played_twice_not_overlapping():
    comping = [Note(0, 4, 2, 41, 60, "comping", parse_chord("F7"), 1)] * 5  # never counted
    stats = solo_stats(melody([60, 62, 63, 70, 60, 62, 63]) + comping)
    assert stats.repeat == (60, 62, 63) and stats.notes == 7
    assert solo_stats(melody([65, 65, 65, 65])).repeat == (65, 65)
    assert solo_stats(melody([60, 62, 64])).repeat == ()
    assert "longest repeated phrase: 2 notes (F4 F4)" in solo_stats(melody([65] * 4)).lines()
    assert solo_stats(comping).lines() == ["melody notes: 0"]


def test_pitch_names():
    assert pitch_name(60) == "C4" and pitch_name(52) == "E3" and pitch_name(84) == "C6"


def test_the_numpy_play_path_imports_neither_tensorflow_nor_music21(model, tmp_path):
    code = ("import sys; from improv.cli import main; "
            f"rc = main(['play', '--model', {str(model)!r}, '--out', {str(tmp_path / 'x.mid')!r},"
            " '-q', '--seed', '1']); "
            "import json; print(json.dumps([rc, 'tensorflow' in sys.modules, "
            "'music21' in sys.modules, 'keras' in sys.modules]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [0, False, False, False]


def test_a_rendered_file_names_its_tracks_instruments_chords_and_sections(model, tmp_path):
    out = tmp_path / "rc.mid"
    assert render(model, out, "--seed", "3", "--bars", "10", "--chart", "rhythm-changes") == 0
    midi = mido.MidiFile(out)
    conductor, melody, comping, bass, drums = midi.tracks
    assert [(m.type, m.name) for m in bass[:2]] == [("track_name", "bass"),
                                                   ("instrument_name", "Acoustic Bass")]
    assert [(m.type, m.name) for m in drums[:1]] == [("track_name", "drums")]
    assert not [m for m in drums if m.type == "program_change"]  # the channel's GM kit
    assert [(m.type, m.name) for m in melody[:2]] == [("track_name", "melody"),
                                                     ("instrument_name", "Tenor Sax")]
    assert [(m.type, m.name) for m in comping[:2]] == [("track_name", "comping"),
                                                      ("instrument_name", "Acoustic Grand Piano")]
    for track, channel, program in ((melody, 0, 66), (comping, 1, 0)):
        change = next(m for m in track if m.type == "program_change")
        assert (change.channel, change.program) == (channel, program)
        notes = [m for m in track if m.type == "note_on"]
        assert track.index(change) < track.index(notes[0])  # at time 0, before any note
    marks, tick = [], 0
    for m in conductor:
        tick += m.time
        if m.type == "marker":
            marks.append((tick // (4 * 480) + 1, m.text))  # (bar, text)
    assert marks[:3] == [(1, "A"), (1, "Bb6"), (1, "G7")]
    assert (9, "A") in marks  # the second A of the AABA form (bar 9)
    assert {text for _, text in marks} >= {"Cm7", "F7"}
    keys = [m for m in conductor if m.type == "key_signature"]
    assert [(k.key, k.time) for k in keys] == [("Bb", 0)]  # the chart's key: header


def test_a_minor_key_and_a_progression_without_one(model, tmp_path):
    out = tmp_path / "fl.mid"
    assert render(model, out, "--seed", "3", "--bars", "2", "--chart", "falling-leaves") == 0
    assert [m.key for m in mido.MidiFile(out).tracks[0] if m.type == "key_signature"] == ["Gm"]
    assert render(model, out, "--seed", "3", "--bars", "2", "--progression", "Dm7 | G7") == 0
    assert not [m for m in mido.MidiFile(out).tracks[0] if m.type == "key_signature"]


def test_the_settings_a_musician_changes_most_have_flags(model, tmp_path, capsys):
    out = tmp_path / "f.mid"
    assert render(model, out, "--seed", "2", "--bars", "4", "--register", "C4-C5",
                  "--program", "57", "--comping-program", "5", "--comping-style", "sustain",
                  "--velocity", "100", "--comping-velocity", "50") == 0
    melody, comping = mido.MidiFile(out).tracks[1:3]
    notes = [m for m in melody if m.type == "note_on"]
    assert 60 <= min(m.note for m in notes) and max(m.note for m in notes) <= 72
    # 100, humanised and accented around it; a grace note is GRACE_SOFTER softer
    assert 100 - 4 - GRACE_SOFTER <= min(m.velocity for m in notes)
    assert 96 <= np.median([m.velocity for m in notes])
    assert next(m for m in melody if m.type == "instrument_name").name == "Trumpet"
    assert next(m for m in comping if m.type == "instrument_name").name == "Electric Piano 1"
    chords = [m for m in comping if m.type == "note_on"]
    assert {m.velocity for m in chords} == {50}  # sustained: one strike, no accents
    assert render(model, out, "--register", "C4-D4") == 2
    assert "octave" in capsys.readouterr().err
    assert render(model, out, "--register", "low-high") == 2
    assert "not a pitch" in capsys.readouterr().err
