"""Closing a MIDI client never holds up the exit for long (fake closes, no MIDI system)."""

import threading
import time

import pytest

from improv.midi.closing import close_within


def test_a_quick_close_finishes_and_its_error_reaches_the_caller():
    done = []
    assert close_within(lambda: done.append(1), "output") is True
    assert done == [1]

    def fails():
        raise OSError("port busy")

    with pytest.raises(OSError, match="port busy"):
        close_within(fails, "output")


def test_a_close_the_server_sits_on_is_left_in_the_background(caplog):
    release = threading.Event()
    finished = threading.Event()

    def slow():
        release.wait(5)
        finished.set()

    started = time.monotonic()
    with caplog.at_level("INFO"):
        assert close_within(slow, "input", seconds=0.05) is False
    assert time.monotonic() - started < 1.0  # the caller goes on
    assert "closing input takes longer" in caplog.text
    release.set()
    assert finished.wait(2)  # and the close still completes behind it


def test_a_program_with_a_close_pending_exits_at_once_with_its_status_and_output():
    """The exit after an abandoned close skips the system libraries' teardown (which
    could wait on that close) but keeps the exit status and everything printed."""
    import subprocess
    import sys

    script = ("import time\n"
              "from improv.midi import closing\n"
              "from improv.cli import _exit_now_if_a_close_hangs\n"
              "assert not closing.pending()\n"
              "closing.close_within(lambda: time.sleep(30), 'port', 0.01)\n"
              "assert closing.pending()\n"
              "print('written before the exit', end='')\n"
              "_exit_now_if_a_close_hangs(3)\n"
              "print('never')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=20)
    assert done.returncode == 3, done.stderr
    assert done.stdout == "written before the exit"
