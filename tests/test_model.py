"""The shared-layer LSTM: the seeds' djmodel, the fast training graph, weight conversion."""

import subprocess
import sys

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from improv import dataset, model, modelfile  # noqa: E402
from improv.vocab import Vocabulary  # noqa: E402


@pytest.fixture(scope="module")
def layers78():
    keras.utils.set_random_seed(7)
    return model.build_layers(78)


def test_djmodel_has_the_seeds_parameter_count(layers78):
    dj = model.djmodel(layers78, 30)
    assert dj.count_params() == 41_678
    kinds = [type(layer).__name__ for layer in dj.layers]
    # one object per shared layer, reused at every step; no Lambda layers
    assert kinds.count("LSTM") == 1 and kinds.count("Dense") == 1 and kinds.count("Reshape") == 1
    assert "Lambda" not in kinds
    assert len(dj.outputs) == 30
    assert [i.shape for i in dj.inputs] == [(None, 30, 78), (None, 64), (None, 64)]


def test_fast_graph_matches_djmodel_for_the_same_weights(layers78):
    rng = np.random.default_rng(0)
    # weights far from the small initial ones, so every gate matters
    weights = model.get_weights(layers78)
    model.set_weights(layers78, modelfile.LSTMWeights(
        *(rng.normal(0, 0.5, a.shape).astype(np.float32) for a in weights.arrays().values())))
    ids = rng.integers(0, 78, (6, 30)).astype(np.int32)
    ids[:, 0] = dataset.ZERO
    X = dataset.one_hot(ids, 78)
    zeros = np.zeros((6, 64), np.float32)
    unrolled = np.stack(model.djmodel(layers78, 30).predict([X, zeros, zeros], verbose=0), axis=1)
    fast = model.sequence_probabilities(layers78, ids)
    assert fast.shape == unrolled.shape == (6, 30, 78)
    assert np.abs(fast - unrolled).max() <= 1e-5
    np.testing.assert_allclose(fast.sum(-1), 1.0, atol=1e-5)


def test_weights_round_trip_through_a_model_directory(tmp_path, layers78):
    weights = model.get_weights(layers78)
    assert weights.lstm_kernel.shape == (78, 256) and weights.dense_kernel.shape == (64, 78)
    vocab = Vocabulary(tuple(f"C,{0.25 * (i + 1):.3f}" for i in range(32))
                       + tuple(f"R,{0.25 * (i + 1):.3f}" for i in range(32))
                       + tuple(f"S,{0.25 * (i + 1):.3f}" for i in range(14)))
    modelfile.save(tmp_path / "m", weights, vocab, {"tx": 30})
    loaded = model.from_weights(modelfile.load(tmp_path / "m").weights)
    ids = np.full((2, 5), dataset.ZERO, np.int32)
    ids[:, 1:] = [[1, 2, 3, 4], [5, 6, 7, 8]]
    np.testing.assert_array_equal(model.sequence_probabilities(loaded, ids),
                                  model.sequence_probabilities(layers78, ids))


def test_numpy_side_does_not_import_tensorflow():
    code = ("import sys, improv.modelfile, improv.vocab, improv.dataset; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
