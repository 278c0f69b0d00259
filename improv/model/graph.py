"""The seeds' LSTM in Keras: the shared layers, the unrolled ``djmodel`` and a faster
graph over the same weights, and conversion to and from :class:`LSTMWeights`.

TensorFlow is imported here and by the keras engine only (through
:mod:`improv.model.tf_loader`), never by the modules the real-time player needs.

The knowledge is two shared layers, ``LSTM_cell`` and ``densor`` (plus the weightless
``reshapor``). ``djmodel`` applies them at each of Tx steps from a0 = c0 = 0, exactly as
the seeds do; it is what the parameter count and the equivalence test refer to.
Training uses :func:`sequence_logits` instead: the same cell arithmetic (Keras gate
order i, f, c, o; sigmoid gates, tanh cell) run by ``tf.scan``, with the input product
``x @ kernel`` done as a row lookup because x is one-hot, which skips most of the
multiply-adds and the 30 separate output heads of the unrolled graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from improv.model.modelfile import LSTMWeights
from improv.model.tf_loader import import_tensorflow

keras, tf = import_tensorflow("training the model")

N_A = 64


@dataclass(frozen=True, eq=False)
class Layers:
    """The shared layer objects; every graph here reuses these, so they share weights."""

    reshapor: keras.layers.Reshape
    lstm_cell: keras.layers.LSTM
    densor: keras.layers.Dense

    @property
    def n_a(self) -> int:
        return self.lstm_cell.units

    @property
    def n_values(self) -> int:
        return self.densor.units

    @property
    def n_features(self) -> int:
        """Context inputs beside the value's one-hot (0: the seeds' model)."""
        return self.lstm_cell.cell.kernel.shape[0] - self.n_values

    @property
    def variables(self) -> list:
        cell = self.lstm_cell.cell
        return [cell.kernel, cell.recurrent_kernel, cell.bias, self.densor.kernel, self.densor.bias]


def build_layers(n_values: int, n_a: int = N_A, n_features: int = 0) -> Layers:
    """Create and build the shared layers (weights initialised from Keras' global seed).

    A conditioned model's input at each step is the previous value's one-hot followed by
    ``n_features`` context inputs (:mod:`improv.language.context`)."""
    n_in = n_values + n_features
    layers = Layers(keras.layers.Reshape((1, n_in), name="reshapor"),
                    keras.layers.LSTM(n_a, return_state=True, name="LSTM_cell"),
                    keras.layers.Dense(n_values, activation="softmax", name="densor"))
    layers.lstm_cell.build((None, 1, n_in))
    layers.densor.build((None, n_a))
    return layers


def djmodel(layers: Layers, tx: int) -> keras.Model:
    """The seeds' training graph: inputs X (m, Tx, n_values [+ n_features]), a0, c0
    (m, n_a); one softmax output per step, all from the same three layer objects."""
    X = keras.Input(shape=(tx, layers.n_values + layers.n_features), name="X")
    a0 = keras.Input(shape=(layers.n_a,), name="a0")
    c0 = keras.Input(shape=(layers.n_a,), name="c0")
    a, c = a0, c0
    outputs = []
    for t in range(tx):
        x = layers.reshapor(X[:, t, :])
        a, _, c = layers.lstm_cell(x, initial_state=[a, c])
        outputs.append(layers.densor(a))
    return keras.Model(inputs=[X, a0, c0], outputs=outputs, name="djmodel")


def input_products(cell, n_values: int, x_ids, f_ids=None) -> tf.Tensor:
    """``x W + b`` of an LSTM ``cell`` whose input is a value's one-hot (index inputs
    (B, T), -1 the zero input), followed by a context's multi-hot (``f_ids`` (B, T,
    groups)) where its kernel has rows for one: (B, T, 4 n_a)."""
    n_a = cell.kernel.shape[1] // 4
    x_ids = tf.convert_to_tensor(x_ids, tf.int32)
    # one_hot(x) @ kernel == kernel[x]; row 0 of the padded kernel is the zero input.
    padded = tf.concat([tf.zeros((1, 4 * n_a), cell.kernel.dtype), cell.kernel[:n_values]],
                       axis=0)
    xw = tf.gather(padded, x_ids + 1) + cell.bias
    if cell.kernel.shape[0] > n_values:
        # a multi-hot context times the kernel is the sum of its active rows
        f_ids = tf.convert_to_tensor(f_ids, tf.int32)
        xw += tf.reduce_sum(tf.gather(cell.kernel[n_values:], f_ids), axis=2)
    return xw


def lstm_update(z, c):
    """One LSTM step from its gates' pre-activations ``z`` (Keras order i, f, c, o) and
    the cell state ``c``: the new (a, c)."""
    i, f, g, o = tf.split(z, 4, axis=-1)
    c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
    return tf.sigmoid(o) * tf.tanh(c), c


def sequence_logits(layers: Layers, x_ids, f_ids=None) -> tf.Tensor:
    """Logits (B, T, n_values) for index inputs (B, T); index -1 is the zero input.
    A conditioned model also takes ``f_ids`` (B, T, groups): each step's active context
    indices, one per group.

    The same function as ``djmodel`` with a0 = c0 = 0 (before the softmax), for any T.
    """
    cell = layers.lstm_cell.cell
    xw = input_products(cell, layers.n_values, x_ids, f_ids)
    recurrent = cell.recurrent_kernel
    zeros = tf.zeros((tf.shape(xw)[0], layers.n_a), xw.dtype)

    def step(state, xw_t):
        h, c = state
        return lstm_update(xw_t + tf.matmul(h, recurrent), c)

    hs, _ = tf.scan(step, tf.transpose(xw, [1, 0, 2]), initializer=(zeros, zeros))
    h = tf.transpose(hs, [1, 0, 2])
    return tf.tensordot(h, layers.densor.kernel, axes=1) + layers.densor.bias


def sequence_probabilities(layers: Layers, x_ids, f_ids=None) -> np.ndarray:
    """Softmax of :func:`sequence_logits`, as numpy."""
    return tf.nn.softmax(sequence_logits(layers, x_ids, f_ids), axis=-1).numpy()


def get_weights(layers: Layers) -> LSTMWeights:
    """The shared layers' weights, copied out as float32 numpy arrays."""
    return LSTMWeights(*(np.array(v.numpy(), dtype=np.float32) for v in layers.variables))


def set_weights(layers: Layers, weights: LSTMWeights) -> None:
    """Load weights into the shared layers (shapes checked against the layers)."""
    weights.check(layers.n_values, layers.n_features)
    for variable, array in zip(layers.variables, weights.arrays().values()):
        if tuple(variable.shape) != array.shape:
            raise ValueError(f"weights of shape {array.shape} do not fit {variable.path} "
                             f"{tuple(variable.shape)}")
        variable.assign(array)


def from_weights(weights: LSTMWeights) -> Layers:
    """Shared layers sized for ``weights`` and holding them."""
    layers = build_layers(weights.n_values, weights.n_a, weights.n_features)
    set_weights(layers, weights)
    return layers
