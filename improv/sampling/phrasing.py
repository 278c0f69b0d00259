"""Breaths: how long the soloist waits between phrases, as the Weimar players do.

Left to itself the model ends a phrase well (its phrase lengths match the corpus's:
median 7 beats, p90 21 to 25) but breathes too evenly and too briefly: median 1.67
beats against the players' 2, p90 3.6 against 4.6. With ``[sampling] breaths =
"learned"`` each gap gets a breath drawn from the players' (the silence from a phrase's
last note to the next phrase's first, phrases split at a beat's rest, over the 456
solos: ``python -m improv.learning.motifs``), and a place in the beat for the next
phrase to start, drawn from where the players' phrases start at the tempo
(``START_PLACES``): the gap ends where that place comes round, just before or after
the breath; until then only rests may follow, then only notes. Without the place, a phrase started
wherever the breath ran out: as often on a triplet's second or third note (2, 4, 8 or
10 twelfths into the beat) as on the beat, above 240 BPM a quarter of them, where the
players start 5% of theirs (half on the beat, a third on the off-beat eighth).
``"model"`` leaves the gaps to the model, as before. Draws come from a generator of
their own.
"""

from __future__ import annotations

import numpy as np

from improv.language.register import from_quantiles

# The share of the players' phrases (after a breath) that start each twelfth into the
# beat, by the model's tempo bands (improv.language.context.TEMPO_EDGES: under 110, 110,
# 150, 190, 240, 280 BPM and up), over the 456 solos (``python -m
# improv.learning.motifs``: 1,057 to 2,408 phrases a band).
START_PLACES = (
    (0.23, 0.0, 0.09, 0.111, 0.123, 0.0, 0.237, 0.0, 0.06, 0.116, 0.034, 0.0),
    (0.306, 0.0, 0.047, 0.089, 0.05, 0.0, 0.314, 0.0, 0.048, 0.121, 0.026, 0.0),
    (0.346, 0.0, 0.026, 0.06, 0.033, 0.0, 0.345, 0.0, 0.044, 0.129, 0.018, 0.0),
    (0.36, 0.0, 0.009, 0.038, 0.023, 0.0, 0.417, 0.0, 0.024, 0.122, 0.008, 0.0),
    (0.485, 0.0, 0.008, 0.043, 0.032, 0.0, 0.31, 0.0, 0.013, 0.109, 0.0, 0.0),
    (0.503, 0.0, 0.003, 0.035, 0.035, 0.0, 0.286, 0.0, 0.025, 0.113, 0.0, 0.0),
)

BREATH = (1.08, 1.42, 2.0, 3.08, 4.58)  # beats between phrases, p10..p90
REACH = 12 * 16  # twelfths: a silence longer than this is taken as one rests can fill
BREATH_STREAM = 0x42  # the spawn key of the breaths' generator beside the soloist's own
BREATHS = ("learned", "model")


def draw_breath(rng: np.random.Generator) -> int:
    """A breath in twelfths of a beat (at least the beat that closes a phrase)."""
    return max(12, round(12 * from_quantiles(BREATH, rng.random())))


def draw_place(rng: np.random.Generator, band: int) -> int:
    """Where in the beat (twelfths) the next phrase starts, as the players' at tempo
    ``band`` (the last band for any beyond)."""
    shares = np.asarray(START_PLACES[min(max(band, 0), len(START_PLACES) - 1)])
    return int(np.searchsorted(np.cumsum(shares), rng.random() * shares.sum(), side="right"))


def landing(breath: int, place: int, since: int, u: float) -> int:
    """The silence (at least the beat that closes a phrase) that ends ``place`` twelfths
    into a beat, for one that began ``since`` twelfths into one: of the two either side
    of ``breath`` twelfths, the longer with a chance (``u`` uniform) that grows as the
    breath nears it, so the breaths keep the players' lengths on average (always the
    next one drew 4.8% of inter-onset intervals over 2.5 beats, the players 2.1%)."""
    shorter = breath - (since + breath - place) % 12
    longer = shorter + 12 if shorter < breath else shorter
    return longer if shorter < 12 or u * 12 < breath - shorter else shorter


class Breaths:
    """The breath drawn for the open phrase, and the weights that keep its gap to it."""

    def __init__(self, rng: np.random.Generator, pitched: np.ndarray, rest_length: np.ndarray):
        """``pitched``: which values are notes; ``rest_length``: each rest's length in
        twelfths (notes: a large negative number, never too long)."""
        self._rng = rng
        self.breath: int | None = None  # twelfths; None before the first phrase
        self.place = 0  # twelfths into the beat where the next phrase starts
        self._u = 0.0  # which silence either side of the breath ends there (landing)
        self._rests_only = (~pitched).astype(float)
        self._notes_only = pitched.astype(float)
        self._rest_length = rest_length
        self._is_rest = ~pitched
        self._rest_twelfths = np.where(pitched, 0, rest_length)  # notes 0: no overflow
        self._spare = np.empty(len(pitched))
        self._over = np.empty(len(pitched), bool)
        self._allowed = np.empty(len(pitched), bool)
        # which silences (twelfths, below REACH) the vocabulary's rests can fill exactly
        self._fills = np.zeros(REACH, bool)
        self._fills[0] = True
        lengths = sorted({int(t) for t in rest_length[~pitched] if 0 < t < REACH})
        for total in range(1, REACH):
            self._fills[total] = any(self._fills[total - t] for t in lengths if t <= total)

    def draw(self, band: int) -> None:
        """A phrase opens (at tempo ``band``): the breath after it, and where the phrase
        after that starts in the beat."""
        self.breath = draw_breath(self._rng)
        self.place = draw_place(self._rng, band)
        self._u = float(self._rng.random())

    def keep(self, w: np.ndarray, in_gap: bool, resting: int, position: int) -> None:
        """Keep the gap after the phrase to its breath, in place on the weights ``w``
        (``resting``: twelfths of rest since the last note; ``position``: twelfths into
        the beat now), run on to where the next phrase starts in the beat. A rest that
        would run past that, or stop short of it by a silence no rests fill (a twelfth),
        gives its weight to the longest that does not, so the model still decides
        whether the phrase ends here and the breath how long the gap is; in the gap,
        rests only until then, then notes only. A limit that would leave nothing allowed
        (no rest or start on the grid here) is left out."""
        if self.breath is None:
            return
        left = landing(self.breath, self.place, (position - resting) % 12, self._u) - resting
        np.copyto(self._spare, w)
        if left <= 0:
            if in_gap:
                np.multiply(w, self._notes_only, out=w)
        else:
            if in_gap:
                np.multiply(w, self._rests_only, out=w)
            np.greater(w, 0.0, out=self._allowed)
            # rests past the breath, or short of its end by what no rests can fill
            np.greater(self._rest_length, left, out=self._over)
            short = np.clip(left - self._rest_twelfths, 0, REACH - 1)
            self._over |= ~self._fills[short] & self._is_rest
            np.logical_and(self._over, self._allowed, out=self._over)
            if self._over.any():  # rare: only then the arrays of a reweighting
                fits = np.flatnonzero(self._allowed & self._is_rest & ~self._over &
                                      (self._rest_length <= left))
                over = np.flatnonzero(self._over)
                # the longest rest within the breath, else the shortest past it
                keep = (fits[np.argmax(self._rest_length[fits])] if len(fits)
                        else over[np.argmin(self._rest_length[over])])
                mass = w[over].sum()
                w[over] = 0.0
                w[keep] += mass
        if not w.any():
            np.copyto(w, self._spare)
