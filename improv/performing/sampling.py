"""Sampling the endless stream of grammar values the daemon plays.

:class:`Soloist` wraps a single-step generator (:mod:`improv.model.step`): each
:meth:`Soloist.next_value` masks the current probabilities by the grammar's
constraints, applies temperature and nucleus (top-p) sampling with a seeded
``numpy.random.Generator`` (greedy only when asked), feeds the chosen value back into
the LSTM and returns it. Everything per value runs in preallocated buffers.

Constraints (as the seeds applied them, plus a limit on silence)
    * A phrase starts at the beginning (and after :meth:`Soloist.prime`) and after rests
      totalling at least ``grammar.PHRASE_GAP`` quarter notes: the sampler walks its
      stream through a ``grammar.Phrase``, the same tracker the encoder and the performer
      use, so all three break phrases at the same values. A phrase's first note must be
      a valid start (``grammar.is_valid_start``: pitched, no interval range). At the very
      beginning and after a prime a rest is not allowed either; after a gap a further
      rest is (it only lengthens the gap).
    * A run of rests never exceeds ``max_rest_bars * beats_per_bar`` quarter notes
      (counted in exact twelfths of a beat, as ``Phrase`` counts): rests that would push
      the run past it are masked.
    * Rhythm grid (``rhythm_grid=True``, default): every value starts on a sixteenth or
      a triplet of the beat. The grammar's durations are multiples of 1/4 and of 1/3 of
      a beat, so mixing them (a sixteenth, then a triplet eighth) lands on twelfths
      such as 0.583 or 0.917 of a beat, which sound like flams against the comping.
      The sampler tracks the position within the beat in twelfths
      (``grammar.twelfths``; from 0 at the start, advanced by every value sampled or
      primed) and masks every value whose END would fall on a position other than
      ``GRID_ONSETS`` = {0, 3, 4, 6, 8, 9} twelfths (0, 1/4, 1/3, 1/2, 2/3, 3/4 of a
      beat). The 12 masks, one per position, are computed once, combined with the
      phrase masks above. So that a gap cannot end where no phrase start would end on
      the grid (all of the shipped model's starts are straight: a gap used up 1/3 into
      a beat would be stuck), a rest is charged against the silence limit with the
      least further rest that then reaches such a start (a shortest path over the 12
      positions, computed once).

    Masking zeroes probabilities (the weights are renormalised by sampling from their
    cumulative sum). Fallbacks: when the allowed values carry no probability at all (the
    model is sure of a forbidden value), draw uniformly among the allowed values; when
    the vocabulary has no value that satisfies the constraints (a tiny vocabulary without
    range-less notes, say, or one whose durations cannot reach the grid from where the
    line stands), relax them in order: the rhythm grid, then the phrase rules (any
    pitched value on the grid, then any pitched value), then everything. The sampled
    value is always in the vocabulary.

Endless policy: re-prime from the last Tx − 1 values (``endless="reprime"``, default)
    The LSTM was trained on windows of Tx (30) steps that all start from a = c = 0 and a
    zero x. Run for hours with its state kept, it would be asked questions it never saw
    in training. So at every phrase boundary (a rest run reaching ``PHRASE_GAP``), and at
    the latest when the state has taken in ``2 * Tx`` values since the last re-prime, the
    state is rebuilt exactly as in a training window: reset to zeros, feed the zero x,
    then the last Tx − 1 values played. The next prediction is then the one training
    optimised (the last position of a window) and still continues the music just
    played. A re-prime costs Tx numpy steps (well under a millisecond) once per phrase.
    ``endless="keep"`` keeps the state forever instead; ``benchmarks/endless.py``
    measures both (state finite, value distribution stable, no short cycle after
    200,000 steps).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

import numpy as np

from improv.errors import UsageError
from improv.language.grammar import (
    BEATS_PER_BAR,
    Phrase,
    Value,
    is_valid_start,
    parse_value,
    twelfths,
)
from improv.language.vocab import nearest
from improv.model.engines import load_generator
from improv.model.step import Generator
from improv.settings import setting, validate

log = logging.getLogger(__name__)

ENDLESS_POLICIES = ("reprime", "keep")
GRID_ONSETS = (0, 3, 4, 6, 8, 9)  # twelfths of a beat: 0, 1/4, 1/3, 1/2, 2/3, 3/4
FREE, START, GAP = 0, 1, 2  # where the phrase stands: open; about to start; after a gap
_NOTE = np.iinfo(np.int64).min  # a pitched value's "rest length": never too long


MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class SamplingSettings:
    """How values are drawn (the ``[sampling]`` table of config.toml has the first four).

    ``seed`` None draws fresh entropy; ``max_rest_bars`` None allows rest runs of any
    length. The command layer sets ``seed`` (config's top-level ``seed``, which also seeds
    the performer); tests and benchmarks set the rest."""

    temperature: float = setting(1.0, lo=0.05, hi=5.0)  # 1 samples the model as trained
    top_p: float = setting(0.95, lo=0.01, hi=1.0)  # 1 turns nucleus sampling off
    max_rest_bars: float | None = setting(2.0, lo=0.25, hi=16.0)
    rhythm_grid: bool = setting(True)
    seed: int | None = setting(None, lo=0, hi=MAX_SEED, config=False)
    greedy: bool = setting(False, config=False)
    beats_per_bar: float = setting(BEATS_PER_BAR, lo=0.5, hi=32.0, config=False)
    endless: str = setting("reprime", choices=ENDLESS_POLICIES, config=False)

    def __post_init__(self):
        validate(self)

    @property
    def max_rest(self) -> float:
        """The longest rest run in quarter notes (infinity for no limit)."""
        return np.inf if self.max_rest_bars is None else self.max_rest_bars * self.beats_per_bar

    @property
    def max_rest_twelfths(self) -> int | None:
        """The longest rest run in twelfths of a beat (rounded down), None for no limit."""
        return None if self.max_rest_bars is None else int(self.max_rest * 12 + 1e-9)


class Soloist:
    """An endless, constrained, seeded stream of grammar values from a generator."""

    def __init__(self, generator: Generator, settings: SamplingSettings = SamplingSettings()):
        self.generator = generator
        self.settings = settings
        self.values: tuple[Value, ...] = generator.vocab.parsed()
        n = len(self.values)
        self._rng = np.random.default_rng(settings.seed)
        self._max_rest = settings.max_rest_twelfths
        self._inv_temp = 1.0 / settings.temperature
        self._context = max(generator.tx - 1, 1)
        self._history: deque[int] = deque(maxlen=self._context)
        self._twelfths = [twelfths(v.duration) for v in self.values]
        length = np.array(self._twelfths)
        is_rest = np.array([v.is_rest for v in self.values])
        start = np.array([is_valid_start(v) for v in self.values])
        self._rest_length = np.array([t if v.is_rest else _NOTE
                                      for v, t in zip(self.values, self._twelfths)], np.int64)
        self._pitched = ~is_rest if (~is_rest).any() else np.ones(n, bool)
        # The phrase masks by state (FREE, START, GAP), relaxed once here when the
        # vocabulary cannot satisfy them; as 0/1 floats so masking is one multiply.
        self._phrase_allowed = np.stack([
            np.ones(n, bool),
            self._with_fallback(start, self._pitched, "a phrase start"),
            self._with_fallback(start | is_rest, np.ones(n, bool), "after a gap")])
        # Rhythm grid: _grid[p] allows the values that, started at p twelfths into the
        # beat, end on a grid onset. Combined with the phrase masks per (state, position).
        if settings.rhythm_grid:
            self._grid = np.array([np.isin((p + length) % 12, GRID_ONSETS) for p in range(12)])
        else:
            self._grid = np.ones((12, n), bool)
        self._allowed_at = self._phrase_allowed[:, None, :] & self._grid[None, :, :]
        empty = ~self._allowed_at.any(axis=2)
        if empty.any():
            # Within a phrase or a gap on the grid, that would break the grid in ordinary
            # play; elsewhere (a phrase start after a prime left the beat on a triplet, say)
            # it is expected of a vocabulary whose phrase starts are all straight.
            ordinary = empty[[FREE, GAP]][:, list(GRID_ONSETS)].any()
            (log.warning if ordinary else log.debug)(
                "the vocabulary cannot keep to the rhythm grid from %d of the 36 phrase "
                "states and beat positions; relaxing it there", int(empty.sum()))
            self._allowed_at[empty] = np.broadcast_to(self._phrase_allowed[:, None, :],
                                                      self._allowed_at.shape)[empty]
        self._masks = self._allowed_at.astype(float)
        self._rest_need = self._rest_needs(length)
        self._echo, self._echo_left = np.ones(n), 0  # see echo()
        self._work = np.empty(n)
        self._cum = np.empty(n)
        self._sorted = np.empty(n)
        self._over = np.empty(n, bool)
        self._drop = np.empty(n, bool)
        self.reset()

    @classmethod
    def load(cls, model_dir: Path | str | None = None, engine: str = "numpy",
             **settings) -> "Soloist":
        """Load a model directory into an engine and wrap it: what the daemon calls."""
        return cls(load_generator(model_dir, engine), SamplingSettings(**settings))

    def _rest_needs(self, length: np.ndarray) -> np.ndarray:
        """Per beat position, what each rest costs of the silence limit: its length plus
        the least further rest that then reaches a phrase start on the grid (notes: never
        too long). Masking rests by this instead of their bare length keeps a gap from
        running into the limit where no phrase start would end on the grid: after a
        rest that ends 1/3 into the beat, say, when every phrase start is straight.

        ``need[p]``, the least rest from position p to a usable start, is a shortest path
        over the 12 positions (Bellman-Ford: 12 rounds over the rests allowed in a gap).
        """
        start_ok = (self._phrase_allowed[START] & self._grid).any(axis=1)
        gap_rests = np.flatnonzero(self._phrase_allowed[GAP] & (self._rest_length != _NOTE))
        unreachable = np.iinfo(np.int64).max // 4
        need = np.where(start_ok, 0, unreachable)
        positions = np.arange(12)
        for _ in range(12):
            for r in gap_rests:
                after = (positions + length[r]) % 12
                through = np.where(self._grid[:, r], length[r] + need[after], unreachable)
                np.minimum(need, through, out=need)
        rest_need = np.full((12, len(self.values)), _NOTE, np.int64)
        for r in np.flatnonzero(self._rest_length != _NOTE):
            rest_need[:, r] = np.minimum(length[r] + need[(positions + length[r]) % 12],
                                         unreachable)
        return rest_need

    @staticmethod
    def _with_fallback(mask: np.ndarray, relaxed: np.ndarray, what: str) -> np.ndarray:
        if not mask.any():
            log.warning("the vocabulary has no value allowed %s; relaxing the constraint", what)
            mask = relaxed if relaxed.any() else np.ones_like(mask)
        return mask

    # --- state -------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the start of a solo: zero state, zero x fed, a phrase about to start.
        The random generator carries on (it is not reseeded)."""
        self.generator.reset()
        self._probs = self.generator.step(None)
        self._history.clear()
        self._since_prime = 0
        self._start_solo()
        self._start_phrase()

    def _start_solo(self) -> None:
        self._position = 0  # twelfths into the beat where the next value starts

    def _start_phrase(self) -> None:
        self._phrase = Phrase()
        self._after_gap = False  # a rest may only lengthen a gap, not open the solo

    @property
    def _state(self) -> int:
        if self._phrase.open:
            return FREE
        return GAP if self._after_gap else START

    def restart_phrase(self, twelfths: int = 0) -> None:
        """The next value opens a new phrase starting ``twelfths`` into a beat: what the
        performer asks after skipping time (a stall). The LSTM state is kept."""
        self._position = int(twelfths) % 12
        self._start_phrase()

    def prime(self, values: Iterable[Value | str | int]) -> None:
        """Feed a phrase (say, one a musician just played) without sampling; the next
        value then starts a new phrase that follows on from it. Values outside the
        vocabulary raise UsageError before anything is fed."""
        indices = [self._index(v) for v in values]
        for i in indices:
            self._probs = self.generator.step(i)
            self._history.append(i)
            self._since_prime += 1
            self._position = (self._position + self._twelfths[i]) % 12
        if indices:
            self._start_phrase()

    def prime_nearest(self, values: Iterable[Value]) -> int:
        """:meth:`prime` with each value the model does not know replaced by its
        nearest (:func:`improv.language.vocab.nearest`): a musician's phrase. Returns
        how many were replaced."""
        vocab, indices, replaced = self.generator.vocab, [], 0
        for value in values:
            text = str(value)
            if text in vocab:
                indices.append(vocab.index(text))
            else:
                indices.append(nearest(value, self.values))
                replaced += 1
        self.prime(indices)
        return replaced

    def echo(self, weights: np.ndarray, count: int) -> None:
        """Scale the model's probabilities by ``weights`` (one per value) for the next
        ``count`` values: an answer leaning towards its call's rhythm
        (:func:`improv.performing.trading.echo_weights`)."""
        self._echo, self._echo_left = weights, max(int(count), 0)

    def tune(self, temperature: float | None = None, top_p: float | None = None) -> None:
        """Change temperature and top-p from the next value (a knob turned)."""
        changes = {k: v for k, v in (("temperature", temperature), ("top_p", top_p))
                   if v is not None}
        self.settings = replace(self.settings, **changes)
        self._inv_temp = 1.0 / self.settings.temperature

    def _index(self, value) -> int:
        if isinstance(value, (int, np.integer)):
            if not 0 <= value < len(self.values):
                raise UsageError(f"value index {value} is outside the vocabulary "
                                 f"(0..{len(self.values) - 1})")
            return int(value)
        text = str(parse_value(value) if isinstance(value, str) else value)
        if text not in self.generator.vocab:
            raise UsageError(f"grammar value {text!r} is not in the model's vocabulary: "
                             f"prime with values the model was trained on")
        return self.generator.vocab.index(text)

    # --- sampling ----------------------------------------------------------------------

    def next_value(self) -> Value:
        """Sample the next value, feed it back into the LSTM and return it."""
        return self.values[self.next_index()]

    def next_index(self) -> int:
        """As :meth:`next_value`, returning the vocabulary index."""
        w = self._work
        np.multiply(self._probs, self._masks[self._state, self._position], out=w)
        if self._max_rest is not None:
            np.greater(self._rest_need[self._position], self._max_rest - self._phrase.resting,
                       out=self._over)
            np.copyto(w, 0.0, where=self._over)
        if self._echo_left:
            self._echo_left -= 1
            np.multiply(w, self._echo, out=w)
            if not w.any():  # the echo left nothing allowed: the model alone this time
                np.multiply(self._probs, self._masks[self._state, self._position], out=w)
        index = self._choose(w)
        self._advance(index)
        return index

    def _allowed(self) -> np.ndarray:
        """The current constraint mask, relaxed in the module docstring's order until a
        value is left (only for the rare fallback path)."""
        state, position = self._state, self._position
        remaining = np.inf if self._max_rest is None else self._max_rest - self._phrase.resting
        for allowed in (self._allowed_at[state, position] & (self._rest_need[position] <= remaining),
                        self._phrase_allowed[state] & (self._rest_length <= remaining),
                        self._pitched & self._grid[position]):
            if allowed.any():
                return allowed
        return self._pitched

    def _choose(self, w: np.ndarray) -> int:
        total = w.sum()
        if not total > 0 or not np.isfinite(total):
            allowed = np.flatnonzero(self._allowed())
            return int(allowed[self._rng.integers(len(allowed))])
        s = self.settings
        if s.greedy:
            return int(np.argmax(w))
        if self._inv_temp != 1.0:
            np.divide(w, w.max(), out=w)  # the top value stays 1: no underflow to all-zero
            np.power(w, self._inv_temp, out=w)
        if s.top_p < 1.0:
            self._nucleus(w, s.top_p)
        cum = w.cumsum(out=self._cum)
        index = int(cum.searchsorted(self._rng.random() * cum[-1], side="right"))
        if index >= len(w) or w[index] <= 0:  # rounding at the very top end
            index = int(np.flatnonzero(w)[-1])
        return index

    def _nucleus(self, w: np.ndarray, top_p: float) -> None:
        """Zero every weight outside the nucleus, in place and in the preallocated buffers.

        The nucleus is the fewest most probable values holding ``top_p`` of the mass.
        Sorting a copy ascending (``ndarray.sort`` works in place, unlike ``argsort``) and
        summing it from the small end finds the largest tail holding at most
        ``1 - top_p``; every weight below the first value past that tail is dropped
        (values tied with it all stay: the cut never depends on index order)."""
        srt, cum = self._sorted, self._cum
        np.copyto(srt, w)
        srt.sort()
        srt.cumsum(out=cum)
        cut = cum.searchsorted((1.0 - top_p) * cum[-1], side="right")
        np.less(w, srt[cut], out=self._drop)
        np.copyto(w, 0.0, where=self._drop)

    def _advance(self, index: int) -> None:
        value = self.values[index]
        self._position = (self._position + self._twelfths[index]) % 12
        entering_gap = False
        if value.is_rest:
            if self._phrase.rest(value.duration):  # this rest closed the phrase
                entering_gap = self._after_gap = True
        else:
            self._phrase.note()
        self._history.append(index)
        self._since_prime += 1
        if self.settings.endless == "reprime" and (
                entering_gap or self._since_prime + self._context > 2 * self.generator.tx):
            self._reprime()
        else:
            self._probs = self.generator.step(index)

    def _reprime(self) -> None:
        """Rebuild the state as a training window would: zeros, the zero x, the last
        Tx − 1 values (which include the one just chosen)."""
        gen = self.generator
        gen.reset()
        gen.step(None)
        self._probs = gen.prime(self._history)
        self._since_prime = 0
