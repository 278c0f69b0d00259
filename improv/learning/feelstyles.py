"""Each Weimar soloist's own time feel, beside the table of all players pooled (pure).

:mod:`improv.learning.timefeel` places every note's onset deviation and sounding share
at a level (0..1) inside its cell of all the players' notes. A player's levels are not
spread over the whole of each cell: one lays back, another plays legato, and the notes
of one solo scatter far less than the players do. Kept here: each solo's mean normal
score of its levels, and how one solo's notes spread around it, so the melody can play
as one player does (:class:`improv.performance.performer.Levels`).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

STYLE_NOTES = 100  # notes of each kind a solo needs for its style to be measured
# Written gaps (beats) between two onsets that bound the bins of the onsets' serial
# correlation: a push or a drag carries over notes close together (sixteenths to
# eighths: 0.38-0.40 in the Weimar solos), less over a beat (0.16), not past it (-0.03)
GAP_EDGES = (0.5, 1.0)


def _scores(levels: list[float]) -> np.ndarray:
    """Levels (0..1) as standard normal scores."""
    inverse = NormalDist().inv_cdf
    return np.array([inverse(min(max(x, 1e-4), 1 - 1e-4)) for x in levels])


def styles(onset_levels: list[list[float]], length_levels: list[list[float]],
           min_notes: int = STYLE_NOTES, onset_gaps: list[list[float]] | None = None,
           on_beat: list[list[bool]] | None = None, names: list[str] | None = None) -> dict:
    """Each solo's style: the mean normal score of its onsets' and of its lengths'
    levels (a player who lays back, one who plays legato), and with ``on_beat`` (which
    of each solo's onsets are written on the beat) that of its onsets off the beat apart
    (how hard it swings: the off-beat eighth is most of them), for the solos with at
    least ``min_notes`` of each, named by ``names``; and how the notes of a solo spread
    around its own means (the standard deviation and lag-1 correlation of the scores
    less the solo's mean; with ``onset_gaps``, each solo's written gaps from one onset
    to the next, the onsets' correlation also by gap, binned at GAP_EDGES). The
    players differ far more from each other than the notes of one solo do: drawing
    every note from all players pooled gives each phrase a bit of everyone's style."""
    means, rests, gaps, kept = [], {"onset": [], "length": []}, [], []
    for k, (on, ln) in enumerate(zip(onset_levels, length_levels)):
        if len(on) < min_notes or len(ln) < min_notes:
            continue
        z = {"onset": _scores(on), "length": _scores(ln)}
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
        within["onset"]["serial_by_gap"] = {"edges": list(GAP_EDGES),
                                            "serial": _by_gap(rests["onset"], gaps)}
    out = {"unit": "per solo [onset on the beat, length, onset off the beat]: the mean "
                   "normal score of its notes' levels in their cells; within: the spread "
                   "of a solo's notes around it",
           "min_notes": min_notes, "solos": means, "within": within}
    if names is not None:
        out["names"] = kept
    return out


def _split_mean(scores: np.ndarray, on_beat: np.ndarray) -> np.ndarray:
    """Each score's own mean: that of the solo's onsets on the beat, or off it."""
    out = np.empty(len(scores))
    for part in (on_beat, ~on_beat):
        if part.any():
            out[part] = scores[part].mean()
    return out


def _by_gap(parts: list[np.ndarray], gaps: list[np.ndarray]) -> list[float]:
    """The lag-1 correlation of consecutive scores in each bin of the written gap
    between them (0 where a bin holds too few pairs to measure)."""
    a = np.concatenate([r[:-1] for r in parts])
    b = np.concatenate([r[1:] for r in parts])
    bins = np.searchsorted(GAP_EDGES, np.concatenate(gaps), side="left")
    out = []
    for k in range(len(GAP_EDGES) + 1):
        x, y = a[bins == k], b[bins == k]
        steady = len(x) < 3 or x.std() == 0 or y.std() == 0
        out.append(0.0 if steady else round(float(np.clip(np.corrcoef(x, y)[0, 1], -0.95, 0.95)), 3))
    return out
