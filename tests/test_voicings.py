"""Piano voicings of every quality: the shapes a pianist plays, in a playable register."""

from __future__ import annotations

import pytest

from improv.language.harmony import _Q, make_chord, parse_chord
from improv.language.voicings import degrees, voicings

C, Db, D, Eb, E, F, Gb, G, Ab, A, Bb, B = range(12)
KINDS = {"root", "inversion", "shell", "drop2", "rootless"}


def pcs(notes):
    return [n % 12 for n in notes]


def test_cmaj7_by_kind():
    v = voicings(parse_chord("Cmaj7"))
    assert v["root"] == [(48, 52, 55, 59)]
    assert v["inversion"] == [(52, 55, 59, 60), (55, 59, 60, 64), (59, 60, 64, 67)]
    assert v["shell"] == [(48, 52, 59), (48, 59, 64)]
    assert (55, 60, 64, 71) in v["drop2"] and len(v["drop2"]) == 4  # G-C-E-B from C-E-G-B
    assert [pcs(x) for x in v["rootless"]] == [[E, G, B, D], [B, D, E, G]]  # 3-5-7-9, 7-9-3-5


def test_dominant_rootless_a_and_b():
    a, b = voicings(parse_chord("C7"))["rootless"]
    assert pcs(a) == [E, A, Bb, D] and pcs(b) == [Bb, D, E, A]  # 3-13-b7-9, b7-9-3-13


@pytest.mark.parametrize("symbol, tones", [
    ("C7alt", [E, Ab, Bb, Eb]),  # b13 for the 13, #9 for the 9
    ("C79b", [E, Ab, Bb, Db]),  # phrygian dominant: b9, b13
    ("C7911#", [E, Gb, Bb, D]),  # #11 for the 13
    ("C79b13", [E, A, Bb, Db]),  # 13b9
    ("C+7", [E, Ab, Bb, Db]),  # 7#5: its #5, and the altered scale's b9
    ("C-7", [Eb, G, Bb, D]),
    ("C-6", [Eb, G, A, D]),
    ("C-j7", [Eb, G, B, D]),
    ("Cm7b5", [Eb, Gb, Bb, D]),
    ("Co7", [Eb, Gb, A, C]),  # symmetric: all four tones
    ("C6", [E, G, A, D]),
    ("Cj7911#", [E, Gb, B, D]),
    ("Csus7", [F, G, Bb, D]),
])
def test_rootless_tensions(symbol, tones):
    assert pcs(voicings(parse_chord(symbol))["rootless"][0]) == tones


@pytest.mark.parametrize("quality", sorted(_Q))
def test_every_quality_and_root_is_playable(quality):
    for root in range(12):
        chord = make_chord(root, quality)
        d = degrees(quality)
        v = voicings(chord)
        assert set(v) == KINDS
        for kind, notes in v.items():
            for voicing in notes:
                assert list(voicing) == sorted(set(voicing)), (quality, kind, voicing)
                assert 40 <= voicing[0] and voicing[-1] <= 84, (quality, kind, voicing)
                allowed = chord.scale | ({(root + 2) % 12} if quality == "m7b5" else set())
                assert {p % 12 for p in voicing} <= allowed  # m7b5: locrian #2's 9
        assert v["root"][0][0] % 12 == root and len(v["root"][0]) <= 5
        basses = {(x[0] - root) % 12 for x in v["inversion"]}
        assert basses <= {d.third, d.fifth, d.seventh} and 0 not in basses
        for shell in v["shell"]:
            assert shell[0] % 12 == root and len(shell) in (2, 3)
        for drop in v["drop2"]:
            assert len(drop) == 4 and {(p - root) % 12 for p in drop} == set(d.core)
        if family_of(quality) not in ("dim", "aug"):
            assert all(root not in pcs(x) for x in v["rootless"]), quality


def family_of(quality):
    from improv.language.chordnaming import family
    return family(quality)


def test_no_chord_and_slash_chords():
    assert voicings(parse_chord("NC")) == {kind: [] for kind in KINDS}
    assert voicings(parse_chord("C/E")) == voicings(parse_chord("C"))


def test_low_moves_the_register():
    assert voicings(parse_chord("F7"), low=40)["root"] == [(41, 45, 48, 51)]
