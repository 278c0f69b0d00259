"""Offline render: the daemon's stream written to a standard MIDI file, faster than real time.

The notes come from the same :class:`~improv.band.ensemble.Ensemble` the live
daemon plays, so a file rendered with a seed is what the daemon would have played with
that seed. Nothing depends on the clock or the machine, so the same seed gives the same
bytes.

The file is streamed: the ensemble is asked for one bar at a time and each track's
events go to a temporary file as soon as no later note can precede them, so memory
stays flat however many bars are rendered. The tracks are then joined into the target
through :func:`improv.files.atomic_write` (whole or not at all).
"""

from __future__ import annotations

import heapq
import itertools
import shutil
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import mido

from improv.band.note import Note
from improv.errors import UsageError
from improv.files import atomic_write, check_output
from improv.midi.gm import program_name

TICKS_PER_BEAT = 480  # divisible by 12: straight and triplet grid points are exact ticks


def _ticks(beat: float) -> int:
    return int(round(beat * TICKS_PER_BEAT))


def _vlq(value: int) -> bytes:
    """A MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _meta(kind: int, data: bytes) -> bytes:
    return bytes([0xFF, kind]) + _vlq(len(data)) + data


def _chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack(">I", len(body)) + body


class TrackStream:
    """One track's events, written in time order to a temporary file as they become final.

    Events at one tick go note_offs first, then by pitch, so a repeated pitch is struck
    again rather than cut off by its predecessor's end.
    """

    def __init__(self, name: str, channel: int | None = None, program: int = 0):
        """At its start: the track's name and, for a part with a General MIDI program,
        the instrument's name and the program change, so a DAW opens it on the right
        instrument."""
        self._file = tempfile.TemporaryFile()
        self._pending: list = []
        self._order = itertools.count()
        self._now = 0
        self._length = 0
        self._write(0, _meta(0x03, name.encode("utf-8")))
        if channel is not None and program:
            self._write(0, _meta(0x04, program_name(program, channel).encode("utf-8")))
            self._write(0, bytes([0xC0 | (channel - 1), program - 1]))

    def _write(self, tick: int, event: bytes) -> None:
        data = _vlq(tick - self._now) + event
        self._file.write(data)
        self._length += len(data)
        self._now = tick

    def add(self, note: Note, end_tick: int) -> None:
        on, off = _ticks(note.start), min(_ticks(note.end), end_tick)
        channel = note.channel - 1
        heapq.heappush(self._pending, (on, 1, note.pitch, next(self._order),
                                       bytes([0x90 | channel, note.pitch, note.velocity])))
        heapq.heappush(self._pending, (off, 0, note.pitch, next(self._order),
                                       bytes([0x80 | channel, note.pitch, 64])))

    def flush(self, before_tick: int) -> None:
        """Write every event earlier than ``before_tick``: no later note can precede them."""
        while self._pending and self._pending[0][0] < before_tick:
            tick, _, _, _, event = heapq.heappop(self._pending)
            self._write(tick, event)

    def finish(self, end_tick: int) -> None:
        self.flush(end_tick + 1)
        self._write(max(end_tick, self._now), _meta(0x2F, b""))

    def copy_to(self, out) -> None:
        out.write(b"MTrk" + struct.pack(">I", self._length))
        self._file.seek(0)
        shutil.copyfileobj(self._file, out)

    def close(self) -> None:
        self._file.close()


@dataclass
class Rendered:
    """What a render produced: how many notes of each part (and the notes, if kept)."""

    counts: dict[str, int] = field(default_factory=dict)
    notes: list[Note] | None = None


def markers(ensemble, end: float) -> list[tuple[int, bytes]]:
    """(tick, marker event) for each section the chart enters and each chord change
    up to beat ``end``, from the chart's first bar (after a count-in): what a DAW's
    marker lane shows over the tracks."""
    out, beat, chord = [], getattr(ensemble, "lead_in", 0), None
    metre = ensemble.beats_per_bar
    while beat < end:
        span = ensemble.span_at(beat)
        tick = _ticks(float(beat))
        if beat % metre == 0 and ensemble.section_opens_at(beat):
            out.append((tick, _meta(0x06, ensemble.section_at(beat).encode("utf-8"))))
        if span.chord != chord:
            out.append((tick, _meta(0x06, span.chord.name.encode("utf-8"))))
        chord = span.chord
        bar_end = (beat // ensemble.beats_per_bar + 1) * ensemble.beats_per_bar
        beat = min(span.end, bar_end)  # a section may start in the middle of a long chord
    return out


def _conductor(tempo: float, end_tick: int, beats_per_bar: int,
               marks: list[tuple[int, bytes]] = (), key=None) -> bytes:
    # time signature: beats_per_bar/4 (denominator as a power of two), 24 clocks a beat
    body = (_vlq(0) + _meta(0x03, b"improv")
            + _vlq(0) + _meta(0x58, bytes([beats_per_bar, 2, 24, 8]))
            + _vlq(0) + _meta(0x51, mido.bpm2tempo(tempo).to_bytes(3, "big")))
    if key is not None:  # the chart's key: a DAW's score view sets its notation to it
        body += _vlq(0) + _meta(0x59, key.signature())
    now = 0
    for tick, event in marks:
        body += _vlq(tick - now) + event
        now = tick
    body += _vlq(end_tick - now) + _meta(0x2F, b"")
    return _chunk(b"MTrk", body)


MIDI_FILES = {".mid": "midi", ".midi": "midi"}


def check_target(path: Path | str) -> Path:
    """Refuse an output path that cannot or should not be written, before any work."""
    check_output(path, "--out", MIDI_FILES)
    return Path(path)


def render(ensemble, path: Path | str, *, tempo: float, bars: int,
           keep_notes: bool = False, key=None) -> Rendered:
    """Play ``bars`` bars from ``ensemble`` into a type-1 MIDI file at
    ``path``: a conductor track (tempo, the metre, ``key`` when the chart names one),
    then a track named after each part, in the ensemble's order: the first part's
    always, every other's if it played.
    A count-in comes before the ``bars`` (the ensemble's ``lead_in``)."""
    if bars < 1:
        raise UsageError(f"--bars {bars} is not positive: render at least one bar")
    path = check_target(path)
    metre = ensemble.beats_per_bar
    bars += int(getattr(ensemble, "lead_in", 0) // metre)
    end = bars * metre
    end_tick = _ticks(end)
    names = [part.name for part in ensemble.parts]
    result = Rendered(dict.fromkeys(names, 0), notes=[] if keep_notes else None)
    tracks = {part.name: TrackStream(part.name, part.channel, part.program)
              for part in ensemble.parts}
    try:
        for bar in range(1, bars + 1):
            until = bar * metre
            for note in ensemble.advance(until):
                if note.start < end:
                    tracks[note.part].add(note, end_tick)
                    result.counts[note.part] += 1
                    if keep_notes:
                        result.notes.append(note)
            for track in tracks.values():
                track.flush(_ticks(until))
        used = [tracks[name] for k, name in enumerate(names) if k == 0 or result.counts[name]]
        for track in used:
            track.finish(end_tick)
        header = _chunk(b"MThd", struct.pack(">HHH", 1, 1 + len(used), TICKS_PER_BEAT))
        try:
            with atomic_write(path, durable=True) as out:
                out.write(header + _conductor(tempo, end_tick, metre, markers(ensemble, end),
                                                   key))
                for track in used:
                    track.copy_to(out)
        except OSError as err:
            raise UsageError(f"--out {path}: cannot write the file ({err.strerror}); check "
                             f"the path, its permissions and the free space") from err
    finally:
        for track in tracks.values():
            track.close()
    return result
