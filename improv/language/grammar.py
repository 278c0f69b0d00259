"""Grammar values: the tokens the LSTM reads and writes, and how notes map to and from them.

A value is written as in the seeds, ``C,0.250,<M-2,m-6>``:

* the **type** of the note relative to the chord sounding: ``C`` chord tone, ``S`` scale
  tone, ``A`` approach tone (a semitone from a chord tone), ``X`` other, ``R`` rest
  (see :func:`improv.language.harmony.type_table`);
* the **duration** in quarter notes, on a grid that holds straight, triplet and
  sextuplet subdivisions (multiples of 1/4 and of 1/6: 0.167, 0.250, 0.333, 0.500,
  0.667, 0.750, 0.833, 1.000 …);
* the **interval range** from the previous note: the actual interval widened by a minor
  third each way, written upper bound first as the seeds do (``<M-2,m-6>`` is -2 … -8
  semitones). The first note of a phrase and every rest carry no range.

Encoding is exact bookkeeping; decoding (realising) draws a concrete pitch with a
seeded ``numpy.random.Generator`` and runs on the real-time path, so it avoids
allocation-heavy work.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from fractions import Fraction

from improv.errors import UsageError
from improv.language.harmony import Chord, type_table

TYPES = ("C", "S", "A", "X", "R")
PITCHED_TYPES = ("C", "S", "A", "X")
WIDEN = 3  # a minor third, in semitones, each way
MAX_DURATION = 8.0  # quarter notes; longer notes are clamped (two bars of 4/4)

# Sixteenth (1/4) and sextuplet (1/6, triplets included) subdivisions of the quarter
# note, up to MAX_DURATION: every length in twelfths that is a multiple of 3 or of 2.
DURATION_GRID = tuple(sorted(
    {float(Fraction(k, 4)) for k in range(1, int(MAX_DURATION * 4) + 1)}
    | {float(Fraction(k, 6)) for k in range(1, int(MAX_DURATION * 6) + 1)}
))
# Where in a beat a note or rest may start, in twelfths: the sixteenths (0, 3, 6, 9) and
# the sextuplets (0, 2, 4, 6, 8, 10), of which the triplets (0, 4, 8) are a part.
GRID_ONSETS = (0, 2, 3, 4, 6, 8, 9, 10)


def on_value_grid(twelfths: int) -> bool:
    """Whether a length of ``twelfths`` twelfths of a beat is one DURATION_GRID holds."""
    return 2 <= twelfths <= MAX_DURATION * 12 and (twelfths % 3 == 0 or twelfths % 2 == 0)


def quantize_duration(quarters: float) -> float:
    """Snap a duration in quarter notes to the nearest grid point (never to zero)."""
    if quarters <= DURATION_GRID[0]:
        return DURATION_GRID[0]
    if quarters >= MAX_DURATION:
        return MAX_DURATION
    k = bisect.bisect_left(DURATION_GRID, quarters)  # the grid is sorted: its neighbours
    below, above = DURATION_GRID[k - 1], DURATION_GRID[k]
    return below if quarters - below <= above - quarters else above


# --- interval names, music21-style directed names from semitone counts -----------------

# simple semitones -> (quality, generic number)
_SIMPLE = {0: ("P", 1), 1: ("m", 2), 2: ("M", 2), 3: ("m", 3), 4: ("M", 3), 5: ("P", 4),
           6: ("A", 4), 7: ("P", 5), 8: ("m", 6), 9: ("M", 6), 10: ("m", 7), 11: ("M", 7)}
# generic number -> semitones of its perfect (P) or major (M) form
_BASE = {1: 0, 2: 2, 3: 4, 4: 5, 5: 7, 6: 9, 7: 11}
_PERFECT = {1, 4, 5}
_INTERVAL_RE = re.compile(r"^(P|M|m|A|d|AA|dd)(-?)(\d+)$")


def interval_name(semitones: int) -> str:
    """``-5`` → ``P-4``, ``2`` → ``M2``, ``14`` → ``M9``: the seeds' directed names."""
    size = abs(semitones)
    quality, generic = _SIMPLE[size % 12]
    number = generic + 7 * (size // 12)
    if size == 12 * (size // 12) and size:  # octaves are P8, P15 …
        quality, number = "P", 1 + 7 * (size // 12)
    sign = "-" if semitones < 0 else ""
    return f"{quality}{sign}{number}"


def parse_interval(name: str) -> int:
    """Inverse of :func:`interval_name`; also accepts d/A spellings such as ``d5``."""
    match = _INTERVAL_RE.match(name)
    if not match:
        raise UsageError(f"bad interval {name!r} in a grammar value: write e.g. 'M-2' or 'P5'")
    quality, sign, digits = match.groups()
    number = int(digits)
    if number < 1:
        raise UsageError(f"bad interval {name!r} in a grammar value: numbers start at 1")
    octaves, generic = divmod(number - 1, 7)
    generic += 1
    base = _BASE[generic] + 12 * octaves
    if generic in _PERFECT:
        offset = {"P": 0, "A": 1, "AA": 2, "d": -1, "dd": -2}.get(quality)
    else:
        offset = {"M": 0, "m": -1, "A": 1, "AA": 2, "d": -2, "dd": -3}.get(quality)
    if offset is None:
        raise UsageError(f"bad interval {name!r}: quality {quality!r} does not go with {generic}")
    semitones = base + offset
    return -semitones if sign else semitones


# --- values ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Value:
    """One grammar token. ``lo``/``hi`` are semitones from the previous pitch, or None."""

    kind: str
    duration: float
    lo: int | None = None
    hi: int | None = None

    @property
    def is_rest(self) -> bool:
        return self.kind == "R"

    @property
    def needs_previous(self) -> bool:
        """True when the value only makes sense after a previous note (it has a range)."""
        return self.lo is not None

    def __str__(self) -> str:
        text = f"{self.kind},{self.duration:.3f}"
        if self.lo is not None:
            text += f",<{interval_name(self.hi)},{interval_name(self.lo)}>"
        return text


_VALUE_RE = re.compile(r"^([CSAXR]),(\d+(?:\.\d*)?)(?:,<([^,<>]+),([^,<>]+)>)?$")


def _snap_to_grid(duration: float) -> float:
    """Undo the 3-decimal rounding of the text form: ``0.333`` is the triplet 1/3, so a
    parsed value equals the encoded one and triplets do not drift against the beat."""
    nearest = quantize_duration(duration)
    return nearest if abs(nearest - duration) < 6e-4 else duration


def parse_value(text: str) -> Value:
    """Parse ``C,0.250,<M-2,m-6>`` (or ``R,0.500``) into a Value."""
    match = _VALUE_RE.match(text.strip())
    if not match:
        raise UsageError(f"bad grammar value {text!r}: expected TYPE,DURATION[,<UPPER,LOWER>] "
                         f"such as 'C,0.250,<M-2,m-6>'")
    kind, dur, upper, lower = match.groups()
    duration = _snap_to_grid(float(dur))
    if not 0 < duration <= MAX_DURATION:
        raise UsageError(f"bad grammar value {text!r}: the duration must be positive and at "
                         f"most {MAX_DURATION:g} quarter notes")
    if upper is None:
        return Value(kind, duration)
    if kind == "R":
        raise UsageError(f"bad grammar value {text!r}: a rest carries no interval range")
    hi, lo = parse_interval(upper), parse_interval(lower)
    if lo > hi:
        lo, hi = hi, lo
    return Value(kind, duration, lo, hi)


def exact_duration(value: Value) -> Fraction:
    """The value's duration as an exact fraction of a beat (``0.333`` is 1/3)."""
    twelfths = round(value.duration * 12)  # a value's duration is on the grid: no search
    if on_value_grid(twelfths) and abs(value.duration * 12 - twelfths) < 0.05:
        return Fraction(twelfths, 12)
    return Fraction(quantize_duration(value.duration)).limit_denominator(12)


def encode(pitch: int | None, duration: float, chord: Chord, previous: int | None) -> Value:
    """The value of a note (``pitch`` None for a rest) over ``chord`` after ``previous``."""
    dur = quantize_duration(duration)
    if pitch is None:
        return Value("R", dur)
    kind = type_table(chord)[pitch % 12]
    if previous is None:
        return Value(kind, dur)
    step = pitch - previous
    return Value(kind, dur, step - WIDEN, step + WIDEN)


@dataclass(frozen=True)
class PitchLimits:
    """The register the melody keeps to, inclusive MIDI pitches (default A♭2–E6)."""

    low: int = 44
    high: int = 88

    def __post_init__(self):
        if not (0 <= self.low <= self.high <= 127):
            raise UsageError(f"bad pitch limits {self.low}..{self.high}: need 0 <= low <= high <= 127")


DEFAULT_LIMITS = PitchLimits()


def _draw(candidates: list[int], centre: float, rng, exact: bool = False) -> int:
    """One of ``candidates``, weighted towards ``centre``: weight WIDEN + 1 − distance
    (at least 1), so the interval the value was encoded from is the likeliest and the
    melodic contour survives the round trip, while every candidate stays possible.
    ``exact``: the centre itself whenever it is a candidate."""
    if len(candidates) == 1:
        return candidates[0]
    if exact and centre == int(centre) and int(centre) in candidates:
        return int(centre)
    weights = [max(1.0, WIDEN + 1 - abs(p - centre)) for p in candidates]
    r = rng.random() * sum(weights)
    for pitch, weight in zip(candidates, weights):
        r -= weight
        if r < 0:
            return pitch
    return candidates[-1]


def decode(value: Value, chord: Chord, previous: int | None, rng,
           limits: PitchLimits = DEFAULT_LIMITS, anchor: int | None = None,
           exact: bool = False) -> int | None:
    """Realise ``value`` into a MIDI pitch over ``chord`` after ``previous`` (None for a rest).

    Candidates are the pitches inside the limits that have the value's type and lie
    inside its interval range; one is drawn, weighted towards the range's centre (the
    interval the value was encoded from). A value encoded from a step (not a unison)
    does not repeat the previous pitch when another candidate fits: a range three
    semitones wide each way holds the repeat for most steps, and drawing it made one
    note in five a repeat where real solos have one in twenty-five. After an approach tone (``previous`` is an
    ``A`` over ``chord``), a chord tone a semitone away is taken when the range allows
    one (with ``exact``, only where the value's own interval does not fit): approach
    tones resolve, as they do in the corpus's idiom.

    A value with no range (a phrase's first note, or no previous pitch) draws among
    type-matching pitches within a fifth of the point halfway between ``anchor`` (the
    last pitch played) and the middle of the limits: a new phrase picks up near where
    the last one left off, while the line cannot get stuck at the edge of the register.

    ``exact``: a ranged value plays the very interval it was encoded from (its range's
    centre: the players' interval, as the model learned it) whenever that pitch has the
    value's type and fits, an approach tone's resolution too (in the Weimar solos only
    59% of the chord tones after an approach tone are a semitone from it); where it
    lies beyond the limits (the edge of a phrase's register), the same interval the
    other way when that pitch has the type: a draw inside the part of the range left
    there would mostly repeat the pitch or step back by a semitone. The draw is only
    the fallback.

    Fallback, in order, when no candidate exists:

    0. the same interval range turned around (down instead of up): at the edge of the
       register a line turns back, as a player's would, instead of piling up there;
    1. the pitch of the right type inside the limits nearest the range's centre (ties
       drawn): the range is kept as closely as the register allows;
    2. the range's centre clamped into the limits, when no pitch of that type exists at
       all (no ``X`` exists over a diminished chord, for example).
    """
    if value.kind == "R":
        return None
    table = type_table(chord)
    kind = value.kind
    low, high = limits.low, limits.high
    if previous is None or value.lo is None:
        centre = (low + high) // 2
        if anchor is not None:  # halfway back to the middle: near, but never stuck at an edge
            centre = (min(max(anchor, low), high) + centre) // 2
        start, stop = max(low, centre - 7), min(high, centre + 7)
    else:
        centre = previous + (value.lo + value.hi) / 2
        start, stop = max(low, previous + value.lo), min(high, previous + value.hi)
    if exact and previous is not None and value.lo is not None and not low <= centre <= high:
        turned = 2 * previous - centre  # the interval the other way: the line turns back
        if turned == int(turned) and low <= turned <= high and table[int(turned) % 12] == kind:
            return int(turned)
    candidates = [p for p in range(start, stop + 1) if table[p % 12] == kind]
    if previous is not None and value.lo is not None and centre != previous:
        # the value was encoded from a step, not a unison: do not repeat the pitch when
        # another fits (a repeat is drawn only where the range allows nothing else)
        moved = [p for p in candidates if p != previous]
        candidates = moved or candidates
    if candidates:
        if exact and value.lo is not None and centre == int(centre) and int(centre) in candidates:
            return int(centre)  # the players' own interval, resolution or not
        if kind == "C" and previous is not None and table[previous % 12] == "A":
            resolving = [p for p in candidates if p - previous in (-1, 1)]
            if resolving:
                return resolving[int(rng.integers(len(resolving)))] if len(resolving) > 1 else resolving[0]
        return _draw(candidates, centre, rng, exact and value.lo is not None)
    # Fallbacks (see the docstring): the range turned around, nearest of the type to the
    # centre, else the centre.
    if previous is not None and value.lo is not None:
        start, stop = max(low, previous - value.hi), min(high, previous - value.lo)
        turned = [p for p in range(start, stop + 1) if table[p % 12] == kind]
        if turned:
            return _draw(turned, 2 * previous - centre, rng)
    typed = [p for p in range(low, high + 1) if table[p % 12] == kind]
    if typed:
        best = min(abs(p - centre) for p in typed)
        nearest = [p for p in typed if abs(p - centre) == best]
        return nearest[int(rng.integers(len(nearest)))] if len(nearest) > 1 else nearest[0]
    return int(min(max(round(centre), low), high))


PHRASE_GAP = 1.0  # quarter notes of rest that end a phrase
BEATS_PER_BAR = 4  # improv plays in 4/4: bars, rest limits and the chart all count in it


def twelfths(duration: float) -> int:
    """A grid duration in twelfths of a beat, exactly (the grid's common denominator)."""
    return round(duration * 12)


class Phrase:
    """Where a monophonic line stands: is a phrase open, and its last pitch.

    A phrase opens with a note and closes after rests totalling PHRASE_GAP or more; the
    first note of the next carries no interval range. The encoder, the sampler and the
    performer all walk a line through this one object, so they agree on where phrases
    break. Rests are counted in twelfths of a beat: exact, whatever the float rounding.
    """

    __slots__ = ("previous", "resting", "open")

    def __init__(self):
        self.previous: int | None = None  # last pitch of the open phrase, None when closed
        self.resting = 0  # twelfths of rest since the last note (or the start)
        self.open = False

    def rest(self, duration: float) -> bool:
        """Count a rest; True when it is the one that closes the phrase."""
        self.resting += twelfths(duration)
        if self.open and self.resting >= twelfths(PHRASE_GAP):
            self.open, self.previous = False, None
            return True
        return False

    def note(self, pitch: int | None = None) -> None:
        """Count a note (``pitch`` may be None where only the phrase matters)."""
        self.previous, self.resting, self.open = pitch, 0, True


def encode_line(notes) -> list[Value]:
    """Encode a monophonic line of ``(pitch or None, duration, chord)`` into values.

    A phrase starts at the first note and after a rest (or run of rests) of at least
    PHRASE_GAP quarter notes (see :class:`Phrase`); its first note carries no range.
    """
    values = []
    phrase = Phrase()
    for pitch, duration, chord in notes:
        if pitch is None:
            value = encode(None, duration, chord, None)
            phrase.rest(value.duration)  # the grid duration, as a reader of the values sees it
            values.append(value)
        else:
            values.append(encode(pitch, duration, chord, phrase.previous))
            phrase.note(pitch)
    return values


def is_valid_start(value: Value) -> bool:
    """A phrase may start on a pitched value that needs no previous note."""
    return value.kind != "R" and value.lo is None
