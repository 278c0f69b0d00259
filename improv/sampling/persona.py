"""One Weimar soloist's manner, for a solo to play in (pure numpy).

The model is every player at once: rendered over the Weimar solos' own changes, its
solos all sat in one register (the median pitch of a render varied by 1.5 semitones
from solo to solo, the players' by 4.9), kept one density (notes per beat 0.39 against
0.73) and one mix of note lengths and leaps. A listener hears a player by such habits
as much as by any phrase. A :class:`Player` holds what one solo of the corpus did
against the players of its tempo band: how often it played each note duration and each
interval (a factor per class, shrunk towards 1 for a short solo), where its median
pitch lay against the middle of the melody's default limits (A♭2-E6: 66, the
players' own median) and its compass, the span of its pitches around that median,
which the values drawn keep inside (:func:`compass_limits`). The soloist draws one per run from its seed
(:func:`choose`) and the calibrator weights the model's values by it, so a run plays
the way that soloist's solo did, and runs differ as the players' solos do.

``improv calibrate`` derives the players from the corpus (:func:`from_counts`), renders
each solo's changes as its own player and moves the player's factors until its renders
lean as its solo did (the model's own habits amplify some leanings and damp others),
and writes them into ``calibration.json`` beside the band's factors, fitted with them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from improv.language import context
from improv.streams import child_stream

PLAYER_STREAM = 0x50  # the spawn key of the draw of the player beside the soloist's own
# Notes of a class a solo's count is shrunk with, towards its band's share: a class it
# would play a handful of times by chance keeps a factor near 1.
PRIOR_NOTES = 10
LOW, HIGH = 0.2, 5.0  # a player's factors stay inside these
MAX_REGISTER = 12.0  # semitones a player's median pitch may lie from the limits' middle
# The middle a player's register moves to keeps this far inside the melody's limits.
MARGIN = 6
# A player's compass: its solo's lowest and highest pitches (these percentiles) against
# its median; the line keeps inside it, an octave at least. The limits alone let a long
# run reach pitches no one solo reaches: over 10 minutes a render used 36-44 distinct
# pitches of A♭2..E6, a Weimar solo 20-35.5 (p10-p90). Cut at the 1st and 99th
# percentiles, the compass turned the line back more often than the players turn (the
# intervals family of benchmarks/discriminator.py 0.62 against 0.61 at the extremes).
COMPASS_PERCENTILES = (0, 100)
MAX_COMPASS = 36.0
MIN_COMPASS = 12


@dataclass(frozen=True)
class Player:
    """What one Weimar solo did more or less often than its tempo band's players:
    ``duration`` and ``interval`` factors by class (:mod:`improv.sampling.calibration`'s
    classes), ``register`` semitones its median pitch lay from the middle of the
    melody's default limits (A♭2-E6: F#4)."""

    solo: str
    register: float
    duration: tuple[float, ...]
    interval: tuple[float, ...]
    band: int | None = None  # its tempo band (the model's context); None: not known
    # semitones from its median pitch down to its lowest and up to its highest (None:
    # not known, the melody's limits alone)
    compass: tuple[float, float] | None = None

    def __post_init__(self):
        if not abs(self.register) <= MAX_REGISTER:
            raise ValueError(f"player {self.solo!r}: a register more than {MAX_REGISTER} "
                             f"semitones from the players'")
        if self.compass is not None and not (
                len(self.compass) == 2 and -MAX_COMPASS <= self.compass[0] <= 0
                <= self.compass[1] <= MAX_COMPASS):
            raise ValueError(f"player {self.solo!r}: a compass that is not (lowest <= 0, "
                             f"highest >= 0) within {MAX_COMPASS:g} semitones of its median")
        if not all(LOW <= x <= HIGH for x in (*self.duration, *self.interval)):
            raise ValueError(f"player {self.solo!r}: a factor outside {LOW}..{HIGH}")

    def to_list(self) -> list:
        row = [self.solo, self.register, list(self.duration), list(self.interval), self.band]
        return row if self.compass is None else row + [list(self.compass)]

    @classmethod
    def from_list(cls, row) -> Player:
        if not isinstance(row, list) or len(row) not in (4, 5, 6):
            raise ValueError("a player is not [solo, register, durations, intervals, band, "
                             "compass]")
        solo, register, duration, interval, *rest = row
        band, compass = (rest + [None, None])[:2]
        if not isinstance(solo, str):
            raise ValueError("a player's solo is not named")
        if band is not None and not isinstance(band, int):
            raise ValueError(f"player {solo!r}: its tempo band is not a number")
        if compass is not None:
            if not isinstance(compass, list) or len(compass) != 2 or not all(
                    isinstance(x, (int, float)) and not isinstance(x, bool) for x in compass):
                raise ValueError(f"player {solo!r}: its compass is not [lowest, highest]")
            compass = (float(compass[0]), float(compass[1]))
        return cls(solo, float(register), tuple(float(x) for x in duration),
                   tuple(float(x) for x in interval), band, compass)


def tilt(own: np.ndarray, band: np.ndarray) -> tuple[float, ...]:
    """A solo's factor per class: its count over the count its band's shares expect of
    as many notes, both with PRIOR_NOTES more (a class the band never plays: 1)."""
    own = np.asarray(own, float)
    band = np.asarray(band, float)
    expected = own.sum() * band / band.sum() if band.sum() > 0 else np.zeros(len(band))
    ratio = np.where(band > 0, (own + PRIOR_NOTES) / (expected + PRIOR_NOTES), 1.0)
    return tuple(round(float(x), 3) for x in np.clip(ratio, LOW, HIGH))


def from_counts(solo: str, median: float, middle: float, durations, intervals,
                band_durations, band_intervals, band: int | None = None,
                pitches=None) -> Player:
    """The :class:`Player` of a solo (of tempo ``band``) from its note values' class
    counts and median pitch, against its band's counts and the ``middle`` its register
    is measured from; with its ``pitches``, its compass."""
    offset = float(np.clip(median - middle, -MAX_REGISTER, MAX_REGISTER))
    by_interval = tilt(intervals, band_intervals)
    compass = None
    if pitches is not None and len(pitches):
        lo, hi = np.percentile(np.asarray(pitches, float), COMPASS_PERCENTILES) - median
        compass = (round(float(np.clip(lo, -MAX_COMPASS, 0.0)), 2),
                   round(float(np.clip(hi, 0.0, MAX_COMPASS)), 2))
    # the last class, a phrase's first note (no interval), is drawn where no other may be
    return Player(solo, round(offset, 2), tilt(durations, band_durations),
                  by_interval[:-1] + (1.0,), band, compass)


def choose(players: tuple[Player, ...], rng, tempo: float | None = None) -> Player | None:
    """The player a soloist seeded by ``rng`` plays as (None when there are none): one of
    the solos played in the tempo band of ``tempo`` (BPM, where the solo starts; a
    player's factors are against its own band, and a fast tune's habits at a ballad's
    tempo make no player's solo), from a stream of its own so the choice never moves
    the soloist's draws."""
    if tempo is not None and any(p.band is not None for p in players):
        band = context.tempo_slot(tempo) - context.TEMPO_OFFSET
        players = tuple(p for p in players if p.band == band)  # none there: pooled
    if not players:
        return None
    return players[int(child_stream(rng, PLAYER_STREAM).integers(len(players)))]


def middle_shift(register: float, low: int, high: int) -> float:
    """How far the middle of ``low..high`` moves for a player's ``register``: all of it
    where the middle stays MARGIN inside the limits, else as far as it may."""
    middle = (low + high) / 2
    return min(max(register, min(low + MARGIN - middle, 0.0)), max(high - MARGIN - middle, 0.0))


def compass_limits(player: Player | None, low: int, high: int) -> tuple[int, int]:
    """The part of ``low..high`` a line played as ``player`` keeps to: its compass
    around the middle its register moves to, widened to MIN_COMPASS where narrower
    (``low..high`` itself where the player has none)."""
    compass = getattr(player, "compass", None)  # a stand-in player may carry none
    if compass is None:
        return low, high
    centre = (low + high) / 2 + middle_shift(player.register, low, high)
    lo = max(low, min(high, math.floor(centre + compass[0])))
    hi = min(high, max(low, math.ceil(centre + compass[1])))
    short = MIN_COMPASS - (hi - lo)
    if short > 0:  # widened both ways, as far as the limits allow
        lo = max(low, lo - (short + 1) // 2)
        hi = min(high, lo + MIN_COMPASS)
        lo = max(low, hi - MIN_COMPASS)
    return lo, hi


def describe(player: Player | None) -> str:
    """A player as the start-up line names it: ``ArtPepper_Stardust-1_Solo`` is "Art
    Pepper on Stardust-1" ("" for None)."""
    if player is None:
        return ""
    parts = player.solo.removesuffix("_Solo").split("_")
    words = [re.sub(r"(?<=[a-z])(?=[A-Z0-9])", " ", part) for part in parts]
    return words[0] if len(words) == 1 else f"{words[0]} on {' '.join(words[1:])}"
