"""Naming the chord a player holds: MIDI pitches in, a :class:`Chord` of harmony's table out.

It runs in the real-time MIDI input path, so a call is table lookups: the fit of every
quality to every set of pitch classes is one numpy matrix, built on first use (import
stays cheap; :meth:`ChordNamer.prepare` builds it ahead), and the candidate readings of
each (pitch-class set, bass) are cached. Deterministic, no I/O.

Fit (weights below): every held note a reading names counts alike, so two readings of
the same notes differ only by what they leave out or leave unexplained. Leaving out the
3rd or 7th costs most (they tell the family), the root little (rootless voicings leave
it to the bassist), a perfect 5th least (nothing at all in a three-note shell over its
root: the bass's overtones sound it), a named tension enough that C7 beats C9 without
a 9. A held note the reading does not name earns half when its scale holds it (a
tension the quality leaves unnamed) and costs one when not.

Ambiguity: the same notes often spell several chords (E-G-Bb-D is Em7b5 and a rootless
C9; C-E-G-A is C6 and Am7/C; every dim7 is four). The namer prefers, in turn:

a. the ``expected`` chord (the chord the chart has now), but only where the notes leave
   it open; a musician reharmonises, and a chord held whole outranks the chart:

   * a reading with the chart's root and family that ties with the best (a symmetric
     chord, C6 = Am7/C) is the chart's, and so is one with the chart's root alone that
     ties with it (Fm7 played where Fmaj7 is written, voiced so it also spells Ab6);
   * a rootless reading of the chart's chord (its root not held) is the chart's when it
     is a rootless voicing's A or B form (the chord's 3rd or 7th at the bottom) or leaves
     out nothing but the root; against a whole chord over its own root (Eb-G-Bb-D is
     Ebmaj7 under an F7) only the A or B form, and against a whole chord with its
     perfect 5th in any inversion only an A or B form that leaves out nothing but the
     root (E-G-B-D under Cmaj7 is Cmaj9; B-D-F-G under Db7 stays G7);
   * when the notes hold no whole chord (a shell without its 5th, a rootless voicing,
     a fragment), or hold the chart's root with a tone left open, the chart's root and
     family, then its root, then its family decide among readings up to a rootless one
     without its 5th and with a tension it does not name worse than the best;
b. else the root of the chord it named last, among readings as good as the best, or
   a rootless reading of that same chord (same root and family: a held chord revoiced
   without its root). Not wider: the last root is stale as soon as the player moves on,
   and a ii-V would stay on ii (Em7 then A7 over E is not Em6);
c. else, among readings as good as the best, the lowest note as root;

then the better fit, then the quality the Weimar Jazz Database writes more often (E-G-A-C
is Am7, not C6/E). So C-E-G-A over C is C6 without context: the notes alone cannot tell
a first-inversion Am7, and (c) bets on root position.
"""

from __future__ import annotations

from functools import lru_cache

from improv.language.harmony import _Q, Chord, make_chord
from improv.language.voicings import degrees

_FAMILIES = {
    "maj": ("maj", "maj7", "maj9", "maj7#11", "6", "69", "69#11", "add9", "maj7#5"),
    "min": ("m", "m7", "m9", "m11", "m6", "m69", "madd9", "mMaj7"),
    "dom": ("7", "9", "13", "7b9", "7b13", "7#9", "7#5", "7alt", "7#11", "7b5", "9b13",
            "9#5", "13b9", "7b9#11"),
    "half-dim": ("m7b5", "m9b5"),
    "dim": ("dim", "dim7", "dimMaj7"),
    "aug": ("aug",),
    "sus": ("sus4", "7sus4", "9sus4", "sus2", "5", "nc"),
}
_FAMILY = {q: f for f, qs in _FAMILIES.items() for q in qs}

# The WJD's qualities, most written first: the last tie-break.
_COMMON = ("7", "m7", "maj7", "maj", "m7b5", "m", "6", "7b9", "m6", "7sus4", "dim",
           "sus4", "7#5", "9", "dim7", "7alt", "9sus4", "maj7#11", "7#9", "7#11", "m9",
           "13", "m11", "69", "mMaj7", "m69", "maj9", "13b9", "9b13", "9#5", "69#11",
           "maj7#5", "aug")

# Fit: a held note the chord names scores 1, one its scale holds (a tension the quality
# does not name) 0.5, any other -1; a chord tone not held costs by its role. A perfect
# 5th costs little, and nothing to a plain chord (no tensions) in a three-note shell over
# its root, whose overtones sound it; an altered one names the chord, so it costs more.
_MISS = {"root": 0.5, "third": 1.2, "fifth": 0.3, "altered fifth": 0.6, "seventh": 0.9,
         "tension": 0.6}
_IN_SCALE = 0.5
_OUTSIDE = -1.0
# How much worse than the best a reading may fit and still win by each rule: the chart's
# chord (a) even a rootless reading without its 5th and with a tension it does not name,
# the last root (b) a rootless one, the bass (c) only a tie.
EXPECTED_WIDTH = _MISS["root"] + _MISS["fifth"] + (1 - _IN_SCALE) + 0.05
LAST_WIDTH = _MISS["root"] + 0.05
ROOTLESS_WIDTH = _MISS["root"] + 0.05  # the chart's chord with its root left out, no more
TIE_WIDTH = 0.05
MAX_PITCH_CLASSES = 8  # more at once is a cluster, not a chord


def family(quality: str) -> str:
    """The family of one of harmony's qualities (or "nc"): maj, min, dom, half-dim, dim,
    aug or sus, by function. 7#5, 9#5 and 7alt are "dom" (the 3rd and b7 resolve; the #5
    is a colour); maj7#5 is "maj" (a tonic major 7th with a raised 5th) and mMaj7 "min"
    (a minor tonic); only the bare triad is "aug". Sus chords and the power chord 5 have
    no 3rd, neither major nor minor: "sus"; so does "nc", which has no 3rd either."""
    return _FAMILY[quality]


@lru_cache(maxsize=1)
def _tables():
    """(quality names, fit, fit over the root in the bass, rotations): the fit of every
    quality (column) to every set of pitch classes relative to its root (row), and each
    absolute set relative to each root. Built once, on first use (a few ms, plus numpy's
    import if nothing loaded it yet)."""
    import numpy as np

    names = tuple(_Q)
    present = np.zeros((len(names), 12))
    absent = np.zeros((len(names), 12))
    for k, name in enumerate(names):
        d, scale = degrees(name), _Q[name].scale
        roles = {t: "tension" for t in d.tensions}
        roles.update({d.seventh: "seventh", d.fifth: "fifth" if d.fifth == 7 else "altered fifth",
                      d.third: "third", 0: "root"})
        for i in range(12):
            role = roles.get(i)
            if role:
                present[k, i], absent[k, i] = 1.0, -_MISS[role]
            else:
                present[k, i] = _IN_SCALE if i in scale else _OUTSIDE
    masks = np.arange(4096)
    bits = (masks[:, None] >> np.arange(12)) & 1
    fit = bits @ (present - absent).T + absent.sum(axis=1)
    plain_fifth = np.array([degrees(n).fifth == 7 and not degrees(n).tensions for n in names])
    over_bass = fit + _MISS["fifth"] * plain_fifth[None, :] * (1 - bits[:, 7:8])
    roots = np.arange(12)
    rotations = ((masks[:, None] >> roots) | (masks[:, None] << (12 - roots))) & 4095
    return names, fit, over_bass, rotations


def _order(name: str) -> int:
    return _COMMON.index(name) if name in _COMMON else len(_COMMON)


@lru_cache(maxsize=8192)
def _candidates(mask: int, bass: int) -> tuple[tuple[int, str, float, int], ...]:
    """The readings of a pitch-class set that fit within EXPECTED_WIDTH of the best, each
    ``(root, quality, gap, commonness)`` (gap: how much worse than the best it fits),
    first the one the notes alone choose (rule c): ties on the bass as root, then the
    fit, then commonness."""
    names, fit, over_bass, rotations = _tables()
    relative = rotations[mask]
    scores = fit[relative]  # (root, quality)
    if mask.bit_count() == 3:  # a shell
        scores[bass] = over_bass[relative[bass]]
    best = float(scores.max())
    found = [(int(root), names[k], best - float(scores[root, k]), _order(names[k]))
             for root, k in zip(*(scores >= best - EXPECTED_WIDTH).nonzero())]
    found.sort(key=lambda c: (c[2] > TIE_WIDTH, c[0] != bass, c[2], c[3]))
    return tuple(found)


@lru_cache(maxsize=2048)
def _chord(root: int, quality: str) -> Chord:
    return make_chord(root, quality)


def _a_or_b_form(low: int, root: int, quality: str) -> bool:
    """Whether the lowest note is the 3rd or the 7th of the chord on ``root``: a rootless
    voicing's A or B form, which a pianist sets over the bassist's root."""
    d = degrees(quality)
    return (low - root) % 12 in (d.third, d.seventh)


@lru_cache(maxsize=8192)
def _complete(mask: int, root: int, quality: str, optional_fifth: bool = False) -> bool:
    """Whether the held pitch classes are the whole chord: its root held, every tone of
    it held (but perhaps a perfect 5th, with ``optional_fifth``: a shell over its root)
    and nothing else. The chart cannot talk such notes into another chord."""
    if not mask >> root & 1:
        return False
    tones = 0
    for pc in _chord(root, quality).tones:
        tones |= 1 << pc
    optional = 1 << (root + 7) % 12 if optional_fifth and degrees(quality).fifth == 7 else 0
    return mask & ~tones == 0 and (tones & ~mask) & ~optional == 0


class ChordNamer:
    """Names held notes as chords, one call per change of the held notes.

    Its one piece of state is ``last``, the chord it named last (None at first), which
    rule (b) of the module doc keeps; the caller may set it (e.g. to the chart's
    previous chord).
    """

    def __init__(self) -> None:
        self.last: Chord | None = None

    @staticmethod
    def prepare() -> None:
        """Build the tables now (a few ms with numpy loaded), not in the first call."""
        _tables()

    def name(self, pitches, expected: Chord | None = None) -> Chord | None:
        """The chord the MIDI ``pitches`` held now spell (root and one of harmony's
        qualities, no bass), or None for fewer than two pitch classes or a cluster of
        more than eight (the caller keeps the chord it has). ``expected``: the chord the
        chart has now, which wins ties (module doc)."""
        mask, low = 0, None
        for pitch in pitches:
            pitch = int(pitch)
            mask |= 1 << (pitch % 12)
            if low is None or pitch < low:
                low = pitch
        count = mask.bit_count()
        if count < 2 or count > MAX_PITCH_CLASSES:
            return None
        found = _candidates(mask, low % 12)
        best = (found[0] if len(found) == 1 else
                self._in_context(found, mask, expected, low % 12))
        chord = _chord(best[0], best[1])
        self.last = chord
        return chord

    def _in_context(self, found, mask: int, expected: Chord | None, low: int = 0):
        """Rules (a) and (b) of the module doc over the candidates, else the first."""
        if expected is not None and expected.quality != "nc":
            root, want = expected.root, _FAMILY[expected.quality]
            best = found[0]
            complete = _complete(mask, best[0], best[1], optional_fifth=True)
            # a whole chord, perfect 5th and all, in any inversion: the chart's chord only
            # as its A or B form (3rd or 7th at the bottom) with nothing but its root left
            # out; a whole chord over its own root: the chart's chord only as A or B form
            strong = (_complete(mask, best[0], best[1])
                      and degrees(best[1]).fifth == 7)
            root_position = complete and best[0] == low
            rootless = not mask >> root & 1
            for c in found:  # the chart's own chord: a tie, or voiced without its root
                if c[0] != root or _FAMILY[c[1]] != want:
                    continue
                if c[2] <= TIE_WIDTH:
                    return c
                if not rootless:
                    continue
                form, near = _a_or_b_form(low, root, c[1]), c[2] <= ROOTLESS_WIDTH
                if form and near if strong else form if root_position else form or near:
                    return c
            # no whole chord held, or the chart's root with a tone left open (a shell
            # without its 5th): the chart's root and family tell what the notes leave out
            if not complete or best[0] == root and not _complete(mask, best[0], best[1]):
                pick = max(found, key=lambda c: (c[0] == root and _FAMILY[c[1]] == want,
                                                 c[0] == root, _FAMILY[c[1]] == want))
                if pick[0] == root or _FAMILY[pick[1]] == want:
                    return pick
            elif not root_position:  # an inversion that spells two chords: the chart's root
                for c in found:
                    if c[2] <= TIE_WIDTH and c[0] == root:
                        return c
        if self.last is not None and self.last.quality != "nc":
            root, want = self.last.root, _FAMILY[self.last.quality]
            rootless = not mask >> root & 1
            for c in found:
                if c[0] == root and (c[2] <= TIE_WIDTH or rootless and c[2] <= LAST_WIDTH
                                     and _FAMILY[c[1]] == want):
                    return c
        return found[0]
