"""benchmarks/second_layer.py without the corpus: the two-layer graph is the arithmetic it
claims (against a step-by-step numpy LSTM), its training keeps the best epoch, the
one-layer row is ``improv train``'s own model, and bad arguments are one line."""

from __future__ import annotations

import sys
from argparse import Namespace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("keras")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import second_layer as sl  # noqa: E402

from improv.learning import training as train  # noqa: E402

from test_train import tiny_data  # noqa: E402


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_step(x_row, a, c, recurrent, bias=0.0):
    z = x_row + a @ recurrent + bias
    i, f, g, o = np.split(z, 4)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


@pytest.mark.parametrize("skip", [False, True])
def test_the_two_layer_graph_is_two_lstms_step_by_step(skip):
    rng = np.random.default_rng(1)
    n_values, n_features, n_a = 7, 3, 5
    layers = sl.TwoLayers(n_values, n_features, n_a, skip)
    arrays = [rng.normal(0, 0.5, tuple(v.shape)).astype(np.float32) for v in layers.variables]
    for variable, array in zip(layers.variables, arrays):
        variable.assign(array)
    k1, u1, b1, k2, u2, b2, dk, db = (a.astype(np.float64) for a in arrays)
    x = np.array([[-1, 3, 0, 6], [2, 2, 5, 1]])
    f = rng.integers(0, n_features, (2, 4, 2))
    got = sl.two_layer_logits(layers, x, f).numpy()
    for b in range(2):
        a1 = c1 = a2 = c2 = np.zeros(n_a)
        for t in range(4):
            row = (k1[x[b, t]] if x[b, t] >= 0 else 0.0) + k1[n_values + f[b, t]].sum(0) + b1
            a1, c1 = lstm_step(row, a1, c1, u1)
            a2, c2 = lstm_step(a1 @ k2, a2, c2, u2, b2)
            out = np.concatenate([a1, a2]) if skip else a2
            np.testing.assert_allclose(got[b, t], out @ dk + db, atol=1e-5)


def args(**kw):
    base = dict(seed=3, epochs=2, batch_size=16, patience=1, lr_decay=1.0, n_a=8, verbose=0)
    return Namespace(**dict(base, **kw))


def test_the_one_layer_row_is_improv_trains_own_model():
    from improv.model.graph import build_layers, get_weights

    data = tiny_data(3)
    row = sl.train_variant("one", data, 0, args())
    train.seed_everything(3)
    layers = build_layers(len(data.vocab), 8)
    result = train.fit(layers, data, 2, 16, 1, 3, verbose=0)
    assert row["metrics"] == train.evaluate(layers, data)
    assert row["best_epoch"] == result.best_epoch
    assert row["parameters"] == sum(a.size for a in get_weights(layers).arrays().values())


def test_a_two_layer_variant_trains_and_keeps_its_best_epoch():
    data = tiny_data(3)
    row = sl.train_variant("skip", data, 0, args(epochs=3))
    losses = [h["val_loss"] for h in row["history"]]
    assert row["history"][-1]["loss"] < row["history"][0]["loss"]
    assert row["metrics"]["validation"]["loss"] == pytest.approx(min(losses), abs=1e-3)
    n_a, n_values = 8, len(data.vocab)
    assert row["parameters"] == (n_values * 4 * n_a + n_a * 4 * n_a + 4 * n_a
                                 + 2 * (n_a * 4 * n_a) + 4 * n_a + 2 * n_a * n_values + n_values)
    assert "stacked" in sl.table([row, dict(row, variant="stacked")])


def test_bad_arguments_are_one_line_and_exit_2(capsys, tmp_path):
    assert sl.main(["--variants", "three"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert sl.main(["--corpus", str(tmp_path / "nowhere"), "--variants", "one"]) == 2
    err = capsys.readouterr().err
    assert "no corpus" in err and err.count("\n") == 1
