"""SIGINT, SIGTERM and SIGHUP for the life of a command: never fatal, never re-entrant.

One :class:`Signals` object is installed when a command starts and stays installed
until the process ends (or, called in-process by tests, until the command returns), so
no signal ever meets Python's default action half-way through a shutdown.

While the daemon plays, a handler does nothing but note the signal: Python writes a
byte to a socket (``signal.set_wakeup_fd``) and the main thread, which waits on that
socket (:meth:`Signals.wait`), wakes and stops the scheduler itself. A handler that
took a lock (``Event.set``) could deadlock against the main thread it interrupted.

* Before the daemon plays (loading the model, rendering a file) the first SIGINT or
  SIGTERM raises :class:`Interrupted` in the main thread instead, so whatever runs
  unwinds through its ``finally`` blocks and leaves no temporary file behind.
* Later signals are only counted: a second Ctrl-C or ``kill`` during the shutdown
  cannot cut the note_offs short.
* SIGHUP asks for the settings to be read again while playing (``hangups``), and is
  ignored otherwise; ``daemon.py`` ignores it from its first line, before any import.
"""

from __future__ import annotations

import select
import signal
import socket
import threading

STOPPING = (signal.SIGINT, signal.SIGTERM)
HANGUP = getattr(signal, "SIGHUP", None)


class Interrupted(BaseException):
    """A stop signal before the daemon played (or during a render): it unwinds the
    command as KeyboardInterrupt would; the command line turns it into a quiet exit."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Signals:
    """Process-wide handlers. ``received`` lists the stop signals that arrived,
    ``hangups`` counts SIGHUPs while playing; ``playing`` switches from raising to
    noting."""

    def __init__(self):
        self.received: list[int] = []
        self.hangups = 0
        self.playing = False
        self._previous: dict = {}
        self._previous_fd = None
        self._rsock = self._wsock = None

    def install(self) -> "Signals":
        if threading.current_thread() is not threading.main_thread():
            return self
        self._rsock, self._wsock = socket.socketpair()
        for sock in (self._rsock, self._wsock):
            sock.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._wsock.fileno(), warn_on_full_buffer=False)
        for sig in STOPPING:
            self._previous[sig] = signal.signal(sig, self._stop)
        if HANGUP is not None:
            self._previous[HANGUP] = signal.signal(HANGUP, self._hangup)
        return self

    def restore(self) -> None:
        """Put back what was there before (for in-process callers such as tests)."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()
        if self._rsock is not None:
            signal.set_wakeup_fd(self._previous_fd if self._previous_fd is not None else -1)
            self._rsock.close()
            self._wsock.close()
            self._rsock = self._wsock = None

    def ignore_from_now_on(self) -> None:
        """For a process about to exit: ignore these signals outright. Python hands its
        own handlers back to the default action while it shuts down, which would let a
        late SIGTERM kill the exiting process; an ignored signal stays ignored."""
        if threading.current_thread() is threading.main_thread():
            for sig in (*STOPPING, *((HANGUP,) if HANGUP is not None else ())):
                signal.signal(sig, signal.SIG_IGN)

    @property
    def stopping(self) -> bool:
        return bool(self.received)

    def wake(self) -> None:
        """Wake :meth:`wait` from another thread (the scheduler, when it has finished)."""
        if self._wsock is not None:
            try:
                self._wsock.send(b"\0")
            except OSError:
                pass  # the buffer is full: a wake-up is pending anyway

    def wait(self, timeout: float) -> None:
        """Block until a signal arrives, :meth:`wake` is called, or ``timeout`` passes."""
        if self._rsock is None:
            threading.Event().wait(timeout)
            return
        ready, _, _ = select.select([self._rsock], [], [], timeout)
        if ready:
            try:
                while self._rsock.recv(64):
                    pass
            except (BlockingIOError, InterruptedError):
                pass

    def _stop(self, signum, frame) -> None:
        self.received.append(signum)
        if len(self.received) == 1 and not self.playing:
            raise Interrupted(signum)

    def _hangup(self, signum, frame) -> None:
        if self.playing:
            self.hangups += 1

    def __enter__(self) -> "Signals":
        return self.install()

    def __exit__(self, *exc) -> None:
        self.restore()
