"""Run the Soloist for hours' worth of values and check it neither drifts nor loops.

For each endless policy (``reprime``, the default, and ``keep``) it samples ``--steps``
values (200,000 by default: about 14 hours of eighth notes at 120 BPM) and reports:

* the LSTM state at the end (finite? largest |a|, |c|) and the largest |c| seen;
* the total-variation distance between the value histograms of the first and last
  10,000 values, beside the same distance between the first and the next 10,000 (the
  sampling-noise floor of a stream that has not drifted);
* loops: the smallest period of the last 2,000 values (none = no loop) and the
  longest run of values that occurs twice in the last 10,000, beside the same in the
  first 10,000;
* rhythm: how many values start off the sampler's grid (sixteenths and sextuplets);
* per-value cost (mean, p99, including re-primes).

A short greedy run is added as the control: the loop detectors must find its loop.

    .venv/bin/python benchmarks/endless.py [--model DIR] [--steps 200000] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from improv.language.grammar import twelfths  # noqa: E402
from improv.analysis import streamstats  # noqa: E402
from improv.sampling.restgrid import GRID_ONSETS  # noqa: E402
from improv.sampling.settings import SamplingSettings  # noqa: E402
from improv.sampling.soloist import Soloist  # noqa: E402

from _model import choose_model  # noqa: E402

WINDOW = 10_000


def run(soloist: Soloist, steps: int):
    stream = np.empty(steps, np.int32)
    cost = np.empty(steps)
    max_c = 0.0
    clock = time.perf_counter_ns
    gen = soloist.generator
    for k in range(steps):
        t0 = clock()
        stream[k] = soloist.next_index()
        cost[k] = clock() - t0
        if k % 1000 == 999:
            max_c = max(max_c, float(np.abs(gen.state[1]).max()))
    return stream, cost / 1e3, max_c


def report(name: str, soloist: Soloist, steps: int) -> bool:
    stream, cost_us, max_c = run(soloist, steps)
    n = soloist.generator.n_values
    a, c = soloist.generator.state
    finite = bool(np.all(np.isfinite(a)) and np.all(np.isfinite(c)))
    window = min(WINDOW, steps // 3)
    tv_drift = streamstats.total_variation(stream[:window], stream[-window:], n)
    tv_floor = streamstats.total_variation(stream[:window], stream[window:2 * window], n)
    period = streamstats.tail_period(stream, window=2000)
    repeat_end = streamstats.longest_repeat(stream[-window:])
    repeat_start = streamstats.longest_repeat(stream[:window])
    distinct_end = len(np.unique(stream[-window:]))
    length = np.array([twelfths(v.duration) for v in soloist.values])
    onsets = np.concatenate([[0], np.cumsum(length[stream])[:-1]]) % 12
    off_grid = int((~np.isin(onsets, GRID_ONSETS)).sum())
    print(f"\n{name}: {steps} values")
    print(f"  state at the end finite: {finite}; max |a| {np.abs(a).max():.3f}, max |c| "
          f"{np.abs(c).max():.3f}; largest |c| seen (every 1000 steps) {max_c:.3f}")
    print(f"  TV(first {window}, last {window}) = {tv_drift:.4f}   noise floor "
          f"TV(first, next {window}) = {tv_floor:.4f}")
    print(f"  loop at the end: {'none' if period is None else f'period {period}'} "
          f"(last 2000 values checked, periods 1..1000); distinct values in the last "
          f"{window}: {distinct_end} of {n}")
    capped = lambda r: f">= {r} (search capped)" if r >= 1000 else str(r)  # noqa: E731
    print(f"  longest repeated run: last {window} values {capped(repeat_end)}, first {window} "
          f"values {capped(repeat_start)}")
    print(f"  onsets off the rhythm grid (0, 1/4, 1/3, 1/2, 2/3, 3/4 of a beat): {off_grid} "
          f"of {steps}")
    print(f"  cost per value: mean {cost_us.mean():.1f} us, median {np.median(cost_us):.1f} us, "
          f"p99 {np.percentile(cost_us, 99):.1f} us, max {cost_us.max():.0f} us")
    return finite and period is None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model directory (default: the default shipped model; or a shipped name such as wjazzd)")
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    defaults = SamplingSettings()  # the daemon's (config.Model's)
    parser.add_argument("--temperature", type=float, default=defaults.temperature)
    parser.add_argument("--top-p", type=float, default=defaults.top_p)
    args = parser.parse_args(argv)

    model, described = choose_model(args.model)
    print(f"model: {described}")
    print(f"settings: seed {args.seed}, temperature {args.temperature}, top_p {args.top_p}, "
          f"max_rest_bars {defaults.max_rest_bars}, numpy engine (shared 2-core machine: "
          f"costs are noisy)")
    ok = True
    for policy in ("reprime", "keep"):
        soloist = Soloist.load(model, "numpy", seed=args.seed, temperature=args.temperature,
                               top_p=args.top_p, endless=policy)
        ok &= report(f"endless={policy}", soloist, args.steps)
    control = Soloist.load(model, "numpy", greedy=True)
    report("control: greedy (endless=reprime)", control, min(args.steps, 30_000))
    print(f"\n{'PASS' if ok else 'FAIL'}: sampled streams finite and loop-free")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
