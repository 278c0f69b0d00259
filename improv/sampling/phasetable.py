"""The calibration's phase (pure numpy): a factor for each note length by where in the
beat it starts (the twelfth), by tempo band, beside the calibration's other tables
(:mod:`improv.sampling.calibration`), which say how often each length is drawn at all.

With every length at the players' share, over 190 BPM improv's notes still started a
sixth of a beat in (2/12 of it) 2.9-3.5% of the time, the players' 0.9-1.4%, and on the
beat 34-36% against 39-41% (``benchmarks/discriminator.py --sides written``): the model
crosses from the triplet grid to the duple one inside a beat more than they do (an
eighth two triplets in lands a sixth past the next beat). ``improv calibrate`` fits the
factors from the share of each length among the notes started at each twelfth, over
the share drawn there, less what the length's own share in the band says. They move
notes only; rests keep their weight, and the notes keep their share.
"""

from __future__ import annotations

import numpy as np

PLACES = 12  # twelfths of a beat
LIMIT = 4.0  # the factors are kept inside 1/LIMIT..LIMIT: a nudge, not a new model
# Where a note lands, not only where it starts: the factors fit each length's share
# among the notes started at a twelfth, which cannot see how often the line gets there.
# Over 190 BPM the players start a note a sextuplet past a beat (2/12) or before the
# next (10/12) 2.8%, 1.2% and 1.3% of the time (190-240, 240-280, 280 and up), improv
# with the fitted factors 6.4%, 4.6% and 5.1% (the discriminator's renders over their
# own changes, seed 1), most after an eighth from two triplets in or a triplet's
# quarter from the off-beat. With ``landing`` a note whose end lands there is weighed by
# the players' share over improv's, per tempo band (none under 190 BPM: 0.86-0.93).
# A nudge at play, outside the fit: ``improv calibrate`` renders without it (fitted
# around it, the lengths' own factors won those eighths back: data/README).
OFF_GRID = (2, 10)  # twelfths
LANDING = (1.0, 1.0, 1.0, 0.43, 0.26, 0.26)  # per band of context.TEMPO_EDGES


def neutral(bands: int, classes: int) -> tuple:
    """A table of factors 1 (fitted from there): ``bands`` x PLACES x ``classes``."""
    return (((1.0,) * classes,) * PLACES,) * bands


def check(table: tuple, bands: int, classes: int) -> None:
    """ValueError unless ``table`` is empty or ``bands`` x PLACES x ``classes`` factors,
    every one inside the limits."""
    if table and (len(table) != bands or any(
            len(plane) != PLACES or any(len(row) != classes or
                                        not all(1 / LIMIT <= x <= LIMIT for x in row)
                                        for row in plane) for plane in table)):
        raise ValueError(f"a calibration's phase needs a band's {PLACES}x{classes} factors "
                         f"within {1 / LIMIT}..{LIMIT} per band")


def read(data) -> tuple:
    """The table from its JSON (a list of a band's lists of rows; [] none)."""
    if not isinstance(data, list) or not all(
            isinstance(p, list) and all(isinstance(r, list) for r in p) for p in data):
        raise ValueError("the phase is not a list of tables")
    return tuple(tuple(tuple(float(x) for x in r) for r in p) for p in data)


def factors(table: tuple, notes: np.ndarray, classes: np.ndarray,
            landing: bool = False) -> np.ndarray | None:
    """(bands, PLACES, values): each value's factor in each band where it starts at each
    twelfth (``notes``: whether each value is a note; ``classes``: its duration class),
    with ``landing`` times LANDING where a note ends OFF_GRID; 1 for rests; None
    without a table."""
    if not table:
        return None
    phase = np.array(table)
    out = np.where(notes[None, None, :], phase[:, :, classes], 1.0)
    if landing:
        bands = len(phase)
        weight = np.ones(bands)
        weight[:min(bands, len(LANDING))] = LANDING[:bands]
        for start in range(PLACES):  # class k < PLACES: a length of k + 1 twelfths
            lands = notes & (classes < PLACES) & np.isin((start + classes + 1) % PLACES,
                                                         OFF_GRID)
            out[:, start, lands] *= weight[:, None]
    return np.ascontiguousarray(out)
