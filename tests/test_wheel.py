"""The wheel, installed alone into a fresh venv, plays from any directory without TensorFlow.

Slow (a build, a venv and an install from the package registry): ``-m slow`` runs it
alone. It is what a user of ``pip install .`` gets: the model comes from the wheel's
package data, not from this checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mido
import pytest

REPO = Path(__file__).resolve().parent.parent
OFFLINE = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable")

pytestmark = pytest.mark.slow


def _run(args, cwd, timeout=600):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("wheel")
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                  str(root / "dist"), str(REPO)], cwd=root)
    if built.returncode and any(s in built.stderr for s in OFFLINE):
        pytest.skip("building the wheel needs setuptools from the package registry, "
                    "which cannot be reached")
    assert built.returncode == 0, built.stderr
    wheel = next((root / "dist").glob("improv-*.whl"))
    _run([sys.executable, "-m", "venv", str(root / "venv")], cwd=root).check_returncode()
    bin_dir = root / "venv" / "bin"
    installed = _run([str(bin_dir / "pip"), "install", "-q", str(wheel)], cwd=root)
    if installed.returncode and any(s in installed.stderr for s in OFFLINE):
        pytest.skip("installing the wheel's dependencies needs the package registry, "
                    "which cannot be reached")
    assert installed.returncode == 0, installed.stderr
    return bin_dir


def test_the_installed_wheel_renders_a_file_from_elsewhere(venv, tmp_path):
    out = tmp_path / "x.mid"
    played = _run([str(venv / "improv"), "play", "--out", str(out), "--bars", "4",
                   "--seed", "1"], cwd="/")
    assert played.returncode == 0, played.stderr
    notes = [m for m in mido.MidiFile(out) if m.type == "note_on" and m.velocity]
    assert len(notes) > 8


def test_the_wheel_carries_the_model_and_leaves_tensorflow_out(venv):
    where = _run([str(venv / "python"), "-c",
                  "from improv.model.modelfile import default_dir; print(default_dir())"], cwd="/")
    model = Path(where.stdout.strip())
    assert model.is_relative_to(venv.parent) and (model / "weights.npz").is_file()
    assert (model.parent / "metheny" / "weights.npz").is_file()  # both shipped models
    assert (model / "NOTICE").is_file()  # the Weimar model's ODbL notice travels with it
    assert (model / "calibration.json").is_file()  # and its calibration
    assert (model.parent.parent / "charts" / "waltz-in-bb.txt").is_file()
    assert _run([str(venv / "python"), "-c", "import tensorflow"], cwd="/").returncode != 0


@pytest.mark.parametrize("command", [["sample", "--engine", "keras", "--count", "1"],
                                     ["train", "--out", "somewhere"]])
def test_what_needs_tensorflow_says_how_to_get_it(venv, tmp_path, command):
    result = _run([str(venv / "improv"), *command], cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'improv[train]'" in lines[0], result.stderr
    assert not (tmp_path / "somewhere").exists()


def test_eval_from_the_wheel_needs_no_checkout_and_no_corpus(venv, tmp_path):
    done = _run([str(venv / "improv"), "eval", "--bars", "8", "--seed", "3"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "p10-p90 over 456 Weimar solos" in done.stdout and "chord tones" in done.stdout
    band = _run([str(venv / "python"), "-c", "from improv.commands.evaluate import "
                 "bands_dir; print(bands_dir())"], cwd="/").stdout.strip()
    assert Path(band).is_relative_to(venv.parent) and (Path(band) / "NOTICE").is_file()
