"""Chord naming accuracy and speed: ``ChordNamer.name`` over piano voicings of the WJD's chords.

Every chord symbol written in the Weimar Jazz Database's beat files (``NC`` left out, a
slash chord voiced without its bass) is voiced by :func:`improv.language.voicings.voicings`
in every kind (root position, inversions, shells, drop-2, rootless A/B), and each voicing
is named. A naming is right when its root is the chord's root ("root") and, for
"root+fam", also its quality family (:func:`improv.language.chordnaming.family`). Two
weightings: every occurrence of a symbol in the corpus ("weighted"), and every distinct
symbol once ("distinct"). Three contexts, rows of the table:

* ``none``      a fresh namer, no expected chord: the notes alone;
* ``previous``  the namer's last chord set to the chord written before this one in the
  same solo (weighted only: a distinct symbol has no one previous chord). The WJD writes
  a symbol only where the chord changes, so here the last root is always stale: this
  row shows what rule (b) costs when the player moves on;
* ``held``      the namer's last chord set to the true chord: the player revoices a chord
  the namer has named already, which is what rule (b) is for;
* ``expected``  the true chord passed as ``expected`` (what the chart says now);
* the chart says another chord than the one played, passed as ``expected`` (a musician
  reharmonises; right means named as played, not as the chart says):
  ``tritone``      the chart has the tritone substitute (a dominant a tritone away),
  ``ii-V``         the chart has the V7 the played chord is the ii of (an inserted ii),
  ``interchange``  the chart has the same root in another family (modal interchange:
                   Fmaj7 written, Fm7 played; a dominant written, a major played),
  ``other tune``   the chart is another tune's: the chord written 97 symbols later in
                   the corpus, whatever it is (a different root or family).

Columns: "root%" root right, "r+fam%" root and family right, "tie%" wrong but tied: a
reading with the true root and family fits the notes exactly as well as the one named
(C-E-G-A is C6 and Am7/C), so no rule on the notes alone gets all such voicings right.
Goals (context ``none``): root position and inversions >= 98 %, shells and drop-2 >= 95 %
(root+fam); when the chart disagrees, root position >= 98 % named as played, inversions,
shells and drop-2 >= 90 %, and still >= 99 % when it agrees (``expected``). Time per call: perf_counter_ns around every ``name`` call of the run (median,
p99, max in µs), plus the one-off table build and the calls that missed the cache.

    .venv/bin/python benchmarks/chord_naming.py
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

from improv.language import chordnaming
from improv.language.chordnaming import ChordNamer, family
from improv.language.harmony import Chord, make_chord, parse_chord
from improv.language.voicings import voicings

REPO = Path(__file__).resolve().parents[1]
BEATS = REPO.parent / "shared" / "corpus" / "wjazzd" / "beats"
KINDS = ("root", "inversion", "shell", "drop2", "rootless")
DISAGREE = ("tritone", "ii-V", "interchange", "other tune")
CONTEXTS = ("none", "previous", "held", "expected") + DISAGREE
GOALS = {"root": 98.0, "inversion": 98.0, "shell": 95.0, "drop2": 95.0}
DISAGREE_GOALS = {"root": 98.0, "inversion": 90.0, "shell": 90.0, "drop2": 90.0}
EXPECTED_GOAL = 99.0  # rootless included: the chart is what names a rootless voicing
OTHER_TUNE = 97  # symbols ahead in the corpus: "another tune's chord"
_OTHER_FAMILY = {"maj": "m7", "min": "maj7", "dom": "maj7", "half-dim": "m7", "dim": "m7",
                 "aug": "maj7", "sus": "maj7"}


def chart_says(context: str, truth: Chord, other: Chord | None) -> Chord | None:
    """The chord the chart has while ``truth`` is played, in a disagreeing context."""
    if context == "tritone":
        return make_chord((truth.root + 6) % 12, "7")
    if context == "ii-V":
        return make_chord((truth.root + 5) % 12, "7")
    if context == "interchange":
        return make_chord(truth.root, _OTHER_FAMILY[family(truth.quality)])
    return other


def solos(folder: Path) -> list[list[str]]:
    """The chord symbols written in each beat file, in order (an empty cell: no change)."""
    out = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows = csv.reader(handle)
            column = next(rows).index("chord")
            out.append([row[column].strip() for row in rows if row[column].strip()])
    return out


def base(symbol: str) -> Chord | None:
    """The chord a symbol names, without a slash bass; None for NC."""
    chord = parse_chord(symbol)
    return None if chord.quality == "nc" else make_chord(chord.root, chord.quality)


class Tally:
    """Right/total counts per (kind, context, weighting) and every call's time."""

    def __init__(self) -> None:
        self.total, self.root, self.both, self.tied = Counter(), Counter(), Counter(), Counter()
        self.times: list[int] = []

    def name(self, namer: ChordNamer, voicing, expected, truth: Chord, key) -> None:
        start = time.perf_counter_ns()
        got = namer.name(voicing, expected)
        self.times.append(time.perf_counter_ns() - start)
        self.total[key] += 1
        if got is not None and got.root == truth.root:
            self.root[key] += 1
            if family(got.quality) == family(truth.quality):
                self.both[key] += 1
                return
        if tied(voicing, truth):
            self.tied[key] += 1

    def share(self, counter: Counter, key) -> str:
        return f"{100 * counter[key] / self.total[key]:6.2f}" if self.total[key] else "     -"


def tied(voicing, truth: Chord) -> bool:
    """Whether a reading with the true root and family fits the notes as well as the
    best one: a miss the notes alone cannot avoid (only context can settle it)."""
    mask = sum({1 << (p % 12) for p in voicing})
    want = family(truth.quality)
    return any(root == truth.root and family(quality) == want
               and gap <= chordnaming.TIE_WIDTH
               for root, quality, gap, _ in chordnaming._candidates(mask, min(voicing) % 12))


def run(sequences: list[list[str]], tally: Tally) -> None:
    namer = ChordNamer()
    voiced = {}
    corpus = [c for c, _ in _occurrences(sequences)]
    for weighting, items in (("weighted", _occurrences(sequences)),
                             ("distinct", _distinct(sequences))):
        for index, (truth, previous) in enumerate(items):
            if truth.name not in voiced:
                voiced[truth.name] = voicings(truth)
            other = corpus[(index + OTHER_TUNE) % len(corpus)]
            for kind, notes in voiced[truth.name].items():
                for voicing in notes:
                    for context in CONTEXTS:
                        if context == "previous" and weighting == "distinct":
                            continue
                        namer.last = {"previous": previous, "held": truth}.get(context)
                        expected = (truth if context == "expected" else
                                    chart_says(context, truth, other)
                                    if context in DISAGREE else None)
                        if context in DISAGREE and (expected is None or (
                                expected.root == truth.root
                                and family(expected.quality) == family(truth.quality))):
                            continue  # the other tune happens to agree here
                        tally.name(namer, voicing, expected, truth, (kind, context, weighting))


def _occurrences(sequences):
    for symbols in sequences:
        previous = None
        for symbol in symbols:
            chord = base(symbol)
            if chord is not None:
                yield chord, previous
            previous = chord


def _distinct(sequences):
    seen = {}
    for symbols in sequences:
        for symbol in symbols:
            if symbol not in seen:
                seen[symbol] = base(symbol)
    return [(chord, None) for chord in seen.values() if chord is not None]


def cold_times(sequences) -> list[int]:
    """Every distinct voicing named once with the candidate cache emptied first: the
    cost of a pitch-class set the namer has not seen (the tables already built)."""
    chordnaming._candidates.cache_clear()
    namer, seen, times = ChordNamer(), set(), []
    for chord, _ in _distinct(sequences):
        for notes in voicings(chord).values():
            for voicing in notes:
                key = (frozenset(p % 12 for p in voicing), min(voicing) % 12)
                if key in seen:
                    continue
                seen.add(key)
                start = time.perf_counter_ns()
                namer.name(voicing)
                times.append(time.perf_counter_ns() - start)
    return times


def quantiles(times: list[int]) -> str:
    ordered = sorted(times)
    median = ordered[len(ordered) // 2] / 1000
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] / 1000
    return f"median {median:7.2f} µs  p99 {p99:7.2f} µs  max {ordered[-1] / 1000:8.1f} µs"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beats", type=Path, default=BEATS, help="the WJD beats folder")
    args = parser.parse_args(argv)
    if not args.beats.is_dir():
        print(f"chord_naming: the Weimar Jazz Database beats are not at {args.beats}",
              file=sys.stderr)
        return 2
    sequences = solos(args.beats)
    symbols = {s for seq in sequences for s in seq}
    start = time.perf_counter_ns()
    import numpy  # noqa: F401  (the real-time process has it loaded already)

    loaded = time.perf_counter_ns()
    ChordNamer.prepare()
    numpy_ms, build = (loaded - start) / 1e6, (time.perf_counter_ns() - loaded) / 1e6
    tally = Tally()
    run(sequences, tally)
    print(f"{len(sequences)} solos, {sum(map(len, sequences))} chord symbols written, "
          f"{len(symbols)} distinct (NC left out of the naming)")
    print(f"{'kind':10} {'context':11} | {'weighted: n':>11} {'root%':>6} {'r+fam%':>6} "
          f"{'tie%':>6} | {'distinct: n':>11} {'root%':>6} {'r+fam%':>6} {'tie%':>6} | goal")
    for kind in KINDS:
        for context in CONTEXTS:
            w, d = (kind, context, "weighted"), (kind, context, "distinct")
            goal = (GOALS.get(kind) if context == "none" else
                    DISAGREE_GOALS.get(kind) if context in DISAGREE else
                    EXPECTED_GOAL if context == "expected" else None)
            mark = ""
            if goal is not None:
                ok = min(100 * tally.both[k] / tally.total[k] for k in (w, d)) >= goal
                mark = f">= {goal:.0f}% {'met' if ok else 'MISSED'}"
            print(f"{kind:10} {context:11} | {tally.total[w]:11} {tally.share(tally.root, w)} "
                  f"{tally.share(tally.both, w)} {tally.share(tally.tied, w)} | "
                  f"{tally.total[d]:11} {tally.share(tally.root, d)} "
                  f"{tally.share(tally.both, d)} {tally.share(tally.tied, d)} | {mark}")
    print(f"time per call, all {len(tally.times)} calls: {quantiles(tally.times)}")
    cold = cold_times(sequences)
    print(f"time per call, {len(cold)} unseen pitch-class sets: {quantiles(cold)}")
    print(f"table build (once, on first use): {build:.1f} ms (numpy's import before it: "
          f"{numpy_ms:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
