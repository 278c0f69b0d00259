"""Recording a live take: everything improv played and everything it heard, as a MIDI file.

``--record FILE.mid`` keeps what the scheduler sent (each part on its own named track,
with its instrument) and what arrived on the input (the musician's notes, CCs and the
chords improv heard in them, on a track of their own), placed on the beats of the clock
the band followed: the conductor track carries that clock's tempo as it went, the
time signature and the chart's changes and sections as markers.

The threads that play and listen only append ``(time, bytes)`` to a deque (no lock, no
I/O); the main thread calls :meth:`Take.flush` every few seconds, which encodes what
came since and rewrites the whole file atomically (:func:`improv.files.atomic_write`),
so a crash or a kill loses at most that much and the file on disk is always whole.
Times are ``time.monotonic()`` seconds, the clock the scheduler and the input share.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import mido

from improv.files import atomic_write
from improv.midi.gm import program_name
from improv.rendering.midifile import TICKS_PER_BEAT, _chunk, _meta, _vlq

FLUSH_SECONDS = 2.0  # the most a crash can lose
MUSICIAN = "musician"  # the track of what improv heard


@dataclass
class _Track:
    name: str
    body: bytearray = field(default_factory=bytearray)
    tick: int = 0

    def add(self, tick: int, event: bytes) -> None:
        tick = max(tick, self.tick)  # a clock that stepped back never reorders a track
        self.body += _vlq(tick - self.tick) + event
        self.tick = tick

    def chunk(self) -> bytes:
        return _chunk(b"MTrk", bytes(self.body) + _vlq(0) + _meta(0x2F, b""))


class Take:
    """A take being recorded to ``path``; see the module doc for who calls what."""

    def __init__(self, path: Path | str, parts, beats_per_bar: int, *, span_at=None,
                 section_at=None, section_opens_at=None, key=None, chart_from: float = 0.0):
        """``parts``: the band's parts (name, channel, program); ``span_at`` /
        ``section_at`` / ``section_opens_at``: the chart, for its markers, from beat
        ``chart_from`` (after a count-in); ``key``: its
        :class:`~improv.language.keys.Key`, if it names one."""
        self._path = Path(path)
        self._metre = beats_per_bar
        self._chart = (span_at, section_at, section_opens_at)
        self._played: deque = deque()  # (time, bytes) from the scheduler's thread
        self._heard: deque = deque()  # (time, bytes) from the input thread
        self._conductor = _Track("improv")
        self._conductor.add(0, _meta(0x03, b"improv"))
        self._conductor.add(0, _meta(0x58, bytes([beats_per_bar, 2, 24, 8])))
        if key is not None:
            self._conductor.add(0, _meta(0x59, key.signature()))
        self._tracks: dict[int, _Track] = {}
        for part in sorted(parts, key=lambda p: bool(getattr(p, "leads_in", False))):
            if getattr(part, "leads_in", False) and part.channel in self._tracks:
                continue  # the count-in: on the track of the part it borrows a channel of
            track = self._tracks[part.channel] = _Track(part.name)
            track.add(0, _meta(0x03, part.name.encode("utf-8")))
            if part.program:
                track.add(0, _meta(0x04, program_name(part.program, part.channel).encode()))
        self._musician = _Track(MUSICIAN)
        self._musician.add(0, _meta(0x03, MUSICIAN.encode()))
        self._anchor: tuple[float, float] | None = None  # (time, beat) of the last tempo seen
        self._tempo: float | None = None
        self._marked = float(chart_from)  # the chart is marked up to this beat
        self._last_chord = None
        self.events = 0

    # --- any thread ------------------------------------------------------------------

    def played(self, t: float, message: mido.Message) -> None:
        """A message the band sent (the scheduler's thread: an append, nothing more)."""
        if not message.is_meta and hasattr(message, "channel"):
            self._played.append((t, message))

    def heard(self, t: float, data) -> None:
        """A message that arrived on the input (the input thread: an append)."""
        self._heard.append((t, bytes(data)))

    # --- the main thread -------------------------------------------------------------

    def tempo(self, t: float, beat: float, bpm: float) -> None:
        """The clock the band follows: at time ``t`` it stood at ``beat``, at ``bpm``.
        The first call anchors the take; later ones add tempo changes."""
        if self._anchor is None:
            self._anchor = (t, beat)
        elif abs(bpm - self._tempo) >= 0.05:
            self._encode()  # what came so far, at the tempo it came at
            self._anchor = (t, self.beat_at(t))  # the take's own beats run on, unbroken
        if self._tempo is None or abs(bpm - self._tempo) >= 0.05:
            self._tempo = bpm
            self._conductor.add(self._ticks(self._anchor[1]),
                                _meta(0x51, mido.bpm2tempo(bpm).to_bytes(3, "big")))

    def beat_at(self, t: float) -> float:
        start, beat = self._anchor
        return beat + (t - start) * self._tempo / 60.0

    def chord_heard(self, t: float, name: str) -> None:
        """The chord improv heard the musician hold, as a marker on their track."""
        self._heard.append((t, _meta(0x06, f"heard {name}".encode("utf-8"))))

    @staticmethod
    def _ticks(beat: float) -> int:
        return max(0, int(round(beat * TICKS_PER_BEAT)))

    def _mark_chart(self, until: float) -> None:
        span_at, section_at, opens_at = self._chart
        if span_at is None:
            return
        beat = self._marked
        while beat < until:
            span = span_at(beat)
            tick = self._ticks(beat)
            if beat % self._metre == 0 and opens_at is not None and opens_at(beat):
                self._conductor.add(tick, _meta(0x06, section_at(beat).encode("utf-8")))
            if span.chord != self._last_chord:
                self._conductor.add(tick, _meta(0x06, span.chord.name.encode("utf-8")))
                self._last_chord = span.chord
            bar_end = (beat // self._metre + 1) * self._metre
            beat = float(min(span.end, bar_end))
        self._marked = beat

    def flush(self, now: float) -> None:
        """Encode what came since the last flush and rewrite the file, whole."""
        if self._anchor is None:
            return
        self._encode()
        self._mark_chart(self.beat_at(now))
        tracks = [self._conductor, *self._tracks.values(), self._musician]
        header = _chunk(b"MThd", struct.pack(">HHH", 1, len(tracks), TICKS_PER_BEAT))
        with atomic_write(self._path, durable=True) as out:
            out.write(header)
            for track in tracks:
                out.write(track.chunk())

    def _encode(self) -> None:
        while self._played:
            t, message = self._played.popleft()
            track = self._tracks.get(message.channel + 1)
            if track is None:
                track = self._tracks[message.channel + 1] = _Track(f"channel {message.channel + 1}")
                track.add(0, _meta(0x03, track.name.encode()))
            track.add(self._ticks(self.beat_at(t)), bytes(message.bytes()))
            self.events += 1
        heard = []
        while self._heard:
            heard.append(self._heard.popleft())
        for t, data in sorted(heard, key=lambda e: e[0]):  # markers come from another thread
            if data and (0x80 <= data[0] < 0xF0 or data[0] == 0xFF):  # channel messages
                self._musician.add(self._ticks(self.beat_at(t)), data)  # and chords heard
                self.events += 1


class RecordingOutput:
    """The scheduler's output when a take is recorded: each message to the port, and
    the time it left to the take."""

    def __init__(self, output, take: Take, clock):
        self._output, self._take, self._clock = output, take, clock

    def send(self, message) -> None:
        self._output.send(message)
        self._take.played(self._clock(), message)
