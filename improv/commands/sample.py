"""``improv sample``: print values sampled from a model, one per line (no MIDI, no port).

A quick look at what a model plays and at the sampler's settings; the daemon uses the
same :class:`improv.sampling.soloist.Soloist`, and every default here is the daemon's
(:class:`~improv.sampling.soloist.SamplingSettings`), so ``improv sample`` shows what ``improv play`` plays.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from improv.model.engines import ENGINES, ModelSettings
    from improv.sampling.settings import ENDLESS_POLICIES, SamplingSettings
    from improv.settings import meta

    s, m = SamplingSettings(), ModelSettings()
    span = {name: f"{meta(SamplingSettings, name)['lo']:g}-{meta(SamplingSettings, name)['hi']:g}"
            for name in ("temperature", "top_p", "max_rest_bars")}
    parser.add_argument("--model", default=str(m.directory), metavar="NAME|DIR",
                        help="a shipped model (metheny, wjazzd) or a model directory "
                             "(default: the default shipped model)")
    parser.add_argument("--engine", choices=ENGINES, default=m.engine,
                        help="inference engine (default: %(default)s)")
    parser.add_argument("--count", type=int, default=32, help="values to print (default 32)")
    parser.add_argument("--seed", type=int, default=-1,
                        help="random seed; -1 draws fresh entropy (default: %(default)s)")
    parser.add_argument("--temperature", type=float, default=s.temperature,
                        help=f"sampling temperature, {span['temperature']} (default: %(default)s)")
    parser.add_argument("--top-p", type=float, default=s.top_p,
                        help=f"nucleus sampling share, {span['top_p']}; 1 is off (default: %(default)s)")
    parser.add_argument("--greedy", action="store_true", help="always take the most probable value")
    parser.add_argument("--max-rest-bars", type=float, default=s.max_rest_bars,
                        help=f"longest run of rests in bars, {span['max_rest_bars']} (default: %(default)s)")
    parser.add_argument("--rhythm-grid", action=argparse.BooleanOptionalAction, default=s.rhythm_grid,
                        help="start every value on a sixteenth or triplet of the beat "
                             "(default: on)")
    parser.add_argument("--endless", choices=ENDLESS_POLICIES, default=s.endless)
    parser.add_argument("-v", "--verbose", action="store_true")


def run(args) -> int:
    from improv.errors import UsageError
    from improv.language.context import DEFAULT_TEMPO  # the band sample draws at
    from improv.sampling.soloist import Soloist

    if args.count < 0:
        raise UsageError(f"--count {args.count} is negative: give 0 or more values to print")
    soloist = Soloist.load(args.model, args.engine, temperature=args.temperature,
                           top_p=args.top_p, greedy=args.greedy,
                           seed=None if args.seed == -1 else args.seed,
                           max_rest_bars=args.max_rest_bars, endless=args.endless,
                           rhythm_grid=args.rhythm_grid, tempo=DEFAULT_TEMPO)
    out = sys.stdout
    for _ in range(args.count):
        out.write(f"{soloist.next_value()}\n")
    out.flush()
    return 0
