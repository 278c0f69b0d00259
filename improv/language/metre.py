"""How a bar of N quarter-note beats groups and where it leans (pure).

Odd and long metres are felt in groups of two and three beats: 5/4 as 3+2 (the
feel of the best-known 5/4 jazz tune), 6/4 as 3+3, 7/4 as 4+3, 8/4 as 3+3+2, 9/4 as
3+3+3; 2/4, 3/4 and 4/4 are one group. The first beat of each group is strong: it gets
the accent and a comping hit.
"""

from __future__ import annotations

_GROUPS = {2: (2,), 3: (3,), 4: (4,), 5: (3, 2), 6: (3, 3), 7: (4, 3), 8: (3, 3, 2),
           9: (3, 3, 3)}


def groups(beats_per_bar: int) -> tuple[int, ...]:
    """The bar's beat groups, in beats (one group of the whole bar for other lengths)."""
    return _GROUPS.get(int(beats_per_bar), (int(beats_per_bar),))


def group_starts(beats_per_bar: int) -> tuple[int, ...]:
    """Beats (0-based within the bar) where a group begins: 0, then each later group."""
    starts, at = [], 0
    for size in groups(beats_per_bar):
        starts.append(at)
        at += size
    return tuple(starts)


def strong_beats(beats_per_bar: int) -> tuple[int, ...]:
    """Beats that take an accent: each group's first, and 3 of 4/4 (the second half of a
    four-beat bar leans too, though it is felt as one group)."""
    return (0, 2) if int(beats_per_bar) == 4 else group_starts(beats_per_bar)
