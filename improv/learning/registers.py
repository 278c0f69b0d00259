"""The registers of the Weimar solos: a solo's range and the ranges of its phrases.

Pure functions over the melody tables (``melody/NAME.csv``: pitch, onset and duration
in seconds, ``beatdur`` the length of the beat there). A phrase ends where the silence
from one note's end to the next note's onset is at least one beat (``beatdur`` of the
note before). Per solo: its range, the 5th to 95th percentile of its pitches; per
phrase: its range (highest minus lowest pitch), its centre (halfway between them)
relative to the solo's median pitch, and the move of that centre from the phrase before.
What :mod:`improv.language.register` keeps as constants comes from :func:`measure` over the
456 solos (``python -m improv.learning.registers [WJAZZD_DIR]``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from improv.learning.wjd import read_rows, solo_paths

GAP_BEATS = 1.0  # silence, in beats, that ends a phrase


@dataclass(frozen=True)
class SoloRegister:
    span: float  # p95 - p5 of the solo's pitches
    median: float
    distinct: int  # distinct pitches
    top: int  # highest pitch
    compass: int  # highest - lowest pitch
    phrase_ranges: tuple[int, ...]  # max - min of each phrase
    phrase_centres: tuple[float, ...]  # (max + min) / 2 - the solo's median, in order
    phrase_sizes: tuple[int, ...]  # notes in each phrase


def phrases(rows) -> list[list[int]]:
    """The pitches of each phrase of a melody table's rows (in onset order)."""
    notes = sorted((float(r["onset"]), float(r["duration"]), float(r["beatdur"] or 0.5),
                    round(float(r["pitch"]))) for r in rows if r.get("pitch"))
    out: list[list[int]] = []
    end = beat = None
    for onset, duration, beatdur, pitch in notes:
        if end is None or onset - end >= GAP_BEATS * (beat if beat > 0 else 0.5):
            out.append([])
        out[-1].append(pitch)
        end, beat = onset + duration, beatdur
    return out


def solo_register(rows) -> SoloRegister | None:
    """The register figures of one solo's melody rows (None without notes)."""
    groups = phrases(rows)
    pitches = np.array([p for g in groups for p in g], dtype=float)
    if not len(pitches):
        return None
    median = float(np.median(pitches))
    lo, hi = np.percentile(pitches, [5, 95])
    return SoloRegister(
        span=float(hi - lo), median=median, distinct=len(set(pitches.tolist())),
        top=int(pitches.max()), compass=int(pitches.max() - pitches.min()),
        phrase_ranges=tuple(max(g) - min(g) for g in groups),
        phrase_centres=tuple((max(g) + min(g)) / 2 - median for g in groups),
        phrase_sizes=tuple(len(g) for g in groups))


def quantiles(values, qs=(10, 25, 50, 75, 90)) -> dict[int, float]:
    values = np.asarray(list(values), dtype=float)
    return {q: round(float(np.percentile(values, q)), 2) for q in qs}


def measure(folder: Path) -> dict[str, dict[int, float]]:
    """Quantiles (p10, p25, p50, p75, p90) over the solos in ``folder`` (a Weimar Jazz
    Database folder) of: solo span (p5..p95), compass (max - min), distinct pitches,
    top note, median pitch; phrase range and centre
    (all phrases, and those of 3 notes or more); the centre's move between phrases."""
    solos = [s for s in (solo_register(read_rows(p)) for p in solo_paths(Path(folder))) if s]
    ranges = [r for s in solos for r in s.phrase_ranges]
    moves = [b - a for s in solos for a, b in zip(s.phrase_centres, s.phrase_centres[1:])]
    return {
        "solos": {0: float(len(solos))},
        "solo span p5-p95": quantiles(s.span for s in solos),
        "solo compass max-min": quantiles(s.compass for s in solos),
        "solo distinct pitches": quantiles(s.distinct for s in solos),
        "solo top note": quantiles(s.top for s in solos),
        "solo median pitch": quantiles(s.median for s in solos),
        "phrase range": quantiles(ranges),
        "phrase range (>= 3 notes)": quantiles(
            r for s in solos for r, n in zip(s.phrase_ranges, s.phrase_sizes) if n >= 3),
        "phrase centre - solo median": quantiles(c for s in solos for c in s.phrase_centres),
        "centre move": quantiles(moves),
        "|centre move|": quantiles(abs(m) for m in moves),
        "phrases": {0: float(len(ranges))},
    }


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parents[3] / "shared" / "corpus" / "wjazzd"
    for name, qs in measure(folder).items():
        print(f"{name:30s} " + "  ".join(f"p{q}={v:g}" for q, v in qs.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
