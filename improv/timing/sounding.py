"""The notes switched on and not yet off, so that every one of them is switched off.

Counted per (channel, pitch): the same pitch struck twice on a channel needs two
note_offs before a synth lets it go. :meth:`Sounding.silence` is the last word of every
performance, whatever ended it.
"""

from __future__ import annotations

import logging
from collections import Counter

import mido

from improv.midi.messages import ALL_NOTES_OFF

logger = logging.getLogger(__name__)



class Sounding:
    def __init__(self, output):
        self._output = output
        self._counts: Counter = Counter()  # (channel 1-16, pitch) -> note_ons open
        self.channels: set[int] = set()  # every channel a note was sent on

    def on(self, channel: int, pitch: int, velocity: int) -> mido.Message:
        message = mido.Message("note_on", channel=channel - 1, note=pitch, velocity=velocity)
        self._output.send(message)
        self._counts[channel, pitch] += 1
        self.channels.add(channel)
        return message

    def off(self, channel: int, pitch: int) -> mido.Message | None:
        """The note_off sent, or None when the note is not sounding (already silenced)."""
        if not self._counts.get((channel, pitch)):
            return None
        message = mido.Message("note_off", channel=channel - 1, note=pitch)
        self._output.send(message)
        self._counts[channel, pitch] -= 1
        if not self._counts[channel, pitch]:
            del self._counts[channel, pitch]
        return message

    def release(self) -> None:
        """Every sounding note off now."""
        for (channel, pitch), count in sorted(self._counts.items()):
            for _ in range(count):
                self._output.send(mido.Message("note_off", channel=channel - 1, note=pitch))
        self._counts.clear()

    def all_notes_off(self) -> None:
        for channel in sorted(self.channels):
            self._output.send(mido.Message("control_change", channel=channel - 1,
                                           control=ALL_NOTES_OFF, value=0))

    def silence(self, extra=()) -> None:
        """Every sounding note off, then All Notes Off on every channel used, then
        ``extra`` messages. Each is tried even if an earlier one failed; the first error
        is raised at the end, so a broken port never leaves the others' notes hanging."""
        messages = []
        for (channel, pitch), count in sorted(self._counts.items()):
            messages.extend([mido.Message("note_off", channel=channel - 1, note=pitch)] * count)
        messages.extend(mido.Message("control_change", channel=channel - 1,
                                     control=ALL_NOTES_OFF, value=0)
                        for channel in sorted(self.channels))
        messages.extend(extra)
        self._counts.clear()
        self.channels.clear()
        first_error = None
        for message in messages:
            logger.debug("%s (silencing)", message)
            try:
                self._output.send(message)
            except Exception as err:  # noqa: BLE001 - keep silencing the rest
                logger.warning("could not send %s while silencing: %s", message, err)
                first_error = first_error or err
        if first_error is not None:
            raise first_error
