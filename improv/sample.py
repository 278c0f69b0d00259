"""``improv sample``: print values sampled from a model, one per line (no MIDI, no port).

A quick look at what a model plays and at the sampler's settings; the daemon uses the
same :class:`improv.sampling.Soloist`.
"""

from __future__ import annotations

import argparse
import sys

from .inference import BACKENDS, DEFAULT_MODEL_DIR
from .sampling import ENDLESS_POLICIES, Soloist


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=str(DEFAULT_MODEL_DIR), metavar="DIR",
                        help="model directory (default: %(default)s)")
    parser.add_argument("--backend", choices=BACKENDS, default="numpy")
    parser.add_argument("--count", type=int, default=32, help="values to print (default 32)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--greedy", action="store_true", help="always take the most probable value")
    parser.add_argument("--max-rest-bars", type=float, default=1.0)
    parser.add_argument("--endless", choices=ENDLESS_POLICIES, default="reprime")
    parser.add_argument("-v", "--verbose", action="store_true")


def run(args) -> int:
    from .errors import UsageError

    if args.count < 0:
        raise UsageError(f"--count {args.count} is negative: give 0 or more values to print")
    soloist = Soloist.load(args.model, args.backend, temperature=args.temperature,
                           top_p=args.top_p, greedy=args.greedy, seed=args.seed,
                           max_rest_bars=args.max_rest_bars, endless=args.endless)
    out = sys.stdout
    for _ in range(args.count):
        out.write(f"{soloist.next_value()}\n")
    out.flush()
    return 0
