"""Grace notes as the Weimar players play them: a quick note just before a note (pure).

At a ballad tempo the players slip a grace note in before one note in sixteen that has
room for it (a quarter beat or more after the one before), mostly from a semitone or a
whole step below, a twelfth of a beat ahead of it; from 150 BPM on hardly ever. The
model's shortest value is a sixth of a beat, so without them improv had none of the
players' notes under a tenth of a beat apart (a twentieth of their intervals under 110
BPM). The table (``grace`` in ``data/feel/wjazzd.json``) is learned by
:func:`improv.learning.timefeel.grace_table`; :func:`grace_before` draws from it with the
performer's own generator, so a seed plays the same graces every time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_LEAD = 1 / 48  # beats a grace sounds, at least: less and it is left out
MAX_LEAD = 1 / 8  # beats a grace may come ahead of its note, at most (the players' 0.1)
WIDEST = 12  # semitones from a grace to its note, at most


@dataclass(frozen=True)
class Graces:
    """``rate[band]`` of the notes with ``room`` beats before them take a grace, ``lead``
    beats ahead (quantiles at the table's levels, per band; None: the pooled band's), a
    grace ``interval[k]`` semitones below its note with ``share[k]``."""

    room: float
    rate: tuple[float, ...]  # per tempo band, the last all tempos
    lead: tuple  # per tempo band: quantiles or None
    interval: tuple[int, ...]
    share: tuple[float, ...]

    @classmethod
    def from_dict(cls, data: dict, bands: int, levels: int) -> Graces | None:
        """The table's ``grace`` (None: too few graces in the corpus to play any);
        ValueError where it is not the documented shape."""
        rate = tuple(float(x) for x in data["rate"])
        lead = tuple(None if q is None else tuple(float(x) for x in q) for q in data["lead"])
        interval = tuple(int(x) for x in data["interval"])
        share = tuple(float(x) for x in data["share"])
        room = float(data["room"])
        if len(rate) != bands or len(lead) != bands or len(interval) != len(share) or \
                not 0 < room <= 4 or not all(0 <= x <= 1 for x in (*rate, *share)) or \
                any(q is not None and (len(q) != levels or any(b < a for a, b in zip(q, q[1:]))
                                       or not all(0 < x <= MAX_LEAD for x in q)) for q in lead) or \
                not all(0 < abs(i) <= WIDEST for i in interval) or \
                (lead[-1] is not None and not 0.99 < sum(share) < 1.01):
            raise ValueError("the grace notes' table is not rates, rising leads (at most "
                             f"{MAX_LEAD:g} beat) and intervals (1-{WIDEST} semitones) by band")
        return None if lead[-1] is None else cls(room, rate, lead, interval, share)


def grace_before(graces: Graces, band: int, levels, on: float, gap: float | None,
                 free_from: float, pitch: int, low: int, high: int, amount: float,
                 rng) -> tuple[float, int] | None:
    """(start, pitch) of a grace before the note played from ``on`` (beats) at ``pitch``,
    ``gap`` beats after the onset before it (None: none), or None: drawn at the band's
    rate (times ``amount``) where there is room, starting no earlier than ``free_from``
    (where the note before lets go), its pitch inside ``low..high`` (the interval the
    other way where it would leave them; none where both would)."""
    if gap is None or gap < graces.room or rng.random() >= amount * graces.rate[band]:
        return None
    cell = graces.lead[band] if graces.lead[band] is not None else graces.lead[-1]
    lead = float(np.interp(rng.random(), levels, cell))
    start = max(on - lead, free_from)
    if on - start < MIN_LEAD:
        return None
    k = int(np.searchsorted(np.cumsum(graces.share), rng.random() * sum(graces.share),
                            side="right"))
    step = graces.interval[min(k, len(graces.interval) - 1)]
    for grace in (pitch - step, pitch + step):
        if low <= grace <= high:
            return start, grace
    return None
