"""Every input is bounded before it is parsed: a file of any size or kind is one line,
exit 2, and nothing is read without end (a device, a FIFO, a repeat bomb, a zip bomb)."""

import io
import json
import os
import zipfile

import pytest

from improv.commands.charts import load_chart
from improv.errors import ChartError
from improv.language import musicxml

from daemon_fakes import one_line_error
from randmodel import write_random_model


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return write_random_model(tmp_path_factory.mktemp("m"))




def play(model, tmp_path, *flags):
    return ["play", "--model", str(model), "--out", str(tmp_path / "x.mid"), "--bars", "1",
            "-q", *flags]


def test_repeats_are_counted_as_they_grow_not_after(tmp_path):
    bomb = tmp_path / "bomb.txt"
    bomb.write_text("| F7 " + ":| " * 40 + "\n")  # 2^40 bars if expanded first
    with pytest.raises(ChartError, match="passes 4096 bars"):
        load_chart(bomb)
    form = tmp_path / "form.txt"
    form.write_text("form: " + "A " * 10_000 + "\n[A]\n| F7 | Bb7 |\n")
    with pytest.raises(ChartError, match="plays 20000 bars"):
        load_chart(form)


def test_devices_directories_and_fifos_are_never_read(model, tmp_path, capsys):
    one_line_error(capsys, play(model, tmp_path, "--config", "/dev/zero"), "not a regular file")
    one_line_error(capsys, play(model, tmp_path, "--chart", "/dev/zero"), "not a regular file")
    (tmp_path / "charts").mkdir()
    one_line_error(capsys, play(model, tmp_path, "--chart", str(tmp_path / "charts")), "is a directory")
    fifo = tmp_path / "tune.txt"
    os.mkfifo(fifo)
    one_line_error(capsys, play(model, tmp_path, "--chart", str(fifo)), "not a regular file")


def test_a_bar_of_ten_thousand_chords_is_refused_where_it_is_written(tmp_path):
    storm = tmp_path / "storm.txt"
    storm.write_text("| F7 |\n| " + "C7 " * 10_000 + "|\n")
    with pytest.raises(ChartError, match=r"line 2, bar 2: 10000 chords in one bar: at most 16"):
        load_chart(storm)


def measures_xml(count: int, times: int | None = None) -> str:
    repeat = (f'<barline location="right"><repeat direction="backward" times="{times}"/>'
              f'</barline>') if times else ""
    bars = "".join(f'<measure number="{k}">{repeat if k == 1 else ""}</measure>'
                   for k in range(1, count + 1))
    return ('<?xml version="1.0"?><score-partwise version="3.1"><part-list><score-part '
            f'id="P1"><part-name>x</part-name></score-part></part-list><part id="P1">{bars}'
            '</part></score-partwise>')


def test_musicxml_is_measured_before_music21_builds_it(tmp_path):
    long = tmp_path / "long.musicxml"
    long.write_text(measures_xml(20_000))
    with pytest.raises(ChartError, match="20,000 measures, more than the 4096"):
        load_chart(long)
    empty = tmp_path / "empty.musicxml"
    empty.write_text(measures_xml(0))
    with pytest.raises(ChartError, match="no measures"):
        load_chart(empty)
    often = tmp_path / "often.musicxml"
    often.write_text(measures_xml(2, times=100_000))
    with pytest.raises(ChartError, match="played 100000 times"):
        load_chart(often)


def mxl(xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("META-INF/container.xml",
                         '<container><rootfiles><rootfile full-path="score.xml"/></rootfiles>'
                         '</container>')
        archive.writestr("score.xml", xml)
    return out.getvalue()


def test_an_mxl_is_unpacked_no_further_than_its_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(musicxml, "MAX_XML_BYTES", 50_000)
    bomb = tmp_path / "bomb.mxl"
    bomb.write_bytes(mxl(b"<measure>" + b" " * 200_000))  # compresses to almost nothing
    with pytest.raises(ChartError, match="unpacks to more than 50,000 bytes"):
        load_chart(bomb)
    fine = tmp_path / "fine.mxl"
    fine.write_bytes(mxl(measures_xml(3).encode()))
    assert musicxml.unpacked(fine, fine.read_bytes()).startswith(b"<?xml")
    broken = tmp_path / "broken.mxl"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ChartError, match="not a readable .mxl"):
        load_chart(broken)


def test_an_unknown_model_format_is_refused(model, tmp_path, capsys):
    meta = json.loads((model / "model.json").read_text())
    copy = tmp_path / "m99"
    copy.mkdir()
    for name in ("weights.npz", "vocab.json"):
        (copy / name).write_bytes((model / name).read_bytes())
    (copy / "model.json").write_text(json.dumps(dict(meta, format=99)))
    one_line_error(capsys, ["play", "--model", str(copy), "--out", str(tmp_path / "x.mid")],
             "says format 99")


def written(name: str, data: bytes):
    def make(folder):
        (folder / name).write_bytes(data)
        return folder / name
    return make


@pytest.mark.parametrize("make, expect", [
    (written("a.sf2", b"just text"), "not a SoundFont"),
    (written("b.sf2", b"RIFF\x10\x00\x00\x00WAVEfmt "), "not a SoundFont"),
    (lambda d: d, "is a directory"),
    (lambda d: "/dev/zero", "not a regular file"),
])
def test_soundfont_errors_name_the_problem_not_a_missing_synth(model, tmp_path, capsys,
                                                                make, expect):
    from test_synth import synth_missing

    if synth_missing() and "FluidSynth" in synth_missing():
        pytest.skip(synth_missing())
    config = tmp_path / "c.toml"
    config.write_text(f"[synth]\nsoundfont = '{make(tmp_path)}'\n")
    line = one_line_error(capsys, ["play", "--model", str(model), "--config", str(config),
                             "--out", str(tmp_path / "x.wav"), "--bars", "1"], expect)
    assert "install" not in line  # FluidSynth is there: the file is the problem
