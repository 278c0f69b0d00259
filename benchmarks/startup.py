"""Start → first note: from launching ``daemon.py`` to its first note_on arriving at a
JACK client, with the default (numpy) backend.

A private JACK server (dummy driver) is started; a recorder makes a JACK MIDI input and
the daemon is launched with ``--connect`` to it, so no note can slip out before the
recorder listens. Baseline, in the same run: launching a bare ``python -c pass``.
Goal: ≤ 1.5 s.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--model DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "tests"))
from _model import choose_model  # noqa: E402
from jack_server import Recorder, jack_server, jackd_missing_reason  # noqa: E402

GOAL_S = 1.5


def first_note(model: Path, env: dict, run: int) -> float:
    recorder = Recorder("in", client=f"improv-startup-{run}", virtual=True)
    try:
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, str(REPO / "daemon.py"), "--backend", "jack",
                                 "--connect", f"improv-startup-{run}:in", "--model", str(model),
                                 "--bars", "1", "--tempo", "400", "-q", "--seed", str(run)],
                                cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
        _, err = proc.communicate(timeout=60)
        if proc.returncode:
            raise RuntimeError(f"daemon failed: {err.strip()}")
        time.sleep(0.1)
        ons = [t for t, (_, m) in zip(recorder.arrival, recorder.events)
               if m[0] & 0xF0 == 0x90 and m[2] > 0]
        if not ons:
            raise RuntimeError("no note arrived")
        return ons[0] - start
    finally:
        recorder.close()


def bare_python() -> float:
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.monotonic() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", help="model directory (default data/model, else random)")
    args = parser.parse_args(argv)
    reason = jackd_missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return 1
    model, described = choose_model(args.model)
    with jack_server() as jack:
        first_note(model, jack.env, 99)  # warm the file cache once, not counted
        times = [first_note(model, jack.env, run) for run in range(args.runs)]
    bare = [bare_python() for _ in range(args.runs)]
    med, base = statistics.median(times), statistics.median(bare)
    print(f"{described}")
    print(f"start -> first note: median {med * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
          f"over {args.runs} runs (numpy backend, JACK dummy driver)")
    print(f"baseline python -c pass: median {base * 1000:.0f} ms; ratio {med / base:.1f}x")
    print(f"goal <= {GOAL_S} s: {'met' if max(times) <= GOAL_S else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
