"""Every chord symbol of the Weimar Jazz Database parses, and its own spelling reads right."""

import csv
from pathlib import Path

import pytest

from improv.language.harmony import NO_CHORD, parse_chord

BEATS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "wjazzd" / "beats"
SOLOS = 456

C, Db, D, Eb, E, F, Gb, G, Ab, A, Bb, B = range(12)


@pytest.mark.parametrize("symbol, quality, tones", [
    ("Cj7", "maj7", {C, E, G, B}),
    ("C-7", "m7", {C, Eb, G, Bb}),
    ("C79", "9", {C, E, G, Bb, D}),
    ("C79b", "7b9", {C, E, G, Bb, Db}),
    ("C79#", "7#9", {C, E, G, Bb, Eb}),
    ("C7911#", "7#11", {C, E, G, Bb, Gb}),
    ("Cj7911#", "maj7#11", {C, E, G, B, Gb}),
    ("C7913", "13", {C, E, G, Bb, D, A}),
    ("C7913b", "9b13", {C, E, G, Bb, D, Ab}),  # 9, b13
    ("C79b13", "13b9", {C, E, G, Bb, Db, A}),  # b9, 13: the flat belongs to the 9
    ("C79b13b", "7b9", {C, E, G, Bb, Db}),  # b9, b13: phrygian dominant holds both
    ("C79#13", "13b9", {C, E, G, Bb, Db, A}),  # #9, 13: half-whole holds both
    ("Csus", "sus4", {C, F, G}),
    ("Csus7", "7sus4", {C, F, G, Bb}),
    ("Csus7913", "9sus4", {C, F, G, Bb, D}),
    ("Co", "dim", {C, Eb, Gb}),
    ("Co7", "dim7", {C, Eb, Gb, A}),
    ("C+", "aug", {C, E, Ab}),
    ("C+7", "7#5", {C, E, Ab, Bb}),
    ("C+79", "9#5", {C, E, Ab, Bb, D}),
    ("C+79#", "7alt", {C, E, Ab, Bb, Eb}),
    ("C+j7", "maj7#5", {C, E, Ab, B}),
    ("C-j7", "mMaj7", {C, Eb, G, B}),
    ("C-69", "m69", {C, Eb, G, A, D}),
    ("C6911#", "69#11", {C, E, G, A, D, Gb}),
    ("C-7911", "m11", {C, Eb, G, Bb, D, F}),
    ("Cm7b5", "m7b5", {C, Eb, Gb, Bb}),
    ("C7alt", "7alt", {C, E, Ab, Bb, Eb}),
    ("Cj79#", "maj7", {C, E, G, B}),  # no scale of the table holds a #9 over a maj7
])
def test_the_databases_spelling(symbol, quality, tones):
    chord = parse_chord(symbol)
    assert (chord.root, chord.quality, chord.tones) == (C, quality, frozenset(tones))


def test_lead_sheet_and_database_accidentals_are_told_apart():
    assert parse_chord("C9b13").quality == "9b13"  # lead sheet: 9, b13
    assert parse_chord("C79b13").quality == "13b9"  # WJD: b9, 13
    assert parse_chord("C69#11") == parse_chord("C6911#")


def _chord_symbols(folder: Path) -> tuple[int, set[str]]:
    """The number of beat files and the distinct chord symbols written in them (an empty
    cell means the chord before goes on, so it is no symbol)."""
    files, symbols = 0, set()
    for path in sorted(folder.glob("*.csv")):
        files += 1
        with path.open(newline="", encoding="utf-8") as handle:
            rows = csv.reader(handle)
            column = next(rows).index("chord")
            symbols.update(row[column] for row in rows if row[column].strip())
    return files, symbols


def test_every_chord_of_the_weimar_jazz_database_parses():
    if not BEATS.is_dir():
        pytest.skip(f"the Weimar Jazz Database is not at {BEATS}")
    files, symbols = _chord_symbols(BEATS)
    assert files == SOLOS
    assert len(symbols) > 300 and "NC" in symbols and "Bb7" in symbols
    failures = {}
    for symbol in sorted(symbols):
        try:
            parse_chord(symbol)
        except ValueError as err:
            failures[symbol] = str(err)
    assert not failures, f"{len(failures)} of {len(symbols)} symbols do not parse: {failures}"
    assert parse_chord("NC") == NO_CHORD
