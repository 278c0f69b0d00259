"""What a single-step engine is: one LSTM step per call, carrying ``a`` and ``c``.

The engines (:mod:`improv.model.numpy_engine`, :mod:`improv.model.keras_engine`) follow
the :class:`Generator` protocol and share the argument checks below; the sampler
(:mod:`improv.performing.sampling`) knows only the protocol.
"""

from __future__ import annotations

from typing import Iterable, Protocol

import numpy as np

from improv.errors import UsageError
from improv.language.vocab import Vocabulary


class Generator(Protocol):
    """What every engine offers; the sampler (:mod:`improv.performing.sampling`) uses only this."""

    n_values: int
    n_a: int
    tx: int
    vocab: Vocabulary

    def step(self, index: int | None) -> np.ndarray:
        """Feed value ``index`` (None: the zero x) and return the next value's probabilities.

        The returned array is a buffer the generator reuses: copy it to keep it."""

    def reset(self) -> None:
        """Zero ``a`` and ``c``."""

    @property
    def state(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of ``(a, c)``, each shaped ``(n_a,)``; assignable."""

    def prime(self, indices: Iterable[int]) -> np.ndarray | None:
        """Feed ``indices`` in turn without sampling; the last step's probabilities."""


def check_index(index, n_values: int) -> int:
    i = int(index)
    if not 0 <= i < n_values:
        raise UsageError(f"value index {index} is outside the vocabulary (0..{n_values - 1})")
    return i


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
