"""MIDI output ports through mido's rtmidi backend, chosen by one name per run.

``--backend auto|alsa|jack|coremidi|winmm`` maps to one ``mido.Backend`` object
(``mido.backends.rtmidi/UNIX_JACK`` …); the process-wide ``mido.set_backend`` is never
touched. Every failure is a one-line :class:`~improv.errors.PortError` that names the
cause and the ways out.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

import mido

from improv.errors import PortError
from improv.midi.closing import close_within
from improv.settings import setting, validate

logger = logging.getLogger(__name__)

APIS = {"alsa": "LINUX_ALSA", "jack": "UNIX_JACK", "coremidi": "MACOSX_CORE",
        "winmm": "WINDOWS_MM"}
BACKENDS = ("auto", *APIS)
_API_NAMES = {v: k for k, v in APIS.items()}


@dataclass(frozen=True)
class MidiSettings:
    """The ``[midi]`` table: the MIDI system, the virtual port's name, or a port to use."""

    backend: str = setting("auto", choices=BACKENDS)
    port_name: str = setting("improv")
    connect: str = setting("")  # "" creates a virtual port
    reconnect: bool = setting(False)  # a lost port: wait for it (True) or exit (False)
    input_name: str = setting("")  # the virtual input; "": the port's name + " in"
    input_connect: str = setting("")  # listen to this existing port instead

    def __post_init__(self):
        validate(self)


def ways_out(name: str) -> str:
    """What to do when no virtual port can be made with backend ``name``."""
    first = ("start a JACK server" if _system(name) == "jack"
             else "use --backend jack (with a JACK server running)")
    return (f"{first}, --connect NAME to send to an existing port (see --list-ports), "
            f"--synth to hear it through the built-in synth, or --out FILE.mid (or .wav) to "
            f"render a file instead")


@contextlib.contextmanager
def _quiet_native_stderr():
    """Hold back what ALSA's and JACK's C libraries print on fd 2 while ports open: their
    multi-line chatter would bury our one-line message. It is logged at debug level."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with tempfile.TemporaryFile() as sink:
        sys.stderr.flush()
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text = sink.read().decode(errors="replace").strip()
            if text:
                logger.debug("MIDI library said: %s", " | ".join(text.splitlines()))


def backend(name: str) -> mido.Backend:
    """The mido backend object for ``name`` (one of BACKENDS)."""
    if name not in BACKENDS:
        raise PortError(f"unknown MIDI backend {name!r}: choose one of {', '.join(BACKENDS)}")
    if name == "jack":
        # Never let libjack start a server behind the user's back (it would pick a
        # sound card); the user starts JACK, we connect to it.
        os.environ.setdefault("JACK_NO_START_SERVER", "1")
    api = APIS.get(name)
    result = mido.Backend("mido.backends.rtmidi" + (f"/{api}" if api else ""),
                          load=True, use_environ=False)
    if api is not None and api not in result.module.get_api_names():
        compiled = ", ".join(_API_NAMES.get(a, a) for a in result.module.get_api_names())
        raise PortError(f"the {name} MIDI backend is not compiled into this python-rtmidi "
                        f"(it has: {compiled or 'none'}): choose another --backend or "
                        f"reinstall python-rtmidi with {name} support")
    return result


def describe(name: str) -> str:
    """``'jack'``, or ``'auto (ALSA)'``: which system a backend name stands for here."""
    if name != "auto":
        return name
    try:
        import rtmidi

        compiled = rtmidi.get_compiled_api()
        short = rtmidi.get_api_name(compiled[0]) if compiled else "none"
        return f"auto ({ {'core': 'coremidi'}.get(short, short)})"
    except Exception:  # noqa: BLE001 - only for the message
        return "auto"


def _system(name: str) -> str:
    return describe(name).removeprefix("auto (").removesuffix(")")


def _cause(name: str, err: BaseException) -> str:
    system = _system(name)
    text = str(err).strip() or type(err).__name__
    if system == "alsa" and sys.platform.startswith("linux") and not os.path.exists("/dev/snd/seq"):
        return ("this machine has no ALSA sequencer (/dev/snd/seq is missing; 'sudo modprobe "
                "snd-seq' adds it where there is a sound system)")
    if system == "jack" and "JACK server not running" in text:
        return "no JACK server is running (start one, e.g. 'jackd -d dummy' or with QjackCtl)"
    return text


def output_names(name: str) -> list[str]:
    """Names of the existing output ports of a backend."""
    be = backend(name)
    try:
        with _quiet_native_stderr():
            return list(be.get_output_names())
    except (OSError, RuntimeError) as err:
        raise PortError(f"cannot list MIDI ports with the {describe(name)} backend: "
                        f"{_cause(name, err)}") from err


def _match(names: list[str], wanted: str) -> str:
    if wanted in names:
        return wanted
    hits = [n for n in names if wanted.lower() in n.lower()]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise PortError(f"--connect {wanted!r} matches several ports ({'; '.join(hits)}): "
                        f"give more of the name")
    raise PortError(f"no MIDI output port matches --connect {wanted!r}; available: "
                    f"{'; '.join(names) or 'none'} (see --list-ports)")


DRAIN_SECONDS = 0.05  # a few process cycles of JACK (two at 1024 frames, 48 kHz)


class MidiOutput:
    """An open output port: ``send`` from the scheduler thread, ``close`` from anywhere.

    ``close`` is locked and idempotent, so the error path, the ``with`` block and a
    signal can all call it. It first gives the backend DRAIN_SECONDS after the last send
    to deliver what is queued: JACK hands messages over once per process cycle, and a
    port closed sooner would drop the final note_offs.
    """

    def __init__(self, port, description: str, watch=None):
        self._port = port
        self._lock = threading.Lock()
        self._last_send: float | None = None
        self._watch = watch
        self._readers = 0  # connections to the port at the last look (JACK)
        self.description = description

    @property
    def reports_readers(self) -> bool:
        """Whether :meth:`new_readers` can tell when a DAW connects (JACK can; rtmidi's
        ALSA, CoreMIDI and Windows ports cannot)."""
        return getattr(self._watch, "readers", lambda: None)() is not None

    def new_readers(self) -> bool:
        """True when more readers are connected to the port than at the last call: the
        instruments should be named again for them. Cheap: asked a few times a second."""
        readers = getattr(self._watch, "readers", lambda: None)()
        if readers is None:
            return False
        grew, self._readers = readers > self._readers, readers
        return grew

    def lost(self) -> str | None:
        """Why the port is gone (its JACK server stopped, it was removed), or None while
        it is there. Cheap: the main thread asks a few times a second."""
        return None if self._watch is None else self._watch.lost()

    @property
    def closed(self) -> bool:
        return self._port is None

    def send(self, message: mido.Message) -> None:
        port = self._port
        if port is None:
            raise PortError(f"the MIDI port {self.description} is closed")
        try:
            port.send(message)
        except (OSError, ValueError, RuntimeError) as err:
            raise PortError(f"cannot send to the MIDI port {self.description}: {err}") from err
        self._last_send = time.monotonic()

    def close(self) -> None:
        with self._lock:
            port, self._port = self._port, None
            watch, self._watch = self._watch, None
        if port is not None:
            if self._last_send is not None:
                time.sleep(max(0.0, self._last_send + DRAIN_SECONDS - time.monotonic()))
            try:
                close_within(port.close, "output")
            except (OSError, RuntimeError) as err:
                logger.warning("closing the MIDI port %s: %s", self.description, err)
        if watch is not None:
            # last: a JACK client closing makes the server reorder its graph, and the
            # port's final note_offs must be out before that
            close_within(watch.close, "watch")

    def __enter__(self) -> "MidiOutput":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


NAME_LIMITS = {"alsa": 63, "jack": 63, "coremidi": 63, "winmm": 31}  # bytes of UTF-8


def check_port_name(name: str, backend_name: str, flag: str = "--port-name") -> str:
    """A name for the port we create that the backend takes as it is: not empty, no
    control characters, no ':' (JACK and ALSA write ``client:port``), within the
    backend's limit in bytes of UTF-8 (JACK and ALSA client names hold 63, Windows
    device names 31). A ``--connect`` target is an existing port's full name: it only
    has to be non-empty and printable."""
    if not name.strip():
        raise PortError(f"{flag} is empty: name the port, e.g. 'improv'")
    if any(not ch.isprintable() for ch in name):
        raise PortError(f"{flag} {name!r} holds a control character (a newline, a tab…): "
                        f"use letters, digits, spaces and punctuation")
    if flag in ("--connect", "--input-connect"):
        return name
    if ":" in name:
        raise PortError(f"{flag} {name!r} holds ':', which JACK and ALSA use between client "
                        f"and port: choose a name without it")
    system = _system(backend_name)
    limit, size = NAME_LIMITS.get(system, 63), len(name.encode("utf-8"))
    if size > limit:
        raise PortError(f"{flag} {name!r} is {size} bytes long in UTF-8; {system} takes at "
                        f"most {limit}: choose a shorter name")
    return name


def _taken(be: mido.Backend, name: str) -> bool:
    """Whether a client or port of this name already exists (a second improv, say)."""
    try:
        with _quiet_native_stderr():
            names = set(be.get_input_names()) | set(be.get_output_names())
    except (OSError, RuntimeError):
        return False  # the open below reports what is wrong
    return any(n == name or n.startswith(f"{name}:") for n in names)


def _rtmidi_api(name: str) -> int:
    """python-rtmidi's API number for a backend name (APIS; "auto": unspecified)."""
    import rtmidi

    return getattr(rtmidi, f"API_{APIS[name]}") if name in APIS else rtmidi.API_UNSPECIFIED


def _watch(name: str, port_name: str, target: str | None):
    """The health watch for a port on backend ``name`` (see improv.midi.portwatch)."""
    from improv.midi import portwatch

    system = _system(name)
    try:
        if system == "jack":  # rtmidi names a virtual port's JACK client after it
            return portwatch.JackWatch(port_name, target, None if target else
                                       f"{port_name}:{port_name}")
        if system not in APIS:
            return None
        api = _rtmidi_api(system)
        if target:
            return portwatch.ListingWatch(api, target, among_outputs=True)
        listed = f"{port_name}:{port_name}" if system == "alsa" else port_name
        return portwatch.ListingWatch(api, listed, among_outputs=False)
    except Exception as err:  # noqa: BLE001 - a watch is a safety net, never a blocker
        logger.warning("no watch on the MIDI port (%s): losing it would go unnoticed", err)
        return None


def open_output(name: str = "auto", port_name: str = "improv", connect: str = "") -> MidiOutput:
    """Create the virtual port ``port_name``, or connect to the existing port ``connect``."""
    be = backend(name)
    if connect:
        check_port_name(connect, name, "--connect")
        target = _match(output_names(name), connect)
        try:
            with _quiet_native_stderr():
                port = be.open_output(target)
        except (OSError, RuntimeError) as err:
            raise PortError(f"cannot open the MIDI port {target!r} with the {describe(name)} "
                            f"backend: {_cause(name, err)}") from err
        return MidiOutput(port, repr(target), _watch(name, port_name, target))
    if _system(name) == "winmm" or (name == "auto" and sys.platform == "win32"):
        raise PortError("Windows MIDI has no virtual ports: install loopMIDI, create a port "
                        "in it and pass --connect 'loopMIDI Port' (see 'Connecting a DAW' in "
                        "the README)")
    check_port_name(port_name, name)
    if _taken(be, port_name):
        raise PortError(f"a MIDI port named {port_name!r} already exists (another improv "
                        f"running?): stop it, or choose another --port-name")
    try:
        with _quiet_native_stderr():
            port = be.open_output(port_name, virtual=True, client_name=port_name)
    except (OSError, RuntimeError, NotImplementedError) as err:
        raise PortError(f"cannot create the virtual MIDI port {port_name!r} with the "
                        f"{describe(name)} backend: {_cause(name, err)}; {ways_out(name)}") from err
    return MidiOutput(port, f"{port_name!r} ({describe(name)})", _watch(name, port_name, None))


def open_input(name: str, port_name: str, connect: str = "", on_realtime=None):
    """The MIDI input beside the output (see :mod:`improv.midi.midiin`): a virtual
    port ``port_name``, or the existing output port ``connect`` listened to."""
    from improv.midi.midiin import open_input as open_rtmidi_input

    backend(name)  # the same checks and messages as for the output
    if connect:
        check_port_name(connect, name, "--input-connect")
    else:
        check_port_name(port_name, name, "[midi] input_name")
    try:
        with _quiet_native_stderr():
            return open_rtmidi_input(_rtmidi_api(name), port_name, connect, on_realtime)
    except PortError as err:
        raise PortError(f"{err}: {_cause(name, err.__cause__ or err)}"
                        if err.__cause__ else str(err)) from err
