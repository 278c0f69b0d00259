"""Motifs and phrase form: does improv come back to its lines and breathe as players do?

improv renders 64 bars of each of four shipped charts (blues-in-f, rhythm-changes,
falling-leaves, minor-blues) at the chart's tempo, seeds 1-3, melody only, on the grid
(``[feel] timing = "grid"``, so the phrase breaks are the written ones on both sides);
the first 64 bars of each of the 456 Weimar solos (their grid lines) are the reference.
For each side, p10 / median / p90 over renders or solos:

* the longest pitch line played twice (not overlapping) and the share of 8-note pitch
  lines heard only once (``improv.analysis.solofigures``);
* of the phrase heads: the share repeating 4 earlier pitches, at pitch, and the share
  sequencing them along the changes (``improv.learning.motifs.recalls``); of the notes
  inside phrases, the share starting a lick of 6+ pitches heard before (``licks``);
  of the intervals inside phrases, the share starting a pattern: 3+ intervals repeating
  those 2-8 notes before (``patterns``);
* the breath between phrases and the phrase length, beats (pooled p10 / p50 / p90).

``--repo PATH`` renders with another checkout as well (a subprocess through
``benchmarks/_render.py``, as the discriminator does), in the same run: the baseline.

    PYTHONPATH=. .venv/bin/python benchmarks/motifs.py --wjazzd ../shared/corpus/wjazzd \
        --repo /tmp/before

``--motifs 0`` renders with recall off, ``--patterns 0`` with patterns off: what the
model repeats by chance (the figures :mod:`improv.sampling.recall` and
:mod:`improv.sampling.patterns` subtract from the players' shares).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from _render import render_jobs  # noqa: E402

from improv.analysis.solofigures import distinct_share  # noqa: E402
from improv.analysis.streamstats import repeated_run  # noqa: E402
from improv.learning.motifs import (LineNote, licks, patterns, phrases, recalls,  # noqa: E402
                                    solo_line)

CHARTS = ("blues-in-f", "rhythm-changes", "falling-leaves", "minor-blues")
BARS = 64
GRID = '[feel]\ntiming = "grid"\n'


def jobs(seeds) -> list[dict]:
    """The four charts as discriminator jobs: each bar's changes, 64 bars."""
    from improv.commands.charts import load_chart

    out = []
    for name in CHARTS:
        chart = load_chart(name)
        bars = [[[str(beat), chord.symbol or str(chord)] for beat, chord in bar.chords]
                for bar in chart.bars]
        bars = (bars * (BARS // len(bars) + 1))[:BARS]
        for seed in seeds:
            out.append({"name": f"{name}/{seed}", "seed": seed, "tempo": chart.tempo or 120.0,
                        "metre": chart.beats_per_bar, "bars": bars})
    return out


def render(jobs_: list[dict], repo: Path | None, config: str) -> dict[str, list]:
    if repo is None:
        return render_jobs(jobs_, config)
    env = dict(os.environ, PYTHONPATH=str(repo))
    proc = subprocess.run([sys.executable, str(HERE / "_render.py"), config],
                          input=json.dumps(jobs_), capture_output=True, text=True,
                          cwd=repo, env=env)
    if proc.returncode:
        raise SystemExit(f"rendering with {repo} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def roots_of(job: dict):
    """The root (pitch class, -1 none) sounding at a beat of the job's changes."""
    from _render import chart_of

    chart, metre = chart_of(job), int(job["metre"])

    def root(beat: Fraction) -> int:
        bar = chart.bars[min(int(beat // metre), len(chart.bars) - 1)]
        chord = [c for at, c in bar.chords if at <= beat % metre][-1]
        return chord.root if chord.tones else -1

    return root


def line_of(notes, job) -> list[LineNote]:
    root, metre = roots_of(job), int(job["metre"])
    line = []
    for start, end, pitch in sorted(notes):
        a = Fraction(start).limit_denominator(12)
        line.append(LineNote(a, Fraction(end).limit_denominator(12), int(pitch), root(a),
                             a % metre))
    return line


def figures(line: list[LineNote]) -> dict:
    found, breaths = recalls(line)
    heads = max(len(found), 1)
    lick_runs, inside = licks(line)
    figures_, steps = patterns(line)
    pitches = [n.pitch for n in line]
    groups = phrases(line)
    return {
        "longest repeated line": len(repeated_run(pitches, overlap=False)),
        "8-note lines heard once": distinct_share(pitches, 8),
        "phrase heads repeated": sum(r is not None and r.kind == "repeat" for r in found) / heads,
        "phrase heads sequenced": sum(r is not None and r.kind == "sequence" for r in found) / heads,
        "lick starts per note": len(lick_runs) / max(inside, 1),
        "patterns per interval": len(figures_) / max(steps, 1),
        "_breaths": breaths,
        "_lengths": [float(g[-1].end - g[0].start) for g in groups],
    }


def weimar(folder: Path) -> list[dict]:
    from improv.learning.wjd import load_solo_piece, solo_paths

    out = []
    for path in solo_paths(folder):
        piece = load_solo_piece(path)
        end = piece.bars[min(BARS, len(piece.bars)) - 1]
        limit = Fraction(end.offset + end.length).limit_denominator(12)
        line = [n for n in solo_line(piece) if n.start < limit]
        if line:
            out.append(figures(line))
    return out


def summary(name: str, rows: list[dict]) -> None:
    print(f"\n{name} ({len(rows)})")
    for key in rows[0]:
        if key.startswith("_"):
            values = [x for r in rows for x in r[key]]
            label = "breath, beats" if key == "_breaths" else "phrase length, beats"
        else:
            values, label = [r[key] for r in rows], key
        p10, p50, p90 = np.percentile(values, [10, 50, 90])
        print(f"  {label:<28} {p10:8.3f} {p50:8.3f} {p90:8.3f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wjazzd", type=Path, help="the Weimar Jazz Database folder")
    parser.add_argument("--repo", type=Path, help="also render with this checkout (baseline)")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--motifs", type=float, metavar="RATE",
                        help="[melody] motifs for the renders (0: what chance repeats)")
    parser.add_argument("--patterns", type=float, metavar="RATE",
                        help="[melody] patterns for the renders (0: what chance repeats)")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    work = jobs(seeds)
    melody = "".join(f"{key} = {value}\n" for key, value in (("motifs", args.motifs),
                                                             ("patterns", args.patterns))
                     if value is not None)
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as fh:
        fh.write(GRID + (f"[melody]\n{melody}" if melody else ""))
    try:
        sides = [("improv (this checkout)", None)]
        if args.repo is not None:
            sides.insert(0, (f"improv ({args.repo})", args.repo.resolve()))
        print("p10 / median / p90")
        for name, repo in sides:
            notes = render(work, repo, fh.name)
            summary(name, [figures(line_of(notes[j["name"]], j)) for j in work])
    finally:
        os.unlink(fh.name)
    if args.wjazzd is not None:
        summary(f"Weimar, first {BARS} bars", weimar(args.wjazzd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
