"""Piano voicings of a chord, as a pianist would play them: test material for naming.

Pure integer arithmetic, no I/O. :func:`voicings` returns, per kind, tuples of MIDI
pitches, lowest first, the lowest in ``[low, low + 11]`` (the default ``low=48`` keeps
every voicing inside about 48–84). Why each kind is built the way it is:

* ``root``: close position from the root, every tone of the quality. Five notes at most,
  as two hands' worth of close voicing; a sixth tone (13th chords, m11, 69#11) costs the
  perfect fifth first, the tone every pianist leaves out because it names nothing.
* ``inversion``: the root voicing rotated so the 3rd, 5th or 7th is the bass, the way a
  left hand moves by step between chords. A 6th stands in for the 7th (it is the fourth
  tone of a 6 or dim7 chord), so 6 chords have a 3rd inversion too.
* ``shell``: root + 3rd + 7th and root + 7th + 3rd (Bud Powell's left hand): the guide
  tones that tell the family. A chord without a 7th uses its 6th, else its 5th; a sus
  chord's 4th (or 2nd) is its "3rd". So an m7b5 shell is an m7 shell: only context can
  tell them apart, which is what a namer's ``expected`` is for.
* ``drop2``: each close four-note voicing of root, 3rd, 5th and 7th (or 6th) with its
  second-highest note an octave down, the standard guitar and big-band spread. A triad
  doubles its root to make four notes; a power chord has none.
* ``rootless`` (Bill Evans / Wynton Kelly left hand, the bassist plays the root): type A
  from the 3rd, type B the same notes with the top two an octave lower (from the 7th).
  Tensions replace the root and, where the chord has them, the fifth, because they carry
  the colour the symbol names:

  - dominant: 3-13-b7-9. The quality's own tensions win: a b9/#9 replaces the 9, a 13,
    b13 (or #5) or #11 (or b5) replaces the 13; else the scale's 9 and 13, natural
    where it has them (7b9 takes b13, 7#5 and 7b13 take b9);
  - minor: b3-5-b7-9, with the 6 (m6, m69) or major 7 (mMaj7) as the "7th";
  - major: 3-5-7-9, not 3-6-7-9, because the 5 keeps a maj7 a maj7 (3-6-7-9 is a
    sus-sounding cluster); #11 or #5 replaces the 5 when the quality has it, a 6 the 7
    in 6 chords;
  - triads and add9 chords take the 6 as their "7th": a bare triad symbol is played as
    a 6/9 (maj, add9) or m6/9 (m, madd9) chord;
  - half-diminished: b3-b5-b7-9, the natural 9 of locrian #2 (m9b5), which pianists
    voice on any m7b5: locrian's own b9 clashes with the root, and its 11 would make
    a chord the table has no name for (no m11b5);
  - diminished: all four tones of the dim7 (or dimMaj7) from the b3. A dim7 is
    symmetric: any of its tones is a root, so leaving one out names nothing new;
  - aug: its three tones from the 3rd, symmetric for the same reason;
  - sus (sus4, 7sus4, 9sus4): 4-5-b7-9, the usual suspended-dominant voicing (a plain sus
    symbol is played as a 7sus4); sus2: 9-5-6; a power chord (5) has no rootless voicing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from improv.language.harmony import _Q, Chord

MAX_NOTES = 5
_FORMS = {  # which rootless form each quality takes (module doc)
    "dom": ("7", "9", "13", "7b9", "7b13", "7#9", "7#5", "7alt", "7#11", "7b5", "9b13",
            "9#5", "13b9", "7b9#11"),
    "min": ("m", "m7", "m9", "m11", "m6", "m69", "madd9", "mMaj7"),
    "maj": ("maj", "maj7", "maj9", "maj7#11", "6", "69", "69#11", "add9", "maj7#5"),
    "half": ("m7b5", "m9b5"),
    "dim": ("dim", "dim7", "dimMaj7"),
}


@dataclass(frozen=True)
class Degrees:
    """A quality's tones by role, as semitones above the root (None: it has no such tone).

    ``seventh`` is the 7th, or the 6th of a 6 chord (the bb7 of a dim7): the fourth tone.
    ``tensions`` are the rest, in the order of harmony's table.
    """

    third: int | None
    fifth: int | None
    seventh: int | None
    tensions: tuple[int, ...]

    @property
    def core(self) -> tuple[int, ...]:
        """Root, 3rd, 5th and 7th (or 6th), those the quality has."""
        return tuple(t for t in (0, self.third, self.fifth, self.seventh) if t is not None)


@lru_cache(maxsize=64)
def degrees(quality: str) -> Degrees:
    """The roles of a quality's tones (a sus chord's 4th or 2nd is its "3rd"; an altered
    chord's #5/b13 its "5th" when it has no other)."""
    tones = _Q[quality].tones
    third = next((t for t in (4, 3, 5, 2) if t in tones), None) if quality != "5" else None
    fifth = next((t for t in (7, 6, 8) if t in tones), None)
    seventh = next((t for t in (11, 10, 9) if t in tones), None)  # a 13th chord: b7
    taken = {0, third, fifth, seventh}
    return Degrees(third, fifth, seventh, tuple(t for t in tones if t not in taken))


def _stack(root: int, intervals, low: int) -> tuple[int, ...]:
    """Pitches for ``intervals`` above ``root``, bottom to top: the first at the lowest
    pitch >= low with its pitch class, each next one the nearest above the one before."""
    notes = []
    for interval in intervals:
        pc = (root + interval) % 12
        floor = notes[-1] + 1 if notes else low
        notes.append(floor + (pc - floor) % 12)
    return tuple(notes)


def _low(notes, low: int) -> tuple[int, ...]:
    """``notes`` moved by octaves so the lowest is in ``[low, low + 11]``."""
    shift = low + (min(notes) - low) % 12 - min(notes)
    return tuple(sorted(n + shift for n in notes))


def _root_intervals(quality: str) -> tuple[int, ...]:
    """The root voicing's intervals, close position: every tone, the 5th (then the last
    tensions) left out beyond five."""
    d = degrees(quality)
    tones = list(d.core) + list(d.tensions)
    if len(tones) > MAX_NOTES and d.fifth is not None:
        tones.remove(d.fifth)
    return tuple(sorted(tones[:MAX_NOTES]))


def _rootless_intervals(quality: str) -> tuple[int, ...]:
    """Type A of the rootless voicing, bottom to top (see the module doc)."""
    d, tones, scale = degrees(quality), _Q[quality].tones, _Q[quality].scale
    kind = next((k for k, qs in _FORMS.items() if quality in qs), None)
    seventh = d.seventh if d.seventh is not None else 9
    if kind == "dom":
        nine = next((t for t in (1, 3, 2) if t in tones), None)
        if nine is None:
            nine = next(t for t in (2, 1, 3) if t in scale)
        thirteen = next((t for t in (9, 8, 6) if t in tones), None)
        if thirteen is None:
            thirteen = 9 if 9 in scale else 8
        return (4, thirteen, 10, nine)
    if kind == "min":
        return (3, 7, seventh, 2)
    if kind == "maj":
        fifth = next((t for t in (6, 8) if t in tones), 7)
        return (4, fifth, seventh, 2)
    if kind == "half":
        return (3, 6, 10, 2)
    if kind == "dim":
        return (3, 6, seventh, 12)
    if quality == "aug":
        return (4, 8, 12)
    if quality in ("sus4", "7sus4", "9sus4"):
        return (5, 7, 10, 2)
    if quality == "sus2":
        return (2, 7, 9)
    return ()


def _drop2(root: int, core: tuple[int, ...], low: int) -> list[tuple[int, ...]]:
    if len(core) < 3:
        return []
    out = []
    for k in range(len(core)):
        close = core[k:] + core[:k]  # a close voicing from its k-th tone up
        a, b, c, d = close if len(close) == 4 else close + close[:1]  # a triad doubles
        out.append(_stack(root, (c, a, b, d), low))
    return out


def voicings(chord: Chord, low: int = 48) -> dict[str, list[tuple[int, ...]]]:
    """Piano voicings of ``chord`` by kind: ``root``, ``inversion``, ``shell``, ``drop2``
    and ``rootless`` (see the module doc), each a list of pitch tuples, lowest first.

    A slash chord is voiced without its bass (the bassist plays that). No chord: all
    kinds empty.
    """
    if chord.quality == "nc":
        return {kind: [] for kind in ("root", "inversion", "shell", "drop2", "rootless")}
    root, d = chord.root, degrees(chord.quality)
    close = _root_intervals(chord.quality)
    inversions = []
    for bass in (d.third, d.fifth, d.seventh):
        if bass is not None and bass in close:
            k = close.index(bass)
            inversions.append(_stack(root, close[k:] + close[:k], low))
    guide = d.seventh if d.seventh is not None else d.fifth
    third = d.third if d.third is not None else d.fifth
    shells = {_stack(root, (0, third, guide), low), _stack(root, (0, guide, third), low)}
    type_a = _rootless_intervals(chord.quality)
    rootless = []
    if type_a:
        a = _stack(root, type_a, low)
        b = a[:-2] + tuple(n - 12 for n in a[-2:])
        rootless = [a, _low(b, low)]
    return {
        "root": [_stack(root, close, low)],
        "inversion": inversions,
        "shell": sorted(shells),
        "drop2": [_low(v, low) for v in _drop2(root, d.core, low)],
        "rootless": rootless,
    }
