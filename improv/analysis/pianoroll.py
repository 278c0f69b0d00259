"""A piano roll of the band's first bars, drawn with matplotlib (the ``plot`` extra).

Time runs left to right, numbered by bar; pitch bottom to top, named (C4 is middle C).
Behind the notes, the rows of the chord sounding are shaded, its chord tones darker
than the rest of its scale, and each chord's symbol stands above its change, so a
glance shows which notes sit on the harmony. Each part has its own colour.

matplotlib is imported only when a roll is drawn, through its object API (a Figure and
its Agg canvas, no pyplot and its global state), so the daemon never loads it.
"""

from __future__ import annotations

import math
from typing import BinaryIO, Mapping, Sequence

import numpy as np

from improv.analysis.solostats import pitch_name
from improv.errors import MissingDependencyError
from improv.language.harmony import Chord

SCALE = (0.925, 0.941, 0.969)
CHORD_TONE = (0.816, 0.863, 0.941)
COLOURS = {"melody": "#c83c28", "comping": "#2f6db5"}
OTHER_COLOURS = ("#3a9a4a", "#9a5ab0", "#c08a20", "#4a4a4a")  # parts not named above
SHADE_STEPS = 12  # shading columns per beat: chord changes fall on twelfths


def matplotlib_figure():
    """matplotlib's Figure and Agg canvas classes, or one line on how to install them."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:
        raise MissingDependencyError(
            "the piano roll needs matplotlib: pip install 'improv[plot]' (or pip install "
            "matplotlib)") from err
    return Figure, FigureCanvasAgg


def colour_of(part: str, order: int) -> str:
    return COLOURS.get(part, OTHER_COLOURS[order % len(OTHER_COLOURS)])


def shading(chords: Sequence[tuple[float, float, Chord]], beats: float, low: int,
            high: int) -> np.ndarray:
    """(pitches, columns, 3) RGB floats: each row's shade under the chord sounding
    (chord tone, scale tone or white), ``SHADE_STEPS`` columns a beat, lowest pitch first."""
    columns = max(1, int(math.ceil(beats * SHADE_STEPS)))
    image = np.ones((high - low + 1, columns, 3))
    for start, end, chord in chords:
        a = max(0, int(round(start * SHADE_STEPS)))
        b = min(columns, int(round(end * SHADE_STEPS)))
        if b <= a:
            continue
        for row, pitch in enumerate(range(low, high + 1)):
            pc = pitch % 12
            if pc in chord.tones:
                image[row, a:b] = CHORD_TONE
            elif pc in chord.scale:
                image[row, a:b] = SCALE
    return image


def piano_roll(parts: Mapping[str, Sequence[tuple[float, float, int]]],
               chords: Sequence[tuple[float, float, Chord]], beats: float,
               beats_per_bar: int = 4, title: str = ""):
    """A matplotlib Figure: each part's notes as (start, end, pitch) in beats, and the
    chords as (start, end, chord), over the first ``beats`` beats."""
    from matplotlib.patches import Patch, Rectangle

    Figure, FigureCanvasAgg = matplotlib_figure()
    pitches = [p for notes in parts.values() for s, _e, p in notes if s < beats]
    low, high = min(pitches, default=60) - 2, max(pitches, default=72) + 2
    bars = max(1, int(math.ceil(beats / beats_per_bar)))
    figure = Figure(figsize=(max(8.0, 0.9 * bars + 1.5), max(4.0, 0.12 * (high - low) + 1.8)),
                    dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    ax.imshow(shading(chords, beats, low, high), origin="lower", aspect="auto",
              extent=(0, beats, low - 0.5, high + 0.5), interpolation="nearest", zorder=0)
    for order, (name, notes) in enumerate(parts.items()):
        colour = colour_of(name, order)
        for start, end, pitch in notes:
            if start < beats and low <= pitch <= high:
                ax.add_patch(Rectangle((start, pitch - 0.4), min(end, beats) - start, 0.8,
                                       facecolor=colour, edgecolor="black", linewidth=0.4,
                                       zorder=3, label=name))
    for bar in range(bars + 1):
        ax.axvline(bar * beats_per_bar, color="0.55", linewidth=0.8, zorder=2)
    previous = None
    for start, _end, chord in chords:
        if start >= beats or chord == previous:
            continue
        previous = chord
        ax.axvline(start, color="0.78", linewidth=0.5, zorder=1)
        ax.text(start + 0.05, high + 0.9, chord.name, fontsize=8, va="bottom", clip_on=False)
    ax.set_xlim(0, beats)
    ax.set_ylim(low - 0.5, high + 0.5)
    ax.set_xticks([(bar + 0.5) * beats_per_bar for bar in range(bars)],
                  [str(bar + 1) for bar in range(bars)])
    ax.tick_params(axis="x", length=0)
    ax.set_xlabel(f"bar ({beats_per_bar}/4)")
    step = 1 if high - low <= 30 else 2
    names = [p for p in range(low, high + 1) if (p - low) % step == 0 or p % 12 == 0]
    ax.set_yticks(names, [pitch_name(p) for p in names], fontsize=7)
    ax.set_ylabel("pitch")
    if title:
        ax.set_title(title, pad=18)
    ax.legend(handles=[Patch(facecolor=colour_of(name, k), edgecolor="black", label=name)
                       for k, name in enumerate(parts)], loc="upper right", fontsize=8,
              framealpha=0.9)
    return figure


def write_png(figure, out: BinaryIO) -> None:
    figure.savefig(out, format="png")
