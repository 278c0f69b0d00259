"""Grace notes and runs as the Weimar players play them: quick notes the model's values
cannot write, sounding the share of their time the players' quick notes do (``quick``
in the table; pure).

At a ballad tempo the players slip a grace note in before one note in sixteen that has
room for it (a quarter beat or more after the one before), mostly from a semitone or a
whole step below, a twelfth of a beat ahead of it; from 150 BPM on hardly ever. The
model's shortest value is a sixth of a beat, so without them improv had none of the
players' notes under a tenth of a beat apart (a twentieth of their intervals under 110
BPM). The table (``grace`` in ``data/feel/wjazzd.json``) is learned by
:func:`improv.learning.feel.ornaments.grace_table`; :func:`grace_before` draws from it with the
performer's own generator, so a seed plays the same graces every time.

Runs: under 80 BPM the players run through one sextuplet in five in two notes (a line of
twelfths), and through a sixteenth now and then; the corpus reader's line keeps one note
of each place on the values' grid (:mod:`improv.learning.writtenline`), so the model
learned the run's first note and the line went on from there. ``run`` in the table
(:func:`improv.learning.feel.ornaments.run_table`) says how often, by tempo and the note's
written span, and the steps inside a run; :func:`run_through` plays the notes left out,
evenly through the note's span, stepping toward the note after it. A run, once begun,
goes on: right after a note that ran, the table's rate after a run (the players' line
notes stand for more notes more often there).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

MIN_LEAD = 1 / 48  # beats a grace sounds, at least: less and it is left out
MAX_LEAD = 1 / 8  # beats a grace may come ahead of its note, at most (the players' 0.1)
WIDEST = 12  # semitones from a grace to its note, at most
RUN_TRIES = 8  # paths drawn for a run; none that lands near the next note: no run
RUN_LANDS = 4  # semitones from a run's last note to the next note, at most
MIN_RUN_NOTE = 1 / 48  # beats a run's note sounds, at least: less and there is no run
RUN_SOUNDS = 0.9  # the share of its time to the next a run's note sounds without `quick`


def numbers(value, kind=float, lo: float = -math.inf, hi: float = math.inf,
            table: str = "ornaments'") -> tuple:
    """``value`` as a tuple of ``kind`` (float, or int: whole numbers only), each inside
    ``lo..hi``; ValueError naming the ``table`` where it is not a JSON list of them
    (strings, booleans, NaN and infinities included)."""
    ok = isinstance(value, list) and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) and lo <= x <= hi and
        (kind is float or x == int(x)) for x in value)
    if not ok:
        raise ValueError(f"the {table} table has {value!r} where numbers {lo:g}..{hi:g} belong")
    return tuple(kind(x) for x in value)


@dataclass(frozen=True)
class Graces:
    """``rate[band]`` of the notes with ``room`` beats before them take a grace, ``lead``
    beats ahead (quantiles at the table's levels, per band; None: the pooled band's), a
    grace ``interval[k]`` semitones below its note with ``share[k]``."""

    room: float
    rate: tuple[float, ...]  # per tempo band, the last all tempos
    lead: tuple  # per tempo band: quantiles or None
    interval: tuple[int, ...]
    share: tuple[float, ...]

    @classmethod
    def from_dict(cls, data: dict, bands: int, levels: int) -> Graces | None:
        """The table's ``grace`` (None: too few graces in the corpus to play any);
        ValueError where it is not the documented shape."""
        if not isinstance(data, dict) or not isinstance(data.get("lead"), list):
            raise ValueError("the grace notes' table is not rates and leads by band")
        rate = numbers(data.get("rate"), float, 0.0, 1.0, "grace notes'")
        lead = tuple(None if q is None else numbers(q, float, 0.0, MAX_LEAD, "grace notes'")
                     for q in data["lead"])
        interval = numbers(data.get("interval"), int, -WIDEST, WIDEST, "grace notes'")
        share = numbers(data.get("share"), float, 0.0, 1.0, "grace notes'")
        room = numbers([data.get("room")], float, 0.0, 4.0, "grace notes'")[0]
        if len(rate) != bands or len(lead) != bands or len(interval) != len(share) or \
                room <= 0 or 0 in interval or \
                any(q is not None and (len(q) != levels or any(b < a for a, b in zip(q, q[1:]))
                                       or min(q, default=0) <= 0) for q in lead) or \
                (lead[-1] is not None and not 0.99 < sum(share) < 1.01):
            raise ValueError("the grace notes' table is not rates, rising leads (at most "
                             f"{MAX_LEAD:g} beat) and intervals (1-{WIDEST} semitones) by band")
        return None if lead[-1] is None else cls(room, rate, lead, interval, share)


def quick_sounds(data: dict, levels: int) -> tuple[float, ...]:
    """The table's ``quick``: the share of its time to the next onset a grace's or a run's
    note sounds, quantiles at the table's ``levels``; ValueError where it is not that."""
    if not isinstance(data, dict):
        raise ValueError("the quick notes' table is not the shares they sound")
    sounds = numbers(data.get("sounds"), float, 0.0, 1.0, "quick notes'")
    if len(sounds) != levels or any(b < a for a, b in zip(sounds, sounds[1:])) or sounds[-1] <= 0:
        raise ValueError("the quick notes' table is not rising shares (0-1) at the levels")
    return sounds


def grace_before(graces: Graces, band: int, levels, on: float, gap: float | None,
                 free_from: float, pitch: int, low: int, high: int, amount: float,
                 rng) -> tuple[float, int] | None:
    """(start, pitch) of a grace before the note played from ``on`` (beats) at ``pitch``,
    ``gap`` beats after the onset before it (None: none), or None: drawn at the band's
    rate (times ``amount``) where there is room, starting no earlier than ``free_from``
    (where the note before lets go), its pitch inside ``low..high`` (the interval the
    other way where it would leave them; none where both would)."""
    if gap is None or gap < graces.room or rng.random() >= amount * graces.rate[band]:
        return None
    cell = graces.lead[band] if graces.lead[band] is not None else graces.lead[-1]
    lead = float(np.interp(rng.random(), levels, cell))
    start = max(on - lead, free_from)
    if on - start < MIN_LEAD:
        return None
    k = int(np.searchsorted(np.cumsum(graces.share), rng.random() * sum(graces.share),
                            side="right"))
    step = graces.interval[min(k, len(graces.interval) - 1)]
    for grace in (pitch - step, pitch + step):
        if low <= grace <= high:
            return start, grace
    return None


@dataclass(frozen=True)
class Runs:
    """``rate[band][span]``: how often a note of ``spans[span]`` twelfths another note
    follows at once, within ``reach`` semitones, stands for 1, 2, 3... notes more, by
    the tempo bands ``edges``; the steps inside the runs (+ toward the note after) with
    ``share``."""

    edges: tuple[float, ...]
    spans: tuple[int, ...]
    rate: tuple
    step: tuple[int, ...]
    share: tuple[float, ...]
    reach: int = 10
    after: tuple = ()  # the rates right after a line note that ran ((): as ``rate``)

    @classmethod
    def from_dict(cls, data: dict) -> Runs:
        """The table's ``run``; ValueError where it is not the documented shape."""
        if not isinstance(data, dict) or not isinstance(data.get("rate"), list) or \
                not all(isinstance(row, list) for row in data["rate"]):
            raise ValueError("the runs' table is not rates by tempo band and span")
        edges = numbers(data.get("edges"), float, 1.0, 1000.0, "runs'")
        spans = numbers(data.get("spans"), int, 2, 12, "runs'")
        rate = tuple(tuple(numbers(cell, float, 0.0, 1.0, "runs'") for cell in row)
                     for row in data["rate"])
        step = numbers(data.get("step"), int, -WIDEST, WIDEST, "runs'")
        share = numbers(data.get("share"), float, 0.0, 1.0, "runs'")
        reach = numbers([data.get("reach", 10)], int, 1, 2 * WIDEST, "runs'")[0]
        after = data.get("after", [])  # none in a table made before 2026-12-05's ninth session
        if not isinstance(after, list) or not all(isinstance(row, list) for row in after):
            raise ValueError("the runs' table has rates after a run that are not by band and span")
        after = tuple(tuple(numbers(cell, float, 0.0, 1.0, "runs'") for cell in row)
                      for row in after)
        if any(b <= a for a, b in zip(edges, edges[1:])) or len(rate) != len(edges) + 1 or \
                len(set(spans)) != len(spans) or any(len(row) != len(spans) for row in rate) or \
                not all(0 < len(cell) <= 8 and sum(cell) <= 1 for row in rate for cell in row) or \
                (after and [[len(c) for c in row] for row in after] !=
                 [[len(c) for c in row] for row in rate]) or \
                not all(sum(cell) <= 1 for row in after for cell in row) or \
                len(step) != len(share) or not 0.99 < sum(share) < 1.01:
            raise ValueError("the runs' table is not rates by tempo band and span, and steps "
                             f"(at most {WIDEST} semitones) with shares")
        return cls(edges, spans, rate, step, share, reach, after)


def run_through(runs: Runs, tempo: float, span: int, on: float, upto: float, pitch: int,
                target: int | None, low: int, high: int, amount: float,
                rng, ran: bool = False) -> list[tuple[float, int]]:
    """(start, pitch) of the notes a player runs through after the note played from
    ``on`` (beats) at ``pitch``, written ``span`` twelfths long, before the next note,
    played from ``upto`` at ``target`` (None: not known, no run; further than the
    table's reach: none): evenly through the span, each inside ``low..high``, the last
    within RUN_LANDS semitones of ``target``; drawn at the table's rate (times
    ``amount``; right after a note that ran, ``ran``, at its rate after one), empty
    for most notes."""
    if target is None or span not in runs.spans or amount <= 0 or \
            abs(target - pitch) > runs.reach:
        return []
    table = runs.after if ran and runs.after else runs.rate
    cell = table[bisect.bisect_right(runs.edges, tempo)][runs.spans.index(span)]
    u = rng.random()
    if u >= amount * sum(cell):
        return []
    more = 1 + int(np.searchsorted(np.cumsum(cell) * amount, u, side="right"))
    every = span / 12 / (more + 1)
    if on + more * every + MIN_RUN_NOTE > upto or every * RUN_SOUNDS < MIN_RUN_NOTE:
        return []
    toward = 1 if target > pitch or (target == pitch and rng.random() < 0.5) else -1
    cumulative = np.cumsum(runs.share)
    for _ in range(RUN_TRIES):
        picks = np.searchsorted(cumulative, rng.random(more) * cumulative[-1], side="right")
        path = pitch + toward * np.cumsum([runs.step[min(k, len(runs.step) - 1)] for k in picks])
        if all(low <= p <= high for p in path) and 0 < abs(target - path[-1]) <= RUN_LANDS:
            return [(on + (j + 1) * every, int(p)) for j, p in enumerate(path)]
    return []
