"""The lengths a line has just been playing, heard again (pure numpy).

A player's passage keeps to a few note lengths: in the 4-bar windows of
``benchmarks/discriminator.py`` two onsets in a row fall in one class of inter-onset
interval 32.1% of the time in the Weimar solos, 29.2% in improv's renders over the same
changes, and three played lengths in a row of one class (the most telling single
feature, ``ngram.duration3``) are rarer in improv's (three of 0.30-0.45 beat: 31 in
1,000 trigrams against the players' 50). The model draws each value from its state, and
the calibration's factors, fitted to each tempo band's shares, weigh every length alike
wherever it falls; neither keeps a run in one length going as long as players do.

A cache, as in cache language models: each note value's weight is multiplied by
``1 + weight x`` the share of the last ``notes`` values (each ``decay`` times the one
after it; rests count in the window and add nothing) that had its duration class.
Its shares stay the calibration's: ``improv calibrate`` fits the factors with it on,
and writes its weight beside them.
"""

from __future__ import annotations

import numpy as np

# The weight a calibration is fitted with (improv calibrate), the values it looks back
# over and how fast they fade. Chosen on renders over the solos' changes (seed 1, the
# shipped calibration): weight 1 brought the share of two onsets in a row in one class
# from 29.2% to 33.2% (the players' 32.1%); weight 3 overshot to 37.5%.
WEIGHT = 1.0
NOTES = 12
DECAY = 0.85
MAX_WEIGHT = 10.0
MAX_NOTES = 64


def check(weight: float, notes: int, decay: float) -> None:
    if not (0 <= weight <= MAX_WEIGHT and 1 <= notes <= MAX_NOTES and 0 < decay <= 1):
        raise ValueError(f"the recency needs a weight within 0..{MAX_WEIGHT:g}, 1 to "
                         f"{MAX_NOTES} notes and a decay within 0..1")


class Recency:
    """The factors of every value of a vocabulary after the values just played."""

    def __init__(self, classes: np.ndarray, weight: float = WEIGHT, notes: int = NOTES,
                 decay: float = DECAY):
        """``classes``: each value's duration class (0 ..), -1 for a rest."""
        check(weight, notes, decay)
        self._classes = np.asarray(classes, np.int64)
        self._weight, self._notes = float(weight), int(notes)
        self._fade = decay ** np.arange(notes)
        # a rest's class reads the last slot, which nothing fills: its factor stays 1
        self._slots = int(self._classes.max(initial=-1)) + 2
        self._work = np.empty(len(self._classes))  # the factors, filled in place per draw

    def factors(self, recent) -> np.ndarray | None:
        """The factor of each value after ``recent`` ((index, context) pairs as the
        soloist's history holds them, the last played first; a buffer, valid until the
        next call); None when no note is among them."""
        classes = self._classes[[item[0] for item in recent[:self._notes]]]
        notes = classes >= 0
        fade = self._fade[:len(classes)][notes]
        total = float(fade.sum())
        if total == 0:
            return None
        shares = np.bincount(classes[notes], weights=fade, minlength=self._slots)
        shares /= total  # as a share, then weighed: the same floats as 1 + w x share
        shares *= self._weight
        out = np.take(shares, self._classes, out=self._work)
        out += 1.0
        return out
