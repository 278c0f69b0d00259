"""A value drawn from a cell of quantiles, and the level of a value in one, with the
tails beyond the outer quantiles carried on (pure).

The time-feel table keeps each cell's quantiles from 0.5% to 99.5%. A level outside
them (a style far from the middle, a step past the players' range) used to stop at the
outer quantile, which piled those draws up on a single time; here it goes on along a
normal tail, as spread as the cell's outer two quantiles are, to TAIL_SCORE.
"""

from __future__ import annotations

from functools import lru_cache
from statistics import NormalDist

import numpy as np

NORMAL = NormalDist()
# a level in a tail is kept this far out (normal scores), so no draw runs away
TAIL_SCORE = 5.0


def tail_value(levels, cell, u: float) -> float:
    """The value at level ``u`` of quantiles ``cell`` at ``levels``: interpolated inside
    them, and beyond the outer ones on as a normal tail (the two outer quantiles' spread
    per normal score), out to TAIL_SCORE."""
    if levels[0] <= u <= levels[-1]:
        return float(np.interp(u, levels, cell))
    z = NORMAL.inv_cdf(min(max(u, 1e-9), 1.0 - 1e-9))
    i, j = (0, 1) if u < levels[0] else (-1, -2)
    z_i, z_j = _score(levels[i]), _score(levels[j])
    slope = (cell[i] - cell[j]) / (z_i - z_j)
    return float(cell[i] + slope * (max(min(z, TAIL_SCORE), -TAIL_SCORE) - z_i))


def tail_level(levels, cell, x: float) -> float:
    """The level at which :func:`tail_value` reaches ``x`` (the tails' too)."""
    if cell[0] <= x <= cell[-1] or cell[0] == cell[1] and x < cell[0] or \
            cell[-1] == cell[-2] and x > cell[-1]:
        return float(np.interp(min(max(x, cell[0]), cell[-1]), cell, levels))
    i, j = (0, 1) if x < cell[0] else (-1, -2)
    z_i, z_j = _score(levels[i]), _score(levels[j])
    z = z_i + (x - cell[i]) * (z_i - z_j) / (cell[i] - cell[j])
    return NORMAL.cdf(max(min(z, TAIL_SCORE), -TAIL_SCORE))


@lru_cache(maxsize=64)
def _score(level: float) -> float:
    """The normal score of one of a table's levels (a few, asked again and again)."""
    return NORMAL.inv_cdf(level)
