"""Listening through a real JACK server: chord-following latency and trading overlap.

* ``latency``: the daemon plays with ``--follow-chords`` at 120 BPM; a test client
  holds 40 chords (each different from the one before, 1.3-1.9 s each, voiced as
  root position, inversion, shell or drop-2 in turn). For each chord: the time from
  its last note_on arriving (stamped by a recorder on the musician's port) to the
  daemon's first note_on after it, median / p99, and whether that note is a chord tone
  of the new chord (vs of the chord before). Beside it, in this process: the input
  path alone, from a chord's arrival to the chord being published (``MidiInput`` +
  ``Listener``), median / p99.
* ``trading``: ``--trade 2 --sync clock`` at 160 BPM, the test client the DAW and the
  musician: 16 calls (two bars each, phrases of Weimar solos), then counts improv's
  notes sounding while a musician's note sounds (goal 0), and the answers given.

    .venv/bin/python benchmarks/listen_jack.py [latency] [trading]
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
sys.path.insert(0, str(REPO))

from jack_server import Master, Recorder, jack_server, wait_for_port  # noqa: E402

from improv.language.harmony import parse_chord  # noqa: E402
from improv.language.voicings import voicings  # noqa: E402

SYMBOLS = ("Cmaj7", "A7", "Dm7", "G7", "Ebmaj7", "Ab7", "F#m7b5", "B7", "Em7", "Bbmaj7",
           "Db7", "Gm7", "C7", "Fmaj7", "E7", "Am7")
KINDS = ("root", "inversion", "shell", "drop2")


def start(jack, port, *flags):
    config = Path(tempfile.mkdtemp()) / "c.toml"
    config.write_text("")
    proc = subprocess.Popen([sys.executable, str(REPO / "daemon.py"), "--config", str(config),
                             "--backend", "jack", "--port-name", port, "--swing", "0",
                             "--seed", "3", "-q", "--no-comping", *flags],
                            cwd=REPO, env=jack.env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    wait_for_port(f"{port}:{port}", proc=proc)
    wait_for_port(f"{port} in:{port} in", proc=proc, input=True)
    return proc


def finish(proc, musician, *recorders) -> list:
    """Stop the daemon and the musician; what each recorder got, as (time, bytes)."""
    musician.close()
    proc.terminate()
    proc.communicate(timeout=10)
    time.sleep(0.1)
    events = [r.timed() for r in recorders]
    for r in recorders:
        r.close()
    return events


def pct(a, q):
    return float(np.percentile(a, q)) if len(a) else float("nan")


def report_latency(jack, count=40):
    rng = np.random.default_rng(5)
    proc = start(jack, "follow", "--follow-chords", "--tempo", "120", "--progression", "C7")
    notes = Recorder("follow:follow")
    musician = Master("follow in:follow in", client="musician")
    heard = Recorder("musician:out", client="heard")
    played, previous = [], None
    try:
        time.sleep(1.0)
        for k in range(count):
            symbol = rng.choice([s for s in SYMBOLS if s != previous])
            previous = symbol
            chord = parse_chord(str(symbol))
            voicing = voicings(chord)[KINDS[k % len(KINDS)]][0]
            for p in voicing:
                musician.send(0x90, p, 80)
            played.append((chord, voicing))
            time.sleep(rng.uniform(1.3, 1.9))
            for p in voicing:
                musician.send(0x80, p, 0)
        time.sleep(0.3)
    finally:
        events, sent = finish(proc, musician, notes, heard)
    ons = [(t, m[1]) for t, m in events if m[0] & 0xF0 == 0x90 and m[2] > 0]
    arrivals = []
    k = 0
    for (chord, voicing) in played:  # the last note_on of each chord, as delivered
        n_on = 0
        while k < len(sent) and n_on < len(voicing):
            if sent[k][1][0] & 0xF0 == 0x90 and sent[k][1][2] > 0:
                n_on += 1
            k += 1
        arrivals.append(sent[k - 1][0])
    latency, new_tone, old_tone = [], 0, 0
    for j, ((chord, _), at) in enumerate(zip(played, arrivals)):
        after = [(t, p) for t, p in ons if t > at]
        end = arrivals[j + 1] if j + 1 < len(arrivals) else float("inf")
        if not after or after[0][0] >= end:
            continue
        t, pitch = after[0]
        latency.append((t - at) * 1000)
        new_tone += pitch % 12 in chord.tones
        if j:
            old_tone += pitch % 12 in played[j - 1][0].tones
    lat = np.array(latency)
    print(f"chord played -> the solo's next note_on, {len(lat)} of {count} chords: median "
          f"{np.median(lat):.0f} ms, p99 {pct(lat, 99):.0f} ms (the wait is the solo's own "
          f"rhythm: a note starts on the grid)")
    print(f"  those first notes: chord tones of the new chord {new_tone / len(lat):.0%}, of "
          f"the chord before {old_tone / max(len(lat) - 1, 1):.0%}")
    report_input_path(jack, played)


def report_input_path(jack, played):
    """Arrival (the reader's stamp) -> chord published, in this process."""
    import rtmidi

    from improv.listening.listener import Listener, ListenSettings
    from improv.midi.midiin import open_input

    published = []
    lis = Listener(ListenSettings(follow_chords=True))
    sys.setswitchinterval(0.0005)  # as the daemon's live session sets it
    with open_input(rtmidi.API_UNIX_JACK, "probe") as midi_in:
        sizes = iter([len(v) for _, v in played])
        size = [next(sizes)]

        def take():
            while midi_in.messages:
                t, message = midi_in.messages.popleft()
                lis.feed(t, message)
                if message[0] & 0xF0 == 0x90 and message[2] and lis.held == size[0]:
                    published.append(time.monotonic() - t)  # the whole chord named
                    size[0] = next(sizes, 0)
        midi_in.on_message = take
        musician = Master("probe:probe", client="musician2")
        try:
            time.sleep(0.2)
            for chord, voicing in played:
                for p in voicing:
                    musician.send(0x90, p, 80)
                time.sleep(0.05)
                for p in voicing:
                    musician.send(0x80, p, 0)
                time.sleep(0.05)
            time.sleep(0.2)
        finally:
            musician.close()
    ms = np.array(published) * 1000
    print(f"input path, a chord's last note arriving -> the chord named and published "
          f"({len(ms)} chords; the reader's 1 ms polling included): median "
          f"{np.median(ms):.2f} ms, p99 {pct(ms, 99):.2f} ms")


def report_trading(jack, calls=16, tempo=160.0):
    sys.path.insert(0, str(REPO / "benchmarks"))
    from call_answer import cut_calls

    rng = np.random.default_rng(2)
    phrases = cut_calls(calls, rng)
    then, spans = {}, []
    for k, call in enumerate(phrases):  # the musician's turns: bars 4k+1..4k+2 (1-based)
        base = k * 4 * 96
        for n in call["notes"]:
            on = base + round((n.on - call["start"]) * 24)
            off = base + round((n.off - call["start"]) * 24) - 1  # let go a tick early
            off = min(max(off, on + 1), base + 191)
            then.setdefault(on, []).append((0x90, n.pitch, 90))
            then.setdefault(off, []).append((0x80, n.pitch, 0))
            spans.append((on, off))
    proc = start(jack, "trade", "--trade", "2", "--sync", "clock")
    notes = Recorder("trade:trade")
    musician = Master("trade in:trade in", client="musician")
    try:
        time.sleep(0.3)
        musician.send(0xFA)
        ticks = musician.play_clock(lambda beat: tempo, calls * 16 + 1, jitter=0.001, then=then)
        musician.send(0xFC)
        time.sleep(0.3)
    finally:
        (events,) = finish(proc, musician, notes)
    open_notes, pairs = {}, []
    for t, m in events:
        if m[0] & 0xF0 == 0x90 and m[2] > 0:
            open_notes.setdefault(m[1], []).append(t)
        elif m[0] & 0xF0 in (0x80, 0x90) and open_notes.get(m[1]):
            pairs.append((open_notes[m[1]].pop(0), t))
    theirs = [(ticks[a], ticks[b]) for a, b in spans]
    overlapping = [(on, off) for on, off in pairs
                   if any(on < b and a < off for a, b in theirs)]
    bar = (ticks[96] - ticks[0])
    answered = {int((on - ticks[0]) / bar + 1e-3) // 4 for on, _ in pairs}
    print(f"trading 2 bars at {tempo:g} BPM, {calls} calls from Weimar solos "
          f"({len(spans)} musician notes): improv played {len(pairs)} notes in "
          f"{len(answered)} answers; notes sounding while the musician's sounded: "
          f"{len(overlapping)}; left sounding: {sum(map(len, open_notes.values()))}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="*", help="latency and/or trading (default both)")
    args = parser.parse_args(argv)
    args.what = args.what or ["latency", "trading"]
    if set(args.what) - {"latency", "trading"}:
        parser.error(f"unknown: {args.what}: say latency and/or trading")
    with jack_server(period=64) as jack:
        print(f"JACK dummy driver, {jack.period} frames at {jack.rate} Hz")
        if "latency" in args.what:
            report_latency(jack)
        if "trading" in args.what:
            report_trading(jack)
    return 0


if __name__ == "__main__":
    sys.exit(main())
