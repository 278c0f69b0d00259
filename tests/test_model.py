"""The shared-layer LSTM: the seeds' djmodel, the fast training graph, weight conversion."""

import subprocess
import sys

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from improv.language.vocab import Vocabulary  # noqa: E402
from improv.learning import dataset
from improv.model import graph as model
from improv.model import modelfile  # noqa: E402


@pytest.fixture(scope="module")
def layers78():
    keras.utils.set_random_seed(7)
    return model.build_layers(78)


def randomise(layers, seed):
    """Weights far from the small initial ones, so every gate matters."""
    rng = np.random.default_rng(seed)
    arrays = model.get_weights(layers).arrays().values()
    model.set_weights(layers, modelfile.LSTMWeights(
        *(rng.normal(0, 0.5, a.shape).astype(np.float32) for a in arrays)))
    return rng


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
    rng = randomise(layers78, 0)
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
    code = ("import sys, improv.model.modelfile, improv.language.vocab, improv.learning.dataset; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_numpy_generator_reads_the_weights_as_trained(tmp_path, layers78):
    """The saved layout (Keras gate order i, f, c, o) is what the real-time numpy
    engine computes: its step-by-step probabilities equal the training graph's."""
    inference = pytest.importorskip("improv.model.engines")
    randomise(layers78, 1)
    vocab = Vocabulary(tuple(f"C,{0.25 * (i + 1):.3f}" for i in range(32))
                       + tuple(f"R,{0.25 * (i + 1):.3f}" for i in range(32))
                       + tuple(f"S,{0.25 * (i + 1):.3f}" for i in range(14)))
    modelfile.save(tmp_path / "m", model.get_weights(layers78), vocab, {"tx": 30})
    gen = inference.load_generator(tmp_path / "m")
    ids = [dataset.ZERO, 5, 17, 3, 77, 40]
    fast = model.sequence_probabilities(layers78, np.array([ids], np.int32))[0]
    stepped = [gen.step(None if i == dataset.ZERO else i).copy() for i in ids]
    np.testing.assert_allclose(np.array(stepped), fast, atol=1e-5)
