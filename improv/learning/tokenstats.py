"""Figures about a stream of grammar values: type shares, frequencies, the round trip.

Pure functions (no I/O), so ``improv tokens``, the tests and the benchmark share them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from improv.language.grammar import (
    TYPES,
    PitchLimits,
    decode,
    parse_value,
    quantize_duration,
)
from improv.language.harmony import note_type

WIDE = PitchLimits(0, 127)  # wide enough that any corpus note is a candidate


def type_shares(values) -> dict[str, float]:
    """The share (0 … 1) of each type C/S/A/X/R among ``values`` (value strings)."""
    counts = Counter(v[0] for v in values)
    total = sum(counts.values())
    return {t: (counts[t] / total if total else 0.0) for t in TYPES}


def most_frequent(values, n: int = 10) -> list[tuple[str, int]]:
    """The ``n`` commonest values with their counts, ties in first-seen order."""
    return Counter(values).most_common(n)


@dataclass(frozen=True)
class RoundTrip:
    """How many notes survived encode → decode (same type, inside the range), and how
    many rests decoded back to rests."""

    notes: int
    notes_passed: int
    rests: int = 0
    rests_passed: int = 0
    failures: tuple[str, ...] = ()  # the first few, described

    @property
    def percent(self) -> float:
        """The figure reported: the share of pitched notes that pass."""
        return 100.0 * self.notes_passed / self.notes if self.notes else 100.0

    @property
    def ok(self) -> bool:
        return self.notes_passed == self.notes and self.rests_passed == self.rests


def _check(event, rng, limits) -> str | None:
    """Why ``event`` fails the round trip, or None when it passes."""
    value = parse_value(event.value)
    if abs(value.duration - quantize_duration(event.duration)) > 1e-3:
        return f"duration {event.duration} stored as {value.duration}"
    if event.pitch is None:
        return None if value.is_rest and decode(value, event.chord, None, rng, limits) is None \
            else f"rest stored as {event.value}"
    if value.kind != note_type(event.pitch, event.chord):
        return f"pitch {event.pitch} over {event.chord.name} is not type {value.kind}"
    previous = event.previous if value.lo is not None else None
    if value.lo is not None:
        if previous is None:
            return f"{event.value} has a range but no previous pitch"
        if not previous + value.lo <= event.pitch <= previous + value.hi:
            return f"pitch {event.pitch} is outside {event.value} after {previous}"
    got = decode(value, event.chord, previous, rng, limits)
    if got is None or note_type(got, event.chord) != value.kind:
        return f"{event.value} over {event.chord.name} decoded to {got}, of another type"
    if previous is not None and not previous + value.lo <= got <= previous + value.hi:
        return f"{event.value} after {previous} decoded to {got}, outside the range"
    return None


def round_trip(events, seed: int = 0, limits: PitchLimits = WIDE, keep: int = 5) -> RoundTrip:
    """Encode-then-decode check of every pitched note in ``events``.

    Each event needs ``pitch`` (None for a rest), ``duration``, ``chord``, ``value``
    (the stored value string) and ``previous`` (the last pitched note before it); see
    :class:`improv.learning.corpus.Event`. A note passes when its stored value matches it and
    decoding that value with the same chord and previous pitch gives a pitch of the
    same type inside the interval range; a rest passes when it decodes to a rest.
    """
    rng = np.random.default_rng(seed)
    counts = [0, 0, 0, 0]  # notes, notes passed, rests, rests passed
    failures = []
    for event in events:
        why = _check(event, rng, limits)
        slot = 0 if event.pitch is not None else 2
        counts[slot] += 1
        counts[slot + 1] += why is None
        if why is not None and len(failures) < keep:
            failures.append(f"at quarter {event.offset:g}: {why}")
    return RoundTrip(*counts, tuple(failures))
