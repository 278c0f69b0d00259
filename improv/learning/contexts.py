"""The context of every value of a corpus piece, as a conditioned model reads it.

For each value (note or rest) of a :class:`~improv.learning.corpus.Piece`, the eight
active indices of context-v3 (:mod:`improv.language.context`): the chord sounding where
the value starts, the step from the chord before, the beat and the bar's metre, the place
in the beat, how soon the chord changes, the last pitch sounded before the value
against that chord (across rests and phrases, as the player hears it), and the piece's
tempo band (the default tempo's where the source gives none). Bars keep their
own lengths (a 3/4 solo counts three beats); a pickup bar shorter than the bar after it
counts from that bar's upbeat.
"""

from __future__ import annotations

import bisect

from improv.language import context


def _changes(piece) -> list[tuple[float, object]]:
    """``(beat, chord)`` where the harmony changes, over the whole piece."""
    out: list[tuple[float, object]] = []
    for bar in piece.bars:
        for at, chord in bar.chords:
            if not out or out[-1][1] != chord:
                out.append((bar.offset + at, chord))
    return out


def piece_contexts(piece) -> list[list[tuple[int, ...]]]:
    """One tuple of feature indices per value, bar by bar (as ``bar.values``)."""
    changes = _changes(piece)
    starts = [t for t, _chord in changes]
    bars = piece.bars
    out, last_pitch = [], None
    for k, bar in enumerate(bars):
        length, shift = bar.length, 0.0
        if k == 0 and len(bars) > 1 and bar.length < bars[1].length:
            length, shift = bars[1].length, bars[1].length - bar.length  # a pickup
        metre = round(length)
        row = []
        for note in bar.notes:
            at = bar.offset + note.offset
            i = bisect.bisect_right(starts, at + 1e-9) - 1
            chord = changes[max(i, 0)][1]
            previous = changes[i - 1][1] if i >= 1 else None
            to_change = starts[i + 1] - at if i + 1 < len(starts) else None
            moment = context.features(chord, previous, note.offset + shift, metre, to_change)
            row.append(context.with_tempo(context.with_pitch(moment, chord, last_pitch),
                                          piece.tempo))
            if note.pitch is not None:
                last_pitch = note.pitch
        out.append(row)
    return out
