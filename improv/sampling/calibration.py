"""The model's drift taken out of a free-running solo (pure numpy; its file beside the
model: :mod:`improv.sampling.calibrationfile`).

Read note by note from the corpus, the shipped Weimar model predicts the players'
values closely; playing on from its own values, it drifts: semitones grew to 31% of
its intervals where the players have 27%, and over a blues at 150-190 BPM eighth notes
to 44% of its notes where the players have 31%. A :class:`Calibration` holds, for each
tempo band of the model's context (:mod:`improv.language.context`), a factor for each
note duration (twelfths of a beat) and each interval (semitones from the last pitch),
one table for the register's pull (below, by where the last pitch lies against the
middle of the register and which way the interval goes), one for the momentum of a run
of steps, and a factor for each rest length drawn inside an open phrase, and one of what follows what: each interval by the two before it (the line:
:mod:`improv.sampling.followtables`), and each note length by where in the beat it
starts (the phase: :mod:`improv.sampling.phasetable`). A note value's
weight is multiplied by its factors before each draw (:class:`Calibrator`), those of the
Weimar soloist the run plays as too (:mod:`improv.sampling.persona`, whose players the
file carries), and the notes together keep the share of the draw the model gave them:
the note factors move notes among themselves, and only the rests' own factors, inside a
phrase, move rests against notes. ``improv calibrate`` fits the factors by rounds of
renders over the corpus's own changes until the values drawn have the players' shares,
and writes them beside the
model as ``calibration.json`` with the model's weights hash: a retrained model has none
until it is fitted again, and a stale one is left out with a warning (``[sampling]
calibrate`` turns it off).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from improv.language.grammar import Value, twelfths
from improv.sampling import followtables, phasetable, recency
from improv.sampling.persona import Player, compass_limits, middle_shift
from improv.sampling.recency import Recency

N_DURATIONS = 14  # 1..12 twelfths each its own; 13-23; 24 and longer
N_INTERVALS = 15  # 0..12 semitones each its own; wider; no interval (a phrase's first note)
NO_INTERVAL = N_INTERVALS - 1
LOW, HIGH = 0.05, 20.0  # the factors are kept inside these: a nudge, not a new model
# The register's pull: where the last pitch lies against the middle of the register (in
# semitones, bins bounded here) and which way the next interval goes (down a 4th or
# more, down less, a repeat, up less, up a 4th or more). The model hears a pitch only as
# a tone of the chord, never its octave, so its line wanders the whole register; the
# players come back to the middle of theirs (more than 9 semitones below a solo's median
# pitch, 69% of their intervals go up; 9 or more above, 68% go down; improv's: 54% and
# 58%).
OFFSET_EDGES = (-9, -4, 4, 9)  # bin k: offsets from edge k-1 up to below edge k
STEP_EDGES = (-5, -1, 0, 4)  # class k: intervals up to edge k; past the last, class 4
N_OFFSETS, N_STEPS = len(OFFSET_EDGES) + 1, len(STEP_EDGES) + 1
# The run's momentum: a line moving by steps (1 or 2 semitones one way) goes on the
# longer it has gone. Counted on the values (their own intervals, a rest ending a run),
# the Weimar players take another step up after 1, 2, 3 and 4 or more steps up 29%,
# 39%, 50% and 54% of the time, the model alone 31%, 36%, 38% and 41% (down: 37-57%
# against 38-50%), so its scalar runs broke off early (runs of six steps or more, in
# the played pitches: the players 10 in 1,000 intervals, improv 4). A factor for the
# next step the same way, by the direction (up, down) and the steps so far.
RUN_LENGTHS = 4
UP, DOWN = 0, 1


def duration_class(value: Value) -> int:
    t = twelfths(value.duration)
    return min(max(t, 1), 12) - 1 if t <= 12 else (12 if t < 24 else 13)


def interval_class(value: Value) -> int:
    if value.lo is None:
        return NO_INTERVAL
    return min(abs((value.lo + value.hi) // 2), NO_INTERVAL - 1)


def step_class(value: Value) -> int | None:
    """The pull's class of a value's interval (None: a value with no interval)."""
    if value.lo is None:
        return None
    return bisect.bisect_left(STEP_EDGES, (value.lo + value.hi) // 2)


def step_of(value: Value) -> int:
    """+1 for a step up (1 or 2 semitones, the interval the value was encoded from), -1
    for one down, 0 for anything else (a leap, a repeat, a rest, a phrase's first note)."""
    if value.is_rest or value.lo is None:
        return 0
    interval = (value.lo + value.hi) // 2
    return (interval > 0) - (interval < 0) if 1 <= abs(interval) <= 2 else 0


def run_of(steps, step=None) -> tuple[int, int] | None:
    """(direction, length bin) of the run of steps the line ends with (``steps``: the
    :func:`step_of` of the values played, the last first, or what ``step`` makes one
    of), None when it ends with none. A plain loop: no generator per draw."""
    direction, length = 0, 0
    for item in steps:
        here = item if step is None else step(item)
        if here == 0 or (direction and here != direction):
            break
        direction, length = here, length + 1
        if length == RUN_LENGTHS:
            break
    return None if not length else (UP if direction > 0 else DOWN, length - 1)


def offset_bin(previous: int, low: int, high: int) -> int:
    """The pull's bin of a last pitch against the middle of ``low..high``."""
    return bisect.bisect_right(OFFSET_EDGES, previous - (low + high) / 2)


@dataclass(frozen=True)
class Calibration:
    """``duration[band][class]`` and ``interval[band][class]``: the factors, one row per
    tempo band (``len(duration) == len(interval)``); ``pull[offset bin][step class]``:
    the register's pull (:func:`offset_bin`, :func:`step_class`), neutral in a file
    made before it; ``players``: the Weimar soloists the factors were fitted around
    (:mod:`improv.sampling.persona`), none in a file made before them."""

    duration: tuple[tuple[float, ...], ...]
    interval: tuple[tuple[float, ...], ...]
    pull: tuple[tuple[float, ...], ...] = ((1.0,) * N_STEPS,) * N_OFFSETS  # [offset][step]
    run: tuple[tuple[float, ...], ...] = ((1.0,) * RUN_LENGTHS,) * 2  # [direction][length]
    rest: tuple[tuple[float, ...], ...] = ()  # [band][duration class]; () all 1
    players: tuple[Player, ...] = ()
    line: tuple = ()  # [before last][last][next] (followtables); () all 1
    # (weight, notes, decay) of the lengths just played heard again (recency); () none
    recency: tuple = ()
    phase: tuple = ()  # [band][twelfth of the beat][duration class]; () all 1

    def __post_init__(self):
        if len(self.duration) != len(self.interval) or not self.duration:
            raise ValueError("a calibration needs as many duration rows as interval rows")
        if len(self.pull) != N_OFFSETS or len(self.run) != 2:
            raise ValueError(f"a calibration's pull needs {N_OFFSETS} rows and its run 2")
        if not self.rest:
            object.__setattr__(self, "rest", ((1.0,) * N_DURATIONS,) * len(self.duration))
        if len(self.rest) != len(self.duration):
            raise ValueError("a calibration needs as many rest rows as duration rows")
        for rows, width in ((self.duration, N_DURATIONS), (self.interval, N_INTERVALS),
                            (self.pull, N_STEPS), (self.run, RUN_LENGTHS),
                            (self.rest, N_DURATIONS)):
            for row in rows:
                if len(row) != width or not all(LOW <= x <= HIGH for x in row):
                    raise ValueError(f"a calibration row needs {width} factors within "
                                     f"{LOW}..{HIGH}")
        for name in FOLLOW:
            followtables.check(name, getattr(self, name))
        phasetable.check(self.phase, len(self.duration), N_DURATIONS)
        if self.recency:
            if len(self.recency) != 3:
                raise ValueError("the recency is not [weight, notes, decay]")
            recency.check(*self.recency)
        for player in self.players:
            if len(player.duration) != N_DURATIONS or len(player.interval) != N_INTERVALS:
                raise ValueError(f"player {player.solo!r} needs {N_DURATIONS} duration and "
                                 f"{N_INTERVALS} interval factors")

    @property
    def bands(self) -> int:
        return len(self.duration)

    @classmethod
    def neutral(cls, bands: int) -> "Calibration":
        return cls(((1.0,) * N_DURATIONS,) * bands, ((1.0,) * N_INTERVALS,) * bands)

    def factors(self, values: Sequence[Value], player: Player | None = None) -> np.ndarray:
        """(bands, len(values)): each note value's factor in each band (times
        ``player``'s), 1 for rests."""
        d = np.array(self.duration)
        i = np.array(self.interval)
        if player is not None:
            d = d * np.array(player.duration)[None, :]
            i = i * np.array(player.interval)[None, :]
        notes = np.array([not v.is_rest for v in values])
        dc = np.array([duration_class(v) for v in values])
        ic = np.array([interval_class(v) for v in values])
        return np.ascontiguousarray(np.where(notes[None, :], d[:, dc] * i[:, ic], 1.0))

    def rest_factors(self, values: Sequence[Value]) -> np.ndarray:
        """(bands, len(values)): each rest value's factor in each band, 1 for notes."""
        r = np.array(self.rest)
        rests = np.array([v.is_rest for v in values])
        dc = np.array([duration_class(v) for v in values])
        return np.ascontiguousarray(np.where(rests[None, :], r[:, dc], 1.0))

    def phase_factors(self, values: Sequence[Value], landing: bool = False) -> np.ndarray | None:
        """(bands, twelfths, len(values)): each note value's factor in each band where it
        starts at each twelfth of the beat, and with ``landing`` where it ends
        (:mod:`improv.sampling.phasetable`)."""
        return phasetable.factors(self.phase, np.array([not v.is_rest for v in values]),
                                  np.array([duration_class(v) for v in values]), landing)

    def pull_factors(self, values: Sequence[Value]) -> np.ndarray:
        """(offset bins, len(values)): each ranged note value's pull, 1 for the rest."""
        pull = np.array(self.pull)
        out = np.ones((N_OFFSETS, len(values)))
        for k, value in enumerate(values):
            step = None if value.is_rest else step_class(value)
            if step is not None:
                out[:, k] = pull[:, step]
        return out

    def to_dict(self) -> dict:
        heard = {"recency": list(self.recency)} if self.recency else {}  # none: as before it
        if self.phase:
            heard["phase"] = [[list(r) for r in plane] for plane in self.phase]
        return {**{name: [list(r) for r in getattr(self, name)] for name in TABLES},
                "players": [p.to_list() for p in self.players],
                **{name: [[list(r) for r in plane] for plane in getattr(self, name)]
                   for name in FOLLOW}, **heard}

    @classmethod
    def from_dict(cls, data: dict) -> "Calibration":
        # a file from before the pull, the run or the rests: neutral ones
        neutral = {"pull": [list(r) for r in cls.pull], "run": [list(r) for r in cls.run],
                   "rest": []}
        players = data.get("players", [])  # none in a file from before them
        if not isinstance(players, list):
            raise ValueError("the players are not a list")
        follow = {}
        for name in FOLLOW:  # none in a file from before them
            planes = data.get(name, [])
            if not isinstance(planes, list) or not all(isinstance(p, list) for p in planes):
                raise ValueError(f"the {name} is not a list of tables")
            follow[name] = tuple(tuple(tuple(float(x) for x in r) for r in p) for p in planes)
        heard = data.get("recency", [])  # none in a file from before it
        if not isinstance(heard, list) or (heard and len(heard) != 3):
            raise ValueError("the recency is not [weight, notes, decay]")
        if heard and (isinstance(heard[1], bool) or not float(heard[1]).is_integer()):
            raise ValueError("the recency's notes are not a whole number")
        heard = (float(heard[0]), int(heard[1]), float(heard[2])) if heard else ()
        return cls(*(tuple(tuple(float(x) for x in r) for r in data.get(name, neutral.get(name)))
                     for name in TABLES), tuple(Player.from_list(row) for row in players),
                   **follow, recency=heard, phase=phasetable.read(data.get("phase", [])))


TABLES = ("duration", "interval", "pull", "run", "rest")
FOLLOW = ("line",)  # the tables of what follows what (followtables.KINDS)


class Calibrator:
    """A calibration at work on one vocabulary, played as ``player`` (None: the players
    pooled): :meth:`apply` weights a draw in place."""

    def __init__(self, table: Calibration, values: Sequence[Value], player: Player | None = None,
                 landing: bool = False):
        self.player = player
        self._register = 0.0 if player is None else player.register
        self._compass: tuple = (None, None)  # ((low, high), its compass): the last asked
        self._factors = table.factors(values, player)
        self._rests = table.rest_factors(values)
        self._pull = table.pull_factors(values)
        notes = np.array([not v.is_rest for v in values])
        self._notes, self._note_weight = notes, notes.astype(float)
        self.steps = tuple(step_of(v) for v in values)
        steps = np.array(self.steps)
        # [direction][length]: the factor of each value going on the same way by a step
        self._run = np.ones((2, RUN_LENGTHS, len(values)))
        for direction, sign in ((UP, 1), (DOWN, -1)):
            for length in range(RUN_LENGTHS):
                self._run[direction, length, steps == sign] = table.run[direction][length]
        self.last_run: tuple[int, int] | None = None  # the run the last apply() heard
        self.last_inside = False  # and whether it drew inside an open phrase
        self._follow = {name: followtables.Follower(name, getattr(table, name), values)
                        for name in FOLLOW if getattr(table, name)}  # none: nothing per draw
        self._recency = (Recency(np.where(notes, [duration_class(v) for v in values], -1),
                                 *table.recency) if table.recency else None)
        self._phase = table.phase_factors(values, landing)  # None: no table, nothing per draw
        self.last_phase: int | None = None  # the twelfth of the beat the last apply() heard

    def apply(self, w: np.ndarray, band: int, place: tuple | None, recent=(),
              inside: bool = False, phase: int | None = None) -> None:
        """The factors of tempo ``band``, and where ``phase`` (twelfths into the beat
        where the value starts) is known, those of the lengths there; where ``place``
        (the last pitch, the chord's types, the register's low and high) is known, the
        register's pull; and the tables of what follows what and the run's momentum
        after the values ``recent`` ((index, context) pairs as the soloist's history
        holds them, the last played first): the notes re-weighted among themselves,
        their share of ``w`` kept. ``inside`` an open phrase, the rests' factors then
        move the rests against the notes."""
        notes = float(np.dot(w, self._note_weight))
        np.multiply(w, self._factors[band], out=w)
        self.last_phase = phase
        if phase is not None and self._phase is not None:
            np.multiply(w, self._phase[band, phase % phasetable.PLACES], out=w)
        if place is not None:
            np.multiply(w, self._pull[self.offset_bin(place)], out=w)
        recent = tuple(recent)  # read more than once: by each table, the lengths, the run
        if self._follow:
            for follower in self._follow.values():
                factors = follower.factors(recent)
                if factors is not None:
                    np.multiply(w, factors, out=w)
        if self._recency is not None:
            factors = self._recency.factors(recent)
            if factors is not None:
                np.multiply(w, factors, out=w)
        self.last_run = run = run_of(recent, self._step_played)
        if run is not None:
            np.multiply(w, self._run[run], out=w)
        after = float(np.dot(w, self._note_weight))
        if after > 0:
            np.multiply(w, notes / after, out=w, where=self._notes)
        self.last_inside = inside
        if inside:
            np.multiply(w, self._rests[band], out=w)

    def heard(self, name: str) -> tuple[int, int] | None:
        """The pair the last apply() heard for table ``name`` (None: none, or no table)."""
        follower = self._follow.get(name)
        return None if follower is None else follower.last

    def _step_played(self, played: tuple) -> int:
        """The :func:`step_of` of a value played, (index, context) as the soloist's
        history holds it."""
        return self.steps[played[0]]

    def inside(self, place: tuple) -> tuple:
        """``place`` with its register narrowed to the part of it the player's line keeps
        to (:func:`improv.sampling.persona.compass_limits`)."""
        previous, table, low, high = place
        if self._compass[0] != (low, high):  # the limits seldom move: once, not every draw
            self._compass = ((low, high), compass_limits(self.player, low, high))
        return (previous, table, *self._compass[1])

    def offset_bin(self, place: tuple) -> int:
        """The pull's bin of ``place``'s last pitch against the middle of its register,
        moved to where the player's lay."""
        previous, _, low, high = place
        return offset_bin(previous - middle_shift(self._register, low, high), low, high)
