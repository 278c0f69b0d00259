"""Comping rhythms: a library of one-bar figures, chosen bar by bar, placed on the chords (pure).

A pianist does not strike every chord the same way: the charleston (1, and of 2), its
reverse (and of 1, 3), a push on the and of 4 tied into the next bar, stabs on 2 and 4,
half-bar holds, a lone push and long silences follow one another, chosen by ear to
answer the soloist. Here each bar draws one figure from its style's library with the
part's seeded generator, so the same seed comps the same way, and the draw is weighted:

* **by space**: each figure has a density, strokes per beat, counting one more for each
  chord change it leaves unstruck (:func:`place` adds a stroke there), so in fast
  changes the figures that strike the changes as they come are the sparse ones; the
  wanted density falls as the soloist plays more notes per beat (:func:`wanted`), so a
  busy solo gets holds, lone pushes and a bar laid out now and then, and a resting
  soloist gets three- and four-stroke figures that fill in; busy, the strokes are also
  shorter (:func:`shrink`);
* **by variety**: a figure played in the bar before counts a sixth as much, and one
  played in both bars before not at all, so no rhythm runs three bars in a row.

Any metre: a bar is cut into the beat groups of :mod:`improv.language.metre` (5/4 as
3+2, 7/4 as 4+3; a group over four beats into threes and twos) and each group draws
from the figures of its length. A figure is written on the eighth-note grid, one
character an eighth: ``x`` strikes, ``X`` strikes harder (a push), ``-`` lets it ring,
``.`` is silence, and a final ``~`` ties the last stroke two eighths over the bar line.

Styles: ``pianist`` (the library below), ``ballad`` (whole- and half-bar holds, sparser
still), ``quarters`` (Freddie Green's four even strokes a bar, the same every bar, as a
swing guitar keeps time) and ``bossa`` (two-bar figures of the bossa nova guitar; other
metres than 4/4 take the pianist's figures).

:func:`place` puts a bar's figure on the chart: an off-beat stroke within an eighth of a
chord change anticipates the new chord (unless the band follows the musician, whose next
chord nobody knows), every chord that begins is struck even where the figure is silent,
and no stroke rings past its chord or into the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from improv.band.chart import Span
from improv.language.metre import groups

EIGHTH = Fraction(1, 2)
TIE = 2 * EIGHTH  # how far ``~`` carries a stroke past the bar line
COVER = Fraction(3, 2)  # the longest a stroke added for an unstruck chord rings
PUSH = 6  # velocity added to an ``X``


@dataclass(frozen=True)
class Stroke:
    """One stroke of a figure: where (beats from the figure's start), how long it may
    ring, and the velocity added to the part's."""

    at: Fraction
    length: Fraction
    accent: int


@lru_cache(maxsize=256)
def figure(grid: str) -> tuple[Stroke, ...]:
    """The strokes of a figure written on the eighth grid (module doc)."""
    tied = grid.endswith("~")
    cells = grid.rstrip("~")
    hits = []
    for k, cell in enumerate(cells):
        if cell in "xX":
            ring = 1
            while k + ring < len(cells) and cells[k + ring] == "-":
                ring += 1
            last = k + ring == len(cells)
            length = ring * EIGHTH + (TIE if tied and last else 0)
            hits.append(Stroke(k * EIGHTH, length, PUSH if cell == "X" else 0))
    return tuple(hits)


def density(grid) -> Fraction:
    """Strokes per beat of a figure (or of a bossa pair of them)."""
    grids = (grid,) if isinstance(grid, str) else grid
    return Fraction(sum(len(figure(g)) for g in grids),
                    max(1, sum(len(g.rstrip("~")) for g in grids) // 2))


# Figures by group length (beats). The pianist's four-beat bar, in order: charleston,
# reverse charleston, 1 and a push tied over, 2 and 4, halves, whole, a lone and-of-2,
# 2 and a push, four strokes, 1-&2-4, &1-&3, 1-3-push, a lone push, a lone 2, laying out,
# &1-3-push, 1-&2-&3.
PIANIST = {
    4: ("x--X-...", ".X--x--.", "x---...X~", "..x...x.", "x---x---", "x-------", "...X----",
        "..x-...X~", "x-.X.x-X~", "x-.X-.x.", ".X--.X--", "x-..x-.X~", ".......X~", "..x-----",
        "........", ".X-.x-.X~", "x-.X.X-."),
    3: ("x-----", "..x.x.", "x--X--", ".X--x-", "x---.X~", "...X--", "x-.X.X~", "x-..x-",
        "......"),
    2: ("x---", ".X--", "..x-", "x-.X~", "...X~", "...."),
    1: ("x-", ".X"),
}
BALLAD = {
    4: ("x-------", "x---x---", "x-----x-", "x-----.X~", "x---..x-"),
    3: ("x-----", "x---x-", "x-...."),
    2: ("x---", "x-.."),
    1: ("x-",),
}
QUARTERS = {4: ("x.X.x.X.",), 3: ("x.x.x.",), 2: ("x.X.",), 1: ("x.",)}
BOSSA = (  # two bars of 4/4: the bossa guitar's 3+3+2 bar answered on 2 and the and of 3,
    # and kin, sparser and busier
    ("x-.X-.x-", "..x-.X--"), ("x-.X-.x-", "..x---x-"), ("x-.X-..X~", "...X-.x-"),
    ("x-.X----", "..x-----"), ("x-------", "..x-.X--"), ("x-.X-.x-", ".X-.x-.X~"),
)
LIBRARIES = {"pianist": PIANIST, "ballad": BALLAD, "quarters": QUARTERS, "bossa": PIANIST}
SPACE = {"pianist": 1.0, "ballad": 0.5, "quarters": 1.0, "bossa": 1.0}  # relative density
WIDTH = 0.2  # strokes per beat off the wanted density that cost a factor e
AGAIN = 1 / 6  # the weight of the figure played in the bar before


def wanted(style: str, soloist: float | None) -> float:
    """Comping strokes per beat wanted under a soloist playing ``soloist`` notes per beat
    (None: not heard, taken as one, a moderate line): 0.9 under a resting soloist, 0.5
    under quarter notes, 0.35 under eighths, 0.21 under sixteenths; a ballad half that."""
    s = 1.0 if soloist is None else max(0.0, soloist)
    return SPACE.get(style, 1.0) * 0.9 / (1 + 0.8 * s)


def shrink(soloist: float | None) -> float:
    """How much of its length each stroke keeps: all up to a note a beat, 0.6 under
    eighths, a third under sixteenths: a busy soloist gets short stabs, not pads."""
    s = 1.0 if soloist is None else max(0.0, soloist)
    return max(1 / 3, min(1.0, 1.5 / (0.5 + s)))


def pieces(beats_per_bar: int) -> tuple[int, ...]:
    """The bar's groups (:func:`improv.language.metre.groups`), any over four beats cut
    into threes and twos, so each has figures."""
    out = []
    for size in groups(beats_per_bar):
        while size > 4:
            step = 2 if size - 3 == 1 else 3
            out.append(step)
            size -= step
        out.append(size)
    return tuple(out)


@dataclass(frozen=True)
class Memory:
    """What the choice of the next bar remembers: the figures of the last two bars (one
    tuple per bar, a figure per group; a bossa pair's index and grids)."""

    recent: tuple[tuple, ...] = ()
    pair: tuple[int, tuple[str, str]] | None = None


def strokes_per_beat(grid: str, changes=()) -> float:
    """Strokes per beat a figure brings to a group in which chords begin at ``changes``
    (beats from the group's start): its own, and one for each chord it leaves unstruck,
    as :func:`place` adds those; a silent figure lays out and brings none."""
    hits = figure(grid)
    count = len(hits)
    beats = len(grid.rstrip("~")) // 2 or 1
    for k, change in enumerate(changes):
        until = changes[k + 1] if k + 1 < len(changes) else beats
        if hits and not any(change - EIGHTH <= h.at < until for h in hits):
            count += 1
    return count / beats


def _weights(options, densities, wants: float, recent, slot: int) -> list[float]:
    """Nearness to the wanted density, less for what the bars before played in ``slot``."""
    before = [bar[slot] for bar in recent[-2:] if len(bar) > slot]
    out = []
    for grid, dense in zip(options, densities):
        w = math.exp(-((dense - wants) / WIDTH) ** 2) + 1e-6
        if len(options) > 1 and before and before[-1] == grid:
            w *= 0 if len(before) == 2 and before[0] == grid else AGAIN
        out.append(w)
    return out


def _draw(rng, options, weights):
    total = sum(weights)
    return options[int(rng.choice(len(options), p=[w / total for w in weights]))]


def choose_bar(style: str, beats_per_bar: int, bar: int, rng, soloist: float | None,
               memory: Memory = Memory(), changes=()) -> tuple[tuple[Stroke, ...], Memory]:
    """The strokes of 0-based ``bar`` (beats from its start, the groups' figures side
    by side) and what to remember for the next; draws on ``rng``. ``changes``: beats
    of the bar where a chord begins, so a figure that strikes the changes as they come
    counts as sparser than one that leaves them to be added."""
    wants = wanted(style, soloist)
    if style == "bossa" and beats_per_bar == 4:
        pair = memory.pair
        if pair is None or pair[0] != bar // 2:
            dense = [float(density(two)) for two in BOSSA]
            pair = (bar // 2, _draw(rng, BOSSA, _weights(BOSSA, dense, wants, memory.recent, 0)))
            memory = Memory(memory.recent[-1:] + ((pair[1],),), pair)
        grids = (pair[1][bar % 2],)
    else:
        library = LIBRARIES.get(style, PIANIST)
        grids, at = [], 0
        for k, size in enumerate(pieces(beats_per_bar)):
            inside = tuple(c - at for c in changes if at <= c < at + size)
            options = library[size]
            dense = [strokes_per_beat(grid, inside) for grid in options]
            grids.append(_draw(rng, options, _weights(options, dense, wants, memory.recent, k)))
            at += size
        grids = tuple(grids)
        memory = Memory(memory.recent[-1:] + (grids,), None)
    keep = shrink(soloist)
    hits, at = [], Fraction(0)
    for grid in grids:
        for h in figure(grid):
            length = h.length
            if at + h.at + length <= beats_per_bar:  # a tie over the bar line stays one
                length = max(EIGHTH, Fraction(math.floor(length * keep * 4), 4))
            hits.append(Stroke(at + h.at, length, h.accent))
        at += len(grid.rstrip("~")) * EIGHTH
    return tuple(hits), memory


@dataclass(frozen=True)
class Strike:
    """A stroke placed on the chart: when, until when, how much harder, and the chord
    span it voices (the next one when it anticipates)."""

    on: Fraction
    off: Fraction
    accent: int
    span: Span


def _silent(span: Span) -> bool:
    return span.chord.quality == "nc"


def place(hits, bar_start: Fraction, beats_per_bar: int, start: Fraction, tied: Fraction,
          span_at, anticipate: bool = True, last: Span | None = None) -> list[Strike]:
    """The strokes of one bar (``hits`` from :func:`choose_bar`) on the chart given by
    ``span_at(beat) -> Span``, from ``start`` (the part's cursor) on. ``tied``: where
    the last stroke of the bar before stops ringing (nothing is struck under it);
    ``last``: the span it voiced (struck already, when anticipated). An off-beat
    stroke within an eighth of a change voices the new chord when ``anticipate``; each
    chord that begins in the bar is struck at least once (at its start where the
    figure left it out), unless the figure is silent (the pianist lays out a bar); no
    chord is struck over "no chord", and no stroke rings past its chord or the next."""
    if not hits:
        return []
    bar_end = bar_start + beats_per_bar
    first = max(start, tied)
    planned: dict[Fraction, tuple[Fraction, int, Span]] = {}
    for h in hits:
        on = bar_start + h.at
        if not first <= on < bar_end:
            continue
        span = span_at(on)
        if anticipate and on % 1 and 0 < span.end - on <= EIGHTH:
            span = span_at(span.end)
        if not _silent(span):
            planned[on] = (h.length, h.accent, span)
    beat = first
    while beat < bar_end:
        span = span_at(beat)
        struck = span == last or any(s == span for _l, _a, s in planned.values())
        if span.start >= first and not struck and not _silent(span):
            planned[span.start] = (min(COVER, span.end - span.start), 0, span)
        beat = span.end
    onsets = sorted(planned)
    strikes = []
    for k, on in enumerate(onsets):
        length, accent, span = planned[on]
        off = min(on + length, span.end)
        if k + 1 < len(onsets):
            off = min(off, onsets[k + 1])
        strikes.append(Strike(on, off, accent, span))
    return strikes
