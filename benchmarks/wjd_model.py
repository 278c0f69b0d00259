"""Train a plain (unconditioned, seeds' structure) model on the Weimar Jazz Database
for benchmarks/call_answer.py: does a model that has heard hundreds of solos carry a
musician's call into its answer better than the shipped one-solo model?

Each 4/4 solo becomes one line of values (:func:`improv.performing.trading.call_line`
over the whole solo, its own chords), cut into bars by position; training is
``improv train``'s (``learning.training``: 8-bar blocks held out, early stopping).
This is a measuring aid, not a shipped model (the database's model, conditioned on
the chords and the bar line, is its own piece of work).

    .venv/bin/python benchmarks/wjd_model.py --out /tmp/wjd-model [--epochs 20]
"""

from __future__ import annotations

import argparse
import bisect
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from improv.language.grammar import MAX_DURATION  # noqa: E402
from improv.learning.wjd import read_solo, solo_paths  # noqa: E402
from improv.performing.trading import CallNote, call_line  # noqa: E402

WJD = REPO.parent / "shared" / "corpus" / "wjazzd"


def solo_bars(solo) -> list[list[str]]:
    notes = [CallNote(n.on, n.on + n.length, n.pitch) for n in solo.notes]
    values = call_line(notes, solo.chord_at)
    bars: list[list[str]] = [[] for _ in solo.bar_starts]
    beat = notes[0].on if notes else 0.0
    for value in values:
        if value.is_rest and value.duration >= MAX_DURATION:
            beat += value.duration
            continue
        k = max(bisect.bisect_right(solo.bar_starts, beat + 1e-6) - 1, 0)
        bars[k].append(str(value))
        beat += value.duration
    return [b for b in bars if b]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--solos", type=int, default=0, help="use only the first N (0: all)")
    args = parser.parse_args(argv)
    from improv.learning.training import fit, prepare, seed_everything
    from improv.model import modelfile
    from improv.model.graph import build_layers, get_weights

    t0 = time.perf_counter()
    pieces = []
    for path in solo_paths(WJD)[:args.solos or None]:
        solo = read_solo(path)
        if solo.beats_per_bar == 4:
            pieces.append(solo_bars(solo))
    data = prepare(pieces, 30, 0.1, 0, 8)
    print(f"{len(pieces)} solos, {sum(map(len, pieces))} bars, {len(data.vocab)} values, "
          f"{len(data.windows)} windows ({time.perf_counter() - t0:.1f} s to read)", flush=True)
    seed_everything(0)
    layers = build_layers(len(data.vocab))
    result = fit(layers, data, args.epochs, args.batch_size, 3, 0, 2)
    best = result.history[result.best_epoch - 1] if result.history else {}
    print(f"trained {result.epochs_run} epochs in {result.seconds:.0f} s; kept epoch "
          f"{result.best_epoch}: {best}", flush=True)
    # (not learning.training.evaluate: scoring all 300,000 training windows at once
    # takes more memory than this machine has)
    modelfile.save(Path(args.out), get_weights(layers), data.vocab,
                   {"tx": 30, "corpus": [{"file": "wjazzd (benchmarks/wjd_model.py)"}],
                    "metrics": {"validation": best}})
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
