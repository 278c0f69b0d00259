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
