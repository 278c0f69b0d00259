"""Onset timing at the port, as a JACK client hears it: the daemon on its own clock.

jackd (dummy driver, ``--sync``, 64 frames at 48 kHz) carries the daemon's virtual port
to a recorder in this process that reads rtmidi's queue, each event stamped by JACK
(mapped onto the monotonic clock). The daemon plays the default model at 120 BPM with
swing 0 and ``--timing grid``, so every onset belongs on the grid the model plays: twelfths of a beat
(sixteenths and sextuplets). Each onset's distance from the nearest grid point, after the
constant delivery delay (the median) is taken out: median, p99 and max over all runs,
and the largest errors with the bar and beat they fell on.

Configurations, each ``--runs`` times for ``--seconds`` seconds:

* ``default``: as ``daemon.py`` starts (the MIDI input open for the knobs, the comping on);
* ``no-input``: ``[knobs] enabled = false``, nothing listens, no input port is opened;
* ``melody``: the default without comping;
* ``duo``: the solo and the comping alone (no bass, no drums), as the band was before
  them.

    .venv/bin/python benchmarks/port_onsets.py [--runs 3] [--seconds 30]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from jack_server import Recorder, jack_server, wait_for_port  # noqa: E402

TEMPO = 120.0
STEP = 60.0 / TEMPO / 12  # a twelfth of a beat, in seconds
CONFIGS = {"default": "", "no-input": "[knobs]\nenabled = false\n",
           "melody": "[comping]\nenabled = false\n",
           # the band before the bass and the drums: a baseline that has neither plays
           # its default (their tables would be unknown keys there)
           "duo": "[bass]\nenabled = false\n[drums]\nenabled = false\n"}


def grid_timing(repo: Path) -> list[str]:
    """The flag that plays the solo on the written grid, where the checkout has a learned
    timing (this measures distances from the grid; an older baseline is on it anyway)."""
    return ["--timing", "grid"] if (repo / "improv" / "band" / "timefeel.py").exists() else []


def one_run(jack, config: str, seconds: float, seed: int, port: str,
            repo: Path = REPO) -> list[tuple[float, float]]:
    """(error in ms, beats since the first onset) of every onset of one run (the notes
    of a chord struck together count once)."""
    path = Path(tempfile.mkdtemp()) / "c.toml"
    if "[drums]" in config and not (repo / "improv" / "band" / "drums.py").exists():
        config = ""
    path.write_text(config)
    env = dict(jack.env, PYTHONPATH=str(repo))
    proc = subprocess.Popen(
        [sys.executable, str(repo / "daemon.py"), "--config", str(path), "--backend", "jack",
         "--port-name", port, "--tempo", str(TEMPO), "--swing", "0", "--seed", str(seed),
         "-q", *grid_timing(repo)], cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    try:
        wait_for_port(f"{port}:{port}", proc=proc)
        recorder = Recorder(f"{port}:{port}", client=f"onsets-{seed}")
        try:
            time.sleep(seconds)
            proc.terminate()
            proc.communicate(timeout=10)
            time.sleep(0.1)
            events = recorder.timed()
        finally:
            recorder.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    onsets = sorted({round(t, 4) for t, m in events if m[0] & 0xF0 == 0x90 and m[2] > 0})
    if len(onsets) < 2:
        return []
    grid = (np.array(onsets) - onsets[0]) / STEP
    error = (grid - np.round(grid)) * STEP * 1000.0
    error -= np.median(error)
    return list(zip(error, np.round(grid) / 12))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--period", type=int, default=64, help="JACK frames (default 64)")
    parser.add_argument("--only", choices=tuple(CONFIGS), action="append")
    parser.add_argument("--baseline", type=Path, metavar="CHECKOUT",
                        help="another checkout (a git worktree) measured in the same run, "
                             "its runs alternating with this one's")
    args = parser.parse_args(argv)
    print(f"jackd --sync, dummy, {args.period} frames at 48 kHz; {TEMPO:g} BPM, swing 0, the "
          f"default model; {args.runs} x {args.seconds:g} s per configuration")
    trees = {"this": REPO, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    with jack_server(period=args.period) as jack:
        for name in args.only or CONFIGS:
            found = {tree: [] for tree in trees}
            for run in range(args.runs):
                for tree, repo in trees.items():
                    found[tree] += one_run(jack, CONFIGS[name], args.seconds, 11 + run,
                                           f"on{run}{name[:3]}{tree[:1]}", repo)
            for tree in trees:
                errors = np.abs([e for e, _ in found[tree]])
                worst = sorted(found[tree], key=lambda f: -abs(f[0]))[:3]
                where = ", ".join(f"{e:+.2f} ms at beat {b:.2f}" for e, b in worst)
                print(f"{name:9s} {tree:8s} n={len(errors):5d}  median {np.median(errors):5.2f}"
                      f" ms  p99 {np.percentile(errors, 99):5.2f} ms  max {errors.max():5.2f} "
                      f"ms  (largest: {where})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
