"""A chart's key: parsed as lead sheets write it, written as MIDI's key signature."""

import mido
import music21
import pytest

from improv.errors import ChartError
from improv.language.keys import Key, parse_key
from improv.language.leadsheet import parse_text
from improv.language.musicxml import read


@pytest.mark.parametrize("text, name, sharps", [
    ("C", "C", 0), ("Bb", "Bb", -2), ("F#", "F#", 6), ("Gm", "Gm", -2), ("G minor", "Gm", -2),
    ("eb-", "Ebm", -6), ("C#", "C#", 7), ("Cb major", "Cb", -7), ("A#m", "A#m", 7),
    ("E major", "E", 4)])
def test_keys_as_lead_sheets_write_them(text, name, sharps):
    key = parse_key(text)
    assert (key.name, key.sharps) == (name, sharps)


@pytest.mark.parametrize("key", [Key("Bb"), Key("Gm".rstrip("m"), True), Key("F#"),
                                 Key("Ebm".rstrip("m"), True), Key("C")])
def test_the_signature_reads_back_through_mido_as_the_same_key(key):
    meta = mido.MetaMessage.from_bytes(b"\xff\x59\x02" + key.signature())
    assert meta.key == key.name


@pytest.mark.parametrize("text", ["H", "Bb dorian", "G#", "Fbm", "", "C7"])
def test_a_key_that_is_none_or_needs_eight_accidentals_is_one_error(text):
    with pytest.raises(ChartError, match="key"):
        parse_key(text, "tune.txt: key")


def test_a_text_chart_names_its_key_and_a_bad_one_names_the_file():
    assert parse_text("key: Gm\n| Cm7 | D7 |").key == Key("G", True)
    assert parse_text("| Cm7 | D7 |").key is None
    with pytest.raises(ChartError, match="tune.txt: key: 'Q' is not a key"):
        parse_text("key: Q\n| Cm7 |", "tune.txt")


def test_musicxml_brings_its_key_signature_and_mode(tmp_path):
    for signature, expected in ((music21.key.Key("g"), Key("G", True)),
                                (music21.key.KeySignature(-3), Key("Eb")), (None, None)):
        part, measure = music21.stream.Part(), music21.stream.Measure(number=1)
        if signature is not None:
            measure.insert(0, signature)
        measure.insert(0, music21.harmony.ChordSymbol("Cm7"))
        measure.append(music21.note.Rest(quarterLength=4))
        part.append(measure)
        score = music21.stream.Score()
        score.insert(0, part)
        path = tmp_path / "tune.musicxml"
        score.write("musicxml", str(path))
        assert read(path).key == expected
