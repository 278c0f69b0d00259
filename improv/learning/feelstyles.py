"""Each Weimar soloist's own time feel, beside the table of all players pooled (pure).

:mod:`improv.learning.timefeel` places every note's onset deviation and sounding share
at a level (0..1) inside its cell of all the players' notes. A player's levels are not
spread over the whole of each cell: one lays back, another plays legato, and the notes
of one solo scatter far less than the players do. Kept here: each solo's mean normal
score of its levels, and how one solo's notes spread around it, so the melody can play
as one player does (:class:`improv.band.timefeel.Levels`).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

STYLE_NOTES = 100  # notes of each kind a solo needs for its style to be measured


def _scores(levels: list[float]) -> np.ndarray:
    """Levels (0..1) as standard normal scores."""
    inverse = NormalDist().inv_cdf
    return np.array([inverse(min(max(x, 1e-4), 1 - 1e-4)) for x in levels])


def styles(onset_levels: list[list[float]], length_levels: list[list[float]],
           min_notes: int = STYLE_NOTES) -> dict:
    """Each solo's style: the mean normal score of its onsets' and of its lengths'
    levels (a player who lays back, one who plays legato), for the solos with at least
    ``min_notes`` of each; and how the notes of a solo spread around its own mean (the
    standard deviation and lag-1 correlation of the scores less the solo's mean). The
    players differ far more from each other than the notes of one solo do: drawing
    every note from all players pooled gives each phrase a bit of everyone's style."""
    means, rests = [], {"onset": [], "length": []}
    for on, ln in zip(onset_levels, length_levels):
        if len(on) < min_notes or len(ln) < min_notes:
            continue
        z = {"onset": _scores(on), "length": _scores(ln)}
        means.append([round(float(z["onset"].mean()), 3), round(float(z["length"].mean()), 3)])
        for name, values in z.items():
            rests[name].append(values - values.mean())
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
    return {"unit": "per solo [onset, length]: the mean normal score of its notes' levels "
                    "in their cells; within: the spread of a solo's notes around it",
            "min_notes": min_notes, "solos": means, "within": within}
