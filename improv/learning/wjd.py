"""Reading a Weimar Jazz Database solo: its notes in beats, and the chord of every beat.

The database gives note onsets and durations in seconds and, in the beats file, the
onset of every beat with its bar, position and chord (written where it changes). Times
are turned into beats by interpolating between the beat onsets the transcribers
marked, so a solo's rubato and drift stay out of the rhythm: a note halfway between
two beats is at .5 whatever the tempo there. Bars begin where ``beat`` is 1.

The CSV layout is described in ``../shared/corpus/README.md``. Plain ``csv`` parsing,
no music21: reading all 456 solos takes a few seconds.

:func:`load_solo_piece` makes of a solo the same :class:`~improv.learning.corpus.Piece`
(bars, notes, chords, values) the MIDI reader makes of a file, with the same building
blocks: the top line of the notes at the places the transcription writes them (its
tatums, snapped onto the values' grid by :mod:`improv.learning.writtenline`; the timing
as played is the time feel's to learn), bars where the beat track says a bar begins (so 3/4 and other metres are bars of their own
length; a pickup before the first bar line is a short bar of its own), cached by the
content of both CSV files like the MIDI corpus.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import logging
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from improv.errors import ChordError, CorpusError
from improv.language import chordsymbols, grammar, harmony, melodyline
from improv.language.harmony import NO_CHORD, Chord, parse_chord
from improv.learning import corpus, piececache, writtenline
from improv.learning.corpus import Piece, build_bars
from improv.learning.writtenline import tatum_place, written_line

log = logging.getLogger(__name__)

_SOURCES = (harmony.__file__, chordsymbols.__file__, grammar.__file__, melodyline.__file__,
            corpus.__file__, writtenline.__file__, __file__)


@dataclass(frozen=True)
class SoloNote:
    """A note of a solo: onset and length in beats from the solo's first marked beat,
    as played, and where the transcription writes it (None: its beat is not marked)."""

    on: float
    length: float
    pitch: int
    written: Fraction | None = None


@dataclass(frozen=True)
class Solo:
    name: str
    notes: tuple[SoloNote, ...]
    chords: tuple[Chord, ...]  # the chord of each beat (index = beat number)
    bar_starts: tuple[int, ...]  # beat numbers where a bar begins
    beats_per_bar: int
    tempo: float | None = None  # BPM: 60 over the median beat interval

    def chord_at(self, beat: float) -> Chord:
        k = min(max(int(beat), 0), len(self.chords) - 1)
        return self.chords[k]


def _rows(path: Path) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError as err:
        raise CorpusError(f"cannot read {path}: {err}") from err


def read_rows(path: Path) -> list[dict]:
    """The rows of one CSV table (a solo's melody or beats), as dicts by column name;
    CorpusError naming the file when it cannot be read."""
    return _rows(Path(path))


def beats_path(melody: Path) -> Path:
    """The beats CSV of a solo: ``beats/NAME.csv`` beside its ``melody/NAME.csv``."""
    melody = Path(melody)
    return melody.parent.parent / "beats" / melody.name


def read_solo(melody: Path, beats: Path | None = None) -> Solo:
    """One solo from its melody CSV (and the beats CSV of the same name beside it in
    ``../beats``). Raises CorpusError naming the file when a column is missing."""
    melody = Path(melody)
    beats = Path(beats) if beats is not None else melody.parent.parent / "beats" / melody.name
    beat_rows, note_rows = _rows(beats), _rows(melody)
    try:
        onsets = [float(r["onset"]) for r in beat_rows]
        chords, current = [], NO_CHORD
        for r in beat_rows:
            if r["chord"].strip():
                try:
                    current = parse_chord(r["chord"])
                except ChordError:
                    current = NO_CHORD
            chords.append(current)
        bar_starts = tuple(k for k, r in enumerate(beat_rows) if r["beat"].strip() == "1")
        per_bar = max((int(r["beat"]) for r in beat_rows), default=4)
        rows_of = {}
        for k, r in enumerate(beat_rows):
            rows_of.setdefault((r["bar"].strip(), r["beat"].strip()), k)
        notes = []
        for r in note_rows:
            on = _beat(onsets, float(r["onset"]))
            off = _beat(onsets, float(r["onset"]) + float(r["duration"]))
            notes.append(SoloNote(on, max(off - on, 1 / 12), int(round(float(r["pitch"]))),
                                  _written(r, rows_of)))
    except (KeyError, ValueError) as err:
        raise CorpusError(f"{melody.name}: not a Weimar Jazz Database CSV pair ({err}): see "
                          f"../shared/corpus/README.md for the columns") from err
    if len(onsets) < 2:
        raise CorpusError(f"{beats}: fewer than two beats")
    gaps = sorted(b - a for a, b in zip(onsets, onsets[1:]))
    median = gaps[len(gaps) // 2]
    return Solo(melody.stem, tuple(notes), tuple(chords), bar_starts, per_bar,
                60.0 / median if median > 0 else None)


def _written(row: dict, rows_of: dict) -> Fraction | None:
    """Where the transcription writes a note, in beats: its beat's row plus its tatum's
    share of the beat; None when its beat is not in the beat table or its tatum is off."""
    k = rows_of.get((row.get("bar", "").strip(), row.get("beat", "").strip()))
    try:
        tatum, division = int(row["tatum"]), int(row["division"])
    except (KeyError, ValueError):
        return None
    return None if k is None else tatum_place(k, tatum, division)


def _beat(onsets: list[float], t: float) -> float:
    """Seconds to beats, linear between the marked beats (extrapolated at the ends)."""
    k = min(max(bisect.bisect_right(onsets, t) - 1, 0), len(onsets) - 2)
    return k + (t - onsets[k]) / max(onsets[k + 1] - onsets[k], 1e-6)


def solo_paths(root: Path) -> list[Path]:
    """Every melody CSV under a ``wjazzd`` folder, sorted by name."""
    return sorted((Path(root) / "melody").glob("*.csv"))


def is_folder(path: Path) -> bool:
    """Whether ``path`` is a Weimar folder (``melody/`` and ``beats/`` inside)."""
    path = Path(path)
    return (path / "melody").is_dir() and (path / "beats").is_dir()


def solo_line(solo: Solo) -> list[tuple[Fraction, Fraction, int]]:
    """The solo's written line, ``(start, end, pitch)`` in beats from its first marked
    beat: each note where the transcription writes it (as played where its beat is not
    marked), on the values' grid (:func:`improv.learning.writtenline.written_line`)."""
    return written_line([(n.on if n.written is None else n.written, n.length, n.pitch)
                         for n in solo.notes])


def solo_piece(solo: Solo, source: str, sha256: str) -> Piece:
    """A read solo as the bars and values the MIDI reader makes."""
    if not solo.bar_starts:
        raise CorpusError(f"{source}: the beat track marks no bar line (beat 1)")
    starts = list(solo.bar_starts)
    if starts[0] > 0:
        starts.insert(0, 0)  # the pickup: a short bar of its own
    lengths = [b - a for a, b in zip(starts, starts[1:])] + [solo.beats_per_bar]
    grid = [(Fraction(a), Fraction(n)) for a, n in zip(starts, lengths)]
    end = grid[-1][0] + grid[-1][1]
    line = [(a, min(b, end), p) for a, b, p in solo_line(solo) if 0 <= a < end]
    changes, last = [], None
    for beat, chord in enumerate(solo.chords):
        if chord != last:
            changes.append((Fraction(beat), chord))
            last = chord
    bars = build_bars(line, changes, grid)
    return Piece(source, sha256, "wjazzd melody", ("wjazzd beats",), bars, tempo=solo.tempo)


def load_solo_piece(melody: Path, cache: bool = True) -> Piece:
    """The Piece of one Weimar solo (its melody CSV; the beats CSV beside it)."""
    melody = Path(melody)
    beats = melody.parent.parent / "beats" / melody.name
    try:
        data = melody.read_bytes() + b"\0" + beats.read_bytes()
    except OSError as err:
        raise CorpusError(f"cannot read the solo {melody.name} ({err.strerror or err}): a "
                          f"Weimar solo is melody/NAME.csv with beats/NAME.csv beside it") from err
    digest = hashlib.sha256(data).hexdigest()
    key = piececache.key(digest, {"reader": "wjazzd"}, _SOURCES)
    if cache:
        found = piececache.load(key)
        if found is not None:
            try:
                return replace(Piece.from_dict(found), source=str(melody))
            except (ValueError, KeyError, TypeError, IndexError) as err:
                log.info("ignoring a corrupted cache entry for %s (%s)", melody, err)
    piece = solo_piece(read_solo(melody, beats), str(melody), digest)
    if cache:
        piececache.save(key, piece.to_dict())
    return piece


def solo_chart(solo: Solo, bars: int | None = None):
    """The changes of ``solo`` as a lead-sheet chart in its most common bar length, from
    its first bar line (at most ``bars`` bars): what improv plays over to be compared
    with it. None where the solo marks no bar."""
    from collections import Counter

    from improv.language.leadsheet import Chart, ChartBar

    starts = solo.bar_starts[:None if bars is None else bars]
    if not starts:
        return None
    lengths = [b - a for a, b in zip(solo.bar_starts, solo.bar_starts[1:])]
    metre = Counter(lengths).most_common(1)[0][0] if lengths else solo.beats_per_bar
    out = []
    for a in starts:
        chords = [solo.chord_at(a + beat) for beat in range(metre)]
        out.append(ChartBar(tuple((Fraction(beat), chord) for beat, chord in enumerate(chords)
                                  if beat == 0 or chord != chords[beat - 1])))
    return Chart(tuple(out), metre, title=solo.name, tempo=solo.tempo)
