"""Fault injection through a real JACK server: stalls, a dying server, signal storms.

Run alone with ``pytest -m faults`` (the file tests too) or ``-m "faults and e2e"``.
Each case checks what a live rig needs: no burst after a stall, nothing left sounding,
the solo back on the beat, a lost server noticed within a second.
"""

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jack_server import Recorder, collect, signal_storm, wait_for_port
from test_e2e_jack import pairs_of

pytestmark = [pytest.mark.e2e, pytest.mark.faults]
REPO = Path(__file__).resolve().parent.parent
TEMPO = 300.0
BEAT = 60.0 / TEMPO


# the solo on a straight grid at TEMPO, where these tests measure against the beat
ON_THE_GRID = ("--tempo", str(TEMPO), "--swing", "0", "--timing", "grid", "--seed", "3")


def daemon(jack, port, *extra, playing=ON_THE_GRID):
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "daemon.py"), "--backend", "jack", "--port-name", port,
         *playing, "-q", *extra],
        cwd=REPO, env=jack.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_port(f"{port}:{port}", proc=proc)
    return proc


def ons(events):
    return [(t, m) for t, m in events if m[0] & 0xF0 == 0x90 and m[2] > 0]


@pytest.mark.parametrize("pause", [0.5, 1.5])
def test_a_stopped_process_resumes_without_a_burst_on_the_beat(jack, pause):
    # the burst's bound counts a melody and a close comping (the whole band's stall:
    # test_the_whole_band_through_a_stall_and_a_stop_leaves_nothing_on)
    proc = daemon(jack, "stall", "--no-drums", "--no-bass", "--comping-style", "charleston")
    recorder = Recorder("stall:stall")
    try:
        time.sleep(random.uniform(0.8, 1.2))  # a random moment of the bar
        proc.send_signal(signal.SIGSTOP)
        time.sleep(pause)
        proc.send_signal(signal.SIGCONT)
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        err, events = collect(proc, recorder)
    finally:
        recorder.close()
    assert proc.returncode == 0, err
    assert "stalled for" in err and "Traceback" not in err
    # the stall is the longest silence; what follows it is what SIGCONT released
    gaps = [(events[k + 1][0] - events[k][0], k + 1) for k in range(len(events) - 1)]
    _, resume = max(gaps)
    t0 = events[resume][0]
    burst = [m for t, m in events[resume:] if t < t0 + 0.1]
    # no more than ordinary playing: the note_offs of what sounded when it stopped (a
    # chord and a melody note), a chord struck on the beat and maybe its release and a
    # second one, and the 16ths of 100 ms (3 on, 3 off); the bug was 100 or 2,000 at once
    melody_ons = [m for m in burst if m[0] == 0x90 and m[2] > 0]
    assert len(melody_ons) <= 3 and len(burst) <= 5 + 3 * 4 + 6, burst
    # the band re-enters on the grid it played on before: the source skips to the next
    # beat line, where the solo's first value may be a rest (a phrase that starts on the
    # "and") and the charleston strikes on 1 and the and of 2, so the first onset is on
    # the eighth-note grid of the beats before the stall (300 BPM: the solo plays eighths)
    first = ons(events)[0][0]
    reentry = next(t for t, _ in ons(events[resume:]))
    halves = 2 * (reentry - first) / BEAT
    slack = 2 * (2 * jack.period_s + 0.0015) / BEAT  # the dummy driver runs a cycle late at times
    assert abs(halves - round(halves)) <= slack, halves / 2
    _, left = pairs_of(events)
    assert not left


def test_the_whole_band_through_a_stall_and_a_stop_leaves_nothing_on(jack):
    # the default band: learned timing, rootless comping, drums on channel 10
    proc = daemon(jack, "band", playing=("--tempo", "200", "--seed", "6"))
    recorder = Recorder("band:band")
    try:
        time.sleep(1.5)
        proc.send_signal(signal.SIGSTOP)
        time.sleep(0.5)
        proc.send_signal(signal.SIGCONT)
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        err, events = collect(proc, recorder)
    finally:
        recorder.close()
    assert proc.returncode == 0, err
    channels = {m[0] & 0x0F for _, m in ons(events)}
    assert channels == {0, 1, 2, 9}, channels  # melody, comping, bass, drums all played
    assert not pairs_of(events)[1]  # and every note they struck is off


def test_a_killed_server_is_noticed_within_a_second(jack):
    proc = daemon(jack, "dies")
    time.sleep(1.0)
    killed = time.monotonic()
    jack.kill()
    line = proc.stderr.readline()
    noticed = time.monotonic() - killed
    proc.wait(10)
    rest = proc.stderr.read()
    assert "is gone: the JACK server stopped" in line and "exiting" in line
    # it is noticed (benchmarks/faults.py measures how soon: the goal is a second); the
    # bound here only keeps a hang from passing, on a loaded CI machine
    assert noticed <= 5.0
    assert proc.returncode == 2
    assert "Traceback" not in rest and not rest.strip(), rest


def test_reconnect_waits_for_the_server_and_plays_on(jack, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[midi]\nreconnect = true\n")
    proc = daemon(jack, "back", "--config", str(config))
    time.sleep(0.5)
    jack.proc.terminate()  # the user quits JACK...
    jack.proc.wait(5)
    line = proc.stderr.readline()
    assert "waiting for it to come back" in line
    jack.restart()  # ...and starts it again
    wait_for_port("back:back", proc=proc, timeout=10)
    recorder = Recorder("back:back")
    try:
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
        time.sleep(0.1)
        events = recorder.snapshot()
    finally:
        recorder.close()
    assert proc.returncode == 0
    assert ons(events)
    assert not pairs_of(events)[1]


def test_signal_storms_during_shutdown_exit_0_with_nothing_sounding(jack):
    rng = random.Random(5)
    for run in range(6):
        port = f"storm{run}"
        proc = daemon(jack, port)
        recorder = Recorder(f"{port}:{port}")
        try:
            time.sleep(rng.uniform(0.3, 0.8))
            signal_storm(proc, rng)
            err, events = collect(proc, recorder)
        finally:
            recorder.close()
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        assert not pairs_of(events)[1]


def test_a_second_daemon_with_the_same_port_name_is_refused(jack):
    first = daemon(jack, "twin")
    try:
        second = subprocess.run(
            [sys.executable, str(REPO / "daemon.py"), "--backend", "jack", "--port-name",
             "twin", "-q"], cwd=REPO, env=jack.env, capture_output=True, text=True, timeout=30)
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=10)
    assert second.returncode == 2
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "already exists" in lines[0], second.stderr
