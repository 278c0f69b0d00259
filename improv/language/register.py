"""The register a phrase keeps to: a window inside ``[melody] low..high`` per phrase.

A Weimar solo does not span its whole compass in every phrase: a phrase covers about an
octave (median range 13 semitones), its middle wanders a few semitones from one phrase to
the next, and the solo as a whole stays within about a tenth and a half (p5..p95 of its
pitches, median 18 semitones). :class:`Registers` draws, at each new phrase, a window
like that: its width from the corpus's phrase ranges (at least an octave, so every pitch
class exists in it), its centre moved from the previous phrase's by a step drawn from
the corpus's phrase-to-phrase moves, kept inside a solo range around the middle of
``low..high`` (its width drawn once, from the solos' p5..p95 ranges); the window itself
is kept inside the solo's compass around the same middle (its width drawn once, from the
lower half of the solos' highest-minus-lowest pitch, 19..28: whole solos, often longer
than a render, reach further), except where the model's interval leaves the window
(see MelodyPart._phrase_limits). The window never leaves ``low..high``. Draws come from a generator of the window's own, so the part's
stream is untouched: with ``[melody] register = "full"`` no window is drawn at all.

The quantiles were measured by :func:`improv.learning.registers.measure` over the 456
Weimar solos (``python -m improv.learning.registers``): phrases split at silences of one
beat or more (the melody table's ``beatdur``).
"""

from __future__ import annotations

import math

import numpy as np

from improv.language.grammar import PitchLimits, Value
from improv.streams import child_stream

_QS = (0.10, 0.25, 0.50, 0.75, 0.90)
PHRASE_RANGE = (5.0, 8.0, 13.0, 18.0, 23.0)  # max - min of phrases of 3 notes or more
CENTRE_MOVE = (-6.0, -3.0, 0.0, 3.0, 6.0)  # a phrase's centre minus the previous one's
SOLO_SPAN = (14.0, 16.0, 18.0, 20.0, 22.77)  # p95 - p5 of a solo's pitches
SOLO_COMPASS = (22.0, 24.0, 28.0, 32.0, 38.0)  # highest - lowest pitch of a solo
MIN_WIDTH = 12  # an octave: every pitch class inside the window

REGISTER_STREAM = 0x52  # the spawn key of the windows' generator beside the part's own


def from_quantiles(qs, u: float, levels=_QS) -> float:
    """The value at probability ``u`` of a distribution known by its quantiles ``qs`` at
    ``levels`` (p10..p90 unless given): linear between them, carried on at the end
    slopes beyond (to p0 and p100)."""
    xs, ys = (0.0, *levels, 1.0), (
        qs[0] - (qs[1] - qs[0]) * levels[0] / (levels[1] - levels[0]), *qs,
        qs[-1] + (qs[-1] - qs[-2]) * (1 - levels[-1]) / (levels[-1] - levels[-2]))
    return float(np.interp(u, xs, ys))


def register_stream(rng) -> np.random.Generator:
    """The windows' own generator, a child of the part's seed, so drawing windows never
    moves the part's own stream."""
    return child_stream(rng, REGISTER_STREAM)


def open_window(window: PitchLimits | None, limits: PitchLimits) -> PitchLimits | None:
    """A phrase's window while it lies inside the limits (None: the limits moved off it)."""
    inside = window is not None and limits.low <= window.low and window.high <= limits.high
    return window if inside else None


def value_limits(window: PitchLimits, compass: PitchLimits, previous: int | None,
                 value: Value, table) -> PitchLimits:
    """The phrase's window for ``value``; where its interval from ``previous`` has no
    pitch of its type there (``table``: the chord's type of each pitch class), the line
    may step out of it as the model asks, but only within the solo's ``compass``."""
    if previous is not None and value.lo is not None:
        start, stop = max(window.low, previous + value.lo), min(window.high, previous + value.hi)
        if not any(table[p % 12] == value.kind for p in range(start, stop + 1)):
            return compass
    return window


class Registers:
    """The windows of a solo's phrases inside ``limits``, drawn from ``rng``."""

    def __init__(self, limits: PitchLimits, rng: np.random.Generator):
        self._rng = rng
        self._centre: float | None = None
        self._span = from_quantiles(SOLO_SPAN, rng.random())
        self._compass = from_quantiles(SOLO_COMPASS, 0.5 * rng.random())  # at most the median
        self.limits = limits

    @property
    def limits(self) -> PitchLimits:
        return self._limits

    @limits.setter
    def limits(self, limits: PitchLimits) -> None:
        """The register may move (the musician's register knob): the solo's range
        follows the middle of the new limits."""
        self._limits = limits
        middle = (limits.low + limits.high) / 2
        half = min(self._span, limits.high - limits.low) / 2
        self._bounds = (middle - half, middle + half)
        reach = min(max(self._compass, MIN_WIDTH), limits.high - limits.low) / 2
        self._compass_limits = (max(limits.low, math.floor(middle - reach)),
                                min(limits.high, math.ceil(middle + reach)))
        if self._centre is not None:
            self._centre = min(max(self._centre, self._bounds[0]), self._bounds[1])

    @property
    def compass(self) -> PitchLimits:
        """The solo's compass: every window lies inside it."""
        return PitchLimits(*self._compass_limits)

    def next_window(self) -> PitchLimits:
        """The window of the next phrase."""
        low, high = self._compass_limits
        width = max(MIN_WIDTH, round(from_quantiles(PHRASE_RANGE, self._rng.random())))
        step = from_quantiles(CENTRE_MOVE, self._rng.random())
        lo_bound, hi_bound = self._bounds
        if self._centre is None:
            self._centre = (lo_bound + hi_bound) / 2
        centre = self._centre + step
        if not lo_bound <= centre <= hi_bound:  # turn back at the edge of the solo's range
            centre = self._centre - step
        self._centre = min(max(centre, lo_bound), hi_bound)
        if high - low <= width:
            return PitchLimits(low, high)
        start = round(self._centre - width / 2)
        start = min(max(start, low), high - width)
        return PitchLimits(start, start + width)
