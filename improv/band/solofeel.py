"""The soloist's written notes as a Weimar player sounds them (``[feel] timing =
"learned"``), for the melody part: its performer (:mod:`improv.performance.performer`),
made with the first note in the style of the soloist the source plays as; the grace
note before a note and the quicker notes run through after it; and how far before the
part's cursor a note not yet made may still sound (pure: the feel's own generator and
table are passed in).

A note may be pushed up to ``timefeel.EARLIEST`` ahead of its written place, so the part
makes its values that much further ahead and counts its notes as made only that far
before its cursor; where it comes in afresh (after a stall, a jump of the transport, a
knob) no note sounds before that beat, which is made at once.
"""

from __future__ import annotations

from fractions import Fraction

from improv.performance import performer, timefeel

GRACE_SOFTER = 12  # velocity a grace note has less than its note
RUN_SOFTER = 6  # and a note run through after its note
_REACH = (Fraction(0), Fraction(timefeel.EARLIEST))  # grid, learned: made once, not per call


class SoloFeel:
    """The melody's performer and its reach ahead of the written line."""

    def __init__(self, rng, table: timefeel.TimeFeel | None = None):
        """``rng``: the feel's own generator; ``table``: the learned time feel (default:
        the shipped one, read when first needed)."""
        self._rng = rng
        self._table = table
        self._performer: performer.Performer | None = None  # made with the first note
        self._early = Fraction(0)  # how far ahead of its written place a note may sound
        self._entry = Fraction(0)  # where the part last came in: nothing sounds before it

    def check(self) -> None:
        """Read the table now: a missing or broken one is found before the first note."""
        self._table = self._table or timefeel.shipped()

    def reach(self, learned: bool) -> Fraction:
        """How much further than asked the part makes its values (EARLIEST when
        ``learned``, else none)."""
        self._early = _REACH[learned]
        return self._early

    def ready(self, cursor: Fraction) -> Fraction:
        """The beat before which every note of a part whose next value is written at
        ``cursor`` is made."""
        return max(cursor - self._early, self._entry)

    def came_in(self, beat: Fraction, jumped: bool = False) -> None:
        """The part goes on afresh from ``beat`` (``jumped``: the transport moved, so the
        note before may lie ahead)."""
        self._entry = Fraction(beat)
        if jumped and self._performer is not None:
            self._performer.forget()

    def new_phrase(self) -> None:
        if self._performer is not None:
            self._performer.new_phrase()

    def sounds(self, start: Fraction, end: Fraction, pitch: int, feel, lead_in, limits,
               solo: str | None, rest_follows: bool, turn_ends: bool,
               next_span: Fraction | None, next_pitch: int | None) -> list[tuple]:
        """(start, end, pitch, softer, written) of each note the written note from
        ``start`` to ``end`` sounds as (off by ``end`` where a turn ends it): a grace
        note before it where the player would put one, the note itself (``written``),
        and now and then quicker notes run through toward the next; ``softer``: how much
        less velocity than the written note's."""
        floor = float(max(min(lead_in, start), self._entry))
        tempo = feel.tempo or timefeel.DEFAULT_TEMPO
        if self._performer is None:  # in the style of the soloist the source plays as
            self.check()
            self._performer = performer.Performer(self._table, self._rng, solo)
        played = self._performer
        played.perform(start, end, tempo, feel.amount, rest_follows, floor,
                       until=float(end) if turn_ends else None, next_span=next_span)
        grace = played.grace(pitch, tempo, feel.amount, limits.low, limits.high, floor)
        notes = [] if grace is None else [(*grace, GRACE_SOFTER, False)]
        for k, (a, b, p) in enumerate(played.run(pitch, next_pitch, tempo, feel.amount,
                                                 limits.low, limits.high)):
            notes.append((a, b, p, RUN_SOFTER * (k > 0), k == 0))
        return notes
