"""A part's levels: where each of its notes' onset and length lies inside its cell of
the time-feel table (0..1), drawn as a Gaussian copula around the style of one Weimar
soloist (pure: the feel's own generator is passed in).

Consecutive onsets correlate as the players' do at that gap (:func:`next_level`), a run
in one subdivision holding part of its time all through (``RUN_SHARE``); the lengths of
notes another note follows share a drift over the passage (:func:`drifted`).
:mod:`improv.performance.performer` turns the levels into starts and ends.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from improv.performance.timefeel import TimeFeel

# A run in one subdivision keeps part of its time all through: in the players' runs of
# eighths (benchmarks/feel_runs.py) an onset correlates 0.60, 0.40, 0.33 and 0.25 with
# those half a beat to two beats on, where one step's correlation carried on alone
# (0.60, 0.36, 0.22, 0.13) falls away. A share RUN_SHARE of each onset's variance held
# until the subdivision changes, the rest moving step to step, gives 0.60, 0.40, 0.30,
# 0.25 for a step of 0.60 (0.2 + 0.8 x 0.5^k).
RUN_SHARE = 0.2
# A run in one length keeps its articulation: between two notes in a row of one written
# length, each followed by another note, the players' sounding share changes by a median
# 0.085 of its log (sixteenths; eighths 0.081) in the discriminator's windows (seed 1,
# every third solo); improv, drawing each note's length around the passage's drift alone,
# 0.106 (0.101). The length of such a note carries this much of the score of the one
# before it (the rest as drawn, so its spread stays the solo's): 0.087 (0.083).
LENGTH_RUN_HOLD = 0.3


def next_level(score: float | None, rho: float, rng) -> tuple[float, float]:
    """(level in (0, 1), its normal score): one step of the Gaussian AR(1) copula, so
    consecutive draws correlate as the players' did (``score`` None: a fresh start)."""
    z = next_score(score, rho, rng)
    return level_of(z), z


def next_score(score: float | None, rho: float, rng) -> float:
    """The normal score of :func:`next_level`, one AR(1) step from ``score``."""
    e = float(rng.standard_normal())
    return e if score is None else rho * score + math.sqrt(1.0 - rho * rho) * e


def drifted(before: tuple | None, at: float, beats: float, rng) -> float:
    """The drift's score at ``at`` beats (written), from ``before`` (its score, where it
    was; None: a fresh start, as after a jump back): an Ornstein-Uhlenbeck step, so two
    scores correlate exp(-beats apart / ``beats``)."""
    if before is None or at < before[1]:
        return next_score(None, 0.0, rng)
    return next_score(before[0], math.exp(-(at - before[1]) / beats), rng)


def level_of(z: float) -> float:
    """A normal score's level in (0, 1): the standard normal CDF."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


class Levels:
    """One part's levels for its onsets and lengths: a Gaussian copula around the style
    of one Weimar solo (how far behind the beat, how hard it swings, how legato): that
    of ``solo`` where the table has it (the soloist the notes are drawn as), else one
    drawn once per part; the notes move around it with one solo's spread and
    note-to-note correlation. Without styles in the table, every note is drawn from all
    the players pooled."""

    def __init__(self, table: TimeFeel, rng, solo: str | None = None):
        self._rng = rng
        self._by_gap = table.by_gap if table.styles else ()
        self._by_run = table.by_run if table.styles else ()
        self._shape: tuple | None = None  # (points, the solo's lengths' levels at them)
        self._drift = table.length_drift if table.styles else (0.0, 1.0)  # (share, beats)
        self._drifting: tuple | None = None  # (the drift's score, where: beats written)
        self._kinds_shape: tuple | None = None  # (before a note, before a rest): levels
        self._held: float | None = None  # the score of the last note another note followed
        if table.styles:
            named = solo is not None and solo in table.style_names
            pick = (table.style_names.index(solo) if named
                    else int(rng.integers(len(table.styles))))
            self.style = table.styles[pick]
            self._within = table.within
            self._step = (table.step_centres[pick] if table.step_centres else 0.0,
                          *table.step_within)
            # (eighth-note pairs, other steps): how hard it swings eighths apart
            self._step_kinds = (table.step_kind_centres[pick] if table.step_kind_centres
                                else None)
            if table.length_shapes:  # the solo's lengths as a whole, not only their mean
                self._shape = (np.asarray(table.shape_points),  # arrays once, not per note
                               np.asarray(table.length_shapes[pick]))
                if table.kind_shapes:  # a note into the next, and one before a rest
                    self._kinds_shape = tuple(np.asarray(r) for r in table.kind_shapes[pick])
        else:
            self.style = (0.0, 0.0, 0.0)
            self._within = ((1.0, table.onset_serial), (1.0, table.length_serial))
            self._step = (0.0, *table.step_within)  # (centre, sd, rho) of the steps
            self._step_kinds = None
        self._inverse = NormalDist().inv_cdf  # once, not per note
        self._scores: list[float | None] = [None, None]
        self._before: float | None = None  # the onset score the last onset stepped from
        self._run: float | None = None  # the run's own score, held until it changes
        self._run_before: float | None = None  # and that of the run before that onset

    def onset(self, gap: float | None = None, again: bool = False, on_beat: bool = True,
              in_beat: bool = False, run: bool | None = None) -> float:
        """The next onset's level, ``gap`` beats (written) after the one before (None: not
        known), its correlation with that one's the players' at such a gap, inside one
        beat (``in_beat``) or across a beat line, and where ``run`` is known, whether the
        gap repeats the one before (a run in one subdivision keeps its time far more than
        a change of subdivision does), where the table has it; ``again``: a draw again
        for the same onset, from the same one; ``on_beat``: written on the beat (else
        the style's off-beat part)."""
        if again:
            self._scores[0], self._run = self._before, self._run_before
        self._before, self._run_before = self._scores[0], self._run
        rho, centre = None, self.style[0 if on_beat else 2]
        if self._by_gap and gap is not None:
            edges, across, inside = self._by_gap
            in_run = bool(self._by_run) and run is not None
            if in_run:
                across, inside = self._by_run[0 if run else 1]
            rho = (inside if in_beat else across)[int(np.searchsorted(edges, gap, side="left"))]
            if in_run:
                return self._in_run(rho, run, centre)
        self._run = None
        return self._next(0, rho, centre)

    def _in_run(self, rho: float, run: bool, centre: float) -> float:
        """An onset's level as :meth:`onset` draws it where it knows whether the gap
        repeats: a share RUN_SHARE of its score the run's own (held while the run goes
        on, drawn afresh at a change), the rest one AR(1) step, so that the correlation
        with the onset before stays ``rho`` either way."""
        sd, _ = self._within[0]
        held, moving = math.sqrt(RUN_SHARE), math.sqrt(1.0 - RUN_SHARE)
        before, old = self._scores[0], self._run
        kept = run and old is not None
        new = old if kept else float(self._rng.standard_normal())
        e = float(self._rng.standard_normal())
        if before is None:
            x = e
        else:
            x_before = before if old is None else (before - held * old) / moving
            r = min(max(((rho - RUN_SHARE) if kept else rho) / (1.0 - RUN_SHARE), -0.95), 0.95)
            x = r * x_before + math.sqrt(1.0 - r * r) * e
        self._run = new
        score = self._scores[0] = held * new + moving * x
        return level_of(centre + sd * score)

    def step(self, eighth: bool | None = None) -> float:
        """The level of a step to the next onset inside the beat (:meth:`TimeFeel.step`):
        around the solo's own (how it swings a pair: that of its ``eighth``-note pairs or
        of its other steps, where the table holds both), moving against the onset last
        drawn as the players' do (a late note, then a shorter step)."""
        centre, sd, rho = self._step
        if self._step_kinds is not None and eighth is not None:
            centre = self._step_kinds[0 if eighth else 1]
        self._before = self._scores[0]  # as onset() keeps it: a redraw starts from here
        z = self._scores[0] or 0.0
        e = float(self._rng.standard_normal())
        return level_of(centre + sd * (rho * z + math.sqrt(1.0 - rho * rho) * e))

    def landed(self, level: float, on_beat: bool) -> None:
        """An onset reached by a step lies at ``level`` of its cell: the onsets after it
        move from there (a run of steps returns towards the solo's own place)."""
        sd, _ = self._within[0]
        u = min(max(level, 1e-4), 1.0 - 1e-4)
        self._scores[0] = (self._inverse(u) - self.style[0 if on_beat else 2]) / sd

    def length(self, rest_follows: bool | None = None, at: float | None = None,
               run: bool = False) -> float:
        """The next length's level: where the table keeps the solo's shape, the level at
        which the solo's own lengths' levels reach the copula's (legato players hold more
        notes right up to the next, others let go early more often), of the notes
        another note follows or of those a ``rest_follows`` where it keeps both; else
        its mean score moves the copula's. A note another note follows, written ``at``
        beats, shares the drift of the passage where the table has one, and in a ``run``
        (written as long as the note before, which another note followed too) carries
        LENGTH_RUN_HOLD of that note's score."""
        if self._shape is None:
            return self._next(1, None, self.style[1])
        share, beats = self._drift
        if share > 0 and at is not None and rest_follows is False:
            self._drifting = (drifted(self._drifting, at, beats, self._rng), at)
            score = (math.sqrt(share) * self._drifting[0]
                     + math.sqrt(1.0 - share) * float(self._rng.standard_normal()))
        else:
            score = self._scores[1] = next_score(self._scores[1], self._within[1][1], self._rng)
        if rest_follows is False:
            if run and self._held is not None:
                score = (LENGTH_RUN_HOLD * self._held
                         + math.sqrt(1.0 - LENGTH_RUN_HOLD ** 2) * score)
            self._held = score
        points, shape = self._shape
        if self._kinds_shape is not None and rest_follows is not None:
            shape = self._kinds_shape[1 if rest_follows else 0]
        return float(np.interp(level_of(score), points, shape))

    def _next(self, kind: int, rho: float | None, centre: float) -> float:
        sd, serial = self._within[kind]
        score = self._scores[kind] = next_score(self._scores[kind],
                                                serial if rho is None else rho, self._rng)
        return level_of(centre + sd * score)
