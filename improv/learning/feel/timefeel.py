"""Time feel and articulation learned from the Weimar Jazz Database (pure).

Each transcribed note has two positions, where it sounds and where the transcription
writes it (:mod:`improv.learning.timednotes` reads both). The model's values land on
the written grid of sixteenths and sextuplets, not on the performed one, so what improv
lacks is the difference: how far, by tempo and by place
in the beat, players sit from the written position. That is learned here as quantiles
of the deviation per (tempo band, written twelfth of the beat, grain: whether the beat
moves in eighths, triplets or sixteenths, lead: how long after the onset before it, or
after a rest, and how long the note is written),
the swing ratio and the lay-back being two readings of it.

Articulation is the share of the time to the next onset, as played, that a note
sounds, by tempo band, by the span the note gets in the corpus the model was trained
on (:func:`improv.learning.writtenline.written_spans`: the written places on the
values' grid, a gap shorter than a quarter beat belonging to the note before it), which
is the span improv's values give a note, and by how far that time is stretched against
the span as played (STRETCH_EDGES);
a note a rest follows is measured against its own span, in cells of its own: where a
rest is written, the transcription's note length is what the player sounded, so those
notes sound nearly all of it, and pooled with the notes that run on they would leave
improv's rests longer than the players'.

Everything here takes notes and returns numbers, so the tests feed hand-made notes.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from improv.language.context import TEMPO_EDGES
from improv.learning.feel.cells import LEVELS, band_names, band_of, levels, quantiles  # noqa: F401
from improv.learning.feel import drift
from improv.learning.feel.feelstyles import STYLE_NOTES, in_beat_steps, lead_out_steps, \
    normal_scores, \
    rank_levels, serial, styles
from improv.learning.feel.ornaments import grace_table, quick_table, run_table
from improv.learning.timednotes import (
    GRAINS,
    LEAD_IN_EDGES,
    LEAD_INS,
    LEAD_OUT_EDGES,
    LEAD_OUTS,
    LEADS,
    Timed,
    lead,
    line_leads,
    written_place,
)
from improv.learning.writtenline import written_spans

SPAN_EDGES = (0.3, 0.4, 0.6, 0.9, 1.5)  # beats: 1/4 | 1/3 | 1/2 | 2/3, 3/4 | 1, 4/3 | longer
# A note another follows: the time to the next onset as played over its written span
# (its stretch). The players' notes do not sound a share of that time independent of
# it: a swung eighth's longer gap keeps less of its length's growth (the log of an
# eighth's sounding length grows 0.76-0.83 as fast as the log of its gap, by tempo),
# where a share drawn alone grows it all, and spread an eighth's sounding length more
# (the log's sd 0.21-0.23 against the players' 0.18-0.21). So the shares are kept by
# stretch too.
STRETCH_EDGES = (0.85, 0.95, 1.05, 1.15)
MIN_CELL = 200  # notes a cell needs; fewer and it falls back to all tempos pooled
# two onsets inside a beat: (twelfth of the later, twelfths between them)
STEP_CELLS = [(t, g) for t in range(1, 12) for g in range(1, t + 1)]
RATIO_RANGE = (0.05, 1.0)
# A note a rest follows may sound past its written end (the transcription writes the
# rest from where the note's length, rounded to the grid, ends): over half the players'
# did, and clipped at 1 improv cut every one of them short.
REST_MOST = 1.5
FORMAT = "improv-feel-3"  # the table's format (performance.timefeel reads only this one)


def span_bin(span: float, edges=SPAN_EDGES) -> int:
    return bisect.bisect_right(edges, span)


def stretch_bin(stretch: float | None) -> int:
    """The bin of STRETCH_EDGES of a note's stretch (None: a rest follows, bin 0)."""
    return 0 if stretch is None else bisect.bisect_right(STRETCH_EDGES, stretch)


def articulations(notes: list[Timed]) -> list[tuple[float, float, bool, float, float | None]]:
    """(span, sounding share, rest follows, tempo, stretch) of each note of the line the corpus
    reader makes (:func:`improv.learning.writtenline.written_spans`: the top note of
    each written place on the values' grid, a gap under a quarter beat given to the
    note before): the span in beats, as the model's values give it; the share of the
    time to the next onset, as played, the note sounds (of its span when a rest
    follows, or when it is the solo's last). The notes the line leaves out inside that
    time (a run of 32nds or a quintuplet has more notes than places on the values'
    grid) sound for it: the share runs to the last of their ends. Measured on the line
    note alone, 12% of the players' notes under a third of a beat long came out
    staccato under 110 BPM (sounding under half the time to the next), where 3.6% of
    their notes under 0.6 beat apart are; improv, playing the line, left the holes.
    The stretch: the time to the next onset as played over the span (None where a rest
    follows)."""
    line = written_spans([(written_place(n), n.off - n.on, n.pitch) for n in notes])
    out = []
    for k, (start, end, index) in enumerate(line):
        note = notes[index]
        span = float(end - start)
        runs_on = k + 1 < len(line) and line[k + 1][0] == end
        reach = notes[line[k + 1][2]].on - note.on if runs_on else span
        until = line[k + 1][2] if k + 1 < len(line) else len(notes)
        sounds = max([note.off, *(n.off for n in notes[index + 1:until]
                                   if n.on < note.on + reach)]) - note.on
        ratio = min(max(sounds / max(reach, 1e-6), RATIO_RANGE[0]),
                    RATIO_RANGE[1] if runs_on else REST_MOST)
        out.append((span, ratio, not runs_on, note.tempo,
                    reach / max(span, 1e-6) if runs_on else None))
    return out


def line_starts(notes: list[Timed]) -> list[float]:
    """Where each note of :func:`articulations` is written, in beats."""
    line = written_spans([(written_place(n), n.off - n.on, n.pitch) for n in notes])
    return [float(start) for start, _, _ in line]


def length_drift(length_levels: list[list[float]], length_keys: list[list[tuple]],
                 starts: list[list[float]]) -> dict:
    """How the lengths of notes another note follows drift over a passage
    (:mod:`improv.learning.feel.drift`), each solo's scores less its own mean, over
    the solos the styles keep."""
    scores, places, keep = [], [], []
    for lv, keys, at in zip(length_levels, length_keys, starts):
        if len(lv) < STYLE_NOTES:
            continue
        z = normal_scores(lv)
        scores.append(z - z.mean())
        places.append(np.asarray(at, float))
        keep.append(np.array([not key[0] for (_, key), _ in keys], bool))
    return drift.learn(scores, places, keep)


def _cells(samples: dict, bands: int, keys, digits: int) -> tuple[list, list]:
    """(quantiles or None, counts) per [band][key], the last band all tempos pooled."""
    table, counts = [], []
    for band in range(bands + 1):
        row, count = [], []
        for key in keys:
            values = samples.get((band, key), [])
            count.append(len(values))
            row.append(quantiles(values, digits=digits) if len(values) >= MIN_CELL else None)
        table.append(row)
        counts.append(count)
    return table, counts


def _with_lead_ins_pooled(onsets: dict, bands: int, keys) -> dict:
    """``onsets`` with each cell of fewer than MIN_CELL notes (none too) given its
    band's notes of the same twelfth, grain and lead-in, every lead-out together, else
    every lead together, where those are enough: a rare lead keeps its tempo rather
    than fall back to all tempos."""
    by_in: dict = {}
    together: dict = {}
    for (band, (twelfth, grain_, lead_)), values in onsets.items():
        by_in.setdefault((band, twelfth, grain_, lead_ // len(LEAD_OUTS)), []).extend(values)
        together.setdefault((band, twelfth, grain_), []).extend(values)
    out = {}
    for band in range(bands + 1):
        for key in keys:
            values = onsets.get((band, key), [])
            for pooled in (by_in.get((band, key[0], key[1], key[2] // len(LEAD_OUTS)), []),
                           together.get((band, key[0], key[1]), [])):
                if len(values) < MIN_CELL <= len(pooled):
                    values = pooled
            if values:
                out[(band, key)] = values
    return out


def _with_stretches_pooled(lengths: dict, bands: int) -> dict:
    """``lengths`` with each cell of a note another follows holding fewer than MIN_CELL
    notes given every stretch of its band and span together, where those are enough."""
    together: dict = {}
    for (band, (rest, span, _)), values in lengths.items():
        if not rest:
            together.setdefault((band, span), []).extend(values)
    out = dict(lengths)
    for band in range(bands + 1):
        for span in range(len(SPAN_EDGES) + 1):
            pooled = together.get((band, span), [])
            for k in range(len(STRETCH_EDGES) + 1):
                key = (band, (False, span, k))
                if len(out.get(key, ())) < MIN_CELL <= len(pooled):
                    out[key] = pooled
    return out


def learn(solos: list[list[Timed]], edges=TEMPO_EDGES, names: list[str] | None = None) -> dict:
    """The time-feel table of ``solos`` (each its usable notes, in onset order; ``names``:
    each solo's, for the styles)."""
    pooled = len(edges) + 1  # the band index of all tempos together
    onsets: dict = {}
    lengths: dict = {}  # (band, (rest follows, span bin, stretch bin)) -> sounding shares
    onset_keys, length_keys, gaps, beats, inside, where = [], [], [], [], [], []
    starts = []  # per solo, where each of its lengths' notes is written
    for notes in solos:
        ok, lk, places = [], [], []
        heard = [None, None]  # the last two places any note sounded at (off the grid too)
        written = [written_place(n) for n in notes]
        rested, spans, afters = line_leads(written, notes)
        for n, place, span, rest, after in zip(notes, written, spans, rested, afters):
            # the lead-in from the place before (a double stop's second note: the one
            # before the pair), as the line improv plays has it
            before = heard[0] if place == heard[1] else heard[1]
            if place != heard[1]:
                heard = [heard[1], place]
            if n.twelfth is None:
                continue
            band = band_of(n.tempo, edges)
            key = (n.twelfth, n.grain, lead(None if before is None else place - before,
                                            None if span is None else float(span), rest,
                                            after))
            for b in (band, pooled):
                onsets.setdefault((b, key), []).append(n.deviation)
            ok.append(((band, key), n.deviation))
            places.append(place)
        gaps.append(np.diff(places).tolist())
        where.append(places)
        inside.append([math.floor(a) == math.floor(b) for a, b in zip(places, places[1:])])
        beats.append([key[1][0] == 0 for key, _ in ok])
        for span, ratio, rest_follows, tempo, stretch in articulations(notes):
            band, key = band_of(tempo, edges), (rest_follows, span_bin(span),
                                                stretch_bin(stretch))
            for b in (band, pooled):
                lengths.setdefault((b, key), []).append(ratio)
            lk.append(((band, key), ratio))
        onset_keys.append(ok)
        length_keys.append(lk)
        starts.append(line_starts(notes))
    places = [(k, g, a) for k in range(12) for g in range(len(GRAINS))
              for a in range(LEADS)]
    bins = range(len(SPAN_EDGES) + 1)
    onset_n = [[len(onsets.get((band, key), ())) for key in places] for band in range(pooled + 1)]
    onsets = _with_lead_ins_pooled(onsets, pooled, places)
    onset_q, _ = _cells(onsets, pooled, places, 3)
    stretches = range(len(STRETCH_EDGES) + 1)
    length_n = [[[len(lengths.get((band, (False, b, k)), ())) for k in stretches]
                 for b in bins] for band in range(pooled + 1)]
    lengths = _with_stretches_pooled(lengths, pooled)
    length_q, _ = _cells(lengths, pooled, [(False, b, k) for b in bins for k in stretches], 3)
    length_q = [[row[b * len(stretches):(b + 1) * len(stretches)] for b in bins]
                for row in length_q]  # [band][span bin][stretch bin]
    rest_q, rest_n = _cells(lengths, pooled, [(True, b, 0) for b in bins], 3)
    per, leads = len(GRAINS) * LEADS, LEADS

    def nest(row):  # [twelfth][grain][lead: lead-in, lead-out]
        return [[row[k * per + g * leads:k * per + (g + 1) * leads] for g in range(len(GRAINS))]
                for k in range(12)]

    onset_levels, length_levels = rank_levels(onsets, onset_keys), rank_levels(lengths, length_keys)
    steps, step_keyed, step_first = in_beat_steps(onset_keys, where, pooled)
    step_q, step_n = _cells(steps, pooled, STEP_CELLS, 3)
    # by lead-out, as the melody looks them up: by the span of the note a step reaches
    # (it cannot know yet whether a short rest follows it) and at its own tempo only
    out_steps = lead_out_steps(onset_keys, step_keyed, step_first, pooled, len(LEAD_OUTS))
    out_keys = [(t, g, o) for t, g in STEP_CELLS for o in range(len(LEAD_OUTS))
                if LEAD_OUTS[o] != "short rest"]
    out_q, out_n = _cells(out_steps, pooled, out_keys, 3)
    out_q[pooled] = [None] * len(out_keys)
    kept = [i for i, _ in enumerate(out_keys) if any(row[i] is not None for row in out_q)]
    # a solo's lengths as a whole (its shape): a share tied with others (clipped to 1, a
    # note held to the next) is placed at random across the levels it shares, seeded
    shapes = rank_levels(lengths, length_keys, np.random.default_rng(0))
    style = styles(onset_levels, length_levels, onset_gaps=gaps, on_beat=beats,
                   names=names, length_shapes=shapes, in_beat=inside,
                   length_rests=[[key[0] for (_, key), _ in row] for row in length_keys],
                   step_levels=rank_levels(steps, step_keyed), step_first=step_first,
                   step_gaps=[[cell[1] for (_, cell), _ in row] for row in step_keyed])
    style["within"]["length"]["drift"] = length_drift(length_levels, length_keys, starts)
    return {
        "format": FORMAT,
        "tempo_edges": list(edges), "tempo_bands": band_names(edges),
        "grains": list(GRAINS), "span_edges": list(SPAN_EDGES),
        "levels": [round(float(x), 4) for x in levels()], "min_cell": MIN_CELL,
        "lead_ins": list(LEAD_INS), "lead_in_edges": list(LEAD_IN_EDGES),
        "lead_outs": list(LEAD_OUTS), "lead_out_edges": list(LEAD_OUT_EDGES),
        "onset": {"unit": "beats from the written place, by [tempo band][twelfth of the "
                          "beat][grain][lead: lead-in x lead-out]; the last band is all "
                          "tempos; a lead with fewer notes than min_cell holds its lead-in's, "
                          "else its grain's; null: fewer notes than min_cell even so",
                  "serial": serial(onset_levels),
                  "quantiles": [nest(row) for row in onset_q],
                  "notes": [nest(row) for row in onset_n]},
        "length": {"unit": "sounding length / time to the next onset of a note another "
                           "follows, by [tempo band][span bin][stretch bin: that time as "
                           "played over the span]; a stretch with fewer notes than min_cell "
                           "holds its span's",
                   "stretch_edges": list(STRETCH_EDGES),
                   "serial": serial(length_levels),
                   "quantiles": length_q, "notes": length_n},
        "rest_follows": {"unit": "sounding length / span of a note a rest follows, by "
                                 "[tempo band][span bin]",
                         "quantiles": rest_q, "notes": rest_n},
        "step": {"unit": "later onset's deviation less the earlier's, two onsets inside "
                         "one beat, by [tempo band][key: twelfth of the later, twelfths "
                         "between]; the last band is all tempos", "keys": STEP_CELLS,
                 "quantiles": step_q, "notes": step_n},
        "step_out": {"unit": "the steps by the later onset's lead-out too (its span's "
                             "class), by [tempo band][key: twelfth of the later, twelfths "
                             "between, lead-out]; only keys with a cell of min_cell notes "
                             "in some band; the last band (all tempos) empty: drawn at "
                             "its own tempo only",
                     "keys": [out_keys[i] for i in kept],
                     "quantiles": [[row[i] for i in kept] for row in out_q],
                     "notes": [[row[i] for i in kept] for row in out_n]},
        "style": style,
        "grace": grace_table(solos, edges),
        "run": run_table(solos),
        "quick": quick_table(solos),
    }


def swing_table(solos: list[list[Timed]], edges=TEMPO_EDGES) -> list[dict]:
    """Per tempo band: the median onset phase of off-beat eighths (tatum 2 of a beat
    divided in two) and its swing ratio phase/(1 - phase), and the mean lay-back of
    notes written on the beat, in ms (positive: behind the beat)."""
    offbeat: dict = {}
    layback: dict = {}
    for notes in solos:
        for n in notes:
            band = band_of(n.tempo, edges)
            if n.division == 2 and n.tatum == 2:
                offbeat.setdefault(band, []).append(0.5 + n.deviation)
            elif n.twelfth == 0:
                layback.setdefault(band, []).append(n.deviation * n.beat_seconds * 1000)
    rows = []
    for band, name in enumerate(band_names(edges)):
        phases, ms = offbeat.get(band, []), layback.get(band, [])
        phase = float(np.median(phases)) if phases else None
        rows.append({"tempo": name, "offbeat_eighths": len(phases),
                     "phase": None if phase is None else round(phase, 3),
                     "swing_ratio": None if phase is None else round(phase / (1 - phase), 2),
                     "on_beat_notes": len(ms),
                     "layback_ms": round(float(np.mean(ms)), 1) if ms else None,
                     "layback_median_ms": round(float(np.median(ms)), 1) if ms else None})
    return rows
