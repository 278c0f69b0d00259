"""The built-in synth from the command line: ``--synth`` live, ``--out FILE.wav`` offline,
and the General MIDI program changes the daemon sends at start."""

from __future__ import annotations

import sys
import time

import mido

from improv.commands.band import programs


def program_changes(cfg) -> list[mido.Message]:
    return [mido.Message("program_change", channel=channel - 1, program=program - 1)
            for channel, program in programs(cfg).items()]


def open_synth(cfg):
    from improv.midi.synth import SynthOutput

    return SynthOutput(cfg.synth, programs(cfg))


def render_audio(args, cfg, band, seed: int, player: str = "") -> int:
    """``--out FILE.wav``: the bars' notes synthesized offline."""
    from improv.midi.synth import render_wav

    bars = 32 if args.bars is None else args.bars
    metre = band.beats_per_bar
    total = bars + int(band.lead_in // metre)  # after the count-in, if any
    beats = total * metre
    counts = {"melody": 0}

    def notes():  # bar by bar, in start order: a long render streams
        later = []  # a chord's later hits come with it; they wait for their bar
        for bar in range(1, total + 1):
            until = bar * metre
            fresh = sorted(later + band.advance(until), key=lambda n: n.start)
            later = [n for n in fresh if n.start >= until]
            for note in fresh:
                if note.start < min(until, beats):
                    counts["melody"] += note.part == "melody"
                    yield note

    started = time.perf_counter()
    done = render_wav(notes(), args.out, tempo=cfg.tempo, beats=beats, settings=cfg.synth,
                      programs=programs(cfg))
    spent = time.perf_counter() - started
    if not args.quiet:
        melody = counts["melody"]
        print(f"improv: wrote {args.out}: {bars} bars at {cfg.tempo:g} BPM, "
              f"{done['seconds']:.1f} s of audio in {spent:.2f} s "
              f"({done['seconds'] / max(spent, 1e-9):.0f}x real time), peak "
              f"{done['peak_dbfs']:.1f} dBFS, {melody} melody notes, seed {seed}{player}",
              file=sys.stderr)
    return 0
