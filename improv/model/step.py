"""What a single-step engine is: one LSTM step per call, carrying ``a`` and ``c``.

The engines (:mod:`improv.model.numpy_engine`, :mod:`improv.model.keras_engine`) follow
the :class:`Generator` protocol and share the argument checks below; the sampler
(:mod:`improv.sampling.soloist`) knows only the protocol.
"""

from __future__ import annotations

from typing import Iterable, Protocol

import numpy as np

from improv.errors import UsageError
from improv.language.vocab import Vocabulary


class Generator(Protocol):
    """What every engine offers; the sampler (:mod:`improv.sampling.soloist`) uses only this."""

    n_values: int
    n_a: int
    n_features: int  # context inputs beside the value (0: the seeds' model)
    tx: int
    vocab: Vocabulary

    def step(self, index: int | None, features=()) -> np.ndarray:
        """Feed value ``index`` (None: the zero x) with the context of the value to come
        (a conditioned model's active feature indices; ignored when ``n_features`` is 0)
        and return the next value's probabilities.

        The returned array is a buffer the generator reuses: copy it to keep it."""

    def reset(self) -> None:
        """Zero ``a`` and ``c``."""

    @property
    def state(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of ``(a, c)``, each shaped ``(n_a,)``; assignable."""

    def prime(self, indices: Iterable[int], features: Iterable = ()) -> np.ndarray | None:
        """Feed ``indices`` in turn (each with its context from ``features``, if given)
        without sampling; the last step's probabilities."""


def check_index(index, n_values: int) -> int:
    i = int(index)
    if not 0 <= i < n_values:
        raise UsageError(f"value index {index} is outside the vocabulary (0..{n_values - 1})")
    return i


def check_features(features, n_features: int):
    """The active context indices of a step; a conditioned model must be given them."""
    if len(features) == 0:
        raise UsageError(f"this model reads the context of each step ({n_features} features): "
                         f"pass the active feature indices (improv.language.context.features)")
    for k in features:
        if not 0 <= k < n_features:
            raise UsageError(f"context feature {k} is outside 0..{n_features - 1}")
    return features


def check_state(state, n_a: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    try:
        a, c = state
        a = np.asarray(a, dtype=dtype).reshape(-1)
        c = np.asarray(c, dtype=dtype).reshape(-1)
    except (TypeError, ValueError) as err:
        raise UsageError(f"a generator state is a pair (a, c) of {n_a} numbers each ({err})") from err
    if a.shape != (n_a,) or c.shape != (n_a,):
        raise UsageError(f"a generator state is a pair (a, c) of {n_a} numbers each, "
                         f"got shapes {a.shape} and {c.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(c))):
        raise UsageError("a generator state must be finite (no NaN or infinity)")
    return a, c
