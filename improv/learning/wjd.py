"""Reading a Weimar Jazz Database solo: its notes in beats, and the chord of every beat.

The database gives note onsets and durations in seconds and, in the beats file, the
onset of every beat with its bar, position and chord (written where it changes). Times
are turned into beats by interpolating between the beat onsets the transcribers
marked, so a solo's rubato and drift stay out of the rhythm: a note halfway between
two beats is at .5 whatever the tempo there. Bars begin where ``beat`` is 1.

The CSV layout is described in ``../shared/corpus/README.md``. Plain ``csv`` parsing,
no music21: reading all 456 solos takes a few seconds.
"""

from __future__ import annotations

import bisect
import csv
from dataclasses import dataclass
from pathlib import Path

from improv.errors import ChordError, CorpusError
from improv.language.harmony import NO_CHORD, Chord, parse_chord


@dataclass(frozen=True)
class SoloNote:
    """A note of a solo: onset and length in beats from the solo's first marked beat."""

    on: float
    length: float
    pitch: int


@dataclass(frozen=True)
class Solo:
    name: str
    notes: tuple[SoloNote, ...]
    chords: tuple[Chord, ...]  # the chord of each beat (index = beat number)
    bar_starts: tuple[int, ...]  # beat numbers where a bar begins
    beats_per_bar: int

    def chord_at(self, beat: float) -> Chord:
        k = min(max(int(beat), 0), len(self.chords) - 1)
        return self.chords[k]


def _rows(path: Path) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError as err:
        raise CorpusError(f"cannot read {path}: {err}") from err


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
        notes = []
        for r in note_rows:
            on = _beat(onsets, float(r["onset"]))
            off = _beat(onsets, float(r["onset"]) + float(r["duration"]))
            notes.append(SoloNote(on, max(off - on, 1 / 12), int(round(float(r["pitch"])))))
    except (KeyError, ValueError) as err:
        raise CorpusError(f"{melody.name}: not a Weimar Jazz Database CSV pair ({err}): see "
                          f"../shared/corpus/README.md for the columns") from err
    if len(onsets) < 2:
        raise CorpusError(f"{beats}: fewer than two beats")
    return Solo(melody.stem, tuple(notes), tuple(chords), bar_starts, per_bar)


def _beat(onsets: list[float], t: float) -> float:
    """Seconds to beats, linear between the marked beats (extrapolated at the ends)."""
    k = min(max(bisect.bisect_right(onsets, t) - 1, 0), len(onsets) - 2)
    return k + (t - onsets[k]) / max(onsets[k + 1] - onsets[k], 1e-6)


def solo_paths(root: Path) -> list[Path]:
    """Every melody CSV under a ``wjazzd`` folder, sorted by name."""
    return sorted((Path(root) / "melody").glob("*.csv"))
