"""Where in the beat the notes start, and how far on the next one comes, as written: the
Weimar players' transcriptions against improv's values over the same changes.

The players keep a line on one grid at a time: out of a triplet they come back to the
eighths through the beat, and at a fast tempo a sixteenth before the beat leads into an
eighth. A model drawing one value at a time can mix the grids (a triplet eighth, then an
eighth, lands on the second sextuplet of the next beat) or run on in sixteenths, and the
share of each duration, which the calibration fits, does not show it.

For each Weimar solo: the players' written places (:mod:`improv.learning.timednotes`:
each note's tatum on its beat, notes off the twelfth grid left out), and improv rendered
over the solo's own changes at its tempo with the discriminator's seed, melody only, as
written (``[feel] timing = "grid"``, unswung). Prints, by tempo band, each twelfth of the
beat that 1% of either side's onsets start on: its share of the onsets, then from it
the share of next onsets each gap later (twelfths), players / improv.

    python benchmarks/onset_places.py [--every K] [--seed N] [--config FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import discriminator  # noqa: E402
from _render import band_names, chart_of, tempo_range  # noqa: E402

GAPS = (2, 3, 4, 6, 8, 9, 12)  # twelfths to the next onset, each its own column
MIN_SHARE = 0.01


def players_places(path: Path) -> list[tuple[int, int]] | None:
    """(twelfth, gap to the next note) of each note the solo's transcription writes, the
    notes off the twelfth grid left out (and the gaps to and from them); None: unreadable."""
    from improv.errors import CorpusError
    from improv.learning.timednotes import load_pair, solo_notes

    try:
        notes = solo_notes(*load_pair(path))
    except CorpusError:
        return None
    return [(a.twelfth, round(((b.on - b.deviation) - (a.on - a.deviation)) * 12))
            for a, b in zip(notes, notes[1:]) if a.twelfth is not None and b.twelfth is not None]


def improv_places(job: dict, config: Path | None) -> list[tuple[int, int]]:
    """(twelfth, gap to the next note) of each note improv writes over ``job``'s changes,
    with ``config``'s settings (None: the defaults) played on the written grid, unswung."""
    from improv.commands.evaluate import settings_for
    from improv.commands.play import make_band, make_soloist

    chart = chart_of(job)
    lo, hi = tempo_range()
    cfg = settings_for(None if config is None else str(config),
                       tempo=min(max(job["tempo"], lo), hi), seed=job["seed"])
    cfg = dataclasses.replace(cfg, feel=dataclasses.replace(cfg.feel, timing="grid", swing=0.0))
    soloist = make_soloist(cfg, cfg.seed, chart.beats_per_bar)
    length = len(job["bars"]) * chart.beats_per_bar
    starts = sorted(float(n.start) for n in make_band(cfg, soloist, cfg.seed, chart=chart)
                    .advance(length) if n.part == "melody" and n.start < length)
    return [(round(a * 12) % 12, round((b - a) * 12)) for a, b in zip(starts, starts[1:])]


def table(pairs: Counter) -> tuple[np.ndarray, np.ndarray]:
    """(share of onsets on each twelfth, [twelfth][gap column] shares from it)."""
    cols = {g: k for k, g in enumerate(GAPS)}
    counts = np.zeros((12, len(GAPS) + 1))
    for (twelfth, gap), n in pairs.items():
        counts[twelfth % 12, cols.get(gap, len(GAPS))] += n
    on = counts.sum(axis=1)
    return on / max(on.sum(), 1), counts / np.maximum(on[:, None], 1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wjazzd", type=Path, default=discriminator.DEFAULT_WJAZZD)
    parser.add_argument("--every", type=int, default=1, metavar="K",
                        help="every K-th solo only (default 1: all)")
    parser.add_argument("--seed", type=int, default=1, help="the discriminator's render seed")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="render with these settings (played on the written grid)")
    args = parser.parse_args(argv)
    if not (args.wjazzd / "melody").is_dir():
        print(f"no Weimar Jazz Database at {args.wjazzd}: pass --wjazzd DIR", file=sys.stderr)
        return 2
    if args.every < 1 or (args.config is not None and not args.config.is_file()):
        print("--every needs 1 or more and --config an existing file", file=sys.stderr)
        return 2
    from improv.language.context import TEMPO_EDGES
    from improv.learning.wjd import solo_paths

    sides = {}  # band -> (players' Counter, improv's Counter)
    for path in solo_paths(args.wjazzd)[::args.every]:
        got = discriminator.read_weimar(path, args.seed)
        placed = players_places(path)
        if isinstance(got, str) or placed is None:
            continue
        band = int(np.searchsorted(TEMPO_EDGES, got[1]["tempo"], side="right"))
        players, improv = sides.setdefault(band, (Counter(), Counter()))
        players.update(placed)
        improv.update(improv_places(got[1], args.config))
    names = band_names(TEMPO_EDGES)
    head = "  ".join(f"{g:>9}" for g in (*GAPS, "longer"))
    for band in sorted(sides):
        (w_on, w_gap), (i_on, i_gap) = (table(c) for c in sides[band])
        print(f"\n{names[band]} BPM: onsets (players / improv); from each, the next "
              f"onset this many twelfths later")
        print(f"  twelfth    onsets   {head}")
        for t in range(12):
            if max(w_on[t], i_on[t]) < MIN_SHARE:
                continue
            gaps = "  ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(w_gap[t], i_gap[t]))
            print(f"  {t:>2}/12  {w_on[t]:.3f}/{i_on[t]:.3f}  {gaps}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
