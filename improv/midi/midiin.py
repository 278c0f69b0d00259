"""The MIDI input: a virtual port (``improv in``) or an existing one, read by a thread.

Why a thread that polls rtmidi's queue and not rtmidi's callback: python-rtmidi calls a
callback on the MIDI system's own thread, which for JACK is the real-time process
cycle, and the callback must first take Python's interpreter lock. Whenever another
thread holds it (the scheduler, a test's busy loop) the process cycle overruns its
period, and JACK then drops or duplicates the client's input: with a busy Python
thread beside it a callback received 2,561 of 3,000 messages, 655 of them copies of
the one before, where a polling reader got all 3,000. A lost clock tick leaves the
beat grid 1/24 beat off. rtmidi's own queue is filled in C, without the lock, so
nothing is lost however long Python is busy.

The reader wakes every ``POLL`` seconds (an Event wait, not a busy loop: about a
thousand cheap wake-ups a second; a fifth of that once nothing has come for a second,
until something does, so an input opened only for knobs barely touches the scheduler's
interpreter lock), drains the queue and stamps each message on
``time.monotonic()``: the last of a batch at the time it was read, the earlier ones
back from it by rtmidi's deltas (the MIDI system's time between messages; over the
few milliseconds of a batch its rate against ours does not matter, unlike over a
whole set, where JACK's dummy clock ran 0.6% slow). Real-time messages (clock, start,
continue, stop, song position) go straight to the ``on_realtime`` handler, which only
does arithmetic under its own lock; everything else waits in a bounded queue for
whoever reads it. Nothing here ever blocks the output: a flood of input costs this
thread's time and, past the queue's length, only drops the oldest messages (counted).

mido's input ports are not used here: they drop rtmidi's timestamps and ignore clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Callable

from improv.errors import PortError
from improv.midi.closing import close_within
from improv.midi.messages import TRANSPORT

logger = logging.getLogger(__name__)

QUEUE_LENGTH = 1024
POLL = 0.001  # seconds between reads of rtmidi's queue while messages come
IDLE_POLL = 0.005  # ... and after IDLE_AFTER seconds without one (knobs only, a pause):
IDLE_AFTER = 1.0   # a fifth of the wake-ups, so an idle input costs the scheduler less
BATCH = 4096  # most messages taken in one read, so a flood cannot hold the reader
RTMIDI_QUEUE = 16384  # messages rtmidi keeps for the reader: 1.6 s of a 10,000/s flood
                      # while this process gets no time (past it, rtmidi drops the newest)


class MidiInput:
    """An open input. ``on_realtime(status, data, t)`` gets clock and transport
    messages with their time ``t`` on the monotonic clock; other messages queue up,
    and ``on_message()`` (if given) is called after each read that queued some."""

    def __init__(self, midi_in, description: str, on_realtime: Callable | None = None,
                 clock: Callable[[], float] = time.monotonic, poll: float = POLL,
                 start: bool = True):
        self._in = midi_in
        self._lock = threading.Lock()
        self._clock = clock
        self._poll = poll
        self._stop = threading.Event()
        self.description = description
        self.on_realtime = on_realtime
        self.on_message: Callable[[], None] | None = None
        self.messages: deque[tuple[float, list[int]]] = deque(maxlen=QUEUE_LENGTH)
        self.received = 0
        self.dropped = 0
        midi_in.ignore_types(sysex=True, timing=False, active_sense=True)
        self._thread = threading.Thread(target=self._run, name="improv-midi-in", daemon=True)
        if start:
            self._thread.start()

    def _run(self) -> None:
        failures, poll, idle_since = 0, self._poll, self._clock()
        while not self._stop.wait(poll):
            try:
                if self.read():
                    poll, idle_since = self._poll, self._clock()
                elif poll == self._poll and self._clock() - idle_since > IDLE_AFTER:
                    poll = max(self._poll, IDLE_POLL)
            except Exception:  # noqa: BLE001 - one bad message must not deafen improv
                failures += 1
                if failures <= 3 or failures % 1000 == 0:
                    logger.exception("a MIDI input message could not be handled (%d so far)",
                                     failures)

    def read(self) -> int:
        """Take what rtmidi has queued; how many messages. (The reader thread calls
        this; tests call it directly with ``start=False``.)"""
        get = self._in.get_message
        event = get()
        if event is None:
            return 0  # the common case, a thousand times a second: nothing allocated
        batch = [event]
        while len(batch) < BATCH and (event := get()) is not None:
            batch.append(event)
        t = self._clock()
        times = [0.0] * len(batch)
        for k in range(len(batch) - 1, -1, -1):  # back from the last, by rtmidi's deltas
            times[k] = t
            t -= batch[k][1]
        queued = False
        for (message, _), t in zip(batch, times):
            self.received += 1
            if message and message[0] in TRANSPORT:
                if self.on_realtime is not None:
                    self.on_realtime(message[0], message[1:], t)
                continue
            if len(self.messages) == self.messages.maxlen:
                self.dropped += 1
            self.messages.append((t, message))
            queued = True
        if queued and self.on_message is not None:
            self.on_message()
        return len(batch)

    def close(self) -> None:
        """Stop the reader, then close the port (idempotent)."""
        with self._lock:
            if self._in is None:
                return
            self._stop.set()
            if self._thread.is_alive() and self._thread is not threading.current_thread():
                self._thread.join()  # before the port goes: the reader may be in a read
            midi_in, self._in = self._in, None

        def close():
            midi_in.close_port()
            midi_in.delete()

        close_within(close, "input")

    def __enter__(self) -> "MidiInput":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_input(api: int, port_name: str, connect: str = "", on_realtime=None) -> MidiInput:
    """Create the virtual input ``port_name``, or listen to the existing port ``connect``."""
    import rtmidi

    try:
        midi_in = rtmidi.MidiIn(api, name=port_name, queue_size_limit=RTMIDI_QUEUE)
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
