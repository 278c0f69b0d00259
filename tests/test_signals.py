"""Signals are never fatal: raised before playing, noted while playing, counted after."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from improv.cli import main
from improv.commands.signals import Interrupted, Signals

REPO = Path(__file__).resolve().parent.parent


def test_before_playing_the_first_stop_signal_raises_and_later_ones_count():
    with Signals() as signals:
        with pytest.raises(Interrupted) as info:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)  # the handler runs at the next bytecode
        assert info.value.signum == signal.SIGTERM
        os.kill(os.getpid(), signal.SIGINT)  # during the unwinding: only counted
        time.sleep(0.01)
        assert signals.received == [signal.SIGTERM, signal.SIGINT]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_while_playing_signals_are_noted_and_wake_the_waiter():
    with Signals() as signals:
        signals.playing = True
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGTERM)).start()
        started = time.monotonic()
        signals.wait(5.0)
        assert time.monotonic() - started < 2.0
        for _ in range(3):
            os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)
        assert signals.stopping and len(signals.received) == 4


def test_hangup_is_ignored_until_playing_then_counted():
    with Signals() as signals:
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(0.01)
        assert signals.hangups == 0
        signals.playing = True
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(0.01)
        assert signals.hangups == 1 and not signals.stopping


def test_wake_from_another_thread():
    with Signals() as signals:
        threading.Timer(0.05, signals.wake).start()
        started = time.monotonic()
        signals.wait(5.0)
        assert time.monotonic() - started < 2.0


def test_main_restores_handlers_in_process_and_keeps_them_for_its_own_process():
    assert main(["sample", "--count", "1", "--seed", "1"]) == 0
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_signal_during_a_render_leaves_no_file_and_no_temporary(tmp_path):
    out = tmp_path / "long.mid"
    proc = subprocess.Popen([sys.executable, str(REPO / "daemon.py"), "--out", str(out),
                             "--bars", "50000", "--seed", "1", "-q"],
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)  # past start-up, inside the render
    proc.send_signal(signal.SIGTERM)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def _ignores_sighup(pid: int) -> bool:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGHUP - 1) & 1)
    return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_sighup_from_the_first_line_of_daemon_py_is_not_fatal(tmp_path):
    # Before daemon.py's first line runs, the interpreter is still starting and nothing
    # in Python can catch a signal; from that line on, through every import, none kills.
    out = tmp_path / "x.mid"
    proc = subprocess.Popen([sys.executable, str(REPO / "daemon.py"), "--out", str(out),
                             "--bars", "2", "--seed", "1", "-q"], stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 10
    while not _ignores_sighup(proc.pid):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.001)
    while proc.poll() is None:
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.005)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.is_file()
