"""Short notes by tempo, both sides of the discriminator's pairs: the share of notes
sounding under 0.3 beat, Weimar against improv over the same solos' changes, in three
tempo bands. Players fill a ballad's beats with sixteenths and a fast tune's with
eighths; a model deaf to the tempo plays the same lengths at every tempo."""

from __future__ import annotations

import numpy as np

SHORT = 0.3  # beats
BANDS = ((0.0, 150.0, "under 150 BPM"), (150.0, 220.0, "150-220 BPM"), (220.0, 1e9, "over 220 BPM"))


def short_notes(read, rendered) -> list[dict]:
    """Per tempo band: solos, and the share of short notes on each side."""
    counts = {name: [0, 0, 0, 0, 0] for _lo, _hi, name in BANDS}  # solos, W short, W, i short, i
    for weimar, job, _empty in read:
        name = next(n for lo, hi, n in BANDS if lo <= job["tempo"] < hi)
        row = counts[name]
        row[0] += 1
        for k, notes in ((1, weimar.notes), (3, np.asarray(rendered[job["name"]], float))):
            notes = notes.reshape(-1, 3)
            row[k] += int((notes[:, 1] - notes[:, 0] < SHORT).sum())
            row[k + 1] += len(notes)
    return [{"tempo": name, "solos": r[0], "weimar": r[1] / max(r[2], 1),
             "improv": r[3] / max(r[4], 1)} for name, r in counts.items()]


def print_short_notes(rows: list[dict]) -> None:
    print(f"\nnotes under {SHORT} beat, as played   solos  Weimar  improv")
    for r in rows:
        print(f"  {r['tempo']:<32}{r['solos']:>6}{r['weimar']:>8.1%}{r['improv']:>8.1%}")
