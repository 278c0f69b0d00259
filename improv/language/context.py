"""What a player knows at the moment a value starts: the chord, the bar line, the next change.

A conditioned model (``model.json`` ``"features": "context-v1"``) reads at every step,
beside the previous value, the context of the value it is about to predict. The context
is six groups, each exactly one-hot, so a moment is six indices into one vector of
:data:`N_FEATURES` (the engines add six weight rows instead of multiplying a vector):

``family``   the chord's family (maj, min, dom, half-dim, dim, aug, sus, or no chord)
``motion``   the root's step from the previous *different* chord, 0-11 semitones up,
             or "none" (no chord before, or either is N.C.)
``beat``     the beat of the bar the value starts in (1-6, later beats count as 6)
``metre``    beats in the bar: 3 or fewer, 4, 5 or more
``twelfth``  where in the beat it starts, in twelfths (0 = on the beat)
``change``   beats until the chord changes: under 1, under 2, under 4, later or never

``context-v2`` adds a seventh:

``pitch``    the last pitch sounded before the value, as an interval above the root of
             the chord the value starts on (0-11), or "none" (nothing sounded yet, or
             N.C.): where the line stands against the harmony, the 7th of a ii about
             to become the 3rd of the V. The values say only what kind of tone a note
             is and roughly how far it moved, so without it the model cannot tell the
             root from the 5th it is leaving. Measured on the held-out Weimar solos it
             lowers the loss by 0.32 nats per value (data/README.md).

``context-v3`` (the default since the shipped model was retrained on it) adds an eighth:

``tempo``    the tempo band: under 110, 110-150, 150-190, 190-240, 240-280, 280 BPM
             or more (the time feel's bands). Players at a ballad tempo fill a beat
             with sixteenths and 32nds, at 300 BPM with eighths and quarters: the notes'
             lengths in beats depend on the tempo more than on anything the other
             groups say (data/README.md).

A context-v2 model reads the first seven groups of the same indices, a context-v1
model the first six.

Chord motion rather than an absolute root: the values are already relative to the
chord, so what a player hears next is the quality and the root movement (a ii-V is
"min, then dom up a fourth") in any key. Pure functions: the training data
(:mod:`improv.learning.contexts`) and the player (:mod:`improv.band.melody`)
call the same code, so the model hears at play time what it learnt from.
"""

from __future__ import annotations

import bisect
from fractions import Fraction

from improv.language.chordnaming import family
from improv.language.harmony import NO_CHORD, Chord

NAME = "context-v1"
NAME_V2 = "context-v2"
NAME_V3 = "context-v3"
FAMILIES = ("maj", "min", "dom", "half-dim", "dim", "aug", "sus", "nc")
GROUPS = (("family", len(FAMILIES)), ("motion", 13), ("beat", 6), ("metre", 3),
          ("twelfth", 12), ("change", 4))
N_GROUPS = len(GROUPS)
OFFSETS = tuple(sum(size for _name, size in GROUPS[:k]) for k in range(N_GROUPS))
N_FEATURES = sum(size for _name, size in GROUPS)
PITCH_OFFSET = N_FEATURES  # the seventh group, context-v2's
N_FEATURES_V2 = N_FEATURES + 13
# BPM: the tempo bands, the model's group and the time feel's cells alike (about 25,000
# to 45,000 Weimar notes each)
TEMPO_EDGES = (110.0, 150.0, 190.0, 240.0, 280.0)
TEMPO_OFFSET = N_FEATURES_V2  # the eighth group, context-v3's
N_FEATURES_V3 = N_FEATURES_V2 + len(TEMPO_EDGES) + 1
DEFAULT_TEMPO = 120.0  # BPM, where a corpus or a caller gives none
_FAMILY_INDEX = {name: k for k, name in enumerate(FAMILIES)}
_NO_MOTION = 12


def chord_family(chord: Chord) -> int:
    """The family group's slot of ``chord`` (N.C. has a slot of its own)."""
    if chord.quality == "nc":
        return _FAMILY_INDEX["nc"]
    return _FAMILY_INDEX[family(chord.quality)]


def motion(chord: Chord, previous: Chord | None) -> int:
    """Semitones the root moved up from ``previous``; 12 when there is no motion to hear."""
    if previous is None or previous.quality == "nc" or chord.quality == "nc":
        return _NO_MOTION
    return (chord.root - previous.root) % 12


def _change_slot(to_change) -> int:
    if to_change is None or to_change >= 4:
        return 3
    if to_change < 1:
        return 0
    return 1 if to_change < 2 else 2


def features(chord: Chord, previous: Chord | None, in_bar, beats_per_bar: int,
             to_change=None) -> tuple[int, ...]:
    """The six active indices (one per group, ascending) of the moment a value starts.

    ``in_bar`` is the start in beats from the bar line (a Fraction on the twelfth grid,
    or a float), ``to_change`` the beats until a different chord (None: none comes)."""
    in_bar = Fraction(in_bar).limit_denominator(12) if not isinstance(in_bar, Fraction) else in_bar
    beat = int(in_bar)
    twelfth = int((in_bar - beat) * 12) % 12
    metre = 0 if beats_per_bar <= 3 else (1 if beats_per_bar == 4 else 2)
    slots = (chord_family(chord), motion(chord, previous), min(max(beat, 0), 5), metre,
             twelfth, _change_slot(to_change))
    return tuple(offset + slot for offset, slot in zip(OFFSETS, slots))


def pitch_slot(chord: Chord, pitch: int | None) -> int:
    """The pitch group's index (context-v2) of the last pitch sounded, against ``chord``."""
    if pitch is None or chord.quality == "nc":
        return PITCH_OFFSET + 12
    return PITCH_OFFSET + (pitch - chord.root) % 12


def with_pitch(indices: tuple[int, ...], chord: Chord, pitch: int | None) -> tuple[int, ...]:
    """context-v1's six indices and the pitch group: a context-v2 moment."""
    return (*indices, pitch_slot(chord, pitch))


def tempo_slot(bpm: float | None) -> int:
    """The tempo group's index (context-v3) of ``bpm`` (None: DEFAULT_TEMPO)."""
    return TEMPO_OFFSET + bisect.bisect_right(TEMPO_EDGES, DEFAULT_TEMPO if bpm is None else bpm)


def band_of(indices: tuple[int, ...], bpm: float | None) -> int | None:
    """The tempo band (0 .. len(TEMPO_EDGES)) of a moment that holds the tempo group
    (context-v3), else of ``bpm`` (None: not known)."""
    if indices and indices[-1] >= TEMPO_OFFSET:
        return indices[-1] - TEMPO_OFFSET
    return None if bpm is None else tempo_slot(bpm) - TEMPO_OFFSET


def with_tempo(indices: tuple[int, ...], bpm: float | None) -> tuple[int, ...]:
    """A context-v2 moment and the tempo group: a context-v3 moment."""
    return (*indices, tempo_slot(bpm))


def for_model(indices: tuple[int, ...], n_features: int) -> tuple[int, ...]:
    """The groups of a context-v3 moment that a model with ``n_features`` inputs reads."""
    if n_features > N_FEATURES_V2:
        return indices
    return indices[:N_GROUPS + 1] if n_features > N_FEATURES else indices[:N_GROUPS]


def no_chart(twelfths: int, bpm: float | None = None) -> tuple[int, ...]:
    """The context (v3) of a value ``twelfths`` twelfths of a beat from the top of 4/4
    bars under no chord: what a model hears when nobody gave it a chart."""
    beat = Fraction(twelfths, 12)
    return with_tempo(with_pitch(features(NO_CHORD, None, beat % 4, 4), NO_CHORD, None), bpm)


def describe(indices) -> dict[str, str | int]:
    """The groups of a moment by name, for messages and tests."""
    out: dict[str, str | int] = {}
    for index in indices:
        if index >= TEMPO_OFFSET:
            out["tempo"] = index - TEMPO_OFFSET
            continue
        if index >= PITCH_OFFSET:
            slot = index - PITCH_OFFSET
            out["pitch"] = "none" if slot == 12 else slot
            continue
        k = max(g for g in range(N_GROUPS) if OFFSETS[g] <= index)
        name, slot = GROUPS[k][0], index - OFFSETS[k]
        out[name] = FAMILIES[slot] if name == "family" else slot
    return out
