"""Decode speed: ``grammar.decode`` per value over a realistic stream (goal: median <= 50 µs).

The stream is every note of the corpus (its values, chords and previous pitches, as the
real-time path sees them: values parsed once, the default register A♭2-E6), or, when the
corpus is absent, a synthetic one: random notes over random chords, encoded.

Measured in one run, on the same stream:

* ``decode``    one ``decode`` call, timed alone (perf_counter_ns around each call)
* ``batch``     the whole stream decoded in a loop, µs per value (repeated batches)
* ``baseline``  one ``rng.integers(n)`` call: the draw every decode must pay at least

It prints median and p99 in µs per value and the ratios decode/baseline and decode/goal.
Timings on a shared machine are noisy; compare only figures printed by the same run.

    .venv/bin/python benchmarks/decode.py [--corpus PATH] [--batches 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from improv.errors import ImprovError
from improv.language.grammar import DEFAULT_LIMITS, decode, encode_line, parse_value
from improv.language.harmony import _Q, make_chord
from improv.learning.corpus import load_piece

GOAL_US = 50.0
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "original_metheny.mid"


def corpus_stream(path: Path):
    """``(value, chord, previous)`` for every value of the corpus, values parsed once."""
    piece = load_piece(path)
    stream = []
    for event in piece.events():
        value = parse_value(event.value)
        stream.append((value, event.chord, event.previous if value.lo is not None else None))
    return stream, f"{path.name}: {len(stream)} values"


def synthetic_stream(seed: int, n: int = 2000):
    """Random notes (some rests) over random chords, encoded as a line."""
    rng = np.random.default_rng(seed)
    qualities = sorted(_Q)
    line = []
    for _ in range(n):
        chord = make_chord(int(rng.integers(12)), qualities[int(rng.integers(len(qualities)))])
        pitch = None if rng.random() < 0.3 else int(rng.integers(55, 82))
        line.append((pitch, float(rng.choice([0.25, 1 / 3, 0.5, 1.0])), chord))
    stream, previous = [], None
    for (pitch, _d, chord), value in zip(line, encode_line(line)):
        stream.append((value, chord, previous if value.lo is not None else None))
        previous = pitch if pitch is not None else previous
    return stream, f"synthetic: {len(stream)} values"


def per_call_us(stream, rng, rounds: int) -> np.ndarray:
    clock = time.perf_counter_ns
    out = np.empty(len(stream) * rounds)
    k = 0
    for _ in range(rounds):
        for value, chord, previous in stream:
            t0 = clock()
            decode(value, chord, previous, rng, DEFAULT_LIMITS)
            out[k] = clock() - t0
            k += 1
    return out / 1e3


def batch_us(stream, rng, batches: int) -> np.ndarray:
    clock = time.perf_counter_ns
    out = np.empty(batches)
    for b in range(batches):
        t0 = clock()
        for value, chord, previous in stream:
            decode(value, chord, previous, rng, DEFAULT_LIMITS)
        out[b] = (clock() - t0) / len(stream)
    return out / 1e3


def baseline_us(n: int, rng) -> np.ndarray:
    clock = time.perf_counter_ns
    out = np.empty(n)
    for k in range(n):
        t0 = clock()
        rng.integers(8)
        out[k] = clock() - t0
    return out / 1e3


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5, help="passes timed call by call")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    try:
        stream, source = corpus_stream(args.corpus) if args.corpus.is_file() \
            else synthetic_stream(args.seed)
    except ImprovError as err:
        print(f"decode benchmark: error: {err}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    batch_us(stream, rng, 3)  # warm-up: caches (type tables), allocator
    calls = per_call_us(stream, rng, args.rounds)
    batches = batch_us(stream, rng, args.batches)
    base = baseline_us(len(calls), rng)
    timer = _timer_overhead_us()

    med, p99 = np.median(calls), np.percentile(calls, 99)
    figures = {
        "stream": source,
        "decode_median_us": round(float(med), 2), "decode_p99_us": round(float(p99), 2),
        "batch_median_us": round(float(np.median(batches)), 2),
        "batch_p99_us": round(float(np.percentile(batches, 99)), 2),
        "baseline_median_us": round(float(np.median(base)), 2),
        "baseline_p99_us": round(float(np.percentile(base, 99)), 2),
        "timer_overhead_us": round(timer, 3),
        "ratio_decode_to_baseline": round(float(med / np.median(base)), 2),
        "ratio_decode_to_goal": round(float(med / GOAL_US), 3),
    }
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    print(f"stream    {source}; limits {DEFAULT_LIMITS.low}..{DEFAULT_LIMITS.high}")
    print(f"decode    median {figures['decode_median_us']:7.2f} µs   p99 "
          f"{figures['decode_p99_us']:7.2f} µs per value ({len(calls)} calls, timed one by one)")
    print(f"batch     median {figures['batch_median_us']:7.2f} µs   p99 "
          f"{figures['batch_p99_us']:7.2f} µs per value ({args.batches} batches of {len(stream)})")
    print(f"baseline  median {figures['baseline_median_us']:7.2f} µs   p99 "
          f"{figures['baseline_p99_us']:7.2f} µs (one rng.integers call)")
    print(f"ratios    decode/baseline {figures['ratio_decode_to_baseline']:.2f}x   "
          f"decode/goal({GOAL_US:g} µs) {figures['ratio_decode_to_goal']:.3f}   "
          f"(timer overhead {timer:.3f} µs, included)")
    return 0


def _timer_overhead_us(n: int = 20000) -> float:
    clock = time.perf_counter_ns
    out = np.empty(n)
    for k in range(n):
        t0 = clock()
        out[k] = clock() - t0
    return float(np.median(out)) / 1e3


if __name__ == "__main__":
    sys.exit(main())
