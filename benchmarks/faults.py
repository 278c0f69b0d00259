"""What a live rig's failures do to the daemon, through a real JACK server, with a baseline.

Each figure is measured on this checkout and, in the same run, on a baseline revision
(default c170526, before the late-events policy, the port watch and the signal
handling), checked out into a temporary git worktree and run with the same Python:

* ``stalls``: the daemon at 300 BPM is stopped (SIGSTOP) for 0.5, 3 and 60 s at a random
  moment and continued. Messages the JACK client receives in the 100 ms after SIGCONT,
  notes left sounding, and the first onset after the stall: its distance from the beat
  grid the solo played on before it.
* ``kill``: jackd is SIGKILLed while the daemon plays. Time until the daemon says so on
  stderr, its exit status. (A new JACK server starts empty: nothing can sound there.)
* ``signals``: 2 or 3 SIGTERM/SIGINT at random 0-100 ms gaps while it plays: exit
  statuses, notes left sounding, and the time from the first signal to the exit.
* ``render``: peak RSS and time of a 20,000-bar ``--out`` render.

    .venv/bin/python benchmarks/faults.py all
    .venv/bin/python benchmarks/faults.py signals --runs 100 --baseline-runs 30
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from jack_server import Recorder, jack_server, signal_storm, wait_for_port  # noqa: E402

BASELINE = "c170526"
TEMPO = 300.0
BEAT = 60.0 / TEMPO


def worktree(rev: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix="improv-baseline-")) / "tree"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "-f", "-q", str(path), rev],
                   check=True)
    return path


def start(tree: Path, jack, port: str, *extra) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, str(tree / "daemon.py"), "--backend", "jack",
                             "--port-name", port, "--tempo", str(TEMPO), "--swing", "0",
                             *(["--timing", "grid"] if any(
                                 (tree / "improv" / d / "timefeel.py").exists()
                                 for d in ("band", "performance")) else []),
                             "--seed", "3", "-q", *extra],
                            cwd=tree, env=jack.env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    wait_for_port(f"{port}:{port}", proc=proc)
    return proc


def left_sounding(events) -> int:
    sounding = {}
    for _, m in events:
        key, kind = (m[0] & 0x0F, m[1]), m[0] & 0xF0
        if kind == 0x90 and m[2] > 0:
            sounding[key] = sounding.get(key, 0) + 1
        elif kind == 0x80 or (kind == 0x90 and m[2] == 0):
            sounding[key] = max(0, sounding.get(key, 0) - 1)
        elif kind == 0xB0 and m[1] == 123:  # All Notes Off
            for k in [k for k in sounding if k[0] == m[0] & 0x0F]:
                sounding[k] = 0
    return sum(sounding.values())


def stall_once(tree: Path, pause: float, rng: random.Random) -> dict:
    with jack_server() as jack:
        proc = start(tree, jack, "stall")
        recorder = Recorder("stall:stall")
        try:
            time.sleep(rng.uniform(1.0, 1.4))
            proc.send_signal(signal.SIGSTOP)
            time.sleep(pause)
            resumed = time.monotonic()
            proc.send_signal(signal.SIGCONT)
            time.sleep(1.5)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=120)
            time.sleep(0.1)
            with recorder._lock:
                events, arrival = list(recorder.events), list(recorder.arrival)
        finally:
            recorder.close()
    burst = sum(resumed <= a < resumed + 0.1 for a in arrival)
    ons = [(t, a) for (t, m), a in zip(events, arrival) if m[0] & 0xF0 == 0x90 and m[2] > 0]
    after = [t for t, a in ons if a >= resumed]
    grid_ms = None
    if ons and after:
        beats = (after[0] - ons[0][0]) / BEAT
        grid_ms = abs(beats - round(beats)) * BEAT * 1000
    return {"burst": burst, "left": left_sounding(events), "grid_ms": grid_ms,
            "rc": proc.returncode, "said": next((line for line in err.splitlines()
                                                 if "stalled" in line), "")}


def kill_once(tree: Path) -> dict:
    with jack_server() as jack:
        proc = start(tree, jack, "dies")
        time.sleep(1.0)
        killed = time.monotonic()
        jack.kill()
        noticed = None
        try:
            line = _readline(proc, timeout=5.0)
            if line is not None:
                noticed = time.monotonic() - killed
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return {"noticed": noticed, "rc": proc.returncode, "line": line}


def _readline(proc, timeout: float) -> str | None:
    """The first stderr line from the daemon itself (not libjack's chatter), or None."""
    import select

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], deadline - time.monotonic())
        if not ready:
            return None
        line = proc.stderr.readline()
        if not line:
            return None
        if line.startswith(("improv", "daemon.py")):
            return line.strip()
    return None


def signals_once(tree: Path, jack, rng: random.Random, run: int) -> dict:
    port = f"sig{run}"
    proc = start(tree, jack, port)
    recorder = Recorder(f"{port}:{port}")
    try:
        time.sleep(rng.uniform(0.3, 0.8))
        first = time.monotonic()
        signal_storm(proc, rng)
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        took = time.monotonic() - first
        time.sleep(0.1)
        events = recorder.snapshot()
    finally:
        recorder.close()
    return {"rc": proc.returncode, "left": left_sounding(events), "shutdown": took}


# Runs the daemon as its only child and prints that child's peak RSS (kB) and seconds:
# this process's own RUSAGE_CHILDREN would also count the JACK servers started before.
_MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "subprocess.run(sys.argv[1:], check=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
            "time.perf_counter() - t)")


def render_once(tree: Path, bars: int) -> dict:
    with tempfile.TemporaryDirectory() as out:
        printed = subprocess.run(
            [sys.executable, "-c", _MEASURE, sys.executable, str(tree / "daemon.py"), "--out",
             f"{out}/x.mid", "--bars", str(bars), "--seed", "1", "-q"],
            cwd=tree, check=True, capture_output=True, text=True).stdout.split()
    return {"rss_mb": int(printed[0]) / 1024, "seconds": float(printed[1])}


def report_stalls(trees, runs: int, rng) -> None:
    print("stalls at 300 BPM: messages in the 100 ms after SIGCONT, notes left sounding, "
          "first onset after it from the beat grid")
    for pause in (0.5, 3.0, 60.0):
        for label, tree in trees.items():
            results = [stall_once(tree, pause, rng) for _ in range(runs if pause < 60 else 1)]
            bursts = [r["burst"] for r in results]
            grid = [r["grid_ms"] for r in results if r["grid_ms"] is not None]
            print(f"  {pause:5.1f} s  {label:<9} burst median {statistics.median(bursts):5.0f} "
                  f"max {max(bursts):4d}  left sounding {sum(r['left'] for r in results)}  "
                  f"grid median {statistics.median(grid) if grid else float('nan'):5.2f} ms "
                  f"max {max(grid) if grid else float('nan'):5.2f} ms  ({len(results)} runs)",
                  flush=True)
            if results[0]["said"]:
                print(f"           says: {results[0]['said']}")


def report_kill(trees, runs: dict) -> None:
    print("jackd SIGKILLed while playing: time until the daemon says so (5 s at most), "
          "exit status")
    for label, tree in trees.items():
        results = [kill_once(tree) for _ in range(runs[label])]
        noticed = [r["noticed"] for r in results if r["noticed"] is not None]
        codes = sorted({r["rc"] for r in results})
        print(f"  {label:<9} noticed in {len(noticed)}/{len(results)}; median "
              f"{statistics.median(noticed) if noticed else float('nan'):.3f} s, max "
              f"{max(noticed) if noticed else float('nan'):.3f} s; exit statuses {codes}",
              flush=True)
        if noticed:
            print(f"           says: {next(r['line'] for r in results if r['line'])}")


def report_signals(trees, runs: dict, rng) -> None:
    print("2-3 SIGTERM/SIGINT at random 0-100 ms gaps while playing")
    for label, tree in trees.items():
        with jack_server() as jack:
            results = [signals_once(tree, jack, rng, k) for k in range(runs[label])]
        codes = {}
        for r in results:
            codes[r["rc"]] = codes.get(r["rc"], 0) + 1
        print(f"  {label:<9} {len(results)} runs: exit statuses {dict(sorted(codes.items()))}; "
              f"runs with notes left sounding {sum(r['left'] > 0 for r in results)}", flush=True)
        took = sorted(r["shutdown"] for r in results)
        print(f"            first signal to exit: median {statistics.median(took):.3f} s, p99 "
              f"{took[min(len(took) - 1, int(0.99 * len(took)))]:.3f} s, max {took[-1]:.3f} s; "
              f"over 0.5 s: {sum(t > 0.5 for t in took)}", flush=True)


def report_render(trees, bars: int) -> None:
    print(f"render of {bars:,} bars (--out): peak RSS and time")
    for label, tree in trees.items():
        r = render_once(tree, bars)
        print(f"  {label:<9} {r['rss_mb']:6.0f} MB  {r['seconds']:6.1f} s", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("stalls", "kill", "signals", "render", "all"))
    parser.add_argument("--baseline", default=BASELINE, help="a revision, or 'none'")
    parser.add_argument("--runs", type=int, default=100, help="signal runs (default 100)")
    parser.add_argument("--baseline-runs", type=int, default=30)
    parser.add_argument("--kill-runs", type=int, default=20)
    parser.add_argument("--baseline-kill-runs", type=int, default=3,
                        help="the baseline never notices: each run waits 15 s (default 3)")
    parser.add_argument("--stall-runs", type=int, default=3)
    parser.add_argument("--bars", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    base = None if args.baseline == "none" else worktree(args.baseline)
    trees = {"this": REPO} if base is None else {"this": REPO, args.baseline: base}
    try:
        if args.what in ("stalls", "all"):
            report_stalls(trees, args.stall_runs, rng)
        if args.what in ("kill", "all"):
            report_kill(trees, {"this": args.kill_runs, args.baseline: args.baseline_kill_runs})
        if args.what in ("signals", "all"):
            report_signals(trees, {"this": args.runs, args.baseline: args.baseline_runs}, rng)
        if args.what in ("render", "all"):
            report_render(trees, args.bars)
    finally:
        if base is not None:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)],
                           check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
