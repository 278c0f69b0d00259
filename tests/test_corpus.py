"""Corpus: MIDI → Piece (melody, rests, bars, chords, values), track choice, cache, errors."""

import json
from fractions import Fraction

import pytest

from improv.cli import main
from improv.commands.tokens import figures
from improv.errors import CorpusError
from improv.language.grammar import encode_line
from improv.language.harmony import parse_chord
from improv.learning import corpus, piececache
from improv.learning.corpus import (
    Bar,
    Piece,
    bar_grid,
    chord_changes,
    load_piece,
    monophonic_line,
)
from improv.learning.tokenstats import round_trip
from improv.learning.tracks import (
    TrackInfo,
    choose_tracks,
    guess_chords,
    guess_melody,
    track_info,
)

from midifiles import Track, block, write_midi

CMAJ7 = (48, 52, 55, 59)
DM7 = (50, 53, 57, 60)

# The lead: a leading rest, a two-note onset (top note kept), a rest across a bar line,
# a note held over a short articulation gap, triplets, a trailing rest.
LEAD = [
    (1.0, 0.5, 72), (1.5, 0.5, 72), (1.5, 0.5, 76), (2.0, 1.0, 74),
    (6.0, 0.5, 71), (6.5, 1.5, 72),
    (8.0, 0.25, 74), (8.25, 0.25, 76), (8.5, 0.4, 77),
    (9.0, 1 / 3, 79), (9 + 1 / 3, 1 / 3, 77), (9 + 2 / 3, 1 / 3, 76), (10.0, 1.0, 74),
]
KEYS = block(0.0, 4.0, CMAJ7) + [(8.5, 0.5, 64)] + block(9.0, 0.5, (62, 65)) + block(10.0, 2.0, DM7)


def song_tracks():
    return [
        Track("Bass", 2, [(i * 0.5, 0.5, 36 + i % 8) for i in range(24)]),  # busier than the lead
        Track("Lead", 0, LEAD),
        Track("Keys", 1, KEYS),
        Track("Drums", 9, [(i * 0.25, 0.25, 80) for i in range(48)]),  # high, busy, drums
        Track("Pad", 3, [(0.0, 4.0, 88), (4.0, 4.0, 89)]),  # higher than the lead, sparse
    ]


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("IMPROV_CACHE_DIR", str(path))
    return path


@pytest.fixture
def song(tmp_path):
    return write_midi(tmp_path / "song.mid", song_tracks())


@pytest.fixture
def piece(song):
    return load_piece(song)


def notes_of(bar):
    return [(n.offset, n.pitch, round(n.duration, 6)) for n in bar.notes]


# --- the piece ------------------------------------------------------------------------

def test_guesses_lead_as_melody_and_keys_as_chords(piece):
    assert piece.melody_track == "Lead"
    assert piece.chord_tracks == ("Keys",)


def test_bars_cover_the_melody_in_four_four(piece):
    assert [(b.index, b.offset, b.length) for b in piece.bars] == [(0, 0.0, 4.0), (1, 4.0, 4.0),
                                                                   (2, 8.0, 4.0)]


def test_top_note_rests_and_rests_split_at_bar_lines(piece):
    bar0, bar1, bar2 = piece.bars
    assert notes_of(bar0) == [(0.0, None, 1.0), (1.0, 72, 0.5), (1.5, 76, 0.5), (2.0, 74, 1.0),
                              (3.0, None, 1.0)]
    assert notes_of(bar1) == [(0.0, None, 2.0), (2.0, 71, 0.5), (2.5, 72, 1.5)]
    third = round(1 / 3, 6)
    assert notes_of(bar2) == [(0.0, 74, 0.25), (0.25, 76, 0.25), (0.5, 77, 0.5),
                              (1.0, 79, third), (pytest.approx(4 / 3), 77, third),
                              (pytest.approx(5 / 3), 76, third), (2.0, 74, 1.0),
                              (3.0, None, 1.0)]


def test_chords_from_attacks_carried_into_empty_bars(piece):
    names = [[(o, c.name) for o, c in b.chords] for b in piece.bars]
    # the lone note at 8.5 and the dyad at 9.0 are not chord attacks
    assert names == [[(0.0, "Cmaj7")], [(0.0, "Cmaj7")], [(0.0, "Cmaj7"), (2.0, "Dm7")]]
    assert piece.bars[2].chord_at(1.9).name == "Cmaj7"
    assert piece.bars[2].chord_at(2.0).name == "Dm7"


def test_values_are_encoded_over_the_whole_piece(piece):
    line = [(n.pitch, n.duration, b.chord_at(n.offset)) for b in piece.bars for n in b.notes]
    assert piece.values() == tuple(str(v) for v in encode_line(line))
    assert all(len(b.values) == len(b.notes) for b in piece.bars)
    assert piece.bars[0].values[:4] == ("R,1.000", "C,0.500", "C,0.500,<P5,m2>",
                                        "S,1.000,<m2,P-4>")
    # a whole-beat rest ends the phrase: the next note has no range, the one after has
    assert piece.bars[1].values == ("R,2.000", "C,0.500", "C,1.500,<M3,M-2>")
    assert piece.bars[2].values[4] == "S,0.333,<m2,P-4>"  # F after G, a triplet


def test_window_selects_overlapping_bars(piece):
    assert [b.index for b in piece.window(4, 8)] == [1]
    assert [b.index for b in piece.window(3, 9)] == [0, 1, 2]
    assert piece.window(12, 20) == ()


def test_events_carry_previous_pitch_across_windows(piece):
    events = piece.events(piece.window(8, 12))
    assert events[0].pitch == 74 and events[0].previous == 72
    assert round_trip(piece.events()).ok


def test_tracks_by_index_or_name_case_insensitive(song):
    by_name = load_piece(song, melody_track="lead", chord_tracks=["KEYS"])
    by_index = load_piece(song, melody_track=2, chord_tracks="3")
    assert by_name.bars == by_index.bars
    assert by_index.melody_track == "Lead" and by_index.chord_tracks == ("Keys",)


def test_melody_track_may_also_give_the_chords(tmp_path):
    path = write_midi(tmp_path / "solo.mid", [
        Track("Piano", 0, block(0, 2, (48, 52, 55, 72)) + [(2, 1, 74), (3, 1, 76)])])
    piece = load_piece(path)
    assert piece.melody_track == "Piano" and piece.chord_tracks == ("Piano",)
    assert [n.pitch for n in piece.bars[0].notes] == [72, 74, 76]
    assert piece.bars[0].chords[0][1].name == "C"


def test_three_four_time(tmp_path):
    path = write_midi(tmp_path / "waltz.mid", [
        Track("Tune", 0, [(0, 1, 72), (1, 2, 76), (3, 3, 79)]),
        Track("Comp", 1, block(0, 6, (48, 52, 55)))], time_signature=(3, 4))
    piece = load_piece(path)
    assert [(b.offset, b.length) for b in piece.bars] == [(0.0, 3.0), (3.0, 3.0)]
    assert notes_of(piece.bars[1]) == [(0.0, 79, 3.0)]


def test_json_round_trip_rebuilds_chords_by_name(piece):
    again = Piece.from_dict(json.loads(json.dumps(piece.to_dict())))
    assert again == piece
    assert all(parse_chord(c.name) == c for b in piece.bars for _o, c in b.chords)


# --- the cache ------------------------------------------------------------------------

def test_second_load_comes_from_the_cache(song, cache_dir, monkeypatch, tmp_path):
    first = load_piece(song)
    assert len(list(cache_dir.glob("piece-*.json"))) == 1

    def no_music21(*args, **kwargs):
        raise AssertionError("music21 was called on a cache hit")

    monkeypatch.setattr(corpus, "_parse_midi", no_music21)
    assert load_piece(song) == first
    copy = tmp_path / "copy.mid"
    copy.write_bytes(song.read_bytes())
    assert load_piece(copy).source == str(copy)  # same content, other path: still a hit
    with pytest.raises(AssertionError):
        load_piece(song, melody_track="Lead")  # other options: another entry


def test_entries_of_older_code_are_pruned(song, cache_dir, monkeypatch):
    load_piece(song)
    (entry,) = cache_dir.glob("piece-*.json")
    stale = entry.with_name(entry.name.rsplit("-", 1)[0] + "-000000000000.json")
    entry.rename(stale)
    other = cache_dir / "piece-0000000000000000-000000000000-000000000000.json"
    other.write_text("{}")
    load_piece(song)
    assert sorted(p.name for p in cache_dir.iterdir()) == sorted([entry.name, other.name])


def test_no_cache_neither_reads_nor_writes(song, cache_dir):
    load_piece(song, cache=False)
    assert not cache_dir.exists() or not list(cache_dir.iterdir())


@pytest.mark.parametrize("damage", [
    lambda text: "{not json",
    lambda text: "",
    lambda text: text.replace('"Cmaj7"', '"Hmaj7"'),  # a chord that does not parse
    lambda text: text.replace('"values": [', '"values": ["extra", ', 1),
    lambda text: json.dumps({"format": -1}),
])
def test_corrupted_cache_entry_is_parsed_again(song, cache_dir, damage):
    first = load_piece(song)
    (entry,) = cache_dir.glob("piece-*.json")
    entry.write_text(damage(entry.read_text()))
    assert load_piece(song) == first
    assert Piece.from_dict(json.loads(entry.read_text())["piece"]) == first  # rewritten


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("IMPROV_CACHE_DIR", str(tmp_path / "x"))
    assert piececache.cache_dir() == tmp_path / "x"
    monkeypatch.delenv("IMPROV_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert piececache.cache_dir() == tmp_path / "xdg" / "improv"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert piececache.cache_dir() == tmp_path / "home" / ".cache" / "improv"


def test_unwritable_cache_only_costs_speed(song, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache dir should be")
    monkeypatch.setenv("IMPROV_CACHE_DIR", str(blocker / "cache"))
    assert load_piece(song).melody_track == "Lead"


# --- pure building blocks -------------------------------------------------------------

F = Fraction


def test_monophonic_line_keeps_top_note_and_absorbs_short_gaps():
    # notes are (start, end, pitch)
    line = monophonic_line([(F(0), F(1), 60), (F(0), F(2), 64), (F(1), F(4, 3), 62),
                            (F(3, 2), F(2), 65), (F(3), F(3), 67)])
    assert line == [(F(0), F(1), 64),  # top note, cut at the next onset
                    (F(1), F(3, 2), 62),  # a 1/6 gap is articulation: absorbed
                    (F(3, 2), F(2), 65),  # a whole-beat gap stays a rest
                    (F(3), F(13, 4), 67)]  # zero length becomes a sixteenth


def test_chord_changes_need_an_attack_of_three_pitch_classes():
    notes = ([(F(0), F(4), p) for p in CMAJ7] + [(F(1), F(2), 62)]
             + [(F(4), F(5), 60), (F(4), F(5), 72)]  # octave: one pitch class
             + [(F(6), F(8), p) for p in DM7] + [(F(7), F(8), p) for p in DM7])
    assert [(o, c.name) for o, c in chord_changes(notes)] == [(F(0), "Cmaj7"), (F(6), "Dm7")]


def test_bar_grid_follows_time_signature_changes():
    assert bar_grid([(0, 3), (6, 4)], 12) == [(0, 3), (3, 3), (6, 4), (10, 4)]
    assert bar_grid([], 0) == [(0, 4)]


def test_track_guess_prefers_the_busy_upper_monophonic_track():
    tracks = [
        TrackInfo(1, "Syn", 300, 300, 8, 73.0, False),  # high but sparse
        TrackInfo(2, "Guitar", 1300, 1100, 225, 67.0, False),
        TrackInfo(3, "Bass", 1500, 1500, 0, 37.0, False),
        TrackInfo(4, "Piano", 2200, 790, 485, 60.0, False),
        TrackInfo(5, "Organ", 775, 330, 190, 74.0, False),
        TrackInfo(6, "Ride", 1100, 1100, 0, 57.0, True),
    ]
    melody = guess_melody(tracks)
    assert melody.name == "Guitar"
    assert [t.name for t in guess_chords(tracks, melody)] == ["Piano"]


def test_track_info_counts_simultaneities_and_spots_drums():
    info = track_info(3, " Lead ", [(0, 10, 60), (2, 12, 64), (20, 30, 62)], [1, 1, 1], tolerance=4)
    assert (info.name, info.notes, info.onsets, info.simultaneities, info.drums) == \
        ("Lead", 3, 2, 1, False)
    assert track_info(4, "", [(0, 1, 36)], [10]).drums
    assert track_info(5, "", [], []).label == "track 5"


def test_choose_tracks_reports_what_exists():
    tracks = [TrackInfo(1, "Lead", 10, 10, 0, 70.0, False), TrackInfo(2, "Kit", 10, 10, 0, 40.0, True)]
    with pytest.raises(CorpusError, match=r"no track 'Sax'.*1 'Lead'"):
        choose_tracks(tracks, "Sax")
    with pytest.raises(CorpusError, match="drum track"):
        choose_tracks(tracks, "kit")
    with pytest.raises(CorpusError, match="no chord track"):
        choose_tracks(tracks)


# --- the tokens command and bad input ---------------------------------------------------

def test_tokens_prints_figures(song, capsys):
    assert main(["tokens", str(song)]) == 0
    out = capsys.readouterr().out
    assert "melody track     Lead" in out and "round trip       100.00%" in out
    assert main(["tokens", str(song), "--json", "--start", "4", "--end", "8"]) == 0
    fig = json.loads(capsys.readouterr().out)
    assert fig["bars"] == 1 and fig["values"] == 3 and fig["notes"] == 2
    assert fig["window"] == {"start": 4.0, "end": 8.0, "first_bar": 1, "last_bar": 1}
    assert fig["round_trip"]["percent"] == 100.0
    assert sum(fig["type_shares"].values()) == pytest.approx(1.0)


def test_figures_whole_piece(piece):
    fig = figures(piece)
    assert fig["values"] == len(piece.values()) == fig["notes"] + fig["rests"]
    assert fig["distinct_values"] == len(set(piece.values()))
    assert fig["window"] is None


def _bad_inputs(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a MIDI file\n")
    truncated = tmp_path / "truncated.mid"
    truncated.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0")
    drums = write_midi(tmp_path / "drums.mid", [Track("Kit", 9, [(0, 1, 36), (1, 1, 38)])])
    empty = write_midi(tmp_path / "empty.mid", [Track("Nothing", 0, [])])
    melody_only = write_midi(tmp_path / "tune.mid", [Track("Tune", 0, [(0, 1, 60), (1, 1, 62)])])
    song = write_midi(tmp_path / "song.mid", song_tracks())
    return [
        ([str(tmp_path / "missing.mid")], "does not exist"),
        ([str(tmp_path)], "is a folder but not the Weimar"),
        ([str(text)], "is not a MIDI file"),
        ([str(truncated)], "is not a readable MIDI file"),
        ([str(drums)], "no pitched notes"),
        ([str(empty)], "no pitched notes"),
        ([str(melody_only)], "no chord track"),
        ([str(song), "--melody-track", "Sax"], "no track 'Sax'"),
        ([str(song), "--chord-tracks", "Keys,99"], "no track '99'"),
        ([str(song), "--melody-track", "drums"], "drum track"),
        ([str(song), "--chord-tracks", ","], "--chord-tracks is empty"),
        ([str(song), "--chord-tracks", "Pad"], "name no chord"),
        ([str(song), "--start", "8", "--end", "4"], "is not after --start"),
        ([str(song), "--start", "100", "--end", "200"], "holds no bar"),
    ]


def test_bad_input_is_one_line_exit_2(tmp_path, capsys):
    for args, expected in _bad_inputs(tmp_path):
        assert main(["tokens", *args]) == 2, args
        err = capsys.readouterr().err
        assert expected in err, (args, err)
        assert err.startswith("improv") and err.count("\n") == 1, (args, err)
        assert "Traceback" not in err


def test_bad_float_option_exits_2(song, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["tokens", str(song), "--start", "x"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


# --- the real corpus ------------------------------------------------------------------

def test_real_corpus_whole_piece_and_solo_window(corpus_path):
    piece = load_piece(corpus_path)
    assert piece.melody_track == "Guitar" and piece.chord_tracks == ("Piano",)
    trip = round_trip(piece.events())
    assert trip.ok and trip.percent == 100.0 and trip.notes > 900, trip.failures
    solo = piece.window(476, 548)
    assert [b.index for b in solo] == list(range(119, 137))
    values = [v for b in solo for v in b.values]
    assert 150 <= len(values) <= 320  # the seeds' window: a few notes per beat
    assert 60 <= len(set(values)) <= 110  # the seeds report 78 distinct values there
    assert len(piece.values()) > 5 * len(values)
    assert isinstance(piece.bars[0], Bar)
