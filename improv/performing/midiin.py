"""The MIDI input: a virtual port (``improv in``) or an existing one, read by a callback.

python-rtmidi calls :meth:`MidiInput._on_message` on its own thread for every message;
each is stamped with ``time.monotonic()`` as it arrives. (rtmidi also passes the time
since the previous message as the MIDI system measured it, but JACK's clock need not run
at the rate of ours: with the dummy driver it ran 0.6% slow, which a clock follower
turns into notes drifting off the master's beat. Arrival jitter is what the follower
smooths anyway.) Real-time messages (clock, start, continue, stop, song position) go straight to the
``on_realtime`` handler, which only does arithmetic under its own lock; everything else
waits in a bounded queue for whoever reads it. Nothing here ever blocks the output: a
flood of input costs this thread's time and, past the queue's length, only drops the
oldest messages (counted).

mido's input ports are not used here: they drop rtmidi's timestamps and ignore clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Callable

from improv.errors import PortError
from improv.performing.sync import CLOCK, CONTINUE, SONG_POSITION, START, STOP

logger = logging.getLogger(__name__)

REALTIME = (CLOCK, START, CONTINUE, STOP, SONG_POSITION)
QUEUE_LENGTH = 1024


class MidiInput:
    """An open input. ``on_realtime(status, data, t)`` gets clock and transport
    messages with their time ``t`` on the monotonic clock; other messages queue up."""

    def __init__(self, midi_in, description: str, on_realtime: Callable | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self._in = midi_in
        self._lock = threading.Lock()
        self._clock = clock
        self.description = description
        self.on_realtime = on_realtime
        self.messages: deque[tuple[float, list[int]]] = deque(maxlen=QUEUE_LENGTH)
        self.received = 0
        self.dropped = 0
        midi_in.ignore_types(sysex=True, timing=False, active_sense=True)
        midi_in.set_callback(self._on_message)

    def _on_message(self, event, data=None) -> None:
        message, _ = event
        t = self._clock()
        self.received += 1
        if message and message[0] in REALTIME:
            if self.on_realtime is not None:
                self.on_realtime(message[0], message[1:], t)
            return
        if len(self.messages) == self.messages.maxlen:
            self.dropped += 1
        self.messages.append((t, message))

    def close(self) -> None:
        with self._lock:
            midi_in, self._in = self._in, None
        if midi_in is not None:
            midi_in.cancel_callback()
            # A callback already under way waits for the interpreter lock this thread
            # holds; closing the port now could wait for that callback's thread (JACK's
            # process cycle, ALSA's reader) in turn. Sleeping lets it finish first.
            time.sleep(0.05)
            midi_in.close_port()
            midi_in.delete()

    def __enter__(self) -> "MidiInput":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_input(api: int, port_name: str, connect: str = "", on_realtime=None) -> MidiInput:
    """Create the virtual input ``port_name``, or listen to the existing port ``connect``."""
    import rtmidi

    try:
        midi_in = rtmidi.MidiIn(api, name=port_name)
    except rtmidi.SystemError as err:
        raise PortError(f"cannot open a MIDI input: {err}") from err
    try:
        if connect:
            names = midi_in.get_ports()
            hits = [k for k, n in enumerate(names) if connect.lower() in n.lower()]
            if len(hits) != 1:
                raise PortError(f"--input-connect {connect!r} matches "
                                f"{'no' if not hits else 'several'} MIDI inputs; available: "
                                f"{'; '.join(names) or 'none'}")
            midi_in.open_port(hits[0], port_name)
            description = repr(names[hits[0]])
        else:
            midi_in.open_virtual_port(port_name)
            description = repr(port_name)
    except (rtmidi.SystemError, rtmidi.InvalidPortError, NotImplementedError) as err:
        midi_in.delete()
        raise PortError(f"cannot open the MIDI input {port_name!r}: {err}") from err
    except PortError:
        midi_in.delete()
        raise
    return MidiInput(midi_in, description, on_realtime)
