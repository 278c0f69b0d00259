"""Short notes at fast tempos: improv's written line against the players', by the seeds
that draw its players, and against the player each run plays as.

Renders the melody (``[feel] timing = "grid"``: the values as written) over every
Weimar solo's own changes at its tempo from ``--from`` BPM up, once per solo, with the
seeds ``improv calibrate`` fits with (``--seeds calibrate``: the solo's name) or those
of ``benchmarks/discriminator.py`` (``--seeds 1``, ``2``, ...). Prints, by tempo band,
the share of notes written under 0.3 beat, a mean over the solos: improv's runs, and
the players' own lines (the written line the model was trained on); then, by the short share of the solo each run
plays as (``[sampling] player``), the runs' share against that solo's own.

    python benchmarks/player_shorts.py [--seeds calibrate|N] [--from BPM]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import discriminator  # noqa: E402
from _render import chart_of  # noqa: E402

SHORT = 0.3  # beats
BANDS = ((150.0, 200.0), (200.0, 260.0), (260.0, 1e9))
OWN_BINS = (0.0, 0.1, 0.2, 0.3, 0.5, 1.01)


def own_shares(folder: Path) -> dict[str, float]:
    """Each solo's share of notes under SHORT beats among the values the model was
    trained on (the corpus reader's written line)."""
    from improv.language.grammar import parse_value
    from improv.learning.wjd import load_solo_piece, solo_paths

    out = {}
    for path in solo_paths(folder):
        notes = [v for v in map(parse_value, load_solo_piece(path).values()) if not v.is_rest]
        out[path.stem] = float(np.mean([v.duration < SHORT for v in notes])) if notes else 0.0
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wjazzd", type=Path, default=discriminator.DEFAULT_WJAZZD)
    parser.add_argument("--seeds", default="calibrate",
                        help="calibrate (the fit's seeds) or N (the discriminator's seed N)")
    parser.add_argument("--from", dest="lowest", type=float, default=150.0, metavar="BPM")
    args = parser.parse_args(argv)
    if not (args.wjazzd / "melody").is_dir():
        print(f"no Weimar Jazz Database at {args.wjazzd}: pass --wjazzd DIR", file=sys.stderr)
        return 2
    if args.seeds != "calibrate" and not args.seeds.isdigit():
        print(f"--seeds {args.seeds}: give calibrate or a number", file=sys.stderr)
        return 2
    from improv.commands.evaluate import settings_for
    from improv.commands.play import make_band, make_soloist
    from improv.learning.wjd import solo_paths

    own = own_shares(args.wjazzd)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "grid.toml"
        config.write_text("[feel]\ntiming = \"grid\"\nswing = 0.0\n", encoding="utf-8")
        for path in solo_paths(args.wjazzd):
            got = discriminator.read_weimar(path, 1)
            if isinstance(got, str) or got[1]["tempo"] < args.lowest:
                continue
            job = got[1]
            seed = (zlib.crc32(path.name.encode()) % 2**31 if args.seeds == "calibrate"
                    else discriminator.seed_for(job["name"], int(args.seeds)))
            chart = chart_of(job)
            cfg = settings_for(str(config), tempo=min(job["tempo"], 400.0), seed=seed)
            soloist = make_soloist(cfg, cfg.seed, chart.beats_per_bar)
            band = make_band(cfg, soloist, cfg.seed, chart=chart)
            length = len(job["bars"]) * chart.beats_per_bar
            notes = [n for n in band.advance(length) if n.part == "melody" and n.start < length]
            player = soloist.calibrator.player if soloist.calibrator is not None else None
            rows.append((job["tempo"], len(notes), sum((n.end - n.start) < SHORT for n in notes),
                         own[path.stem], None if player is None else own.get(player.solo)))
    print(f"notes written under {SHORT} beat, seeds {args.seeds}")
    print("  tempo BPM     solos   improv  players")
    for lo, hi in BANDS:
        band_rows = [r for r in rows if lo <= r[0] < hi]
        if band_rows:
            mine = float(np.mean([r[2] / max(r[1], 1) for r in band_rows]))
            theirs = float(np.mean([r[3] for r in band_rows]))
            label = f"{lo:.0f}-{hi:.0f}" if hi < 1e9 else f"{lo:.0f}+"
            print(f"  {label:<12}{len(band_rows):>6}{mine:>9.3f}{theirs:>9.3f}")
    print("  runs by their player's own share: runs, mean share of the runs / of the players")
    for lo, hi in zip(OWN_BINS, OWN_BINS[1:]):
        picked = [r for r in rows if r[4] is not None and lo <= r[4] < hi and r[1]]
        if picked:
            mine = float(np.mean([r[2] / r[1] for r in picked]))
            print(f"  {lo:.1f}-{min(hi, 1.0):.1f}{len(picked):>8}{mine:>9.3f}"
                  f"{float(np.mean([r[4] for r in picked])):>9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
