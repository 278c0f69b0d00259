"""Figures about a played solo: how it sits on the harmony, its range, what it repeats."""

from __future__ import annotations

from dataclasses import dataclass

from improv.analysis.streamstats import repeated_run
from improv.band.note import Note
from improv.language.harmony import NOTE_NAMES, note_type


def pitch_name(pitch: int) -> str:
    """``60`` → ``C4`` (middle C is C4)."""
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


@dataclass(frozen=True)
class SoloStats:
    notes: int
    chord_tones: float   # share of melody notes that are chord tones of the chord sounding
    scale_tones: float   # share that belong to the chord's scale (chord tones included)
    approach_tones: float
    other_tones: float
    low: int
    high: int
    # The longest pitch sequence the melody plays twice, the two times not overlapping
    # (a phrase heard again; in the trill C D C D C D that is C D, not C D C D): a
    # measure of motif reuse that ignores rhythm. See streamstats.repeated_run.
    repeat: tuple[int, ...]

    def lines(self) -> list[str]:
        if not self.notes:
            return ["melody notes: 0"]
        pct = lambda x: f"{100 * x:.1f}%"  # noqa: E731
        repeat = " ".join(pitch_name(p) for p in self.repeat) or "none"
        return [
            f"melody notes: {self.notes}",
            f"chord tones: {pct(self.chord_tones)}  scale tones (incl. chord tones): "
            f"{pct(self.scale_tones)}  approach: {pct(self.approach_tones)}  "
            f"other: {pct(self.other_tones)}",
            f"pitch range: {pitch_name(self.low)}..{pitch_name(self.high)} "
            f"(MIDI {self.low}..{self.high}, {self.high - self.low} semitones)",
            f"longest repeated phrase: {len(self.repeat)} notes ({repeat})",
        ]


def solo_stats(notes: list[Note]) -> SoloStats:
    melody = [n for n in notes if n.part == "melody"]
    if not melody:
        return SoloStats(0, 0.0, 0.0, 0.0, 0.0, 0, 0, ())
    types = [note_type(n.pitch, n.chord) for n in melody]
    share = lambda *kinds: sum(t in kinds for t in types) / len(types)  # noqa: E731
    pitches = [n.pitch for n in melody]
    return SoloStats(len(melody), share("C"), share("C", "S"), share("A"), share("X"),
                     min(pitches), max(pitches), repeated_run(pitches, overlap=False))
