"""Figures about a long stream: has it drifted, has it fallen into a loop, what repeats?

Used by ``benchmarks/endless.py`` and the tests of the endless policy (value indices),
and by :mod:`improv.analysis.solostats` (the longest phrase a solo plays twice, as pitches).
"""

from __future__ import annotations

import numpy as np


def distribution(indices, n_values: int) -> np.ndarray:
    counts = np.bincount(np.asarray(indices, dtype=np.int64), minlength=n_values)
    return counts / max(counts.sum(), 1)


def total_variation(a, b, n_values: int) -> float:
    """Half the L1 distance between the value histograms of two index sequences (0..1)."""
    return 0.5 * float(np.abs(distribution(a, n_values) - distribution(b, n_values)).sum())


def tail_period(indices, window: int = 2000, max_period: int | None = None) -> int | None:
    """The smallest p such that the last ``window`` values repeat with period p, or None.

    A stream stuck in a loop (greedy sampling loops with period 6 in the seeds) has one;
    a healthy stochastic stream has none.
    """
    tail = np.asarray(indices, dtype=np.int64)[-window:]
    limit = len(tail) // 2 if max_period is None else min(max_period, len(tail) // 2)
    for p in range(1, limit + 1):
        if np.array_equal(tail[p:], tail[:-p]):
            return p
    return None


def repeated_run(seq, *, overlap: bool = True, cap: int | None = None) -> tuple:
    """The longest run of consecutive items of ``seq`` that occurs at least twice.

    ``seq`` is any sequence of hashable items (value indices, MIDI pitches, grammar
    values). With ``overlap`` the two occurrences may share items (``5 5 5 5`` holds
    ``5 5 5`` twice: what a looping stream shows); without it they may not (``5 5``:
    what a listener hears as a phrase played again). The run is at most ``cap`` long,
    if given. Of the runs of that length, the one whose second occurrence comes first
    is returned; ``()`` when nothing repeats.

    Binary search on the length (a repeat of length L contains one of every shorter
    length, in both senses), each probe one pass over the windows keyed by their bytes'
    hash, every hash match checked item by item: O(n log n) window hashes, exact.
    """
    items = list(seq)
    codes: dict = {}
    data = np.fromiter((codes.setdefault(x, len(codes)) for x in items), np.int32,
                       len(items)).tobytes()  # equal items, equal 4-byte codes
    n = len(items)
    hi = n - 1 if overlap else n // 2
    if cap is not None:
        hi = min(hi, cap)

    def first_pair(length: int) -> int | None:
        """Start of a run of ``length`` that occurs again as allowed, else None."""
        width = 4 * length
        # hash -> earliest start of each distinct window with that hash (almost always one)
        seen: dict[int, list[int]] = {}
        for j in range(n - length + 1):
            window = data[4 * j:4 * j + width]
            starts = seen.setdefault(hash(window), [])
            for i in starts:
                if data[4 * i:4 * i + width] == window:
                    if overlap or j - i >= length:
                        return i
                    break  # i is its earliest occurrence: a later j may still be far enough
            else:
                starts.append(j)
        return None

    lo, found = 0, 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        start = first_pair(mid)
        if start is None:
            hi = mid - 1
        else:
            lo, found = mid, start
    return tuple(items[found:found + lo])


def longest_repeat(indices, cap: int = 1000, *, overlap: bool = True) -> int:
    """Length of :func:`repeated_run` (overlaps allowed by default), up to ``cap`` (a
    looping stream repeats for as long as it loops)."""
    return len(repeated_run(indices, overlap=overlap, cap=cap))
