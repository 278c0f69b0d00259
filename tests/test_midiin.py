"""The MIDI input's reader: stamps, routing, bounds, and that a busy interpreter loses
nothing (the JACK test at the end; a callback-based reader lost a third of it)."""

import subprocess
import sys
import threading
import time

import pytest

from improv.midi.midiin import QUEUE_LENGTH, MidiInput


class FakeIn:
    """rtmidi's MidiIn as the reader sees it: a queue of (bytes, delta) events."""

    def __init__(self, events=()):
        self.events = list(events)
        self.closed = self.deleted = 0

    def ignore_types(self, **kw):
        self.ignored = kw

    def get_message(self):
        return self.events.pop(0) if self.events else None

    def close_port(self):
        self.closed += 1

    def delete(self):
        self.deleted += 1


def reader(events, now=10.0, **kw):
    fake = FakeIn(events)
    return MidiInput(fake, "'fake'", clock=lambda: now, start=False, **kw), fake


def test_a_batch_is_stamped_back_from_its_read_time_by_the_deltas():
    seen = []
    midi_in, _ = reader([([0x90, 60, 100], 0.0), ([0xF8], 0.002), ([0x80, 60, 0], 0.003)],
                        on_realtime=lambda s, d, t: seen.append((s, list(d), t)))
    assert midi_in.read() == 3
    assert [(round(t, 6), m) for t, m in midi_in.messages] == [(9.995, [0x90, 60, 100]),
                                                                (10.0, [0x80, 60, 0])]
    assert [(s, d, round(t, 6)) for s, d, t in seen] == [(0xF8, [], 9.997)]
    assert midi_in.received == 3 and midi_in.read() == 0


def test_transport_goes_to_the_realtime_handler_in_order_with_its_data():
    seen = []
    midi_in, _ = reader([([0xF2, 8, 1], 0.0), ([0xFB], 0.0), ([0xF8], 0.0), ([0xFC], 0.0)],
                        on_realtime=lambda s, d, t: seen.append((s, list(d))))
    midi_in.read()
    assert seen == [(0xF2, [8, 1]), (0xFB, []), (0xF8, []), (0xFC, [])]
    assert not midi_in.messages


def test_a_flood_keeps_the_newest_messages_and_counts_the_rest():
    woken = []
    flood = [([0xB0, 1, k % 128], 0.0) for k in range(QUEUE_LENGTH + 100)]
    midi_in, _ = reader(flood)
    midi_in.on_message = lambda: woken.append(1)
    midi_in.read()
    assert len(midi_in.messages) == QUEUE_LENGTH and midi_in.dropped == 100
    assert midi_in.messages[-1][1] == flood[-1][0] and woken == [1]


def test_close_stops_the_reader_and_is_idempotent():
    fake = FakeIn()
    midi_in = MidiInput(fake, "'fake'")
    assert midi_in._thread.is_alive()
    with midi_in:
        pass
    midi_in.close()
    assert not midi_in._thread.is_alive() and (fake.closed, fake.deleted) == (1, 1)


SENDER = r"""
import sys, time, rtmidi
out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name="sender")
ports = out.get_ports()
out.open_port([k for k, n in enumerate(ports) if n.startswith("listener")][0])
time.sleep(0.2)  # JACK makes a connection live a cycle or more after it returns
for i in range(int(sys.argv[1])):
    out.send_message([0x90, i % 128, i // 128 + 1])
    time.sleep(0.0005)
time.sleep(0.3)
out.close_port(); out.delete()
"""


@pytest.mark.e2e
def test_nothing_is_lost_or_doubled_while_the_interpreter_is_busy(jack):
    import rtmidi

    from improv.midi.midiin import open_input

    n = 2000
    stop = threading.Event()

    def spin():  # holds the interpreter lock for a switch interval at a time
        while not stop.is_set():
            pass

    with open_input(rtmidi.API_UNIX_JACK, "listener") as midi_in:
        spinner = threading.Thread(target=spin)
        spinner.start()
        try:
            subprocess.run([sys.executable, "-c", SENDER, str(n)], env=jack.env,
                           check=True, timeout=60)
        finally:
            stop.set()
            spinner.join()
        deadline = time.monotonic() + 5.0  # a loaded machine may starve the reader a while
        while midi_in.received < n and time.monotonic() < deadline:
            time.sleep(0.01)
        got = [tuple(m) for _, m in midi_in.messages]
    # the queue keeps the newest QUEUE_LENGTH: those must be exactly the last ones sent
    sent = [(0x90, i % 128, i // 128 + 1) for i in range(n)]
    index = {m: k for k, m in enumerate(sent)}
    assert midi_in.received == n, f"received {midi_in.received} of {n}"
    assert [index.get(m, -1) for m in got] == list(range(n - QUEUE_LENGTH, n))
