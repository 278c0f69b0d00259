"""The soloists' time feel, as the melody plays it: onsets off the written grid and
notes let go before the next one, drawn from what the Weimar players did (pure).

The table (``data/feel/wjazzd.json``, made by ``improv feel``; see
:mod:`improv.learning.timefeel`) holds quantiles per cell: the deviation of an onset
from its written place by tempo band, twelfth of the beat, grain (whether the beat
moves in eighths, triplets or sixteenths) and lead-in (a sixteenth, a triplet or
longer since the onset before), and the share of the time to the next onset
a note sounds, by tempo band and written span. A draw is an inverse-CDF interpolation at a
level in [0, 1]; consecutive levels follow a Gaussian copula with the lag-1 correlation
learned from the players (:func:`next_level`), so a push or a drag carries over a few
notes as it does in a solo instead of jittering note by note, around the style of one
player (:class:`Levels`): players differ in lay-back and legato far more than the
notes of one solo do.

:func:`place` turns the draws into a note's start and end under the limits a
monophonic line needs: starts strictly increasing, none below zero, never earlier than
``EARLIEST`` before the written place (so the part can make every note before it is
due), and no note sounding past the next one's start (the next note is drawn with
the one before it, so that note knows where to let go).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from improv.errors import UsageError
from improv.language.context import DEFAULT_TEMPO  # BPM, when the caller does not say
from improv.streams import child_stream
from improv.learning.timednotes import GRAINS, LEAD_INS, grain, lead_in
from improv.learning.timefeel import FORMAT
from improv.performance.ornaments import Graces, grace_before

FEEL_FILE = "wjazzd.json"  # in data/feel
MAX_FEEL_BYTES = 200_000  # the shipped table is about 140 kB
EARLIEST = 1 / 8  # beats: the furthest a note is pushed ahead of its written place
MIN_STEP = 1 / 48  # beats between two starts, at least
MIN_LENGTH = 1 / 24  # beats a note sounds, at least (less if its span is shorter)
# beats a note a rest follows may sound past its written end, at most: less where the
# rest is short, so the next note, even pushed EARLIEST ahead, still starts after it
REST_OVERRUN = 1 / 8
FEEL_STREAM = 0x7F  # the spawn key of the feel's generator beside the part's own
# Players seldom crowd two notes: an onset leaving under CROWDED of the written gap
# after the one before is drawn again (up to REDRAWS draws in all, then put at the
# least gap). Independent draws per place in the beat crowded one sixteenth in seven;
# the players, one in 25 to 70.
CROWDED = 0.6
REDRAWS = 4


@dataclass(frozen=True)
class TimeFeel:
    """The learned table: quantiles at ``levels`` per cell (None: too few notes)."""

    tempo_edges: tuple[float, ...]
    span_edges: tuple[float, ...]
    levels: tuple[float, ...]
    onsets: tuple  # [band][twelfth][grain][lead-in] -> quantiles | None; the last band
    # all tempos
    lengths: tuple  # [band][span bin] -> quantiles | None: a note another follows
    rest_ends: tuple  # [band][span bin] -> quantiles | None: a note a rest follows
    onset_serial: float = 0.0
    length_serial: float = 0.0
    styles: tuple = ()  # per Weimar solo (onset on the beat, length, onset off it): its
    # notes' mean normal score
    style_names: tuple = ()  # the solo of each style (none in a table made before names)
    within: tuple = ((1.0, 0.0), (1.0, 0.0))  # (sd, serial) of onsets, lengths around it
    by_gap: tuple = ()  # (gap edges, the onsets' serial in each bin); () none learned
    graces: Graces | None = None  # grace notes (None: a table made before them)

    @classmethod
    def from_dict(cls, data: dict) -> TimeFeel:
        """The table from its JSON; ValueError when its shape is not the documented one."""
        def cells(value, depth):
            if depth == 0:
                if value is None:
                    return None
                q = tuple(float(x) for x in value)
                if len(q) != len(levels) or any(b < a for a, b in zip(q, q[1:])) or \
                        not all(math.isfinite(x) for x in q):
                    raise ValueError("a cell is not a rising list of quantiles at the levels")
                return q
            return tuple(cells(v, depth - 1) for v in value)

        if data.get("format") != FORMAT:
            raise ValueError(f"unknown format {data.get('format')!r}")
        levels = tuple(float(x) for x in data["levels"])
        edges = tuple(float(x) for x in data["tempo_edges"])
        table = cls(edges, tuple(float(x) for x in data["span_edges"]), levels,
                    cells(data["onset"]["quantiles"], 4), cells(data["length"]["quantiles"], 2),
                    cells(data["rest_follows"]["quantiles"], 2),
                    float(data["onset"].get("serial", 0.0)),
                    float(data["length"].get("serial", 0.0)))
        style = data.get("style")
        if style is not None:
            # (on the beat, length, off the beat); a table made before the beats were
            # told apart holds one onset style for both
            pairs = tuple((float(x[0]), float(x[1]), float(x[-1] if len(x) == 3 else x[0]))
                          for x in style["solos"])
            if any(len(x) not in (2, 3) for x in style["solos"]):
                raise ValueError("a style is not 2 or 3 normal scores")
            names = tuple(str(n) for n in style.get("names", ()))
            if names and len(names) != len(pairs):
                raise ValueError("the styles' names are not one per style")
            within = tuple((float(style["within"][k]["sd"]), float(style["within"][k]["serial"]))
                           for k in ("onset", "length"))
            if not all(math.isfinite(x) and abs(x) < 5 for pair in pairs for x in pair) or \
                    not all(0 < sd <= 2 and abs(rho) < 1 for sd, rho in within):
                raise ValueError("a style outside the normal scores' range")
            table = replace(table, styles=pairs, within=within, style_names=names)
            gapped = style["within"]["onset"].get("serial_by_gap")
            if gapped is not None:
                gaps, rhos = (tuple(float(x) for x in gapped[k]) for k in ("edges", "serial"))
                if len(rhos) != len(gaps) + 1 or not all(abs(r) < 1 for r in rhos) or \
                        any(b <= a for a, b in zip(gaps, gaps[1:])):
                    raise ValueError("the onsets' serial by gap is not one per gap bin")
                table = replace(table, by_gap=(gaps, rhos))
        bands = len(edges) + 2
        if data.get("grace") is not None:
            table = replace(table, graces=Graces.from_dict(data["grace"], bands, len(levels)))
        if len(table.onsets) != bands or len(table.lengths) != bands or \
                len(table.rest_ends) != bands or \
                any(len(row) != 12 or any(len(c) != len(GRAINS) or
                                          any(len(g) != len(LEAD_INS) for g in c) for c in row)
                    for row in table.onsets) or \
                any(len(row) != len(table.span_edges) + 1
                    for row in (*table.lengths, *table.rest_ends)):
            raise ValueError("the cells do not match the tempo bands, twelfths, grains, "
                             "lead-ins or spans")
        if not (abs(table.onset_serial) < 1 and abs(table.length_serial) < 1):
            raise ValueError("a serial correlation outside (-1, 1)")
        return table

    def band(self, tempo: float) -> int:
        return int(np.searchsorted(self.tempo_edges, tempo, side="right"))

    def _draw(self, cell, rng, level) -> float:
        u = rng.random() if level is None else level
        return float(np.interp(u, self.levels, cell))

    def onset(self, twelfths: int, tempo: float, rng, amount: float = 1.0, *,
              grain: int = 0, gap: float | None = None, level: float | None = None) -> float:
        """The deviation (beats) of an onset written ``twelfths`` twelfths into its beat,
        ``gap`` beats after the onset before (None: none): a draw (``level``, or one from
        ``rng``) from its cell at this tempo, else from all tempos, else none; scaled by
        ``amount`` and never earlier than EARLIEST."""
        k, pooled, lead = int(twelfths) % 12, len(self.onsets) - 1, lead_in(gap)
        for band in (self.band(tempo), pooled):
            cell = self.onsets[band][k][grain][lead]
            if cell is not None:
                return max(amount * self._draw(cell, rng, level), -EARLIEST)
        return 0.0

    def length(self, span: float, tempo: float, rest_follows: bool, rng,
               amount: float = 1.0, *, level: float | None = None) -> float:
        """The sounding share (0.05..1) of the time to the next onset of a note written
        ``span`` beats long, or of its span where a rest follows (cells of their own, up
        to 1.5: such a note may sound into the rest).
        ``amount`` 0 holds every note to the next onset, or to the rest."""
        band, pooled = self.band(tempo), len(self.lengths) - 1
        k = int(np.searchsorted(self.span_edges, span, side="right"))
        rows = self.rest_ends if rest_follows else self.lengths
        for cell in (rows[band][k], rows[pooled][k]):
            if cell is not None:
                return 1.0 - amount * (1.0 - self._draw(cell, rng, level))
        return 1.0


def next_level(score: float | None, rho: float, rng) -> tuple[float, float]:
    """(level in (0, 1), its normal score): one step of the Gaussian AR(1) copula, so
    consecutive draws correlate as the players' did (``score`` None: a fresh start)."""
    z = next_score(score, rho, rng)
    return level_of(z), z


def next_score(score: float | None, rho: float, rng) -> float:
    """The normal score of :func:`next_level`, one AR(1) step from ``score``."""
    e = float(rng.standard_normal())
    return e if score is None else rho * score + math.sqrt(1.0 - rho * rho) * e


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
        if table.styles:
            named = solo is not None and solo in table.style_names
            pick = (table.style_names.index(solo) if named
                    else int(rng.integers(len(table.styles))))
            self.style = table.styles[pick]
            self._within = table.within
        else:
            self.style = (0.0, 0.0, 0.0)
            self._within = ((1.0, table.onset_serial), (1.0, table.length_serial))
        self._scores: list[float | None] = [None, None]
        self._before: float | None = None  # the onset score the last onset stepped from

    def onset(self, gap: float | None = None, again: bool = False, on_beat: bool = True) -> float:
        """The next onset's level, ``gap`` beats (written) after the one before (None: not
        known), its correlation with that one's the players' at such a gap where the
        table has it; ``again``: a draw again for the same onset, from the same one;
        ``on_beat``: written on the beat (else the style's off-beat part)."""
        if again:
            self._scores[0] = self._before
        self._before = self._scores[0]
        rho = None
        if self._by_gap and gap is not None:
            edges, rhos = self._by_gap
            rho = rhos[int(np.searchsorted(edges, gap, side="left"))]
        return self._next(0, rho, self.style[0 if on_beat else 2])

    def length(self) -> float:
        return self._next(1, None, self.style[1])

    def _next(self, kind: int, rho: float | None, centre: float) -> float:
        sd, serial = self._within[kind]
        score = self._scores[kind] = next_score(self._scores[kind],
                                                serial if rho is None else rho, self._rng)
        return level_of(centre + sd * score)


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

    def new_phrase(self) -> None:
        """The next note starts afresh: nothing foresaw its onset."""
        self._foreseen = None

    def forget(self) -> None:
        """The transport jumped: the note before may lie ahead."""
        self._played = None
        self._foreseen = None

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
        after = round(end * 12) % 12 if end < beat + 1 else None
        levels = self._levels = self._levels or Levels(table, rng, self._solo)
        if self._foreseen is not None and self._foreseen[0] == start:
            deviation = self._foreseen[1]  # as the note before foresaw it and let go
        else:
            gap = None if self._played is None else float(start - self._played[0])
            # a foreseen onset not played (the line skipped): step from the note before it
            level = levels.onset(gap, again=self._foreseen is not None, on_beat=here == 0)
            deviation = table.onset(here, tempo, rng, amount, level=level, gap=gap,
                                    grain=beat_grain(here, before, after))
        ratio = table.length(float(end - start), tempo, rest_follows, rng, amount,
                             level=levels.length())
        next_deviation = None
        if not rest_follows:
            ahead = round(end * 12) % 12  # the next onset's, as far as it is known now
            beyond = None  # the onset after it, where it falls in the same beat
            if next_span is not None and end + next_span < math.floor(end) + 1:
                beyond = round((end + next_span) * 12) % 12
            grain = beat_grain(ahead, None if after is None else here, beyond)
            for again in range(REDRAWS):  # drawn again where it would crowd this onset
                level = levels.onset(float(end - start), again=again > 0, on_beat=ahead == 0)
                next_deviation = table.onset(ahead, tempo, rng, amount, level=level,
                                             grain=grain, gap=float(end - start))
                if end + next_deviation - start - deviation >= CROWDED * float(end - start):
                    break
            else:  # no draw leaves room (this onset lies late): as little as may be
                next_deviation = float(start + deviation + CROWDED * (end - start) - end)
        self._foreseen = None if next_deviation is None else (end, next_deviation)
        previous = None if self._played is None else self._played[1:]
        room = 0.0  # into a rest: never so far that the next note, pushed early, meets it
        if rest_follows and next_span is not None:
            room = min(REST_OVERRUN, max(float(next_span) - EARLIEST - MIN_STEP, 0.0))
        on, off = place(float(start), float(end), deviation, ratio, next_deviation, previous,
                        floor, room)
        if until is not None:
            off = max(min(off, until), on + min(MIN_LENGTH, float(end - start)) / 2)
        self._before, self._played = previous, (start, on, off)
        return on, off

    def grace(self, pitch: int, tempo: float, amount: float, low: int, high: int,
              floor: float = 0.0) -> tuple[float, int] | None:
        """(start, pitch) of a grace note before the note just performed, or None
        (:mod:`improv.performance.ornaments`); it ends where that note starts."""
        graces, before = self._table.graces, self._before
        if graces is None or before is None or self._played is None:
            return None
        written, on = self._played[:2]  # no earlier than any note may be pushed ahead:
        free = max(before[1], floor, float(written) - EARLIEST)  # the part reads that far
        return grace_before(graces, self._table.band(tempo), self._table.levels, on,
                            on - before[0], free, pitch, low, high, amount, self._rng)


def feel_stream(rng) -> np.random.Generator:
    """The feel's own generator, a child of the part's seed, so drawing the feel never
    moves the part's own stream."""
    return child_stream(rng, FEEL_STREAM)


def feel_dir() -> Path:
    """data/feel: beside the shipped models (improv.data inside a wheel)."""
    from improv.model.modelfile import models_dir

    return models_dir().parent / "feel"


def load(path: Path | str) -> TimeFeel:
    """A time-feel table file; one UsageError line when it is missing or malformed."""
    from improv.files import read_limited

    path = Path(path)
    try:
        return TimeFeel.from_dict(json.loads(
            read_limited(path, MAX_FEEL_BYTES, "time-feel table").decode("utf-8")))
    except FileNotFoundError as err:
        raise UsageError(f"the time-feel table {path} is missing: reinstall improv, or play "
                         f"with [feel] timing = \"grid\"") from err
    except (OSError, ValueError, KeyError, TypeError, IndexError, OverflowError) as err:
        raise UsageError(f"the time-feel table {path} cannot be read ({err}): reinstall "
                         f"improv, or play with [feel] timing = \"grid\"") from err


@lru_cache(maxsize=1)
def shipped() -> TimeFeel:
    """The table shipped in data/feel, read once."""
    return load(feel_dir() / FEEL_FILE)
