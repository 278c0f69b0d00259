"""The band's styles: what each part plays in a swing, a ballad, a bossa ... (pure).

A style is one word for the whole band (``--style``, ``style =`` in config.toml, a text
chart's ``style:``); each part whose own table says ``style = "auto"`` takes its share
from here, and a table that names its own style keeps it. Straight styles play even
eighths: the band's swing is 0 and the solo plays on the grid, since the learned time
feel is swing soloists'.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BandStyle:
    """What a style asks of each part."""

    comping: str  # a comping style (improv.band.comping.STYLES)
    drums: str  # a drum style (improv.band.drumkit)
    bass: str  # a bass feel (improv.band.bass.FEELS)
    straight: bool = False  # even eighths for the whole band


STYLES = {
    "swing": BandStyle("pianist", "swing", "walk"),
    "ballad": BandStyle("ballad", "ballad", "two"),
    "bossa": BandStyle("bossa", "bossa", "bossa", straight=True),
    "waltz": BandStyle("pianist", "waltz", "walk"),
    "latin": BandStyle("pianist", "latin", "bossa", straight=True),
    "even8": BandStyle("pianist", "even8", "walk", straight=True),
}


def band_style(name: str, beats_per_bar: int) -> str:
    """The style to play: ``name`` if given, else a waltz in 3/4 and a swing otherwise."""
    if name:
        return name
    return "waltz" if beats_per_bar == 3 else "swing"
