"""A Weimar solo's notes as played and as written, in beats (pure, one loader).

Each transcribed note has two positions: where it sounds (its onset in seconds, turned
into beats between the beat-table onsets it falls between, as :mod:`improv.learning.wjd`
does) and where the transcription writes it (``(tatum - 1) / division`` of its beat).
:func:`solo_notes` reads both for every usable note, with its local tempo, and says how
its beat moves (:func:`grain`) and how long after the onset before it it comes
(:func:`lead_in`): the cells the time feel is learned in
(:mod:`improv.learning.feel.timefeel`) and drawn from (:mod:`improv.performance.timefeel`).

Only :func:`load_pair` reads files; everything else takes rows and returns numbers, so
the tests feed hand-made notes.
"""

from __future__ import annotations

import bisect
import csv
import math
import statistics
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from improv.errors import CorpusError
from improv.learning.writtenline import tatum_place, written_spans

GRID_DIVISIONS = (1, 2, 3, 4, 6, 12)  # beat divisions whose tatums are twelfths
WINDOW = 4  # beats either side whose median interval is a note's local tempo
STEADY = 0.6  # a beat interval under 0.6x or over 1/0.6x its neighbours' median is an error


@dataclass(frozen=True)
class Beats:
    """A solo's beat table: onsets (s) and the row of each (bar, beat)."""

    onsets: tuple[float, ...]
    index: dict  # (bar, beat) as written -> row


@dataclass(frozen=True)
class Timed:
    """One usable Weimar note as the learner sees it (positions in beats)."""

    on: float  # performed onset, beats from the solo's first marked beat
    off: float  # performed end
    pitch: int
    tempo: float  # BPM, the median of the beat intervals around it
    beat_seconds: float
    twelfth: int | None  # written place in its beat; None off the twelfth grid
    deviation: float | None  # performed - written, beats (None off the grid)
    division: int
    tatum: int
    beat: int = 0  # its beat's row in the beat table
    grain: int = 0  # how its beat moves around it: see grain()


def load_pair(melody: Path) -> tuple[list[dict], list[dict]]:
    """(beat rows, note rows) of one solo: ``melody/NAME.csv`` and ``beats/NAME.csv``."""
    melody = Path(melody)
    beats = melody.parent.parent / "beats" / melody.name
    try:
        with open(beats, newline="", encoding="utf-8") as fb, \
                open(melody, newline="", encoding="utf-8") as fm:
            return list(csv.DictReader(fb)), list(csv.DictReader(fm))
    except OSError as err:
        raise CorpusError(f"cannot read the solo {melody.name} ({err.strerror or err}): a "
                          f"Weimar solo is melody/NAME.csv with beats/NAME.csv beside it") from err


def beat_table(rows: list[dict]) -> Beats:
    index: dict = {}
    for k, row in enumerate(rows):
        index.setdefault((int(row["bar"]), int(row["beat"])), k)
    return Beats(tuple(float(r["onset"]) for r in rows), index)


def performed_beat(onsets, t: float) -> float:
    """Seconds to beats, linear between the marked beats (as the corpus reader does)."""
    k = min(max(bisect.bisect_right(onsets, t) - 1, 0), len(onsets) - 2)
    return k + (t - onsets[k]) / max(onsets[k + 1] - onsets[k], 1e-6)


def local_tempi(onsets) -> list[float]:
    """The median beat interval (s) around each beat: one bad tap does not move it."""
    gaps = [b - a for a, b in zip(onsets, onsets[1:])]
    return [statistics.median(gaps[max(0, k - WINDOW):k + WINDOW + 1]) for k in range(len(gaps))]


def solo_notes(beat_rows: list[dict], note_rows: list[dict],
               dropped: Counter | None = None) -> list[Timed]:
    """The notes of one solo the learner can use; each left out is counted in
    ``dropped`` by its reason (a missing column is a CorpusError)."""
    dropped = Counter() if dropped is None else dropped
    try:
        beats = beat_table(beat_rows)
        if len(beats.onsets) < 2:
            dropped["solo with fewer than two beats"] += len(note_rows)
            return []
        medians = local_tempi(beats.onsets)
        notes = []
        for row in note_rows:
            note = _timed(row, beats, medians, dropped)
            if note is not None:
                notes.append(note)
    except (KeyError, ValueError) as err:
        raise CorpusError(f"not a Weimar Jazz Database CSV pair ({err}): see "
                          f"../shared/corpus/README.md for the columns") from err
    return with_grains(sorted(notes, key=lambda n: (n.on, n.pitch)))


def _timed(row: dict, beats: Beats, medians: list[float], dropped: Counter) -> Timed | None:
    onsets = beats.onsets
    t, length = float(row["onset"]), float(row["duration"])
    if row.get("denom", "4").strip() not in ("", "4"):
        dropped["beat not a quarter note (denominator other than 4)"] += 1
        return None
    if not float(row["beatdur"]) > 0 or not length > 0:
        dropped["zero or negative beatdur or duration"] += 1
        return None
    if not onsets[0] <= t < onsets[-1]:
        dropped["outside the beat table"] += 1
        return None
    k = beats.index.get((int(row["bar"]), int(row["beat"])))
    if k is None or k >= len(medians):
        dropped["its (bar, beat) not in the beat table"] += 1
        return None
    interval = onsets[k + 1] - onsets[k]
    if not STEADY < interval / medians[k] < 1 / STEADY:
        dropped["its beat interval off its neighbours' (a tapping error)"] += 1
        return None
    on = performed_beat(onsets, t)
    off = max(performed_beat(onsets, t + length), on + 1 / 48)
    division, tatum = int(row["division"]), int(row["tatum"])
    twelfth = deviation = None
    if division in GRID_DIVISIONS and 1 <= tatum <= division:
        twelfth = (tatum - 1) * 12 // division
        deviation = on - (k + twelfth / 12)
        if abs(deviation) >= 0.5:
            dropped["over half a beat from its written place"] += 1
            return None
    return Timed(on, off, int(round(float(row["pitch"]))), 60.0 / medians[k], medians[k],
                 twelfth, deviation, division, tatum, k)


GRAINS = ("eighths", "triplets", "sixteenths")
# What leads into an onset: the written gap from the onset before, under 0.3 beat (a
# sixteenth or a sextuplet), under 0.45 (a triplet), or longer (an eighth and up), or a
# rest of the line (a quarter beat or more: a phrase's first note too). Over 280 BPM the
# players put a beat's first note 0.135 beat late after a sixteenth and 0.008 early
# after an eighth; the beat's own grain, read from its onsets, cannot see the beat
# before. At 150-220 BPM they come in after a rest a little ahead of where they sit
# after an eighth (an eighth's rest: 0.024 beat late, improv before the rest class 0.045).
# A rest under SHORT_REST beats is a breath inside the line, not a phrase's end: the
# players come in after one 0.00-0.04 beat early where after a longer one they come in
# 0.03-0.07 late (improv, with one rest class for both: 0.02-0.03 late after either).
LEAD_INS = ("sixteenth", "triplet", "longer", "short rest", "rest")
LEAD_IN_EDGES = (0.3, 0.45)  # beats
REST_LEAD = 0.25  # beats of rest before an onset that make its lead-in a rest
SHORT_REST = 0.75  # beats: a rest under this is a short one
LEGACY_LEADS = 3  # a table made before 2026-12-05: the lead-in's gap alone
# And what leads out of it: its written span, the time to the next onset unless a rest
# follows (the melody draws most onsets with the note before, before it knows whether a
# rest will follow). Over 190 BPM the players put a sixteenth three-quarters into the
# beat 0.022 beat late where the beat's note follows at once, 0.064 where the line goes
# on later; an off-beat eighth 0.057 late before another eighth, 0.091 before a longer
# note (measured by the gap to the next onset). A note a short rest follows is played
# later still: a sixteenth 0.087-0.124 beat late (0.022-0.026 before a sixteenth's
# note), where before a longer rest the players sit as before a note.
LEAD_OUTS = ("sixteenth", "triplet", "eighth", "longer", "short rest")
LEAD_OUT_EDGES = (0.3, 0.45, 0.55)  # beats
LEADS = len(LEAD_INS) * len(LEAD_OUTS)  # a cell's lead: lead-in and lead-out together
# a table made before the short rests (the first session of 2026-12-07): one rest
# class in, none out
PLAIN_LEADS = (len(LEAD_INS) - 1) * (len(LEAD_OUTS) - 1)


def grain(twelfths) -> int:
    """How a beat moves around a note, from the written places (twelfths) of the onsets
    in its beat that are known when the note is played: its own, the one before and the
    one after, where they fall in the same beat. 0: on the beat and its half only
    (eighths), 1: on triplets, 2: finer (sixteenths, sextuplets). Players sit far behind
    the grid in an eighth-note line and close to it in a run of sixteenths."""
    known = set(twelfths)
    if known <= {0, 6}:
        return 0
    if known <= {0, 4, 8}:
        return 1
    return 2


def is_short_rest(rest: float | None) -> bool:
    """Whether ``rest`` beats of rest (None: none) are a short one."""
    return rest is not None and REST_LEAD - 1e-9 <= rest < SHORT_REST - 1e-9


def lead_in(gap: float | None, rest: float | None = None) -> int:
    """The class in LEAD_INS of an onset ``gap`` beats (written) after the one before
    (None: no onset before it), or after ``rest`` beats of rest (``math.inf``: a rest
    of unknown length, or none before the phrase's first note)."""
    if rest is not None:
        return LEAD_INS.index("short rest" if is_short_rest(rest) else "rest")
    return len(LEAD_IN_EDGES) if gap is None else bisect.bisect_right(LEAD_IN_EDGES, gap)


def lead_out(gap_out: float | None) -> int:
    """The class in LEAD_OUTS of a note's span ``gap_out`` (None: not known, as longer)."""
    return len(LEAD_OUT_EDGES) if gap_out is None else bisect.bisect_right(LEAD_OUT_EDGES,
                                                                           gap_out)


def lead(gap_in: float | None, gap_out: float | None, rest: float | None = None,
         rest_out: float | None = None) -> int:
    """An onset's lead (0..LEADS-1): the :func:`lead_in` class of the written gap from
    the onset before (or ``rest`` beats of rest before it), with the class in LEAD_OUTS
    of a short rest after it (``rest_out`` beats of rest after its written end), else
    of ``gap_out``, its span (None: none known, counted as longer)."""
    out = LEAD_OUTS.index("short rest") if is_short_rest(rest_out) else lead_out(gap_out)
    return lead_in(gap_in, rest) * len(LEAD_OUTS) + out


def plain_lead(gap_in: float | None, gap_out: float | None, rest: float | None = None) -> int:
    """:func:`lead` as a table made before the short rests has it (PLAIN_LEADS cells):
    one rest class in, after the gaps' (none for a short rest), and none out."""
    inner = len(LEAD_IN_EDGES) + 1 if rest is not None else lead_in(gap_in)
    return inner * (len(LEAD_OUTS) - 1) + lead_out(gap_out)


def line_leads(places: list, notes: list[Timed]) -> tuple[list, list, list]:
    """Per note (at ``places``, its written place): the rest of the line (REST_LEAD
    beats or more) before it, past the written end of every note before it (``math.inf``
    for the first note; None: none); its lead-out, as the melody knows it when it draws
    the onset: its written span in the line
    (:func:`improv.learning.writtenline.written_spans`), or for a note the line leaves
    out the gap to the next place (None: the last); and the rest after its written end
    before the line's next note (None: none, or a note the line leaves out)."""
    line = written_spans([(p, n.off - n.on, n.pitch) for p, n in zip(places, notes)])
    end_of = {i: end for _start, end, i in line}
    after_of = {i: later[0] - end for (_s, end, i), later in zip(line, line[1:])
                if later[0] - end >= REST_LEAD - 1e-9}
    rests, spans, afters, last = [], [], [], None
    for k, place in enumerate(places):
        rests.append(math.inf if last is None else
                     float(place - last) if place - last >= REST_LEAD - 1e-9 else None)
        if k in end_of:
            spans.append(end_of[k] - place)
        else:
            later = next((p for p in places[k + 1:] if p > place), None)
            spans.append(None if later is None else later - place)
        after = after_of.get(k)
        afters.append(None if after is None else float(after))
        end = end_of.get(k, place)
        last = end if last is None else max(last, end)
    return rests, spans, afters


def with_grains(notes: list[Timed]) -> list[Timed]:
    """``notes`` (in onset order), each with the grain of its beat as improv can know
    it: from itself and its neighbours in the same beat (one off the grid: finest)."""
    out = []
    for k, n in enumerate(notes):
        if n.twelfth is None:
            out.append(n)
            continue
        places = [n.twelfth]
        for other in (notes[k - 1] if k else None, notes[k + 1] if k + 1 < len(notes) else None):
            if other is not None and other.beat == n.beat:
                places.append(-1 if other.twelfth is None else other.twelfth)
        out.append(replace(n, grain=grain(places)))
    return out


def written_place(note: Timed) -> float:
    """Where the transcription writes a note, in beats (as played where it does not)."""
    place = tatum_place(note.beat, note.tatum, note.division)
    return note.on if place is None else place
