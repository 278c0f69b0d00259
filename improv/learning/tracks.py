"""Which MIDI track is the melody and which carry the chords: statistics, guess, lookup.

Pure functions over plain tuples, so the guess is testable without a MIDI parser. A
track is described by its notes as ``(on_tick, off_tick, pitch)``; drums are the tracks
whose notes sit mostly on MIDI channel 10 and never count as pitched.

The automatic guess:

* **melody**: among the pitched tracks that are *mostly monophonic* (at most
  ``MAX_CHORDAL_SHARE`` of their onsets are simultaneities) and sit in the *upper
  register* (median pitch at or above middle C, which rules out the bass), the one that
  plays the most notes; the higher median pitch breaks ties. "Highest" is read as a
  register filter rather than an arg-max because arrangements often carry a sparse
  high pad or doubling line above the soloist (the Metheny file's 'Syn' track sits a
  sixth above the 'Guitar' solo but plays a quarter as many notes).
* **chords**: the other pitched tracks with the most simultaneities (at least half as
  many as the most chordal one); the melody track itself only when nothing else has
  any, e.g. a solo-piano file.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from improv.errors import CorpusError

DRUM_CHANNEL = 10  # 1-based, as MIDI documents and music21 number channels
MAX_CHORDAL_SHARE = 0.25  # of onsets; above this a track is no melody
UPPER_REGISTER = 60  # middle C: a melody's median pitch is at least this
CHORD_SHARE_OF_BEST = 0.5


@dataclass(frozen=True)
class TrackInfo:
    """What the guess and the error messages need to know about one MIDI track."""

    index: int
    name: str
    notes: int
    onsets: int
    simultaneities: int  # onsets where two or more notes start together
    median_pitch: float
    drums: bool

    @property
    def pitched(self) -> bool:
        return self.notes > 0 and not self.drums

    @property
    def label(self) -> str:
        """The name used in pieces and messages: the track name, else its index."""
        return self.name or f"track {self.index}"

    @property
    def chordal_share(self) -> float:
        return self.simultaneities / self.onsets if self.onsets else 0.0

    def describe(self) -> str:
        return f"{self.index} {self.label!r}"


def track_info(index: int, name: str, notes, channels=(), tolerance: int = 0) -> TrackInfo:
    """Summarise one track. ``notes``: ``(on_tick, off_tick, pitch)``; ``channels``: the
    1-based channel of each note; onsets closer than ``tolerance`` ticks count as one."""
    notes = sorted(notes)
    channels = list(channels)
    drums = bool(channels) and sum(c == DRUM_CHANNEL for c in channels) * 2 > len(channels)
    onsets = simultaneities = 0
    group_start, group_size = None, 0
    for on, _off, _pitch in notes:
        if group_start is not None and on - group_start <= tolerance:
            group_size += 1
            continue
        if group_size > 1:
            simultaneities += 1
        onsets += 1
        group_start, group_size = on, 1
    if group_size > 1:
        simultaneities += 1
    pitches = [p for _on, _off, p in notes]
    return TrackInfo(index, name.strip(), len(notes), onsets, simultaneities,
                     float(median(pitches)) if pitches else 0.0, drums)


def pitched(tracks) -> list[TrackInfo]:
    return [t for t in tracks if t.pitched]


def _listing(tracks) -> str:
    found = pitched(tracks)
    return ", ".join(t.describe() for t in found) if found else "none"


def guess_melody(tracks) -> TrackInfo:
    """The melody track by the rule in the module docstring."""
    candidates = pitched(tracks)
    if not candidates:
        raise CorpusError("no pitched notes (only drums on channel 10, or no "
                          "notes at all): give a file with a melody and chords")
    melodic = [t for t in candidates if t.chordal_share <= MAX_CHORDAL_SHARE]
    upper = [t for t in melodic if t.median_pitch >= UPPER_REGISTER] or melodic or candidates
    return max(upper, key=lambda t: (t.notes, t.median_pitch, -t.index))


def guess_chords(tracks, melody: TrackInfo) -> tuple[TrackInfo, ...]:
    """The chord tracks by the rule in the module docstring (may be empty)."""
    others = [t for t in pitched(tracks) if t.index != melody.index and t.simultaneities]
    if not others:
        return (melody,) if melody.simultaneities else ()
    best = max(t.simultaneities for t in others)
    return tuple(t for t in others if t.simultaneities >= CHORD_SHARE_OF_BEST * best)


def find_track(tracks, key, option: str = "--melody-track") -> TrackInfo:
    """Resolve a track given by index (int or digits) or by name (case-insensitive).

    Raises CorpusError listing the pitched tracks when there is no such pitched track.
    """
    tracks = list(tracks)
    text = str(key).strip()
    if isinstance(key, int) or text.isdigit():
        matches = [t for t in tracks if t.index == int(text)]
    else:
        matches = [t for t in tracks if t.name.casefold() == text.casefold()]
    if not matches:
        raise CorpusError(f"no track {text!r}: give {option} as one of the "
                          f"pitched tracks (index or name): {_listing(tracks)}")
    track = next((t for t in matches if t.pitched), matches[0])
    if not track.pitched:
        why = "is a drum track (channel 10)" if track.drums else "has no notes"
        raise CorpusError(f"track {track.describe()} {why}: give {option} as one of the "
                          f"pitched tracks: {_listing(tracks)}")
    return track


def choose_tracks(tracks, melody=None, chords=None) -> tuple[TrackInfo, tuple[TrackInfo, ...]]:
    """The melody track and chord tracks: the ones asked for, else the guess."""
    tracks = list(tracks)
    if not pitched(tracks):
        guess_melody(tracks)  # raises the "no pitched notes" error
    mel = find_track(tracks, melody, "--melody-track") if melody is not None else guess_melody(tracks)
    if chords is not None:
        picked = tuple(find_track(tracks, c, "--chord-tracks") for c in chords)
        if not picked:
            raise CorpusError("--chord-tracks is empty: name at least one track by index or "
                              f"name: {_listing(tracks)}")
        picked = tuple(dict((t.index, t) for t in picked).values())  # drop repeats, keep order
    else:
        picked = guess_chords(tracks, mel)
        if not picked:
            raise CorpusError(f"found no chord track (no other pitched track plays two notes at "
                              f"once): name one with --chord-tracks: {_listing(tracks)}")
    return mel, picked
