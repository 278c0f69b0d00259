"""Patterns: a figure the line just played, played again at once from where it stands.

Inside their phrases the Weimar players keep turning a figure over: a neighbour figure
twice, a three- or four-note cell moved up or down the line. Of the intervals inside
their phrases 2.4% start a run of three or more that repeats, one by one, the intervals
2 to 8 notes before (``python -m improv.learning.motifs``; 2.0% over the first 64 bars,
the median solo); a fifth of these repeat the figure of the last two intervals, most
hold three intervals. The model, drawing one value at a time, plays fewer (1.3% in
improv's renders, ``benchmarks/motifs.py --patterns 0``), and a classifier hears it: a
window of players' lines repeats a 3-interval figure more often than improv's did.

:class:`Patterns` follows the open phrase's pitches. Before a value is drawn inside a
phrase it may start a pattern, drawn as the corpus's are (how many notes back, how many
intervals); each interval of it becomes the *aim* of one draw: the soloist draws among
the values that move exactly that far and fit the chord and the compass, with the
model's own odds (:class:`improv.sampling.pitchfit.PitchFit`): the rhythm and the rests
stay the model's, the pitch is the aim's (its kind against the chord follows). A rest,
a phrase's end, or a note that moved otherwise (no value fitted the aim) ends the
pattern. Draws come from a generator of their own; ``amount`` 0 draws nothing (the
model's own patterns stay: ``amount`` scales only those added above them).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from improv.language.context import TEMPO_EDGES
from improv.language.register import from_quantiles

# of the intervals inside a phrase: a pattern starts there. The players' share (the
# median of the first 64 bars of their solos) less what the model plays by chance,
# over the share of the patterns started that are played through (a rest or a missing
# value ends one); the last two measured on renders, benchmarks/motifs.py --seeds
# 1,2,3,4,5,6,7,8 with --patterns 0 (0.013) and with a first share (0.0108 gave 0.017)
PLAYERS, CHANCE, HOLD = 0.020, 0.013, (0.017 - 0.013) / 0.0108
SHARE = (PLAYERS - CHANCE) / HOLD
LAGS = (2, 3, 4, 5, 6, 7, 8)  # notes back to the figure repeated
LAG_SHARES = (0.215, 0.162, 0.195, 0.112, 0.133, 0.083, 0.101)
LENGTH = (3.0, 3.0, 3.0, 4.0, 6.0)  # intervals repeated, p10..p90
PATTERN = 3  # intervals a pattern holds at least
# At a ballad tempo the model turns a figure over least: in the 4-bar windows of
# benchmarks/discriminator.py (seed 1), under 110 BPM 2.1% of improv's intervals start
# a 3-interval figure heard 2-8 notes before, the players' 5.9%; from 110 BPM up, 3.3-4.0%
# against 5.0-7.1%. A share BALLAD_FACTOR times as large under BALLAD_TEMPO brings it to
# 3.9% there and made the windows harder to tell (data/README, *Patterns at a ballad*);
# raised at every tempo (2.5 and 4 times), they grew easier to tell.
BALLAD_TEMPO = TEMPO_EDGES[0]  # BPM: the first tempo band's edge
BALLAD_FACTOR = 3.0
PATTERN_STREAM = 0x54  # the spawn key of the patterns' generator beside the part's own


class Patterns:
    """The open phrase's pitches, and the interval each draw inside it aims for."""

    def __init__(self, rng, amount: float = 1.0):
        self._rng = rng
        self._share = min(SHARE * amount, 0.5)
        self._ballad_share = min(self._share * BALLAD_FACTOR, 0.5)  # under BALLAD_TEMPO
        self._lags = np.cumsum(LAG_SHARES) / sum(LAG_SHARES)
        self._pitches: list[int] = []
        self._aims: deque[int] = deque()
        self._aimed: int | None = None  # the interval the last draw aimed for

    def heard(self, twelfths: int, pitch: int | None, root: int) -> None:
        """A note the part played (``pitch`` None: a rest inside the phrase; the length
        and the chord's root are the recall's, :class:`improv.sampling.recall.Motifs`). A
        pattern goes on only while every note moves as aimed."""
        aimed, self._aimed = self._aimed, None
        if pitch is None:
            self._aims.clear()
            return
        if aimed is None or not self._pitches or pitch - self._pitches[-1] != aimed:
            self._aims.clear()
        self._pitches.append(pitch)
        if len(self._pitches) > 2 * LAGS[-1]:
            del self._pitches[0]

    def close(self) -> None:
        """The phrase ended: the next starts with nothing to repeat."""
        self._pitches.clear()
        self._aims.clear()
        self._aimed = None

    def aim(self, tempo: float | None = None) -> int | None:
        """The interval (semitones) the next value should move by, or None (most
        values: the model's own); a pattern starts BALLAD_FACTOR times as often under
        BALLAD_TEMPO (``tempo`` None: not known, as faster)."""
        ballad = tempo is not None and tempo < BALLAD_TEMPO
        if not self._aims and not self._start(self._ballad_share if ballad else self._share):
            self._aimed = None
            return None
        self._aimed = self._aims.popleft()
        return self._aimed

    def _start(self, share: float) -> bool:
        """Draw whether a pattern starts before the next value (at ``share``), and which."""
        pitches = self._pitches
        if share <= 0 or len(pitches) <= LAGS[0] or self._rng.random() >= share:
            return False
        lag = LAGS[int(np.searchsorted(self._lags, self._rng.random(), side="right"))]
        length = max(PATTERN, round(from_quantiles(LENGTH, self._rng.random())))
        if lag >= len(pitches):  # the phrase holds no figure that long yet
            return False
        steps = np.diff(pitches[-lag - 1:]).tolist()
        if len(set(steps)) == 1:  # a run of equal steps, no figure (the model's own)
            return False
        self._aims.extend(steps[t % lag] for t in range(length))
        return True
