"""Outputs never destroy anything: a path is checked before any work, and what is there
(a device, a FIFO, the chart being played, the model) is never replaced."""

import os
import stat

import pytest

from improv.errors import UsageError
from improv.files import check_output
from improv.model import modelfile

from daemon_fakes import one_line_error
from randmodel import write_random_model

FORMATS = {".mid": "midi", ".midi": "midi", ".wav": "wav"}




def test_the_suffix_chooses_the_format_and_anything_else_names_the_choices(tmp_path):
    assert check_output(tmp_path / "a.mid", "--out", FORMATS) == "midi"
    assert check_output(tmp_path / "a.MIDI", "--out", FORMATS) == "midi"
    assert check_output(tmp_path / "a.wav", "--out", FORMATS) == "wav"
    for name in ("solo.mp3", "x.txt", "noext"):
        with pytest.raises(UsageError, match=r"\.mid or \.midi or \.wav"):
            check_output(tmp_path / name, "--out", FORMATS)
    with pytest.raises(UsageError, match="empty"):
        check_output("", "--out", FORMATS)
    assert sorted(os.listdir(tmp_path)) == []  # the write probe leaves nothing


def test_a_fifo_a_device_or_a_directory_is_never_replaced(tmp_path):
    fifo = tmp_path / "n.mid"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="not a regular file"):
        check_output(fifo, "--out", FORMATS)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    device = tmp_path / "d.mid"
    try:
        os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pass  # no CAP_MKNOD here: the FIFO stands for it
    else:
        with pytest.raises(UsageError, match="not a regular file"):
            check_output(device, "--out", FORMATS)
        assert stat.S_ISCHR(device.stat().st_mode)
    (tmp_path / "d.wav").mkdir()
    with pytest.raises(UsageError, match="is a directory"):
        check_output(tmp_path / "d.wav", "--out", FORMATS)


def test_an_input_of_the_run_is_never_an_output(tmp_path):
    chart = tmp_path / "tune.mid"
    chart.write_text("| F7 |\n")
    with pytest.raises(UsageError, match="which this run reads"):
        check_output(chart, "--out", FORMATS, [chart])
    os.link(chart, tmp_path / "again.mid")  # the same file under another name
    with pytest.raises(UsageError, match="which this run reads"):
        check_output(tmp_path / "again.mid", "--out", FORMATS, [chart])
    models = modelfile.models_dir()
    with pytest.raises(UsageError, match="inside"):
        check_output(models / "wjazzd" / "x.mid", "--out", FORMATS, [models / "wjazzd"])
    assert chart.read_text() == "| F7 |\n"


def test_a_folder_where_nothing_can_be_made_is_found_before_the_work():
    with pytest.raises(UsageError, match="cannot write in /proc"):
        check_output("/proc/x.mid", "--out", FORMATS)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return write_random_model(tmp_path_factory.mktemp("m"))


def test_the_command_line_refuses_before_writing(model, tmp_path, capsys):
    base = ["play", "--model", str(model), "--bars", "1", "-q"]
    one_line_error(capsys, base + ["--out", ""], "--out is empty")
    one_line_error(capsys, base + ["--out", str(tmp_path / "solo.mp3")], ".wav")
    one_line_error(capsys, base + ["--out", str(tmp_path / "x.mid"), "--synth"], "--synth")
    chart = tmp_path / "tune.mid"  # a text chart, whatever its name
    chart.write_text("| F7 | Bb7 |\n")
    one_line_error(capsys, base + ["--chart", str(chart), "--out", str(chart)], "this run reads")
    assert chart.read_text() == "| F7 | Bb7 |\n"
    config = tmp_path / "settings.mid"
    config.write_text("tempo = 100\n")
    one_line_error(capsys, base + ["--config", str(config), "--out", str(config)], "this run reads")
    one_line_error(capsys, base + ["--out", str(model / "x.mid")], "inside")
    fifo = tmp_path / "f.mid"
    os.mkfifo(fifo)
    one_line_error(capsys, base + ["--out", str(fifo)], "not a regular file")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.mid", "settings.mid", "tune.mid"]
