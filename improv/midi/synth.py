"""A built-in synth for a first listen: FluidSynth playing the solo and the comping.

``--synth`` sends the daemon's messages to FluidSynth instead of a MIDI port, which
plays them on the machine's audio system (JACK, PulseAudio, ALSA, CoreAudio...);
``--out solo.wav`` renders the notes to a WAV file offline, much faster than real
time. FluidSynth is reached through its Python bindings (pyfluidsynth, a thin ctypes
wrapper of libfluidsynth) with a General MIDI soundfont (FluidR3_GM if installed, else
the 6 MB TimGM6mb: see the README for why). Without either, one line says what to
install. The instruments are General MIDI programs per channel (``[melody] program``,
``[comping] program``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from improv.errors import MissingDependencyError, UsageError
from improv.files import atomic_write, regular_file
from improv.midi.gm import DRUM_CHANNEL
from improv.settings import setting, validate

log = logging.getLogger(__name__)

DRIVERS = ("auto", "jack", "pulseaudio", "pipewire", "alsa", "coreaudio", "dsound", "wasapi")
SOUNDFONTS = (  # searched in this order when [synth] soundfont is ""
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",     # Debian/Ubuntu fluid-soundfont-gm
    "/usr/share/soundfonts/FluidR3_GM.sf2",     # Fedora/Arch
    "/usr/share/sounds/sf2/TimGM6mb.sf2",       # Debian/Ubuntu timgm6mb-soundfont
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/opt/homebrew/share/soundfonts/default.sf2",
    "/usr/local/share/soundfonts/default.sf2",
)
INSTALL = ("install FluidSynth and a General MIDI soundfont: apt install libfluidsynth3 "
           "fluid-soundfont-gm (or timgm6mb-soundfont), or brew install fluid-synth and a "
           ".sf2; then pip install pyfluidsynth")
BLOCK = 64  # frames rendered per step between events when nothing happens


@dataclass(frozen=True)
class SynthSettings:
    """The ``[synth]`` table: which soundfont, which audio system, how loud."""

    soundfont: str = setting("")  # "" searches the usual places (SOUNDFONTS)
    driver: str = setting("auto", choices=DRIVERS)
    gain: float = setting(0.4, lo=0.01, hi=2.0)  # FluidSynth's master gain
    sample_rate: int = setting(48000, lo=8000, hi=192000)

    def __post_init__(self):
        validate(self)


def fluidsynth_module():
    """pyfluidsynth, or a MissingDependencyError naming what to install."""
    try:
        import fluidsynth
    except (ImportError, OSError) as err:
        raise MissingDependencyError(f"the built-in synth needs FluidSynth ({err}): "
                                     f"{INSTALL}") from err
    if not hasattr(fluidsynth, "Synth"):
        raise MissingDependencyError(f"the 'fluidsynth' module found is not pyfluidsynth: "
                                     f"{INSTALL}")
    return fluidsynth


def find_soundfont(configured: str = "") -> Path:
    """``[synth] soundfont``, checked to be a SoundFont file, else the first of the usual
    places that has one."""
    if configured:
        path = Path(configured).expanduser()
        try:
            regular_file(path, "soundfont", UsageError)
            with open(path, "rb") as fh:
                head = fh.read(12)
        except FileNotFoundError:
            raise MissingDependencyError(f"soundfont {path} does not exist: set [synth] "
                                         f"soundfont to a .sf2 file, or {INSTALL}") from None
        except OSError as err:
            raise UsageError(f"soundfont {path} cannot be read ({err.strerror or err}): "
                             f"check its permissions") from err
        if head[:4] != b"RIFF" or head[8:12] != b"sfbk":
            raise UsageError(f"soundfont {path} is not a SoundFont (.sf2/.sf3: a RIFF 'sfbk' "
                             f"file): set [synth] soundfont to a General MIDI soundfont")
        return path
    for candidate in SOUNDFONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    raise MissingDependencyError(f"no General MIDI soundfont found: {INSTALL}, or set "
                                 f"[synth] soundfont = '/path/to/file.sf2'")


@contextlib.contextmanager
def quiet_stderr():
    """Send file descriptor 2 to /dev/null for the duration: a C library's messages
    stay off the terminal (improv says the one line that matters itself)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


DRUM_BANK = 128  # a soundfont's bank of drum kits (GM percussion: DRUM_CHANNEL)


def make_synth(settings: SynthSettings, programs: dict[int, int]):
    """A FluidSynth instance with the soundfont loaded and ``programs`` (channel 1-16 →
    General MIDI program 1-128) selected; no audio driver yet."""
    fluidsynth = fluidsynth_module()
    soundfont = find_soundfont(settings.soundfont)
    synth = fluidsynth.Synth(gain=settings.gain, samplerate=float(settings.sample_rate))
    with quiet_stderr():  # FluidSynth's C library prints its own lines on a bad file
        sfid = synth.sfload(str(soundfont))
    if sfid < 0:
        synth.delete()
        raise UsageError(f"soundfont {soundfont} is damaged: FluidSynth cannot read it; set "
                         f"[synth] soundfont to another General MIDI soundfont")
    if DRUM_CHANNEL not in programs:  # General MIDI: channel 10 plays the drum kit
        synth.program_select(DRUM_CHANNEL - 1, sfid, DRUM_BANK, 0)
    for channel, program in programs.items():
        synth.program_select(channel - 1, sfid, 0, program - 1)
    return synth


def _apply(synth, message) -> None:
    """One mido message into FluidSynth (channels 0-based on both sides)."""
    kind = message.type
    if kind == "note_on":
        if message.velocity:
            synth.noteon(message.channel, message.note, message.velocity)
        else:
            synth.noteoff(message.channel, message.note)
    elif kind == "note_off":
        synth.noteoff(message.channel, message.note)
    elif kind == "control_change":
        synth.cc(message.channel, message.control, message.value)
    elif kind == "program_change":
        synth.program_change(message.channel, message.program)
    elif kind == "pitchwheel":
        synth.pitch_bend(message.channel, message.pitch)


class SynthOutput:
    """Plays what the scheduler sends on the machine's audio system: the same interface
    as :class:`improv.midi.ports.MidiOutput` (send, close, context manager)."""

    def __init__(self, settings: SynthSettings, programs: dict[int, int]):
        self._synth = make_synth(settings, programs)
        self._lock = threading.Lock()
        self._closed = False
        drivers = ("jack", "pulseaudio", "pipewire", "alsa", "coreaudio", "wasapi", "dsound") \
            if settings.driver == "auto" else (settings.driver,)
        self.driver = None
        fluidsynth = fluidsynth_module()
        for driver in drivers:
            # the audio driver alone: Synth.start() would also open a MIDI input
            self._synth.setting("audio.driver", driver)
            if driver == "jack":
                self._synth.setting("audio.jack.autoconnect", 1)
                self._synth.setting("audio.jack.id", "improv synth")
            try:
                handle = fluidsynth.new_fluid_audio_driver(self._synth.settings,
                                                           self._synth.synth)
            except Exception as err:  # noqa: BLE001 - a driver that is not there
                log.debug("FluidSynth driver %s: %s", driver, err)
                continue
            if handle:
                self._synth.audio_driver = handle
                self.driver = driver
                break
        if self.driver is None:
            self._synth.delete()
            raise UsageError(f"FluidSynth found no audio output ({', '.join(drivers)} tried): "
                             f"start JACK or PulseAudio, or set [synth] driver")
        self.description = f"the built-in synth (FluidSynth, {self.driver})"

    def lost(self) -> str | None:
        return None

    @property
    def closed(self) -> bool:
        return self._closed

    def send(self, message) -> None:
        with self._lock:
            if not self._closed:
                _apply(self._synth, message)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for channel in range(16):
                self._synth.cc(channel, 123, 0)  # all notes off
            self._synth.delete()

    def __enter__(self) -> "SynthOutput":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


TAIL_SECONDS = 1.0  # after the last bar: the release of the last notes, not a click


PEAK_DBFS = -1.0  # a render is normalised to this peak: loud, with room for the DAC's
MAX_GAIN_DB = 40.0  # a near-silent render is not blown up into noise


def float_samples(fluidsynth, synth):
    """``samples(count)``: the next ``count`` stereo frames as interleaved float32, from
    libfluidsynth's own float output (pyfluidsynth offers 16 bits only), so a quiet mix
    keeps its resolution until it is normalised."""
    import ctypes

    write = fluidsynth._fl.fluid_synth_write_float
    write.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                      ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int]

    def samples(count: int) -> np.ndarray:
        block = np.zeros(2 * count, np.float32)
        address = block.ctypes.data
        write(synth.synth, count, address, 0, 2, ctypes.c_void_p(address + 4), 0, 2)
        return block
    return samples


def render_wav(notes, path: Path | str, *, tempo: float, beats: float,
               settings: SynthSettings, programs: dict[int, int]) -> dict:
    """Synthesize ``notes`` (start/end in beats, channel 1-16; any iterable in start
    order, so a long render streams) over ``beats`` beats, plus a second for the last
    notes to ring out, into a 16-bit stereo WAV at ``path`` whose peak is
    :data:`PEAK_DBFS` (the synth's float output goes a block at a time to a temporary
    file, then is scaled into the WAV, written atomically); returns its peak and length."""
    import heapq
    import tempfile

    fluidsynth = fluidsynth_module()
    synth = make_synth(settings, programs)
    samples = float_samples(fluidsynth, synth)
    rate = settings.sample_rate
    frames_per_beat = rate * 60.0 / tempo
    end = int(round(beats * frames_per_beat))
    total = end + int(TAIL_SECONDS * rate)
    at, peak = 0, 0.0  # frames rendered so far; the loudest sample in them (1.0: full scale)
    raw = tempfile.TemporaryFile()

    def render_to(frame: int) -> None:
        nonlocal at, peak
        while at < frame:
            count = min(frame - at, rate)  # at most a second at a time
            block = samples(count)
            peak = max(peak, float(np.abs(block).max(initial=0.0)))
            raw.write(block.tobytes())
            at += count

    pending: list[tuple[int, int, int, int, int]] = []  # (frame, on?, channel, pitch, vel)
    try:
        def play_until(frame: int) -> None:
            while pending and pending[0][0] <= frame:
                when, on, channel, pitch, velocity = heapq.heappop(pending)
                render_to(when)
                if on:
                    synth.noteon(channel, pitch, velocity)
                else:
                    synth.noteoff(channel, pitch)

        for n in notes:
            on = int(round(n.start * frames_per_beat))
            if on >= end:
                continue
            off = int(round(min(n.end, beats) * frames_per_beat))
            play_until(on - 1)  # everything before this note: no later note comes first
            # at one frame, note_offs (0) sort before note_ons (1): a repeat re-attacks
            heapq.heappush(pending, (on, 1, n.channel - 1, n.pitch, n.velocity))
            heapq.heappush(pending, (max(off, on + 1), 0, n.channel - 1, n.pitch, 0))
        play_until(total)
        render_to(total)
        gain = min(10 ** (PEAK_DBFS / 20) / peak, 10 ** (MAX_GAIN_DB / 20)) if peak else 1.0
        with atomic_write(path, durable=True) as fh, wave.open(fh, "wb") as wav:
            wav.setnchannels(2)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            raw.seek(0)
            while chunk := raw.read(8 * rate):  # a second of float32 frames at a time
                block = np.frombuffer(chunk, np.float32) * (gain * 32767.0)
                wav.writeframes(np.clip(np.rint(block), -32768, 32767).astype("<i2").tobytes())
    except OSError as err:
        raise UsageError(f"--out {path}: cannot write the file ({err.strerror or err}); check "
                         f"the path, its permissions and the free space") from err
    finally:
        raw.close()
        synth.delete()
    out_peak = min(peak * gain, 1.0)
    return {"frames": total, "seconds": total / rate, "music_seconds": end / rate,
            "peak": round(out_peak * 32767), "gain_db": 20 * np.log10(gain),
            "peak_dbfs": 20 * np.log10(max(out_peak, 1e-9))}
