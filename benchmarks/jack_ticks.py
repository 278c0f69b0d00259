"""Clock ticks lost between JACK clients, in JACK's asynchronous and synchronous modes.

A master sends Start, 32 beats of clock (768 ticks, ±1 ms jitter) and Stop while the
daemon follows it (``--sync clock``, the load of a real session); two receivers count
what arrives: a recorder in the master's process and, in a process of its own, improv's
own input path (``MidiInput``). Each run on a fresh daemon; the same server per mode.
Why the tests run JACK with ``--sync``: in the asynchronous default a client that
finishes a cycle late has that cycle skipped, and a receiver loses a tick now and then
(the beat grid is then 1/24 beat off until the next Start).

    .venv/bin/python benchmarks/jack_ticks.py [--runs 8]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from jack_server import Master, Recorder, jack_server, wait_for_port  # noqa: E402

COUNTER = r'''
import sys, time, rtmidi
sys.path.insert(0, sys.argv[1])
from improv.midi.midiin import open_input
n = [0]
def realtime(status, data, t):
    n[0] += status == 0xF8
with open_input(rtmidi.API_UNIX_JACK, "counter", on_realtime=realtime):
    print("ready", flush=True)
    sys.stdin.readline()
    time.sleep(0.2)
    print(n[0], flush=True)
'''


def one_run(jack, seed: int) -> tuple[int, int]:
    config = Path(tempfile.mkdtemp()) / "c.toml"
    config.write_text("")
    proc = subprocess.Popen([sys.executable, str(REPO / "daemon.py"), "--config", str(config),
                             "--backend", "jack", "--port-name", "follow", "-q", "--seed", "4",
                             "--sync", "clock"], cwd=REPO, env=jack.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port("follow:follow", proc=proc)
    wait_for_port("follow in:follow in", proc=proc, input=True)
    counter = subprocess.Popen([sys.executable, "-c", COUNTER, str(REPO)], env=jack.env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    counter.stdout.readline()
    recorder = Recorder("x", client="daw", virtual=True, timing=True)
    master = Master("follow in:follow in", also_to="daw:x")
    subprocess.run(["jack_connect", "master:out", "counter:counter"], env=jack.env, check=True)
    try:
        time.sleep(0.3)
        master.send(0xFA)
        master.play_clock(lambda beat: 120.0, 32, jitter=0.001, seed=seed)
        master.send(0xFC)
        time.sleep(0.3)
        recorded = sum(1 for _, m in recorder.snapshot() if m[0] == 0xF8)
        counter.stdin.write("\n")
        counter.stdin.flush()
        counted = int(counter.stdout.readline())
    finally:
        counter.wait(10)
        master.close()
        recorder.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    return recorded, counted


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args(argv)
    for synchronous in (False, True):
        with jack_server(period=64, synchronous=synchronous) as jack:
            lost = [0, 0]
            bad_runs = 0
            for run in range(args.runs):
                got = one_run(jack, run)
                lost[0] += 768 - got[0]
                lost[1] += 768 - got[1]
                bad_runs += got != (768, 768)
            mode = "synchronous (--sync)" if synchronous else "asynchronous (default)"
            print(f"JACK {mode}: {args.runs} runs of 768 ticks; lost by the recorder "
                  f"{lost[0]}, by improv's input {lost[1]}; runs with a loss {bad_runs}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
