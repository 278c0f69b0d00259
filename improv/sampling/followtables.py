"""The calibration's tables of what follows what (pure numpy): a factor for each next
note after each pair of values before it, beside the calibration's one-value tables
(:mod:`improv.sampling.calibration`). One so far, the line (intervals).

Played on from its own values, the model's three-note figures were not the players':
fewer diatonic runs (down a whole tone twice, then a semitone: 5.7 in 1,000 interval
triples, the players 9.7), more chromatic turns into a whole step (up a semitone twice,
then a whole tone: 4.4, the players 2.2), more turns back after a step. An interval-trigram model alone told improv's 4-bar windows from the players'
with an AUC of 0.75 (benchmarks/discriminator.py), the most telling of its features.
Classes: the interval signed, 0 to ``LINE_REACH`` semitones each its own, wider ones
one class each way; a rest is passed over (the interval spans it), a phrase's first
note (no interval) ends what the line remembers. (A table of the note lengths after
each pair of notes and rests, fitted the same way, moved the duration shares off the
players' by band and made the discriminator's rhythm features worse: not kept.)

Each table's factors are for what the next value's own share does not already say (the
one-value tables move that): ``improv calibrate`` fits them from the shares after each
pair over the shares drawn, less the next value's own ratio. They move notes only;
rests keep their weight, and the notes keep their share.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from improv.language.grammar import Value

LINE_REACH = 7
N_LINE = 2 * LINE_REACH + 3
LIMIT = 4.0  # the factors are kept inside 1/LIMIT..LIMIT: a nudge, not a new model
PASS = -1  # a kind the table's memory passes over (the line: a rest)


def line_class(value: Value) -> int | None:
    """The line's class of a value's interval (None: a rest or a phrase's first note)."""
    if value.lo is None:
        return None
    interval = (value.lo + value.hi) // 2
    return min(max(interval, -LINE_REACH - 1), LINE_REACH + 1) + LINE_REACH + 1


def line_kind(value: Value) -> int | None:
    """What the line remembers of a value played: its class, PASS for a rest, None for
    a phrase's first note."""
    return PASS if value.is_rest else line_class(value)


def pair_of(played, kind: Callable) -> tuple[int, int] | None:
    """(the kind before the last, the last) of the values ``played`` (the last first;
    ``kind`` gives each one's, PASS to pass over it), None where a None kind (or
    nothing) comes first. A plain loop: no generator per draw."""
    last = None
    for item in played:
        here = kind(item)
        if here == PASS:
            continue
        if here is None:
            return None
        if last is not None:
            return here, last
        last = here
    return None


KINDS: dict[str, tuple[Callable, Callable, tuple[int, int, int]]] = {
    # name: (the kind a value played leaves, the class of a next note, the table's shape)
    "line": (line_kind, line_class, (N_LINE, N_LINE, N_LINE)),
}


def check(name: str, table: tuple) -> None:
    """ValueError unless ``table`` (nested tuples) is empty or ``name``'s shape, with
    every factor inside the limits."""
    if not table:
        return
    shape = KINDS[name][2]
    planes = [row for plane in table for row in plane]
    if (len(table) != shape[0] or any(len(plane) != shape[1] for plane in table)
            or any(len(row) != shape[2] for row in planes)
            or not all(1 / LIMIT <= x <= LIMIT for row in planes for x in row)):
        raise ValueError(f"a calibration's {name} needs {'x'.join(map(str, shape))} "
                         f"factors within {1 / LIMIT}..{LIMIT}")


def neutral(name: str) -> tuple:
    a, b, c = KINDS[name][2]
    return (((1.0,) * c,) * b,) * a


class Follower:
    """One table at work on one vocabulary: :meth:`factors` for a draw after the values
    a soloist played."""

    def __init__(self, name: str, table: tuple, values: Sequence[Value]):
        kind, next_class, _shape = KINDS[name]
        self._table = np.array(table, float)
        self._kind = tuple(kind(v) for v in values)
        classes = [next_class(v) for v in values]
        self._free = np.array([c is None for c in classes])  # no factor: weight kept
        self._index = np.array([0 if c is None else c for c in classes])
        self._work = np.empty(len(values))
        self.last: tuple[int, int] | None = None  # the pair the last factors() heard

    def factors(self, recent) -> np.ndarray | None:
        """Each value's factor after ``recent`` ((index, context) pairs as the soloist's
        history holds them, the last played first; a buffer, valid until the next call),
        None where the table knows no pair there."""
        self.last = pair = pair_of(recent, self._played)
        if pair is None:
            return None
        out = np.take(self._table[pair], self._index, out=self._work)
        np.copyto(out, 1.0, where=self._free)
        return out

    def _played(self, played: tuple):
        return self._kind[played[0]]
