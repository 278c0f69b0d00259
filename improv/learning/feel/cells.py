"""The cells the feel tables are kept in (pure): tempo bands and quantiles at fixed
levels, shared by the time feel (:mod:`improv.learning.feel.timefeel`) and the ornaments
(:mod:`improv.learning.feel.ornaments`)."""

from __future__ import annotations

import bisect

import numpy as np

from improv.language.context import TEMPO_EDGES

LEVELS = 41  # quantiles per cell: 0.5%, 2.5%, 5%, ..., 97.5%, 99.5%


def band_of(tempo: float, edges=TEMPO_EDGES) -> int:
    return bisect.bisect_right(edges, tempo)


def band_names(edges=TEMPO_EDGES) -> list[str]:
    bounds = [0, *edges, None]
    return [f"<{b:g}" if a == 0 else f">={a:g}" if b is None else f"{a:g}-{b:g}"
            for a, b in zip(bounds, bounds[1:])]


def levels(n: int = LEVELS) -> np.ndarray:
    """The quantile levels: evenly spaced, the ends pulled in to 0.5% and 99.5% so a
    stray transcription error is never drawn."""
    out = np.linspace(0.0, 1.0, n)
    out[0], out[-1] = 0.005, 0.995
    return out


def quantiles(values, n: int = LEVELS, digits: int = 4) -> list[float]:
    return [round(float(q), digits) for q in np.quantile(np.asarray(values, float), levels(n))]
