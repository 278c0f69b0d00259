"""Reading a chord symbol's quality: the notes it names, as semitones above the root.

A chord symbol is a root (``A``–``G``, ``#``/``b``), a quality and an optional slash bass
(``F/A``). The quality is read in lead-sheet or Weimar Jazz Database (WJD) spelling:

* words: ``m mi min -`` minor; ``maj M ma`` major (a major 7th before a number);
  ``Δ ^ j`` major 7th; ``dim o °``; ``ø h`` half-diminished; ``aug +``; ``sus sus4
  sus2``; ``alt``; ``add9 add11 add13``. ``()``, ``,``, spaces and ``/`` in ``6/9`` only
  separate (``Cm(maj7)``);
* the first number is the chord's size: ``5`` (power chord: root and fifth), ``6``,
  ``7``, ``9``, ``11`` (without ``m``, a 9sus4, as jazz players read ``C11``), ``13``;
  later numbers are tensions (``69``, ``7(9)``, WJD ``7913``);
* alterations ``b5 #5 b9 #9 #11 b13`` (or ``-``/``+``) go before their number
  (``7b9#11``), or after it in a WJD quality: one that ends in such an accidental or
  runs a 7 into 9, 11 or 13 (``79b`` = 7b9, ``7911#`` = 7(9,#11), ``79b13`` = 7(b9,13)).

The result is a set of intervals; :mod:`improv.language.harmony` matches it to one of
its qualities and their scales. Pure string handling, no I/O.
"""

from __future__ import annotations

import re

from improv.errors import ChordError

ACCIDENTALS = {"#": 1, "♯": 1, "+": 1, "b": -1, "♭": -1, "-": -1}
HOW = ("write a root A-G, an optional #/b and a quality such as maj7 ^7 6 6/9 add9 m m7 -7 "
       "m6 m(maj7) 7 9 13 7sus4 7b9 7#9 7#11 7alt m7b5 ø dim7 aug 5 (e.g. 'Bbm7', "
       "'G7b9', 'F/A'), or NC for no chord")

# Words of a quality, and what each sets (see _intervals); "add" lists the notes it adds.
_WORDS = {"major": "maj", "maj": "maj", "Maj": "maj", "MAJ": "maj", "ma": "maj", "M": "maj",
          "Δ": "Δ", "△": "Δ", "^": "Δ", "j": "Δ", "min": "m", "mi": "m", "m": "m", "-": "m",
          "dim": "o", "o": "o", "°": "o", "ø": "ø", "Ø": "ø", "h": "ø", "aug": "+", "+": "+",
          "sus4": "sus4", "sus2": "sus2", "sus": "sus4", "alt": "alt", "dom": ""}
_EFFECTS = {"m": {"third": 3}, "o": {"third": 3, "fifth": {6}, "dim": True},
            "ø": {"third": 3, "fifth": {6}, "seventh": 10}, "+": {"fifth": {8}},
            "sus4": {"third": None, "add": {5}}, "sus2": {"third": None, "add": {2}},
            "maj": {"major": True}, "Δ": {"major": True, "seventh": 11}, "": {},
            "alt": {"seventh": 10, "fifth": set(), "add": {1, 3, 6, 8}}}
# Longest first, so "min" is not read as "m" + "in"; "madd9" is m + add9. A "-" is a word
# (minor) only first in the quality (_LEADING): later it is a flat ("C7-9").
_WORD = "|".join(re.escape(w) + ("(?!dd)" if w == "ma" else "")
                 for w in sorted(_WORDS, key=len, reverse=True) if w != "-")
_ACC = "[#b♯♭+-]"
# Tokens: lead-sheet accidentals come before their number, the WJD's after it.
_LEAD = re.compile(rf"(?P<sep>[(),\s]|/(?={_ACC}?\d))|add(?P<add>13|11|9|6|4|2)"
                   rf"|(?P<pre>{_ACC})(?P<alt>13|11|9|5)|(?P<num>13|11|9|7|6|5)|(?P<word>{_WORD})")
_WJD = re.compile(rf"(?P<sep>[(),\s])|add(?P<add>13|11|9|6|4|2)"
                  rf"|(?P<num>13|11|9|7|6|5)(?P<post>[#b]?)|(?P<word>{_WORD})")
_LEADING = re.compile(r"(?P<word>-|\+(?!5))")  # "C-7", "C+7" (but "C+5" is C(#5))
_IS_WJD = re.compile(r"\d[#b]$|7(?:9|11|13)")
# Semitones above the root of a written degree, and the alterations there are.
_DEGREE = {"2": 2, "4": 5, "5": 7, "6": 9, "9": 2, "11": 5, "13": 9}
_ALTERABLE = {("5", -1), ("5", 1), ("9", -1), ("9", 1), ("11", 1), ("13", -1)}
# The tensions a chord's size brings with it: C9 has a 9th, C11 a 9th and 11th, C13 a 9th
# and 13th (not the 11th, which clashes with the 3rd).
_IMPLIED = {"7": set(), "9": {2}, "11": {2, 5}, "13": {2, 9}}


def _tokens(suffix: str, symbol: str) -> list[tuple[str, object]]:
    """Split a quality into tokens: ("word", meaning), ("num", "7"), ("add", "9") and
    ("alt", ("9", -1)) for b9. Raises ChordError at the first thing it cannot read."""
    pattern = _WJD if _IS_WJD.search(suffix) else _LEAD
    tokens, pos = [], 0
    while pos < len(suffix):
        match = pos == 0 and _LEADING.match(suffix) or pattern.match(suffix, pos)
        if not match:
            raise ChordError(f"unknown chord symbol {symbol!r}: cannot read "
                             f"{suffix[pos:]!r} of its quality {suffix!r}: {HOW}")
        pos, g = match.end(), match.groupdict()
        acc, number = g.get("pre") or g.get("post"), g.get("num") or g.get("alt")
        if acc and (number, ACCIDENTALS[acc]) not in _ALTERABLE:
            raise ChordError(f"unknown chord symbol {symbol!r}: {match[0]!r} is not an "
                             f"alteration: alter 5, 9, 11 or 13 (b5 #5 b9 #9 #11 b13)")
        if acc:
            tokens.append(("alt", (number, ACCIDENTALS[acc])))
        elif number or g.get("add") or g.get("word"):
            kind = "num" if number else "add" if g.get("add") else "word"
            tokens.append((kind, number or g.get("add") or _WORDS[g["word"]]))
    return tokens


def _intervals(tokens: list[tuple[str, object]], symbol: str) -> frozenset[int]:
    """The notes a quality names, as semitones above the root. Words set the third, fifth
    and seventh; the first number is the chord's size, later ones and alterations add
    tensions; an altered 9th, 11th or 13th replaces the natural one its size implied."""
    chord = {"third": 4, "fifth": {7}, "seventh": None, "major": False, "dim": False}
    implied, extra, head = set(), set(), None
    for kind, value in tokens:
        if kind == "word":
            effects = dict(_EFFECTS[value])
            extra |= effects.pop("add", set())
            chord.update(effects)
        elif kind == "add":
            extra.add(_DEGREE[value])
        elif kind == "alt" and value[0] == "5":
            chord["fifth"] = chord["fifth"] - {7} | {7 + value[1]}
        elif kind == "alt":
            implied.discard(_DEGREE[value[0]])
            extra.add((_DEGREE[value[0]] + value[1]) % 12)
        elif head is None and value in _IMPLIED:
            head = value
            chord["seventh"] = 11 if chord["major"] else 9 if chord["dim"] and value == "7" else 10
            implied |= _IMPLIED[value]
            if value == "11" and chord["third"] == 4 and not chord["major"]:
                chord["third"] = None  # C11 is a 9sus4: no 3rd under the 11th
        elif head is None and value == "6":
            head = value
            extra.add(9)
        elif head is None and value == "5" and len(tokens) == 1:
            head, chord["third"] = value, None  # a power chord: root and fifth
        elif head is not None and value in ("9", "11", "13"):
            extra.add(_DEGREE[value])
        else:
            raise ChordError(f"unknown chord symbol {symbol!r}: the number {value!r} is out of "
                             f"place: a chord's size is 6, 7, 9, 11 or 13 (or 5 alone: a power "
                             f"chord), then come tensions 9 11 13 b9 #9 #11 b13 (e.g. 'C7(9)')")
    notes = {0, *chord["fifth"], *implied, *extra} | ({chord["third"], chord["seventh"]} - {None})
    return frozenset(notes)


def quality_notes(suffix: str, symbol: str) -> frozenset[int]:
    """The notes the quality ``suffix`` of ``symbol`` names (0 = the root); ChordError
    naming the symbol when it cannot be read."""
    return _intervals(_tokens(suffix, symbol), symbol)
