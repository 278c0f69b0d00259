"""Draws from a cell of quantiles go on into the tails instead of piling up on the outer
quantile (improv.performance.quantiles)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from improv.learning.feel import timefeel as learner
from improv.performance import timefeel
from improv.performance.levels import level_of
from improv.performance.quantiles import NORMAL, TAIL_SCORE, tail_level, tail_value

LEVELS = tuple(learner.levels())
CELL = tuple(np.linspace(-0.1, 0.2, len(LEVELS)) ** 3 * 10)  # uneven steps


def test_inside_the_outer_quantiles_a_value_is_the_interpolation():
    for u in (LEVELS[0], 0.3, 0.5, 0.77, LEVELS[-1]):
        assert tail_value(LEVELS, CELL, u) == pytest.approx(np.interp(u, LEVELS, CELL))
        assert tail_level(LEVELS, CELL, np.interp(u, LEVELS, CELL)) == pytest.approx(u)


def test_the_tails_go_on_from_the_outer_quantiles_and_stop_at_their_end():
    us = np.concatenate(([0.0, 1e-12, 1e-6], np.linspace(1e-4, 1 - 1e-4, 2001), [1 - 1e-6, 1.0]))
    values = [tail_value(LEVELS, CELL, u) for u in us]
    assert all(b >= a for a, b in zip(values, values[1:]))  # rising all through
    assert values[0] < CELL[0] and values[-1] > CELL[-1]
    # continuous where the tails begin: the first step out is as small as the cell's
    assert tail_value(LEVELS, CELL, LEVELS[0] - 1e-6) == pytest.approx(CELL[0], abs=1e-4)
    assert tail_value(LEVELS, CELL, LEVELS[-1] + 1e-6) == pytest.approx(CELL[-1], abs=1e-4)
    # spread as the outer two quantiles are, per normal score, to TAIL_SCORE
    z0, z1 = NORMAL.inv_cdf(LEVELS[0]), NORMAL.inv_cdf(LEVELS[1])
    slope = (CELL[1] - CELL[0]) / (z1 - z0)
    assert values[0] == pytest.approx(CELL[0] - slope * (z0 + TAIL_SCORE))
    assert tail_value(LEVELS, CELL, 1e-300) == values[0]  # never further


def test_the_level_of_a_value_in_a_tail_is_where_tail_value_reaches_it():
    for u in (1e-4, 0.001, 0.004, 0.996, 0.9999):
        assert tail_level(LEVELS, CELL, tail_value(LEVELS, CELL, u)) == pytest.approx(u, rel=1e-6)
    far = tail_level(LEVELS, CELL, 50.0)
    assert far == pytest.approx(NORMAL.cdf(TAIL_SCORE))


def test_a_flat_outer_step_keeps_its_value():
    flat = (0.0, 0.0, *np.linspace(0.1, 1.0, len(LEVELS) - 2))
    assert tail_value(LEVELS, flat, 0.0) == 0.0
    assert tail_level(LEVELS, flat, -1.0) == LEVELS[1]  # the top of its flat run, as before


def test_a_players_style_far_from_the_middle_no_longer_piles_its_onsets_on_one_time():
    """A style 1.5 normal scores late draws past the latest quantile 7% of the time; they
    used to land on that one value, now they spread along the tail."""
    table = timefeel.shipped()
    rng = np.random.default_rng(3)
    cell = table.onsets[table.band(200.0)][0][0][0]
    draws = [table.onset(0, 200.0, rng, level=level_of(1.5 + rng.standard_normal()))
             for _ in range(4000)]
    most = Counter(round(d, 9) for d in draws).most_common(1)[0][1]
    assert most < 5  # the old clamp put about 280 on cell[-1]
    assert sum(d > cell[-1] for d in draws) > 150


def test_onsets_pushed_as_early_as_may_be_are_rare_at_any_tempo():
    """EARLIEST sits past nearly all the players' early onsets, so few draws stop there."""
    table = timefeel.shipped()
    rng = np.random.default_rng(4)
    for tempo in (70.0, 200.0, 300.0):
        draws = [table.onset(k, tempo, rng, grain=g, gap=0.5, after=0.5)
                 for k in (0, 6) for g in range(3) for _ in range(500)]
        assert sum(d == -timefeel.EARLIEST for d in draws) / len(draws) < 0.002
