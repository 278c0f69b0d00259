"""Breaths: how long the soloist waits between phrases, as the Weimar players do.

Left to itself the model ends a phrase well (its phrase lengths match the corpus's:
median 7 beats, p90 21 to 25) but breathes too evenly and too briefly: median 1.67
beats against the players' 2, p90 3.6 against 4.6. With ``[sampling] breaths =
"learned"`` each gap gets a breath drawn from the players' (the silence from a phrase's
last note to the next phrase's first, phrases split at a beat's rest, over the 456
solos: ``python -m improv.learning.motifs``): until it has passed only rests may follow,
then a phrase starts at the first place the rhythm grid allows. ``"model"`` leaves the
gaps to the model, as before. Draws come from a generator of their own.

The faster the tune, the more beats the players breathe: under 110 BPM a median 1.5
beats (p90 2.78), over 240 BPM 2.25 (p90 5.0-5.25). Drawn from all of them pooled,
improv's renders over the solos' own changes breathed a median 2 beats (p90 4.5) under
110 BPM, and under 150 BPM a note was followed by over 4 beats of silence twice as often
as in the players' 4-bar windows (0.50% of notes against 0.22%); so each breath is
drawn from its tempo band's players (:data:`BREATH_BY_BAND`).

Past their p90 the players still pause, now and then for bars (p99 7 beats under 110
BPM, 13 at 240-280); known by p10..p90 alone, the draws stopped at 3.3 to 6.4 beats,
so the table holds p95, p98 and p99 too (:data:`BREATH_LEVELS`).
"""

from __future__ import annotations

import numpy as np

from improv.language.register import from_quantiles

# the levels of the breaths' quantiles: p10..p90 and the long pauses past them, which the
# players take (p99 7-13 beats) and p10..p90 alone never reached (at most 3.3-6.4)
BREATH_LEVELS = (0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.98, 0.99)
BREATH = (1.0, 1.25, 2.0, 3.0, 4.5, 5.67, 7.17, 8.25)  # beats between phrases, all tempos
# The same by tempo band (improv.language.context.TEMPO_EDGES: under 110 BPM, 110-150,
# 150-190, 190-240, 240-280, 280 and over): ``python -m improv.learning.motifs``
BREATH_BY_BAND = (
    (1.0, 1.17, 1.5, 2.0, 2.78, 3.75, 5.17, 7.02),
    (1.0, 1.25, 1.75, 2.67, 4.05, 5.17, 6.0, 7.0),
    (1.0, 1.5, 2.0, 3.0, 4.25, 5.43, 6.5, 7.5),
    (1.0, 1.25, 2.0, 3.17, 4.67, 5.67, 6.69, 7.6),
    (1.0, 1.5, 2.25, 3.5, 5.25, 6.59, 9.67, 12.89),
    (1.17, 1.5, 2.25, 3.5, 5.0, 6.0, 8.0, 8.87),
)
BREATH_STREAM = 0x42  # the spawn key of the breaths' generator beside the soloist's own
BREATHS = ("learned", "model")


def draw_breath(rng: np.random.Generator, band: int | None = None) -> int:
    """A breath in twelfths of a beat (at least the beat that closes a phrase), as the
    players of tempo ``band`` breathe (None: not known, all of them)."""
    table = BREATH if band is None else BREATH_BY_BAND[min(max(band, 0), len(BREATH_BY_BAND) - 1)]
    return max(12, round(12 * from_quantiles(table, rng.random(), BREATH_LEVELS)))


class Breaths:
    """The breath drawn for the open phrase, and the weights that keep its gap to it."""

    def __init__(self, rng: np.random.Generator, pitched: np.ndarray, rest_length: np.ndarray):
        """``pitched``: which values are notes; ``rest_length``: each rest's length in
        twelfths (notes: a large negative number, never too long)."""
        self._rng = rng
        self.breath: int | None = None  # twelfths; None before the first phrase
        self._rests_only = (~pitched).astype(float)
        self._notes_only = pitched.astype(float)
        self._rest_length = rest_length
        self._is_rest = ~pitched
        self._spare = np.empty(len(pitched))
        self._over = np.empty(len(pitched), bool)
        self._allowed = np.empty(len(pitched), bool)

    def draw(self, band: int | None = None) -> None:
        """A phrase opens: the breath after it, at tempo ``band`` (None: not known)."""
        self.breath = draw_breath(self._rng, band)

    def keep(self, w: np.ndarray, in_gap: bool, resting: int) -> None:
        """Keep the gap after the phrase to its breath, in place on the weights ``w``
        (``resting``: twelfths of rest since the last note). A rest that would run past
        the breath gives its weight to the longest that does not, so the model still
        decides whether the phrase ends here and the breath how long the gap is; in the
        gap, rests only until the breath has passed, then notes only. A limit that
        would leave nothing allowed (no rest or start on the grid here) is left out."""
        if self.breath is None:
            return
        left = self.breath - resting
        np.copyto(self._spare, w)
        if left <= 0:
            if in_gap:
                np.multiply(w, self._notes_only, out=w)
        else:
            if in_gap:
                np.multiply(w, self._rests_only, out=w)
            np.greater(w, 0.0, out=self._allowed)
            np.greater(self._rest_length, left, out=self._over)  # rests past the breath
            np.logical_and(self._over, self._allowed, out=self._over)
            if self._over.any():  # rare: only then the arrays of a reweighting
                fits = np.flatnonzero(self._allowed & self._is_rest & (self._rest_length <= left))
                over = np.flatnonzero(self._over)
                # the longest rest within the breath, else the shortest past it
                keep = (fits[np.argmax(self._rest_length[fits])] if len(fits)
                        else over[np.argmin(self._rest_length[over])])
                mass = w[over].sum()
                w[over] = 0.0
                w[keep] += mass
        if not w.any():
            np.copyto(w, self._spare)
