"""Chords as a root plus pitch classes, and the scale improv plays over each.

Everything here is plain integer pitch-class arithmetic (0 = C … 11 = B) so the
real-time path never touches music21.

Chord-scale choice (one scale per chord quality, the usual jazz-pedagogy pairing):

==========================  ===========================  ==========================
quality                      example symbols               scale
==========================  ===========================  ==========================
major triad / maj7 / 6 / 69  ``C``, ``Cmaj7``, ``C^7``       major (ionian)
maj7#11                      ``Cmaj7#11``                  lydian
minor triad / m7 / m9 / m11  ``Dm``, ``D-7``, ``Dm9``        dorian
m6                           ``Dm6``                       dorian
minor-major 7                ``CmMaj7``, ``C-^7``           melodic minor
dominant 7 / 9 / 13          ``F7``, ``F9``, ``F13``        mixolydian
sus4 / 7sus4 / 9sus4         ``G7sus4``, ``G9sus``         mixolydian
dominant 7#11 / 7b5          ``F7#11``                     lydian dominant
dominant 7b9 / 7b13          ``G7b9``                      phrygian dominant
altered / 7#9 / 7#5          ``G7alt``, ``G7#9``            altered (super-locrian)
half-diminished              ``Bm7b5``, ``Bø``, ``Bh7``     locrian
diminished / dim7            ``Ebdim7``, ``Ebo7``           whole-half diminished
augmented                    ``C+``, ``Caug``               whole tone
==========================  ===========================  ==========================

A slash chord (``F/A``) keeps the chord and scale of the part before the slash and
adds the bass note to its pitch classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from improv.errors import ChordError

NOTE_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTALS = {"#": 1, "♯": 1, "b": -1, "♭": -1}

# Scales as intervals above the root.
MAJOR = (0, 2, 4, 5, 7, 9, 11)
LYDIAN = (0, 2, 4, 6, 7, 9, 11)
DORIAN = (0, 2, 3, 5, 7, 9, 10)
MELODIC_MINOR = (0, 2, 3, 5, 7, 9, 11)
MIXOLYDIAN = (0, 2, 4, 5, 7, 9, 10)
LYDIAN_DOMINANT = (0, 2, 4, 6, 7, 9, 10)
PHRYGIAN_DOMINANT = (0, 1, 4, 5, 7, 8, 10)
ALTERED = (0, 1, 3, 4, 6, 8, 10)
LOCRIAN = (0, 1, 3, 5, 6, 8, 10)
WHOLE_HALF = (0, 2, 3, 5, 6, 8, 9, 11)
WHOLE_TONE = (0, 2, 4, 6, 8, 10)


@dataclass(frozen=True)
class Quality:
    """A chord quality: the chord tones and the scale that goes with them."""

    name: str
    tones: tuple[int, ...]
    scale: tuple[int, ...]


_Q = {
    "maj": Quality("maj", (0, 4, 7), MAJOR),
    "maj7": Quality("maj7", (0, 4, 7, 11), MAJOR),
    "maj9": Quality("maj9", (0, 4, 7, 11, 2), MAJOR),
    "maj7#11": Quality("maj7#11", (0, 4, 7, 11, 6), LYDIAN),
    "6": Quality("6", (0, 4, 7, 9), MAJOR),
    "69": Quality("69", (0, 4, 7, 9, 2), MAJOR),
    "m": Quality("m", (0, 3, 7), DORIAN),
    "m7": Quality("m7", (0, 3, 7, 10), DORIAN),
    "m9": Quality("m9", (0, 3, 7, 10, 2), DORIAN),
    "m11": Quality("m11", (0, 3, 7, 10, 2, 5), DORIAN),
    "m6": Quality("m6", (0, 3, 7, 9), DORIAN),
    "mMaj7": Quality("mMaj7", (0, 3, 7, 11), MELODIC_MINOR),
    "7": Quality("7", (0, 4, 7, 10), MIXOLYDIAN),
    "9": Quality("9", (0, 4, 7, 10, 2), MIXOLYDIAN),
    "13": Quality("13", (0, 4, 7, 10, 2, 9), MIXOLYDIAN),
    "7sus4": Quality("7sus4", (0, 5, 7, 10), MIXOLYDIAN),
    "9sus4": Quality("9sus4", (0, 5, 7, 10, 2), MIXOLYDIAN),
    "sus4": Quality("sus4", (0, 5, 7), MIXOLYDIAN),
    "sus2": Quality("sus2", (0, 2, 7), MAJOR),
    "7#11": Quality("7#11", (0, 4, 7, 10, 6), LYDIAN_DOMINANT),
    "7b5": Quality("7b5", (0, 4, 6, 10), LYDIAN_DOMINANT),
    "7b9": Quality("7b9", (0, 4, 7, 10, 1), PHRYGIAN_DOMINANT),
    "7b13": Quality("7b13", (0, 4, 7, 10, 8), PHRYGIAN_DOMINANT),
    "7#9": Quality("7#9", (0, 4, 7, 10, 3), ALTERED),
    "7#5": Quality("7#5", (0, 4, 8, 10), ALTERED),
    "7alt": Quality("7alt", (0, 4, 10, 3, 8), ALTERED),
    "m7b5": Quality("m7b5", (0, 3, 6, 10), LOCRIAN),
    "dim": Quality("dim", (0, 3, 6), WHOLE_HALF),
    "dim7": Quality("dim7", (0, 3, 6, 9), WHOLE_HALF),
    "aug": Quality("aug", (0, 4, 8), WHOLE_TONE),
}

# Spellings musicians write, mapped to the qualities above.
_SUFFIXES = {
    "": "maj", "M": "maj", "maj": "maj", "Maj": "maj", "major": "maj",
    "maj7": "maj7", "M7": "maj7", "Maj7": "maj7", "^7": "maj7", "^": "maj7", "Δ": "maj7",
    "Δ7": "maj7", "j7": "maj7",
    "maj9": "maj9", "M9": "maj9", "^9": "maj9", "Δ9": "maj9",
    "maj7#11": "maj7#11", "^7#11": "maj7#11", "Δ7#11": "maj7#11", "M7#11": "maj7#11",
    "6": "6", "maj6": "6", "M6": "6", "69": "69", "6/9": "69",
    "m": "m", "-": "m", "min": "m", "mi": "m",
    "m7": "m7", "-7": "m7", "min7": "m7", "mi7": "m7",
    "m9": "m9", "-9": "m9", "min9": "m9",
    "m11": "m11", "-11": "m11", "min11": "m11",
    "m6": "m6", "-6": "m6", "min6": "m6",
    "mMaj7": "mMaj7", "mmaj7": "mMaj7", "m^7": "mMaj7", "-^7": "mMaj7", "mM7": "mMaj7",
    "-Δ7": "mMaj7", "mΔ7": "mMaj7", "minmaj7": "mMaj7",
    "7": "7", "dom7": "7", "9": "9", "13": "13", "11": "7sus4",
    "7sus4": "7sus4", "7sus": "7sus4", "9sus4": "9sus4", "9sus": "9sus4", "13sus": "7sus4",
    "sus4": "sus4", "sus": "sus4", "sus2": "sus2",
    "7#11": "7#11", "9#11": "7#11", "13#11": "7#11", "7b5": "7b5",
    "7b9": "7b9", "7-9": "7b9", "13b9": "7b9", "7b13": "7b13", "7b9b13": "7b9",
    "7#9": "7#9", "7+9": "7#9", "7alt": "7alt", "alt": "7alt", "7#5": "7#5", "7+5": "7#5",
    "+7": "7#5", "aug7": "7#5", "7b9#9": "7alt", "7#9b13": "7alt", "7#5#9": "7alt",
    "m7b5": "m7b5", "-7b5": "m7b5", "min7b5": "m7b5", "mi7b5": "m7b5", "ø": "m7b5",
    "ø7": "m7b5", "h": "m7b5", "h7": "m7b5", "Ø": "m7b5", "Ø7": "m7b5",
    "dim": "dim", "o": "dim", "°": "dim", "dim7": "dim7", "o7": "dim7", "°7": "dim7",
    "aug": "aug", "+": "aug",
}

_SYMBOL_RE = re.compile(r"^([A-Ga-g])([#b♯♭]*)(.*?)(?:/([A-Ga-g])([#b♯♭]*))?$")


def _pitch_class(letter: str, accidentals: str) -> int:
    return (_LETTERS[letter.upper()] + sum(_ACCIDENTALS[a] for a in accidentals)) % 12


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
        text = NOTE_NAMES[self.root] + ("" if self.quality == "maj" else self.quality)
        return text if self.bass is None else f"{text}/{NOTE_NAMES[self.bass]}"

    def __str__(self) -> str:
        return self.symbol or self.name


def make_chord(root: int, quality: str, bass: int | None = None, symbol: str = "") -> Chord:
    """Build a chord from a root pitch class and a quality name of this module."""
    q = _Q[quality]
    tones = frozenset((root + i) % 12 for i in q.tones)
    if bass is not None:
        tones = tones | {bass % 12}
    scale = frozenset((root + i) % 12 for i in q.scale) | tones
    return Chord(root % 12, quality, tones, scale, None if bass is None else bass % 12, symbol)


@lru_cache(maxsize=1024)
def parse_chord(symbol: str) -> Chord:
    """Parse a chord symbol such as ``Cmaj7``, ``Bbm7b5``, ``G7alt`` or ``F/A``.

    Raises ChordError naming the symbol when it is not understood.
    """
    text = symbol.strip()
    match = _SYMBOL_RE.match(text)
    if not match:
        raise ChordError(f"unknown chord symbol {symbol!r}: write a root A-G, an optional "
                         f"#/b and a quality such as maj7, m7, 7, m7b5, dim7 (e.g. 'Bbm7')")
    letter, acc, suffix, bass_letter, bass_acc = match.groups()
    suffix = suffix.replace("(", "").replace(")", "").replace(" ", "")
    quality = _SUFFIXES.get(suffix)
    if quality is None:
        raise ChordError(f"unknown chord symbol {symbol!r}: quality {suffix!r} is not one of "
                         f"maj7, ^7, 6, m, m7, -7, m9, m6, 7, 9, 13, 7sus4, 7b9, 7#9, 7alt, "
                         f"7#11, m7b5, ø, dim, dim7, aug")
    bass = _pitch_class(bass_letter, bass_acc) if bass_letter else None
    return make_chord(_pitch_class(letter, acc), quality, bass, text)


def parse_progression(text: str) -> tuple[tuple[Chord, ...], ...]:
    """Parse ``"F7 | Bb7 | F7 Cm7 F7 | …"`` into bars, each a tuple of chords.

    Chords within a bar share it equally. Raises ChordError naming the first bad symbol.
    """
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
    pitches = sorted(set(int(p) for p in pitches))
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
