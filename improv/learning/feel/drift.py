"""How a player's articulation drifts over a passage (pure).

Around a solo's own way of holding notes, its lengths are not independent note to
note: a passage goes legato, the next more detached. Over the Weimar solos the levels
of two notes another note follows (each less its solo's mean score) correlate about
0.10 when under a beat apart, 0.06 two beats apart, 0.03 six beats apart, whatever
the notes between them, where the lag-1 correlation a note-to-note chain keeps
(0.06) says nothing past the next note. Improv drew each length afresh around the
solo's style, so its notes' shares scattered inside a four-bar window more than the
players' do, around the same mean.

Kept: the share of a length's normal score that drifts, and the beats over which the
drift decorrelates (an Ornstein-Uhlenbeck process in written beats), fitted to the
correlation of the players' pairs by how far apart they lie.
"""

from __future__ import annotations

import math

import numpy as np

DRIFT_BEATS = 8  # pairs up to this many beats apart (written) are measured
MAX_LAG = 256  # notes apart, at most (a run of 32nds fills 8 beats with 64)
MIN_PAIRS = 200  # pairs a beat's bin needs to count in the fit
TIMES = tuple(np.round(np.arange(0.5, 30.0, 0.1), 2))  # the decay times tried, in beats
MAX_SHARE = 0.5  # the drifting share of a length's variance, at most


def correlations(scores: list[np.ndarray], places: list[np.ndarray],
                 keep: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(correlation, pairs) of two kept notes' scores by whole beats apart (bins 0 ..
    DRIFT_BEATS - 1), over every solo's notes (``scores``: each less the solo's mean;
    ``places``: written onsets in beats, rising; ``keep``: which notes count)."""
    sums = np.zeros((DRIFT_BEATS, 6))  # n, sum a, sum b, sum aa, sum bb, sum ab
    for z, at, ok in zip(scores, places, keep):
        z, at, ok = np.asarray(z, float), np.asarray(at, float), np.asarray(ok, bool)
        for lag in range(1, min(MAX_LAG, len(z))):
            apart = at[lag:] - at[:-lag]
            near = apart < DRIFT_BEATS
            if not near.any():
                break
            both = near & ok[lag:] & ok[:-lag]
            a, b = z[:-lag][both], z[lag:][both]
            bins = np.floor(apart[both]).astype(int)
            for col, x in enumerate((np.ones_like(a), a, b, a * a, b * b, a * b)):
                sums[:, col] += np.bincount(bins, weights=x, minlength=DRIFT_BEATS)
    n = sums[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        ma, mb = sums[:, 1] / n, sums[:, 2] / n
        cov = sums[:, 5] / n - ma * mb
        va, vb = sums[:, 3] / n - ma * ma, sums[:, 4] / n - mb * mb
        corr = cov / np.sqrt(va * vb)
    return np.where(np.isfinite(corr), corr, 0.0), n


def fit(corr: np.ndarray, pairs: np.ndarray) -> dict:
    """{"share", "beats"}: the drift share * exp(-t / beats) closest (least squares,
    each bin weighted by its pairs) to the correlations at each bin's middle; share 0
    where the bins hold no positive correlation."""
    t = np.arange(len(corr)) + 0.5
    w = np.where(pairs >= MIN_PAIRS, pairs, 0.0)
    best = (math.inf, 0.0, 1.0)
    for tau in TIMES:
        e = np.exp(-t / tau)
        den = float(np.sum(w * e * e))
        if den <= 0:
            continue
        share = min(max(float(np.sum(w * corr * e)) / den, 0.0), MAX_SHARE)
        err = float(np.sum(w * (corr - share * e) ** 2))
        if err < best[0]:
            best = (err, share, float(tau))
    _, share, tau = best
    return {"share": round(share, 3), "beats": round(tau, 2) if share > 0 else 1.0}


def learn(scores: list[np.ndarray], places: list[np.ndarray], keep: list[np.ndarray]) -> dict:
    """The drift of :func:`fit` with the correlations it was fitted to."""
    corr, pairs = correlations(scores, places, keep)
    return {**fit(corr, pairs), "unit": "share of a length's normal score that drifts, "
                                        "decorrelating as exp(-beats apart / beats); "
                                        "measured: correlation by whole beats apart",
            "measured": [round(float(c), 3) for c in corr],
            "pairs": [int(p) for p in pairs]}
