"""``improv train``: a couple of epochs on tiny corpora, determinism, bad input, model files."""

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("keras")

from improv import cli
from improv.errors import CorpusError, ModelError  # noqa: E402
from improv.learning import dataset
from improv.learning import training as train  # noqa: E402
from improv.model import modelfile

from midifiles import Track, block, write_midi  # noqa: E402

VALUES = ["C,0.250", "S,0.500", "R,0.250", "A,0.250", "C,1.000", "X,0.500", "R,1.000"]


def synthetic_pieces(n_bars=24, seed=0):
    rng = np.random.default_rng(seed)
    # a repeating riff with some noise: learnable, so a couple of epochs move the loss
    riff = [0, 1, 0, 3, 4, 2]
    bars = []
    for b in range(n_bars):
        bars.append(tuple(VALUES[riff[(4 * b + i) % 6] if rng.random() < 0.8 else rng.integers(7)]
                          for i in range(4)))
    return [bars]


def song(path, bars=24, notes_per_bar=4):
    """A melody over a two-chord vamp, quarter notes, so each bar holds values."""
    melody = [(4 * b + i, 1.0, 60 + (3 * b + 2 * i) % 12) for b in range(bars)
              for i in range(notes_per_bar)]
    chords = [n for b in range(bars) for n in block(4 * b, 4.0, [48, 52, 55] if b % 2 else [50, 53, 57])]
    return write_midi(path, [Track("Lead", 0, melody), Track("Keys", 1, chords)])


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPROV_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def without_xla(monkeypatch):
    """Tests of what training does (sizes, time limits, decay, files) compile their steps
    without XLA: the same arithmetic, a second or two less per fit. The XLA path itself
    is trained by the determinism test and the command's complete-model test."""
    make = train.make_train_step
    monkeypatch.setattr(train, "make_train_step",
                        lambda layers, optimizer, jit_compile=True, forward=None:
                        make(layers, optimizer, False, forward))


def tiny_data(seed=0):
    return train.prepare(synthetic_pieces(), tx=8, val_share=0.2, seed=seed, block_bars=4)


def fitted_weights(seed):
    from improv.model.graph import build_layers, get_weights

    data = tiny_data(seed)
    train.seed_everything(seed)
    layers = build_layers(len(data.vocab))
    result = train.fit(layers, data, epochs=2, batch_size=16, patience=0, seed=seed, verbose=0)
    return get_weights(layers), result


def test_same_seed_gives_the_same_weights():
    a, ra = fitted_weights(5)
    b, _ = fitted_weights(5)
    c, _ = fitted_weights(6)
    for name in a.arrays():
        np.testing.assert_array_equal(a.arrays()[name], b.arrays()[name])
    assert not np.array_equal(a.lstm_kernel, c.lstm_kernel)
    assert ra.epochs_run == 2 and len(ra.history) == 2
    assert ra.history[1]["loss"] < ra.history[0]["loss"]


def test_a_decaying_learning_rate_refines_each_epoch_in_smaller_steps():
    """--lr-decay F divides Adam's step by F after every epoch: with 1000, the second
    epoch barely moves the weights the first one left (a constant rate moves them on)."""
    from improv.model.graph import build_layers, get_weights

    def kernel(epochs, decay):
        data = tiny_data(5)
        train.seed_everything(5)
        layers = build_layers(len(data.vocab))
        train.fit(layers, data, epochs=epochs, batch_size=16, patience=0, seed=5, verbose=0,
                  lr_decay=decay, jit_compile=False)
        return get_weights(layers).lstm_kernel

    first = kernel(1, 1.0)
    np.testing.assert_array_equal(first, kernel(1, 1000.0))  # the first epoch at the full rate
    constant = float(np.abs(kernel(2, 1.0) - first).max())
    decayed = float(np.abs(kernel(2, 1000.0) - first).max())
    assert constant > 0 and decayed < 0.05 * constant


def test_early_stopping_keeps_the_best_epoch():
    from improv.model.graph import build_layers

    data = tiny_data()
    train.seed_everything(0)
    layers = build_layers(len(data.vocab))
    result = train.fit(layers, data, epochs=40, batch_size=64, patience=2, verbose=0,
                       jit_compile=False)
    losses = [row["val_loss"] for row in result.history]
    assert result.best_epoch == 1 + int(np.argmin(losses))
    assert result.epochs_run <= result.best_epoch + 2
    kept = train.evaluate(layers, data)["validation"]["loss"]
    assert kept == pytest.approx(min(losses), abs=1e-3)


def test_train_command_writes_a_complete_model(tmp_path, capsys):
    path = song(tmp_path / "song.mid")
    out = tmp_path / "model"
    code = cli.main(["train", "--corpus", str(path), "--epochs", "2", "--tx", "8",
                     "--out", str(out), "--seed", "3", "--val-share", "0.2", "--block-bars", "4"])
    assert code == 0
    printed = capsys.readouterr().out
    for label in ("held-out (model)", "held-out unigram", "held-out bigram", "held-out trigram",
                  "train (windows)"):
        assert label in printed
    loaded = modelfile.load(out)
    meta = loaded.meta
    assert meta["tx"] == 8 and meta["seed"] == 3 and meta["epochs"] == 2
    assert meta["n_a"] == 64 and meta["n_values"] == len(loaded.vocab)
    assert meta["corpus"][0]["file"] == "song.mid" and len(meta["corpus"][0]["sha256"]) == 64
    assert meta["corpus"][0]["melody_track"] == "Lead"
    assert set(meta["metrics"]) == {"train", "validation", "unigram", "bigram", "trigram"}
    assert meta["features"] == "context-v3" and loaded.n_features == 65  # the default
    assert meta["optimizer"]["lr_decay"] == 1.0  # a constant rate, unless asked
    assert {"tensorflow", "keras", "numpy", "improv"} <= set(meta["versions"])
    assert sorted(p.name for p in out.iterdir()) == ["model.json", "vocab.json", "weights.npz"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def one_line_error(capsys, argv, expect):
    try:
        code = cli.main(argv)
    except SystemExit as err:  # argparse
        code = err.code
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert expect in err and "Traceback" not in err
    return err


@pytest.mark.parametrize("epochs", ["0", "-3", "x"])
def test_bad_epochs(capsys, tmp_path, epochs):
    one_line_error(capsys, ["train", "--epochs", epochs, "--out", str(tmp_path / "m")], "--epochs")
    assert not (tmp_path / "m").exists()


def test_out_pointing_at_a_file(capsys, tmp_path):
    path = song(tmp_path / "song.mid")
    target = tmp_path / "file"
    target.write_text("keep me")
    one_line_error(capsys, ["train", "--corpus", str(path), "--out", str(target)], "is a file")
    assert target.read_text() == "keep me"


def test_out_pointing_at_a_directory_with_other_files(capsys, tmp_path):
    path = song(tmp_path / "song.mid")
    one_line_error(capsys, ["train", "--corpus", str(path), "--out", str(tmp_path)],
                   "holding other files")
    assert path.is_file()


def test_empty_corpus(capsys, tmp_path):
    drums = write_midi(tmp_path / "drums.mid", [Track("Kit", 9, [(i, 0.5, 36) for i in range(16)])])
    one_line_error(capsys, ["train", "--corpus", str(drums), "--out", str(tmp_path / "m")],
                   "improv: error:")
    assert not (tmp_path / "m").exists()


def test_corpus_shorter_than_tx(capsys, tmp_path):
    path = song(tmp_path / "short.mid", bars=2, notes_per_bar=4)
    err = one_line_error(capsys, ["train", "--corpus", str(path), "--tx", "30",
                                  "--out", str(tmp_path / "m")], "--tx 30 needs at least 31")
    assert "improv: error:" in err
    assert not (tmp_path / "m").exists()


def test_missing_corpus_file(capsys, tmp_path):
    one_line_error(capsys, ["train", "--corpus", str(tmp_path / "nope.mid"),
                            "--out", str(tmp_path / "m")], "improv: error:")


def test_prepare_rejects_empty_and_short_corpora():
    with pytest.raises(CorpusError, match="no melody"):
        train.prepare([[(), ()]], tx=4)
    with pytest.raises(CorpusError, match="needs at least 31"):
        train.prepare([[tuple(VALUES[:4])] * 7], tx=30)
    with pytest.raises(CorpusError, match="no training run"):
        train.prepare([[tuple(VALUES[:3])] * 12], tx=30, val_share=0.2, block_bars=4)


# --- loading a damaged model directory ---------------------------------------------------

@pytest.fixture
def saved(tmp_path):
    data = tiny_data()
    n = len(data.vocab)
    rng = np.random.default_rng(0)
    weights = modelfile.LSTMWeights(rng.normal(size=(n, 256)), rng.normal(size=(64, 256)),
                                    rng.normal(size=256), rng.normal(size=(64, n)),
                                    rng.normal(size=n))
    return modelfile.save(tmp_path / "model", weights, data.vocab, {"tx": 8})


def test_truncated_weights_are_rejected(saved):
    blob = (saved / "weights.npz").read_bytes()
    (saved / "weights.npz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ModelError, match="corrupted or truncated"):
        modelfile.load(saved)
    meta = json.loads((saved / "model.json").read_text())
    del meta["weights_sha256"]
    (saved / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="not a readable weights file"):
        modelfile.load(saved)


def test_mismatched_vocabulary_is_rejected(saved):
    vocab = json.loads((saved / "vocab.json").read_text())
    vocab["values"] = vocab["values"][:-1]
    (saved / "vocab.json").write_text(json.dumps(vocab))
    with pytest.raises(ModelError, match="shape"):
        modelfile.load(saved)


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", ""])
def test_bad_model_json_is_rejected(saved, text):
    (saved / "model.json").write_text(text)
    with pytest.raises(ModelError, match="model.json"):
        modelfile.load(saved)


@pytest.mark.parametrize("m, size, plan", [(1139, 256, (5, 228)), (10, 256, (1, 10)),
                                           (512, 256, (2, 256)), (513, 256, (3, 171))])
def test_batch_plan_pads_to_one_size(m, size, plan):
    batches, each = train.batch_plan(m, size)
    assert (batches, each) == plan and each <= size and 0 <= batches * each - m < batches


def test_baselines_on_tiny_data_are_finite():
    data = tiny_data()
    scores = dataset.baselines(data.split.train, data.validation, data.vocab)
    assert all(np.isfinite(s.loss) for s in scores.values())


WJD = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "wjazzd"


def test_train_on_weimar_solos_holds_out_whole_solos(tmp_path, capsys, without_xla):
    import shutil

    if not (WJD / "melody").is_dir():
        pytest.skip("the Weimar Jazz Database is absent")
    folder = tmp_path / "wjazzd"
    names = ("ZootSims_KingDavid_Solo.csv", "ZootSims_NightAndDay-2_Solo.csv",
             "ArtPepper_Desafinado_Solo.csv")
    for sub in ("melody", "beats"):
        (folder / sub).mkdir(parents=True)
        for name in names:
            shutil.copy(WJD / sub / name, folder / sub / name)
    pieces, corpus, _contexts = train.load_corpus([folder])
    assert [c["file"] for c in corpus] == sorted(names)
    data = train.prepare(pieces, tx=8, val_share=0.3, hold_out="pieces")
    assert len(data.split.validation) == 1  # one solo, whole
    out = tmp_path / "model"
    assert cli.main(["train", "--corpus", str(folder), "--epochs", "1", "--tx", "8",
                     "--out", str(out), "--hold-out", "pieces", "--val-share", "0.3"]) == 0
    assert modelfile.load(out).meta["corpus"][0]["melody_track"] == "wjazzd melody"


def train_song(tmp_path, *flags):
    """``improv train`` on a small song, tx 8; returns the model directory written."""
    path, out = song(tmp_path / "song.mid"), tmp_path / "model"
    assert cli.main(["train", "--corpus", str(path), "--tx", "8", "--out", str(out),
                     "--val-share", "0.2", "--block-bars", "4", *flags]) == 0
    return out


def test_train_picks_the_size_with_the_lowest_held_out_loss(tmp_path, capsys, without_xla):
    out = train_song(tmp_path, "--epochs", "2", "--n-a", "8,16", "--patience", "0")
    printed = capsys.readouterr().out
    assert "--- n_a = 8" in printed and "--- n_a = 16" in printed
    assert "held-out loss by size" in printed
    assert "spent, at most" in printed and "left" in printed  # the time left, each epoch
    meta = modelfile.load(out).meta
    tried = meta["n_a_tried"]
    assert set(tried) == {"8", "16"}
    best = min(tried, key=lambda k: tried[k]["val_loss"])
    assert meta["n_a"] == int(best)
    assert meta["metrics"]["validation"]["loss"] == pytest.approx(tried[best]["val_loss"], abs=2e-3)


def test_train_without_context_writes_the_seeds_model(tmp_path, without_xla):
    loaded = modelfile.load(train_song(tmp_path, "--epochs", "1", "--features", "none",
                                       "--n-a", "8"))
    assert loaded.features is None and loaded.n_features == 0
    assert loaded.weights.lstm_kernel.shape == (len(loaded.vocab), 32)


def test_a_time_limit_stops_before_an_epoch_that_would_end_after_it(tmp_path, capsys, without_xla):
    out = train_song(tmp_path, "--epochs", "50", "--n-a", "8", "--time-limit", "0.0001")
    printed = capsys.readouterr().out
    assert "Time limit" in printed
    assert modelfile.load(out).meta["epochs_run"] == 1


@pytest.mark.parametrize("decay", ["0.5", "x", "5000"])
def test_a_bad_decay_is_one_line(tmp_path, capsys, decay):
    one_line_error(capsys, ["train", "--corpus", "x.mid", "--lr-decay", decay, "--out",
                            str(tmp_path / "m")], "--lr-decay")


@pytest.mark.parametrize("sizes", ["0", "64,x", "2000"])
def test_bad_sizes_are_one_line(tmp_path, capsys, sizes):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", "--corpus", "x.mid", "--n-a", sizes, "--out", str(tmp_path / "m")])
    assert exit_.value.code == 2
    assert "--n-a" in capsys.readouterr().err


def test_without_out_the_model_goes_to_the_users_folder_never_a_shipped_one(
        tmp_path, capsys, monkeypatch, without_xla):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    shipped = modelfile.models_dir()
    before = {p: p.stat().st_mtime_ns for p in shipped.rglob("*") if p.is_file()}
    path = song(tmp_path / "solo.mid")
    assert cli.main(["train", "--corpus", str(path), "--epochs", "1", "--tx", "8",
                     "--val-share", "0.2", "--block-bars", "4"]) == 0
    out = tmp_path / "share" / "improv" / "models" / "solo"
    assert f"the model goes to {out}" in capsys.readouterr().err
    assert modelfile.load(out).meta["epochs"] == 1
    assert {p: p.stat().st_mtime_ns for p in shipped.rglob("*") if p.is_file()} == before


def test_replacing_a_shipped_model_needs_the_flag_saying_so(tmp_path, capsys):
    path = song(tmp_path / "solo.mid")
    target = modelfile.models_dir() / "metheny"
    before = (target / "weights.npz").read_bytes()
    one_line_error(capsys, ["train", "--corpus", str(path), "--out", str(target)],
                   "--replace-shipped")
    assert (target / "weights.npz").read_bytes() == before
    one_line_error(capsys, ["train", "--corpus", str(path), "--out", ""], "--out is empty")
