"""Harmony: chord symbols, recognition of simultaneities, the C/S/A/X type table."""

import pytest

from improv.errors import ChordError, UsageError
from improv.language.harmony import (
    _Q,
    NO_CHORD,
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


@pytest.mark.parametrize("symbol", ["", "   ", "H7", "Cfoo", "C7/", "X", "7", "Cmaj7/H",
                                    "Cxyz", "C7#", "C7b", "C7-", "C7#7", "C65", "C2",
                                    "Cmaj7sus4", "N.C./E", "NC7"])
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


# --- lead-sheet spellings ------------------------------------------------------------------

@pytest.mark.parametrize("symbol, root, quality, tones", [
    ("Gadd9", G, "add9", pcs(G, B, D, A)),
    ("Cadd9", C, "add9", pcs(C, E, G, D)),
    ("C(add9)", C, "add9", pcs(C, E, G, D)),
    ("Cmadd9", C, "madd9", pcs(C, Eb, G, D)),
    ("Cm6/9", C, "m69", pcs(C, Eb, G, A, D)),
    ("C6/9", C, "69", pcs(C, E, G, A, D)),
    ("E7#9#5", E, "7alt", pcs(E, Ab, D, G, C)),  # G# D, and F## = G, B# = C
    ("C7#5#9", C, "7alt", pcs(C, E, Ab, Bb, Eb)),
    ("C7#9#5", C, "7alt", pcs(C, E, Ab, Bb, Eb)),
    ("C+7#9", C, "7alt", pcs(C, E, Ab, Bb, Eb)),
    ("C7b9#11", C, "7b9#11", pcs(C, E, G, Bb, Db, Gb)),
    ("C7(b9,#11)", C, "7b9#11", pcs(C, E, G, Bb, Db, Gb)),
    ("C7b9b5", C, "7b9#11", pcs(C, E, G, Bb, Db, Gb)),  # half-whole: b5 = #11
    ("Cmaj7#5", C, "maj7#5", pcs(C, E, Ab, B)),
    ("C+maj7", C, "maj7#5", pcs(C, E, Ab, B)),
    ("Cm(maj7)", C, "mMaj7", pcs(C, Eb, G, B)),
    ("C-Δ7", C, "mMaj7", pcs(C, Eb, G, B)),
    ("Cdim(maj7)", C, "dimMaj7", pcs(C, Eb, Gb, B)),
    ("Csus2", C, "sus2", pcs(C, D, G)),
    ("C5", C, "5", pcs(C, G)),
    ("Cmaj7(#11)", C, "maj7#11", pcs(C, E, G, B, Gb)),
    ("Cmaj9#11", C, "maj7#11", pcs(C, E, G, B, Gb)),
    ("C69#11", C, "69#11", pcs(C, E, G, A, D, Gb)),
    ("C7(b9)", C, "7b9", pcs(C, E, G, Bb, Db)),
    ("C7-9", C, "7b9", pcs(C, E, G, Bb, Db)),
    ("C13b9", C, "13b9", pcs(C, E, G, Bb, Db, A)),
    ("C7#9b13", C, "7#9", pcs(C, E, G, Bb, Eb)),  # b13 stays a scale tone (altered)
    ("C9b13", C, "9b13", pcs(C, E, G, Bb, D, Ab)),
    ("C9#5", C, "9#5", pcs(C, E, Ab, Bb, D)),
    ("C+9", C, "9#5", pcs(C, E, Ab, Bb, D)),
    ("Cm7(b5)", C, "m7b5", pcs(C, Eb, Gb, Bb)),
    ("Cm7-5", C, "m7b5", pcs(C, Eb, Gb, Bb)),
    ("Cm11b5", C, "m9b5", pcs(C, Eb, Gb, Bb, D)),
    ("Cø9", C, "m9b5", pcs(C, Eb, Gb, Bb, D)),
    ("C9#11", C, "7#11", pcs(C, E, G, Bb, Gb)),
    ("CΔ", C, "maj7", pcs(C, E, G, B)),
    ("Cma7", C, "maj7", pcs(C, E, G, B)),
    ("C-", C, "m", pcs(C, Eb, G)),
    ("Cmi7", C, "m7", pcs(C, Eb, G, Bb)),
    ("Caug7", C, "7#5", pcs(C, E, Ab, Bb)),
    ("C7+", C, "7#5", pcs(C, E, Ab, Bb)),
    ("C+5", C, "aug", pcs(C, E, Ab)),
    ("C11", C, "9sus4", pcs(C, F, G, Bb, D)),  # as jazz players read it: no 3rd
    ("Cm11", C, "m11", pcs(C, Eb, G, Bb, D, F)),
    ("C13sus4", C, "9sus4", pcs(C, F, G, Bb, D)),
    ("C7 alt", C, "7alt", pcs(C, E, Ab, Bb, Eb)),
    ("c7", C, "7", pcs(C, E, G, Bb)),  # a lowercase root is still the root
    ("f#m7b5", Gb, "m7b5", pcs(Gb, A, C, E)),
])
def test_lead_sheet_spellings(symbol, root, quality, tones):
    chord = parse_chord(symbol)
    assert (chord.root, chord.quality, chord.tones, chord.bass) == (root, quality, tones, None)
    assert chord.tones <= chord.scale
    assert str(chord) == symbol
    assert parse_chord(chord.name) == chord


@pytest.mark.parametrize("symbol, scale", [
    ("Cadd9", pcs(C, D, E, F, G, A, B)),  # major
    ("Cm6/9", pcs(C, D, Eb, F, G, A, Bb)),  # dorian
    ("C5", pcs(C, D, E, F, G, A, Bb)),  # mixolydian, as for sus chords
    ("Cmaj7#5", pcs(C, D, E, Gb, Ab, A, B)),  # lydian augmented
    ("C69#11", pcs(C, D, E, Gb, G, A, B)),  # lydian
    ("C7b9#11", pcs(C, Db, Eb, E, Gb, G, A, Bb)),  # half-whole diminished
    ("C13b9", pcs(C, Db, Eb, E, Gb, G, A, Bb)),  # half-whole diminished
    ("C9b13", pcs(C, D, E, F, G, Ab, Bb)),  # mixolydian b13
    ("C9#5", pcs(C, D, E, Gb, Ab, Bb)),  # whole tone
    ("Cø9", pcs(C, D, Eb, F, Gb, Ab, Bb)),  # locrian natural 2
    ("Cdim(maj7)", pcs(C, D, Eb, F, Gb, Ab, A, B)),  # whole-half diminished
    ("C7#5#9", pcs(C, Db, Eb, E, Gb, Ab, Bb)),  # altered
])
def test_scales_of_the_new_qualities(symbol, scale):
    assert parse_chord(symbol).scale == scale


def test_six_nine_is_not_a_slash_chord():
    six_nine = parse_chord("C6/9")
    assert (six_nine.quality, six_nine.bass) == ("69", None)
    assert six_nine == parse_chord("C69") == parse_chord("C6add9")
    assert parse_chord("Cm6/9") == parse_chord("Cm69") == parse_chord("C-69")
    assert parse_chord("C/E").bass == E and parse_chord("C/E").quality == "maj"
    over_e = parse_chord("C6/9/E")
    assert (over_e.quality, over_e.bass, over_e.name) == ("69", E, "C69/E")
    assert parse_chord("C7/Bb").bass == Bb


def test_new_spellings_agree():
    assert parse_chord("Cm(maj7)") == parse_chord("CmMaj7") == parse_chord("C-Δ7") \
        == parse_chord("C-j7") == parse_chord("Cminmaj7")
    assert parse_chord("C7#5#9") == parse_chord("C7#9#5") == parse_chord("C7(#5,#9)") \
        == parse_chord("C7alt")
    assert parse_chord("CΔ") == parse_chord("Cmaj7") == parse_chord("C^")
    assert parse_chord("Caug7") == parse_chord("C+7") == parse_chord("C7+5")


# --- no chord ------------------------------------------------------------------------------

@pytest.mark.parametrize("symbol", ["NC", "N.C.", "N.C", "nc", "n.c.", " NC "])
def test_no_chord(symbol):
    chord = parse_chord(symbol)
    assert chord == NO_CHORD
    assert (chord.quality, chord.tones, chord.scale) == ("nc", frozenset(), frozenset(range(12)))
    assert chord.name == "N.C." and str(chord) == symbol.strip()
    assert parse_chord(chord.name) == chord
    assert make_chord(5, "nc", 9) == chord  # root and bass mean nothing without a chord


def test_over_no_chord_the_soloist_plays_freely_and_the_comping_rests():
    from improv.band.comping import voicing

    chord = parse_chord("NC")
    assert type_table(chord) == ("S",) * 12
    assert {note_type(p, chord) for p in range(128)} == {"S"}
    assert voicing(chord, 50) == ()
    bars = parse_progression("Cm7 | NC | F7 N.C.")
    assert [[c.name for c in bar] for bar in bars] == [["Cm7"], ["N.C."], ["F7", "N.C."]]


def test_bad_symbol_messages_say_how_to_write_one():
    with pytest.raises(ChordError, match=r"'C7#'.*alter 5, 9, 11 or 13"):
        parse_chord("C7#")
    with pytest.raises(ChordError, match=r"'Cxyz'.*cannot read 'xyz'.*e\.g\. 'Bbm7'"):
        parse_chord("Cxyz")
    with pytest.raises(ChordError, match=r"'H7'.*root A-G"):
        parse_chord("H7")
    with pytest.raises(ValueError, match=r"NC for no chord"):
        parse_chord("")
