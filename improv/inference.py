"""Single-step stateful generators: one LSTM step per call, carrying ``a`` and ``c``.

The trained shared layers (``LSTM_cell`` and ``densor``) are run one step at a time so
the daemon can ask for the next value at the moment it needs it, forever. Two backends
share one interface (:class:`Generator`) and are chosen by name:

``numpy`` (the default)
    The LSTM and softmax arithmetic written out on the stored weights, in float64 into
    preallocated buffers: about a dozen small numpy calls per step, no TensorFlow, so
    the daemon starts in well under a second and each step costs microseconds.
``keras``
    A Keras single-step model built from ``LSTM(n_a, return_state=True)`` and
    ``Dense(n_values, activation="softmax")`` layers loaded with the same weights and
    called through one traced ``tf.function`` (never ``predict()`` per step). It is the
    reference the numpy arithmetic is checked against; TensorFlow is imported only when
    this backend is chosen (see :mod:`improv.inference_keras`).

Both compute in float64 by default, so their probabilities agree to ~1e-12 and a seeded
sampler draws the same values from either. As in the seeds, the initial x, a and c are
zeros: ``step(None)`` feeds the zero x of a window's first step.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable, Protocol

import numpy as np

from . import modelfile
from .errors import ModelError, UsageError
from .vocab import Vocabulary

log = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = modelfile.DEFAULT_DIR
DEFAULT_TX = modelfile.DEFAULT_TX
BACKENDS = ("numpy", "keras")


class Generator(Protocol):
    """What every backend offers; the sampler (:mod:`improv.sampling`) uses only this."""

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


def _check_index(index, n_values: int) -> int:
    i = int(index)
    if not 0 <= i < n_values:
        raise UsageError(f"value index {index} is outside the vocabulary (0..{n_values - 1})")
    return i


def _check_state(state, n_a: int, dtype) -> tuple[np.ndarray, np.ndarray]:
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


class NumpyGenerator:
    """The LSTM step in numpy (Keras gate order i, f, c, o; sigmoid and tanh).

    ``z = x W + a U + b`` with a one-hot x is a row of ``W`` (precomputed with ``b``
    added), so a step is one (n_a × 4n_a) matrix-vector product, the gate
    nonlinearities in place, then the dense layer and a softmax.
    """

    def __init__(self, model: modelfile.ModelDir, dtype=np.float64):
        w = model.weights
        self.vocab = model.vocab
        self.n_values, self.n_a = w.n_values, w.n_a
        self.tx = model.tx
        self.dtype = np.dtype(dtype)
        n_a, d = self.n_a, self.dtype
        bias = w.lstm_bias.astype(d)
        # Row i is the input contribution of value i; the last row is the zero x.
        self._x_rows = np.vstack([w.lstm_kernel.astype(d) + bias, bias[None, :]])
        self._u = np.ascontiguousarray(w.lstm_recurrent_kernel, dtype=d)
        self._v = np.ascontiguousarray(w.dense_kernel, dtype=d)
        self._vb = w.dense_bias.astype(d)
        self._a = np.zeros(n_a, d)
        self._c = np.zeros(n_a, d)
        self._z = np.zeros(4 * n_a, d)
        self._tmp = np.zeros(n_a, d)
        self._probs = np.zeros(self.n_values, d)
        # Views of z, one per gate, so the nonlinearities run in place.
        self._ifo = (self._z[:2 * n_a], self._z[3 * n_a:])
        self._i, self._f = self._z[:n_a], self._z[n_a:2 * n_a]
        self._g, self._o = self._z[2 * n_a:3 * n_a], self._z[3 * n_a:]

    @staticmethod
    def _sigmoid_(x: np.ndarray) -> None:
        # sigmoid(x) = (1 + tanh(x / 2)) / 2: overflow-free and in place.
        np.multiply(x, 0.5, out=x)
        np.tanh(x, out=x)
        np.multiply(x, 0.5, out=x)
        np.add(x, 0.5, out=x)

    def step(self, index: int | None) -> np.ndarray:
        row = self._x_rows[-1] if index is None else self._x_rows[_check_index(index, self.n_values)]
        z, a, c, tmp = self._z, self._a, self._c, self._tmp
        np.dot(a, self._u, out=z)
        np.add(z, row, out=z)
        for part in self._ifo:
            self._sigmoid_(part)
        np.tanh(self._g, out=self._g)
        np.multiply(self._f, c, out=c)
        np.multiply(self._i, self._g, out=tmp)
        np.add(c, tmp, out=c)
        np.tanh(c, out=tmp)
        np.multiply(self._o, tmp, out=a)
        p = self._probs
        np.dot(a, self._v, out=p)
        np.add(p, self._vb, out=p)
        np.subtract(p, p.max(), out=p)
        np.exp(p, out=p)
        np.divide(p, p.sum(), out=p)
        return p

    def reset(self) -> None:
        self._a.fill(0.0)
        self._c.fill(0.0)

    @property
    def state(self) -> tuple[np.ndarray, np.ndarray]:
        return self._a.copy(), self._c.copy()

    @state.setter
    def state(self, value) -> None:
        a, c = _check_state(value, self.n_a, self.dtype)
        self._a[:] = a
        self._c[:] = c

    def prime(self, indices: Iterable[int]) -> np.ndarray | None:
        probs = None
        for index in indices:
            probs = self.step(index)
        return probs


def load_generator(model_dir: Path | str | None = None, backend: str = "numpy",
                   dtype: str = "float64") -> Generator:
    """Load a model directory (default ``data/model/``) into the named backend.

    A missing, incomplete or mismatched directory raises a one-line ModelError; an
    unknown backend name a UsageError.
    """
    if backend not in BACKENDS:
        raise UsageError(f"unknown inference backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    if dtype not in ("float32", "float64"):
        raise UsageError(f"unknown inference dtype {dtype!r}: choose float32 or float64")
    model = modelfile.load(Path(DEFAULT_MODEL_DIR if model_dir is None else model_dir))
    if backend == "numpy":
        return NumpyGenerator(model, dtype=np.dtype(dtype))
    from .inference_keras import KerasGenerator  # imports TensorFlow: only when asked

    return KerasGenerator(model, dtype=dtype)


__all__ = ["BACKENDS", "DEFAULT_MODEL_DIR", "Generator", "ModelError", "NumpyGenerator",
           "load_generator"]
