"""Swing: straight subdivisions of the beat moved towards the triplet feel (pure)."""

from __future__ import annotations

import bisect
from fractions import Fraction

_SWING_X = (Fraction(0), Fraction(1, 4), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3),
            Fraction(3, 4), Fraction(1))


def swing(beat: Fraction, amount: float) -> float:
    """Move straight subdivisions of the beat towards the triplet feel.

    ``amount`` 0 is straight; 1 puts the off-beat eighth on the last triplet (2/3 of the
    beat) and the sixteenths proportionally. Triplet positions (1/3, 2/3) stay where
    they are, as triplets already swing; in between, positions are interpolated, so the
    map is monotonic and a note never ends before it starts.
    """
    whole = beat.numerator // beat.denominator
    frac = beat - whole
    if amount == 0 or frac == 0:
        return float(beat)
    s = 0.5 + amount / 6
    ys = (0.0, s / 2, 1 / 3, s, 2 / 3, (1 + s) / 2, 1.0)
    k = bisect.bisect_right(_SWING_X, frac) - 1
    x0, x1 = _SWING_X[k], _SWING_X[k + 1]
    t = float((frac - x0) / (x1 - x0))
    return whole + ys[k] + t * (ys[k + 1] - ys[k])
