"""Figures about a long stream of value indices: has it drifted, has it fallen into a loop?

Used by ``benchmarks/endless.py`` and the tests of the endless policy.
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


def longest_repeat(indices, cap: int = 1000) -> int:
    """Length of the longest run of values that occurs at least twice (overlaps allowed),
    up to ``cap`` (a looping stream repeats for as long as it loops)."""
    seq = np.asarray(indices, dtype=np.int32)
    data = seq.tobytes()

    def repeats(length: int) -> bool:
        seen = set()
        width = 4 * length
        for start in range(0, len(data) - width + 1, 4):
            chunk = data[start:start + width]
            key = hash(chunk)  # 64-bit: a false match among 10^4 windows is ~1e-11
            if key in seen:
                return True
            seen.add(key)
        return False

    lo, hi = 0, min(len(seq) - 1, cap)  # lo repeats (trivially 0); find the largest that does
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if repeats(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo
