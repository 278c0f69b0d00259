"""Offline render: the daemon's stream written to a standard MIDI file, faster than real time.

The notes come from the same :class:`~improv.performing.performer.Performer` the live daemon plays,
so a file rendered with a seed is what the daemon would have played with that seed.
Nothing depends on the clock or the machine, so the same seed gives the same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

import mido

from improv.errors import UsageError
from improv.files import atomic_write
from improv.performing.performer import BEATS_PER_BAR, Note

TICKS_PER_BEAT = 480  # divisible by 12: straight and triplet grid points are exact ticks


def _ticks(beat: float) -> int:
    return int(round(beat * TICKS_PER_BEAT))


def _track(name: str, notes: list[Note], end: float) -> mido.MidiTrack:
    events = []
    for note in notes:
        if note.start >= end:
            continue
        on, off = _ticks(note.start), _ticks(min(note.end, end))
        events.append((on, 1, note.pitch, mido.Message(
            "note_on", channel=note.channel - 1, note=note.pitch, velocity=note.velocity)))
        events.append((off, 0, note.pitch, mido.Message(
            "note_off", channel=note.channel - 1, note=note.pitch)))
    events.sort(key=lambda e: e[:3])  # at one tick: offs before ons, then by pitch
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name, time=0)])
    now = 0
    for tick, _, _, message in events:
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(0, _ticks(end) - now)))
    return track


def midi_file(notes: list[Note], *, tempo: float, bars: int) -> mido.MidiFile:
    """A type-1 file: a conductor track (tempo, 4/4), then melody, then comping if any."""
    end = float(bars * BEATS_PER_BAR)
    conductor = mido.MidiTrack([
        mido.MetaMessage("track_name", name="improv", time=0),
        mido.MetaMessage("time_signature", numerator=BEATS_PER_BAR, denominator=4, time=0),
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo), time=0),
        mido.MetaMessage("end_of_track", time=_ticks(end)),
    ])
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    midi.tracks.append(conductor)
    melody = [n for n in notes if n.part == "melody"]
    comping = [n for n in notes if n.part == "comping"]
    midi.tracks.append(_track("melody", melody, end))
    if comping:
        midi.tracks.append(_track("comping", comping, end))
    return midi


def check_target(path: Path | str) -> Path:
    """Refuse an output path that cannot be written, before any work is done."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"--out {path} is a directory: give a file name such as solo.mid")
    if not path.parent.is_dir():
        raise UsageError(f"--out {path}: the directory {path.parent} does not exist; "
                         f"create it or write elsewhere")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise UsageError(f"--out {path}: cannot write in {path.parent} (permission denied); "
                         f"write somewhere you may create files")
    return path


def write_midi(midi: mido.MidiFile, path: Path | str) -> Path:
    """Write ``midi`` to ``path`` whole or not at all (see :func:`improv.files.atomic_write`):
    an existing file is replaced only by a complete one."""
    path = check_target(path)
    try:
        with atomic_write(path, durable=True) as handle:
            midi.save(file=handle)
    except OSError as err:
        raise UsageError(f"--out {path}: cannot write the file ({err.strerror}); check the "
                         f"path, its permissions and the free space") from err
    return path


def render(performer, path: Path | str, *, tempo: float, bars: int) -> list[Note]:
    """Play ``bars`` bars from ``performer`` into a MIDI file at ``path``; return the notes."""
    if bars < 1:
        raise UsageError(f"--bars {bars} is not positive: render at least one bar")
    end = bars * BEATS_PER_BAR
    notes = [n for n in performer.advance(end) if n.start < end]
    write_midi(midi_file(notes, tempo=tempo, bars=bars), path)
    return notes
