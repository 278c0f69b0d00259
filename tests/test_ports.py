"""MIDI ports: backend choice, one-line errors, the idempotent locked close."""

import os
import sys
import threading

import mido
import pytest

from improv.errors import PortError
from improv.midi import ports


def test_backends_map_to_one_mido_backend_object_each():
    jack = ports.backend("jack")
    assert (jack.name, jack.api) == ("mido.backends.rtmidi", "UNIX_JACK")
    auto = ports.backend("auto")
    assert (auto.name, auto.api) == ("mido.backends.rtmidi", None)
    assert mido.backend.api is None or mido.backend.api != "UNIX_JACK"  # global untouched


def test_unknown_and_missing_backends_are_one_line_errors():
    with pytest.raises(PortError, match="unknown MIDI backend 'oss'"):
        ports.backend("oss")
    missing = [b for b in ("coremidi", "winmm", "alsa", "jack")
               if ports.APIS[b] not in ports.backend("auto").module.get_api_names()]
    for name in missing:
        with pytest.raises(PortError, match=f"the {name} MIDI backend is not compiled"):
            ports.backend(name)


def test_port_errors_are_also_oserrors():
    assert issubclass(PortError, OSError)


@pytest.mark.skipif(os.path.exists("/dev/snd/seq"), reason="this machine has an ALSA sequencer")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ALSA is Linux only")
def test_no_alsa_sequencer_names_the_cause_and_the_ways_out(capfd):
    with pytest.raises(PortError) as info:
        ports.open_output("alsa", "improv")
    message = str(info.value)
    assert "\n" not in message and "no ALSA sequencer" in message
    for way in ("--backend jack", "--connect", "--out"):
        assert way in message
    assert "ALSA lib" not in capfd.readouterr().err  # the C library's chatter is held back


def test_no_jack_server(monkeypatch, capfd):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", f"improv-absent-{os.getpid()}")
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    with pytest.raises(PortError, match="no JACK server is running.*start a JACK server.*--connect"):
        ports.open_output("jack", "improv")
    with pytest.raises(PortError, match="cannot list MIDI ports with the jack backend"):
        ports.output_names("jack")
    assert "Cannot connect to server" not in capfd.readouterr().err


def test_windows_has_no_virtual_ports(monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    with pytest.raises(PortError, match="Windows MIDI has no virtual ports.*loopMIDI.*--connect"):
        ports.open_output("auto", "improv")


def test_connect_matches_a_unique_part_of_a_name():
    names = ["Midi Through:Midi Through Port-0 14:0", "loopMIDI Port 1", "loopMIDI Port 2"]
    assert ports._match(names, "through") == names[0]
    assert ports._match(names, "loopMIDI Port 2") == names[2]
    with pytest.raises(PortError, match="matches several ports"):
        ports._match(names, "loopmidi")
    with pytest.raises(PortError, match="no MIDI output port matches --connect 'fluid'.*--list-ports"):
        ports._match(names, "fluid")


class _Port:
    def __init__(self, fail=False):
        self.sent, self.closes, self.fail = [], 0, fail

    def send(self, message):
        if self.fail:
            raise OSError("device unplugged")
        self.sent.append(message)

    def close(self):
        self.closes += 1


def test_output_close_is_idempotent_and_thread_safe():
    raw = _Port()
    out = ports.MidiOutput(raw, "'x'")
    with out:
        out.send(mido.Message("note_on"))
    threads = [threading.Thread(target=out.close) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.close()
    assert raw.closes == 1 and out.closed and len(raw.sent) == 1
    with pytest.raises(PortError, match="is closed"):
        out.send(mido.Message("note_off"))


def test_send_failures_become_port_errors():
    out = ports.MidiOutput(_Port(fail=True), "'x'")
    with pytest.raises(PortError, match="cannot send to the MIDI port 'x': device unplugged"):
        out.send(mido.Message("note_on"))


def test_close_leaves_the_backend_time_to_deliver_the_last_messages():
    import time

    import mido

    from improv.midi.ports import DRAIN_SECONDS, MidiOutput

    class Fake:
        def send(self, message):
            self.sent_at = time.monotonic()

        def close(self):
            self.closed_at = time.monotonic()

    fake = Fake()
    out = MidiOutput(fake, "fake")
    out.send(mido.Message("note_off", note=60))
    out.close()
    out.close()  # idempotent
    assert fake.closed_at - fake.sent_at >= DRAIN_SECONDS


@pytest.mark.parametrize("name, words", [
    ("x" * 64, ["64 bytes", "at most 63"]),
    ("é" * 40, ["80 bytes", "at most 63"]),
    ("two\nlines", ["control character"]),
    ("a:b", ["':'"]),
    ("   ", ["empty"]),
])
def test_port_names_are_checked_with_the_backend_limit(name, words):
    with pytest.raises(PortError) as info:
        ports.check_port_name(name, "jack")
    assert all(w in str(info.value) for w in words) and "\n" not in str(info.value)


def test_a_63_byte_name_is_fine_windows_allows_31_and_connect_takes_full_names():
    assert ports.check_port_name("x" * 63, "jack") == "x" * 63
    with pytest.raises(PortError, match="at most 31"):
        ports.check_port_name("x" * 32, "winmm")
    a2j = "a2j:Arturia KeyStep 37 [24] (playback): Arturia KeyStep 37 MIDI 1"
    assert ports.check_port_name(a2j, "jack", "--connect") == a2j
    with pytest.raises(PortError, match="control character"):
        ports.check_port_name("a\nb", "jack", "--connect")


def test_a_bad_port_name_stops_the_daemon_before_any_port_opens(capsys):
    from improv.cli import main

    assert main(["play", "--backend", "jack", "--port-name", "x" * 64]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "at most 63" in err
