"""A model directory with random weights and a realistic vocabulary, for tests and benchmarks.

It lets the generator, the sampler and the daemon be exercised (and timed) without a
trained model. The vocabulary looks like a tokenised jazz solo: chord/scale/approach/
other tones at straight and triplet durations, with and without an interval range,
and rests. The weights are drawn at a scale where the softmax is peaked, as a trained
model's is, rather than near uniform.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from improv.language import context
from improv.language.grammar import Value
from improv.language.vocab import Vocabulary
from improv.model import modelfile

_DURATIONS = (0.25, 1 / 3, 0.5, 2 / 3, 0.75, 1.0, 1.5, 2.0)


def random_vocab(n_values: int = 78) -> Vocabulary:
    """``n_values`` distinct value strings: rests, phrase starts and ranged notes."""
    values: list[str] = [str(Value("R", d)) for d in _DURATIONS]
    values += [str(Value(k, d)) for k in "CSA" for d in _DURATIONS[:4]]
    ranged = [str(Value(k, d, lo, lo + 6))
              for lo in (-3, -5, -1, -8, 1, -10, 3, -12, 5)
              for k in "CSAX" for d in _DURATIONS[:5]]
    values += ranged
    if n_values > len(values):
        raise ValueError(f"random_vocab makes at most {len(values)} values")
    return Vocabulary.from_values(values[:n_values])


def random_weights(n_values: int = 78, n_a: int = 64, seed: int = 0,
                   scale: float = 1.0, n_features: int = 0) -> modelfile.LSTMWeights:
    """Normal weights ~ scale/sqrt(fan-in) (recurrent and dense a bit stronger); with
    ``n_features``, a conditioned model's extra kernel rows."""
    rng = np.random.default_rng(seed)

    def normal(shape, std):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    bias = normal(4 * n_a, 0.1)
    bias[n_a:2 * n_a] += 1.0  # Keras' unit forget bias
    return modelfile.LSTMWeights(
        lstm_kernel=normal((n_values + n_features, 4 * n_a), 1.5 * scale),
        lstm_recurrent_kernel=normal((n_a, 4 * n_a), 1.2 * scale / np.sqrt(n_a)),
        lstm_bias=bias,
        dense_kernel=normal((n_a, n_values), 4.0 * scale / np.sqrt(n_a)),
        dense_bias=normal(n_values, 0.5 * scale),
    )


def write_random_model(out: Path, n_values: int = 78, n_a: int = 64, seed: int = 0,
                       scale: float = 1.0, tx: int = 30, conditioned: bool | str = False) -> Path:
    """Write a complete model directory (via :func:`improv.model.modelfile.save`) and
    return it; ``conditioned``: one that reads the context (True: ``context-v3``, as the
    shipped model; ``"v2"``, ``"v1"``: the earlier ones)."""
    n_features, name = {True: (context.N_FEATURES_V3, context.NAME_V3),
                        "v2": (context.N_FEATURES_V2, context.NAME_V2),
                        "v1": (context.N_FEATURES, context.NAME),
                        False: (0, None)}[conditioned]
    return modelfile.save(Path(out), random_weights(n_values, n_a, seed, scale, n_features),
                          random_vocab(n_values), {"tx": tx, "random": True, "seed": seed}, name)
