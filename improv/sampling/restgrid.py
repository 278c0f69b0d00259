"""The sampler's masks: the values each phrase state allows, the rhythm grid, and what
each rest costs of the silence limit (pure numpy).

Computed once per vocabulary (:class:`Masks`) by :class:`improv.sampling.soloist.Soloist`,
which masks the model's probabilities with them at every value (the grid with
``rhythm_grid=True``).

Every value starts on a sixteenth or a sextuplet of the beat. The grammar's durations
are multiples of 1/4 and of 1/6 of a beat, so mixing them (a sixteenth, then a triplet
eighth) lands on twelfths such as 0.583 or 0.917 of a beat, which sound like flams
against the comping. The sampler tracks the position within the beat in twelfths
(``grammar.twelfths``; from 0 at the start, advanced by every value sampled or primed)
and masks every value whose END would fall on a position other than ``GRID_ONSETS`` =
{0, 2, 3, 4, 6, 8, 9, 10} twelfths (the sixteenths and the sextuplets). The 12 masks, one
per position, are computed once, combined with the phrase masks. So that a gap cannot
end where no phrase start would end on the grid (all of the shipped model's starts are
straight: a gap used up 1/3 into a beat would be stuck), a rest is charged against the
silence limit with the least further rest that then reaches such a start (a shortest
path over the 12 positions, computed once).
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from improv.language.grammar import GRID_ONSETS, Value, is_valid_start, twelfths

log = logging.getLogger(__name__)

_NOTE = np.iinfo(np.int64).min  # a pitched value's "rest length": never too long
FREE, START, GAP = 0, 1, 2  # where the phrase stands: open; about to start; after a gap


def _with_fallback(mask: np.ndarray, relaxed: np.ndarray, what: str) -> np.ndarray:
    if not mask.any():
        log.warning("the vocabulary has no value allowed %s; relaxing the constraint", what)
        mask = relaxed if relaxed.any() else np.ones_like(mask)
    return mask


def allowed_masks(start: np.ndarray, is_rest: np.ndarray, length: np.ndarray,
                  rhythm_grid: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(by phrase state (3, n), by beat position (12, n), both (3, 12, n)): the values
    each state allows (``start``: valid phrase starts), relaxed once where the
    vocabulary cannot satisfy it; the rhythm grid (all True without one); and the two
    together, relaxed to the phrase masks alone where nothing is left."""
    n = len(start)
    pitched = ~is_rest if (~is_rest).any() else np.ones(n, bool)
    phrase = np.stack([np.ones(n, bool),
                       _with_fallback(start, pitched, "a phrase start"),
                       _with_fallback(start | is_rest, np.ones(n, bool), "after a gap")])
    grid = grid_masks(length) if rhythm_grid else np.ones((12, n), bool)
    both = phrase[:, None, :] & grid[None, :, :]
    empty = ~both.any(axis=2)
    if empty.any():
        # Within a phrase or a gap on the grid, that would break the grid in ordinary
        # play; elsewhere (a phrase start after a prime left the beat on a triplet, say)
        # it is expected of a vocabulary whose phrase starts are all straight.
        ordinary = empty[[FREE, GAP]][:, list(GRID_ONSETS)].any()
        (log.warning if ordinary else log.debug)(
            "the vocabulary cannot keep to the rhythm grid from %d of the 36 phrase "
            "states and beat positions; relaxing it there", int(empty.sum()))
        both[empty] = np.broadcast_to(phrase[:, None, :], both.shape)[empty]
    return phrase, grid, both


def grid_masks(length: np.ndarray) -> np.ndarray:
    """(12, n): row p allows the values (of ``length`` twelfths each) that, started p
    twelfths into a beat, end on a grid onset."""
    return np.array([np.isin((p + length) % 12, GRID_ONSETS) for p in range(12)])


def rest_needs(start_allowed: np.ndarray, gap_allowed: np.ndarray, grid: np.ndarray,
               rest_length: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Per beat position, what each rest costs of the silence limit: its length plus
    the least further rest that then reaches a phrase start on the grid (notes: never
    too long, ``_NOTE``). Masking rests by this instead of their bare length keeps a gap
    from running into the limit where no phrase start would end on the grid: after a
    rest that ends 1/3 into the beat, say, when every phrase start is straight.

    ``need[p]``, the least rest from position p to a usable start, is a shortest path
    over the 12 positions (Bellman-Ford: 12 rounds over the rests allowed in a gap).
    """
    start_ok = (start_allowed & grid).any(axis=1)
    gap_rests = np.flatnonzero(gap_allowed & (rest_length != _NOTE))
    unreachable = np.iinfo(np.int64).max // 4
    need = np.where(start_ok, 0, unreachable)
    positions = np.arange(12)
    for _ in range(12):
        for r in gap_rests:
            after = (positions + length[r]) % 12
            through = np.where(grid[:, r], length[r] + need[after], unreachable)
            np.minimum(need, through, out=need)
    rest_need = np.full((12, len(length)), _NOTE, np.int64)
    for r in np.flatnonzero(rest_length != _NOTE):
        rest_need[:, r] = np.minimum(length[r] + need[(positions + length[r]) % 12],
                                     unreachable)
    return rest_need


class Masks:
    """The masks of one vocabulary, built once: what a draw may be at each phrase state
    and beat position, and which rests would overrun the silence left."""

    def __init__(self, values: Sequence[Value], rhythm_grid: bool = True):
        length = np.array([twelfths(v.duration) for v in values])
        is_rest = np.array([v.is_rest for v in values])
        self.rest_length = np.where(is_rest, length, _NOTE).astype(np.int64)
        self.pitched = ~is_rest if (~is_rest).any() else np.ones(len(values), bool)
        self.phrase, self.grid, self.allowed_at = allowed_masks(
            np.array([is_valid_start(v) for v in values]), is_rest, length, rhythm_grid)
        self.weights = self.allowed_at.astype(float)  # (3, 12, n), to multiply by
        self.rest_need = rest_needs(self.phrase[START], self.phrase[GAP], self.grid,
                                    self.rest_length, length)

    def too_long(self, position: int, remaining: float, out: np.ndarray) -> np.ndarray:
        """Into ``out``: the rests that, started ``position`` twelfths into a beat, would
        need more than ``remaining`` twelfths of silence."""
        return np.greater(self.rest_need[position], remaining, out=out)

    def relaxed(self, state: int, position: int, remaining: float = np.inf) -> np.ndarray:
        """The values allowed, relaxed in the soloist's documented order until one is left
        (only for the rare fallback: the allowed values carry no probability)."""
        for allowed in (self.allowed_at[state, position] & (self.rest_need[position] <= remaining),
                        self.phrase[state] & (self.rest_length <= remaining),
                        self.pitched & self.grid[position]):
            if allowed.any():
                return allowed
        return self.pitched
