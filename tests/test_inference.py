"""The single-step generator: numpy arithmetic, Keras parity, state, errors, no TensorFlow."""

import json
import subprocess
import sys

import numpy as np
import pytest

from improv.errors import ModelError, UsageError
from improv.model import modelfile
from improv.model.engines import load_generator
from improv.model.numpy_engine import NumpyGenerator

from randmodel import random_weights, write_random_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return write_random_model(tmp_path_factory.mktemp("model") / "m", n_values=78, n_a=64, seed=3)


def reference_step(w, x, a, c):
    """The LSTM equations written plainly (Keras gate order i, f, c, o)."""
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    z = x @ w.lstm_kernel.astype(float) + a @ w.lstm_recurrent_kernel.astype(float) + w.lstm_bias
    i, f, g, o = np.split(z, 4)
    c = sig(f) * c + sig(i) * np.tanh(g)
    a = sig(o) * np.tanh(c)
    logits = a @ w.dense_kernel.astype(float) + w.dense_bias
    p = np.exp(logits - logits.max())
    return p / p.sum(), a, c


def test_numpy_step_matches_the_lstm_equations(model_dir):
    gen = load_generator(model_dir)
    w = modelfile.load(model_dir).weights
    a = c = np.zeros(64)
    rng = np.random.default_rng(0)
    for index in [None] + list(rng.integers(78, size=50)):
        x = np.zeros(78)
        if index is not None:
            x[index] = 1.0
        want, a, c = reference_step(w, x, a, c)
        got = gen.step(index)
        np.testing.assert_allclose(got, want, atol=1e-12)
        assert got.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(gen.state[0], a, atol=1e-12)
    np.testing.assert_allclose(gen.state[1], c, atol=1e-12)


def test_state_reset_and_prime(model_dir):
    gen = load_generator(model_dir)
    first = gen.step(None).copy()
    assert gen.state[0].shape == (64,) and np.any(gen.state[0])
    gen.reset()
    assert not np.any(gen.state[0]) and not np.any(gen.state[1])
    np.testing.assert_array_equal(gen.step(None), first)

    saved = gen.state
    saved[0][:] = 99.0  # a copy: changing it leaves the generator alone
    assert not np.allclose(gen.state[0], 99.0)
    snapshot = gen.state
    after = [gen.step(i).copy() for i in (5, 17, 40)]
    gen.state = snapshot
    np.testing.assert_array_equal(gen.prime([5, 17, 40]), after[-1])
    assert gen.prime([]) is None


def test_bad_state_and_index_are_usage_errors(model_dir):
    gen = load_generator(model_dir)
    with pytest.raises(UsageError, match="pair"):
        gen.state = (np.zeros(3), np.zeros(64))
    with pytest.raises(UsageError, match="finite"):
        gen.state = (np.full(64, np.nan), np.zeros(64))
    with pytest.raises(UsageError, match="outside the vocabulary"):
        gen.step(78)
    with pytest.raises(UsageError, match="unknown inference engine"):
        load_generator(model_dir, engine="torch")


def test_keras_and_numpy_agree_for_1000_steps(model_dir):
    pytest.importorskip("tensorflow")
    rng = np.random.default_rng(11)
    state = (rng.uniform(-1, 1, 64), rng.uniform(-3, 3, 64))
    inputs = [None] + list(rng.integers(78, size=999))
    gens = [load_generator(model_dir, "numpy"), load_generator(model_dir, "keras"),
            load_generator(model_dir, "keras", dtype="float32")]
    for gen in gens:
        gen.state = state
    worst = np.zeros(len(gens))
    for index in inputs:
        probs = [g.step(index).astype(np.float64) for g in gens]
        worst = np.maximum(worst, [np.abs(p - probs[0]).max() for p in probs])
    assert worst[1] <= 1e-5 and worst[2] <= 1e-5, worst
    for gen in gens[1:]:
        np.testing.assert_allclose(gen.state[0], gens[0].state[0], atol=1e-5)
        np.testing.assert_allclose(gen.state[1], gens[0].state[1], atol=1e-5)
    gens[1].reset()
    gens[0].reset()
    np.testing.assert_allclose(gens[1].step(None), gens[0].step(None), atol=1e-12)


def test_numpy_path_imports_no_tensorflow(model_dir):
    code = (
        "import sys\n"
        "from improv.sampling.soloist import Soloist\n"
        "from improv.model.engines import load_generator\n"
        f"s = Soloist.load({str(model_dir)!r}, seed=1)\n"
        "[s.next_value() for _ in range(200)]\n"
        "s.prime(['R,1.000']); s.reset()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tensorflow', 'keras', 'music21', 'mido', 'rtmidi', 'scipy', 'pandas'))\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- bad model directories ---------------------------------------------------------------

def _one_line_model_error(path):
    with pytest.raises(ModelError) as info:
        load_generator(path)
    message = str(info.value)
    assert "\n" not in message and "train" in message
    return message


def test_missing_model_directory(tmp_path):
    message = _one_line_model_error(tmp_path / "absent")
    assert "does not exist" in message


def test_weights_that_disagree_in_shape(tmp_path):
    out = write_random_model(tmp_path / "m")
    wrong = random_weights(n_values=78, n_a=32).arrays()
    wrong["dense_kernel"] = np.zeros((32, 70), np.float32)
    np.savez(out / modelfile.WEIGHTS, **wrong)
    meta = json.loads((out / modelfile.META).read_text())
    meta.pop("weights_sha256")
    (out / modelfile.META).write_text(json.dumps(meta))
    assert "shape" in _one_line_model_error(out)


def test_vocabulary_that_disagrees_with_the_weights(tmp_path):
    out = write_random_model(tmp_path / "m")
    values = json.loads((out / modelfile.VOCAB).read_text())["values"]
    (out / modelfile.VOCAB).write_text(json.dumps({"values": values[:-1]}))
    assert "shape" in _one_line_model_error(out)


def test_cli_exit_2_on_a_missing_or_mismatched_model(tmp_path):
    from improv.cli import main

    assert main(["sample", "--model", str(tmp_path / "absent")]) == 2
    (tmp_path / "afile").write_text("not a model\n")
    assert main(["sample", "--model", str(tmp_path / "afile")]) == 2
    out = write_random_model(tmp_path / "m")
    (out / modelfile.WEIGHTS).write_bytes(b"not a zip")
    assert main(["sample", "--model", str(out)]) == 2


def test_cli_sample_prints_values(tmp_path, capsys):
    from improv.cli import main

    out = write_random_model(tmp_path / "m")
    assert main(["sample", "--model", str(out), "--count", "5", "--seed", "2"]) == 0
    lines = capsys.readouterr().out.split()
    assert len(lines) == 5


def test_numpy_generator_float32(model_dir):
    model = modelfile.load(model_dir)
    g64, g32 = NumpyGenerator(model), NumpyGenerator(model, dtype=np.float32)
    for index in [None, 3, 9, 77]:
        np.testing.assert_allclose(g32.step(index), g64.step(index), atol=1e-6)
