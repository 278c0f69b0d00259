"""`improv play` through improv.cli.main: every bad input is one line, exit 2, no port opened;
a live run stops cleanly on SIGTERM with every note switched off."""

import contextlib
import os
import signal
import threading

import pytest

from improv.cli import main
from improv.midi import ports

from daemon_fakes import pair_notes
from randmodel import write_random_model


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return write_random_model(tmp_path_factory.mktemp("model") / "m")


class FakePortOutput(ports.MidiOutput):
    """A MidiOutput over a recording port; counts opens and closes."""

    opened: list = []

    def __init__(self):
        import time

        class Rec:
            def __init__(self):
                self.sent, self.closed = [], False

            def send(self, message):
                self.sent.append((time.monotonic() * 1000, message))

            def close(self):
                self.closed = True

        self.rec = Rec()
        super().__init__(self.rec, "'fake'")
        FakePortOutput.opened.append(self)


@pytest.fixture
def fake_port(monkeypatch):
    FakePortOutput.opened = []
    calls = []

    def fake_open(backend="auto", port_name="improv", connect=""):
        calls.append((backend, port_name, connect))
        return FakePortOutput()

    monkeypatch.setattr(ports, "open_output", fake_open)
    if not getattr(fake_port, "real_input", False):
        monkeypatch.setattr(ports, "open_input", lambda *a, **k: contextlib.nullcontext(None))
    return calls


def call(argv, **kw) -> int:
    """main()'s return code; argparse's own errors leave through SystemExit(2)."""
    try:
        return main(argv, **kw)
    except SystemExit as stop:
        return stop.code


def one_line_error(capsys, rc):
    assert rc == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize("argv, words", [
    (["--tempo", "0"], ["--tempo", "20 to 400"]),
    (["--tempo", "-5"], ["--tempo", "20 to 400"]),
    (["--tempo", "1000"], ["--tempo", "20 to 400"]),
    (["--tempo", "abc"], ["--tempo", "invalid float value: 'abc'"]),
    (["--tempo", "nan"], ["--tempo", "finite"]),
    (["--channel", "17"], ["--channel", "1 to 16"]),
    (["--channel", "0"], ["--channel", "1 to 16"]),
    (["--comping-channel", "99"], ["--comping-channel", "1 to 16"]),
    (["--backend", "oss"], ["--backend", "invalid choice: 'oss'"]),
    (["--sync", "midi"], ["--sync", "invalid choice: 'midi'"]),
    (["--sync", "clock", "--out", "x.mid"], ["--out", "no master clock"]),
    (["--follow-chords", "--out", "x.mid"], ["--out", "--follow-chords"]),
    (["--trade", "2", "--call-response"], ["trade", "choose one"]),
    (["--trade", "17"], ["--trade", "0 to 16"]),
    (["--listen-channels", "0,5"], ["channels", "1-16"]),
    (["--engine", "torch"], ["--engine", "invalid choice"]),
    (["--progression", "F7 | H7 | C7"], ["progression", "'H7'"]),
    (["--progression", "F7 | Bb7 | Fxyz"], ["progression", "'Fxyz'"]),
    (["--swing", "2"], ["--swing", "0 to 1"]),
    (["--seed", "-3"], ["--seed"]),
    (["--temperature", "0"], ["--temperature"]),
    (["--bars", "0"], ["--bars 0"]),
    (["--bars", "1000000", "--out", "x.mid"], ["--bars 1000000", "out of range"]),
    (["--stats"], ["--stats", "--out"]),
    (["--out", "/proc/improv-test.mid"], ["--out /proc/improv-test.mid", "cannot write"]),
    (["--channel", "2"], ["share MIDI channel 2"]),
    (["--model", "/nonexistent/model"], ["model directory", "/nonexistent/model", "does not exist"]),
    (["--port-name", ""], ["port_name", "empty"]),
])
def test_bad_flags_are_one_line_exit_2_and_open_no_port(argv, words, model, fake_port, capsys):
    base = ["play", "--model", str(model)] if "--model" not in argv else ["play"]
    line = one_line_error(capsys, call(base + argv))
    for word in words:
        assert word in line
    assert fake_port == []


@pytest.mark.parametrize("text, words", [
    ("tempo = 120\n[melody\nchannel = 1\n", ["bad.toml", "TOML syntax error"]),
    ("tempo = 120\ncolour = 'blue'\n", ["bad.toml", "colour", "not a known key"]),
    ("[comping]\nchannel = 17\n", ["bad.toml", "[comping] channel", "1 to 16"]),
    ("progression = 'F7 | Bb7 | Q7'\n", ["bad.toml", "progression", "'Q7'"]),
    ("[midi]\nbackend = 'oss'\n", ["bad.toml", "[midi] backend", "'jack'"]),
    ("[model]\npath = 'nowhere'\n", ["model directory", "nowhere", "does not exist"]),
])
def test_bad_config_files_are_one_line_exit_2(text, words, tmp_path, fake_port, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    line = one_line_error(capsys, call(["play", "--config", str(path)]))
    for word in words:
        assert word in line
    assert fake_port == []


def test_missing_config_file(tmp_path, fake_port, capsys):
    line = one_line_error(capsys, call(["play", "--config", str(tmp_path / "none.toml")]))
    assert "does not exist" in line and fake_port == []


def test_a_port_that_cannot_be_made_is_one_line_naming_the_ways_out(model, monkeypatch, capsys):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", f"improv-no-such-server-{os.getpid()}")
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    line = one_line_error(capsys, call(["play", "--model", str(model), "--backend", "jack"]))
    assert "cannot create the virtual MIDI port 'improv'" in line
    assert "--connect" in line and "--out" in line


def test_daemon_and_improv_play_share_the_parser(capsys):
    with pytest.raises(SystemExit) as info:
        main(["play", "--help"], prog="daemon.py")
    assert info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--tempo", "--config", "--backend", "--port-name", "--connect", "--list-ports",
                 "--out", "--bars", "--seed", "--model", "--quiet", "--verbose", "--no-comping"):
        assert flag in out


def test_live_run_for_some_bars_then_everything_off(model, fake_port):
    rc = main(["play", "--model", str(model), "--tempo", "400", "--bars", "1", "-q",
               "--seed", "4", "--port-name", "solo", "--backend", "jack"])
    assert rc == 0
    assert fake_port == [("jack", "solo", "")]
    port = FakePortOutput.opened[0]
    assert port.closed and port.rec.closed
    pairs, left = pair_notes(port.rec.sent)
    assert pairs and not left
    assert [m.control for _, m in port.rec.sent[-2:]] == [123, 123]


def test_what_exists_before_playing_is_frozen_from_the_collector_while_it_plays(model, fake_port,
                                                                              monkeypatch):
    # a full collection of the startup's objects under the interpreter lock would delay
    # a due note by milliseconds; frozen, the collector never walks them while playing
    import gc

    frozen = []
    send = FakePortOutput.send

    def spy(self, message):
        frozen.append(gc.get_freeze_count())
        send(self, message)

    monkeypatch.setattr(FakePortOutput, "send", spy)
    assert main(["play", "--model", str(model), "--tempo", "400", "--bars", "1", "-q",
                 "--seed", "4"]) == 0
    assert frozen and min(frozen) > 10_000  # the model, numpy, mido ... all frozen
    assert gc.get_freeze_count() == 0  # and collectable again after the session


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_mid_note_silences_and_exits_0(model, fake_port, signum):
    # At 30 BPM notes last long: the signal lands while notes (and chords) sound.
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signum))
    timer.start()
    try:
        rc = main(["play", "--model", str(model), "--tempo", "30", "-q", "--seed", "5"])
    finally:
        timer.cancel()
    assert rc == 0
    port = FakePortOutput.opened[0]
    sent = port.rec.sent
    assert any(m.type == "note_on" for _, m in sent)
    pairs, left = pair_notes(sent)
    assert not left
    assert port.closed
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_list_ports_with_an_unusable_backend_is_one_line(capsys):
    import os.path

    if os.path.exists("/dev/snd/seq"):
        pytest.skip("this machine has an ALSA sequencer")
    line = one_line_error(capsys, call(["play", "--list-ports", "--backend", "alsa"]))
    assert "ALSA sequencer" in line


def test_verbose_logs_every_message(model, fake_port, caplog):
    import logging

    caplog.set_level(logging.DEBUG, logger="improv.timing.scheduler")
    assert main(["play", "--model", str(model), "--tempo", "400", "--bars", "1", "-q", "-v",
                 "--seed", "4"]) == 0
    sent = FakePortOutput.opened[0].rec.sent
    logged = [r.getMessage() for r in caplog.records if r.name == "improv.timing.scheduler"]
    assert len([m for m in logged if m.startswith(("note_on", "note_off"))]) == \
        len([m for _, m in sent if m.type.startswith("note")])


def test_an_input_that_cannot_be_opened_is_one_line(capsys):
    import os.path

    if os.path.exists("/dev/snd/seq"):
        pytest.skip("this machine has an ALSA sequencer")
    line = one_line_error(capsys, call(["play", "--sync", "clock", "--backend", "alsa", "-q"]))
    assert "ALSA sequencer" in line  # the output, opened first, fails the same way


def test_an_input_only_knobs_wanted_that_failed_does_not_stop_the_start(monkeypatch, capsys):
    """_open_ports hands back a null context for the input when only knobs wanted it and
    it could not open: the start-up line and the session must see no input, not crash."""
    import argparse
    import contextlib

    from improv.commands import config, play, session

    class Port:
        description = "a port"

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def send(self, message):
            pass

    seen = {}
    monkeypatch.setattr(play, "_open_ports", lambda cfg, follow, synth=False:
                        (contextlib.nullcontext(None), Port()))
    monkeypatch.setattr(session, "play_live",
                        lambda *a, **kw: seen.setdefault("midi_in", kw["midi_in"]) or 0)
    args = argparse.Namespace(tempo=None, quiet=False, bars=1, config=None, synth=False,
                              record=None)
    signals = type("S", (), {"playing": False, "stopping": False})()
    assert play._play(args, config.default(), object(), 1, signals) == 0
    assert seen["midi_in"] is None
    assert "playing on a port" in capsys.readouterr().err
