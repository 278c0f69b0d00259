"""The built-in synth: offline WAV render speed and level, and live CPU share.

1. ``--out solo.wav`` for 32 bars at 120 BPM (64 s of audio), 3 runs: the time to render
   (goal: at least 20x faster than real time, i.e. under 3.2 s) and the peak level.
2. ``daemon.py --synth`` playing 16 bars at 120 BPM through a private JACK server with
   the dummy driver (48 kHz, 256 frames): the daemon's CPU time (user + system, from
   /proc) over its wall time while it plays (goal: at most 25% of one core). Baseline in
   the same run: the same daemon sending MIDI to a JACK port instead of synthesizing.

    .venv/bin/python benchmarks/synth.py [--model NAME|DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from jack_server import Recorder, jack_server, jackd_missing_reason  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def offline(model: str, out: Path) -> tuple[float, float, float]:
    """(seconds to render, x real time, peak dBFS) of a 32-bar WAV, the process's own report."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(REPO / "daemon.py"), "--model", model, "--out",
                           str(out), "--bars", "32", "--tempo", "120", "--seed", "1"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise SystemExit(done.stderr.strip())
    match = re.search(r"in ([\d.]+) s \((\d+)x real time\), peak (-?[\d.]+) dBFS", done.stderr)
    return float(match.group(1)), float(match.group(2)), float(match.group(3)), \
        time.perf_counter() - started


def live(model: str, env: dict, synth: bool) -> float:
    """CPU share of one core while the daemon plays 16 bars (skipping its first second)."""
    args = [sys.executable, str(REPO / "daemon.py"), "--model", model, "--bars", "16",
            "--tempo", "120", "--seed", "1", "-q"]
    recorder = None
    if synth:
        args += ["--synth"]
    else:
        recorder = Recorder("in", client="improv-synth-bench", virtual=True)
        args += ["--backend", "jack", "--connect", "improv-synth-bench:in"]
    try:
        proc = subprocess.Popen(args, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)  # start-up (imports, soundfont) is not playing
        cpu0, wall0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(20.0)
        cpu1, wall1 = cpu_seconds(proc.pid), time.monotonic()
        _, err = proc.communicate(timeout=120)
        if proc.returncode:
            raise SystemExit(f"daemon failed: {err.strip()}")
        return (cpu1 - cpu0) / (wall1 - wall0)
    finally:
        if recorder is not None:
            recorder.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="")
    args = parser.parse_args(argv)
    model = args.model or "wjazzd"
    runs = [offline(model, Path("/tmp") / f"improv-synth-{k}.wav") for k in range(3)]
    render = statistics.median(r[0] for r in runs)
    print(f"offline: 32 bars at 120 BPM = 64 s of music + 1 s of release; render median {render:.2f} s "
          f"({statistics.median(r[1] for r in runs):.0f}x real time; whole command incl. "
          f"start-up {statistics.median(r[3] for r in runs):.2f} s), peak "
          f"{statistics.median(r[2] for r in runs):.1f} dBFS  (goal >= 20x)")
    reason = jackd_missing_reason()
    if reason:
        print(f"live: skipped ({reason})")
        return 0
    with jack_server(rate=48000, period=256, synchronous=True) as server:
        synth = [live(model, server.env, True) for _ in range(2)]
        midi = [live(model, server.env, False) for _ in range(2)]
    print(f"live through JACK (dummy driver, 48 kHz, 256 frames), 20 s of playing each: "
          f"--synth {statistics.median(synth):.1%} of one core (runs "
          f"{', '.join(f'{s:.1%}' for s in synth)}); MIDI only {statistics.median(midi):.1%} "
          f"(goal <= 25%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
