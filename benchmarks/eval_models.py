"""Musical figures of shipped models over four standards, beside the Weimar band.

For each model and each progression (the blues, rhythm changes, a minor ii-V tune,
Giant Steps) and seed, renders what ``improv eval`` renders (10 minutes at 120 BPM by
default, through the same code) and prints every figure with the Weimar p10-p90 band,
marking those outside; then how many of the 3 x 4 renders have every figure inside
(and, for scale, how many of the Weimar solos themselves do).

It also measures whether a model hears the changes: with the same seed, the share of
the first 500 values that differ between the blues and rhythm changes (the whole value,
and its rhythm alone: type and duration).

    .venv/bin/python benchmarks/eval_models.py --models metheny wjazzd
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from improv.analysis.solofigures import band as band_of
from improv.commands.evaluate import default_wjazzd, render, settings_for, weimar_figures
from improv.language.grammar import BEATS_PER_BAR
from improv.analysis.solofigures import FIGURES, solo_figures

PROGRESSIONS = ("blues", "rhythm-changes", "minor-ii-v", "giant-steps")


def values_of(model: str, progression: str, seed: int, count: int) -> list:
    """The first ``count`` values the soloist draws over ``progression``."""
    from improv.commands.play import make_band, make_soloist

    cfg = settings_for(model=model, progression=progression, seed=seed)
    soloist = make_soloist(cfg, seed)
    drawn = []
    original = soloist.next_value

    def record():
        value = original()
        drawn.append(value)
        return value

    soloist.next_value = record
    band = make_band(cfg, soloist, seed)
    beat = 0
    while len(drawn) < count:
        beat += 16
        band.advance(beat)
    return drawn[:count]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["metheny", "wjazzd"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--tempo", type=float, default=120.0)
    args = parser.parse_args(argv)
    weimar = weimar_figures(default_wjazzd())
    band, solos = band_of(weimar), len(weimar)
    bars = round(args.minutes * args.tempo / BEATS_PER_BAR)
    print(f"{bars} bars at {args.tempo:g} BPM per render; band: p10-p90 over {solos} Weimar solos")
    print("  " + "  ".join(f"{k}: {band[k][0]:.3g}..{band[k][1]:.3g}" for k, _, _ in FIGURES))
    # each figure leaves a tenth of the solos out either side: all ten inside is rarer
    whole = sum(all(band[k][0] <= f[k] <= band[k][1] for k, _, _ in FIGURES) for f in weimar)
    print(f"  Weimar solos with every figure inside the band: {whole}/{solos}")
    for model in args.models:
        inside, started = 0, time.perf_counter()
        print(f"\n== model {model}")
        print(f"{'progression':<15}{'seed':>5}  " + "  ".join(f"{k[:10]:>10}" for k, _, _ in FIGURES))
        for progression in PROGRESSIONS:
            for seed in args.seeds:
                cfg = settings_for(model=model, progression=progression, tempo=args.tempo,
                                   seed=seed)
                notes, _ = render(cfg, bars)
                figures = solo_figures([(n.start, n.end, n.pitch, n.chord) for n in notes],
                                       bars * BEATS_PER_BAR)
                cells, ok = [], True
                for key, _, fmt in FIGURES:
                    out = not band[key][0] <= figures[key] <= band[key][1]
                    ok &= not out
                    cells.append(f"{fmt.format(figures[key]) + ('*' if out else ''):>10}")
                inside += ok
                print(f"{progression:<15}{seed:>5}  " + "  ".join(cells), flush=True)
        total = len(PROGRESSIONS) * len(args.seeds)
        print(f"renders with every figure inside the band: {inside}/{total}  (* = outside; "
              f"{time.perf_counter() - started:.0f} s)")
        whole, rhythm = [], []
        for seed in args.seeds:
            a = values_of(model, "blues", seed, 500)
            b = values_of(model, "rhythm-changes", seed, 500)
            whole.append(sum(x != y for x, y in zip(a, b)) / 500)
            rhythm.append(sum((x.kind, x.duration) != (y.kind, y.duration)
                              for x, y in zip(a, b)) / 500)
        print(f"same seed, blues vs rhythm changes, first 500 values differing: whole value "
              f"{statistics.median(whole):.1%} (seeds {', '.join(f'{w:.1%}' for w in whole)}), "
              f"type and duration {statistics.median(rhythm):.1%} "
              f"({', '.join(f'{r:.1%}' for r in rhythm)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
