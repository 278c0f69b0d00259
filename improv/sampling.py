"""Sampling the endless stream of grammar values the daemon plays.

:class:`Soloist` wraps a single-step generator (:mod:`improv.inference`): each
:meth:`Soloist.next_value` masks the current probabilities by the grammar's
constraints, applies temperature and nucleus (top-p) sampling with a seeded
``numpy.random.Generator`` (greedy only when asked), feeds the chosen value back into
the LSTM and returns it. Everything per value runs in preallocated buffers.

Constraints (as the seeds applied them, plus a limit on silence)
    * A phrase starts at the beginning (and after :meth:`Soloist.prime`) and after rests
      totalling at least ``grammar.PHRASE_GAP`` quarter notes. Its first note must be a
      valid start (``grammar.is_valid_start``: pitched, no interval range). At the very
      beginning and after a prime a rest is not allowed either; after a gap a further
      rest is (it only lengthens the gap).
    * A run of rests never exceeds ``max_rest_bars * beats_per_bar`` quarter notes:
      rests that would push the run past it are masked.

    Masking zeroes probabilities and renormalises. Fallbacks: when the allowed values
    carry no probability at all (the model is sure of a forbidden value), draw uniformly
    among the allowed values; when the vocabulary has no value that satisfies the
    constraints (a tiny vocabulary without range-less notes, say), relax them in order:
    any pitched value, then any value. The sampled value is always in the vocabulary.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from .errors import UsageError
from .grammar import PHRASE_GAP, Value, is_valid_start, parse_value
from .inference import Generator, load_generator

log = logging.getLogger(__name__)

ENDLESS_POLICIES = ("reprime", "keep")


@dataclass(frozen=True)
class SamplingSettings:
    """How values are drawn. ``seed`` None draws fresh entropy; ``max_rest_bars`` None
    allows rest runs of any length."""

    temperature: float = 1.0
    top_p: float = 1.0
    greedy: bool = False
    seed: int | None = None
    max_rest_bars: float | None = 1.0
    beats_per_bar: float = 4.0
    endless: str = "reprime"

    def __post_init__(self):
        if not (isinstance(self.temperature, (int, float)) and 0 < self.temperature <= 100):
            raise UsageError(f"temperature {self.temperature!r} is out of range: give a number "
                             f"above 0 and at most 100 (1 samples the model as trained)")
        if not (isinstance(self.top_p, (int, float)) and 0 < self.top_p <= 1):
            raise UsageError(f"top_p {self.top_p!r} is out of range: give a number above 0 and "
                             f"at most 1 (1 turns nucleus sampling off)")
        if self.max_rest_bars is not None and not (
                isinstance(self.max_rest_bars, (int, float)) and self.max_rest_bars > 0):
            raise UsageError(f"max_rest_bars {self.max_rest_bars!r} must be a positive number of "
                             f"bars (or None for no limit)")
        if not (isinstance(self.beats_per_bar, (int, float)) and self.beats_per_bar > 0):
            raise UsageError(f"beats_per_bar {self.beats_per_bar!r} must be a positive number")
        if self.seed is not None and (not isinstance(self.seed, int) or self.seed < 0):
            raise UsageError(f"seed {self.seed!r} must be a non-negative integer")
        if self.endless not in ENDLESS_POLICIES:
            raise UsageError(f"unknown endless policy {self.endless!r}: choose "
                             f"{' or '.join(ENDLESS_POLICIES)}")

    @property
    def max_rest(self) -> float:
        """The longest rest run in quarter notes (infinity for no limit)."""
        return np.inf if self.max_rest_bars is None else self.max_rest_bars * self.beats_per_bar


class Soloist:
    """An endless, constrained, seeded stream of grammar values from a generator."""

    def __init__(self, generator: Generator, settings: SamplingSettings = SamplingSettings()):
        self.generator = generator
        self.settings = settings
        self.values: tuple[Value, ...] = generator.vocab.parsed()
        n = len(self.values)
        self._rng = np.random.default_rng(settings.seed)
        self._max_rest = settings.max_rest
        self._inv_temp = 1.0 / settings.temperature
        self._context = max(generator.tx - 1, 1)
        self._history: deque[int] = deque(maxlen=self._context)
        is_rest = np.array([v.is_rest for v in self.values])
        start = np.array([is_valid_start(v) for v in self.values])
        self._rest_duration = np.array([v.duration if v.is_rest else -np.inf for v in self.values])
        # Base masks as 0/1 floats so masking is one in-place multiply.
        self._mask_start = self._with_fallback(start, ~is_rest, "a phrase start")
        self._mask_gap = self._with_fallback(start | is_rest, np.ones(n, bool), "after a gap")
        self._mask_free = np.ones(n)
        self._work = np.empty(n)
        self._cum = np.empty(n)
        self._sorted = np.empty(n)
        self._over = np.empty(n, bool)
        self._drop = np.empty(n, bool)
        self.reset()

    @classmethod
    def load(cls, model_dir: Path | str | None = None, backend: str = "numpy",
             **settings) -> "Soloist":
        """Load a model directory into a backend and wrap it: what the daemon calls."""
        return cls(load_generator(model_dir, backend), SamplingSettings(**settings))

    @staticmethod
    def _with_fallback(mask: np.ndarray, relaxed: np.ndarray, what: str) -> np.ndarray:
        if not mask.any():
            log.warning("the vocabulary has no value allowed %s; relaxing the constraint", what)
            mask = relaxed if relaxed.any() else np.ones_like(mask)
        return mask.astype(float)

    # --- state -------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the start of a solo: zero state, zero x fed, a phrase about to start.
        The random generator carries on (it is not reseeded)."""
        self.generator.reset()
        self._probs = self.generator.step(None)
        self._history.clear()
        self._since_prime = 0
        self._start_phrase()

    def _start_phrase(self) -> None:
        self._resting = 0.0
        self._need_start = True
        self._allow_rest = False

    def prime(self, values: Iterable[Value | str | int]) -> None:
        """Feed a phrase (say, one a musician just played) without sampling; the next
        value then starts a new phrase that follows on from it. Values outside the
        vocabulary raise UsageError before anything is fed."""
        indices = [self._index(v) for v in values]
        for i in indices:
            self._probs = self.generator.step(i)
            self._history.append(i)
            self._since_prime += 1
        if indices:
            self._start_phrase()

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
        np.copyto(w, self._probs)
        if self._need_start:
            np.multiply(w, self._mask_gap if self._allow_rest else self._mask_start, out=w)
        remaining = self._max_rest - self._resting
        if remaining < np.inf:
            np.greater(self._rest_duration, remaining + 1e-9, out=self._over)
            np.copyto(w, 0.0, where=self._over)
        index = self._choose(w)
        self._advance(index)
        return index

    def _allowed(self) -> np.ndarray:
        """The current constraint mask (only for the rare fallback path)."""
        mask = (self._mask_gap if self._allow_rest else self._mask_start) if self._need_start \
            else self._mask_free
        allowed = mask > 0
        if self._max_rest < np.inf:
            allowed = allowed & ~(self._rest_duration > self._max_rest - self._resting + 1e-9)
        if not allowed.any():  # every allowed rest too long and nothing else: any pitched
            allowed = ~np.isfinite(self._rest_duration)
        return allowed if allowed.any() else np.ones_like(allowed)

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
        if value.is_rest:
            self._resting += value.duration
            if self._resting >= PHRASE_GAP:
                entering_gap = not self._need_start
                self._need_start = True
                self._allow_rest = True
            else:
                entering_gap = False
        else:
            self._resting = 0.0
            self._need_start = False
            entering_gap = False
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
