"""Fault injection with files: hostile model directories, odd configs, vanishing folders.

Every case is one line on stderr, exit 2, no traceback, nothing half-written; run alone
with ``pytest -m faults``.
"""

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from improv.cli import main
from improv.model import modelfile

pytestmark = pytest.mark.faults
REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "data" / "models" / "metheny"


@pytest.fixture
def model(tmp_path):
    """A copy of the shipped model to spoil, without its checksum (so each spoilt file
    reaches the check that concerns it)."""
    out = tmp_path / "m"
    shutil.copytree(SHIPPED, out)
    meta = json.loads((out / "model.json").read_text())
    del meta["weights_sha256"]
    (out / "model.json").write_text(json.dumps(meta))
    return out


def one_line(capsys, argv) -> str:
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def play(model, tmp_path):
    return ["play", "--model", str(model), "--out", str(tmp_path / "x.mid"), "--bars", "1"]


def npy(array_header: str, payload: bytes = b"") -> bytes:
    """A .npy file with a hand-written header (the data need not match it)."""
    header = array_header.encode("latin1")
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + payload


def replace_array(model: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(model / "weights.npz") as old:
        members = {i.filename: old.read(i) for i in old.infolist()}
    members[f"{name}.npy"] = data
    with zipfile.ZipFile(model / "weights.npz", "w") as new:
        for member, content in members.items():
            new.writestr(member, content)


def test_a_header_claiming_a_huge_array_is_refused_before_allocating(model, tmp_path, capsys):
    replace_array(model, "lstm_kernel",
                  npy("{'descr': '<f4', 'fortran_order': False, 'shape': (200000, 200000), }"))
    line = one_line(capsys, play(model, tmp_path))
    assert "weights.npz" in line and "no model of ours is that large" in line
    assert not (tmp_path / "x.mid").exists()


def test_a_consistent_but_wrong_shape_names_the_array(model, tmp_path, capsys):
    replace_array(model, "dense_bias", npy("{'descr': '<f4', 'fortran_order': False, "
                                           "'shape': (3,), }", np.zeros(3, "<f4").tobytes()))
    assert "dense_bias have shape (3,)" in one_line(capsys, play(model, tmp_path))


def test_an_object_array_is_a_pickle_and_never_loaded(model, tmp_path, capsys):
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    replace_array(model, "lstm_bias", buffer.getvalue())
    assert "pickle" in one_line(capsys, play(model, tmp_path))


@pytest.mark.parametrize("meta, words", [
    ({"tx": 10**12}, ["tx=1000000000000", "at most 1000"]),
    ({"tx": "30"}, ["tx='30'"]),
    ({"n_a": 10**9}, ["n_a=1000000000"]),
    ({"n_values": -1}, ["n_values=-1"]),
])
def test_sizes_in_model_json_are_bounded(model, tmp_path, capsys, meta, words):
    data = json.loads((model / "model.json").read_text())
    (model / "model.json").write_text(json.dumps({**data, **meta}))
    line = one_line(capsys, play(model, tmp_path))
    assert all(w in line for w in words), line


@pytest.mark.parametrize("content, words", [
    ('{"values": "C,0.250"}', ['"values" must be a list', "not a str"]),
    ('{"values": ["C,0.250", 5]}', ["entry 1 is 5"]),
    ('{"values": ["C,0.250", "C,0.250"]}', ["entry 1 'C,0.250' repeats"]),
    ('{"values": ["Q,1.0"]}', ["entry 0", "bad grammar value"]),
    ('{"values": []}', ['"values" is empty']),
    ('["C,0.250"]', ['a JSON object with a "values" list']),
    ('{"values": [', ["not a valid vocabulary"]),
])
def test_vocab_errors_name_what_is_wrong(model, tmp_path, capsys, content, words):
    (model / "vocab.json").write_text(content)
    line = one_line(capsys, play(model, tmp_path))
    assert all(w in line for w in words), line


def test_a_model_json_of_the_wrong_kind_or_size(model, tmp_path, capsys):
    (model / "model.json").write_text("[]")
    assert "not a JSON object" in one_line(capsys, play(model, tmp_path))
    (model / "model.json").write_text(" " * 2_000_000 + "{}")
    assert "more than a model.json holds" in one_line(capsys, play(model, tmp_path))


def test_weights_that_are_not_a_zip(model, tmp_path, capsys):
    (model / "weights.npz").write_bytes(b"not a zip at all")
    assert "not a readable weights file" in one_line(capsys, play(model, tmp_path))


def test_the_shipped_model_passes_every_check():
    assert modelfile.load(SHIPPED).weights.n_a == 64


def test_a_config_with_a_byte_order_mark_is_read(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_bytes("\ufefftempo = 90\n".encode("utf-8"))
    out = tmp_path / "x.mid"
    assert main(["play", "--config", str(config), "--out", str(out), "--bars", "1"]) == 0
    assert "at 90 BPM" in capsys.readouterr().err


def test_rendered_files_get_the_usual_permissions(tmp_path):
    out = tmp_path / "x.mid"
    old = os.umask(0o022)
    try:
        assert main(["play", "--out", str(out), "--bars", "1", "-q"]) == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


def test_a_bad_out_folder_is_found_before_rendering(tmp_path, capsys):
    started = time.monotonic()
    line = one_line(capsys, ["play", "--out", str(tmp_path / "nope" / "x.mid"),
                             "--bars", "100000"])
    assert "does not exist" in line and time.monotonic() - started < 5


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere: no permission to lose")
def test_an_unwritable_out_folder(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert "permission denied" in one_line(capsys, ["play", "--out", str(locked / "x.mid")])


def test_the_out_folder_vanishing_mid_render_is_one_line_and_leaves_nothing(tmp_path):
    folder = tmp_path / "gone"
    folder.mkdir()
    # 700 bars of the whole band take a few seconds: the folder goes in the middle
    proc = subprocess.Popen([sys.executable, str(REPO / "daemon.py"), "--out",
                             str(folder / "x.mid"), "--bars", "700", "-q"],
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    shutil.rmtree(folder)
    assert proc.poll() is None, "the render ended before its folder went: give it more bars"
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert len(err.strip().splitlines()) == 1 and "cannot write" in err
    assert not folder.exists()


def test_a_signal_mid_render_removes_the_temporary_file(tmp_path):
    proc = subprocess.Popen([sys.executable, str(REPO / "daemon.py"), "--out",
                             str(tmp_path / "x.mid"), "--bars", "50000", "-q"])
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 128 + signal.SIGINT
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("target", ["model.json", "vocab.json"])
def test_json_nested_too_deeply_is_one_line(model, tmp_path, capsys, target):
    (model / target).write_text("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in one_line(capsys, play(model, tmp_path))


def test_toml_nested_too_deeply_is_one_line(tmp_path, capsys):
    config = tmp_path / "deep.toml"
    config.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    line = one_line(capsys, ["play", "--config", str(config), "--out", str(tmp_path / "x.mid")])
    assert "nested too deeply" in line


def test_a_shape_beyond_int64_is_refused(model, tmp_path, capsys):
    replace_array(model, "extra", npy("{'descr': '<f4', 'fortran_order': False, "
                                      "'shape': (100000000000000000000000000000,), }"))
    assert "no model of ours is that large" in one_line(capsys, play(model, tmp_path))


def test_compressed_or_encrypted_entries_are_refused(model, tmp_path, capsys):
    with zipfile.ZipFile(model / "weights.npz") as old:
        members = {i.filename: old.read(i) for i in old.infolist()}
    with zipfile.ZipFile(model / "weights.npz", "w", compression=zipfile.ZIP_DEFLATED) as new:
        for member, content in members.items():
            new.writestr(member, content)
    assert "is compressed" in one_line(capsys, play(model, tmp_path))
    blob = bytearray((model / "weights.npz").read_bytes())
    for k in range(len(blob) - 4):  # set the 'encrypted' flag in every header
        if blob[k:k + 4] in (b"PK\x03\x04", b"PK\x01\x02"):
            flags = k + (6 if blob[k + 2] == 3 else 8)
            blob[flags] |= 1
    (model / "weights.npz").write_bytes(bytes(blob))
    line = one_line(capsys, play(model, tmp_path))
    assert "encrypted" in line or "not a readable weights file" in line


@pytest.mark.parametrize("value", ["C," + "9" * 400, "C,100000.0", "R,0.0"])
def test_vocab_values_with_impossible_durations(model, tmp_path, capsys, value):
    (model / "vocab.json").write_text(json.dumps({"values": ["C,0.250", value]}))
    assert "entry 1" in one_line(capsys, play(model, tmp_path))
