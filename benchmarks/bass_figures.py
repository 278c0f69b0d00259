"""The bass part's figures over four standards, beside the kept Weimar bass lines.

Renders the bass part alone (driven directly on a stage built from the chart, as the
band would drive it) over the blues, rhythm changes, a minor ii-V tune and Giant Steps,
three seeds each, 10 minutes at 120 BPM by default, and measures each render with
:func:`improv.learning.basslines.line_figures`: the share of chord changes where the
bass plays the root on the change's beat, the share of changes approached from a step
or half step away from the new root, the repeated-note share, the range and the notes
per beat. Beside them, the same figures of the Weimar lines ``improv train --bass``
keeps (corrected by each solo's offset): p10, median and p90 over the solos, whole
and with the bars left out of training (held notes) left out here too.

    .venv/bin/python benchmarks/bass_figures.py [--model DIR] [--feel walk]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from improv.band.bass import Bass, bass_part
from improv.band.chart import Progression, Timeline
from improv.performance.feel import Feel
from improv.band.part import Stage
from improv.language.standards import STANDARDS
from improv.learning import basslines
from improv.learning.basslines import LineFigures, line_figures

PROGRESSIONS = ("blues", "rhythm-changes", "minor-ii-v", "giant-steps")
REPO = Path(__file__).resolve().parent.parent


def render(model: str, feel: str, progression: str, seed: int, beats: int) -> LineFigures:
    """Figures of the bass part alone over ``progression`` for ``beats`` beats."""
    chart = Progression.parse(STANDARDS[progression])
    stage = Stage(Timeline(chart), chart.beats_per_bar, Feel(swing=0.0))
    part = bass_part(Bass(model=model, feel=feel), np.random.default_rng(seed))
    pitches: list[int | None] = [None] * beats
    for note in part.play(beats, stage):
        if float(note.start).is_integer() and note.start < beats:
            pitches[int(note.start)] = note.pitch
    return line_figures(pitches, [stage.chord_at(b) for b in range(beats)])


def weimar(root: Path, walking_only: bool) -> list[LineFigures]:
    """Figures of every kept, corrected Weimar line (held bars as rests if asked)."""
    _checks, kept = basslines.kept_solos(root)
    out = []
    for solo in kept:
        beats = solo.beats
        repeats = basslines.bar_repeats(beats)
        pitches = [None if walking_only and repeats.get(b.bar, 0) > basslines.MAX_REPEATS
                   else b.pitch for b in beats]
        out.append(line_figures(pitches, [b.chord for b in beats]))
    return out


def band(figures: list[LineFigures], name: str) -> tuple[float, float, float]:
    values = np.array([getattr(f, name) for f in figures], float)
    return (float(np.percentile(values, 10)), float(np.median(values)),
            float(np.percentile(values, 90)))


def fmt(name: str, value: float) -> str:
    return f"{value:.0f}" if name == "range" else f"{value:.2f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="", help="bass model (default: the shipped one)")
    parser.add_argument("--feel", default="walk", choices=("walk", "two", "bossa"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--tempo", type=float, default=120.0)
    parser.add_argument("--wjazzd", type=Path, default=REPO.parent / "shared" / "corpus" / "wjazzd")
    args = parser.parse_args(argv)
    beats = round(args.minutes * args.tempo)
    started = time.perf_counter()
    renders = {(p, s): render(args.model, args.feel, p, s, beats)
               for p in PROGRESSIONS for s in args.seeds}
    seconds = time.perf_counter() - started
    print(f"{len(renders)} renders of {beats} beats ({args.minutes:g} min at {args.tempo:g} BPM), "
          f"feel {args.feel}, in {seconds:.1f} s")
    bands = {}
    if args.wjazzd.is_dir():
        bands = {"whole": weimar(args.wjazzd, False), "walking": weimar(args.wjazzd, True)}
        print(f"Weimar: {len(bands['whole'])} kept solos (corrected); 'walking' leaves out "
              f"the bars that repeat a pitch more than {basslines.MAX_REPEATS} time(s)")
    else:
        print(f"no Weimar folder at {args.wjazzd}: renders only", file=sys.stderr)
    head = f"{'figure':<16}{'renders min-max (mean)':>26}"
    for key in bands:
        head += f"{'Weimar ' + key + ' p10|med|p90':>30}{'in':>6}"
    print(head)
    for name in LineFigures.NAMES:
        values = [getattr(f, name) for f in renders.values()]
        row = (f"{name:<16}{fmt(name, min(values)) + '-' + fmt(name, max(values)):>18}"
               f"{' (' + fmt(name, statistics.mean(values)) + ')':>8}")
        for figures in bands.values():
            lo, mid, hi = band(figures, name)
            inside = f"{sum(lo <= v <= hi for v in values)}/{len(values)}"
            row += f"{fmt(name, lo) + ' | ' + fmt(name, mid) + ' | ' + fmt(name, hi):>30}" \
                   f"{inside:>6}"
        print(row)
    print("per render (root, approach, repeated, range, notes/beat):")
    for (p, s), f in renders.items():
        print(f"  {p:<15} seed {s}: {f.root_on_change:.2f} {f.approach:.2f} {f.repeated:.2f} "
              f"{f.range} {f.notes_per_beat:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
