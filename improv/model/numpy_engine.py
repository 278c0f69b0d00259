"""The numpy engine: the LSTM step written out on the stored weights.

The LSTM and softmax arithmetic in float64 into preallocated buffers: about a dozen
small numpy calls per step, no TensorFlow, so the daemon starts in well under a second
and each step costs microseconds. Tested against the Keras layers to 1e-5.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from improv.model import modelfile
from improv.model.step import check_features, check_index, check_state


class NumpyGenerator:
    """The LSTM step in numpy (Keras gate order i, f, c, o; sigmoid and tanh).

    ``z = x W + a U + b`` with a one-hot x is a row of ``W`` (precomputed with ``b``
    added), so a step is one (n_a × 4n_a) matrix-vector product, the gate
    nonlinearities in place, then the dense layer and a softmax. A conditioned model's
    context is one-hot per group too (:mod:`improv.language.context`): one row of the
    kernel's feature part per active index is added.
    """

    def __init__(self, model: modelfile.ModelDir, dtype=np.float64):
        w = model.weights
        self.vocab = model.vocab
        self.n_values, self.n_a = w.n_values, w.n_a
        self.tx = model.tx
        self.n_features = w.n_features
        self.dtype = np.dtype(dtype)
        n_a, d = self.n_a, self.dtype
        bias = w.lstm_bias.astype(d)
        values = w.lstm_kernel[:self.n_values]
        # Row i is the input contribution of value i; the last row is the zero x.
        self._x_rows = np.vstack([values.astype(d) + bias, bias[None, :]])
        self._f_rows = np.ascontiguousarray(w.lstm_kernel[self.n_values:], dtype=d)
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

    def step(self, index: int | None, features=()) -> np.ndarray:
        row = self._x_rows[-1] if index is None else self._x_rows[check_index(index, self.n_values)]
        z, a, c, tmp = self._z, self._a, self._c, self._tmp
        np.dot(a, self._u, out=z)
        np.add(z, row, out=z)
        if self.n_features:
            f_rows = self._f_rows
            for k in check_features(features, self.n_features):
                np.add(z, f_rows[k], out=z)
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
        a, c = check_state(value, self.n_a, self.dtype)
        self._a[:] = a
        self._c[:] = c

    def prime(self, indices: Iterable[int], features: Iterable = ()) -> np.ndarray | None:
        probs = None
        contexts = iter(features)
        for index in indices:
            probs = self.step(index, next(contexts, ()))
        return probs
