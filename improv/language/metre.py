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


def strong_beats(beats_per_bar: int) -> tuple[int, ...]:
    """Beats (0-based within the bar) that begin a group: 0 always; 2 in 4/4 (the
    backbeat of a four-beat bar's second half); the group starts of longer bars."""
    if int(beats_per_bar) == 4:
        return (0, 2)
    starts, at = [], 0
    for size in groups(beats_per_bar):
        starts.append(at)
        at += size
    return tuple(starts)
