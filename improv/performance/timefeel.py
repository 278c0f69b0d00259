"""The soloists' time feel, as the melody plays it: onsets off the written grid and
notes let go before the next one, drawn from what the Weimar players did (pure).

The table (``data/feel/wjazzd.json``, made by ``improv feel``; see
:mod:`improv.learning.feel.timefeel`) holds quantiles per cell: the deviation of an onset
from its written place by tempo band, twelfth of the beat, grain (whether the beat
moves in eighths, triplets or sixteenths) and lead (a sixteenth, a triplet, longer
or a rest since the onset before, and a sixteenth, a triplet, an eighth or longer to
the onset after), and the share of the time to the next onset a note sounds, by tempo
band, written span and how far that time is stretched as played; each player's style
(players differ in lay-back and legato far more than the notes of one solo do) and the
ornaments
(:mod:`improv.performance.ornaments`). A draw is an inverse-CDF interpolation at a level
in [0, 1] (an onset's past the outer quantiles on along a tail:
:mod:`improv.performance.quantiles`); :mod:`improv.performance.performer` chooses the
levels and plays the notes.
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
from improv.learning.timednotes import (
    GRAINS,
    LEAD_OUTS,
    LEADS,
    LEGACY_LEADS,
    PLAIN_LEADS,
    lead,
    lead_in,
    lead_out,
    plain_lead,
)
from improv.learning.feel.timefeel import FORMAT
from improv.performance import feelparts
from improv.performance.ornaments import Graces, Runs, quick_sounds
from improv.performance.quantiles import tail_level, tail_value

FEEL_FILE = "wjazzd.json"  # in data/feel
MAX_FEEL_BYTES = 1_500_000  # the shipped table is about 1.0 MB
# beats: the furthest a note is pushed ahead of its written place. At 1/8 the draws past
# it piled up there (from 240 BPM, 2% of the onsets on one time); the players' onsets
# reach 1/4 early in 0.02% of the notes
EARLIEST = 1 / 4


@dataclass(frozen=True)
class TimeFeel:
    """The learned table: quantiles at ``levels`` per cell (None: too few notes)."""

    tempo_edges: tuple[float, ...]
    span_edges: tuple[float, ...]
    levels: tuple[float, ...]
    onsets: tuple  # [band][twelfth][grain][lead] -> quantiles | None; the last band
    # all tempos; a lead is a lead-in and a lead-out (timednotes.lead), in a table made
    # before the short rests without them (PLAIN_LEADS), or in one made before
    # 2026-12-05 the lead-in's gap alone (LEGACY_LEADS)
    lengths: tuple  # [band][span bin][stretch bin] -> quantiles | None: a note another
    # follows ([band][span bin] without stretch_edges)
    rest_ends: tuple  # [band][span bin] -> quantiles | None: a note a rest follows
    onset_serial: float = 0.0
    length_serial: float = 0.0
    styles: tuple = ()  # per Weimar solo (onset on the beat, length, onset off it): its
    # notes' mean normal score
    style_names: tuple = ()  # the solo of each style (none in a table made before names)
    within: tuple = ((1.0, 0.0), (1.0, 0.0))  # (sd, serial) of onsets, lengths around it
    # (share of a length's normal score that drifts over a passage, the beats it
    # decorrelates over); share 0: none (a table made before the fifth session of 2026-12-05)
    length_drift: tuple = (0.0, 1.0)
    # per style, its lengths' levels at shape_points (() none: the mean score moves them)
    length_shapes: tuple = ()
    shape_points: tuple = ()
    # per style, (the shape of its notes another note follows, of those a rest follows);
    # () none (a table made before them: the one shape serves both)
    kind_shapes: tuple = ()
    # (gap edges, the onsets' serial in each bin across a beat line, and inside a beat);
    # () none learned
    by_gap: tuple = ()
    # the same serials of the onsets whose gap repeats the one before (a run in one
    # subdivision) and of those whose gap changes it: ((across, inside) of a run,
    # (across, inside) of a change); () none learned (a table made before the third
    # session of 2026-12-05)
    by_run: tuple = ()
    # two onsets inside one beat: ({(twelfth of the later, twelfths between): index},
    # [band][index] -> quantiles | None of the later's deviation less the earlier's); ()
    # none learned (a table made before 2026-12-05)
    steps: tuple = ()
    # the same by the later onset's lead-out too: ({(twelfth, twelfths between,
    # lead-out): index}, [band][index] -> quantiles | None); () none (a table made
    # before the second session of 2026-12-06)
    steps_out: tuple = ()
    step_within: tuple = (1.0, 0.0)  # (sd, correlation with the onset it steps from)
    step_centres: tuple = ()  # per style: its mean step score (how it swings a pair)
    # per style: (its eighth-note pairs' mean step score, its other steps'); () none
    step_kind_centres: tuple = ()
    # [band][twelfth][grain][lead-in] -> every lead-out's onsets together (their
    # quantiles averaged, weighted by notes), where a step lands; () a lead-in table's
    lead_pools: tuple = ()
    graces: Graces | None = None  # grace notes (None: a table made before them)
    runs: Runs | None = None  # runs through the notes the line leaves out (None: none)
    quick: tuple | None = None  # the share a grace's or run's note sounds (None: fixed)
    # a note another follows: the edges of its time to the next onset as played over its
    # span, by which its lengths are kept; () none (a table made before the first session
    # of 2026-12-06)
    stretch_edges: tuple = ()

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
        if not isinstance(data["length"], dict):
            raise ValueError("the lengths are not an object")
        stretch = tuple(float(x) for x in data["length"].get("stretch_edges", ()))
        if any(b <= a for a, b in zip(stretch, stretch[1:])) or \
                not all(0 < x < 10 for x in stretch):
            raise ValueError("the lengths' stretch edges do not rise inside (0, 10)")
        lengths = cells(data["length"]["quantiles"], 3 if stretch else 2)
        table = cls(edges, tuple(float(x) for x in data["span_edges"]), levels,
                    cells(data["onset"]["quantiles"], 4), lengths,
                    cells(data["rest_follows"]["quantiles"], 2),
                    float(data["onset"].get("serial", 0.0)),
                    float(data["length"].get("serial", 0.0)), stretch_edges=stretch)
        if data.get("style") is not None:
            table = replace(table, **feelparts.style_fields(data["style"]))
        bands = len(edges) + 2
        if data.get("step") is not None:
            keys = tuple((int(t), int(g)) for t, g in data["step"]["keys"])
            steps = cells(data["step"]["quantiles"], 2)
            if len(steps) != bands or any(len(row) != len(keys) for row in steps) or \
                    len(set(keys)) != len(keys):
                raise ValueError("the steps' cells do not match the tempo bands and keys")
            table = replace(table, steps=({k: i for i, k in enumerate(keys)}, steps))
        if data.get("step_out") is not None:
            keys = tuple((int(t), int(g), int(o)) for t, g, o in data["step_out"]["keys"])
            steps = cells(data["step_out"]["quantiles"], 2)
            if len(steps) != bands or any(len(row) != len(keys) for row in steps) or \
                    len(set(keys)) != len(keys) or \
                    not all(0 <= o < len(LEAD_OUTS) for _, _, o in keys):
                raise ValueError("the lead-outs' steps do not match the tempo bands and keys")
            table = replace(table, steps_out=({k: i for i, k in enumerate(keys)}, steps))
        if data.get("grace") is not None:
            table = replace(table, graces=Graces.from_dict(data["grace"], bands, len(levels)))
        if data.get("run") is not None:
            table = replace(table, runs=Runs.from_dict(data["run"]))
        if data.get("quick") is not None:
            table = replace(table, quick=quick_sounds(data["quick"], len(levels)))
        if len(table.onsets) != bands or len(table.lengths) != bands or \
                len(table.rest_ends) != bands or \
                any(len(row) != 12 or any(len(c) != len(GRAINS) or
                                          any(len(g) != table.leads for g in c) for c in row)
                    for row in table.onsets) or \
                table.leads not in (LEGACY_LEADS, PLAIN_LEADS, LEADS) or \
                any(len(row) != len(table.span_edges) + 1
                    for row in (*table.lengths, *table.rest_ends)) or \
                (table.stretch_edges and any(len(cell) != len(table.stretch_edges) + 1
                                             for row in table.lengths for cell in row)):
            raise ValueError("the cells do not match the tempo bands, twelfths, grains, "
                             "leads, spans or stretches")
        if table.leads != LEGACY_LEADS:
            notes = data["onset"].get("notes")
            if notes is not None and not feelparts.counts_like(notes, table.onsets):  # the weights
                raise ValueError("the onsets' note counts do not match their cells")
            table = replace(table, lead_pools=feelparts.lead_pools(
                table.onsets, notes, table.leads // table.lead_outs, table.lead_outs))
        if not (abs(table.onset_serial) < 1 and abs(table.length_serial) < 1):
            raise ValueError("a serial correlation outside (-1, 1)")
        return table

    @property
    def leads(self) -> int:
        """Cells per grain: LEADS; PLAIN_LEADS in a table made before the short rests; a
        lead-in's alone (LEGACY_LEADS) in one made before the lead-outs."""
        return len(self.onsets[0][0][0]) if self.onsets and self.onsets[0] else 0

    @property
    def lead_outs(self) -> int:
        """Lead-outs per lead-in: without the short rest's in a table made before it."""
        return len(LEAD_OUTS) if self.leads == LEADS else len(LEAD_OUTS) - 1

    def _lead(self, gap: float | None, after: float | None, rest: float | None = None,
              rest_out: float | None = None) -> int:
        if self.leads == LEADS:
            return lead(gap, after, rest, rest_out)
        return plain_lead(gap, after, rest) if self.leads == PLAIN_LEADS else lead_in(gap)

    def band(self, tempo: float) -> int:
        return int(np.searchsorted(self.tempo_edges, tempo, side="right"))

    def quick_share(self, rng, otherwise: float) -> float:
        """The share of its time to the next onset a grace's or a run's note sounds, drawn
        from the players' quick notes (``otherwise``, and no draw, without them)."""
        return otherwise if self.quick is None else self._draw(self.quick, rng, None)

    def _draw(self, cell, rng, level) -> float:
        u = rng.random() if level is None else level
        return float(np.interp(u, self.levels, cell))

    def _timing(self, cell, rng, level) -> float:
        """A deviation drawn from ``cell`` as :meth:`_draw` does, but a level beyond the
        outer quantiles goes on into the tail (see :func:`tail_value`) instead of
        stopping at the outer quantile, which piled those draws on one time."""
        u = rng.random() if level is None else level
        return tail_value(self.levels, cell, u)

    def onset(self, twelfths: int, tempo: float, rng, amount: float = 1.0, *,
              grain: int = 0, gap: float | None = None, level: float | None = None,
              after: float | None = None, rest: float | None = None,
              rest_out: float | None = None, any_out: bool = False) -> float:
        """The deviation (beats) of an onset written ``twelfths`` twelfths into its beat,
        ``gap`` beats after the onset before (or after ``rest`` beats of rest: math.inf
        where not known), written ``after`` beats long (its lead-out; None: not known,
        counted as longer) with ``rest_out`` beats of rest after it, or ``any_out``
        (whatever follows: every lead-out together): a draw (``level``, or one from
        ``rng``; past the cell's outer quantiles, on into its tail) from its cell at
        this tempo, else from all tempos, else none; scaled by ``amount`` and never
        earlier than EARLIEST."""
        k, pooled = int(twelfths) % 12, len(self.onsets) - 1
        which = self._lead(gap, after, rest, rest_out)
        for band in (self.band(tempo), pooled):
            cell = self.onsets[band][k][grain][which]
            if any_out and self.lead_pools:
                cell = self.lead_pools[band][k][grain][which // self.lead_outs] or cell
            if cell is not None:
                return max(amount * self._timing(cell, rng, level), -EARLIEST)
        return 0.0

    def landing(self, twelfths: int, tempo: float, deviation: float, *, grain: int = 0,
                gap: float | None = None, after: float | None = None,
                own: bool = False) -> tuple[float, float] | None:
        """Where an onset reached by a step lands among the players' onsets there (the
        cell :meth:`onset` would draw from): its level among the onsets of its lead-in
        (a step learned whatever follows) of ``deviation`` (unscaled; past their range,
        in their tail: :mod:`improv.performance.quantiles`), and the onset at that level
        of the cell of its lead-out too (a sixteenth the beat's note follows at once
        lies earlier than one a longer note follows); ``own``: a step learned by that
        lead-out (:meth:`step_to`), its level in that cell, so it stays where it
        stepped; and that level. None: no cell."""
        k, pooled, which = int(twelfths) % 12, len(self.onsets) - 1, self._lead(gap, after)
        for band in (self.band(tempo), pooled):
            cell = self.onsets[band][k][grain][which]
            if cell is not None:
                pool = (self.lead_pools[band][k][grain][which // self.lead_outs]
                        if self.lead_pools and not own else None) or cell
                level = tail_level(self.levels, pool, deviation)
                return tail_value(self.levels, cell, level), level
        return None

    def before_rest(self, twelfths: int, tempo: float, deviation: float, rest_out: float, *,
                    grain: int = 0, gap: float | None = None,
                    after: float | None = None) -> float:
        """An onset drawn (unscaled ``deviation``) before the line knew that a rest of
        ``rest_out`` beats follows its note, moved to the same level among the onsets of
        notes such a rest follows (most often later: the players hold such a note back);
        unmoved where the lead stays or a cell is missing. The level is read in the cell
        of the grain known now, which the note before may have read otherwise."""
        k, pooled = int(twelfths) % 12, len(self.onsets) - 1
        was, now = self._lead(gap, after), self._lead(gap, after, rest_out=rest_out)
        if was == now:
            return deviation
        for band in (self.band(tempo), pooled):
            old, new = self.onsets[band][k][grain][was], self.onsets[band][k][grain][now]
            if old is not None and new is not None:
                return tail_value(self.levels, new, tail_level(self.levels, old, deviation))
        return deviation

    def step(self, twelfths: int, gap: int, tempo: float, rng,
             level: float | None = None) -> float | None:
        """The step (beats) from an onset to one ``gap`` twelfths later inside the same
        beat, ``twelfths`` into it: the later one's deviation less the earlier's, drawn
        from its cell at this tempo, else from all tempos; None where neither holds one
        (the onset is then drawn on its own)."""
        cell = self.step_cell(twelfths, gap, tempo)
        return None if cell is None else self._timing(cell, rng, level)

    def step_to(self, twelfths: int, gap: int, tempo: float, rng, after: float | None,
                level: float | None = None) -> tuple[float | None, bool]:
        """(step, own) as :meth:`step` draws it, from the steps to an onset whose span is
        ``after`` beats (None: not known, as longer) where the table holds those at this
        tempo (``own``: then it lands among its own lead-out's onsets; see
        :meth:`landing`), else as :meth:`step` does."""
        index = (self.steps_out[0].get((int(twelfths) % 12, int(gap), lead_out(after)))
                 if self.steps_out else None)
        cell = None if index is None else self.steps_out[1][self.band(tempo)][index]
        if cell is None:
            return self.step(twelfths, gap, tempo, rng, level), False
        return self._timing(cell, rng, level), True

    def step_cell(self, twelfths: int, gap: int, tempo: float) -> tuple | None:
        """The quantiles :meth:`step` draws from (at this tempo, else all tempos), or None."""
        index = self.steps[0].get((int(twelfths) % 12, int(gap))) if self.steps else None
        if index is None:
            return None
        for band in (self.band(tempo), len(self.steps[1]) - 1):
            if self.steps[1][band][index] is not None:
                return self.steps[1][band][index]
        return None

    def length(self, span: float, tempo: float, rest_follows: bool, rng,
               amount: float = 1.0, *, level: float | None = None,
               stretch: float = 1.0) -> float:
        """The sounding share (0.05..1) of the time to the next onset of a note written
        ``span`` beats long, that time ``stretch`` times its span as played, or of its
        span where a rest follows (cells of their own, up to 1.5: such a note may sound
        into the rest).
        ``amount`` 0 holds every note to the next onset, or to the rest."""
        band, pooled = self.band(tempo), len(self.lengths) - 1
        k = int(np.searchsorted(self.span_edges, span, side="right"))
        if rest_follows:
            cells = (self.rest_ends[band][k], self.rest_ends[pooled][k])
        elif self.stretch_edges:
            s = int(np.searchsorted(self.stretch_edges, stretch, side="right"))
            cells = (self.lengths[band][k][s], self.lengths[pooled][k][s])
        else:  # a table made before the stretches
            cells = (self.lengths[band][k], self.lengths[pooled][k])
        for cell in cells:
            if cell is not None:
                return 1.0 - amount * (1.0 - self._draw(cell, rng, level))
        return 1.0


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
