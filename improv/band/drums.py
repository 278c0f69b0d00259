"""The drums: a rule-based kit on the GM percussion channel, with seeded variation (pure).

What each style plays, beats counted from 1, "&" the off-beat eighth (swung in swung
styles); the tabs are in :mod:`improv.band.drumkit`:

=======  =====  =================================================================
style    metre  pattern
=======  =====  =================================================================
swing    4/4    ride 1 2 2& 3 4 4& (a skip left out one bar in five, 3& now and
                then); hi-hat pedal 2 4; kick feathered on every beat in half the
                bars; snare and kick comping on random off-beats
ballad   4/4    brushes (soft snare): sweep 1 and 3 with a pickup on 1& / 3&, tap 2
                and 4; hi-hat pedal 2 4; a soft kick on 1 and 3 in some bars; sparse
bossa    4/4    cross-stick clave over two bars (1 2& 4 | 2 3&); kick 1 2& 3 4& (a
                2/4 feel: 1 and the and-of-2 of each half); closed hi-hat eighths
waltz    3/4    ride 1 2 2& 3 (the skip left out one bar in five); hi-hat pedal on
                2 (and on 3 in most bars); light kick on 1; snare comping
latin    4/4    mambo-ish cowbell (ride bell in some sections) over a 2-3 son clave on
                cross-stick (2 3 | 1 2& 4); kick 2& and 4; hi-hat pedal 2 4
even8    4/4    straight eighths on the closed hi-hat (the ride in some sections);
                kick 1 and 3 (with pickups); snare 2 and 4
=======  =====  =================================================================

In another metre a style plays its cell for each beat group (5/4 = 3+2: swing rides
1 2 2& 3 | 4 5 5&, the hi-hat on 2 3 and 5); two-bar patterns alternate over the groups.

Reacting: the bar before a new section or a new chorus ends in a fill (the last beat,
two beats or the whole bar, chosen by the generator) and the new one opens with a crash
and a kick. Comping thins out while the soloist is busy (:meth:`DrumsPart.hear`) and
grows in the bar after the soloist stops (a phrase end). Every bar is drawn anew from
the part's own generator (skips, feathering, comping positions and strength, fill
shape, humanised velocities), so no short loop repeats; ``level`` (a knob, 0..1) scales
every velocity. Hits last an eighth of a beat, so no note is left on.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from improv.band.drumkit import STYLES, Style, bar_hits
from improv.band.note import Note
from improv.band.part import Part, Stage
from improv.errors import UsageError
from improv.settings import setting, validate

DRUMS = "drums"  # the part's name: its notes, track, table and on/off knob
LEVEL_KNOB = "drums_level"  # a knob named "drums" switches the part (the ensemble's rule)
HIT = Fraction(1, 8)  # how long a stroke's note lasts, in beats
HUMANISE_MOST = 6  # velocity steps a stroke varies by at most (the feel's humanise)
FILL_BEATS = ((1, 0.15), (2, 0.6), (None, 0.25))  # the fill's length (None: a bar), odds
SWAP_CHANCE = 0.4  # a section plays the style's other timekeeper
PHRASE_END = 2.0  # comping rate, times the usual, in the bar after the soloist stops


@dataclass(frozen=True)
class Drums:
    """The ``[drums]`` table. ``program`` 0 sends no program change (the channel's GM
    kit); ``style`` "auto" plays the band's style (:mod:`improv.band.styles`), any
    other the drums' own whatever the band plays."""

    enabled: bool = setting(True)
    channel: int = setting(10, lo=1, hi=16)
    program: int = setting(0, lo=0, hi=128)
    velocity: int = setting(90, lo=1, hi=127)
    style: str = setting("auto", choices=("auto", *STYLES))

    def __post_init__(self):
        validate(self)


def opens_at(timeline, beat: Fraction) -> bool:
    """Whether a section or the chart itself (a new chorus) starts at the bar line ``beat``.

    A chart without sections says nothing through ``section_opens_at``, so its loop is
    found from the chart in force."""
    return timeline.section_opens_at(beat) or timeline.chorus_opens_at(beat)


class DrumsPart(Part):
    """The kit: one bar per event, built by :func:`improv.band.drumkit.bar_hits`."""

    name = DRUMS

    def __init__(self, settings: Drums, rng, style: str | None = None, level: float = 1.0):
        super().__init__(settings.channel, enabled=settings.enabled, program=settings.program)
        self._settings = settings
        self._rng = rng
        own = "swing" if settings.style == "auto" else settings.style
        self._style: Style = STYLES[own]
        self.style = own
        self.level = 1.0
        self.busy = 0.5  # the soloist's density, 0 resting .. 1 flat out
        self._answer = False  # the soloist just stopped: comp more in the next bar
        self._swap = False
        self.set_style(style or own)
        self.set_level(level)

    def set_style(self, name: str) -> None:
        """Play style ``name`` from the next bar generated."""
        if name not in STYLES:
            raise UsageError(f"drums: style {name!r} is not known: it must be one of "
                             f"{', '.join(STYLES)}")
        self.style, self._style = name, STYLES[name]

    def set_level(self, level: float) -> None:
        """Every velocity times ``level`` (0 silent, 1 as configured)."""
        self.level = min(1.0, max(0.0, float(level)))

    def hear_soloist(self, density: float) -> None:
        """The soloist's notes per beat over the last bar: three or more is flat out."""
        self.hear(min(1.0, max(0.0, density / 3.0)))

    def hear(self, density: float) -> None:
        """How busy the soloist is now (0 resting .. 1 flat out): the drums comp less
        under a busy line and answer when it stops (a phrase end)."""
        density = min(1.0, max(0.0, float(density)))
        if self.busy >= 0.4 and density < 0.15:
            self._answer = True
        self.busy = density

    def tune(self, knob: str, value) -> None:
        """``drums_level`` (0..1) sets the level; ``busy`` is :meth:`hear`."""
        if knob == LEVEL_KNOB:
            self.set_level(value)
        elif knob == "busy":
            self.hear(value)

    def _next(self, until: Fraction, stage: Stage) -> list[Note]:
        metre = stage.metre
        start = Fraction(int(self.cursor // metre) * metre)
        bar = stage.bar_in_chart(start)  # the patterns count from the chart's first bar
        heard = stage.solo_density(start)  # the ensemble's count, if it keeps one
        if heard is not None:
            self.hear_soloist(heard)
        end = start + metre
        rng, style = self._rng, self._style
        opening = opens_at(stage.timeline, start)
        if opening and style.swap:
            self._swap = bool(rng.random() < SWAP_CHANCE)
        fill_from = None
        if opens_at(stage.timeline, end):
            beats = FILL_BEATS[rng.choice(len(FILL_BEATS), p=[p for _, p in FILL_BEATS])][0]
            fill_from = Fraction(max(0, metre - (beats or metre)))
        rate = 1.6 - 1.2 * self.busy
        if self._answer:
            rate, self._answer = rate * PHRASE_END, False
        hits = bar_hits(style, metre, bar, rng, rate=rate, fill_from=fill_from,
                        crash=opening and bar > 0, swap=self._swap)
        spread = min(HUMANISE_MOST, stage.feel.humanise)
        jitter = rng.integers(-spread, spread + 1, size=len(hits)) if spread else [0] * len(hits)
        gain = self._settings.velocity * style.gain * self.level / 100
        notes = []
        for hit, j in zip(hits, jitter):
            at = start + hit.at
            if at < self.cursor or self.level <= 0:
                continue
            velocity = max(1, min(127, round(hit.weight * gain) + int(j)))
            notes.append(self._stroke(at, hit.key, velocity, stage, style.swung))
        self.cursor = end
        return notes

    def _stroke(self, at: Fraction, key: int, velocity: int, stage: Stage, swung: bool) -> Note:
        """One hit, an eighth of a beat long: swung by the band's feel in a swung style,
        straight in a straight one whatever the band's swing."""
        if swung:
            return self.note(at, at + HIT, key, velocity, stage)
        return Note(float(at), float(at + HIT), self.channel, key, velocity, self.name,
                    stage.chord_at(at), stage.bar_of(at))


def drums_part(settings: Drums, rng, style: str | None = None) -> DrumsPart:
    """The drums of ``settings``, drawing from ``rng`` (a numpy Generator of their own),
    in the band's ``style`` (None: the table's)."""
    return DrumsPart(settings, rng, style)
