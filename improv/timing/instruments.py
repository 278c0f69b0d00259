"""When the program changes that name each part's instrument go out, and again.

A DAW picks a General MIDI instrument from a program change, but one sent before it
connected is lost. So the scheduler sends them at its start and whenever asked (a
reader connected: JACK tells), at a master's Start or Continue and, on a port that
cannot tell when a reader connects, before the first note after a bar of silence.
Everything here runs on the scheduler's thread but :meth:`Instruments.ask`.
"""

from __future__ import annotations

from typing import Callable, Sequence


class Instruments:
    def __init__(self, output, messages: Sequence, clock: Callable[[], float],
                 after_silence: bool = False):
        self._output = output
        self._messages = list(messages)
        self._clock = clock
        self._after_silence = after_silence and bool(self._messages)
        self._asked = False  # by another thread: sent before the next note
        self._quiet_since: float | None = None  # last note_on or program changes sent

    def ask(self) -> None:
        """Send them again before the next note (any thread)."""
        self._asked = True

    def send(self) -> None:
        """Send them now."""
        self._asked = False
        for message in self._messages:
            self._output.send(message)
        self._quiet_since = self._clock()

    def send_if_asked(self) -> None:
        if self._asked:
            self.send()

    def before_note(self, now: float, bar_seconds: float) -> None:
        """A note_on goes out at ``now``: after a bar or more of silence, on a port that
        cannot report its readers, name the instruments again first."""
        if not self._after_silence:
            return
        if self._quiet_since is not None and now - self._quiet_since >= bar_seconds:
            self.send()
        self._quiet_since = now
