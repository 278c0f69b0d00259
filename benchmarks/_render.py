"""improv's side of benchmarks/discriminator.py: render the soloist over given changes.

Only ``improv`` and the standard library are imported, so the same file renders with
another checkout (``--repo``): run as a script with PYTHONPATH set to that checkout, it
reads the jobs as JSON on stdin and writes the notes as JSON on stdout.

A job: ``{"name", "seed", "tempo", "metre", "bars": [[[beat, symbol], ...], ...]}``
(each bar's chord changes, beat 0 first). Its notes: ``[[start, end, pitch], ...]`` in
beats from the top, as :func:`improv.commands.evaluate.render` hands them to MIDI (swing
applied), melody only, comping off.
"""

from __future__ import annotations

import json
import sys
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


def render_jobs(jobs: list[dict], config: str | None) -> dict[str, list[list[float]]]:
    """Each job's melody with the default model and ``config`` (comping off)."""
    from improv.commands.evaluate import render, settings_for

    lo, hi = tempo_range()
    out = {}
    for job in jobs:
        cfg = settings_for(config, tempo=min(max(job["tempo"], lo), hi), seed=job["seed"])
        notes, _ = render(cfg, len(job["bars"]), chart_of(job))
        out[job["name"]] = [[float(n.start), float(n.end), int(n.pitch)] for n in notes]
    return out


def main() -> int:
    config = sys.argv[1] if len(sys.argv) > 1 and Path(sys.argv[1]).is_file() else None
    json.dump(render_jobs(json.load(sys.stdin), config), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
