"""A private JACK server with the dummy driver, and a MIDI recorder client on it.

Used by the end-to-end tests and by benchmarks/startup.py. Each server gets a unique
name (``jackd -n NAME`` plus ``JACK_DEFAULT_SERVER``), so parallel runs do not clash.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass


@dataclass
class JackServer:
    name: str
    rate: int
    period: int
    env: dict
    proc: subprocess.Popen | None = None
    killed: bool = False
    synchronous: bool = True

    @property
    def period_s(self) -> float:
        return self.period / self.rate

    def kill(self) -> None:
        """SIGKILL the server, as a crash would (see jack_server's clean-up)."""
        self.killed = True
        self.proc.kill()
        self.proc.wait()

    def restart(self, timeout: float = 10.0) -> None:
        """Start a server of the same name again (after kill() or a stop)."""
        self.proc = _start(self.name, self.rate, self.period, self.env, timeout,
                           self.synchronous)


def jackd_missing_reason() -> str | None:
    if shutil.which("jackd") is None:
        return "jackd is not installed (apt-get install -y jackd2)"
    try:
        import rtmidi
    except ImportError:
        return "python-rtmidi is not installed"
    if rtmidi.API_UNIX_JACK not in rtmidi.get_compiled_api():
        return "this python-rtmidi wheel was built without JACK support"
    return None


@contextlib.contextmanager
def jack_server(rate: int = 48000, period: int = 128, timeout: float = 10.0,
                synchronous: bool = True):
    """Start ``jackd --no-realtime --sync -d dummy`` (``synchronous=False``: JACK's
    default asynchronous mode); point this process's JACK clients at it."""
    name = f"improv-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    saved = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    env = dict(os.environ, JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1")
    server = JackServer(name, rate, period, env, synchronous=synchronous)
    os.environ.update(JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1")
    try:
        server.proc = _start(name, rate, period, env, timeout, synchronous)
        yield server
    finally:
        if server.killed and server.proc is not None and server.proc.poll() is not None:
            # A SIGKILLed server leaves its slot in JACK's shared registry (8 slots, freed
            # only when a server of the same name starts): start one and stop it cleanly,
            # or after a few such tests no JACK server could start on this machine. (Its
            # readiness probe is a client of this process: the server's name still set.)
            with contextlib.suppress(RuntimeError):
                server.proc = _start(name, rate, period, env, timeout, synchronous)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if server.proc is not None:
            _stop(server.proc)


def _start(name, rate, period, env, timeout, synchronous=True) -> subprocess.Popen:
    log = tempfile.TemporaryFile()
    # --sync: in JACK2's default asynchronous mode a client that finishes its cycle late
    # (likely on a loaded 2-core machine without real-time scheduling) has that cycle's
    # output skipped, and each client downstream may lose a message independently: about
    # one clock tick in 3,000 went missing at each receiver. In synchronous mode the
    # server waits for every client: 0 of 12,288 lost (see benchmarks/clock_follow.py).
    mode = ["--sync"] if synchronous else []
    proc = subprocess.Popen(["jackd", "-n", name, "--no-realtime", *mode, "-d", "dummy",
                             "-r", str(rate), "-p", str(period)],
                            stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    try:
        _wait_ready(proc, log, timeout)
    except BaseException:
        _stop(proc)
        raise
    finally:
        log.close()
    return proc


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait_ready(proc, log, timeout: float) -> None:
    import rtmidi

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"jackd exited with {proc.returncode}: "
                               f"{log.read().decode(errors='replace')[-500:]}")
        try:
            probe = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name="improv-probe")
            probe.get_ports()
            probe.delete()
            return
        except rtmidi.SystemError:
            if time.monotonic() > deadline:
                raise RuntimeError("jackd did not come up in time")
            time.sleep(0.05)


class Recorder:
    """A JACK MIDI input connected to ``port``; events stamped on JACK's clock.

    rtmidi gives each event the time since the previous one, measured with
    ``jack_get_time()`` in the process cycle, so the stamps do not include Python's
    thread wake-up jitter. ``events`` holds ``(seconds since the first event, bytes)``;
    ``arrival`` the local monotonic time each arrived (the batch's read time, back by
    rtmidi's deltas). A thread polls rtmidi's queue
    every millisecond: a callback would run in JACK's process cycle and wait there for
    the interpreter lock, and JACK drops or duplicates the input of a late client (see
    improv/midi/midiin.py), which would make the recording, not the daemon,
    lose notes.
    """

    def __init__(self, port: str, client: str = "improv-recorder", virtual: bool = False,
                 timing: bool = False):
        """Connect to the output ``port``; or, ``virtual``, make an input named ``port``
        that a daemon can ``--connect`` to as ``CLIENT:PORT``."""
        import rtmidi

        self._lock = threading.Lock()
        self.events: list[tuple[float, list[int]]] = []
        self.arrival: list[float] = []
        self._t = 0.0
        self._midi = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name=client)
        self._midi.ignore_types(sysex=True, timing=not timing, active_sense=True)
        self._stop = threading.Event()
        if virtual:
            self._midi.open_virtual_port(port)
        else:
            ports = self._midi.get_ports()
            if port not in ports:
                self._midi.delete()
                raise RuntimeError(f"no JACK MIDI port {port!r} among {ports}")
            self._midi.open_port(ports.index(port), "in")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.001):
            self._read()

    def _read(self) -> None:
        with self._lock:
            batch = []
            while (event := self._midi.get_message()) is not None:
                batch.append(event)
            if not batch:
                return
            now = time.monotonic()
            after = 0.0  # JACK's time from each message to the batch's last
            arrival = []
            for message, delta in reversed(batch):
                arrival.append(now - after)
                after += delta
            for (message, delta), t in zip(batch, reversed(arrival)):
                self._t += delta if self.events else 0.0
                self.events.append((self._t, list(message)))
                self.arrival.append(t)

    def timed(self) -> list[tuple[float, list[int]]]:
        """``(monotonic time, bytes)`` for every event, its time taken from JACK's
        stamps mapped onto the monotonic clock by a straight line through the read
        times (least squares): free of the reader's wake-up jitter, and of any
        difference in rate between JACK's clock and ours."""
        self._read()
        with self._lock:
            jack = [t for t, _ in self.events]
            read = list(self.arrival)
            messages = [m for _, m in self.events]
        if len(jack) < 2 or jack[-1] - jack[0] < 0.05:
            return list(zip(read, messages))
        n = len(jack)
        mj, mr = sum(jack) / n, sum(read) / n
        sjj = sum((j - mj) ** 2 for j in jack)
        slope = sum((j - mj) * (r - mr) for j, r in zip(jack, read)) / sjj
        return [(mr + slope * (j - mj), m) for j, m in zip(jack, messages)]

    def snapshot(self) -> list[tuple[float, list[int]]]:
        self._read()
        with self._lock:
            return list(self.events)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._read()
        self._midi.close_port()
        self._midi.delete()


def wait_for_port(port: str, timeout: float = 10.0, proc=None, input: bool = False) -> None:
    """Block until a JACK MIDI output (``input``: input) named ``port`` exists (or the
    process died)."""
    import rtmidi

    probe = (rtmidi.MidiOut if input else rtmidi.MidiIn)(rtmidi.API_UNIX_JACK, name="improv-wait")
    try:
        deadline = time.monotonic() + timeout
        while port not in probe.get_ports():
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"the daemon exited with {proc.returncode} before its port appeared")
            if time.monotonic() > deadline:
                raise RuntimeError(f"JACK port {port!r} did not appear within {timeout} s")
            time.sleep(0.01)
    finally:
        probe.delete()


class Master:
    """Plays the DAW: sends MIDI clock (with jitter) and transport from its own JACK
    client, connected to the daemon's input and, optionally, to a recorder, so the
    recording holds the ticks as they were delivered beside the daemon's notes."""

    def __init__(self, to_port: str, also_to: str | None = None, client: str = "master"):
        import rtmidi

        self._midi = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=client)
        ports = self._midi.get_ports()
        if to_port not in ports:
            raise RuntimeError(f"no JACK MIDI input {to_port!r} among {ports}")
        self._midi.open_port(ports.index(to_port), "out")
        if also_to:
            subprocess.run(["jack_connect", f"{client}:out", also_to], check=True,
                           capture_output=True)
        time.sleep(0.1)  # a connection goes live a cycle or more after it returns: a
        # message sent at once could be lost (the input test lost its first, loaded)
        self.sent: list[tuple[float, int]] = []  # (perf_counter when sent, status)

    def send(self, *message: int) -> None:
        self._midi.send_message(list(message))
        self.sent.append((time.perf_counter(), message[0]))

    def play_clock(self, tempo_of_beat, beats: float, jitter: float = 0.0, seed: int = 0,
                   start: float | None = None, then=None) -> list[float]:
        """Send ticks for ``beats`` beats from ``start`` (perf_counter; default now), the
        tempo given per beat (a function); each tick sent up to ``jitter`` seconds off its
        time. ``then``: {tick number: [messages]} sent right after that tick (a musician
        playing in time). Returns the ideal tick times."""
        import random

        rng = random.Random(seed)
        t = time.perf_counter() if start is None else start
        ideal = []
        for k in range(int(beats * 24)):
            ideal.append(t)
            target = t + rng.uniform(-jitter, jitter)
            while (left := target - time.perf_counter()) > 0:
                time.sleep(min(left, 0.002) if left > 0.0005 else 0)
            self.send(0xF8)
            for message in (then or {}).get(k, ()):
                self.send(*message)
            t += 60.0 / (tempo_of_beat(k / 24) * 24)
        return ideal

    def close(self) -> None:
        self._midi.close_port()
        self._midi.delete()


def signal_storm(proc, rng) -> None:
    """Two or three SIGTERM/SIGINT at random gaps of 0-100 ms: an impatient user."""
    import signal

    for _ in range(rng.choice((2, 3))):
        proc.send_signal(rng.choice((signal.SIGTERM, signal.SIGINT)))
        time.sleep(rng.uniform(0.0, 0.1))


def collect(proc, recorder, timeout: float = 10.0):
    """Wait for the daemon to exit; (its stderr, what the recorder got, late messages
    included)."""
    _, err = proc.communicate(timeout=timeout)
    time.sleep(0.1)
    return err, recorder.snapshot()
