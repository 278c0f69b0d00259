"""How far each run plays like the Weimar soloist it plays as, and how far the runs
differ from one another, against the players' own solos.

Renders the soloist over every Weimar solo's own changes at its tempo, once each, with
the seed ``improv calibrate`` gives it (the player drawn by that seed, as ``improv
play`` draws one: mostly not the solo's own), and counts the values drawn. By tempo
band and for the lengths and intervals that tell players apart most (sixteenths,
triplet eighths, eighths; repeated notes), prints the share among the players' solos
and among the runs (p10 / median / p90, and the spread between them), and the slope of
a run's share on its player's (1: the player's habit as strong as in its solo). Last,
the median distance (total variation) between a run's mix of lengths and of intervals
and its player's.

    python benchmarks/player_fidelity.py [--model NAME|DIR] [--every K]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

DEFAULT_WJAZZD = HERE.parent.parent / "shared" / "corpus" / "wjazzd"
# (label, duration class or None, interval class or None): the calibration's classes
ROWS = (("sixteenths (3/12)", 2, None), ("triplet eighths (4/12)", 3, None),
        ("eighths (6/12)", 5, None), ("repeated notes", None, 0))


def renders(model, folder: Path, every: int):
    """(tempo band, the run's (durations, intervals), its player's) per solo's changes."""
    from improv.commands.evaluate import settings_for
    from improv.commands.making.calibrate import corpus_counts, count_values, counts, render_jobs
    from improv.commands.play import make_band
    from improv.language import context
    from improv.learning.wjd import solo_paths
    from improv.model import modelfile
    from improv.model.engines import load_generator
    from improv.sampling.calibrationfile import calibration_for
    from improv.sampling.soloist import Soloist

    bands = len(context.TEMPO_EDGES) + 1
    paths = solo_paths(folder)
    _, _, own = corpus_counts(paths, bands)
    where = modelfile.resolve(model)
    table = calibration_for(where)
    if table is None or not table.players:
        raise SystemExit(f"{where} has no calibration with players to play as")
    generator = load_generator(where)
    out = []
    for chart, tempo, seed, _name in render_jobs(paths[::every], None):
        cfg = settings_for(None, model=str(where), tempo=tempo, seed=seed)
        soloist = Soloist(generator, dataclasses.replace(
            cfg.sampling, seed=seed, beats_per_bar=chart.beats_per_bar, calibrate=True,
            tempo=tempo), table)
        drawn: list[int] = []
        soloist.observer = lambda index, place: drawn.append(index)
        make_band(cfg, soloist, seed, chart=chart).advance(
            len(chart.bars) * chart.beats_per_bar)
        d, i, *_ = counts(1)
        count_values((soloist.values[k] for k in drawn), d[0], i[0])
        if soloist.player is not None and soloist.player.solo in own and d.sum():
            out.append((context.tempo_slot(tempo) - context.TEMPO_OFFSET, (d[0], i[0]),
                        own[soloist.player.solo]))
    return out


def share(counts: np.ndarray, k: int) -> float:
    return float(counts[k] / max(counts.sum(), 1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wjazzd", type=Path, default=DEFAULT_WJAZZD)
    parser.add_argument("--model", default=None, help="model name or folder (default: "
                        "the default shipped model, with its calibration)")
    parser.add_argument("--every", type=int, default=1, metavar="K",
                        help="every K-th solo only (a quick look)")
    args = parser.parse_args(argv)
    if not (args.wjazzd / "melody").is_dir():
        print(f"no Weimar Jazz Database at {args.wjazzd}: pass --wjazzd DIR", file=sys.stderr)
        return 2
    if args.every < 1:
        print(f"--every {args.every}: give 1 or more", file=sys.stderr)
        return 2
    from improv.language import context

    runs = renders(args.model, args.wjazzd, args.every)
    edges = (0, *context.TEMPO_EDGES)
    print(f"{len(runs)} runs over the Weimar solos' changes, each against the solo of "
          f"the player it played as")
    print(f"{'BPM':>5} {'':24} {'players p10/med/p90':>22} {'runs p10/med/p90':>20} "
          f"{'s.d. players/runs':>18} {'slope':>6}")
    for band in range(len(edges)):
        here = [r for r in runs if r[0] == band]
        if len(here) < 10:
            continue
        for label, dc, ic in ROWS:
            pick = (lambda c: share(c[0], dc)) if dc is not None else (
                lambda c: share(c[1][:-1], ic))
            x = np.array([pick(r[2]) for r in here])
            y = np.array([pick(r[1]) for r in here])
            slope = float(np.cov(x, y)[0, 1] / x.var(ddof=1)) if x.var() > 0 else float("nan")
            print(f"{edges[band]:>4.0f}+ {label:24} "
                  f"{'/'.join(f'{v:.3f}' for v in np.percentile(x, [10, 50, 90])):>22} "
                  f"{'/'.join(f'{v:.3f}' for v in np.percentile(y, [10, 50, 90])):>20} "
                  f"{x.std():>9.3f}/{y.std():.3f} {slope:>6.2f}")

    def tv(a, b):
        return 0.5 * float(np.abs(a / max(a.sum(), 1) - b / max(b.sum(), 1)).sum())

    d = np.median([tv(r[1][0], r[2][0]) for r in runs])
    i = np.median([tv(r[1][1][:-1], r[2][1][:-1]) for r in runs])
    print(f"median distance of a run from its player's solo: lengths {d:.3f}, "
          f"intervals {i:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
