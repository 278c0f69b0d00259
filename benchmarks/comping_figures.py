"""What the comping plays, per style, over ten minutes of each shipped chart.

For every comping style and every chart in data/charts, the comping part alone plays
ten minutes at the chart's tempo (straight, so positions are exact; swing moves only
the off-beats) and this prints:

* where the strokes fall in the bar: the share of strokes on each eighth, per metre;
* strokes per bar and how long they ring;
* the share of bars whose rhythm (onsets and lengths) repeats the bar before exactly,
  and the share (and count) of bars repeating it exactly, pitches too;
* the mean movement in semitones between consecutive voicings (sum over the voices),
  the rootless styles against the close voicings of charleston/sustain, and how
  often the rootless voicing is an A or B form;
* the pianist under a soloist heard at 0, 1, 2 and 4 notes a beat.

    .venv/bin/python benchmarks/comping_figures.py [--seeds 3] [--minutes 10]
"""

from __future__ import annotations

import argparse
import math
from collections import Counter, defaultdict
from fractions import Fraction

import numpy as np

from improv.band.chart import Progression, Timeline
from improv.band.comping import STYLES, Comping, CompingPart
from improv.performance.feel import Feel
from improv.band.part import Stage
from improv.band.rootless import form_of, movement
from improv.commands.charts import load_chart, shipped_charts

STRAIGHT = Feel(swing=0.0, accent=0, humanise=0)


def strokes(notes):
    """(start, end, chord, pitches) per stroke, in time order."""
    out = defaultdict(list)
    for n in notes:
        out[(Fraction(n.start).limit_denominator(48), Fraction(n.end).limit_denominator(48),
             n.chord)].append(n.pitch)
    return [(s, e, c, tuple(sorted(p))) for (s, e, c), p in sorted(out.items(),
                                                                  key=lambda kv: kv[0][:2])]


def play(progression, tempo, style, seed, minutes, soloist=None):
    metre = progression.beats_per_bar
    bars = math.ceil(minutes * tempo / metre)
    part = CompingPart(Comping(style=style), np.random.default_rng(seed))
    if soloist is not None:
        part.hear_soloist(soloist)
    stage = Stage(Timeline(progression), metre, STRAIGHT)
    return strokes(part.play(bars * metre, stage)), bars


def figures(played, bars, metre):
    per_bar = defaultdict(list)
    for s, e, c, p in played:
        per_bar[int(s // metre)].append((s % metre, e - s, p))
    rhythm = [tuple((on, length) for on, length, _p in per_bar[b]) for b in range(bars)]
    whole = [tuple(per_bar[b]) for b in range(bars)]
    same_rhythm = sum(bool(a) and a == b for a, b in zip(rhythm, rhythm[1:]))
    same_bar = sum(bool(a) and a == b for a, b in zip(whole, whole[1:]))
    moves = [movement(a[3], b[3]) for a, b in zip(played, played[1:]) if a[3] != b[3]]
    changes = [movement(a[3], b[3]) for a, b in zip(played, played[1:]) if a[2] != b[2]]
    forms = [form_of(p, c) for _s, _e, c, p in played]
    return {
        "positions": Counter(int(s % metre * 2) for s, *_ in played),
        "strokes": len(played), "bars": bars,
        "length": float(np.mean([float(e - s) for s, e, *_ in played])) if played else 0.0,
        "same_rhythm": same_rhythm, "same_bar": same_bar,
        "moves": moves, "changes": changes,
        "ab": sum(f in ("A", "B") for f in forms), "voiced": len(forms),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args(argv)
    charts = {name: load_chart(name) for name in shipped_charts()}
    table = defaultdict(lambda: defaultdict(list))  # style -> chart -> figures per seed
    for name, chart in charts.items():
        progression = Progression.from_chart(chart)
        for style in STYLES:
            for seed in range(1, args.seeds + 1):
                played, bars = play(progression, chart.tempo or 120, style, seed, args.minutes)
                table[style][name].append(figures(played, bars, progression.beats_per_bar))

    metres = sorted({chart.beats_per_bar for chart in charts.values()})
    for metre in metres:
        names = [n for n, c in charts.items() if c.beats_per_bar == metre]
        cells = [f"{k // 2 + 1}{'&' if k % 2 else ''}" for k in range(2 * metre)]
        print(f"\nWhere the strokes fall in a bar of {metre}/4 ({', '.join(names)}): "
              f"share of strokes per eighth")
        print(f"{'style':<11}" + "".join(f"{c:>6}" for c in cells))
        for style in STYLES:
            counts = Counter()
            for n in names:
                for f in table[style][n]:
                    counts.update(f["positions"])
            total = sum(counts.values()) or 1
            print(f"{style:<11}" + "".join(f"{counts[k] / total:>6.0%}"
                                           for k in range(2 * metre)))

    print(f"\nPer style, all charts, {args.minutes:g} minutes each x {args.seeds} seeds:")
    print(f"{'style':<11}{'strokes/bar':>12}{'rings':>7}{'rhythm = bar before':>21}"
          f"{'bar = bar before':>18}{'(count)':>9}{'move/change':>13}{'move/voicing':>14}"
          f"{'A/B forms':>11}")
    for style in STYLES:
        fs = [f for n in charts for f in table[style][n]]
        bars = sum(f["bars"] - 1 for f in fs)
        moves = [m for f in fs for m in f["moves"]]
        changes = [m for f in fs for m in f["changes"]]
        voiced = sum(f["voiced"] for f in fs)
        rootless = style not in ("charleston", "sustain")
        print(f"{style:<11}{sum(f['strokes'] for f in fs) / sum(f['bars'] for f in fs):>12.2f}"
              f"{np.mean([f['length'] for f in fs]):>7.2f}"
              f"{sum(f['same_rhythm'] for f in fs) / bars:>21.1%}"
              f"{sum(f['same_bar'] for f in fs) / bars:>18.1%}"
              f"{sum(f['same_bar'] for f in fs) / len(fs):>9.1f}"
              f"{np.mean(changes):>13.2f}{np.mean(moves):>14.2f}"
              + (f"{sum(f['ab'] for f in fs) / voiced:>11.0%}" if rootless else f"{'':>11}"))

    print("\nMean movement in semitones from one voicing to the next, pianist against the "
          "close voicings:\nat chord changes, and over every change of voicing (the pianist "
          "also moves within a held chord)")
    print(f"{'chart':<16}{'pianist':>9}{'close':>9}{'pianist, all':>14}{'bars/10 min':>13}")
    for name in charts:
        ours = np.mean([m for f in table["pianist"][name] for m in f["changes"]])
        close = np.mean([m for f in table["charleston"][name] for m in f["changes"]])
        every = np.mean([m for f in table["pianist"][name] for m in f["moves"]])
        print(f"{name:<16}{ours:>9.2f}{close:>9.2f}{every:>14.2f}"
              f"{table['pianist'][name][0]['bars']:>13}")

    print("\nThe pianist under a busy soloist (strokes per bar, mean length in beats):")
    print(f"{'chart':<16}" + "".join(f"{f'{d:g}/beat':>16}" for d in (0, 1, 2, 4)))
    for name in ("blues-in-f", "rhythm-changes", "waltz-in-bb"):
        chart = charts[name]
        progression = Progression.from_chart(chart)
        row = []
        for density in (0, 1, 2, 4):
            played, bars = play(progression, chart.tempo or 120, "pianist", 1, args.minutes,
                                density)
            f = figures(played, bars, progression.beats_per_bar)
            row.append(f"{f['strokes'] / bars:.2f} / {f['length']:.2f}")
        print(f"{name:<16}" + "".join(f"{r:>16}" for r in row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
