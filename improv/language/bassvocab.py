"""The walking bass's words: one token per beat, and the context of each beat (pure).

A bass model (``model.json`` ``"features": "bass-v1"``, ``"part": "bass"``) reads at every
beat the token of the beat before and the context of the beat to come, and predicts
the token of that beat. It is the soloist's architecture (:mod:`improv.model`) with its
own vocabulary and context.

Token ``"I:S"``, one per beat with a bass note:

``I``  the note's pitch class as an interval above the sounding chord's root, 0-11.
       Relative to the chord, so a ii-V-I line is the same words in every key, and the
       root (0) and fifth (7) of a change are single words the rules can check.
``S``  the step from the previous bass note in semitones, folded into -7..+7 (a step
       of 8 or more is the same pitch class reached the short way: the Weimar bass
       estimates jump an octave by mistake about as often as players do it on purpose,
       so an octave counts as a repeat), or ``n`` when there is no previous note (the
       first note, or the first after beats with no estimate). ``I`` and the previous
       note's pitch class fix ``S`` modulo 12; ``S`` adds the direction (a fourth up or a
       fifth down).

The realised pitch is the one of pitch class ``I`` nearest to the previous note plus
``S`` (:func:`realise`), within the part's range.

Context, seven groups, each exactly one-hot (as :mod:`improv.language.context`):

``family``  the chord's family (maj, min, dom, half-dim, dim, aug, sus, nc)
``motion``  the root's step from the previous different chord, 0-11 up, or 12 (none)
``beat``    the beat of the bar (1-6, later beats count as 6)
``metre``   beats in the bar: 3 or fewer, 4, 5 or more
``since``   whole beats since this chord arrived: 0 (a change: this beat), 1, 2, 3+
``until``   beats until the next different chord: 1, 2, 3, 4 or more / none
``next``    the next different chord's root above this chord's root, 0-11, or 12 (none,
            or N.C.): where a walking line is heading on the last beat of a chord
"""

from __future__ import annotations

import re

from improv.language import context
from improv.language.harmony import Chord

NAME = "bass-v1"
PART = "bass"  # model.json's "part" for a bass model (a soloist's says "melody" or nothing)
STEP = 7  # steps are folded into -STEP..+STEP
NO_STEP = "n"
GROUPS = (("family", len(context.FAMILIES)), ("motion", 13), ("beat", 6), ("metre", 3),
          ("since", 4), ("until", 4), ("next", 13))
N_GROUPS = len(GROUPS)
OFFSETS = tuple(sum(size for _name, size in GROUPS[:k]) for k in range(N_GROUPS))
N_FEATURES = sum(size for _name, size in GROUPS)
_NONE = 12
_TOKEN = re.compile(r"(\d{1,2}):([+-]\d|0|n)")


def fold(step: int) -> int:
    """A step in semitones folded into -7..+7 by whole octaves (12 → 0, 8 → -4)."""
    step = int(step)
    return step if -STEP <= step <= STEP else step - 12 * round(step / 12)


def token(interval: int, step: int | None) -> str:
    """The word of a note ``interval`` above the chord's root (mod 12), ``step``
    semitones from the note before (folded; None: no note before)."""
    s = NO_STEP if step is None else fold(step)
    return f"{interval % 12}:{s if s == NO_STEP or s == 0 else f'{s:+d}'}"


def parse_token(text: str) -> tuple[int, int | None]:
    """``(interval, step)`` of a word (step None for ``n``); ValueError if it is none."""
    match = _TOKEN.fullmatch(str(text))
    if not match or not 0 <= int(match.group(1)) <= 11:
        raise ValueError(f"{text!r} is not a bass word (interval 0-11 ':' step -7..+7 or n)")
    step = match.group(2)
    if step != NO_STEP and not -STEP <= int(step) <= STEP:
        raise ValueError(f"{text!r}: the step must be within -{STEP}..+{STEP}")
    return int(match.group(1)), None if step == NO_STEP else int(step)


def order_key(text: str):
    """A stable vocabulary order: by interval, then step (n first)."""
    interval, step = parse_token(text)
    return interval, -99 if step is None else step


def note_token(pitch: int, root: int, previous: int | None) -> str:
    """The word of ``pitch`` over a chord on ``root`` after ``previous`` (or none)."""
    return token(pitch - root, None if previous is None else pitch - previous)


def realise(interval: int, step: int | None, root: int, previous: int | None,
            low: int, high: int) -> int:
    """The pitch of a word: pitch class ``root + interval``, the one nearest to
    ``previous + step`` in ``low..high`` (nearest the middle of the range when there is
    no note before; the lower of two equally near). The range must span an octave."""
    pc = (root + interval) % 12
    if previous is None:
        target = (low + high) // 2
    else:
        target = previous + (step or 0)
    first = low + (pc - low) % 12
    candidates = range(first, high + 1, 12)
    return min(candidates, key=lambda p: (abs(p - target), p))


def fifth_of(chord: Chord) -> int:
    """The chord's fifth above its root: 7, or 6 / 8 where the chord holds that instead
    (half-diminished, diminished, augmented)."""
    intervals = {(pc - chord.root) % 12 for pc in chord.tones}
    return next((i for i in (7, 6, 8) if i in intervals), 7)


def _slot(beats, top: int) -> int:
    return top if beats is None else min(max(int(beats), 0), top)


def features(chord: Chord, previous: Chord | None, following: Chord | None, in_bar: int,
             beats_per_bar: int, since: int, until) -> tuple[int, ...]:
    """The seven active indices of a beat: ``chord`` sounding, the different chord
    before it and after it (None: none), the beat of the bar (0-based), the metre,
    whole beats since ``chord`` arrived and until the next (None: never)."""
    if following is None or following.quality == "nc" or chord.quality == "nc":
        heading = _NONE
    else:
        heading = (following.root - chord.root) % 12
    metre = 0 if beats_per_bar <= 3 else (1 if beats_per_bar == 4 else 2)
    until_slot = 3 if until is None or until >= 4 else max(int(until), 1) - 1
    slots = (context.chord_family(chord), context.motion(chord, previous),
             min(max(int(in_bar), 0), 5), metre, _slot(since, 3), until_slot, heading)
    return tuple(offset + slot for offset, slot in zip(OFFSETS, slots))


def describe(indices) -> dict[str, str | int]:
    """The groups of a beat's context by name, for messages and tests."""
    out: dict[str, str | int] = {}
    for index in indices:
        k = max(g for g in range(N_GROUPS) if OFFSETS[g] <= index)
        name, slot = GROUPS[k][0], index - OFFSETS[k]
        out[name] = context.FAMILIES[slot] if name == "family" else slot
    return out
