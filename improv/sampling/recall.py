"""A soloist's memory of its own phrases, and the motif a new phrase may open with.

Players come back to what they played: in the Weimar solos 16% of phrase heads (the
first four pitches of a phrase) repeat four pitches heard earlier in the solo, and 4%
carry an earlier figure along the changes, moved by the root motion of the chords
(``python -m improv.learning.motifs``). The recalled run is mostly 4-6 notes, most
often from inside an earlier phrase rather than its head, from a few phrases back (median
6), and it rarely falls on the beat of the bar where it fell before: it comes back
displaced. Inside phrases players also fall back into licks: 1.7% of the notes inside a
phrase start a run of six or more pitches heard before (median 7, p90 11 notes long).

:class:`Motifs` keeps the last :data:`MEMORY` phrases the part played (durations in
twelfths of a beat, pitches, the chord's root under each note) and, at a phrase's
start, draws whether that phrase opens with a recall and which: a run of an earlier
phrase, drawn as the corpus's are, repeated at pitch or sequenced, starting where the
phrase starts (so its place in the bar is new), its rhythm kept. After each note inside
a phrase it draws whether the line falls into a lick: what followed the same pitch in
an earlier phrase, at pitch, its rhythm kept. The part plays its
pitches and feeds its values through the LSTM, so the model carries on from it. Draws
come from a generator of their own; ``amount`` 0 draws nothing.

The shares are the corpus's less what chance gives a solo without recall (improv's own
renders before, 64 bars × 12: 2.2% repeats, 1.8% sequences and 0.04% licks by chance).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from improv.language.grammar import PitchLimits
from improv.language.register import from_quantiles
from improv.sampling.restgrid import GRID_ONSETS

# of phrase starts: a run of earlier pitches, at pitch. Halved since the model hears the
# pitches it plays (context-v2): it carries a recalled head on into later phrases, and
# the players' rate of recalls gave twice their share of repeated heads (0.204 against
# 0.100, benchmarks/motifs.py medians)
REPEAT_SHARE = (0.16 - 0.022) / 2
SEQUENCE_SHARE = 0.039 - 0.018  # moved by the chords' root motion
REPEAT_LENGTH = (4.0, 4.0, 5.0, 6.0, 8.0)  # notes recalled, p10..p90
SEQUENCE_LENGTH = (4.0, 4.0, 4.0, 5.0, 6.0)
BACK = (1.0, 2.0, 6.0, 15.0, 34.0)  # phrases back to the recalled one, p10..p90
FROM_HEAD = 0.255  # the recalled run opened its phrase
HEAD = 4  # notes a recall holds at least (as the corpus's were counted)
LICK_SHARE = 0.0166 - 0.0004  # of the notes inside a phrase: a lick starts there
LICK_LENGTH = (6.0, 6.0, 7.0, 8.0, 11.0)  # notes, the one it starts from included
LICK = 6  # notes a lick holds at least
MEMORY = 40  # phrases remembered
TRIES = 3  # runs drawn before a recall gives up (the register, the rhythm grid)
MOTIF_STREAM = 0x4D  # the spawn key of the motifs' generator beside the part's own


@dataclass(frozen=True)
class MotifNote:
    twelfths: int  # duration, twelfths of a beat
    pitch: int | None  # None: a rest inside the phrase


@dataclass(frozen=True)
class Motif:
    notes: tuple[MotifNote, ...]
    kind: str  # "repeat" | "sequence" | "lick"


def _fits_grid(position: int, notes) -> bool:
    """Every note, started ``position`` twelfths into a beat, ends on the rhythm grid."""
    for note in notes:
        position = (position + note.twelfths) % 12
        if position not in GRID_ONSETS:
            return False
    return True


def _fits_chord(pitches, table) -> bool:
    """No note outside the chord's scale and approach tones, the first a chord or scale
    tone: a run recalled over other harmony must still sound against it (``table``: the
    note type of each pitch class over the chord; None: anything goes)."""
    return table is None or (table[pitches[0] % 12] in "CS"
                             and all(table[p % 12] != "X" for p in pitches))


def _root_motion(old: int, new: int) -> int:
    """The nearest move from root ``old`` to ``new``, -5..+6 semitones."""
    step = (new - old) % 12
    return step - 12 if step > 6 else step


class Motifs:
    """The part's phrases as it plays them, and the recall at each phrase's start."""

    def __init__(self, rng, amount: float = 1.0):
        self._rng = rng
        self._repeat = min(REPEAT_SHARE * amount, 0.9)
        self._sequence = min(SEQUENCE_SHARE * amount, 0.9 - self._repeat)
        self._lick = min(LICK_SHARE * amount, 0.5)
        self._phrases: deque[list[tuple[int, int | None, int]]] = deque(maxlen=MEMORY)
        self._open: list[tuple[int, int | None, int]] | None = None

    def heard(self, twelfths: int, pitch: int | None, root: int) -> None:
        """A value the part played (``pitch`` None: a rest) over a chord of ``root``
        (-1: no chord). A note opens a phrase when none is open."""
        if pitch is None:
            if self._open is not None:
                self._open.append((twelfths, None, root))
            return
        if self._open is None:
            self._open = []
        self._open.append((twelfths, pitch, root))

    def close(self) -> None:
        """The open phrase ended (a rest of a phrase gap, a skip, a turn)."""
        phrase, self._open = self._open, None
        while phrase and phrase[-1][1] is None:
            phrase.pop()
        if phrase:
            self._phrases.append(phrase)

    def recall(self, position: int, root: int, limits: PitchLimits,
               table=None) -> Motif | None:
        """The motif a phrase starting ``position`` twelfths into a beat over a chord of
        ``root`` (its note types ``table``) opens with, or None (most phrases: the
        model alone)."""
        u = self._rng.random()
        if u >= self._repeat + self._sequence or not self._phrases:
            return None
        kind = "repeat" if u < self._repeat else "sequence"
        for _ in range(TRIES):
            motif = self._transformed(kind, position, root, limits, table)
            if motif is not None:
                return motif
        return None

    def _transformed(self, kind: str, position: int, root: int, limits: PitchLimits,
                     table) -> Motif | None:
        """A run drawn for ``kind``, moved as it says, if it fits the register, the
        chord and, from ``position``, the rhythm grid."""
        found = self._run(kind)
        if found is None:
            return None
        run, old_root = found
        shift = 0
        if kind == "sequence":
            if root < 0 or old_root < 0 or root == old_root:
                kind = "repeat"  # no motion to follow: at pitch
            else:
                shift = _root_motion(old_root, root)
        pitches = [p for _, p, _ in run if p is not None]
        for move in ((shift,) if kind == "repeat" else (shift, shift - 12, shift + 12)):
            if limits.low <= min(pitches) + move and max(pitches) + move <= limits.high:
                notes = tuple(MotifNote(t, None if p is None else p + move) for t, p, _ in run)
                fits = (_fits_grid(position, notes)
                        and _fits_chord([p + move for p in pitches], table))
                return Motif(notes, kind) if fits else None
        return None

    def lick_due(self) -> bool:
        """Inside a phrase, after a note: does the line fall into a lick now (the draw;
        most notes: no)? Then :meth:`lick` says which, so a note that draws none costs
        the caller nothing more."""
        return self._rng.random() < self._lick

    def lick(self, previous: int, position: int, limits: PitchLimits,
             table=None) -> Motif | None:
        """The lick the line falls into after a note of pitch ``previous`` ending
        ``position`` twelfths into a beat (once :meth:`lick_due`): what followed
        ``previous`` in an earlier phrase, at pitch; None where nothing fits."""
        rng = self._rng
        length = max(LICK, round(from_quantiles(LICK_LENGTH, rng.random()))) - 1
        places = [(phrase, i) for phrase in self._phrases
                  for i, (_, pitch, _) in enumerate(phrase[:-1]) if pitch == previous]
        if not places:
            return None
        for _ in range(TRIES):
            phrase, i = places[int(rng.integers(len(places)))]
            run, count = [], 0
            for twelfths, pitch, _ in phrase[i + 1:]:
                run.append(MotifNote(twelfths, pitch))
                count += pitch is not None
                if count == length:
                    break
            pitches = [n.pitch for n in run if n.pitch is not None]
            if (count >= LICK - 1 and limits.low <= min(pitches) and max(pitches) <= limits.high
                    and _fits_grid(position, run) and _fits_chord(pitches, table)):
                return Motif(tuple(run), "lick")
        return None

    def _run(self, kind: str):
        """A run of an earlier phrase, drawn as the corpus's recalls are: how far back,
        from its head or inside it, how many notes. None if no phrase holds one."""
        rng = self._rng
        back = max(1, round(from_quantiles(BACK, rng.random())))
        lengths = REPEAT_LENGTH if kind == "repeat" else SEQUENCE_LENGTH
        length = max(HEAD, round(from_quantiles(lengths, rng.random())))
        from_head = rng.random() < FROM_HEAD
        candidates = [p for p in self._phrases if sum(x[1] is not None for x in p) >= HEAD]
        if not candidates:
            return None
        phrase = candidates[-min(back, len(candidates))]
        notes = [i for i, x in enumerate(phrase) if x[1] is not None]
        starts = notes[:1] if from_head else notes[:len(notes) - HEAD + 1]
        start = starts[int(rng.integers(len(starts)))]
        run, count = [], 0
        for item in phrase[start:]:
            run.append(item)
            count += item[1] is not None
            if count == length:
                break
        return run, phrase[start][2]
