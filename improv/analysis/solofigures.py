"""Musical figures of a melody, the same for a generated solo and a transcribed one.

A melody here is its notes as ``(start, end, pitch, chord)`` in beats, the chord the
one sounding at the note's start, over ``length`` beats. ``improv eval`` puts the
figures of a rendered solo beside the p10-p90 band of the same figures over the Weimar
solos, computed by this same code, so the two are comparable by construction.
"""

from __future__ import annotations

from typing import Sequence

from improv.analysis.streamstats import repeated_run
from improv.language.harmony import Chord, note_type

# (key, label, format): the order improv eval prints them in
FIGURES = (
    ("chord_tones", "chord tones of the chord sounding", "{:.1%}"),
    ("scale_tones", "scale tones (chord tones included)", "{:.1%}"),
    ("repeated", "notes repeating the previous pitch", "{:.1%}"),
    ("mean_interval", "mean |interval|, semitones", "{:.2f}"),
    ("leaps", "intervals over an octave", "{:.1%}"),
    ("notes_per_beat", "notes per beat", "{:.2f}"),
    ("silence", "time silent", "{:.1%}"),
    ("distinct_pitches", "distinct pitches", "{:.0f}"),
    ("longest_repeat", "longest repeated phrase, notes", "{:.0f}"),
    ("distinct_8grams", "8-note pitch lines heard once", "{:.1%}"),
)

Melody = Sequence[tuple[float, float, int, Chord]]


def solo_figures(notes: Melody, length: float) -> dict[str, float]:
    """Every figure of :data:`FIGURES` (NaN-free: a melody of no notes is all zeros)."""
    notes = sorted(notes, key=lambda n: (n[0], -n[2]))
    if not notes or length <= 0:
        return {key: 0.0 for key, _, _ in FIGURES} | {"silence": 1.0}
    pitches = [n[2] for n in notes]
    types = [note_type(p, chord) for _, _, p, chord in notes]
    steps = [b - a for a, b in zip(pitches, pitches[1:])]
    sounding, reach = 0.0, float("-inf")  # the union of the notes' spans
    for start, end, _, _ in notes:
        start, end = max(start, reach), min(end, length)
        if end > start:
            sounding += end - start
            reach = end
    count = len(notes)
    return {
        "chord_tones": types.count("C") / count,
        "scale_tones": (types.count("C") + types.count("S")) / count,
        "repeated": sum(s == 0 for s in steps) / max(len(steps), 1),
        "mean_interval": sum(abs(s) for s in steps) / max(len(steps), 1),
        "leaps": sum(abs(s) > 12 for s in steps) / max(len(steps), 1),
        "notes_per_beat": count / length,
        "silence": max(0.0, 1.0 - sounding / length),
        "distinct_pitches": float(len(set(pitches))),
        "longest_repeat": float(len(repeated_run(pitches, overlap=False))),
        "distinct_8grams": distinct_share(pitches, 8),
    }


def distinct_share(pitches: Sequence[int], n: int) -> float:
    """The share of the line's ``n``-note pitch runs that differ from every other
    (1 for a line too short to hold one): players reuse licks, so theirs is below 1."""
    grams = [tuple(pitches[i:i + n]) for i in range(len(pitches) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 1.0


def band(figures: Sequence[dict[str, float]], low: float = 10, high: float = 90
         ) -> dict[str, tuple[float, float]]:
    """The ``low``-``high`` percentile band of each figure over many melodies."""
    import numpy as np

    return {key: (float(np.percentile([f[key] for f in figures], low)),
                  float(np.percentile([f[key] for f in figures], high)))
            for key, _, _ in FIGURES}
