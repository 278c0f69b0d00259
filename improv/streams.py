"""Child random streams: a part's side draws (its feel, its register, its motifs) come
from generators of their own, so switching one off never moves the part's own stream."""

from __future__ import annotations

import numpy as np


def child_stream(rng, key: int) -> np.random.Generator:
    """A generator spawned from ``rng``'s seed (its ``SeedSequence`` with ``key`` as one
    more spawn key); from ``key`` alone when ``rng`` has no seed sequence (a fake)."""
    seq = getattr(getattr(rng, "bit_generator", None), "seed_seq", None)
    if isinstance(seq, np.random.SeedSequence):
        return np.random.default_rng(np.random.SeedSequence(
            seq.entropy, spawn_key=(*seq.spawn_key, key)))
    return np.random.default_rng(key)
