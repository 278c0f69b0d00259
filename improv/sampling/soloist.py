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
      a triplet of the beat (:mod:`improv.sampling.restgrid` says why and how).
    * Breaths (``breaths="learned"``, default): the gap after a phrase is kept to one
      drawn from the Weimar players' (:mod:`improv.sampling.phrasing`).
    * Pitch fit (once the performer calls :meth:`Soloist.fit`): a value with a range is
      drawn only where its own interval lands on a pitch of its type inside the phrase's
      register and the player's compass (:mod:`~improv.sampling.pitchfit`), if any does;
      a pattern's draw (:meth:`Soloist.aim`) only among those moving as aimed.
    * Calibration (``improv calibrate``): values re-weighted by duration, interval, tempo
      band, the register, a run's momentum, the place in the beat and the soloist played
      as, to keep the players' shares (:mod:`~improv.sampling.calibration`, ``persona``).

    Masking zeroes probabilities (sampling from the cumulative sum renormalises them).
    Fallbacks: when the allowed values carry no probability at all (the model is sure
    of a forbidden value), draw uniformly among the allowed values; when the vocabulary
    has no value that satisfies the constraints (a tiny vocabulary without range-less
    notes, or durations that cannot reach the grid from where the line stands), relax
    them in order: the rhythm grid, then the phrase rules (any pitched value on the
    grid, then any pitched value), then everything. The value is always in the vocabulary.

Context: a conditioned model (``generator.n_features`` > 0) is fed each value with the
    context of the value to come (:mod:`improv.language.context`), which the performer
    gives through :meth:`Soloist.follow`. So a value is fed only when the next one is
    asked for, once the performer has said where that one starts.

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
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from improv.errors import UsageError
from improv.language import context
from improv.language.grammar import Phrase, Value, parse_value, twelfths
from improv.language.vocab import nearest
from improv.model.engines import load_generator
from improv.model.step import Generator
from improv.sampling.calibration import Calibration, Calibrator
from improv.sampling.calibrationfile import calibration_for
from improv.sampling.persona import Player, choose
from improv.sampling.nucleus import draw
from improv.sampling.phrasing import BREATH_STREAM, Breaths
from improv.sampling.pitchfit import PitchFit
from improv.sampling.restgrid import FREE, GAP, START, Masks
from improv.sampling.settings import SamplingSettings
from improv.streams import child_stream

log = logging.getLogger(__name__)

_NOTHING, _ZERO_X = -2, -1  # what waits to be fed: nothing; the zero x of a fresh state


class Soloist:
    """An endless, constrained, seeded stream of grammar values from a generator."""

    def __init__(self, generator: Generator, settings: SamplingSettings = SamplingSettings(),
                 calibration: Calibration | None = None, as_player: Player | None = None):
        self.generator = generator
        self.settings = settings
        self.values: tuple[Value, ...] = generator.vocab.parsed()
        n = len(self.values)
        self._rng = np.random.default_rng(settings.seed)
        self._max_rest = settings.max_rest_twelfths
        self._inv_temp = 1.0 / settings.temperature
        self._context_len = max(generator.tx - 1, 1)
        # (value index, its context): what a re-prime feeds again, as fed the first time
        self._history: deque[tuple[int, tuple]] = deque(maxlen=self._context_len)
        self._next_context: tuple[int, ...] = ()  # of the value starting at self._at
        self._conditioned = getattr(generator, "n_features", 0) > 0
        self._context_at: Callable[[int], tuple[int, ...]] = context.no_chart
        self._twelfths = [twelfths(v.duration) for v in self.values]
        self._masks = Masks(self.values, settings.rhythm_grid)
        self._echo, self._echo_left = np.ones(n), 0  # see echo()
        self._fit, self._place_at, self._compass = PitchFit(self.values), None, True  # fit()
        self.observer: Callable[[int, tuple | None], None] | None = None  # (drawn, place)
        # the factors of each tempo band, for a model that hears the tempo (context-v3)
        banded = getattr(generator, "n_features", 0) > context.N_FEATURES_V2
        if calibration is not None and calibration.bands != len(context.TEMPO_EDGES) + 1:
            raise ValueError(f"a calibration of {calibration.bands} tempo bands for a model "
                             f"of {len(context.TEMPO_EDGES) + 1}")
        calibrated = calibration is not None and banded and settings.calibrate
        # played as one Weimar soloist, drawn by the seed (improv.sampling.persona), or
        # ``as_player`` (improv calibrate fits each player rendered as itself)
        player = (as_player or choose(calibration.players, self._rng, settings.tempo)
                  if calibrated and settings.player == "drawn" else None)
        self._calibration = (Calibrator(calibration, self.values, player, settings.landing)
                             if calibrated else None)
        # the breath after each phrase (improv.sampling.phrasing); None: the model's
        learned = settings.breaths == "learned" and not settings.greedy  # greedy draws nothing
        self._breaths = (Breaths(child_stream(self._rng, BREATH_STREAM), self._masks.pitched,
                                 self._masks.rest_length) if learned else None)
        self._work, self._cum, self._sorted = np.empty(n), np.empty(n), np.empty(n)
        self._over, self._drop = np.empty(n, bool), np.empty(n, bool)
        self.reset()

    @classmethod
    def load(cls, model_dir: Path | str | None = None, engine: str = "numpy",
             **settings) -> "Soloist":
        """Load a model directory into an engine and wrap it: what the daemon calls."""
        chosen = SamplingSettings(**settings)
        return cls(load_generator(model_dir, engine), chosen,
                   calibration_for(model_dir) if chosen.calibrate else None)

    # --- state -------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the start of a solo: zero state, zero x fed, a phrase about to start.
        The random generator carries on (it is not reseeded)."""
        self.generator.reset()
        self._pending = _ZERO_X
        self._reprime_due = False
        self._history.clear()
        self._since_prime = 0
        self._start_solo()
        self._start_phrase()

    @property
    def player(self):
        """The Weimar soloist this solo plays as (:class:`improv.sampling.persona.Player`),
        None when it plays as the players pooled."""
        return None if self._calibration is None else self._calibration.player

    @property
    def calibrator(self) -> Calibrator | None:
        return self._calibration

    def follow(self, context_at: Callable[[int], tuple[int, ...]]) -> None:
        """``context_at(t)``: the context (:mod:`improv.language.context`) of a value ``t``
        twelfths of a beat from the top; without it the model hears 4/4 under no chord."""
        if self._conditioned:
            self._context_at = context_at

    def fit(self, place_at: Callable[[int], tuple | None], compass: bool = True) -> None:
        """``place_at(t)``: (previous pitch, chord's type table, lowest, highest) of a value
        ``t`` twelfths from the top, or None; each draw keeps to the values that play
        exactly there (:mod:`improv.sampling.pitchfit`), in the player's compass too."""
        self._place_at, self._compass = place_at, compass

    def _context(self, at: int) -> tuple[int, ...]:
        return (context.for_model(self._context_at(at), self.generator.n_features)
                if self._conditioned else ())

    def _start_solo(self) -> None:
        self._at = 0  # twelfths from the top where the next value starts

    @property
    def _position(self) -> int:
        """Twelfths into the beat where the next value starts."""
        return self._at % 12

    def _start_phrase(self) -> None:
        self._phrase = Phrase()
        self._after_gap = False  # a rest may only lengthen a gap, not open the solo

    @property
    def _state(self) -> int:
        if self._phrase.open:
            return FREE
        return GAP if self._after_gap else START

    def restart_phrase(self, twelfths: int = 0) -> None:
        """The next value opens a phrase ``twelfths`` twelfths of a beat from the top (after
        the performer skipped time: a stall, a turn). The LSTM state is kept."""
        self._at = int(twelfths)
        self._start_phrase()

    def prime(self, values: Iterable[Value | str | int], at: int | None = None) -> None:
        """Feed a phrase (say, one a musician just played, starting ``at`` twelfths of a
        beat from the top) without sampling; the next value then starts a new phrase
        that follows on from it. Values outside the vocabulary raise UsageError before
        anything is fed."""
        indices = [self._index(v) for v in values]
        if at is not None:
            self._at = int(at)
        for i in indices:
            self._feed()
            self._history.append((i, self._next_context))
            self._since_prime += 1
            self._at += self._twelfths[i]
            self._pending = i
        if indices:
            self._start_phrase()

    def prime_nearest(self, values: Iterable[Value], at: int | None = None) -> int:
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
        self.prime(indices, at)
        return replaced

    def force(self, value: Value) -> Value:
        """Play ``value`` (or the nearest the model knows) next without sampling, fed
        through the LSTM as a sampled value is (a recalled motif). Returns it."""
        self._feed()
        index = self._known(value)
        self._advance(index)
        return self.values[index]

    def replace_last(self, value: Value) -> Value:
        """The note just sampled, not yet fed, becomes ``value`` (or the nearest the
        model knows): a phrase that opens with a recall. Returns the value that stands."""
        old = self._pending
        index = self._known(value)
        if old < 0 or self.values[old].is_rest or self.values[index].is_rest:
            raise ValueError("replace_last swaps a sampled note for another note")
        self._history[-1] = (index, self._history[-1][1])
        self._at += self._twelfths[index] - self._twelfths[old]
        self._pending = index
        return self.values[index]

    def _known(self, value: Value) -> int:
        text, vocab = str(value), self.generator.vocab
        return vocab.index(text) if text in vocab else nearest(value, self.values)

    def echo(self, weights: np.ndarray, count: int) -> None:
        """Scale the model's probabilities by ``weights`` (one per value) for the next
        ``count`` values: an answer leaning towards its call's rhythm
        (:func:`improv.listening.trading.echo_weights`)."""
        self._echo, self._echo_left = weights, max(int(count), 0)

    def aim(self, step: int | None) -> None:
        """The next value moves exactly ``step`` semitones where a value that does fits
        (a pattern: :mod:`improv.sampling.patterns`); None: any interval."""
        self._fit.aim(step)

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
        self._feed()
        w = self._work
        masks, state, position = self._masks, self._state, self._position
        np.multiply(self._probs, masks.weights[state, position], out=w)
        place = None if self._place_at is None else self._place_at(self._at)
        if self._calibration is not None:  # the model's drift out, by tempo band and register
            self._calibration.apply(w, self._next_context[-1] - context.TEMPO_OFFSET, place,
                                    reversed(self._history), state == FREE, position)
        if self._max_rest is not None:
            masks.too_long(position, self._max_rest - self._phrase.resting, self._over)
            np.copyto(w, 0.0, where=self._over)
        if self._breaths is not None and state != START:
            self._breaths.keep(w, state == GAP, self._phrase.resting)
        if self._echo_left:
            self._echo_left -= 1
            np.multiply(w, self._echo, out=w)
            if not w.any():  # the echo left nothing allowed: the model alone this time
                np.multiply(self._probs, masks.weights[state, position], out=w)
        if place is not None:  # the values that play exactly (inside the player's compass)
            calibration = self._calibration if self._compass else None
            self._fit.keep(w, *(place if calibration is None else calibration.inside(place)))
        else:
            self._fit.aim(None)  # a phrase's first note moves from nothing
        index = self._choose(w)
        if self.observer is not None:
            self.observer(index, place)
        self._advance(index)
        return index

    def _choose(self, w: np.ndarray) -> int:
        total = w.sum()
        if not total > 0 or not np.isfinite(total):
            remaining = np.inf if self._max_rest is None else self._max_rest - self._phrase.resting
            allowed = np.flatnonzero(self._masks.relaxed(self._state, self._position, remaining))
            return int(allowed[self._rng.integers(len(allowed))])
        if self.settings.greedy:
            return int(np.argmax(w))
        return draw(w, self._inv_temp, self.settings.top_p, self._rng, self._sorted, self._cum,
                    self._drop)

    def _feed(self) -> None:
        """Feed the value chosen last with the context of the one to come, now that the
        performer has said where that one starts (a conditioned model needs it; the
        seeds' model gets the same steps as if fed at once)."""
        self._next_context = self._context(self._at)
        if self._reprime_due:
            self._reprime()
        if self._pending != _NOTHING:
            index = None if self._pending == _ZERO_X else self._pending
            self._probs = self.generator.step(index, self._next_context)
            self._pending = _NOTHING

    def _advance(self, index: int) -> None:
        value = self.values[index]
        self._history.append((index, self._next_context))
        self._at += self._twelfths[index]
        entering_gap = False
        if value.is_rest:
            if self._phrase.rest(value.duration):  # this rest closed the phrase
                entering_gap = self._after_gap = True
        else:
            if self._breaths is not None and not self._phrase.open:  # a phrase opens
                self._breaths.draw(context.band_of(self._next_context, self.settings.tempo))
            self._phrase.note()
        self._since_prime += 1
        self._pending = index
        if self.settings.endless == "reprime" and (
                entering_gap or self._since_prime + self._context_len > 2 * self.generator.tx):
            self._reprime_due = True

    def _reprime(self) -> None:
        """Rebuild the state as a training window would: zeros, the zero x, the last
        Tx − 1 values (the one just chosen included), each with the stored context of
        the value after it; the last is left to :meth:`_feed`."""
        gen, history = self.generator, self._history
        gen.reset()
        gen.step(None, history[0][1])
        for k in range(len(history) - 1):
            gen.step(history[k][0], history[k + 1][1])
        self._pending = history[-1][0]
        self._since_prime = 0
        self._reprime_due = False
