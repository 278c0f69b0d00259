"""Chords as a root plus pitch classes, and the scale improv plays over each.

Everything here is plain integer pitch-class arithmetic (0 = C … 11 = B) so the
real-time path never touches music21.

A chord symbol is a root (``A``–``G``, ``#``/``b``), a quality and an optional slash bass
(``F/A``); how a quality is read, in lead-sheet or Weimar Jazz Database spelling, is
:mod:`improv.language.chordsymbols`. The notes it names are matched to a quality of the
table below: among those with the same third and seventh, the one whose scale holds
every written note and whose chord tones best match them (most shared, fewest extra;
the earlier on a tie), else the nearest (``Cmaj7#9`` → maj7).

Chord-scale choice (one scale per chord quality, the usual jazz-pedagogy pairing):

==============================  ==============================================  =======================
quality                         example symbols                                 scale
==============================  ==============================================  =======================
maj, maj7, maj9, 6, 69, add9    ``C``, ``Cmaj7``, ``C^7``, ``C6/9``, ``Cadd9``  major (ionian)
maj7#11, 69#11                  ``Cmaj7#11``, ``Cj7911#``, ``C6/9#11``          lydian
maj7#5                          ``Cmaj7#5``, ``C+maj7``, ``C+j7``               lydian augmented
m, m7, m9, m11, m6, m69, madd9  ``Dm``, ``D-7``, ``Dm9``, ``Dm6/9``             dorian
mMaj7                           ``CmMaj7``, ``Cm(maj7)``, ``C-Δ7``, ``C-j7``    melodic minor
7, 9, 13                        ``F7``, ``F9``, ``F13``, ``F79``                mixolydian
sus4, 7sus4, 9sus4, 5           ``Gsus``, ``G7sus4``, ``G11``, ``G5``           mixolydian
sus2                            ``Csus2``                                       major
7#11, 7b5                       ``F7#11``, ``F9#11``, ``F7b5``                  lydian dominant
7b9, 7b13                       ``G7b9``, ``G7b9b13``, ``G79b``                 phrygian dominant
9b13                            ``G9b13``, ``G7913b``                           mixolydian b13
13b9, 7b9#11                    ``G13b9``, ``G7b9#11``, ``G79#13``              half-whole diminished
7alt, 7#9, 7#5                  ``G7alt``, ``G7#9``, ``E7#9#5``, ``G+7``        altered (super-locrian)
9#5                             ``G9#5``, ``G+79``                              whole tone
m7b5                            ``Bm7b5``, ``Bø``, ``Bh7``                      locrian
m9b5                            ``Bø9``, ``Bm11b5``                             locrian natural 2
dim, dim7, dimMaj7              ``Ebdim7``, ``Ebo7``, ``Cdim(maj7)``            whole-half diminished
aug                             ``C+``, ``Caug``                                whole tone
nc (no chord)                   ``NC``, ``N.C.``                                all 12 pitch classes
==============================  ==============================================  =======================

A slash chord (``F/A``) keeps the chord and scale of the part before the slash and
adds the bass note to its pitch classes.

NC (``N.C.``, ``nc``): the soloist plays on freely, every pitch counts as a scale tone;
the comping rests. It is :data:`NO_CHORD`: root 0, quality "nc", no tones, all 12 pitch
classes as its scale (so every pitch is an "S"), named ``N.C.``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from improv.errors import ChordError
from improv.language.chordsymbols import ACCIDENTALS, HOW, quality_notes

NOTE_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

# Scales as intervals above the root.
MAJOR = (0, 2, 4, 5, 7, 9, 11)
LYDIAN = (0, 2, 4, 6, 7, 9, 11)
LYDIAN_AUGMENTED = (0, 2, 4, 6, 8, 9, 11)
DORIAN = (0, 2, 3, 5, 7, 9, 10)
MELODIC_MINOR = (0, 2, 3, 5, 7, 9, 11)
MIXOLYDIAN = (0, 2, 4, 5, 7, 9, 10)
MIXOLYDIAN_B13 = (0, 2, 4, 5, 7, 8, 10)
LYDIAN_DOMINANT = (0, 2, 4, 6, 7, 9, 10)
PHRYGIAN_DOMINANT = (0, 1, 4, 5, 7, 8, 10)
ALTERED = (0, 1, 3, 4, 6, 8, 10)
LOCRIAN = (0, 1, 3, 5, 6, 8, 10)
LOCRIAN_NAT2 = (0, 2, 3, 5, 6, 8, 10)
WHOLE_HALF = (0, 2, 3, 5, 6, 8, 9, 11)
HALF_WHOLE = (0, 1, 3, 4, 6, 7, 9, 10)
WHOLE_TONE = (0, 2, 4, 6, 8, 10)


@dataclass(frozen=True)
class Quality:
    """A chord quality: the chord tones and the scale that goes with them."""

    name: str
    tones: tuple[int, ...]
    scale: tuple[int, ...]


# Order matters only on ties when matching a symbol's notes: earlier entries win.
_Q = {q.name: q for q in (
    Quality("maj", (0, 4, 7), MAJOR),
    Quality("maj7", (0, 4, 7, 11), MAJOR),
    Quality("maj9", (0, 4, 7, 11, 2), MAJOR),
    Quality("maj7#11", (0, 4, 7, 11, 6), LYDIAN),
    Quality("6", (0, 4, 7, 9), MAJOR),
    Quality("69", (0, 4, 7, 9, 2), MAJOR),
    Quality("m", (0, 3, 7), DORIAN),
    Quality("m7", (0, 3, 7, 10), DORIAN),
    Quality("m9", (0, 3, 7, 10, 2), DORIAN),
    Quality("m11", (0, 3, 7, 10, 2, 5), DORIAN),
    Quality("m6", (0, 3, 7, 9), DORIAN),
    Quality("mMaj7", (0, 3, 7, 11), MELODIC_MINOR),
    Quality("7", (0, 4, 7, 10), MIXOLYDIAN),
    Quality("9", (0, 4, 7, 10, 2), MIXOLYDIAN),
    Quality("13", (0, 4, 7, 10, 2, 9), MIXOLYDIAN),
    Quality("7sus4", (0, 5, 7, 10), MIXOLYDIAN),
    Quality("9sus4", (0, 5, 7, 10, 2), MIXOLYDIAN),
    Quality("sus4", (0, 5, 7), MIXOLYDIAN),
    Quality("sus2", (0, 2, 7), MAJOR),
    Quality("7#11", (0, 4, 7, 10, 6), LYDIAN_DOMINANT),
    Quality("7b5", (0, 4, 6, 10), LYDIAN_DOMINANT),
    Quality("7b9", (0, 4, 7, 10, 1), PHRYGIAN_DOMINANT),
    Quality("7b13", (0, 4, 7, 10, 8), PHRYGIAN_DOMINANT),
    Quality("7#9", (0, 4, 7, 10, 3), ALTERED),
    Quality("7#5", (0, 4, 8, 10), ALTERED),
    Quality("7alt", (0, 4, 10, 3, 8), ALTERED),
    Quality("m7b5", (0, 3, 6, 10), LOCRIAN),
    Quality("dim", (0, 3, 6), WHOLE_HALF),
    Quality("dim7", (0, 3, 6, 9), WHOLE_HALF),
    Quality("aug", (0, 4, 8), WHOLE_TONE),
    # Added for lead-sheet spellings and the WJD.
    Quality("5", (0, 7), MIXOLYDIAN),
    Quality("add9", (0, 4, 7, 2), MAJOR),
    Quality("madd9", (0, 3, 7, 2), DORIAN),
    Quality("m69", (0, 3, 7, 9, 2), DORIAN),
    Quality("69#11", (0, 4, 7, 9, 2, 6), LYDIAN),
    Quality("maj7#5", (0, 4, 8, 11), LYDIAN_AUGMENTED),
    Quality("dimMaj7", (0, 3, 6, 11), WHOLE_HALF),
    Quality("m9b5", (0, 3, 6, 10, 2), LOCRIAN_NAT2),
    Quality("9b13", (0, 4, 7, 10, 2, 8), MIXOLYDIAN_B13),
    Quality("9#5", (0, 4, 8, 10, 2), WHOLE_TONE),
    Quality("13b9", (0, 4, 7, 10, 1, 9), HALF_WHOLE),
    Quality("7b9#11", (0, 4, 7, 10, 1, 6), HALF_WHOLE),
)}

_SYMBOL_RE = re.compile(r"^([A-Ga-g])([#b♯♭]*)(.*?)(?:/([A-Ga-g])([#b♯♭]*))?$")
_NO_CHORD_RE = re.compile(r"n\.?\s*c\.?", re.IGNORECASE)


def _pitch_class(letter: str, accidentals: str) -> int:
    return (_LETTERS[letter.upper()] + sum(ACCIDENTALS[a] for a in accidentals)) % 12


_PITCH_RE = re.compile(r"^([A-Ga-g])([#b♯♭]*)(-?\d+)$")


def parse_pitch(text: str) -> int:
    """A MIDI pitch from a name with its octave (``E3`` is 52, middle C ``C4`` 60, ``Bb5``)
    or a number 0-127; a ValueError names what was wrong."""
    text = text.strip()
    if text.isdigit():
        pitch = int(text)
    else:
        match = _PITCH_RE.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not a pitch: write a name and octave such as E3 or "
                             f"C6 (middle C is C4), or a MIDI number 0-127")
        letter, accidentals, octave = match.groups()
        pitch = 12 * (int(octave) + 1) + _LETTERS[letter.upper()] + sum(
            ACCIDENTALS[a] for a in accidentals)
    if not 0 <= pitch <= 127:
        raise ValueError(f"{text!r} is outside MIDI's pitches 0-127 (C-1 to G9)")
    return pitch


@dataclass(frozen=True)
class Chord:
    """A chord: a root pitch class, its chord tones and its scale, as pitch-class sets.

    ``tones`` and ``scale`` are absolute pitch classes (not intervals), so membership
    tests are a set lookup.
    """

    root: int
    quality: str
    tones: frozenset[int]
    scale: frozenset[int]
    bass: int | None = None
    symbol: str = field(default="", compare=False)

    @property
    def name(self) -> str:
        if self.quality == "nc":
            return "N.C."
        text = NOTE_NAMES[self.root] + ("" if self.quality == "maj" else self.quality)
        return text if self.bass is None else f"{text}/{NOTE_NAMES[self.bass]}"

    def __str__(self) -> str:
        return self.symbol or self.name


NO_CHORD = Chord(0, "nc", frozenset(), frozenset(range(12)))


def make_chord(root: int, quality: str, bass: int | None = None, symbol: str = "") -> Chord:
    """Build a chord from a root pitch class and a quality name of this module
    (``"nc"``: :data:`NO_CHORD`, whatever the root and bass)."""
    if quality == "nc":
        return Chord(0, "nc", NO_CHORD.tones, NO_CHORD.scale, None, symbol)
    q = _Q[quality]
    tones = frozenset((root + i) % 12 for i in q.tones)
    if bass is not None:
        tones = tones | {bass % 12}
    scale = frozenset((root + i) % 12 for i in q.scale) | tones
    return Chord(root % 12, quality, tones, scale, None if bass is None else bass % 12, symbol)


def _frame(notes) -> tuple[int, int]:
    """A chord's kind: its third (4, 3 or 0 for none) and seventh (11, 10, 9 for a
    diminished seventh, 0 for none). A symbol only maps to a quality of its own kind."""
    third = 4 if 4 in notes else 3 if 3 in notes else 0
    seventh = (11 if 11 in notes else 10 if 10 in notes
               else 9 if 9 in notes and 6 in notes and 7 not in notes else 0)
    return third, seventh


@lru_cache(maxsize=256)
def _quality_for(notes: frozenset[int]) -> str | None:
    """The quality of the table that fits a quality's notes best (see the module doc), or
    None when no quality has their third and seventh."""
    def fit(order_and_name):
        order, name = order_and_name
        tones, scale = set(_Q[name].tones), set(_Q[name].scale)
        return (notes <= tones | scale, len(tones & notes) - len(tones - notes),
                -len(notes - tones), -order)
    candidates = [(k, name) for k, (name, q) in enumerate(_Q.items())
                  if _frame(q.tones) == _frame(notes)]
    return max(candidates, key=fit)[1] if candidates else None


@lru_cache(maxsize=1024)
def parse_chord(symbol: str) -> Chord:
    """Parse a chord symbol such as ``Cmaj7``, ``Bbm7b5``, ``G7alt``, ``C6/9``, ``F/A``,
    ``G79b`` (WJD) or ``NC`` (see the module doc).

    Raises ChordError naming the symbol when it is not understood.
    """
    text = symbol.strip()
    if _NO_CHORD_RE.fullmatch(text):
        return make_chord(0, "nc", symbol=text)
    match = _SYMBOL_RE.match(text)
    if not match:
        raise ChordError(f"unknown chord symbol {symbol!r}: {HOW}")
    letter, acc, suffix, bass_letter, bass_acc = match.groups()
    notes = quality_notes(suffix, symbol)
    quality = _quality_for(notes)
    if quality is None:
        raise ChordError(f"unknown chord symbol {symbol!r}: no chord quality has the third "
                         f"and seventh of {suffix!r}: {HOW}")
    bass = _pitch_class(bass_letter, bass_acc) if bass_letter else None
    return make_chord(_pitch_class(letter, acc), quality, bass, text)


def parse_progression(text: str) -> tuple[tuple[Chord, ...], ...]:
    """Parse ``"F7 | Bb7 | F7 Cm7 F7 | …"`` into bars, each a tuple of chords.

    Chords within a bar share it equally. Raises ChordError naming the first bad symbol.
    """
    depth = 0
    for char in text:  # a comma inside parentheses is an alteration list: C7(b9,#11)
        depth += (char == "(") - (char == ")")
        if char == "," and depth <= 0:
            raise ChordError(f"commas do not separate chords ({text.strip()!r}): '|' separates "
                             f"bars and spaces the chords of a bar, e.g. 'Dm7 | G7 | Cmaj7'")
    bars = []
    for number, bar in enumerate(text.split("|"), start=1):
        symbols = bar.split()
        if not symbols:
            if bar.strip() == "" and (number == 1 or number == len(text.split("|"))):
                continue  # a leading or trailing bar line
            raise ChordError(f"bar {number} of the progression is empty: put a chord in it "
                             f"or remove the extra '|'")
        bars.append(tuple(parse_chord(s) for s in symbols))
    if not bars:
        raise ChordError("the progression has no chords: write bars of chord symbols "
                         "separated by '|', e.g. 'F7 | Bb7 | F7 | Cm7 F7'")
    return tuple(bars)


# Templates tried when naming a simultaneity, most common first so ties favour them.
# The extended ones (9ths, altered and #11 dominants) come last: they win only when
# their extra tone is actually sounding, so a voiced 9th or b9 becomes a chord tone and
# rootless 9#11 voicings are not misread as augmented triads.
_RECOGNISE = ("maj7", "m7", "7", "m7b5", "dim7", "6", "m6", "mMaj7", "maj", "m", "dim",
              "aug", "7sus4", "sus4", "maj9", "m9", "9", "69", "m11", "13", "9sus4", "7b9",
              "7#9", "7b5", "7#11")


def recognise_chord(pitches) -> Chord | None:
    """Name the chord that best explains a set of sounding MIDI pitches.

    Each root and template is scored by the pitch classes it explains minus those it
    leaves out; the lowest sounding note breaks ties as the preferred root. Returns None
    for an empty set.
    """
    pitches = sorted({int(p) for p in pitches})
    if not pitches:
        return None
    pcs = {p % 12 for p in pitches}
    bass = pitches[0] % 12
    best = None
    best_score = None
    for order, quality in enumerate(_RECOGNISE):
        q = _Q[quality]
        for root in range(12):
            tones = {(root + i) % 12 for i in q.tones}
            hit = len(pcs & tones)
            if hit == 0:
                continue
            score = (2 * hit - 2 * len(pcs - tones) - len(tones - pcs),
                     root == bass, root in pcs, -order)
            if best_score is None or score > best_score:
                best_score, best = score, (root, quality)
    root, quality = best
    return make_chord(root, quality)


@lru_cache(maxsize=4096)
def type_table(chord: Chord) -> tuple[str, ...]:
    """The grammar type (C, S, A or X) of each of the 12 pitch classes over ``chord``.

    C: chord tone. S: scale tone. A: approach tone, a semitone from a chord tone.
    X: anything else. Cached per chord: the real-time decoder looks this up per note.
    """
    table = []
    for pc in range(12):
        if pc in chord.tones:
            table.append("C")
        elif pc in chord.scale:
            table.append("S")
        elif (pc + 1) % 12 in chord.tones or (pc - 1) % 12 in chord.tones:
            table.append("A")
        else:
            table.append("X")
    return tuple(table)


def note_type(pitch: int, chord: Chord) -> str:
    """The grammar type of one MIDI pitch over ``chord``."""
    return type_table(chord)[pitch % 12]
