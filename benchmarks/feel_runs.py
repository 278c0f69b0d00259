"""How the players' time carries through a run of eighths, and how hard each swings
them, against improv's performer (improv.performance.performer) drawing the same.

Players: the Weimar solos' beats written as an eighth-note pair (an onset on the beat
and one at 6/12, nothing else), in runs of five onsets (on, off, on, off, on) at
170-260 BPM; each onset's deviation from its written place in performed beats (linear
between the beat table's marks, as the discriminator reads them), less its solo's
mean at that place. improv: runs of eighths through the performer at 200 BPM, phrases
of 16 with two beats' rest, each seed's own means taken off. Printed: the correlation
of the first onset with the next four (half a beat to two beats on), the s.d., and per
soloist (every third with 30 pairs or more) the mean eighth step, the players' against
the performer's playing as that soloist: their spread and their correlation.

    python benchmarks/feel_runs.py [--wjazzd DIR] [--table FILE] [--seeds N]
"""

from __future__ import annotations

import argparse
import math
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

DEFAULT_WJAZZD = HERE.parent.parent / "shared" / "corpus" / "wjazzd"
RUN_TEMPOS = (170.0, 260.0)
TEMPO = 200.0


def eighth_pairs(path: Path) -> tuple[float, dict]:
    """(tempo, {written beat: (on-beat deviation, off-beat deviation)}) of a solo's beats
    written as an eighth pair alone, in beats as played (:func:`improv.learning.wjd.
    read_solo`: linear between the beat table's marks, as the discriminator reads them)."""
    from improv.learning.wjd import read_solo

    solo = read_solo(path)
    by_beat: dict = {}
    for note in solo.notes:
        if note.written is not None:
            beat = math.floor(note.written)
            by_beat.setdefault(beat, []).append((round((note.written - beat) * 12),
                                                 note.on - float(note.written)))
    return solo.tempo or 0.0, {b: (v[0][1], v[1][1]) for b, v in by_beat.items()
                               if [k for k, _ in v] == [0, 6]
                               and max(abs(v[0][1]), abs(v[1][1])) < 0.4}


def runs(pairs: dict) -> np.ndarray:
    """Rows (on, off, on, off, on) of deviations over two beats of eighth pairs."""
    out = [(*pairs[b], *pairs[b + 1], pairs[b + 2][0]) for b in pairs
           if b + 1 in pairs and b + 2 in pairs]
    return np.array(out).reshape(-1, 5)


def performed(table, seed: int, solo: str | None, tempo: float) -> dict:
    """The performer's deviations of runs of eighths, as eighth_pairs gives them."""
    from improv.performance.performer import Performer

    perf = Performer(table, np.random.default_rng(seed), solo=solo)
    out, start = {}, Fraction(0)
    for _ in range(10):
        devs = []
        for i in range(16):
            s = start + Fraction(i, 2)
            last = i == 15
            on, _ = perf.perform(s, s + Fraction(1, 2), tempo, 1.0, last,
                                 next_span=Fraction(2) if last else Fraction(1, 2))
            devs.append(on - float(s))
        for i in range(0, 16, 2):
            out[int(start) + i // 2] = (devs[i], devs[i + 1])
        start += 10
        perf.new_phrase()
    return out


def correlations(blocks: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """The first onset's correlation with the next four, and the s.d., of the rows of
    every block less its own mean."""
    rows = np.concatenate([b - b.mean(axis=0) for b in blocks if len(b) >= 5])
    return np.corrcoef(rows.T)[0, 1:], float(rows.std())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wjazzd", type=Path, default=DEFAULT_WJAZZD)
    parser.add_argument("--table", type=Path, help="a time-feel table (default: the shipped)")
    parser.add_argument("--seeds", type=int, default=60)
    args = parser.parse_args(argv)
    if not (args.wjazzd / "melody").is_dir():
        print(f"no Weimar Jazz Database at {args.wjazzd}: pass --wjazzd DIR", file=sys.stderr)
        return 2
    from improv.errors import UsageError
    from improv.performance import timefeel

    try:
        table = timefeel.shipped() if args.table is None else timefeel.load(args.table)
    except UsageError as err:
        print(err, file=sys.stderr)
        return 2
    players, swing = [], {}
    for path in sorted((args.wjazzd / "melody").glob("*.csv")):
        tempo, pairs = eighth_pairs(path)
        if RUN_TEMPOS[0] <= tempo < RUN_TEMPOS[1]:
            players.append(runs(pairs))
        if len(pairs) >= 30:
            swing[path.stem] = (tempo, float(np.mean([b - a for a, b in pairs.values()])))
    ours = [runs(performed(table, seed, None, TEMPO)) for seed in range(args.seeds)]
    print("eighth runs      lag 0.5   1.0   1.5   2.0 beat    s.d. (beats)")
    for name, blocks in (("players", players), ("improv", ours)):
        corr, sd = correlations(blocks)
        print(f"  {name:<12}" + "".join(f"{c:6.2f}" for c in corr) + f"    {sd:.3f}")
    named = [n for n in sorted(swing) if n in table.style_names][::3]
    theirs = np.array([swing[n][1] for n in named])
    mine = np.array([np.mean([b - a for a, b in performed(table, 1, n, swing[n][0]).values()])
                     for n in named])
    print(f"\nmean eighth step per soloist ({len(named)}): spread players {theirs.std():.3f}, "
          f"improv {mine.std():.3f} beat; correlation {np.corrcoef(theirs, mine)[0, 1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
