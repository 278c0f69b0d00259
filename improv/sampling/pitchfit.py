"""Which values the melody can play as the model means them, from where the line
stands (pure numpy).

A value with an interval range was encoded from one interval, its range's centre, to a
pitch of its type over the chord (:func:`improv.language.grammar.encode`). The melody
plays that very pitch when it has the value's type over the chord the value falls on
and lies inside the phrase's register; otherwise the decoder draws another near it, and
measured over renders that happened to a quarter of the values: one in nine had a type
the interval cannot reach over that chord, one in eight left the phrase's register.
The line those draws make is not the model's: more repeated notes and semitones, fewer
thirds and fourths than the players (and than the values themselves).

:class:`PitchFit` gives the sampler the values that land exactly, so it draws among
them with the model's own odds: the ranged values that fit take the share of all the
ranged values, and rests and phrase starts keep theirs (renormalising over everything
allowed would hand the masked notes' share to the rests, and the line would rest more
than the model means). Where no ranged value fits, the draw stays as it was and the
decoder's fallbacks are the answer.

A pattern (:mod:`improv.sampling.patterns`) *aims* a draw at one interval: only the
ranged values that move exactly that far and fit take the ranged values' share. Where
none does, the draw fits as it would without the aim, and the pattern ends there.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from improv.language.grammar import Value

KINDS = "CSAXR"  # a value's type as a small integer: its index here


class PitchFit:
    """For one vocabulary: the mask of values whose own interval, taken from
    ``previous`` over a chord, is a pitch of their type inside ``low..high``. Values
    without a range (phrase starts, rests) always fit."""

    def __init__(self, values: Sequence[Value]):
        exact = [v.lo is not None and (v.lo + v.hi) % 2 == 0 for v in values]
        self._free = ~np.array(exact, bool)  # nothing to fit: no range, or no centre pitch
        self._ranged = (~self._free).astype(float)
        self._step = np.array([(v.lo + v.hi) // 2 if e else 0 for v, e in zip(values, exact)],
                              np.int64)
        self._kind = np.array([KINDS.index(v.kind) for v in values], np.int8)
        self._codes: dict[tuple, np.ndarray] = {}  # per chord's type table
        n = len(values)
        self._pitch = np.empty(n, np.int64)
        self._class = np.empty(n, np.int64)
        self._types = np.empty(n, np.int8)  # the type of each value's pitch over the chord
        self._inside = np.empty(n, bool)
        self._fits = np.empty(n, bool)
        self._kept = np.empty(n)
        self._factor = np.empty(n)
        self._aimed = np.empty(n, bool)
        self._aim: int | None = None  # aim()

    def aim(self, step: int | None) -> None:
        """The next :meth:`keep` keeps only the ranged values moving ``step`` semitones,
        where any of them fits (None: every interval)."""
        self._aim = step

    def keep(self, w: np.ndarray, previous: int, table: tuple[str, ...], low: int,
             high: int) -> bool:
        """Zero in ``w`` (weights, in place) the ranged values that do not fit, the others
        scaled up to the ranged values' whole weight; False (``w`` unchanged) when none
        fits. An aim (:meth:`aim`) holds for this call only."""
        step, self._aim = self._aim, None
        mask = self.mask(previous, table, low, high)
        if step is not None:
            aimed = np.equal(self._step, step, out=self._aimed)
            aimed &= mask
            aimed |= self._free
            if self._scale(w, aimed):
                return True
        return self._scale(w, mask)

    def _scale(self, w: np.ndarray, mask: np.ndarray) -> bool:
        ranged = float(np.dot(w, self._ranged))
        kept = np.multiply(w, mask, out=self._kept)
        fitting = float(np.dot(kept, self._ranged))
        if not fitting > 1e-12 * ranged:  # none fits (or too little to scale up)
            return False
        np.multiply(self._ranged, ranged / fitting - 1.0, out=self._factor)
        self._factor += 1.0
        np.multiply(kept, self._factor, out=w)
        return True

    def mask(self, previous: int, table: tuple[str, ...], low: int, high: int) -> np.ndarray:
        """True for each value that plays exactly (a buffer, valid until the next call).
        ``table``: the chord's type of each pitch class (``harmony.type_table``)."""
        codes = self._codes.get(table)
        if codes is None:
            if len(self._codes) > 256:  # a long session's chords: keep it bounded
                self._codes.clear()
            codes = self._codes[table] = np.array([KINDS.index(t) for t in table], np.int8)
        pitch, fits, inside = self._pitch, self._fits, self._inside
        np.add(self._step, previous, out=pitch)
        np.mod(pitch, 12, out=self._class)
        np.take(codes, self._class, out=self._types)  # no allocation per value
        np.equal(self._types, self._kind, out=fits)
        np.greater_equal(pitch, low, out=inside)
        fits &= inside
        np.less_equal(pitch, high, out=inside)
        fits &= inside
        fits |= self._free
        return fits
