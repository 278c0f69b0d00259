"""Print what the drums play in each style, and how often a bar repeats exactly.

    .venv/bin/python benchmarks/drum_patterns.py [--seed 7] [--minutes 10] [--tempo 160]

Per style (in its home metre, and swing in 5/4 too): a grid of three bars around a
section change (the bar before the fill, the fill, the crash), one line per instrument,
one column per triplet (swung styles, swing at 1 so the skip note sits on the last
triplet) or sixteenth (straight ones); ``X`` accent, ``x`` hit, ``g`` ghost. Then, over
a render of ``--minutes`` at ``--tempo`` on a 32-bar AABA chart: the share of bars that
repeat the bar before exactly (the same instruments at the same places, velocity aside),
and the bar two before (a two-bar clave's cycle), the share of the commonest bar, and
the number of different bars.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from improv.band.chart import Progression, Timeline  # noqa: E402
from improv.band.drumkit import NAMES, STYLES  # noqa: E402
from improv.band.drums import Drums, drums_part  # noqa: E402
from improv.performance.feel import Feel  # noqa: E402
from improv.band.part import Stage  # noqa: E402
from improv.language.leadsheet import parse_text  # noqa: E402

CASES = [(name, STYLES[name].home) for name in STYLES] + [("swing", 5)]


def chart(metre: int) -> str:
    bar = "| " + " ".join(["C7"] + ["."] * (metre - 1)) + " "
    return f"time: {metre}/4\nform: A A B A\n[A]\n{bar * 8}|\n[B]\n{bar * 8}|\n"


def render(style: str, metre: int, seed: int, bars: int, busy: float = 0.5):
    """The notes of ``bars`` bars under a soloist ``busy`` (0..1)."""
    progression = Progression.from_chart(parse_text(chart(metre)))
    swing = 1.0 if STYLES[style].swung else 0.0
    stage = Stage(Timeline(progression), metre, Feel(swing=swing, humanise=4))
    part = drums_part(Drums(), np.random.default_rng(seed), style)
    part.hear(busy)
    return part.play(bars * metre, stage)


def grid(notes, metre: int, first: int, count: int, per_beat: int) -> list[str]:
    """One line per instrument over bars ``first``..``first + count - 1`` (1-based)."""
    cols = metre * per_beat
    rows: dict[int, list[str]] = {}
    for n in notes:
        if not first <= n.bar < first + count:
            continue
        col = (n.bar - first) * cols + round((n.start - (n.bar - 1) * metre) * per_beat)
        row = rows.setdefault(n.pitch, ["-"] * cols * count)
        mark = "X" if n.velocity >= 95 else "x" if n.velocity >= 45 else "g"
        row[min(col, cols * count - 1)] = mark
    lines = []
    for key in sorted(rows, reverse=True):
        cells = "|".join("".join(rows[key][b * cols:(b + 1) * cols]) for b in range(count))
        lines.append(f"  {NAMES.get(key, key):>13} |{cells}|")
    head = "".join(str(b + 1) + " " * (per_beat - 1) for b in range(metre))
    return [f"  {'beat':>13} |" + "|".join([head] * count) + "|"] + lines


def repetition(notes, metre: int) -> tuple[float, float, float, int, int]:
    """(share repeating the bar before, share repeating the bar two before (a clave's
    cycle), share of the commonest bar, different bars, bars)."""
    bars: dict[int, list] = {}
    for n in notes:
        bars.setdefault(n.bar, []).append((round(n.start - (n.bar - 1) * metre, 3), n.pitch))
    shapes = [tuple(sorted(bars.get(b, []))) for b in range(1, max(bars) + 1)]
    again = sum(a == b for a, b in zip(shapes, shapes[1:])) / (len(shapes) - 1)
    cycle = sum(a == b for a, b in zip(shapes, shapes[2:])) / (len(shapes) - 2)
    top = Counter(shapes).most_common(1)[0][1] / len(shapes)
    return again, cycle, top, len(set(shapes)), len(shapes)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--tempo", type=float, default=160.0)
    parser.add_argument("--busy", type=float, default=0.5, help="the soloist's density, 0..1")
    args = parser.parse_args(argv)
    figures = []
    for style, metre in CASES:
        bars = int(args.minutes * args.tempo / metre)
        notes = render(style, metre, args.seed, bars, args.busy)
        per_beat = 3 if STYLES[style].swung else 4
        print(f"{style} in {metre}/4 (bars 7-9: groove, fill, crash on the new section)")
        print("\n".join(grid(notes, metre, 7, 3, per_beat)))
        figures.append((style, metre, *repetition(notes, metre)))
        print()
    print(f"repetition over {args.minutes:g} minutes at {args.tempo:g} BPM, seed {args.seed}, "
          f"soloist busy {args.busy:g}:")
    print(f"  {'style':8} {'metre':>5} {'bars':>5} {'= bar before':>13} {'= 2 bars before':>16} "
          f"{'commonest bar':>14} {'different':>10}")
    for style, metre, again, cycle, top, distinct, total in figures:
        print(f"  {style:8} {metre:>3}/4 {total:>5} {again:>13.1%} {cycle:>16.1%} {top:>14.1%} "
              f"{distinct:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
