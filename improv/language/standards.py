"""A few standard chord progressions by name, for ``improv eval`` and its benchmark.

Written here from the changes every jazz musician knows (chord progressions are common
property); lead-sheet files of whole tunes are the chart reader's job.
"""

from __future__ import annotations

STANDARDS = {
    # the 12-bar jazz blues in F (the daemon's default)
    "blues": "F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 | D7 | Gm7 | C7 | F7 D7 | Gm7 C7",
    # rhythm changes in Bb: AABA, 32 bars
    "rhythm-changes": " | ".join(
        ["Bb6 G7 | Cm7 F7 | Bb6 G7 | Cm7 F7 | Bb7 | Eb6 Edim7 | Bb6 F7 | Bb6"] * 2
        + ["D7 | D7 | G7 | G7 | C7 | C7 | F7 | F7"]
        + ["Bb6 G7 | Cm7 F7 | Bb6 G7 | Cm7 F7 | Bb7 | Eb6 Edim7 | Bb6 F7 | Bb6"]),
    # a 16-bar minor tune of ii-V's (the changes of a well-known bossa in C minor)
    "minor-ii-v": "Cm7 | Cm7 | Fm7 | Fm7 | Dm7b5 | G7alt | Cm7 | Cm7 | Ebm7 | Ab7 | Dbmaj7 | "
                  "Dbmaj7 | Dm7b5 | G7alt | Cm7 | Dm7b5 G7alt",
    # Coltrane changes: a key centre every two beats
    "giant-steps": "Bmaj7 D7 | Gmaj7 Bb7 | Ebmaj7 | Am7 D7 | Gmaj7 Bb7 | Ebmaj7 F#7 | Bmaj7 | "
                   "Fm7 Bb7 | Ebmaj7 | Am7 D7 | Gmaj7 | C#m7 F#7 | Bmaj7 | Fm7 Bb7 | Ebmaj7 | "
                   "C#m7 F#7",
}


def progression_text(spec: str) -> str:
    """A standard's chords by its name, or ``spec`` itself (chord symbols)."""
    return STANDARDS.get(spec.strip().lower(), spec)
