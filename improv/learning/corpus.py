"""A MIDI file → a Piece: bars of one monophonic melody, the chords under it, and its values.

music21 is used here and only here (it reads and quantizes the MIDI to a grid of
sixteenths and triplets); everything after the read is plain arithmetic on Fractions,
so the bar, rest and chord logic is testable without a MIDI file.

* **Melody**: one line. Where the melody track plays several notes at once, the top
  note is kept; a note is cut where the next one starts; gaps are rests, split at bar
  lines, except gaps shorter than a sixteenth (articulation), which the note before
  absorbs. A note belongs to the bar it starts in.
* **Chords**: at every *attack* on the chord tracks (two or more notes starting
  together) the pitches sounding then, if they span three or more pitch classes, are
  named by :func:`improv.language.harmony.recognise_chord`. A lone note over a held chord is
  treated as a passing note, not a change of harmony. A bar without an attack keeps
  the chord sounding before it; the melody before the first attack is measured against
  the first chord.
* **Values**: :func:`improv.language.grammar.encode_line` over the whole piece, so phrases and
  interval ranges run across bar lines, then handed back to the bars note by note.

Tokenising takes seconds (music21), so a Piece is cached as JSON in the user cache dir
(see :mod:`improv.learning.piececache`); a second load of the same file and options is instant.
"""

from __future__ import annotations

import hashlib
import logging
import struct
from bisect import bisect_right
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from improv.errors import CorpusError
from improv.language import chordsymbols, grammar, harmony, melodyline
from improv.language.grammar import encode_line
from improv.language.harmony import Chord, parse_chord, recognise_chord
from improv.language.melodyline import monophonic_line
from improv.learning import piececache, tracks
from improv.learning.tracks import TrackInfo, choose_tracks, track_info

log = logging.getLogger(__name__)

# The code that decides what a value is: a change to any of it makes cached pieces stale.
_TOKENISER_SOURCES = (harmony.__file__, chordsymbols.__file__, grammar.__file__, tracks.__file__,
                      melodyline.__file__, __file__)
MIN_CHORD_CLASSES = 3  # pitch classes a simultaneity needs to name a chord


@dataclass(frozen=True)
class MelodyNote:
    """One melody event within its bar; ``pitch`` None is a rest. Quarter notes."""

    offset: float
    pitch: int | None
    duration: float

    @property
    def is_rest(self) -> bool:
        return self.pitch is None


@dataclass(frozen=True)
class Bar:
    """One bar: its chords (offset within the bar, chord sounding from there), its
    melody notes and their grammar values (one value per note, same order)."""

    index: int
    offset: float
    length: float
    chords: tuple[tuple[float, Chord], ...]
    notes: tuple[MelodyNote, ...]
    values: tuple[str, ...]

    def chord_at(self, offset: float) -> Chord:
        """The chord sounding at ``offset`` quarter notes into the bar."""
        starts = [o for o, _c in self.chords]
        return self.chords[max(0, bisect_right(starts, offset) - 1)][1]


@dataclass(frozen=True)
class Event:
    """A melody note in context, as the round trip and the decoder see it."""

    offset: float  # from the start of the piece
    pitch: int | None
    duration: float
    chord: Chord
    value: str
    previous: int | None  # the last pitched note before this one, phrases ignored


@dataclass(frozen=True)
class Piece:
    source: str
    sha256: str
    melody_track: str
    chord_tracks: tuple[str, ...]
    bars: tuple[Bar, ...]
    tracks: tuple[TrackInfo, ...] = ()
    tempo: float | None = None  # BPM, where the source says (a Weimar solo's median beat)

    def values(self) -> tuple[str, ...]:
        """Every value of the piece, in order."""
        return tuple(v for bar in self.bars for v in bar.values)

    @property
    def end(self) -> float:
        return self.bars[-1].offset + self.bars[-1].length if self.bars else 0.0

    def window(self, start_quarter: float = 0.0, end_quarter: float | None = None) -> tuple[Bar, ...]:
        """The bars that overlap ``[start_quarter, end_quarter)`` (quarter-note offsets)."""
        end = self.end if end_quarter is None else end_quarter
        return tuple(b for b in self.bars if b.offset < end and b.offset + b.length > start_quarter)

    def events(self, bars=None) -> tuple[Event, ...]:
        """The notes of ``bars`` (default: all) with chord, value and previous pitch; the
        previous pitch is tracked over the whole piece so a window keeps its context."""
        wanted = None if bars is None else {b.index for b in bars}
        out, previous = [], None
        for bar in self.bars:
            for note, value in zip(bar.notes, bar.values):
                if wanted is None or bar.index in wanted:
                    out.append(Event(bar.offset + note.offset, note.pitch, note.duration,
                                     bar.chord_at(note.offset), value, previous))
                if note.pitch is not None:
                    previous = note.pitch
        return tuple(out)

    # --- JSON (the cache format): chords by name, rebuilt with parse_chord ------------

    def to_dict(self) -> dict:
        return {
            "source": self.source, "sha256": self.sha256, "melody_track": self.melody_track,
            "chord_tracks": list(self.chord_tracks),
            "tracks": [[t.index, t.name, t.notes, t.onsets, t.simultaneities, t.median_pitch,
                        t.drums] for t in self.tracks],
            "bars": [{"index": b.index, "offset": b.offset, "length": b.length,
                      "chords": [[o, c.name] for o, c in b.chords],
                      "notes": [[n.offset, n.pitch, n.duration] for n in b.notes],
                      "values": list(b.values)} for b in self.bars],
            "tempo": self.tempo,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Piece":
        bars = []
        for b in data["bars"]:
            notes = tuple(MelodyNote(float(o), None if p is None else int(p), float(d))
                          for o, p, d in b["notes"])
            values = tuple(str(v) for v in b["values"])
            if len(notes) != len(values):
                raise ValueError(f"bar {b['index']} has {len(notes)} notes but {len(values)} values")
            bars.append(Bar(int(b["index"]), float(b["offset"]), float(b["length"]),
                            tuple((float(o), parse_chord(name)) for o, name in b["chords"]),
                            notes, values))
        tracks = tuple(TrackInfo(int(i), str(n), int(k), int(o), int(s), float(m), bool(d))
                       for i, n, k, o, s, m, d in data.get("tracks", []))
        tempo = data.get("tempo")
        return cls(str(data["source"]), str(data["sha256"]), str(data["melody_track"]),
                   tuple(str(t) for t in data["chord_tracks"]), tuple(bars), tracks,
                   None if tempo is None else float(tempo))


# --- pure building blocks (Fractions in, floats out) -----------------------------------

def chord_changes(notes) -> list[tuple[Fraction, Chord]]:
    """``(start, end, pitch)`` notes of the chord tracks → ``(offset, chord)`` at each
    attack whose sounding pitches name a chord, repeats of the same chord dropped."""
    notes = sorted(notes)
    attacks: dict[Fraction, int] = {}
    for start, _end, _pitch in notes:
        attacks[start] = attacks.get(start, 0) + 1
    changes: list[tuple[Fraction, Chord]] = []
    active: list[tuple[Fraction, int]] = []
    i = 0
    for t in sorted(s for s, count in attacks.items() if count >= 2):
        while i < len(notes) and notes[i][0] <= t:
            active.append((notes[i][1], notes[i][2]))
            i += 1
        active = [(end, p) for end, p in active if end > t]
        sounding = [p for _end, p in active]
        if len({p % 12 for p in sounding}) < MIN_CHORD_CLASSES:
            continue
        chord = recognise_chord(sounding)
        if not changes or changes[-1][1] != chord:
            changes.append((t, chord))
    return changes


def bar_grid(meters, end) -> list[tuple[Fraction, Fraction]]:
    """``(offset, bar length)`` of every bar from 0 until ``end``, following the time
    signatures ``(offset, bar length)`` in force at each bar line (4/4 before the first)."""
    meters = sorted((Fraction(o), Fraction(length)) for o, length in meters)
    if not meters or meters[0][0] > 0:
        meters.insert(0, (Fraction(0), Fraction(4)))
    starts = [o for o, _length in meters]
    bars, offset = [], Fraction(0)
    while offset < end or not bars:
        length = meters[bisect_right(starts, offset) - 1][1]
        bars.append((offset, length))
        offset += length
    return bars


def _split_rest(start, end, bar_starts):
    """A rest from ``start`` to ``end``, cut at every bar line inside it."""
    cuts = [s for s in bar_starts if start < s < end]
    edges = [start, *cuts, end]
    return [(a, None, b - a) for a, b in zip(edges, edges[1:])]


def build_bars(line, changes, grid) -> tuple[Bar, ...]:
    """Assemble bars from a monophonic ``line``, chord ``changes`` and a bar ``grid``."""
    if not changes:
        raise CorpusError("the chord tracks name no chord (no attack of three or more pitch "
                          "classes): pick other tracks with --chord-tracks")
    bar_starts = [o for o, _length in grid]
    end = grid[-1][0] + grid[-1][1]
    events, cursor = [], Fraction(0)
    for start, stop, pitch in line:
        if start > cursor:
            events += _split_rest(cursor, start, bar_starts)
        events.append((start, pitch, stop - start))
        cursor = stop
    if cursor < end:
        events += _split_rest(cursor, end, bar_starts)

    per_bar: list[list] = [[] for _ in grid]
    for event in events:
        per_bar[bisect_right(bar_starts, event[0]) - 1].append(event)

    chords_per_bar, current, k = [], changes[0][1], 0
    for offset, length in grid:
        inside = []
        while k < len(changes) and changes[k][0] < offset + length:
            inside.append((changes[k][0] - offset, changes[k][1]))
            k += 1
        chords: list[tuple[Fraction, Chord]] = []
        if not inside or inside[0][0] > 0:
            chords.append((Fraction(0), current))
        for at, chord in inside:
            if chords and chords[-1][1] == chord:
                continue
            chords.append((at, chord))
        chords_per_bar.append(tuple((float(o), c) for o, c in chords))
        current = chords[-1][1]

    bars = []
    for index, ((offset, length), items, chords) in enumerate(zip(grid, per_bar, chords_per_bar)):
        notes = tuple(MelodyNote(float(s - offset), p, float(d)) for s, p, d in items)
        bars.append(Bar(index, float(offset), float(length), chords, notes, ()))
    flat = [(n.pitch, n.duration, b.chord_at(n.offset)) for b in bars for n in b.notes]
    values = iter(str(v) for v in encode_line(flat))
    return tuple(replace(b, values=tuple(next(values) for _ in b.notes)) for b in bars)


# --- reading the file --------------------------------------------------------------------

def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise CorpusError(f"{path} does not exist: give the path of a MIDI file") from err
    except IsADirectoryError as err:
        raise CorpusError(f"{path} is a directory: give the path of a MIDI file") from err
    except OSError as err:
        raise CorpusError(f"cannot read {path} ({err.strerror}): check the path and "
                          f"its permissions") from err
    if not data.startswith(b"MThd"):
        raise CorpusError(f"{path} is not a MIDI file (no 'MThd' header): give a standard "
                          f"MIDI file (.mid)")
    return data


def _parse_midi(path: Path, melody=None, chords=None):
    """Read the file with music21: track summaries, the chosen tracks' quantized notes
    ``(start, end, pitch)`` as Fractions, and the time signatures."""
    from music21 import midi as m21midi  # slow import: only when the cache misses
    from music21.midi import translate

    mf = m21midi.MidiFile()
    try:
        mf.open(str(path))
        mf.read()
    except (m21midi.MidiException, ValueError, IndexError, KeyError, EOFError,
            struct.error) as err:
        raise CorpusError(f"{path} is not a readable MIDI file ({err}): give a standard "
                          f"MIDI file (.mid)") from err
    finally:
        mf.close()
    tpq = mf.ticksPerQuarterNote

    infos, meters = [], []
    for index, mt in enumerate(mf.tracks):
        timed = translate.getTimeForEvents(mt)
        for tick, obj in translate.getMetaEvents(timed):
            if type(obj).__name__ == "TimeSignature":
                meters.append((Fraction(tick, tpq), Fraction(obj.barDuration.quarterLength)))
        notes = translate.getNotesFromEvents(timed)
        name = next((e.data.decode("utf-8", "replace") for e in mt.events
                     if e.type == m21midi.MetaEvents.SEQUENCE_TRACK_NAME and e.data), "")
        infos.append(track_info(index, name, [(n.onTime, n.offTime, n.event.pitch) for n in notes],
                                [n.event.channel for n in notes], tolerance=tpq // 12))
    try:
        mel, chord_tracks = choose_tracks(infos, melody, chords)
    except CorpusError as err:
        raise CorpusError(f"{path}: {err}") from err

    def quantized(info: TrackInfo):
        part = translate.midiTrackToStream(mf.tracks[info.index], ticksPerQuarter=tpq)
        out = []
        for n in part.flatten().stripTies().notes:
            start = Fraction(n.offset)
            end = start + Fraction(n.quarterLength)
            out += [(start, end, p.midi) for p in getattr(n, "pitches", ())]
        return out

    melody_notes = quantized(mel)
    chord_notes = [n for t in chord_tracks for n in (melody_notes if t.index == mel.index else quantized(t))]
    return infos, mel, chord_tracks, melody_notes, chord_notes, meters


def tokenise(path: Path, data: bytes, melody=None, chords=None) -> Piece:
    """Parse and tokenise the whole file (slow: music21)."""
    infos, mel, chord_tracks, melody_notes, chord_notes, meters = _parse_midi(path, melody, chords)
    line = monophonic_line(melody_notes)
    if not line:
        raise CorpusError(f"{path}: the melody track {mel.describe()} has no notes: pick another "
                          f"with --melody-track")
    grid = bar_grid(meters, line[-1][1])
    try:
        bars = build_bars(line, chord_changes(chord_notes), grid)
    except CorpusError as err:
        raise CorpusError(f"{path}: {err}") from err
    return Piece(str(path), hashlib.sha256(data).hexdigest(), mel.label,
                 tuple(t.label for t in chord_tracks), bars, tuple(infos))


def _normalise(option):
    if option is None:
        return None
    return str(option).strip().casefold()


def load_piece(path, melody_track=None, chord_tracks=None, cache: bool = True) -> Piece:
    """Load the Piece of a MIDI file, from the cache when the same file (by content) was
    tokenised before with the same track options.

    ``melody_track``: index or name; ``chord_tracks``: a sequence of indices or names, or
    one comma-separated string; None guesses (see :mod:`improv.learning.tracks`).
    """
    path = Path(path)
    if isinstance(chord_tracks, str):
        chord_tracks = [c for c in chord_tracks.split(",") if c.strip()]
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    key = piececache.key(digest, {
        "melody": _normalise(melody_track),
        "chords": None if chord_tracks is None else [_normalise(c) for c in chord_tracks]},
        _TOKENISER_SOURCES)
    if cache:
        found = piececache.load(key)
        if found is not None:
            try:
                piece = Piece.from_dict(found)
                if piece.sha256 == digest:
                    log.debug("cache hit for %s", path)
                    return replace(piece, source=str(path))
            except (ValueError, KeyError, TypeError, IndexError) as err:
                log.info("ignoring a corrupted cache entry for %s (%s)", path, err)
    piece = tokenise(path, data, melody_track, chord_tracks)
    if cache:
        piececache.save(key, piece.to_dict())
    return piece
