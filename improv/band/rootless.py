"""Rootless piano voicings in A and B form, chosen by voice leading (pure).

A jazz pianist comping over a bass leaves the root to the bassist and plays four notes
around middle C: the guide tones (3rd and 7th), which tell the chord's family, and the
colours (9th, 13th, the alterations the symbol names), with the 5th where nothing
better fills the hand. Each chord has two shapes of the same notes (Bill Evans, Wynton
Kelly; the names as Mark Levine's *Jazz Piano Book* uses them):

* **A form**, from the 3rd: major 3-5-7-9, minor b3-5-b7-9, dominant 3-13-b7-9;
* **B form**, the top two an octave lower, from the 7th: 7-9-3-5, b7-9-b3-5, b7-9-3-13.

Over a ii-V-I the forms alternate (Dm7 A, G7 B, Cmaj7 A, or the reverse) because that
is what moves least: the 7th of each chord falls a half step to the 3rd of the next and
the other voices hold or move a step. :func:`lead` therefore needs no rule about
alternation; it takes, among the forms and octaves that fit the register window, the
voicing whose voices move the fewest semitones in all from the previous one, plus two
small costs measured in the same semitones:

* the other two inversions of the same notes (**C**, from the 5th or 13th, and **D**,
  from the 9th) cost :data:`INVERSION` more, so they are played only where they save
  more than that: a chain of chords falling by fifths walks the A/B forms down a
  half step at a time, and without them the hand must at some point leap back up an
  octave (a pianist re-voices upward through an inversion instead);
* every semitone the voicing's centre lies from the window's middle costs
  :data:`PULL`, so the hand drifts back toward middle C rather than to an edge.

Measured over the shipped charts (``benchmarks/comping_figures.py``) this moves less
than the close voicings of the charleston style, whose four notes kept within one
octave already move little.
"""

from __future__ import annotations

from functools import lru_cache

from improv.language.harmony import Chord

# The shapes by quality (intervals above the root, A form from the bottom):
#
# * major: 3-5-7-9; 6 and 6/9 chords and bare triads 3-5-6-9 (a triad symbol is played as
#   a 6/9, as in :mod:`improv.language.voicings`); #11 or #5 replaces the 5 when named;
# * minor: b3-5-b7-9; m6, m6/9 and bare minor triads b3-5-6-9; mMaj7 b3-5-7-9; m11
#   b3-11-b7-9;
# * dominant: 3-13-b7-9, the chord's own tensions winning: a named b9 or #9 replaces the
#   9, a named b13/#5 or #11/b5 the 13; a chord whose scale has no natural 13 (7b9 over
#   phrygian dominant, 7#9 and 7alt over the altered scale) takes the b13, and one whose
#   scale has no natural 9 takes the scale's b9 (or the #9 it names);
# * half-diminished: b3-b5-b7-R (B form b7-R-b3-b5, D inversion R-b3-b5-b7): locrian's b9
#   grinds against the bass's root, so the root itself is played; m9b5 takes its 9;
# * diminished: the four tones of the dim7, symmetric (any of them is a root);
#   dimMaj7 b3-b5-7-9;
# * sus: 4-5-b7-9 (B form b7-9-4-5, the "F triad over G" sound of a G9sus); sus2
#   9-5-6-R; a power chord 5-R-9 (three notes: it has no more); aug 3-#5-R-9.
#
# The window: the lowest voice never below ``low`` (the ``[comping]`` table's, D3 = 50 by
# default) and the top voice never above ``low + 22`` (C5 from D3), so the left hand
# stays where it neither muddies the bass nor crowds the solo.

TOP = 22  # the highest voice at most this far above ``low`` (C5 over D3)
HIGHEST = 127

INVERSION = 1.0  # semitones of movement a C or D inversion must save over an A or B form
PULL = 0.5  # the cost of each semitone the voicing's centre lies off the window's middle
ORDER = ("A", "C", "B", "D")  # the forms as rotations of the A form, 0 to 3 notes up

_MAJ, _SIX, _MIN, _MIN6 = (4, 7, 11, 14), (4, 7, 9, 14), (3, 7, 10, 14), (3, 7, 9, 14)
_DOM = (4, 9, 10, 14)
_A_FORMS = {  # the A form of each quality, bottom to top (module doc)
    "maj7": _MAJ, "maj9": _MAJ, "maj7#11": (4, 6, 11, 14), "maj7#5": (4, 8, 11, 14),
    "maj": _SIX, "6": _SIX, "69": _SIX, "add9": _SIX, "69#11": (4, 6, 9, 14),
    "m7": _MIN, "m9": _MIN, "m11": (3, 5, 10, 14),
    "m": _MIN6, "m6": _MIN6, "m69": _MIN6, "madd9": _MIN6, "mMaj7": (3, 7, 11, 14),
    "7": _DOM, "9": _DOM, "13": _DOM,
    "7b9": (4, 8, 10, 13), "7b13": (4, 8, 10, 13), "9b13": (4, 8, 10, 14),
    "7#9": (4, 8, 10, 15), "7alt": (4, 8, 10, 15), "7#5": (4, 8, 10, 13),
    "9#5": (4, 8, 10, 14), "7#11": (4, 6, 10, 14), "7b5": (4, 6, 10, 14),
    "13b9": (4, 9, 10, 13), "7b9#11": (4, 6, 10, 13),
    "m7b5": (3, 6, 10, 12), "m9b5": (3, 6, 10, 14),
    "dim": (3, 6, 9, 12), "dim7": (3, 6, 9, 12), "dimMaj7": (3, 6, 11, 14),
    "7sus4": (5, 7, 10, 14), "9sus4": (5, 7, 10, 14), "sus4": (5, 7, 10, 14),
    "sus2": (2, 7, 9, 12), "5": (7, 12, 14), "aug": (4, 8, 12, 14),
}


def forms(chord: Chord) -> dict[str, tuple[int, ...]]:
    """The forms of ``chord`` as intervals above its root, bottom to top: A, B and the
    other two inversions C and D (module doc); empty for no chord (the comping rests).
    A slash chord's bass is the bassist's, not voiced."""
    a = _A_FORMS.get(chord.quality)
    if a is None:
        return {}
    return {ORDER[k]: a[k:] + tuple(i + 12 for i in a[:k]) for k in range(len(a))}


@lru_cache(maxsize=4096)
def candidates(chord: Chord, low: int) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """(form, MIDI pitches bottom to top) of every form of ``chord`` in every octave
    that fits the window (module doc); each form fits at least once."""
    out = []
    for name, shape in forms(chord).items():
        bottom = low + (chord.root + shape[0] - low) % 12  # spans <= 11: this one fits
        voiced = tuple(bottom + i - shape[0] for i in shape)
        while voiced[-1] > HIGHEST:  # only for a ``low`` near the top of MIDI
            voiced = tuple(p - 12 for p in voiced)
        out.append((name, voiced))
        while voiced[-1] + 12 <= min(low + TOP, HIGHEST):
            voiced = tuple(p + 12 for p in voiced)
            out.append((name, voiced))
    return tuple(out)


def movement(before, after) -> int:
    """Semitones the voices move in all from ``before`` to ``after`` (both bottom to
    top): voice k goes to voice k; with unequal counts each note goes to the nearest."""
    if len(before) == len(after):
        return sum(abs(a - b) for a, b in zip(before, after))
    return (sum(min(abs(a - b) for b in before) for a in after)
            + sum(min(abs(a - b) for a in after) for b in before))


def _cost(previous, form: str, voiced, low: int) -> float:
    middle = low + TOP / 2
    off = abs(sum(voiced) / len(voiced) - middle)
    return (movement(previous, voiced) + PULL * off
            + (INVERSION if form not in ("A", "B") else 0))


def lead(previous, chord: Chord, low: int) -> tuple[int, ...]:
    """The voicing of ``chord`` that moves least from ``previous`` (the last one played),
    with the costs of the module doc; for the first chord (``previous`` None or empty)
    the A or B form centred nearest the window's middle. Ties go to A, then C, B, D.
    Empty for no chord."""
    options = candidates(chord, low)
    if not options:
        return ()
    if not previous:
        options = [(f, v) for f, v in options if f in ("A", "B")]
        return min(options, key=lambda o: _cost(o[1], o[0], o[1], low))[1]
    return min(options, key=lambda o: _cost(previous, o[0], o[1], low))[1]


def form_of(voiced, chord: Chord) -> str:
    """Which form ``voiced`` is of ``chord`` (A, B, C or D; "" if none)."""
    for name, shape in forms(chord).items():
        if (voiced[0] - chord.root - shape[0]) % 12 == 0 and \
                tuple(p - voiced[0] for p in voiced) == tuple(i - shape[0] for i in shape):
            return name
    return ""


def other_form(voiced, chord: Chord, low: int) -> tuple[int, ...]:
    """The A or B voicing of ``chord`` nearest ``voiced`` in the other of the two forms
    (B from A or any inversion, A from B): for a chord held long enough that a pianist
    moves within it."""
    other = "A" if form_of(voiced, chord) == "B" else "B"
    options = [v for f, v in candidates(chord, low) if f == other]
    return min(options, key=lambda v: movement(voiced, v)) if options else tuple(voiced)
