"""The model directory: atomic save, refusal to clobber, permissions, model.json checks."""

import json
from pathlib import Path

import pytest

from improv.errors import ModelError, UsageError
from improv.model import modelfile
from improv.model.engines import load_generator

from randmodel import write_random_model


def test_save_replaces_a_model_directory(tmp_path):
    out = tmp_path / "model"
    write_random_model(out, n_values=12, n_a=8, seed=1)
    first = (out / modelfile.WEIGHTS).read_bytes()
    write_random_model(out, n_values=12, n_a=8, seed=2)
    assert (out / modelfile.WEIGHTS).read_bytes() != first
    assert modelfile.load(out).weights.n_a == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temp dirs left


def test_save_refuses_a_directory_with_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("precious")
    with pytest.raises(UsageError, match="holding other files"):
        write_random_model(tmp_path, n_values=12, n_a=8, seed=1)
    assert (tmp_path / "notes.txt").read_text() == "precious"


def test_saved_directory_is_world_readable(tmp_path):
    out = write_random_model(tmp_path / "model", n_values=12, n_a=8, seed=1)
    assert (out.stat().st_mode & 0o777) == 0o755


def _with_meta(path, **changes):
    meta = json.loads((path / modelfile.META).read_text())
    for key, value in changes.items():
        if value is _DROP:
            meta.pop(key, None)
        else:
            meta[key] = value
    (path / modelfile.META).write_text(json.dumps(meta))
    return path


_DROP = object()


@pytest.mark.parametrize("tx", ["thirty", 1, 0, -5, 2.5, 30.0, True, None, [30]])
def test_a_bad_tx_is_one_line_model_error(tmp_path, tx):
    out = _with_meta(write_random_model(tmp_path / "m", n_values=12, n_a=8), tx=tx)
    with pytest.raises(ModelError) as info:
        modelfile.load(out)
    message = str(info.value)
    assert "\n" not in message and "tx=" in message and "at least 2" in message


def test_tx_absent_is_30_and_the_seeds_spelling_is_read(tmp_path):
    out = _with_meta(write_random_model(tmp_path / "m", n_values=12, n_a=8, tx=8), tx=_DROP)
    assert modelfile.load(out).tx == 30
    assert load_generator(out).tx == 30
    _with_meta(out, Tx=12)
    assert modelfile.load(out).tx == 12
    _with_meta(out, tx=2)
    assert load_generator(out).tx == 2


def test_a_file_is_not_a_model_directory(tmp_path):
    afile = tmp_path / "passwd"
    afile.write_text("root:x:0:0\n")
    with pytest.raises(ModelError) as info:
        modelfile.load(afile)
    assert "is not a directory" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(ModelError, match="does not exist"):
        modelfile.load(tmp_path / "absent")


def test_model_names_resolve_to_the_shipped_models(tmp_path, monkeypatch):
    from improv.errors import ModelError as Missing

    assert "metheny" in modelfile.shipped_names()
    assert modelfile.resolve("metheny") == modelfile.models_dir() / "metheny"
    assert modelfile.resolve("") == modelfile.resolve(None) == modelfile.default_dir()
    assert modelfile.resolve(str(tmp_path)) == tmp_path  # a path stays a path
    with pytest.raises(Missing, match="no model named 'jazzbot' is shipped.*metheny"):
        modelfile.resolve("jazzbot")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metheny").mkdir()  # a folder here of that name wins: it is a path
    assert modelfile.resolve("metheny") == Path("metheny")


def test_retraining_in_place_keeps_the_data_notice(tmp_path):
    out = write_random_model(tmp_path / "m", n_a=8)
    (out / "NOTICE").write_text("Trained on somebody's data.\n")
    write_random_model(out, n_a=8, seed=2)
    assert (out / "NOTICE").read_text() == "Trained on somebody's data.\n"
    assert modelfile.load(out).meta["seed"] == 2


def test_a_model_retrained_on_another_corpus_drops_the_old_notice(tmp_path):
    from randmodel import random_vocab, random_weights

    out = tmp_path / "m"
    weimar = {"corpus": [{"file": "a.csv", "sha256": "1" * 64}]}
    metheny = {"corpus": [{"file": "b.mid", "sha256": "2" * 64}]}
    modelfile.save(out, random_weights(78, 8), random_vocab(78), weimar)
    (out / "NOTICE").write_text("ODbL\n")
    modelfile.save(out, random_weights(78, 8, seed=1), random_vocab(78), weimar)
    assert (out / "NOTICE").is_file()  # same corpus: the notice still applies
    modelfile.save(out, random_weights(78, 8, seed=2), random_vocab(78), metheny)
    assert not (out / "NOTICE").exists()  # another corpus: that notice no longer does
