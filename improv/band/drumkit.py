"""The drum kit and the styles it plays: GM note numbers, pattern tables, one bar (pure).

A style is written as drum tabs, one string per instrument and beat group, two marks
per beat (straight eighths; the part swings them in swung styles). A mark says how hard
and how surely a hit is played, so a table holds the steady pattern and its variants
at once: an ``s`` skip note of the ride is left out one bar in five, an ``r`` extra
comes one bar in eight. A bar in any metre is built group by group
(:mod:`improv.language.metre`: 5/4 is a 3-beat then a 2-beat cell), and a style whose
pattern spans two bars (a clave) alternates its phases over the groups. Comping hits,
fills and the crash are drawn on top with the caller's generator; the functions here
keep no state, so a bar depends only on its arguments and the generator's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from improv.language.metre import groups

# General MIDI percussion keys (channel 10)
KICK, CROSS_STICK, SNARE = 36, 37, 38
FLOOR_TOM, PEDAL_HAT, LOW_TOM, MID_TOM, HIGH_TOM = 41, 44, 45, 47, 48
CLOSED_HAT, CRASH, RIDE, RIDE_BELL, COWBELL = 42, 49, 51, 53, 56
NAMES = {KICK: "kick", CROSS_STICK: "cross-stick", SNARE: "snare", FLOOR_TOM: "floor tom",
         PEDAL_HAT: "hi-hat pedal", LOW_TOM: "low tom", MID_TOM: "mid tom",
         HIGH_TOM: "high tom", CLOSED_HAT: "closed hi-hat", CRASH: "crash", RIDE: "ride",
         RIDE_BELL: "ride bell", COWBELL: "cowbell"}

# A tab's marks: (weight in percent of the part's velocity, chance it is played in a bar)
MARKS = {"X": (112, 1.0), "x": (100, 1.0), "o": (76, 0.95), "s": (76, 0.8),
         "r": (68, 0.12), "g": (34, 0.85)}
SLOTS = 2  # marks per beat
CRASH_WEIGHT, SETUP_WEIGHT = 115, 96


@dataclass(frozen=True, order=True)
class Hit:
    """One stroke: ``at`` beats from the bar line (straight), ``weight`` % of the velocity."""

    at: Fraction
    key: int
    weight: int


@dataclass(frozen=True)
class Style:
    """How one style keeps time, comps and fills. ``cells``: per group size, its phases
    (one, or two for a two-bar clave), each ``{key: tab}``; ``feather``: tabs played in
    a bar only when that bar's coin says so (a light kick, a brush pickup); ``comp``:
    ``(key, share)`` of the off-beat hits, ``comp_rate`` of them per bar on average;
    ``swap``: a timekeeper some sections play instead (the ride for the closed hi-hat)."""

    swung: bool
    home: int
    cells: dict
    feather: dict
    comp: tuple[tuple[int, float], ...]
    comp_rate: float
    fill_keys: tuple[int, ...]
    fill_grid: Fraction
    fill_density: tuple[float, float] = (0.45, 0.85)
    feather_chance: float = 0.5
    gain: float = 1.0
    swap: tuple[int, int] | None = None


TOMS = (SNARE, HIGH_TOM, MID_TOM, LOW_TOM, FLOOR_TOM)
_SWING_CELLS = {
    2: ({RIDE: "x.xs", PEDAL_HAT: "..X."},),
    3: ({RIDE: "x.xsxr", PEDAL_HAT: "..X.X."},),
    4: ({RIDE: "x.xsxrxs", PEDAL_HAT: "..X...X."},),
}
_SWING_FEATHER = {2: {KICK: "g.g."}, 3: {KICK: "g.g.g."}, 4: {KICK: "g.g.g.g."}}

STYLES: dict[str, Style] = {
    "swing": Style(
        swung=True, home=4, cells=_SWING_CELLS, feather=_SWING_FEATHER,
        comp=((SNARE, 0.75), (KICK, 0.25)), comp_rate=1.6,
        fill_keys=TOMS, fill_grid=Fraction(1, 3)),
    "ballad": Style(  # brushes: a soft sweep (snare, low) on 1 and 3, a tap on 2 and 4
        swung=True, home=4, gain=0.7,
        cells={2: ({SNARE: "osx.", PEDAL_HAT: "..x."},),
               3: ({SNARE: "osx.x.", PEDAL_HAT: "..x.x."},),
               4: ({SNARE: "osx.osx.", PEDAL_HAT: "..x...x."},)},
        feather={2: {KICK: "g..."}, 3: {KICK: "g....."}, 4: {KICK: "g...g..."}},
        comp=((SNARE, 0.8), (RIDE, 0.2)), comp_rate=0.9,
        fill_keys=(SNARE, SNARE, LOW_TOM), fill_grid=Fraction(1, 3),
        fill_density=(0.3, 0.55)),
    "bossa": Style(  # cross-stick bossa clave over two bars, kick in two, closed hi-hat
        swung=False, home=4, gain=0.8, feather_chance=0.3,
        cells={2: ({CROSS_STICK: "x..x", KICK: "x..o", CLOSED_HAT: "xoxo"},
                   {CROSS_STICK: "..x.", KICK: "x..o", CLOSED_HAT: "xoxo"}),
               3: ({CROSS_STICK: "x..x..", KICK: "x..ox.", CLOSED_HAT: "xoxoxo"},
                   {CROSS_STICK: "..x..x", KICK: "x..ox.", CLOSED_HAT: "xoxoxo"}),
               4: ({CROSS_STICK: "x..x..x.", KICK: "x..ox..o", CLOSED_HAT: "xoxoxoxo"},
                   {CROSS_STICK: "..x..x..", KICK: "x..ox..o", CLOSED_HAT: "xoxoxoxo"})},
        feather={2: {KICK: ".g.."}, 3: {CROSS_STICK: "....r."},
                 4: {KICK: ".g...g.."}},
        comp=((CROSS_STICK, 0.5), (LOW_TOM, 0.3), (KICK, 0.2)), comp_rate=0.7,
        fill_keys=(SNARE, LOW_TOM, FLOOR_TOM), fill_grid=Fraction(1, 4),
        fill_density=(0.35, 0.6)),
    "waltz": Style(  # ride 1, 2, and-of-2, 3; hi-hat on 2 (and mostly 3)
        swung=True, home=3,
        cells={2: _SWING_CELLS[2], 3: ({RIDE: "x.xsxr", PEDAL_HAT: "..X.s."},),
               4: _SWING_CELLS[4]},
        feather={2: {KICK: "g..."}, 3: {KICK: "g....."}, 4: {KICK: "g...g..."}},
        comp=((SNARE, 0.75), (KICK, 0.25)), comp_rate=1.2,
        fill_keys=TOMS, fill_grid=Fraction(1, 3)),
    "latin": Style(  # mambo-ish bell over a 2-3 son clave, kick on and-of-2 and 4
        swung=False, home=4, swap=(COWBELL, RIDE_BELL),
        cells={2: ({COWBELL: "X.xx", CROSS_STICK: "..x.", KICK: "...x", PEDAL_HAT: "..x."},
                   {COWBELL: "X.x.", CROSS_STICK: "x..x", KICK: "...x", PEDAL_HAT: "..x."}),
               3: ({COWBELL: "X.x.xx", CROSS_STICK: "..x.x.", KICK: "...x..",
                    PEDAL_HAT: "..x.x."},
                   {COWBELL: "X.xx.x", CROSS_STICK: "x..x..", KICK: "...x..",
                    PEDAL_HAT: "..x.x."}),
               4: ({COWBELL: "X.x.Xx.x", CROSS_STICK: "..x.x...", KICK: "...x..x.",
                    PEDAL_HAT: "..x...x."},
                   {COWBELL: "X.xx.xX.", CROSS_STICK: "x..x..x.", KICK: "...x..x.",
                    PEDAL_HAT: "..x...x."})},
        feather={2: {KICK: "r..."}, 3: {LOW_TOM: ".....r"}, 4: {LOW_TOM: ".....g.g"}},
        comp=((SNARE, 0.5), (MID_TOM, 0.25), (LOW_TOM, 0.25)), comp_rate=1.2,
        fill_keys=(SNARE, HIGH_TOM, MID_TOM, LOW_TOM, FLOOR_TOM), fill_grid=Fraction(1, 4)),
    "even8": Style(  # straight eighths on the hi-hat (or ride), kick 1 and 3, snare 2 and 4
        swung=False, home=4, swap=(CLOSED_HAT, RIDE), feather_chance=0.4,
        cells={2: ({CLOSED_HAT: "xoxo", KICK: "x...", SNARE: "..X."},),
               3: ({CLOSED_HAT: "xoxoxo", KICK: "x.r...", SNARE: "....X."},),
               4: ({CLOSED_HAT: "xoxoxoxo", KICK: "x..rxr.r", SNARE: "..X...X."},)},
        feather={2: {KICK: "...g"}, 3: {KICK: "...g.."}, 4: {SNARE: "...g...g"}},
        comp=((SNARE, 0.6), (KICK, 0.4)), comp_rate=1.0,
        fill_keys=TOMS, fill_grid=Fraction(1, 4)),
}


def groove(style: Style, metre: int, bar: int, rng) -> list[Hit]:
    """The time-keeping of bar number ``bar`` (0-based): each group's cell in its phase,
    each mark kept by its chance, the feather tabs in about ``feather_chance`` of bars."""
    hits = []
    sizes = groups(metre)
    feather = rng.random() < style.feather_chance
    origin = Fraction(0)
    for g, size in enumerate(sizes):
        phases = style.cells[size]
        tabs = list(phases[(bar * len(sizes) + g) % len(phases)].items())
        if feather:
            tabs += list(style.feather[size].items())
        for key, tab in tabs:
            for slot, mark in enumerate(tab):
                if mark == ".":
                    continue
                weight, chance = MARKS[mark]
                if chance >= 1 or rng.random() < chance:
                    hits.append(Hit(origin + Fraction(slot, SLOTS), key, weight))
        origin += size
    return hits


COMP_WEIGHTS = ((34, 0.35), (72, 0.45), (96, 0.2))  # ghost, comp, accent


def comping(style: Style, metre: int, rate: float, rng) -> list[Hit]:
    """Off-beat hits on snare and kick (the style's ``comp`` keys): about
    ``style.comp_rate * rate`` a bar, off-beats three times likelier than beats, never
    on the one, each a ghost, a comp or an accent."""
    slots = list(range(1, metre * SLOTS))
    odds = [3.0 if s % SLOTS else 1.0 for s in slots]
    total = sum(odds)
    count = min(int(rng.poisson(style.comp_rate * rate)), len(slots))
    keys = [k for k, _ in style.comp]
    shares = [p for _, p in style.comp]
    hits = []
    for slot in rng.choice(slots, size=count, replace=False, p=[o / total for o in odds]):
        key = keys[rng.choice(len(keys), p=shares)]
        weight = COMP_WEIGHTS[rng.choice(3, p=[p for _, p in COMP_WEIGHTS])][0]
        hits.append(Hit(Fraction(int(slot), SLOTS), key, weight))
    return hits


def fill(style: Style, start: Fraction, end: Fraction, rng) -> list[Hit]:
    """A fill from ``start`` to the bar line ``end``: strokes on the style's grid
    (triplets when swung, sixteenths when straight), falling from snare to floor tom
    and growing louder, its first stroke sure, then maybe a kick on the last off-beat
    to set up the crash."""
    grid = style.fill_grid
    steps = int((end - start) / grid)
    density = rng.uniform(*style.fill_density)
    keys = style.fill_keys
    hits = []
    for k in range(steps):
        if k and rng.random() > density:
            continue
        drift = int(rng.integers(-1, 2))
        index = min(len(keys) - 1, max(0, int(k / steps * len(keys)) + drift))
        hits.append(Hit(start + k * grid, keys[index], int(68 + 36 * k / steps)))
    if rng.random() < 0.5:
        hits.append(Hit(end - Fraction(1, SLOTS), KICK, SETUP_WEIGHT))
    return hits


def bar_hits(style: Style, metre: int, bar: int, rng, *, rate: float = 1.0,
             fill_from: Fraction | None = None, crash: bool = False,
             swap: bool = False) -> list[Hit]:
    """Every stroke of one bar, sorted: the groove, comping at ``rate``, the swapped
    timekeeper when ``swap``; from ``fill_from`` on a fill instead (the hi-hat foot
    keeps time under it); with ``crash`` a crash and a kick on the one."""
    hits = groove(style, metre, bar, rng) + comping(style, metre, rate, rng)
    if swap and style.swap:
        old, new = style.swap
        hits = [Hit(h.at, new, h.weight) if h.key == old else h for h in hits]
    if fill_from is not None:
        hits = [h for h in hits if h.at < fill_from or h.key == PEDAL_HAT]
        hits += fill(style, fill_from, Fraction(metre), rng)
    if crash:
        hits = [h for h in hits if h.at > 0 or h.key == PEDAL_HAT]
        hits += [Hit(Fraction(0), CRASH, CRASH_WEIGHT), Hit(Fraction(0), KICK, SETUP_WEIGHT)]
    strongest: dict[tuple[Fraction, int], Hit] = {}
    for h in hits:
        if (h.at, h.key) not in strongest or h.weight > strongest[h.at, h.key].weight:
            strongest[h.at, h.key] = h
    return sorted(strongest.values())
