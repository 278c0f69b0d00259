"""The feel every part plays with: swing, accents, humanising, timing (pure).

The ``[feel]`` table is the band's, not one part's: a knob or a saved config changes it
for every part at once. With ``timing = "grid"`` the soloist and the comping swing
alike; with ``"learned"`` the soloist plays its onsets and lengths as the Weimar players
did (:mod:`improv.performance.timefeel`) and the comping keeps the swung grid.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction

from improv.settings import setting, validate


TIMINGS = ("learned", "grid")


@dataclass(frozen=True)
class Feel:
    """The ``[feel]`` table: swing, accents, humanising and the solo's timing,
    changeable while playing. ``tempo`` is not the file's: the caller sets it so the
    learned timing is the one players use at that tempo (None: as at 120 BPM)."""

    swing: float = setting(0.5, lo=0.0, hi=1.0)
    accent: int = setting(10, lo=0, hi=40)
    humanise: int = setting(4, lo=0, hi=20)
    timing: str = setting("learned", choices=TIMINGS)
    amount: float = setting(1.0, lo=0.0, hi=1.0)
    tempo: float | None = setting(None, lo=1.0, hi=1000.0, config=False)

    def __post_init__(self):
        validate(self)


_SWING_X = (Fraction(0), Fraction(1, 4), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3),
            Fraction(3, 4), Fraction(1))


MOST_SWING = 1 / 6 - 1 / 48  # the furthest swing moves the off-beat eighth, in beats


def swing(beat: Fraction, amount: float) -> float:
    """Move straight subdivisions of the beat towards the triplet feel.

    ``amount`` 0 is straight; ``amount`` a moves the off-beat eighth a/6 of a beat
    later, towards the last triplet (2/3 of the beat), the sixteenths proportionally,
    but never closer than a 48th of a beat before it (from 0.875 up). Triplet positions
    (1/3, 2/3) stay where they are, as triplets already swing; in between, positions
    are interpolated, so the map rises strictly and every note keeps a length (on the
    triplet itself, a note written from the off-beat to 2/3 would have none).
    """
    whole = beat.numerator // beat.denominator
    frac = beat - whole
    if amount == 0 or frac == 0:
        return float(beat)
    s = 0.5 + min(amount / 6, MOST_SWING)
    ys = (0.0, s / 2, 1 / 3, s, 2 / 3, (1 + s) / 2, 1.0)
    k = bisect.bisect_right(_SWING_X, frac) - 1
    x0, x1 = _SWING_X[k], _SWING_X[k + 1]
    t = float((frac - x0) / (x1 - x0))
    return whole + ys[k] + t * (ys[k + 1] - ys[k])


def accented(velocity: int, start: Fraction, feel: Feel, metre: int, strong, rng) -> int:
    """A soloist's note-on velocity: ``feel``'s accent on a beat (half again on the bar's
    ``strong`` beats), humanised by up to ``feel.humanise`` either way from ``rng``."""
    if start.denominator == 1:
        velocity += feel.accent
        if start % metre in strong:
            velocity += feel.accent // 2
    if feel.humanise:
        velocity += int(rng.integers(-feel.humanise, feel.humanise + 1))
    return max(1, min(127, velocity))
