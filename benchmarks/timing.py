"""Timing of the daemon's scheduler with the model in the loop, and its CPU per minute.

In one run (every row plays the same notes: the same model, seeds and settings):

1. ``scheduler``  onset error (clock time just after ``send`` − scheduled time) of the
   daemon's path at 240 BPM in 16th notes: the real sampler (``improv.sampling.soloist.Soloist``
   over the model, the default shipped model by default) is asked for every note on the
   scheduler's thread, so its cost, periodic Tx-step re-primes included, lands where
   it does in the daemon; each value's duration is made a 16th (0.25; type and range
   kept, so the melody part decodes it as usual), plus comping, the default feel, a null
   port. The thread runs at the priority the daemon asks for (``[scheduler] realtime``:
   SCHED_FIFO where allowed) while a CPU-bound child process keeps the other core busy.
   Goal: p99 ≤ 1 ms, max ≤ 5 ms.
2. ``sched-norm`` the same at normal priority (what an unprivileged user gets).
3. ``sleep-loop`` the baseline, under the same load and at the daemon's priority: a naive
   loop that asks the same ensemble (same sampler) for the next beat when its queue
   runs short, then ``time.sleep``s until each message is due.
4. ``value cost`` what each sampler call cost in row 1 (median, p99, max, re-prime
   spikes included), to show the model was in the loop.
5. ``cpu``        the daemon's CPU (process time of the scheduler, the sampler over the
   model playing its real values and the ensemble, all threads) per minute of music at
   120 BPM, no load. Goal: ≤ 5 % of one core.

    .venv/bin/python benchmarks/timing.py [--seconds 120] [--cpu-seconds 60] [--model DIR]

Shorter ``--seconds`` give a quick look; the figures are only as quiet as the machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import heapq
import itertools
import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from improv.commands import config  # noqa: E402
from improv.band.chart import Progression  # noqa: E402
from improv.band.comping import CompingPart  # noqa: E402
from improv.band.ensemble import Ensemble  # noqa: E402
from improv.band.melody import MelodyPart  # noqa: E402
from improv.timing.priority import try_realtime_priority  # noqa: E402
from improv.sampling.soloist import Soloist  # noqa: E402
from improv.timing.scheduler import Scheduler  # noqa: E402

from _model import choose_model  # noqa: E402

GOAL_P99_MS, GOAL_MAX_MS, GOAL_CPU = 1.0, 5.0, 5.0
SEED = 1
SIXTEENTH = 0.25


def soloist(model: Path, cfg) -> Soloist:
    """The sampler as ``improv play`` builds it (numpy engine), on a fixed seed."""
    m = cfg.sampling
    return Soloist.load(model, "numpy", temperature=m.temperature, top_p=m.top_p, seed=SEED,
                        max_rest_bars=m.max_rest_bars)


class Sixteenths:
    """The sampler's values, each made a 16th: the model's work per note is real, the
    grid is fixed. ``costs`` collects each call's seconds (two clock reads per call)."""

    def __init__(self, source: Soloist):
        self._source = source
        self.costs: list[float] = []

    def next_value(self):
        t0 = time.perf_counter()
        value = self._source.next_value()
        self.costs.append(time.perf_counter() - t0)
        return dataclasses.replace(value, duration=SIXTEENTH)


class NullPort:
    def send(self, message) -> None:
        message.bytes()  # what a real port does with it


def _spin(stop):
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def performer(source, cfg):
    parts = [MelodyPart(source, np.random.default_rng([SEED, 1]), cfg.melody),
             CompingPart(cfg.comping)]
    return Ensemble(parts, Progression.parse(cfg.progression), feel=cfg.feel)


def measure_scheduler(seconds: float, tempo: float, cfg, model: Path):
    """Onset errors (ms) and the sampler's per-call costs (ms) of the daemon's path."""
    errors = []
    source = Sixteenths(soloist(model, cfg))
    scheduler = Scheduler(performer(source, cfg), NullPort(), tempo=tempo,
                          lookahead=cfg.scheduler.lookahead,
                          observer=lambda kind, note, due, sent: errors.append(sent - due))
    scheduler.run(until_beat=seconds * tempo / 60)
    return np.array(errors) * 1000, np.array(source.costs) * 1000


def measure_sleep_loop(seconds: float, tempo: float, cfg, model: Path):
    """Baseline: generate a beat when the queue runs short, sleep until each message."""
    import mido

    until = seconds * tempo / 60
    notes = performer(Sixteenths(soloist(model, cfg)), cfg)
    queue, order, port, errors = [], itertools.count(), NullPort(), []
    start = time.monotonic() + 0.05
    while True:
        # Anything not generated yet may start before the earliest queued message.
        while notes.cursor < until and (not queue or queue[0][0] >= notes.cursor):
            for note in notes.advance(min(until, notes.cursor + 1)):
                if note.start < until:
                    heapq.heappush(queue, (note.start, 1, next(order), note))
                    heapq.heappush(queue, (note.end, 0, next(order), note))
        if not queue:
            break
        beat, kind, _, note = heapq.heappop(queue)
        due = start + beat * 60 / tempo
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        port.send(mido.Message("note_on" if kind else "note_off", channel=note.channel - 1,
                               note=note.pitch, velocity=note.velocity if kind else 0))
        errors.append(time.monotonic() - due)
    return np.array(errors) * 1000, None


def measure_cpu(seconds: float, cfg, model: Path) -> tuple[float, int]:
    sent = []
    scheduler = Scheduler(performer(soloist(model, cfg), cfg), NullPort(), tempo=120.0,
                          lookahead=cfg.scheduler.lookahead,
                          observer=lambda *a: sent.append(1))
    cpu0, wall0 = time.process_time(), time.monotonic()
    scheduler.run(until_beat=seconds * 2)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    return 100 * cpu / wall, len(sent)


def on_thread(function, realtime: bool, *args):
    """Run ``function(*args)`` on a fresh thread (real-time if asked); its result and policy."""
    import threading

    box = {}

    def body():
        box["policy"] = try_realtime_priority() if realtime else "normal"
        box["result"] = function(*args)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    return box["result"], box["policy"]


def summary(name: str, ms: np.ndarray) -> tuple[float, float, float]:
    med, p99, worst = np.median(ms), np.percentile(ms, 99), ms.max()
    print(f"{name:11s} n={len(ms):6d}  median {med:7.3f} ms  p99 {p99:7.3f} ms  "
          f"max {worst:7.3f} ms  min {ms.min():7.3f} ms")
    return med, p99, worst


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0,
                        help="seconds of music for each onset measurement (default 120)")
    parser.add_argument("--cpu-seconds", type=float, default=60.0,
                        help="seconds of music for the CPU measurement (default 60)")
    parser.add_argument("--tempo", type=float, default=240.0)
    parser.add_argument("--model", help="model directory (default: the default shipped model; or a shipped name such as wjazzd)")
    parser.add_argument("--no-load", action="store_true", help="leave the other core idle")
    args = parser.parse_args(argv)
    cfg = config.default()
    model, described = choose_model(args.model)
    print(f"machine: {multiprocessing.cpu_count()} cores; python {sys.version.split()[0]}")
    print(f"sampler: {described}, numpy engine, seed {SEED}, every value made a 16th")
    print(f"onsets at {args.tempo:g} BPM in 16ths + comping, {args.seconds:g} s each, "
          f"{'no load' if args.no_load else 'other core busy with a CPU-bound process'}")
    stop = multiprocessing.Event()
    hog = None
    if not args.no_load:
        hog = multiprocessing.Process(target=_spin, args=(stop,), daemon=True)
        hog.start()
    try:
        realtime = cfg.scheduler.realtime
        run = (args.seconds, args.tempo, cfg, model)
        (errors, costs), policy = on_thread(measure_scheduler, realtime, *run)
        print(f"(scheduler thread priority: {policy})")
        _, p99, worst = summary("scheduler", errors)
        (norm, _), _ = on_thread(measure_scheduler, False, *run)
        summary("sched-norm", norm)
        (base, _), _ = on_thread(measure_sleep_loop, realtime, *run)
        _, b99, bworst = summary("sleep-loop", base)
    finally:
        stop.set()
        if hog:
            hog.join(5)
    print(f"value cost  n={len(costs):6d}  median {np.median(costs):7.3f} ms  p99 "
          f"{np.percentile(costs, 99):7.3f} ms  max {costs.max():7.3f} ms  (sampler calls "
          f"in the scheduler row, re-primes included)")
    print(f"ratio scheduler/sleep-loop: p99 {p99 / b99:.2f}x, max {worst / bworst:.2f}x")
    print(f"goal p99 <= {GOAL_P99_MS} ms: {'met' if p99 <= GOAL_P99_MS else 'MISSED'}; "
          f"max <= {GOAL_MAX_MS} ms: {'met' if worst <= GOAL_MAX_MS else 'MISSED'}")
    share, messages = measure_cpu(args.cpu_seconds, cfg, model)
    print(f"cpu         {share:.2f} % of one core at 120 BPM over {args.cpu_seconds:g} s of "
          f"music ({messages} messages, the sampler's own values); goal <= {GOAL_CPU} %: "
          f"{'met' if share <= GOAL_CPU else 'MISSED'} (ratio to goal {share / GOAL_CPU:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
