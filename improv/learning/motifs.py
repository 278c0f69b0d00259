"""How the Weimar soloists come back to their own material, phrase by phrase.

Pure functions over a solo's line as the model reads it (the grid line of
:func:`improv.learning.wjd.load_solo_piece`). A phrase ends where the line rests a beat
or more (the grammar's ``PHRASE_GAP``). For every phrase after the first with four
notes or more, its head (the first four pitches) is looked for earlier in the solo:

* **repeat**: the same four pitches;
* **sequence**: the same three intervals, moved by the root motion of the chords under
  the two heads (a figure carried along the changes);
* otherwise a **new** head (another transposition counts as new: it is as common in a
  line of random steps).

Of each repeat and sequence: how many notes the match runs on for (its length), how
many phrases back it is, whether the earlier occurrence opened a phrase, whether it
starts on the same beat of the bar (else it is displaced) and at the same place in the
beat. Inside phrases, the **patterns**: a figure's intervals played again at once from
where the line stands. And of every solo: the breaths between its phrases, and where in
the beat the phrases after them start, by the model's tempo bands. What
:mod:`improv.sampling.recall` and :mod:`improv.sampling.patterns` keep as constants
comes from :func:`measure` over the 456 solos (``python -m improv.learning.motifs
[WJAZZD_DIR]``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from improv.language.grammar import PHRASE_GAP

HEAD = 4  # notes of a phrase's head
LICK = 6  # notes of a run repeated inside a phrase, at least
PATTERN = 3  # intervals a figure repeated inside a phrase holds, at least
LAGS = range(2, 9)  # notes back to the figure a pattern repeats


@dataclass(frozen=True)
class LineNote:
    start: Fraction  # beats from the top
    end: Fraction
    pitch: int
    root: int  # pitch class of the chord's root at the onset (-1: no chord)
    bar_beat: Fraction  # beats into its bar


@dataclass(frozen=True)
class Recall:
    kind: str  # "repeat" | "sequence"
    length: int  # notes the match runs on for (HEAD or more)
    back: int  # phrases between the two (1: the phrase before)
    from_head: bool  # the earlier occurrence opened a phrase
    same_bar_beat: bool
    same_beat_place: bool


def phrases(line: list[LineNote]) -> list[list[LineNote]]:
    """The line split where it rests ``PHRASE_GAP`` beats or more."""
    out: list[list[LineNote]] = []
    end = None
    for note in line:
        if end is None or note.start - end >= PHRASE_GAP:
            out.append([])
        out[-1].append(note)
        end = note.end
    return out


def _match_length(a: list[int], i: int, j: int, shift: int) -> int:
    """How many pitches from ``a[j]`` on equal those from ``a[i]`` plus ``shift``
    (the later run never reaching into the earlier one's start)."""
    k = 0
    while j + k < len(a) and i + k < j and a[j + k] == a[i + k] + shift:
        k += 1
    return k


def recalls(line: list[LineNote]) -> tuple[list[Recall | None], list[float]]:
    """Per phrase after the first with a head: its :class:`Recall` or None (new); and
    the breaths (beats) between phrases."""
    groups = phrases(line)
    breaths = [float(b[0].start - a[-1].end) for a, b in zip(groups, groups[1:])]
    flat = [n for g in groups for n in g]
    pitches = [n.pitch for n in flat]
    phrase_of, heads = [], set()
    for g_index, g in enumerate(groups):
        heads.add(len(phrase_of))
        phrase_of += [g_index] * len(g)
    found: list[Recall | None] = []
    at = 0
    for g_index, g in enumerate(groups):
        j, at = at, at + len(g)
        if g_index == 0 or len(g) < HEAD:
            continue
        best: tuple | None = None
        for i in range(j - HEAD + 1):
            steps_equal = all(pitches[j + k] - pitches[j + k - 1] == pitches[i + k] - pitches[i + k - 1]
                              for k in range(1, HEAD))
            if not steps_equal:
                continue
            shift = pitches[j] - pitches[i]
            motion = (flat[j].root - flat[i].root) % 12 if min(flat[j].root, flat[i].root) >= 0 else 0
            if shift == 0:
                kind = "repeat"
            elif shift % 12 == motion and motion != 0:
                kind = "sequence"
            else:
                continue
            length = _match_length(pitches, i, j, shift)
            key = (kind == "repeat", length, i)  # a repeat before a sequence, then the longest
            if best is None or key > best[0]:
                best = (key, kind, length, i)
        if best is None:
            found.append(None)
            continue
        _, kind, length, i = best
        found.append(Recall(kind, length, g_index - phrase_of[i], i in heads,
                            flat[i].bar_beat == flat[j].bar_beat,
                            flat[i].start % 1 == flat[j].start % 1))
    return found, breaths


def licks(line: list[LineNote]) -> tuple[list[int], int]:
    """Inside phrases (not at a head): the lengths of the runs of :data:`LICK` or more
    pitches that repeat, at pitch, a run heard earlier (each counted once, the longest
    earlier match); and the notes they could have started at (the notes inside phrases)."""
    groups = phrases(line)
    pitches = [n.pitch for g in groups for n in g]
    inside = []
    for g in groups:
        inside += [False] + [True] * (len(g) - 1)
    seen: dict[tuple[int, ...], list[int]] = {}
    found, j = [], 0
    while j < len(pitches):
        key = tuple(pitches[j:j + HEAD])
        best = 0
        if inside[j] and len(key) == HEAD:
            for i in seen.get(key, ()):
                best = max(best, _match_length(pitches, i, j, 0))
        if best >= LICK:
            found.append(best)
            for k in range(j, j + best):
                seen.setdefault(tuple(pitches[k:k + HEAD]), []).append(k)
            j += best
            continue
        seen.setdefault(key, []).append(j)
        j += 1
    return found, sum(inside)


def patterns(line: list[LineNote]) -> tuple[list[tuple[int, int]], int]:
    """Inside phrases: each run of :data:`PATTERN` or more intervals that repeat, one by
    one, the intervals ``lag`` notes before (a figure played again from where the line
    stands: a cell of 2-8 notes moved along), as ``(lag, intervals)``, the shortest lag
    first; and the intervals inside phrases (where one could start). Runs of equal steps
    (chromatic runs, repeated notes: a figure of one interval) are not patterns: the
    model plays those of itself."""
    found, count = [], 0
    for group in phrases(line):
        steps = [b.pitch - a.pitch for a, b in zip(group, group[1:])]
        count += len(steps)
        t = 0
        while t < len(steps):
            for lag in LAGS:
                k = 0
                if t >= lag and len(set(steps[t - lag:t])) > 1:  # a figure, not a run
                    while t + k < len(steps) and steps[t + k] == steps[t + k - lag]:
                        k += 1
                if k >= PATTERN:
                    found.append((lag, k))
                    t += k
                    break
            else:
                t += 1
    return found, count


def solo_line(piece) -> list[LineNote]:
    """The pitched notes of a :class:`~improv.learning.corpus.Piece`, in order."""
    line = []
    for bar in piece.bars:
        for n in bar.notes:
            if n.pitch is None:
                continue
            chord = bar.chord_at(n.offset)
            start = Fraction(bar.offset + n.offset).limit_denominator(12)
            line.append(LineNote(start, start + Fraction(n.duration).limit_denominator(12),
                                 n.pitch, chord.root if chord.tones else -1,
                                 Fraction(n.offset).limit_denominator(12)))
    return line


def start_places(line: list[LineNote]) -> list[int]:
    """Where in the beat (twelfths) each phrase after a breath starts."""
    return [int(group[0].start * 12) % 12 for group in phrases(line)[1:]]


def start_shares(per_band: list[list[int]]) -> list[list[float]]:
    """Each tempo band's share of phrase starts at each twelfth of the beat."""
    return [[round(sum(p == k for p in places) / max(len(places), 1), 3) for k in range(12)]
            for places in per_band]


# the breaths' long pauses too (improv.sampling.phrasing.BREATH_LEVELS)
BREATH_QS = (10, 25, 50, 75, 90, 95, 98, 99)


def quantiles(values, qs=(10, 25, 50, 75, 90)) -> dict[int, float]:
    values = np.asarray(list(values), dtype=float)
    if not len(values):
        return {}
    return {q: round(float(np.percentile(values, q)), 2) for q in qs}


def summary(per_solo: list[tuple[list[Recall | None], list[float]]],
            figures: list[tuple[list[tuple[int, int]], int]] = ()) -> dict:
    """The shares and quantiles :mod:`improv.sampling.recall` and
    :mod:`improv.sampling.patterns` keep (``figures``: :func:`patterns` per solo)."""
    found = [r for rs, _ in per_solo for r in rs]
    made = [r for r in found if r is not None]
    share = {kind: sum(r.kind == kind for r in made) / max(len(found), 1)
             for kind in ("repeat", "sequence")}
    return {
        "solos": len(per_solo),
        "phrase heads": len(found),
        "share": {k: round(v, 4) for k, v in share.items()},
        "length": {kind: quantiles(r.length for r in made if r.kind == kind)
                   for kind in ("repeat", "sequence")},
        "back (phrases)": quantiles(r.back for r in made),
        "from a phrase's head": round(sum(r.from_head for r in made) / max(len(made), 1), 3),
        "same beat of the bar": round(sum(r.same_bar_beat for r in made) / max(len(made), 1), 3),
        "same place in the beat": round(sum(r.same_beat_place for r in made) / max(len(made), 1), 3),
        "breath (beats)": quantiles((b for _, bs in per_solo for b in bs), BREATH_QS),
        **_pattern_summary(figures),
    }


def _pattern_summary(figures) -> dict:
    runs = [run for found, _ in figures for run in found]
    if not runs:
        return {}
    steps = sum(count for _, count in figures)
    return {
        "patterns per interval inside phrases": round(len(runs) / max(steps, 1), 4),
        "pattern lag (notes back)": {lag: round(sum(r[0] == lag for r in runs) / len(runs), 3)
                                     for lag in LAGS},
        "pattern length (intervals)": quantiles(r[1] for r in runs),
    }


def measure(folder: Path) -> dict:
    """:func:`summary` over the solos of a Weimar Jazz Database folder."""
    from improv.language import context
    from improv.learning.wjd import load_solo_piece, solo_paths

    pieces = [load_solo_piece(p) for p in solo_paths(Path(folder))]
    lines = [solo_line(piece) for piece in pieces]
    bands: list[list[int]] = [[] for _ in range(len(context.TEMPO_EDGES) + 1)]
    breaths: list[list[float]] = [[] for _ in bands]
    found = [recalls(line) for line in lines]
    for piece, line, (_, gaps) in zip(pieces, lines, found):
        if piece.tempo is not None:
            band = context.tempo_slot(piece.tempo) - context.TEMPO_OFFSET
            bands[band] += start_places(line)
            breaths[band] += gaps
    return {**summary(found, [patterns(line) for line in lines]),
            "phrase starts in the beat (twelfths 0-11, by tempo band)": start_shares(bands),
            "phrase starts by tempo band": [len(places) for places in bands],
            "breath (beats) by tempo band": [quantiles(b, BREATH_QS) for b in breaths]}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parents[3] / "shared/corpus/wjazzd"
    for key, value in measure(folder).items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
