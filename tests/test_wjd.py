"""The Weimar Jazz Database reader: solos become the bars and values the MIDI reader
makes, and ``improv tokens`` reads a solo or the folder. Skipped without the corpus."""

import shutil
from pathlib import Path

import pytest

from improv.cli import main
from improv.learning.tokenstats import round_trip
from improv.learning.wjd import is_folder, load_solo_piece, read_solo, solo_paths

WJD = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "wjazzd"


@pytest.fixture(scope="module")
def wjd():
    if not is_folder(WJD):
        pytest.skip(f"the Weimar Jazz Database is absent ({WJD})")
    return WJD


def test_a_solo_becomes_bars_of_values_that_round_trip(wjd):
    path = wjd / "melody" / "ArtPepper_Anthropology_Solo.csv"
    piece = load_solo_piece(path, cache=False)
    solo = read_solo(path)
    assert piece.values() and round_trip(piece.events()).ok
    # bars where the beat track says (a pickup is a short bar of its own), in 4/4
    assert len(piece.bars) == len(solo.bar_starts) + (solo.bar_starts[0] > 0)
    assert {b.length for b in piece.bars[1:]} == {4.0}
    notes = sum(n.pitch is not None for b in piece.bars for n in b.notes)
    assert 0.9 * len(solo.notes) <= notes <= len(solo.notes)  # the top line of the notes
    assert piece.bars[1].chords[0][1].name == "Bb6"  # the database's "Bb6"


def test_a_three_four_solo_has_three_beat_bars(wjd):
    for path in solo_paths(wjd):
        solo = read_solo(path)
        if solo.beats_per_bar == 3:
            piece = load_solo_piece(path, cache=False)
            lengths = [b.length for b in piece.bars[1:-1]]
            assert max(set(lengths), key=lengths.count) == 3.0
            assert round_trip(piece.events()).ok
            return
    pytest.skip("no 3/4 solo found")


def test_the_cache_gives_the_same_piece(wjd, tmp_path, monkeypatch):
    monkeypatch.setenv("IMPROV_CACHE_DIR", str(tmp_path))
    path = wjd / "melody" / "ArtPepper_Desafinado_Solo.csv"
    first = load_solo_piece(path)
    assert load_solo_piece(path).values() == first.values()


def test_tokens_reads_the_folder_with_a_line_per_solo(wjd, tmp_path, capsys):
    folder = tmp_path / "wjazzd"
    for sub in ("melody", "beats"):
        (folder / sub).mkdir(parents=True)
        for name in ("ArtPepper_Desafinado_Solo.csv", "ZootSims_KingDavid_Solo.csv"):
            shutil.copy(wjd / sub / name, folder / sub / name)
    assert main(["tokens", str(folder), "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "2 solos" in out and "100.00%" in out and "ZootSims_KingDavid_Solo" in out
    assert main(["tokens", str(folder / "melody" / "ZootSims_KingDavid_Solo.csv"),
                 "--no-cache"]) == 0


def test_tokens_on_a_folder_that_is_not_the_database_is_one_line(tmp_path, capsys):
    assert main(["tokens", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not the Weimar Jazz Database" in err[0]


def test_tokens_on_a_missing_solo_is_one_line(tmp_path, capsys):
    assert main(["tokens", str(tmp_path / "melody" / "Nobody_Solo.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot read the solo" in err[0]
