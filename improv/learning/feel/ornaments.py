"""Grace notes, runs and quick notes as the Weimar players play them (pure): the
tables :mod:`improv.performance.ornaments` draws from (``grace``, ``run`` and ``quick``
in ``data/feel/wjazzd.json``, beside the time feel of :mod:`improv.learning.feel.
timefeel`).

Quick notes: of the players' notes under QUICK_MOST beat before the next onset (mostly
graces and the notes of runs), a sixth sound right up to the next, the median 0.89 of
the time, one in ten under 0.71; improv held its graces to their notes and its runs'
notes a fixed 0.9 (97% of them 0.85 or more). ``quick`` keeps the shares as quantiles.
"""

from __future__ import annotations

import numpy as np

from improv.language.context import TEMPO_EDGES
from improv.learning.feel.cells import band_of, quantiles
from improv.learning.timednotes import Timed, written_place
from improv.learning.writtenline import written_spans

# Grace notes: a note sounding under GRACE_MOST beat before the next, alone (the notes
# either side further apart), is a grace to that next note; a note GRACE_ROOM beat or
# more after the one before it has room for one. Under 110 BPM the players put one
# before 6.3% of the notes with room, from 150 BPM hardly any: improv's shortest value,
# a sixth of a beat, could not.
GRACE_MOST = 0.1
GRACE_ROOM = 0.25
GRACE_WIDEST = 7  # semitones from the grace to its note, at most (wider: a leap, no grace)
MIN_GRACES = 50  # graces a band needs for its own leads; fewer: all tempos pooled
# Runs: where the line (one note per place on the values' grid) keeps one note of a run
# of 32nds or quicker, the notes it leaves out. Their own tempo bands: under 80 BPM the
# players run through a sextuplet in two notes 19% of the time, at 80-150 far less.
RUN_EDGES = (80.0, 110.0, 150.0, 190.0)
RUN_SPANS = (2, 3, 4)  # twelfths: a line note this long may stand for a run
RUN_MOST = 3  # notes a line note stands for beyond itself, at most counted
RUN_WIDEST = 6  # semitones a step inside a run is counted as, at most
# semitones from a line note to the next it may run to: a step of RUN_WIDEST and the
# performer's landing (improv.performance.ornaments.RUN_LANDS); a wider leap is no
# chance for a run, here as in the performer
RUN_REACH = 10
MIN_RUNS = 50  # runs the corpus needs for a table of them; fewer: none played
MIN_AFTER = 30  # line notes right after a run a cell needs for its own rate after one
QUICK_MOST = 0.1  # beats to the next onset: a note that quick is a grace's or a run's
MIN_QUICK = 200  # quick notes the corpus needs for their table; fewer: none


def graces(notes: list[Timed]) -> list[tuple[float, float | None, int]]:
    """(tempo, lead, interval) of each note with room for a grace (``notes`` in onset
    order): ``lead`` the beats from its grace's onset to its own (None: none), the
    interval from the grace up to it in semitones."""
    on = [n.on for n in notes]
    gap = [b - a for a, b in zip(on, on[1:])]  # gap[k]: from note k to note k + 1

    def short(k):
        return 0 <= k < len(gap) and gap[k] < GRACE_MOST

    out = []
    for k, note in enumerate(notes):
        if short(k):  # a grace, or inside a run of quick notes: no note to grace
            continue
        grace = short(k - 1) and gap[k - 1] > 0 and not short(k - 2)  # 0: a double stop
        before = k - 2 if grace else k - 1
        if before < 0 or on[k] - on[before] < GRACE_ROOM:
            continue
        interval = note.pitch - notes[k - 1].pitch
        if grace and not 0 < abs(interval) <= GRACE_WIDEST:
            continue  # a repeat or a leap: not an ornament of this note
        out.append((note.tempo, gap[k - 1] if grace else None, interval if grace else 0))
    return out


def grace_table(solos: list[list[Timed]], edges=TEMPO_EDGES) -> dict:
    """How often, by tempo band, a note with room takes a grace; the grace's lead
    (quantiles, beats) and its interval to the note (shares, all tempos pooled)."""
    bands = len(edges) + 2  # the last: all tempos
    seen, leads, intervals = np.zeros(bands), [[] for _ in range(bands)], []
    for notes in solos:
        for tempo, lead, interval in graces(notes):
            for band in (band_of(tempo, edges), bands - 1):
                seen[band] += 1
                if lead is not None:
                    leads[band].append(lead)
            if lead is not None:
                intervals.append(interval)
    steps = [i for i in range(-GRACE_WIDEST, GRACE_WIDEST + 1) if i]
    counts = [intervals.count(i) for i in steps]
    return {"unit": "a note GRACE_ROOM beats or more after the one before takes a grace "
                    "at rate[band]; lead: beats from the grace's onset to the note's, "
                    "null: fewer than min_graces in the band; interval: from the grace "
                    "up to its note, all tempos",
            "most": GRACE_MOST, "room": GRACE_ROOM, "min_graces": MIN_GRACES,
            "rate": [round(float(len(lead) / n), 5) if n else 0.0 for lead, n in zip(leads, seen)],
            "notes": [int(n) for n in seen], "graces": [len(lead) for lead in leads],
            "lead": [quantiles(lead, digits=3) if len(lead) >= MIN_GRACES else None
                     for lead in leads],
            "interval": steps,
            "share": [round(c / max(sum(counts), 1), 4) for c in counts]}


def runs(notes: list[Timed]) -> list[tuple[float, int, list[int], bool]]:
    """(tempo, span in twelfths, pitches, follows) of each line note but the last
    (:func:`articulations`' line): whether the next follows at once (no rest between),
    and the pitches: its own, those of the notes the line leaves out after it (written
    after it, before the next line note; none where a rest comes between) and the next
    line note's."""
    line = written_spans([(written_place(n), n.off - n.on, n.pitch) for n in notes])
    out = []
    for (start, end, index), (following, _, after) in zip(line, line[1:]):
        note, here, there = notes[index], written_place(notes[index]), written_place(notes[after])
        follows = following == end  # else a rest between: no run into the next note
        left_out = [n.pitch for n in notes[index + 1:after]
                    if follows and here < written_place(n) < there]
        out.append((note.tempo, round((end - start) * 12),
                    [note.pitch, *left_out, notes[after].pitch], follows))
    return out


def run_table(solos: list[list[Timed]]) -> dict | None:
    """By the runs' own tempo bands and the line note's span: the share of line notes
    that stand for 1, 2 or RUN_MOST or more notes beyond themselves, after a line note
    that did not (``rate``) and right after one that did (``after``: a player's run of
    twelfths or 32nds goes on through several line notes); the steps inside the runs as
    shares, signed so that + heads toward the next note (a repeated next note: + is
    up), the step into that note left out (the performer lands there on its own). Only
    line notes the next lies within RUN_REACH semitones of count. None: under MIN_RUNS
    runs."""
    bands = len(RUN_EDGES) + 1
    seen = np.zeros((2, bands, len(RUN_SPANS)))  # [after a run?][band][span]
    more = np.zeros((2, bands, len(RUN_SPANS), RUN_MOST))
    steps = np.zeros(2 * RUN_WIDEST + 1)
    for notes in solos:
        ran = 0  # the line note before this one stood for more notes, and led into it
        for tempo, span, pitches, follows in runs(notes):
            was, ran = ran, 0
            if not follows or span not in RUN_SPANS or abs(pitches[-1] - pitches[0]) > RUN_REACH:
                continue
            band, k = band_of(tempo, RUN_EDGES), RUN_SPANS.index(span)
            seen[was, band, k] += 1
            if len(pitches) > 2:
                ran = 1
                more[was, band, k, min(len(pitches) - 2, RUN_MOST) - 1] += 1
                toward = 1 if pitches[-1] >= pitches[0] else -1
                for a, b in zip(pitches[:-2], pitches[1:-1]):
                    steps[RUN_WIDEST + int(np.clip(toward * (b - a), -RUN_WIDEST, RUN_WIDEST))] += 1
    if more.sum() < MIN_RUNS:
        return None
    rate = more / np.maximum(seen, 1)[..., None]
    # a cell with too few runs after a run to say: the fresh rate
    after = np.where(seen[1][..., None] >= MIN_AFTER, rate[1], rate[0])
    return {"unit": "rate[band][span][k]: the share of line notes of spans[span] twelfths "
                    "another follows at once that stand for k + 1 notes more (the last: "
                    "most or more), by tempo band (edges, BPM); step: semitones inside a "
                    "run, + toward the note after it, with share; after: the same rates "
                    "right after a line note that stood for more; reach: semitones to "
                    "the next note, at most, for a line note to count",
            "edges": list(RUN_EDGES), "spans": list(RUN_SPANS), "most": RUN_MOST,
            "reach": RUN_REACH,
            "rate": np.round(rate[0], 4).tolist(), "notes": seen[0].astype(int).tolist(),
            "after": np.round(after, 4).tolist(), "notes_after": seen[1].astype(int).tolist(),
            "step": list(range(-RUN_WIDEST, RUN_WIDEST + 1)),
            "share": np.round(steps / max(steps.sum(), 1), 4).tolist()}


def quick_table(solos: list[list[Timed]]) -> dict | None:
    """The share of its time to the next onset a note sounds, as quantiles, over the
    notes under QUICK_MOST beat before the next (all tempos pooled; a double stop, no
    time apart, left out). None: under MIN_QUICK of them."""
    shares = [min((n.off - n.on) / (b.on - n.on), 1.0)
              for notes in solos for n, b in zip(notes, notes[1:])
              if 0 < b.on - n.on < QUICK_MOST and n.off > n.on]
    if len(shares) < MIN_QUICK:
        return None
    return {"unit": "sounds: the share of its time to the next onset a note under most "
                    "beats before it sounds, quantiles at the table's levels",
            "most": QUICK_MOST, "notes": len(shares), "sounds": quantiles(shares, digits=3)}
