"""A transcription's written rhythm as a line of values: where the notes are written,
snapped onto the grid the model's values live on (pure; positions in twelfths of a beat).

A Weimar transcription writes every note at a tatum of its beat (``(tatum - 1) /
division``). Reading the onsets in seconds instead, rounded to twelfths, would teach the
model the players' timing as if it were the rhythm: a swung eighth at 7/12 of the beat
becomes a dotted-something, and the values no longer add up to the bars. The written
places are what a player reads; the time feel (:mod:`improv.learning.feel.timefeel`) is the
difference between them and the performance, learned and played on its own.

Every boundary of the line (a note's start, its end where a rest follows) falls on
:data:`~improv.language.grammar.GRID_ONSETS` (sixteenths and sextuplets) and every
length between two boundaries is one the values can hold (:func:`~improv.language.
grammar.on_value_grid`), so the values add up exactly. A note written too close to the
one before to be kept apart on that grid (the middle of a run of 32nd notes, a grace
note) is left out: the note before runs on over it.
"""

from __future__ import annotations

from fractions import Fraction

from improv.language.grammar import GRID_ONSETS, MAX_DURATION, on_value_grid
from improv.language.melodyline import MIN_REST

TOLERANCE = 1  # twelfths a note may move from its written place; further and it is left out
_REST = int(MIN_REST * 12)  # twelfths: a shorter gap is articulation, not a rest
MAX_TWELFTHS = int(MAX_DURATION * 12)  # the longest value


def tatum_place(beat: int, tatum: int, division: int) -> Fraction | None:
    """Where a transcription writes a note, in beats: its beat's index plus its tatum's
    share of the beat (``tatum`` counts from 1); None for a tatum outside its beat."""
    if not 1 <= tatum <= division:
        return None
    return beat + Fraction(tatum - 1, division)


def _candidates(target: int, floor: int) -> list[int]:
    """Grid positions at least ``floor``, within TOLERANCE of ``target``, nearest first."""
    near = [c for c in range(target - TOLERANCE, target + TOLERANCE + 1)
            if c >= floor and c % 12 in GRID_ONSETS]
    return sorted(near, key=lambda c: (abs(c - target), c))


def _rest_ok(twelfths: int) -> bool:
    """A gap the values can hold as a rest: a rest inside a bar is one value; a longer
    one (over the longest value) is split at the bar lines, which fall on beats."""
    return twelfths >= _REST and (on_value_grid(twelfths) or twelfths > MAX_TWELFTHS)


def _end(start: int, wanted: int, following: int | None) -> int:
    """Where a note that starts at ``start`` and was played until ``wanted`` ends: at
    the next start when the gap would be shorter than a rest (or it is the only way the
    lengths stay on the grid), else on the grid with a rest after it that is too."""
    if following is None:
        ends = [e for e in range(start + 2, max(wanted, start + 2) + 12)
                if e % 12 in GRID_ONSETS and on_value_grid(e - start)]
        return min(ends, key=lambda e: (abs(e - wanted), e))
    if following - wanted < _REST and on_value_grid(following - start):
        return following
    ends = [e for e in range(start + 2, min(start + MAX_TWELFTHS, following - _REST) + 1)
            if e % 12 in GRID_ONSETS and on_value_grid(e - start)
            and _rest_ok(following - e)]
    if not ends:
        return following
    return min(ends, key=lambda e: (abs(e - wanted), e))


def written_spans(notes) -> list[tuple[Fraction, Fraction, int]]:
    """``(start, length, pitch)`` notes in beats (start the written place, length as
    played) → ``(start, end, index)`` of one line on the value grid, in beats, ``index``
    the note of ``notes`` that sounds there: the top note of each written place, each
    kept within a twelfth of the twelfth nearest where it is written."""
    top: dict[int, tuple[int, float, int]] = {}
    for index, (start, length, pitch) in enumerate(notes):
        at = round(Fraction(start) * 12)
        if at not in top or (int(pitch), float(length)) > top[at][:2]:
            top[at] = (int(pitch), float(length), index)
    starts: list[tuple[int, float, int]] = []  # (twelfth, length, index)
    for at in sorted(top):
        floor = starts[-1][0] + 2 if starts else at - TOLERANCE
        options = _candidates(at, floor)
        if starts:  # a length from the last start the values can hold, where one is near
            options.sort(key=lambda c: not on_value_grid(c - starts[-1][0]))
        if options:
            starts.append((options[0], top[at][1], top[at][2]))
    line = []
    for k, (start, length, index) in enumerate(starts):
        following = starts[k + 1][0] if k + 1 < len(starts) else None
        end = _end(start, start + max(round(length * 12), 1), following)
        line.append((Fraction(start, 12), Fraction(end, 12), index))
    return line


def written_line(notes) -> list[tuple[Fraction, Fraction, int]]:
    """:func:`written_spans` with each note's pitch: ``(start, end, pitch)``."""
    notes = list(notes)
    return [(a, b, int(notes[k][2])) for a, b, k in written_spans(notes)]
