"""The band the daemon plays: one part per table of config.toml, composed here.

Each part's settings are its own table (``[melody]``, ``[comping]``: on/off, channel,
General MIDI program, velocity and what else the part needs), defined beside the part.
A new part adds its table to :class:`~improv.commands.config.Config` and to
``config.PARTS``, and one builder below; the scheduler, the renderers, the synth and
the commands take it from there by its name and channel.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from improv.band.bass import bass_part
from improv.band.chart import Progression
from improv.band.comping import CompingPart
from improv.band.countin import CountInPart
from improv.band.drums import DrumsPart
from improv.band.ensemble import Ensemble
from improv.band.melody import MelodyPart
from improv.band.styles import STYLES, BandStyle, band_style
from improv.commands import config as settings

# table -> the part it configures, from (its settings, the value source, its generator,
# the band's style)
BUILDERS = {
    "melody": lambda table, source, rng, style: MelodyPart(source, rng, table),
    "comping": lambda table, source, rng, style: CompingPart(
        dataclasses.replace(table, style=style.comping) if table.style == "auto" else table,
        rng),
    "bass": lambda table, source, rng, style: bass_part(
        dataclasses.replace(table, feel=style.bass) if table.feel == "auto" else table, rng),
    "drums": lambda table, source, rng, style: DrumsPart(
        table, rng, style.drums if table.style == "auto" else None),
}


def part_rng(seed: int, table: str) -> np.random.Generator:
    """A part's own random stream: the seed and the part's place in ``config.PARTS``
    (the melody's is ``[seed, 1]``, as it has been since the seed first chose a solo)."""
    return np.random.default_rng([seed, settings.PARTS.index(table) + 1])


def style_of(cfg: settings.Config, chart) -> BandStyle:
    """What the band plays: ``style`` from the config or flag, else the chart's, else a
    waltz in 3/4 and a swing otherwise."""
    return STYLES[band_style(cfg.style or chart.style, chart.beats_per_bar)]


def feel_for(cfg: settings.Config, style: BandStyle):
    """The band's feel in ``style``: a straight style plays even eighths, the solo on
    the grid (the learned feel is swing soloists')."""
    if not style.straight:
        return cfg.feel
    return dataclasses.replace(cfg.feel, swing=0.0, timing="grid")


def tables(cfg: settings.Config, listener=None) -> dict[str, object]:
    """Each part's settings as they will play: following the musician's chords, the
    comping rests unless ``[listen] comping`` asks for it (the musician plays them)."""
    out = {name: getattr(cfg, name) for name in settings.PARTS}
    if listener is not None and cfg.listen.follow_chords and not cfg.listen.comping:
        out["comping"] = dataclasses.replace(out["comping"], enabled=False)
    return out


def ensemble_from(cfg: settings.Config, source, seed: int, listener=None,
                  chart=None) -> Ensemble:
    """Every configured part over ``chart`` (default: the one ``cfg`` names); with
    ``count_in`` bars, the count-in on the drums' channel (whether they play or not)
    and the chart after it."""
    from improv.commands.charts import chart_of

    chart = chart_of(cfg) if chart is None else chart
    style = style_of(cfg, chart)
    parts = [BUILDERS[name](table, source, part_rng(seed, name), style)
             for name, table in tables(cfg, listener).items()]
    if cfg.count_in:
        parts.append(CountInPart(cfg.drums.channel, cfg.drums.velocity))
    ensemble = Ensemble(parts, Progression.from_chart(chart), feel=feel_for(cfg, style),
                        listener=listener, lead_in=cfg.count_in * chart.beats_per_bar)
    if listener is not None:
        listener.chord_at = lambda beat: ensemble.span_at(beat).chord
    return ensemble


def programs(cfg: settings.Config) -> dict[int, int]:
    """MIDI channel (1-16) → General MIDI program (1-128) of each part that plays and
    names one (program 0: leave the instrument as it is)."""
    return {table.channel: table.program for name in settings.PARTS
            if (table := getattr(cfg, name)).enabled and table.program}
