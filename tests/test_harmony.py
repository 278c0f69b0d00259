"""Harmony: chord symbols, recognition of simultaneities, the C/S/A/X type table."""

import pytest

from improv.errors import ChordError, UsageError
from improv.language.harmony import (
    _Q,
    make_chord,
    note_type,
    parse_chord,
    parse_progression,
    recognise_chord,
    type_table,
)

C, Db, D, Eb, E, F, Gb, G, Ab, A, Bb, B = range(12)


def pcs(*names):
    return frozenset(names)


@pytest.mark.parametrize("symbol, root, quality, tones", [
    ("Cmaj7", C, "maj7", pcs(C, E, G, B)),
    ("C^7", C, "maj7", pcs(C, E, G, B)),
    ("F7", F, "7", pcs(F, A, C, Eb)),
    ("Bbm7b5", Bb, "m7b5", pcs(Bb, Db, E, Ab)),
    ("Bø", B, "m7b5", pcs(B, D, F, A)),
    ("G7alt", G, "7alt", pcs(G, B, F, Bb, Eb)),
    ("G7b9", G, "7b9", pcs(G, B, D, F, Ab)),
    ("Ebdim7", Eb, "dim7", pcs(Eb, Gb, A, C)),
    ("D-7", D, "m7", pcs(D, F, A, C)),
    ("Dm9", D, "m9", pcs(D, F, A, C, E)),
    ("C6", C, "6", pcs(C, E, G, A)),
    ("F#m7", Gb, "m7", pcs(Gb, A, Db, E)),
    ("C7(b9)", C, "7b9", pcs(C, E, G, Bb, Db)),
])
def test_parse_chord_symbols(symbol, root, quality, tones):
    chord = parse_chord(symbol)
    assert (chord.root, chord.quality, chord.tones) == (root, quality, tones)
    assert chord.tones <= chord.scale
    assert str(chord) == symbol


@pytest.mark.parametrize("symbol, scale", [
    ("Cmaj7", pcs(C, D, E, F, G, A, B)),  # major
    ("Dm7", pcs(D, E, F, G, A, B, C)),  # dorian
    ("G7", pcs(G, A, B, C, D, E, F)),  # mixolydian
    ("Bm7b5", pcs(B, C, D, E, F, G, A)),  # locrian
    ("G7alt", pcs(G, Ab, Bb, B, Db, Eb, F)),  # altered
    ("Cdim7", pcs(C, D, Eb, F, Gb, Ab, A, B)),  # whole-half
])
def test_chord_scales(symbol, scale):
    assert parse_chord(symbol).scale == scale


def test_slash_chord_adds_its_bass():
    chord = parse_chord("F/A")
    assert (chord.root, chord.quality, chord.bass) == (F, "maj", A)
    assert chord.tones == pcs(F, A, C)
    assert parse_chord("C/D").tones == pcs(C, E, G, D)
    assert parse_chord("F/A").name == "F/A"


def test_spellings_agree():
    assert parse_chord("C^7") == parse_chord("Cmaj7") == parse_chord("CΔ7")
    assert parse_chord("D-7") == parse_chord("Dm7") == parse_chord("Dmin7")
    assert parse_chord("Bø") == parse_chord("Bm7b5") == parse_chord("Bh7")


@pytest.mark.parametrize("symbol", ["", "   ", "H7", "Cfoo", "C7/", "X", "7", "Cmaj7/H"])
def test_bad_symbols_raise_one_line_chord_errors(symbol):
    with pytest.raises(ChordError) as info:
        parse_chord(symbol)
    assert isinstance(info.value, UsageError)
    assert "\n" not in str(info.value) and repr(symbol) in str(info.value)


def test_every_chord_name_parses_back():
    for root in range(12):
        for quality in _Q:
            for bass in (None, (root + 4) % 12, (root + 1) % 12):
                chord = make_chord(root, quality, bass)
                assert parse_chord(chord.name) == chord, chord.name


def test_progression():
    bars = parse_progression("| F7 | Bb7 | F7 Cm7 F7 |")
    assert [[c.name for c in bar] for bar in bars] == [["F7"], ["Bb7"], ["F7", "Cm7", "F7"]]
    with pytest.raises(ChordError, match="bar 2 of the progression is empty"):
        parse_progression("F7 || Bb7")
    with pytest.raises(ChordError, match="has no chords"):
        parse_progression(" | ")
    with pytest.raises(ChordError, match="'Q7'"):
        parse_progression("F7 | Q7")


@pytest.mark.parametrize("pitches, name", [
    ([60, 64, 67, 71], "Cmaj7"),
    ([60, 64, 67], "C"),
    ([62, 65, 69, 72], "Dm7"),  # = F6 without D; the bass decides
    ([53, 62, 69, 72], "F6"),
    ([55, 59, 62, 65], "G7"),
    ([59, 62, 65, 69], "Bm7b5"),
    ([51, 54, 57, 60], "Ebdim7"),
    ([36, 55, 58, 62, 65], "C9sus4"),  # not Bb6/9 over C: the bass decides the tie
    ([36, 55, 58, 65], "C7sus4"),
    ([50, 53, 57, 60, 64], "Dm9"),  # a voiced 9th is a chord tone
    ([47, 57, 60, 63, 66], "B7b9"),
    ([43, 53, 57, 59, 61, 65], "G7b5"),  # G9#11 without its 5th, not a Db augmented triad
    ([48, 55, 60, 64, 67, 76], "C"),  # doublings do not matter
])
def test_recognise_simultaneities(pitches, name):
    assert recognise_chord(pitches).name == name


def test_recognise_nothing():
    assert recognise_chord([]) is None
    assert recognise_chord([60]).root == C


def test_type_table_over_cmaj7():
    #                 C    Db   D    Eb   E    F    Gb   G    Ab   A    Bb   B
    assert type_table(parse_chord("Cmaj7")) == (
        "C", "A", "S", "A", "C", "S", "A", "C", "A", "S", "A", "C")


def test_type_table_x_only_away_from_chord_tones():
    table = type_table(parse_chord("C"))
    assert table[Bb] == "X" and table[B] == "S" and table[Db] == "A"
    assert "X" not in type_table(parse_chord("Ebdim7"))  # every pc is scale or next to a tone
    assert note_type(61, parse_chord("Cmaj7")) == "A"
    assert note_type(127, parse_chord("G7")) == "C"  # G9


def test_types_partition_the_octave():
    for quality in _Q:
        chord = make_chord(D, quality)
        table = type_table(chord)
        assert {pc for pc in range(12) if table[pc] == "C"} == chord.tones
        assert {pc for pc in range(12) if table[pc] in "CS"} == chord.scale
