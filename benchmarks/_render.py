"""improv's side of benchmarks/discriminator.py: render the soloist over given changes.

Only ``improv`` and the standard library are imported, so the same file renders with
another checkout (``--repo``): run as a script with PYTHONPATH set to that checkout, it
reads the jobs as JSON on stdin and writes the notes as JSON on stdout.

A job: ``{"name", "seed", "tempo", "metre", "bars": [[[beat, symbol], ...], ...]}``
(each bar's chord changes, beat 0 first), and for the time feel alone ``"solo"`` (whose
style) and ``"line"`` (that Weimar solo's written line, ``[[start, end, pitch], ...]``).
Its notes: ``[[start, end, pitch], ...]`` in beats from the top, as
:func:`improv.commands.evaluate.render` hands them to MIDI (swing applied), melody only,
comping off; on the grid and unswung for the written side (:data:`SIDES`).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from fractions import Fraction
from pathlib import Path


def _chord(symbol: str):
    from improv.errors import ChordError
    from improv.language.harmony import NO_CHORD, parse_chord

    try:
        return parse_chord(symbol)
    except ChordError:
        return NO_CHORD


def chart_of(job: dict):
    """The job's changes as a lead-sheet chart in its metre (no sections, no tempo)."""
    from improv.language.leadsheet import Chart, ChartBar

    bars = tuple(ChartBar(tuple((Fraction(beat), _chord(sym)) for beat, sym in bar))
                 for bar in job["bars"])
    return Chart(bars, int(job["metre"]))


def tempo_range() -> tuple[float, float]:
    try:
        from improv.timing.tempo import MAX_TEMPO, MIN_TEMPO
    except ImportError:  # an older checkout
        return 20.0, 400.0
    return MIN_TEMPO, MAX_TEMPO


def band_names(edges) -> list[str]:
    """A label for each tempo band between ``edges`` (BPM): under the first, between
    each pair, the last and over."""
    return ([f"under {edges[0]:.0f}"] + [f"{a:.0f}-{b:.0f}" for a, b in zip(edges, edges[1:])]
            + [f"{edges[-1]:.0f} and over"])


# What improv plays against the players, and what the comparison then measures
SIDES = {
    "performed": "the players' performances against improv's as it goes to MIDI (the "
                 "model, the sampler and the time feel together)",
    "written": "the players' written lines against improv's on the grid, unswung (the "
               "model and the sampler alone)",
    "timefeel": "the players' performances against their own written lines played by "
                "improv's time feel, each in its soloist's style (the time feel alone)"}
PHRASE_REST = 1  # beats of rest before a note of a written line that start a new phrase


def render_jobs(jobs: list[dict], config: str | None,
                sides: str = "performed") -> dict[str, list[list[float]]]:
    """Each job's melody with the default model and ``config`` (comping off), as
    ``sides`` says (:data:`SIDES`)."""
    from improv.commands.evaluate import render, settings_for

    lo, hi = tempo_range()
    out = {}
    for job in jobs:
        cfg = settings_for(config, tempo=min(max(job["tempo"], lo), hi), seed=job["seed"])
        if sides == "timefeel":
            out[job["name"]] = perform_line(job, cfg)
            continue
        if sides == "written":
            cfg = replace(cfg, feel=replace(cfg.feel, timing="grid", swing=0.0))
        notes, _ = render(cfg, len(job["bars"]), chart_of(job))
        out[job["name"]] = [[float(n.start), float(n.end), int(n.pitch)] for n in notes]
    return out


def perform_line(job: dict, cfg) -> list[list[float]]:
    """The job's written line as improv's time feel plays it (the melody's way: each
    note's onset and length, a grace note before it, a run on through quicker notes) in
    the style of the job's soloist, at ``cfg``'s amount, seeded by the job."""
    import numpy as np

    from improv.performance import performer, timefeel

    line = [(Fraction(a).limit_denominator(48), Fraction(b).limit_denominator(48), int(p))
            for a, b, p in job["line"]]
    perf = performer.Performer(timefeel.shipped(), np.random.default_rng(job["seed"]),
                               job.get("solo"))
    tempo, amount = cfg.feel.tempo, cfg.feel.amount  # the clamped tempo, as rendered
    low, high = cfg.melody.low, cfg.melody.high
    out, written_end = [], None
    for k, (start, end, pitch) in enumerate(line):
        if written_end is not None and start - written_end >= PHRASE_REST:
            perf.new_phrase()
        after = line[k + 1] if k + 1 < len(line) else None
        rest = after is None or after[0] > end
        span = None if after is None else (after[0] - end if rest else after[1] - after[0])
        perf.perform(start, end, tempo, amount, rest, next_span=span)
        grace = perf.grace(pitch, tempo, amount, low, high)
        out += [] if grace is None else [list(grace)]
        out += [list(n) for n in perf.run(pitch, None if rest else after[2], tempo, amount,
                                          low, high)]
        written_end = end
    return [[float(a), float(b), int(p)] for a, b, p in out]


def main() -> int:
    config = sys.argv[1] if len(sys.argv) > 1 and Path(sys.argv[1]).is_file() else None
    sides = sys.argv[2] if len(sys.argv) > 2 else "performed"
    json.dump(render_jobs(json.load(sys.stdin), config, sides), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
