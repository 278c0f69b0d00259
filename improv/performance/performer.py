"""A part's performer: each written note's start and end as a player sounds it, drawn
from the time-feel table (:mod:`improv.performance.timefeel`), with the ornaments the
table holds (pure: the feel's own generator is passed in).

Where each note lies inside its cell comes from :class:`improv.performance.levels.Levels`
(a push or a drag carries over a few notes, around the style of one player).
:func:`place` turns the draws into a note's start and end under the limits a monophonic line needs: starts strictly
increasing, none below zero, never earlier than ``EARLIEST`` before the written place
(so the part can make every note before it is due), and no note sounding past the next
one's start (the next note is drawn with the one before it, so that note knows where to
let go).
"""

from __future__ import annotations

import math

import numpy as np

from improv.learning.feel.feelstyles import EIGHTH_STEP, repeats_gap
from improv.learning.timednotes import LEADS, REST_LEAD, grain, is_short_rest
from improv.performance.levels import Levels
from improv.performance.ornaments import MIN_LEAD, MIN_RUN_NOTE, RUN_SOUNDS, grace_before, \
    run_through
from improv.performance.timefeel import EARLIEST, TimeFeel
from improv.streams import child_stream

MIN_STEP = 1 / 48  # beats between two starts, at least
MIN_LENGTH = 1 / 24  # beats a note sounds, at least (less if its span is shorter)
# beats a note a rest follows may sound past its written end, at most: less where the
# rest is short, so the next note, even pushed EARLIEST ahead, still starts after it (a
# rest shorter than EARLIEST leaves none, and such a push waits for the note to end).
# Before a short rest (timednotes.SHORT_REST), with a table that has them, a note may
# sound up to where the next note is drawn to come instead.
REST_OVERRUN = 1 / 8
FEEL_STREAM = 0x7F  # the spawn key of the feel's generator beside the part's own
# Players seldom crowd two notes: an onset leaving under CROWDED of the written gap
# after the one before is drawn again (up to REDRAWS draws in all, then put at the
# least gap). Independent draws per place in the beat crowded one sixteenth in seven;
# the players, one in 25 to 70.
CROWDED = 0.6
REDRAWS = 4


def beat_grain(twelfths: int, before=None, after=None) -> int:
    """The grain of the beat around an onset ``twelfths`` into it, from the onsets
    known in the same beat (``before``, ``after``: their twelfths, or None)."""
    return grain([twelfths, *(k for k in (before, after) if k is not None)])


def place(written: float, written_end: float, deviation: float, ratio: float,
          next_deviation: float | None, previous: tuple[float, float] | None = None,
          floor: float = 0.0, room: float = 0.0) -> tuple[float, float]:
    """(start, end) in beats of a note written from ``written`` to ``written_end``:
    moved by ``deviation``, sounding ``ratio`` of the time to the next onset as it will
    be played (``written_end`` moved by ``next_deviation``), as the players' shares
    were measured; ``next_deviation`` None: a rest follows, and ``ratio`` is of the
    written span. The start stays MIN_STEP after the ``previous`` note's (start, end)
    start and no earlier than its end, and is never below ``floor`` (zero, or where the
    chart starts after a count-in), nor so late that the note has no room before its
    written end; the end is at least a little after the start and, where a note follows,
    never after its onset (where a rest follows, at most ``room`` beats into it)."""
    span = written_end - written
    lo = floor if previous is None else max(floor, previous[0] + MIN_STEP, previous[1])
    shortest = min(MIN_LENGTH, span / 2)
    start = max(min(written + deviation, written_end - shortest), lo)
    if next_deviation is None:  # into the rest, as the players' notes may, not through it
        return start, max(min(start + ratio * span, written_end + room), start + shortest)
    reach = max(written_end + next_deviation - start, shortest)
    return start, start + max(ratio * reach, shortest)


class Performer:
    """One line's written notes as a player sounds them, in order (the melody's).

    Draws, in note order from the feel's own generator (the player's style first, once:
    :class:`Levels`): a note's onset (unless drawn with the note before, which let go
    by where it foresaw this onset: it stays there, so every note sounds the share of
    the time to the next onset it drew), its length, and, where another note follows
    it, the onset there."""

    def __init__(self, table: TimeFeel, rng, solo: str | None = None):
        self._table = table
        self._rng = rng
        self._solo = solo  # the Weimar soloist whose style it plays in, if the table has it
        self._levels: Levels | None = None  # the style, drawn with the first note
        self._foreseen: tuple | None = None  # (written onset: a Fraction, deviation)
        self._played: tuple | None = None  # (written: a Fraction, start, end)
        self._before: tuple | None = None  # (start, end) of the note before that one
        self._span: int | None = None  # twelfths: its written span, where a note follows
        self._written_end = None  # where the note before is written to end (a Fraction)
        self._rested = True  # a rest (or nothing) before the next note, as a table made
        # before the short rests reads it
        self._after_rest: tuple | None = None  # (written onset, level) past a short rest
        self._into: float | None = None  # written gap into the last onset from the one before
        self._ran = False  # the note before ran through to this one (a run goes on)

    def new_phrase(self) -> None:
        """The next note starts afresh: nothing foresaw its onset."""
        self._foreseen = None
        self._ran = False

    def forget(self) -> None:
        """The transport jumped: the note before may lie ahead."""
        self._played = None
        self._foreseen = None
        self._written_end = None
        self._rested = True
        self._after_rest = None
        self._into = None
        self._ran = False

    def perform(self, start, end, tempo: float, amount: float, rest_follows: bool,
                floor: float = 0.0, until: float | None = None,
                next_span=None) -> tuple[float, float]:
        """(start, end) in beats of the note written from ``start`` to ``end`` (exact
        beats, Fractions), ``rest_follows`` or another note from ``end`` on (written
        ``next_span`` beats long, where it is known: the grain of its beat; or the rest's
        length: how far the note may sound into it); off by ``until`` (where another
        player's turn begins) if given."""
        table, rng = self._table, self._rng
        beat, here = math.floor(start), round(start * 12) % 12
        before = None
        if self._played is not None and math.floor(self._played[0]) == beat:
            before = round(self._played[0] * 12) % 12
        # the next onset, where it falls in this beat: this note's end, or past a rest
        # (whose start is no onset: the table read each beat's grain from onsets alone)
        follows = end if not rest_follows else (None if next_span is None else end + next_span)
        after = None
        if follows is not None and follows < beat + 1:
            after = round(follows * 12) % 12
        levels = self._levels = self._levels or Levels(table, rng, self._solo)
        into = None if self._played is None else float(start - self._played[0])  # written
        # the rest before it, written (a short one, a longer one; inf: none known); a
        # table made before the short rests knows one rest, as the line before it said
        shorts = table.leads == LEADS
        if not shorts:
            rest = math.inf if self._rested else None
        else:
            rest = (math.inf if self._written_end is None else
                    float(start - self._written_end) if start - self._written_end >= REST_LEAD
                    else None)
        # a short rest after it (as far as the melody knows: the rest drawn next, where
        # more rest may follow it)
        short_rest = (shorts and rest_follows and next_span is not None
                      and is_short_rest(float(next_span)))
        if self._foreseen is not None and self._foreseen[0] == start:
            deviation = self._foreseen[1]  # as the note before foresaw it and let go
            if short_rest and amount > 0:  # but a short rest follows: to its level there
                deviation = max(amount * table.before_rest(
                    here, tempo, deviation / amount, float(next_span),
                    grain=beat_grain(here, before, after), gap=into,
                    after=float(end - start)), -EARLIEST)
        else:
            if self._after_rest is not None and self._after_rest[0] == start:
                level = self._after_rest[1]  # where the note before let go for it
            else:  # a foreseen onset not played (the line skipped): from the note before it
                level = levels.onset(into, again=self._foreseen is not None, on_beat=here == 0,
                                     in_beat=before is not None,
                                     run=None if into is None else repeats_gap(into, self._into))
            deviation = table.onset(here, tempo, rng, amount, level=level, gap=into,
                                    grain=beat_grain(here, before, after),
                                    after=float(end - start), rest=rest,
                                    rest_out=float(next_span) if short_rest else None)
        # a run in one length: the note before was as long, and this note followed it
        run = (not rest_follows and self._played is not None
               and self._played[0] + (end - start) == start
               and self._span == round((end - start) * 12))
        length_level = levels.length(rest_follows, at=float(start), run=run)
        next_deviation = None
        if not rest_follows:
            ahead = round(end * 12) % 12  # the next onset's, as far as it is known now
            beyond = None  # the onset after it, where it falls in the same beat
            if next_span is not None and end + next_span < math.floor(end) + 1:
                beyond = round((end + next_span) * 12) % 12
            grain = beat_grain(ahead, None if after is None else here, beyond)
            out = None if next_span is None else float(next_span)  # its lead-out: its span
            gap = round((end - start) * 12)
            # inside the beat: a step from this onset, as the players' pairs move, where
            # the table holds that step (amount 0: every onset as written, as below)
            stepped = (after is not None and amount > 0
                       and table.step_cell(ahead, gap, tempo) is not None)
            for again in range(REDRAWS):  # drawn again where it would crowd this onset
                landed = None
                if stepped:
                    step, own = table.step_to(ahead, gap, tempo, rng, out,
                                              level=levels.step(eighth=gap == EIGHTH_STEP))
                    found = table.landing(ahead, tempo, deviation / amount + step,
                                          grain=grain, gap=float(end - start), after=out,
                                          own=own)
                    if found is not None:  # never beyond where the players' onsets lie
                        next_deviation, landed = max(amount * found[0], -EARLIEST), found[1]
                    else:
                        next_deviation = max(deviation + amount * step, -EARLIEST)
                else:
                    level = levels.onset(float(end - start), again=again > 0,
                                         on_beat=ahead == 0, in_beat=after is not None,
                                         run=repeats_gap(float(end - start), into))
                    next_deviation = table.onset(ahead, tempo, rng, amount, level=level,
                                                 grain=grain, gap=float(end - start), after=out)
                if end + next_deviation - start - deviation >= CROWDED * float(end - start):
                    break
            else:  # no draw leaves room (this onset lies late): as little as may be
                next_deviation = float(start + deviation + CROWDED * (end - start) - end)
                landed = None
            if landed is not None:
                levels.landed(landed, on_beat=ahead == 0)
        self._foreseen = None if next_deviation is None else (end, next_deviation)
        room = 0.0  # into a rest: never so far that the next note, pushed early, meets it
        self._after_rest = None
        if short_rest:
            # where the note after it will come: its level drawn now (its cell, which its
            # own beat and span choose, is not known yet: every lead-out together), so
            # this note sounds up to there and that note comes in at the same level
            comes = end + next_span
            ahead = round(comes * 12) % 12
            inside = math.floor(comes) == beat
            level = levels.onset(float(comes - start), on_beat=ahead == 0, in_beat=inside,
                                 run=None if into is None else
                                 repeats_gap(float(comes - start), into))
            bound = table.onset(ahead, tempo, rng, amount, rest=float(next_span), level=level,
                                grain=beat_grain(ahead, here if inside else None), any_out=True)
            room = max(float(next_span) + bound - MIN_STEP, 0.0)
            self._after_rest = (comes, level)
        elif rest_follows and next_span is not None:
            room = min(REST_OVERRUN, max(float(next_span) - EARLIEST - MIN_STEP, 0.0))
        # its share of the time to the next onset, by how far that time is stretched as
        # played (the players' lengths follow it only in part)
        stretch = (1.0 if next_deviation is None else
                   (float(end - start) + next_deviation - deviation) / float(end - start))
        ratio = table.length(float(end - start), tempo, rest_follows, rng, amount,
                             level=length_level, stretch=stretch)
        previous = None if self._played is None else self._played[1:]
        on, off = place(float(start), float(end), deviation, ratio, next_deviation, previous,
                        floor, room)
        if until is not None:
            off = max(min(off, until), on + min(MIN_LENGTH, float(end - start)) / 2)
        self._before, self._played = previous, (start, on, off)
        self._span = None if rest_follows else round((end - start) * 12)
        self._into = into
        self._written_end = end
        # the next onset comes after a rest (an unknown one counts): it leads in as one
        self._rested = rest_follows and (next_span is None or next_span >= REST_LEAD)
        return on, off

    def grace(self, pitch: int, tempo: float, amount: float, low: int, high: int,
              floor: float = 0.0) -> tuple[float, float, int] | None:
        """(start, end, pitch) of a grace note before the note just performed, or None
        (:mod:`improv.performance.ornaments`): it sounds the share of its time to that
        note's start the players' quick notes do (all of it without the table's)."""
        graces, before = self._table.graces, self._before
        if graces is None or before is None or self._played is None:
            return None
        written, on = self._played[:2]  # no earlier than any note may be pushed ahead:
        free = max(before[1], floor, float(written) - EARLIEST)  # the part reads that far
        found = grace_before(graces, self._table.band(tempo), self._table.levels, on,
                             on - before[0], free, pitch, low, high, amount, self._rng)
        if found is None:
            return None
        start, grace = found
        share = self._table.quick_share(self._rng, 1.0)  # grace_before left MIN_LEAD at least
        return start, start + max(share * (on - start), MIN_LEAD), grace

    def run(self, pitch: int, target: int | None, tempo: float, amount: float, low: int,
            high: int) -> list[tuple[float, float, int]]:
        """(start, end, pitch) of the note just performed, and of the notes a player runs
        through after it toward the next note at ``target`` where one is drawn
        (:func:`improv.performance.ornaments.run_through`): each sounding the share of
        its time to the next the players' quick notes do (RUN_SOUNDS without the
        table's), the last until that note's end, or as long as the others
        where the note would have let go sooner (never past the next onset)."""
        runs, played, foreseen = self._table.runs, self._played, self._foreseen
        _, on, off = played
        run = []
        if runs is not None and self._span is not None and foreseen is not None:
            upto = float(foreseen[0]) + foreseen[1]  # the next onset, as drawn
            run = run_through(runs, tempo, self._span, on, upto, pitch, target, low, high,
                              amount, self._rng, self._ran)
            if run:  # the next note starts after the run's last, a grace's room is from it
                every = run[0][0] - on
                off = max(off, min(run[-1][0] + RUN_SOUNDS * every, upto))
                self._played = (played[0], run[-1][0], off)
        self._ran = bool(run)  # no run where a rest follows: the next note starts afresh
        if not run:  # most notes: the note as performed
            return [(on, off, pitch)]
        starts = [(on, pitch), *run]
        shares = [self._table.quick_share(self._rng, RUN_SOUNDS)
                  for _ in run]  # each note before the run's last, as the players' sound
        out = []
        for k, (t, p) in enumerate(starts):
            gap = None if k + 1 == len(starts) else starts[k + 1][0] - t
            out.append((t, off if gap is None else t + max(shares[k] * gap, MIN_RUN_NOTE), p))
        return out


def feel_stream(rng) -> np.random.Generator:
    """The feel's own generator, a child of the part's seed, so drawing the feel never
    moves the part's own stream."""
    return child_stream(rng, FEEL_STREAM)
