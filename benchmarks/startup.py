"""Start → first note: from launching ``daemon.py`` to its first note_on arriving at a
JACK client, with the default (numpy) engine; and SIGTERM → exit.

A private JACK server (dummy driver) is started; a recorder makes a JACK MIDI input and
the daemon is launched with ``--connect`` to it, so no note can slip out before the
recorder listens. Baseline, in the same run: launching a bare ``python -c pass``.
Goal: ≤ 1.5 s. Then, mid-solo, SIGTERM → process exit (goal ≤ 200 ms), checking that
every note_on got its note_off.

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
GOAL_STOP_S = 0.2


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


def stop_time(model: Path, env: dict, run: int) -> tuple[float, int]:
    """SIGTERM a playing daemon; seconds until it exited, and notes it left on."""
    import signal

    recorder = Recorder("in", client=f"improv-stop-{run}", virtual=True)
    try:
        proc = subprocess.Popen([sys.executable, str(REPO / "daemon.py"), "--backend", "jack",
                                 "--connect", f"improv-stop-{run}:in", "--model", str(model),
                                 "--tempo", "200", "-q", "--seed", str(run)],
                                cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not recorder.events and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.5 + 0.1 * run)
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        elapsed = time.monotonic() - start
        if proc.returncode:
            raise RuntimeError(f"daemon exited {proc.returncode}: {proc.stderr.read().strip()}")
        time.sleep(0.1)
        sounding: dict = {}
        for _, m in recorder.events:
            key = (m[0] & 0x0F, m[1])
            if m[0] & 0xF0 == 0x90 and m[2] > 0:
                sounding[key] = sounding.get(key, 0) + 1
            elif m[0] & 0xF0 == 0x80 or (m[0] & 0xF0 == 0x90 and m[2] == 0):
                sounding[key] = max(0, sounding.get(key, 0) - 1)
        return elapsed, sum(sounding.values())
    finally:
        recorder.close()


def bare_python() -> float:
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.monotonic() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", help="model directory (default: the default shipped model; or a shipped name such as wjazzd)")
    args = parser.parse_args(argv)
    reason = jackd_missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return 1
    model, described = choose_model(args.model)
    with jack_server() as jack:
        first_note(model, jack.env, 99)  # warm the file cache once, not counted
        times = [first_note(model, jack.env, run) for run in range(args.runs)]
        stops = [stop_time(model, jack.env, run) for run in range(args.runs)]
    bare = [bare_python() for _ in range(args.runs)]
    med, base = statistics.median(times), statistics.median(bare)
    print(f"{described}")
    print(f"start -> first note: median {med * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
          f"over {args.runs} runs (numpy engine, JACK dummy driver)")
    print(f"baseline python -c pass: median {base * 1000:.0f} ms; ratio {med / base:.1f}x")
    print(f"goal <= {GOAL_S} s: {'met' if max(times) <= GOAL_S else 'MISSED'}")
    exits = [e for e, _ in stops]
    left = sum(n for _, n in stops)
    print(f"SIGTERM -> exit: median {statistics.median(exits) * 1000:.0f} ms, max "
          f"{max(exits) * 1000:.0f} ms over {args.runs} runs; notes left on: {left}; goal <= "
          f"{GOAL_STOP_S * 1000:.0f} ms: {'met' if max(exits) <= GOAL_STOP_S and not left else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
