"""The ``[sampling]`` table: how the soloist draws its values, and the seed's range."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from improv.language.grammar import BEATS_PER_BAR
from improv.settings import setting, validate

ENDLESS_POLICIES = ("reprime", "keep")
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class SamplingSettings:
    """How values are drawn (the ``[sampling]`` table of config.toml has the first four).

    ``seed`` None draws fresh entropy; ``max_rest_bars`` None allows rest runs of any
    length. The command layer sets ``seed`` (config's top-level ``seed``, which also seeds
    the band's parts); tests and benchmarks set the rest."""

    # 1 samples the model as trained; 0.85 its likelier lines (the shipped calibration's)
    temperature: float = setting(0.85, lo=0.05, hi=5.0)
    top_p: float = setting(1.0, lo=0.01, hi=1.0)  # 1 (as trained) turns nucleus sampling off
    max_rest_bars: float | None = setting(2.0, lo=0.25, hi=16.0)
    rhythm_grid: bool = setting(True)
    breaths: str = setting("learned", choices=("learned", "model"))  # see sampling.phrasing
    calibrate: bool = setting(True)  # see sampling.calibration
    landing: bool = setting(True)  # see sampling.phasetable.LANDING; with calibrate only
    player: str = setting("drawn", choices=("drawn", "pooled"))  # see sampling.persona
    seed: int | None = setting(None, lo=0, hi=MAX_SEED, config=False)
    greedy: bool = setting(False, config=False)
    beats_per_bar: float = setting(BEATS_PER_BAR, lo=0.5, hi=32.0, config=False)
    tempo: float | None = setting(None, lo=1.0, hi=1000.0, config=False)  # BPM at the start
    endless: str = setting("reprime", choices=ENDLESS_POLICIES, config=False)

    def __post_init__(self):
        validate(self)

    @property
    def max_rest(self) -> float:
        """The longest rest run in quarter notes (infinity for no limit)."""
        return np.inf if self.max_rest_bars is None else self.max_rest_bars * self.beats_per_bar

    @property
    def max_rest_twelfths(self) -> int | None:
        """The longest rest run in twelfths of a beat (rounded down), None for no limit."""
        return None if self.max_rest_bars is None else int(self.max_rest * 12 + 1e-9)
