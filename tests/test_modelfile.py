"""The model directory: atomic save, refusal to clobber, permissions."""

import pytest

from improv import modelfile
from improv.errors import UsageError
from improv.randmodel import write_random_model


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
