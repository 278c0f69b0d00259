"""Noticing that the MIDI system under a port went away, within a second.

A port into a stopped JACK server takes every message without complaint, so the daemon
would play on into nothing. The main thread therefore asks a watch, a few times a
second, whether the port is still there:

* **JACK**: a small client of our own (no ports) opened through libjack with ``ctypes``
  registers ``jack_on_shutdown``, which libjack calls the moment the server goes away.
  (The clients python-rtmidi opens offer no such hook, and their port listings keep
  answering from the dead server's shared memory.) With ``--connect``, the target
  port must also still be listed.
* **ALSA, CoreMIDI, Windows**: the port is looked up among the system's ports through
  one persistent python-rtmidi client; it is lost when two lookups in a row miss it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import glob
import logging
import os
import threading

logger = logging.getLogger(__name__)

JACK_NO_START_SERVER = 0x01
JACK_PORT_IS_INPUT = 0x1
MISSES = 2  # lookups in a row that must miss before a port is taken as gone


_SHUTDOWN = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_MESSAGE = ctypes.CFUNCTYPE(None, ctypes.c_char_p)


@functools.lru_cache(maxsize=1)
def _libjack():
    """The libjack python-rtmidi uses (its wheel carries one), else the system's; None if
    neither. libjack's own chatter on stderr ("Cannot read socket fd…", "Server is not
    running") goes to this module's debug log instead, for every client in the process:
    the daemon says what happened in its own words. Cached, so the callbacks stay alive
    as long as the library."""
    names = []
    try:
        import rtmidi

        site = os.path.dirname(os.path.dirname(rtmidi.__file__))
        # auditwheel puts it beside the package, in "python_rtmidi.libs" (or ".")
        names += sorted(glob.glob(os.path.join(site, "python_rtmidi*", "libjack*.so*")))
    except ImportError:
        pass
    names.append(ctypes.util.find_library("jack"))
    for name in filter(None, names):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib._improv_log = _MESSAGE(lambda text: logger.debug("libjack: %s",
                                                             text.decode(errors="replace")))
        for setter in ("jack_set_error_function", "jack_set_info_function"):
            getattr(lib, setter).argtypes = [_MESSAGE]
            getattr(lib, setter)(lib._improv_log)
        return lib
    return None


class JackWatch:
    """A portless JACK client whose shutdown callback marks the server as gone."""

    def __init__(self, name: str, target: str | None = None, own: str | None = None):
        """``own``: our output port's full JACK name, whose readers :meth:`readers` counts."""
        self._gone = threading.Event()
        self._target = target
        self._own = own
        self._misses = 0
        self._lib = lib = _libjack()
        self._client = None
        if lib is None:
            logger.warning("libjack not found: losing the JACK server would go unnoticed")
            return
        lib.jack_client_open.restype = ctypes.c_void_p
        lib.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int,
                                         ctypes.POINTER(ctypes.c_int)]
        lib.jack_on_shutdown.argtypes = [ctypes.c_void_p, _SHUTDOWN, ctypes.c_void_p]
        lib.jack_activate.argtypes = [ctypes.c_void_p]
        lib.jack_client_close.argtypes = [ctypes.c_void_p]
        lib.jack_get_ports.restype = ctypes.POINTER(ctypes.c_char_p)
        lib.jack_get_ports.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                       ctypes.c_ulong]
        lib.jack_free.argtypes = [ctypes.c_void_p]
        lib.jack_port_by_name.restype = ctypes.c_void_p
        lib.jack_port_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.jack_port_get_all_connections.restype = ctypes.POINTER(ctypes.c_char_p)
        lib.jack_port_get_all_connections.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        status = ctypes.c_int(0)
        # "-watch" kept whole, so the watch never takes the port's own client name
        watch_name = name.encode()[:57].decode(errors="ignore") + "-watch"
        client = lib.jack_client_open(watch_name.encode(), JACK_NO_START_SERVER,
                                      ctypes.byref(status))
        if not client:
            logger.warning("no JACK watch client (status %#x): losing the server would "
                           "go unnoticed", status.value)
            return
        self._callback = _SHUTDOWN(lambda arg: self._gone.set())  # kept alive with self
        lib.jack_on_shutdown(client, self._callback, None)
        lib.jack_activate(client)
        self._client = client

    def _listed(self, port: str) -> bool:
        ports = self._lib.jack_get_ports(self._client, None, None, JACK_PORT_IS_INPUT)
        if not ports:
            return False
        try:
            k = 0
            while ports[k]:
                if ports[k].decode(errors="replace") == port:
                    return True
                k += 1
            return False
        finally:
            self._lib.jack_free(ports)

    def readers(self) -> int | None:
        """How many ports our own output is connected to; None where it cannot be told
        (no client, no port named, the server gone)."""
        if self._client is None or not self._own or self._gone.is_set():
            return None
        port = self._lib.jack_port_by_name(self._client, self._own.encode())
        if not port:
            return 0  # not registered yet, or gone: nobody reads it
        names = self._lib.jack_port_get_all_connections(self._client, port)
        if not names:
            return 0
        try:
            count = 0
            while names[count]:
                count += 1
            return count
        finally:
            self._lib.jack_free(names)

    def lost(self) -> str | None:
        """Why the port is gone, or None while it is there."""
        if self._gone.is_set():
            return "the JACK server stopped"
        if self._client is not None and self._target:
            self._misses = 0 if self._listed(self._target) else self._misses + 1
            if self._misses >= MISSES:
                return f"the JACK port {self._target!r} was removed"
        return None

    def close(self) -> None:
        client, self._client = self._client, None
        if client:
            # closed even after a shutdown: a zombie client would keep the dead server's
            # shared memory, and a new server of the same name could not start
            self._lib.jack_client_close(client)


class ListingWatch:
    """The port looked up among the system's ports through one persistent client."""

    def __init__(self, api: int, port: str, among_outputs: bool):
        import rtmidi

        self._port = port
        self._misses = 0
        kind = rtmidi.MidiOut if among_outputs else rtmidi.MidiIn
        try:
            self._client = kind(api, name="improv-watch")
        except rtmidi.SystemError:
            self._client = None

    def lost(self) -> str | None:
        if self._client is None:
            return None
        try:
            names = self._client.get_ports()
        except Exception:  # noqa: BLE001 - a failing lookup counts as a miss
            names = []
        self._misses = 0 if any(n == self._port or n.startswith(f"{self._port} ")
                                for n in names) else self._misses + 1
        return f"the MIDI port {self._port!r} was removed" if self._misses >= MISSES else None

    def close(self) -> None:
        if self._client is not None:
            self._client.delete()
            self._client = None
