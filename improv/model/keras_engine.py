"""The ``keras`` engine: a Keras single-step model called through one ``tf.function``.

Kept apart from :mod:`improv.model.numpy_engine` so that importing the numpy engine never
imports TensorFlow (seconds to import, hundreds of MB). The model is the seeds'
single-step inference graph: ``LSTM(n_a, return_state=True)`` on one time step with the
carried ``(a, c)`` as initial state, then ``Dense(n_values, activation="softmax")``;
the weights are set from the model directory. ``a`` and ``c`` stay tensors between
calls; only the probabilities come back to numpy.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from improv.language.vocab import Vocabulary
from improv.model import modelfile
from improv.model.step import check_features, check_index, check_state
from improv.model.tf_loader import import_tensorflow

keras, tf = import_tensorflow("the keras engine (--engine keras)")


def build_step_model(n_values: int, n_a: int, dtype: str = "float32",
                     n_features: int = 0) -> keras.Model:
    """Inputs ``x`` (batch, 1, n_values + n_features: the value's one-hot, then the
    context's), ``a`` and ``c`` (batch, n_a); outputs the softmax probabilities and the
    new ``a`` and ``c``. Layer names follow the seeds."""
    x_in = keras.Input(shape=(1, n_values + n_features), dtype=dtype, name="x")
    a_in = keras.Input(shape=(n_a,), dtype=dtype, name="a0")
    c_in = keras.Input(shape=(n_a,), dtype=dtype, name="c0")
    lstm = keras.layers.LSTM(n_a, return_state=True, dtype=dtype, name="LSTM_cell")
    densor = keras.layers.Dense(n_values, activation="softmax", dtype=dtype, name="densor")
    out, a, c = lstm(x_in, initial_state=[a_in, c_in])
    return keras.Model([x_in, a_in, c_in], [densor(out), a, c], name="single_step")


def set_step_weights(model: keras.Model, weights: modelfile.LSTMWeights) -> None:
    model.get_layer("LSTM_cell").set_weights(
        [weights.lstm_kernel, weights.lstm_recurrent_kernel, weights.lstm_bias])
    model.get_layer("densor").set_weights([weights.dense_kernel, weights.dense_bias])


class KerasGenerator:
    """Same interface as :class:`improv.model.numpy_engine.NumpyGenerator`, computed by Keras."""

    def __init__(self, model: modelfile.ModelDir, dtype: str = "float64"):
        w = model.weights
        self.vocab: Vocabulary = model.vocab
        self.n_values, self.n_a = w.n_values, w.n_a
        self.tx = model.tx
        self.n_features = n_features = w.n_features
        self.dtype = np.dtype(dtype)
        self.model = build_step_model(self.n_values, self.n_a, dtype, n_features)
        set_step_weights(self.model, w)
        tf_dtype = tf.as_dtype(dtype)
        self._a = tf.zeros((1, self.n_a), tf_dtype)
        self._c = tf.zeros((1, self.n_a), tf_dtype)
        n_values, step_model = self.n_values, self.model

        @tf.function(input_signature=[tf.TensorSpec((), tf.int32),
                                      tf.TensorSpec((None,), tf.int32),
                                      tf.TensorSpec((1, self.n_a), tf_dtype),
                                      tf.TensorSpec((1, self.n_a), tf_dtype)])
        def _step(index, features, a, c):
            # one_hot of -1 is all zeros: the zero x of a window's first step.
            x = tf.one_hot(index, n_values, dtype=tf_dtype)
            if n_features:
                context = tf.reduce_sum(tf.one_hot(features, n_features, dtype=tf_dtype), 0)
                x = tf.concat([x, context], 0)
            x = tf.reshape(x, (1, 1, n_values + n_features))
            probs, a, c = step_model([x, a, c], training=False)
            return probs[0], a, c

        self._step = _step

    def step(self, index: int | None, features=()) -> np.ndarray:
        i = -1 if index is None else check_index(index, self.n_values)
        active = check_features(features, self.n_features) if self.n_features else ()
        probs, self._a, self._c = self._step(tf.constant(i, tf.int32),
                                             tf.constant(active, tf.int32, (len(active),)),
                                             self._a, self._c)
        return probs.numpy()

    def reset(self) -> None:
        self._a = tf.zeros_like(self._a)
        self._c = tf.zeros_like(self._c)

    @property
    def state(self) -> tuple[np.ndarray, np.ndarray]:
        return self._a.numpy()[0].copy(), self._c.numpy()[0].copy()

    @state.setter
    def state(self, value) -> None:
        a, c = check_state(value, self.n_a, self.dtype)
        self._a = tf.constant(a[None, :])
        self._c = tf.constant(c[None, :])

    def prime(self, indices: Iterable[int], features: Iterable = ()) -> np.ndarray | None:
        probs = None
        contexts = iter(features)
        for index in indices:
            probs = self.step(index, next(contexts, ()))
        return probs
