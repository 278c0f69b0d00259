"""Timing of the daemon's scheduler, and its CPU cost per minute of music.

In one run:

1. ``scheduler``  onset error (clock time just after ``send`` − scheduled time) of the
   daemon's Scheduler at 240 BPM in 16th notes (melody + comping, the real Performer,
   a null port), on its own thread at the priority the daemon asks for
   (``[scheduler] realtime``: SCHED_FIFO where allowed), while a CPU-bound child
   process keeps the other core busy. Goal: p99 ≤ 1 ms, max ≤ 5 ms.
2. ``sched-norm`` the same at normal priority (what an unprivileged user gets).
3. ``sleep-loop`` the baseline, under the same load and at the daemon's priority: the
   same notes sent by a naive loop that ``time.sleep``s until each due time.
4. ``cpu``        the daemon's CPU (process time of the scheduler, the sampler over the
   model and the performer, all threads) per minute of music at 120 BPM, no load.
   Goal: ≤ 5 % of one core.

    .venv/bin/python benchmarks/timing.py [--seconds 120] [--cpu-seconds 60] [--model DIR]

Shorter ``--seconds`` give a quick look; the figures are only as quiet as the machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from _model import choose_model  # noqa: E402

from improv import config  # noqa: E402
from improv.grammar import parse_value  # noqa: E402
from improv.performer import Performer, Progression  # noqa: E402
from improv.scheduler import Scheduler, try_realtime_priority  # noqa: E402

GOAL_P99_MS, GOAL_MAX_MS, GOAL_CPU = 1.0, 5.0, 5.0


class Sixteenths:
    def __init__(self):
        self._value = parse_value("C,0.250")

    def next_value(self):
        return self._value


class NullPort:
    def send(self, message) -> None:
        message.bytes()  # what a real port does with it


def _spin(stop):
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def performer(source, cfg):
    return Performer(source, Progression.parse(cfg.progression), np.random.default_rng(1),
                     melody=cfg.melody, comping=cfg.comping, feel=cfg.feel)


def measure_scheduler(seconds: float, tempo: float, cfg) -> np.ndarray:
    errors = []
    scheduler = Scheduler(performer(Sixteenths(), cfg), NullPort(), tempo=tempo,
                          lookahead=cfg.scheduler.lookahead,
                          observer=lambda kind, note, due, sent: errors.append(sent - due))
    scheduler.run(until_beat=seconds * tempo / 60)
    return np.array(errors) * 1000


def measure_sleep_loop(seconds: float, tempo: float, cfg) -> np.ndarray:
    """Baseline: precompute the same notes, then sleep until each message is due."""
    import mido

    notes = performer(Sixteenths(), cfg).advance(seconds * tempo / 60)
    events = sorted([(n.start, 1, n) for n in notes] + [(n.end, 0, n) for n in notes],
                    key=lambda e: (e[0], e[1]))
    port, errors = NullPort(), []
    start = time.monotonic() + 0.05
    for beat, kind, note in events:
        due = start + beat * 60 / tempo
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        port.send(mido.Message("note_on" if kind else "note_off", channel=note.channel - 1,
                               note=note.pitch, velocity=note.velocity if kind else 0))
        errors.append(time.monotonic() - due)
    return np.array(errors) * 1000


def measure_cpu(seconds: float, cfg, model: Path) -> tuple[float, int]:
    from improv.sampling import Soloist

    m = cfg.model
    soloist = Soloist.load(model, "numpy", temperature=m.temperature, top_p=m.top_p, seed=1,
                           max_rest_bars=m.max_rest_bars)
    sent = []
    scheduler = Scheduler(performer(soloist, cfg), NullPort(), tempo=120.0,
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
                        help="seconds of music for the onset measurements (default 120)")
    parser.add_argument("--cpu-seconds", type=float, default=60.0,
                        help="seconds of music for the CPU measurement (default 60)")
    parser.add_argument("--tempo", type=float, default=240.0)
    parser.add_argument("--model", help="model directory (default data/model, else random)")
    parser.add_argument("--no-load", action="store_true", help="leave the other core idle")
    args = parser.parse_args(argv)
    cfg = config.default()
    print(f"machine: {multiprocessing.cpu_count()} cores; python {sys.version.split()[0]}")
    print(f"onsets at {args.tempo:g} BPM in 16ths + comping, {args.seconds:g} s each, "
          f"{'no load' if args.no_load else 'other core busy with a CPU-bound process'}")
    stop = multiprocessing.Event()
    hog = None
    if not args.no_load:
        hog = multiprocessing.Process(target=_spin, args=(stop,), daemon=True)
        hog.start()
    try:
        realtime = cfg.scheduler.realtime
        errors, policy = on_thread(measure_scheduler, realtime, args.seconds, args.tempo, cfg)
        print(f"(scheduler thread priority: {policy})")
        _, p99, worst = summary("scheduler", errors)
        errors, _ = on_thread(measure_scheduler, False, args.seconds, args.tempo, cfg)
        summary("sched-norm", errors)
        errors, _ = on_thread(measure_sleep_loop, realtime, args.seconds, args.tempo, cfg)
        _, b99, bworst = summary("sleep-loop", errors)
    finally:
        stop.set()
        if hog:
            hog.join(5)
    print(f"ratio scheduler/sleep-loop: p99 {p99 / b99:.2f}x, max {worst / bworst:.2f}x")
    print(f"goal p99 <= {GOAL_P99_MS} ms: {'met' if p99 <= GOAL_P99_MS else 'MISSED'}; "
          f"max <= {GOAL_MAX_MS} ms: {'met' if worst <= GOAL_MAX_MS else 'MISSED'}")
    model, described = choose_model(args.model)
    share, messages = measure_cpu(args.cpu_seconds, cfg, model)
    print(f"cpu         {share:.2f} % of one core at 120 BPM over {args.cpu_seconds:g} s of "
          f"music ({messages} messages; {described}); goal <= {GOAL_CPU} %: "
          f"{'met' if share <= GOAL_CPU else 'MISSED'} (ratio to goal {share / GOAL_CPU:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
