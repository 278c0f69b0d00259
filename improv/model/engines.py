"""Choosing an engine: a model directory loaded into a single-step generator by name.

The trained shared layers (``LSTM_cell`` and ``densor``) are run one step at a time so
the daemon can ask for the next value at the moment it needs it, forever. Two engines
follow one protocol (:class:`improv.model.step.Generator`):

``numpy`` (the default)
    :mod:`improv.model.numpy_engine`: the arithmetic on the stored weights, no
    TensorFlow, microseconds per step.
``keras``
    :mod:`improv.model.keras_engine`: a Keras single-step model of
    ``LSTM(n_a, return_state=True)`` and ``Dense(n_values, activation="softmax")``
    with the same weights, called through one traced ``tf.function`` (never
    ``predict()`` per step). It is the reference the numpy arithmetic is checked
    against; TensorFlow (the ``train`` extra) is imported only when it is chosen.

Both compute in float64 by default, so their probabilities agree to ~1e-12 and a seeded
sampler draws the same values from either. As in the seeds, the initial x, a and c are
zeros: ``step(None)`` feeds the zero x of a window's first step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from improv.errors import UsageError
from improv.model import modelfile
from improv.model.numpy_engine import NumpyGenerator
from improv.model.step import Generator
from improv.model.tf_loader import require_tensorflow
from improv.settings import setting, validate

ENGINES = ("numpy", "keras")
DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class ModelSettings:
    """Which model plays and on which engine (the ``[model]`` table of config.toml).

    ``path`` "" is the default shipped model (:func:`modelfile.default_dir`); a bare
    name one of the others (``data/models/NAME``); anything else a directory."""

    path: str = setting("")
    engine: str = setting("numpy", choices=ENGINES)

    def __post_init__(self):
        validate(self)

    @property
    def directory(self) -> Path:
        return modelfile.resolve(self.path)


def load_generator(model_dir: Path | str | None = None, engine: str = "numpy",
                   dtype: str = "float64") -> Generator:
    """Load a model directory or shipped model's name (default: the default shipped
    model) into the named engine.

    A missing, incomplete or mismatched directory raises a one-line ModelError; an
    unknown engine a UsageError; the keras engine without TensorFlow installed a
    MissingDependencyError saying how to install it.
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown inference engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if dtype not in DTYPES:
        raise UsageError(f"unknown inference dtype {dtype!r}: choose {' or '.join(DTYPES)}")
    if engine == "keras":
        require_tensorflow("the keras engine (--engine keras)")
    model = modelfile.load(modelfile.resolve(model_dir))
    if engine == "numpy":
        return NumpyGenerator(model, dtype=np.dtype(dtype))
    from improv.model.keras_engine import (
        KerasGenerator,  # imports TensorFlow: only when asked
    )

    return KerasGenerator(model, dtype=dtype)


def from_settings(settings: ModelSettings, dtype: str = "float64") -> Generator:
    return load_generator(settings.directory, settings.engine, dtype)


__all__ = ["ENGINES", "Generator", "ModelSettings", "from_settings",
           "load_generator"]
