"""A tune's key, as a chart names it and as a MIDI key signature carries it (pure).

A DAW shows a file's key signature on its score view and sets its notation to it; a
lead sheet knows the key, a chord progression does not (so only charts carry one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from improv.errors import ChartError

# each letter's place on the line of fifths counted from C (F one flat, G one sharp)
_FIFTHS = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}
_MINOR = ("m", "min", "minor", "-")
_MAJOR = ("", "maj", "major")


@dataclass(frozen=True)
class Key:
    """A tonic spelt as written (``Bb``, ``F#``) and its mode."""

    tonic: str
    minor: bool = False

    @property
    def sharps(self) -> int:
        """Sharps (positive) or flats (negative) of its signature, -7 to 7."""
        letter, accidentals = self.tonic[0], self.tonic[1:]
        fifths = _FIFTHS[letter] + 7 * (accidentals.count("#") - accidentals.count("b"))
        return fifths - 3 if self.minor else fifths

    @property
    def name(self) -> str:
        return f"{self.tonic}m" if self.minor else self.tonic

    def signature(self) -> bytes:
        """The two data bytes of MIDI's key-signature meta event (FF 59 02 sf mi)."""
        return bytes([self.sharps & 0xFF, 1 if self.minor else 0])


def parse_key(text: str, where: str = "key") -> Key:
    """``Bb``, ``Gm``, ``G minor``, ``F# major``, ``Eb-``: one key, or one ChartError."""
    match = re.fullmatch(r"\s*([A-Ga-g])([#b]?)\s*([A-Za-z-]*)\s*", text)
    mode = match.group(3).lower() if match else ""
    if match is None or mode not in _MINOR + _MAJOR:
        raise ChartError(f"{where}: {text.strip()!r} is not a key: write a tonic and, for "
                         f"minor, 'm' (e.g. 'Bb', 'Gm', 'F# minor')")
    key = Key(match.group(1).upper() + match.group(2), mode in _MINOR)
    if not -7 <= key.sharps <= 7:
        raise ChartError(f"{where}: {key.name} needs more than seven sharps or flats: write "
                         f"it enharmonically (e.g. 'Ab' for 'G#', 'E' for 'Fb')")
    return key
