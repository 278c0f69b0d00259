"""Each shipped chart rendered: bars, metre, sections, notes and the solo's chord-tone share.

For every chart in data/charts, ``daemon.py --chart NAME --out FILE.mid --bars 16``
(the default model, seed 1, the chart's own tempo) and the figures of that render, by
the code ``improv eval`` uses; and ``improv eval --chart NAME`` over ten minutes for the
chord-tone and scale-tone shares beside the Weimar band.

    .venv/bin/python benchmarks/charts.py [--bars 16] [--seed 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tempfile
from pathlib import Path

import mido

from improv.commands.charts import load_chart, shipped_charts
from improv.commands.evaluate import default_wjazzd, render, settings_for, weimar_band
from improv.analysis.solofigures import solo_figures

REPO = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    band, _ = weimar_band(default_wjazzd())
    lo, hi = band["chord_tones"]
    print(f"{'chart':<16}{'metre':>6}{'tempo':>7}  {'sections':<10}{'bars':>5}{'notes':>7}"
          f"{'16-bar chord tones':>20}{'10-min chord tones':>20}   (Weimar band {lo:.0%}-{hi:.0%})")
    with tempfile.TemporaryDirectory() as tmp:
        for name in shipped_charts():
            chart = load_chart(name)
            out = Path(tmp) / f"{name}.mid"
            done = subprocess.run([sys.executable, str(REPO / "daemon.py"), "--chart", name,
                                   "--out", str(out), "--bars", str(args.bars), "--seed",
                                   str(args.seed), "-q"], cwd=REPO, capture_output=True,
                                  text=True)
            if done.returncode:
                raise SystemExit(done.stderr.strip())
            midi = mido.MidiFile(out)
            signature = [m for m in midi.tracks[0] if m.type == "time_signature"][0]
            length = max(sum(m.time for m in t) for t in midi.tracks) / midi.ticks_per_beat
            notes = sum(1 for m in midi.tracks[1] if m.type == "note_on" and m.velocity)
            cfg = settings_for(chart=name, seed=args.seed)
            cfg = dataclasses.replace(cfg, tempo=chart.tempo or cfg.tempo)
            short, _ = render(cfg, args.bars, chart)
            beats = args.bars * chart.beats_per_bar
            f16 = solo_figures([(n.start, n.end, n.pitch, n.chord) for n in short], beats)
            bars10 = round(10 * cfg.tempo / chart.beats_per_bar)
            long, _ = render(cfg, bars10, chart)
            f10 = solo_figures([(n.start, n.end, n.pitch, n.chord) for n in long],
                               bars10 * chart.beats_per_bar)
            print(f"{name:<16}{signature.numerator:>4}/{signature.denominator}"
                  f"{chart.tempo or 0:>7.0f}  {'-'.join(chart.sections):<10}"
                  f"{length / signature.numerator:>5.0f}{notes:>7}{f16['chord_tones']:>20.1%}"
                  f"{f10['chord_tones']:>20.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
