"""Each Weimar soloist's own time feel, beside the table of all players pooled (pure).

:mod:`improv.learning.feel.timefeel` places every note's onset deviation and sounding share
at a level (0..1) inside its cell of all the players' notes. A player's levels are not
spread over the whole of each cell: one lays back, another plays legato, and the notes
of one solo scatter far less than the players do. Kept here: each solo's mean normal
score of its levels, how one solo's notes spread around it, and the whole spread of its
lengths' levels (its shape), so the melody can play as one player does
(:class:`improv.performance.levels.Levels`). The shape is there because a mean says
too little about how players let go: the share of a solo's notes held right up to the
next runs from 0.4% to 26% (p10 to p90 over the solos), and of those sounding under
half the time to the next from 3.5% to 15%, where a shift of every note's level by the
solo's mean score left improv's renders at 3.7-20% and 7.2-14.6%.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

STYLE_NOTES = 100  # notes of each kind a solo needs for its style to be measured
STEP_NOTES = 20  # steps inside a beat a solo needs for its own mean step
# Twelfths between the two onsets of an eighth-note pair (any two onsets half a beat
# apart inside one beat: 0 -> 6 mostly, 3 -> 9 too). How hard a player swings eighths
# says little of how it plays its other steps inside a beat (their mean scores over the
# Weimar solos correlate 0.17), so each has its own centre.
EIGHTH_STEP = 6
# Written gaps (beats) between two onsets that bound the bins of the onsets' serial
# correlation (a sixteenth or a sextuplet, a triplet, an eighth, up to a beat, longer):
# a push or a drag carries over notes close together, less over a beat, not past it.
# Two onsets inside one beat move together more than two across a beat line (the
# Weimar solos, inside / across: sixteenths 0.41 / 0.30, eighths 0.46 / 0.32, up to a
# beat 0.60 / 0.04, longer -0.02), so each bin is measured for both apart. A gap
# that repeats the one before (a run in one subdivision) carries far more than one
# that changes it (an eighth across a beat line 0.47 against 0.26), so those are
# measured apart too (a bin with too few pairs of its own takes both together's).
GAP_EDGES = (0.3, 0.45, 0.55, 1.0)
# The probabilities at which a solo's lengths' levels are kept (its shape).
SHAPE_POINTS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
# Notes of one kind (another note follows, a rest follows) a solo needs for a shape of
# their own. How a player holds a note into the next says little of how it ends one
# before a rest (their mean scores over the Weimar solos correlate 0.12).
SHAPE_NOTES = 20


def rank_levels(samples: dict, keyed: list[list[tuple]], rng=None) -> list[list[float]]:
    """Each note's level (0..1) inside its own cell (``samples``: cell -> values; ``keyed``:
    per solo, its notes' (cell, value) in order): its mid-rank, so that notes tied on one
    value (shares clipped to 1, the same written length) sit in the middle of the levels
    they share, and the levels of every cell centre on 0.5; with ``rng``, a draw across
    them instead (a randomised probability transform: a solo's levels then spread as its
    notes do, its held notes over the whole of the held share's levels)."""
    sorted_cells = {key: np.sort(np.asarray(v, float)) for key, v in samples.items()}
    out = []
    for solo in keyed:
        row = []
        for key, value in solo:
            cell = sorted_cells[key]
            below, up_to = np.searchsorted(cell, value), np.searchsorted(cell, value, "right")
            share = 0.5 if rng is None else float(rng.random())
            row.append((below + share * (up_to - below)) / len(cell))
        out.append(row)
    return out


def in_beat_steps(onset_keys: list[list[tuple]], places: list[list[float]],
                  pooled: int) -> tuple[dict, list[list[tuple]], list[list[int]]]:
    """The steps between consecutive onsets written inside one beat, as played: the
    later one's deviation less the earlier one's, in which the beat's own timing (and
    any error in the beat table's time for it) cancels. Returns the steps per cell
    ``(band, (twelfth of the later onset, twelfths between them))``, every band and all
    tempos (``pooled``); each solo's steps as (cell, step), as :func:`rank_levels` takes
    them; and the index of each step's earlier onset among the solo's onsets."""
    samples: dict = {}
    keyed, first = [], []
    for ok, where in zip(onset_keys, places):
        row, at = [], []
        for i, (a, b) in enumerate(zip(where, where[1:])):
            if math.floor(a) != math.floor(b):
                continue
            (band, key), later = ok[i + 1]
            cell, step = (key[0], round((b - a) * 12)), later - ok[i][1]
            for c in ((band, cell), (pooled, cell)):
                samples.setdefault(c, []).append(step)
            row.append(((band, cell), step))
            at.append(i)
        keyed.append(row)
        first.append(at)
    return samples, keyed, first


def lead_out_steps(onset_keys: list[list[tuple]], keyed: list[list[tuple]],
                   first: list[list[int]], pooled: int, outs: int) -> dict:
    """The steps of :func:`in_beat_steps` (its ``keyed`` and ``first``) by the later
    onset's lead-out too (the last of ``outs`` classes its cell's lead holds): ``(band,
    (twelfth, twelfths between, lead-out))``, every band and all tempos. What follows
    the onset a step reaches moves the step itself: at 190-240 BPM a sixteenth
    three-quarters into the beat comes 0.003 beat early against the sixteenth before it
    where the beat's note follows at once, 0.08 late where an eighth does."""
    samples: dict = {}
    for ok, row, at in zip(onset_keys, keyed, first):
        for ((band, (twelfth, gap)), step), i in zip(row, at):
            cell = (twelfth, gap, ok[i + 1][0][1][2] % outs)
            for c in ((band, cell), (pooled, cell)):
                samples.setdefault(c, []).append(step)
    return samples


def serial(levels_in_order: list[list[float]]) -> float:
    """The lag-1 correlation of consecutive notes' quantile levels within each solo,
    as the correlation of a Gaussian copula (from Spearman's rho): how much a player's
    push or drag carries from one note to the next."""
    a = [x for solo in levels_in_order for x in solo[:-1]]
    b = [x for solo in levels_in_order for x in solo[1:]]
    if len(a) < 3:
        return 0.0
    if np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    rho_s = float(np.corrcoef(a, b)[0, 1])
    return round(min(max(2 * math.sin(math.pi * rho_s / 6), -0.95), 0.95), 3)


def normal_scores(levels: list[float]) -> np.ndarray:
    """Levels (0..1) as standard normal scores."""
    inverse = NormalDist().inv_cdf
    return np.array([inverse(min(max(x, 1e-4), 1 - 1e-4)) for x in levels])


def styles(onset_levels: list[list[float]], length_levels: list[list[float]],
           min_notes: int = STYLE_NOTES, onset_gaps: list[list[float]] | None = None,
           on_beat: list[list[bool]] | None = None, names: list[str] | None = None,
           in_beat: list[list[bool]] | None = None,
           length_shapes: list[list[float]] | None = None,
           length_rests: list[list[bool]] | None = None,
           step_levels: list[list[float]] | None = None,
           step_first: list[list[int]] | None = None,
           step_gaps: list[list[int]] | None = None) -> dict:
    """Each solo's style: the mean normal score of its onsets' and of its lengths'
    levels (a player who lays back, one who plays legato), and with ``on_beat`` (which
    of each solo's onsets are written on the beat) that of its onsets off the beat apart
    (how hard it swings: the off-beat eighth is most of them), for the solos with at
    least ``min_notes`` of each, named by ``names``; and how the notes of a solo spread
    around its own means (the standard deviation and lag-1 correlation of the scores
    less the solo's mean; with ``onset_gaps``, each solo's written gaps from one onset
    to the next, the onsets' correlation also by gap, binned at GAP_EDGES, and with
    ``in_beat`` (whether each of those pairs lies inside one beat) for the pairs inside
    a beat apart from those across a beat line); with
    ``length_shapes`` (each solo's lengths' levels, ties drawn across: :func:`rank_levels`)
    each solo's shape, those levels' quantiles at SHAPE_POINTS, and with ``length_rests``
    (whether a rest follows each length) the shapes of the notes another note follows
    and of those a rest follows apart; with ``step_levels`` (the
    levels of each solo's steps inside a beat, :func:`in_beat_steps`, and ``step_first``
    the onset each steps from) each solo's mean step score (how it swings a pair) and
    how a step spreads around it and moves with the onset it steps from, and with
    ``step_gaps`` (each step's twelfths) that of its eighth-note pairs and of its other
    steps apart. The
    players differ far more from each other than the notes of one solo do: drawing
    every note from all players pooled gives each phrase a bit of everyone's style."""
    means, rests, gaps, kept, shapes = [], {"onset": [], "length": []}, [], [], []
    shapes_by_kind: dict = {"before_note": [], "before_rest": []}
    inside, step_centres, step_pairs, kind_centres = [], [], [], []
    for k, (on, ln) in enumerate(zip(onset_levels, length_levels)):
        if len(on) < min_notes or len(ln) < min_notes:
            continue
        z = {"onset": normal_scores(on), "length": normal_scores(ln)}
        beat = (np.asarray(on_beat[k], bool) if on_beat is not None
                else np.ones(len(on), bool))
        onset = _split_mean(z["onset"], beat)
        means.append([round(float(onset[beat].mean()), 3),
                      round(float(z["length"].mean()), 3),
                      round(float(onset[~beat].mean() if (~beat).any() else onset[beat].mean()), 3)])
        rests["onset"].append(z["onset"] - onset)
        rests["length"].append(z["length"] - z["length"].mean())
        if names is not None:
            kept.append(names[k])
        if onset_gaps is not None:
            gaps.append(np.asarray(onset_gaps[k], float))
            if in_beat is not None:
                inside.append(np.asarray(in_beat[k], bool))
        if step_levels is not None:
            steps = normal_scores(step_levels[k])
            centre = float(steps.mean()) if len(steps) >= STEP_NOTES else 0.0
            step_centres.append(round(centre, 3))
            own = np.full(len(steps), centre)
            if step_gaps is not None:
                eighth = np.asarray(step_gaps[k], int) == EIGHTH_STEP
                kinds = [round(float(steps[part].mean()), 3) if part.sum() >= STEP_NOTES
                         else round(centre, 3) for part in (eighth, ~eighth)]
                kind_centres.append(kinds)
                own = np.where(eighth, kinds[0], kinds[1])
            onset_rest = rests["onset"][-1][np.asarray(step_first[k], int)]
            step_pairs.append(np.stack([onset_rest, steps - own]) if len(steps)
                              else np.zeros((2, 0)))
        if length_shapes is not None:
            shapes.append(_shape(np.asarray(length_shapes[k], float)))
            if length_rests is not None:
                rest = np.asarray(length_rests[k], bool)
                for name, part in (("before_note", ~rest), ("before_rest", rest)):
                    shapes_by_kind[name].append(  # too few of a kind: the solo's whole shape
                        _shape(np.asarray(length_shapes[k], float)[part])
                        if part.sum() >= SHAPE_NOTES else shapes[-1])
    within = {}
    for name, parts in rests.items():
        if not parts:
            within[name] = {"sd": 1.0, "serial": 0.0}
            continue
        a = np.concatenate([r[:-1] for r in parts])
        b = np.concatenate([r[1:] for r in parts])
        steady = a.std() == 0 or b.std() == 0  # no correlation to measure
        rho = 0.0 if steady else float(np.clip(np.corrcoef(a, b)[0, 1], -0.95, 0.95))
        within[name] = {"sd": round(float(np.concatenate(parts).std()), 3),
                        "serial": round(rho, 3)}
    if gaps and rests["onset"]:
        if inside:  # "serial": the pairs across a beat line; "serial_in_beat": inside one
            repeats = [_repeats(g) for g in gaps]
            across = _by_gap(rests["onset"], gaps, [~b for b in inside])
            in_beat = _by_gap(rests["onset"], gaps, inside)
            within["onset"]["serial_by_gap"] = {
                "edges": list(GAP_EDGES), "serial": across, "serial_in_beat": in_beat,
                # the same, of the pairs whose gap repeats the one before (a run)
                "serial_run": _by_gap(rests["onset"], gaps,
                                      [~b & r for b, r in zip(inside, repeats)], across),
                "serial_in_beat_run": _by_gap(rests["onset"], gaps,
                                              [b & r for b, r in zip(inside, repeats)],
                                              in_beat),
                # and of those whose gap changes the subdivision
                "serial_change": _by_gap(rests["onset"], gaps,
                                         [~b & ~r for b, r in zip(inside, repeats)], across),
                "serial_in_beat_change": _by_gap(rests["onset"], gaps,
                                                 [b & ~r for b, r in zip(inside, repeats)],
                                                 in_beat)}
        else:
            within["onset"]["serial_by_gap"] = {"edges": list(GAP_EDGES),
                                                "serial": _by_gap(rests["onset"], gaps)}
    if step_levels is not None and step_pairs:
        onset_rest, step_rest = np.concatenate(step_pairs, axis=1)
        steady = len(step_rest) < 3 or onset_rest.std() == 0 or step_rest.std() == 0
        rho = 0.0 if steady else float(np.clip(np.corrcoef(onset_rest, step_rest)[0, 1],
                                               -0.95, 0.95))
        spread = float(step_rest.std()) if len(step_rest) >= 3 else 0.0
        within["step"] = {"sd": round(spread, 3) if spread > 0 else 1.0,  # too few: as drawn
                          "serial": round(rho, 3)}
    out = {"unit": "per solo [onset on the beat, length, onset off the beat]: the mean "
                   "normal score of its notes' levels in their cells; within: the spread "
                   "of a solo's notes around it",
           "min_notes": min_notes, "solos": means, "within": within}
    if names is not None:
        out["names"] = kept
    if length_shapes is not None:
        out["length_shapes"] = {"points": list(SHAPE_POINTS), "solos": shapes}
        if length_rests is not None:
            out["length_shapes"].update(shapes_by_kind)
    if step_levels is not None:
        out["step_centres"] = step_centres
        if step_gaps is not None:  # [eighth-note pairs, other steps] per solo
            out["step_kind_centres"] = kind_centres
    return out


def repeats_gap(gap: float, before: float | None) -> bool:
    """Whether a written gap between two onsets repeats the one before it: the line
    goes on in one subdivision (twelfths of a beat, so a float's error is no change)."""
    return before is not None and round(gap * 12) == round(before * 12) and \
        abs(gap * 12 - round(gap * 12)) < 1e-6 and abs(before * 12 - round(before * 12)) < 1e-6


def _repeats(gaps: np.ndarray) -> np.ndarray:
    """Per gap, whether it repeats the one before (the first: no)."""
    return np.array([repeats_gap(g, None if i == 0 else gaps[i - 1]) for i, g in enumerate(gaps)],
                    bool)


def _shape(levels: np.ndarray) -> list[float]:
    """Levels' quantiles at SHAPE_POINTS, rising."""
    q = np.quantile(levels, SHAPE_POINTS)
    return [round(float(x), 4) for x in np.maximum.accumulate(q)]


def _split_mean(scores: np.ndarray, on_beat: np.ndarray) -> np.ndarray:
    """Each score's own mean: that of the solo's onsets on the beat, or off it."""
    out = np.empty(len(scores))
    for part in (on_beat, ~on_beat):
        if part.any():
            out[part] = scores[part].mean()
    return out


def _by_gap(parts: list[np.ndarray], gaps: list[np.ndarray],
            keep: list[np.ndarray] | None = None,
            fallback: list[float] | None = None) -> list[float]:
    """The lag-1 correlation of consecutive scores in each bin of the written gap
    between them (where a bin holds too few pairs to measure, ``fallback``'s, else 0);
    ``keep``: which pairs count (all by default)."""
    a = np.concatenate([r[:-1] for r in parts])
    b = np.concatenate([r[1:] for r in parts])
    bins = np.searchsorted(GAP_EDGES, np.concatenate(gaps), side="left")
    if keep is not None:
        bins = np.where(np.concatenate(keep), bins, -1)  # no bin
    out = []
    for k in range(len(GAP_EDGES) + 1):
        x, y = a[bins == k], b[bins == k]
        steady = len(x) < 3 or x.std() == 0 or y.std() == 0
        if steady:
            out.append(0.0 if fallback is None else fallback[k])
        else:
            out.append(round(float(np.clip(np.corrcoef(x, y)[0, 1], -0.95, 0.95)), 3))
    return out
