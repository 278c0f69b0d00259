"""Write small MIDI files with mido for tests (no third-party data needed)."""

from __future__ import annotations

from dataclasses import dataclass, field

import mido


@dataclass
class Track:
    """A track to write: notes are ``(start, duration, pitch)`` in quarter notes."""

    name: str
    channel: int  # 0-based as mido counts; 9 is the drum channel
    notes: list = field(default_factory=list)


def write_midi(path, tracks, ticks_per_beat: int = 480, time_signature=(4, 4), tempo_bpm=120):
    """Write a type-1 MIDI file: a conductor track, then one track per ``Track``."""
    mid = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("time_signature", numerator=time_signature[0],
                                      denominator=time_signature[1], time=0))
    conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo_bpm), time=0))
    mid.tracks.append(conductor)
    for track in tracks:
        mt = mido.MidiTrack()
        mt.append(mido.MetaMessage("track_name", name=track.name, time=0))
        events = []
        for start, duration, pitch in track.notes:
            on = round(start * ticks_per_beat)
            off = round((start + duration) * ticks_per_beat)
            events.append((on, 1, mido.Message("note_on", channel=track.channel, note=pitch,
                                               velocity=90)))
            events.append((off, 0, mido.Message("note_off", channel=track.channel, note=pitch,
                                                velocity=0)))
        now = 0
        for tick, _order, msg in sorted(events, key=lambda e: (e[0], e[1])):
            mt.append(msg.copy(time=tick - now))
            now = tick
        mid.tracks.append(mt)
    mid.save(str(path))
    return path


def block(start, duration, pitches):
    """Notes of one chord struck together."""
    return [(start, duration, p) for p in pitches]
